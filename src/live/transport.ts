import { invariant } from '../core/assert.ts';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import type { RandomStream } from '../core/rng.ts';
import { formatAddress, type Address } from './config.ts';
import { dataCore, SIGNED_OVERHEAD_BYTES } from './frames.ts';
import { INBOUND_LIMITS_DEFAULT, InboundServer, type InboundLimits } from './inbound.ts';
import {
  OUTBOUND_LIMITS_DEFAULT,
  PeerLink,
  type DropWhy as LinkDropWhy,
  type LinkState,
  type OutboundLimits,
} from './outbound.ts';

export type DropWhy = LinkDropWhy | 'frame-too-large';

export interface TransportConfig {
  id: NodeId;
  /** Every node of the cluster (this one included) and where it listens. */
  addresses: ReadonlyMap<NodeId, Address>;
  secret: string | null;
  frameBytesMax: number;
  isMessage(value: unknown): boolean;
  /** Jitter for reconnect backoff. */
  random: RandomStream;
  inbound?: Partial<InboundLimits>;
  outbound?: Partial<OutboundLimits>;
}

export interface TransportEvents {
  onFrame(from: NodeId, msg: Json, ref: string): void;
  onDrop(to: NodeId, ref: string, why: DropWhy): void;
  onNote(text: string): void;
  /** A dropped inbound connection, keyed by the kind of problem so the host can throttle a flood of them. */
  onDropNote(key: string, text: string): void;
  /** A link went up or down: for screens that show the peers. */
  onStateChange(): void;
}

export interface PeerState {
  node: NodeId;
  address: string;
  /** This node's connection to the peer. */
  outbound: LinkState;
  /** Whether the peer's connection to this node is open (it said hello). */
  inbound: boolean;
  queued: number;
  dropped: number;
}

/**
 * The node's network: one listening socket that only reads, and one outbound link per peer that only writes.
 * Frames are encoded (and signed) here, so the host hands over protocol messages and refs only.
 */
export class Transport {
  private readonly inbound: InboundServer;
  private readonly links = new Map<NodeId, PeerLink>();
  private listening: Address | null = null;

  constructor(
    private readonly config: TransportConfig,
    private readonly events: TransportEvents,
  ) {
    const nodes = [...config.addresses.keys()].sort((a, b) => a - b);
    invariant(config.addresses.has(config.id), `node ${config.id} has no address of its own`);
    const rules = { self: config.id, nodes, secret: config.secret, isMessage: config.isMessage };
    const inboundLimits = { ...INBOUND_LIMITS_DEFAULT, ...(config.inbound ?? {}) };
    this.inbound = new InboundServer(rules, config.frameBytesMax, inboundLimits, {
      ...events,
      onHello: (from) => this.links.get(from)?.reconnectNow(),
    });
    const outboundLimits = { ...OUTBOUND_LIMITS_DEFAULT, ...(config.outbound ?? {}) };
    const identity = { self: config.id, secret: config.secret };
    for (const node of nodes) {
      if (node === config.id) continue;
      const address = config.addresses.get(node) as Address;
      this.links.set(node, new PeerLink(node, address, identity, outboundLimits, config.random, events));
    }
  }

  /** Binds this node's own address; resolves with the address actually bound (port 0 becomes a real port). */
  async listen(): Promise<Address> {
    this.listening = await this.inbound.listen(this.config.addresses.get(this.config.id) as Address);
    return this.listening;
  }

  /** Starts every outbound link; frames sent before that wait in the links' queues. */
  connect(): void {
    for (const link of this.links.values()) link.start();
  }

  send(to: NodeId, msg: Json, ref: string): void {
    const link = this.links.get(to);
    invariant(link !== undefined, `no link to node ${to}: not a peer of node ${this.config.id}`);
    const core = dataCore(this.config.id, msg, ref);
    // Checked with room for the signature, so what is accepted here fits the frame once signed.
    if (Buffer.byteLength(core, 'utf8') + 1 + SIGNED_OVERHEAD_BYTES > this.config.frameBytesMax) {
      this.events.onDrop(to, ref, 'frame-too-large');
      return;
    }
    link.send(core, ref);
  }

  /** Stops (false) or resumes (true) reading peers' frames: backpressure, the kernel's buffers fill up instead. */
  setReading(reading: boolean): void {
    this.inbound.setReading(reading);
  }

  peers(): PeerState[] {
    const inbound = this.inbound.connectedPeers();
    return [...this.links.values()].map((link) => ({
      node: link.peer,
      address: formatAddress(link.address),
      outbound: link.state,
      inbound: inbound.has(link.peer),
      queued: link.queued,
      dropped: link.dropped,
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.close()));
    await this.inbound.close();
  }
}
