import { invariant } from '../core/assert.ts';
import type { NodeId } from '../core/ids.ts';
import { LinkProxy, type LinkMode, type LinkProxyStats } from './proxy.ts';

/**
 * The network of a launched cluster: one proxy per directed link, and the fault state the scenario has set on it.
 * A link's proxy mode follows from that state the way the simulator's network decides a message's fate: blocked
 * by a partition or a cut (the message is lost), else held, else passed after the link's delay.
 */
export type CutStyle = 'drop' | 'refuse';

interface Link {
  from: NodeId;
  to: NodeId;
  proxy: LinkProxy;
  cut: boolean;
  held: boolean;
  /** Delay set for this link alone (setLink), over the network-wide one. */
  delayMsOverride: number | null;
}

/** Told about every frame a blocked link swallowed (cut to the proxy's peek bound), e.g. to record a drop. */
export type DroppedFrameListener = (from: NodeId, to: NodeId, frame: string, reason: BlockReason) => void;

/** Why a link loses what it carries: the network is split, the link is cut, or the node it leads to is down. */
export type BlockReason = 'partition' | 'cut' | DownReason;
export type DownReason = 'crashed' | 'not-joined';

export interface LinkReport {
  from: NodeId;
  to: NodeId;
  stats: LinkProxyStats;
}

export class LinkTable {
  private readonly links = new Map<string, Link>();
  private groupOf: Map<NodeId, number> | null = null;
  private delayMsAll = 0;
  /** Nodes whose incoming links swallow frames while they are down (only with `--down-links drop`). */
  private readonly down = new Map<NodeId, DownReason>();

  private constructor(
    readonly nodes: readonly NodeId[],
    private readonly cutStyle: CutStyle,
  ) {}

  /** Starts a proxy for every ordered pair of nodes, each forwarding to the node the link points at. */
  static async start(
    nodes: readonly NodeId[],
    listenPorts: ReadonlyMap<NodeId, number>,
    cutStyle: CutStyle,
    onDropped?: DroppedFrameListener,
  ): Promise<LinkTable> {
    const table = new LinkTable(nodes, cutStyle);
    try {
      for (const from of nodes) {
        for (const to of nodes) {
          if (from === to) continue;
          const targetPort = listenPorts.get(to);
          invariant(targetPort !== undefined, `node ${to} has no listen port`);
          const onDroppedFrame = (frame: string) => onDropped?.(from, to, frame, table.blocked(from, to) ?? 'cut');
          // The transport's hello passes even a blocked or held link, as a connection handshake would.
          const proxy = await LinkProxy.start({ targetPort, onDroppedFrame, passFirstFrames: 1 });
          table.links.set(key(from, to), { from, to, proxy, cut: false, held: false, delayMsOverride: null });
        }
      }
    } catch (error) {
      await table.close();
      throw error;
    }
    return table;
  }

  /** The port node `from` must dial to reach node `to`. */
  portOf(from: NodeId, to: NodeId): number {
    return this.link(from, to).proxy.port;
  }

  /** Node `node` listens elsewhere now: every link towards it forwards there. */
  retarget(node: NodeId, port: number): void {
    for (const link of this.links.values()) if (link.to === node) link.proxy.retarget(port);
  }

  partition(groups: readonly (readonly NodeId[])[]): void {
    const groupOf = new Map<NodeId, number>();
    groups.forEach((group, index) => {
      for (const node of group) groupOf.set(node, index);
    });
    this.groupOf = groupOf;
    this.apply();
  }

  cut(from: NodeId, to: NodeId): void {
    this.link(from, to).cut = true;
    this.apply();
  }

  /** Removes partitions and cuts; holds stay until released, as in the simulator. */
  heal(): void {
    this.groupOf = null;
    for (const link of this.links.values()) link.cut = false;
    this.apply();
  }

  hold(from: NodeId, to: NodeId): void {
    this.link(from, to).held = true;
    this.apply();
  }

  /** Returns whether the link was held. */
  release(from: NodeId, to: NodeId): boolean {
    const link = this.link(from, to);
    const was = link.held;
    link.held = false;
    this.apply();
    return was;
  }

  /**
   * While `node` is down, frames sent to it are swallowed, as the simulator drops messages to a crashed node;
   * otherwise senders' transports would queue them and hand them to its next incarnation.
   */
  setDown(node: NodeId, down: DownReason | null): void {
    if (down !== null) this.down.set(node, down);
    else this.down.delete(node);
    this.apply();
  }

  heldLinks(): Array<[NodeId, NodeId]> {
    return [...this.links.values()].filter((link) => link.held).map((link) => [link.from, link.to]);
  }

  setDelayAll(delayMs: number): void {
    this.delayMsAll = delayMs;
    this.apply();
  }

  setDelay(from: NodeId, to: NodeId, delayMs: number): void {
    this.link(from, to).delayMsOverride = delayMs;
    this.apply();
  }

  /** Back to one delay everywhere, as the liveness phase wants. */
  resetDelays(delayMs: number): void {
    for (const link of this.links.values()) link.delayMsOverride = null;
    this.setDelayAll(delayMs);
  }

  /** Why a message on the link is lost now, or null when it may pass. */
  blocked(from: NodeId, to: NodeId): BlockReason | null {
    if (this.groupOf !== null && (this.groupOf.get(from) ?? -1) !== (this.groupOf.get(to) ?? -1)) return 'partition';
    if (this.link(from, to).cut) return 'cut';
    return this.down.get(to) ?? null;
  }

  reports(): LinkReport[] {
    return [...this.links.values()].map((link) => ({ from: link.from, to: link.to, stats: link.proxy.stats() }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.proxy.close()));
  }

  private apply(): void {
    for (const link of this.links.values()) {
      link.proxy.setDelayMs(link.delayMsOverride ?? this.delayMsAll);
      const blocked = this.blocked(link.from, link.to);
      // A link to a down node swallows rather than refuses: a refused sender would queue and resend later.
      const blockedMode: LinkMode = blocked === 'partition' || blocked === 'cut' ? this.cutStyle : 'drop';
      const mode: LinkMode = blocked !== null ? blockedMode : link.held ? 'hold' : 'pass';
      if (link.proxy.mode !== mode) link.proxy.setMode(mode);
    }
  }

  private link(from: NodeId, to: NodeId): Link {
    const link = this.links.get(key(from, to));
    invariant(link !== undefined, `no link ${from} -> ${to} in this cluster`);
    return link;
  }
}

function key(from: NodeId, to: NodeId): string {
  return `${from}->${to}`;
}
