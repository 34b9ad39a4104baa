import { invariant } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';
import type { NodeContext } from '../../core/node.ts';
import { entryFields, SYNC_ENTRIES_MAX, type Entry, type PrimaryBackupMessage } from './messages.ts';
import { prefixWithin } from '../shared/schema.ts';
import type { PrimaryBackupOptions } from './options.ts';

type Context = NodeContext<PrimaryBackupMessage>;
type SyncMessage = Extract<PrimaryBackupMessage, { type: 'SYNC' }>;

export const TIMER_DISCOVERY = 'discovery';
export const TIMER_SYNC = 'sync';

/** A restarted node first finds the primary (discovering), then fetches what it missed (syncing). */
export type SyncState = 'synced' | 'discovering' | 'syncing';

/** What the rejoin sub-machine reads and calls on its node. */
export interface RejoiningNode {
  readonly highestSeq: number;
  readonly leader: NodeId | null;
  readonly dropped: { held: number; foreign: number };
  /** The backup's sequence check with immediate delivery, as for a live replication. */
  applyReplica(ctx: Context, entry: Entry): void;
  noteLeaderAlive(ctx: Context, from: NodeId): void;
}

/**
 * How a restarted node catches up (the seed's "novo nó solicita histórico"): it asks who leads (DISCOVER) instead
 * of bullying a live primary, then fetches what it missed from that primary in batches (SYNC_REQ / SYNC).
 * Replications that arrive meanwhile are held and replayed in seq order once the sync ends; the ones the sync
 * already covered are then stale. Either wait gives up after primaryTimeoutMs.
 */
export class RejoinSync {
  state: SyncState = 'synced';
  private held: Entry[] = [];

  constructor(
    private readonly node: RejoiningNode,
    private readonly options: PrimaryBackupOptions,
  ) {}

  get synced(): boolean {
    return this.state === 'synced';
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** On a restart: ask every peer who leads. */
  discover(ctx: Context): void {
    this.state = 'discovering';
    ctx.broadcast({ type: 'DISCOVER' });
    ctx.setTimer(TIMER_DISCOVERY, this.options.primaryTimeoutMs);
  }

  /** The node now follows a primary: if it was still catching up, fetch the history from that primary. */
  onPrimaryFound(ctx: Context): void {
    if (this.synced) return;
    ctx.cancelTimer(TIMER_DISCOVERY);
    this.request(ctx);
  }

  /** The node leads now: nobody to sync from; what it held is dropped (it numbers from its own highest seq). */
  abandon(ctx: Context): void {
    if (this.synced) return;
    this.node.dropped.held += this.held.length;
    this.held = [];
    this.state = 'synced';
    ctx.cancelTimer(TIMER_DISCOVERY);
    ctx.cancelTimer(TIMER_SYNC);
  }

  /** Nobody answered DISCOVER; returns true when the node should elect (it was still discovering). */
  onDiscoveryTimeout(ctx: Context): boolean {
    if (this.state !== 'discovering') return false;
    ctx.log('no primary answered DISCOVER: electing');
    this.finish(ctx);
    return true;
  }

  onSyncTimeout(ctx: Context): void {
    if (this.state !== 'syncing') return;
    ctx.log(`primary ${this.node.leader} did not answer SYNC_REQ: going on without the rest of the history`);
    this.finish(ctx);
  }

  onSync(ctx: Context, from: NodeId, message: SyncMessage): void {
    if (this.state !== 'syncing' || from !== this.node.leader) return;
    this.node.noteLeaderAlive(ctx, from);
    for (const entry of message.entries) this.node.applyReplica(ctx, entryFields(entry));
    if (message.more) this.request(ctx);
    else this.finish(ctx);
  }

  /** A replication that arrived while discovering or syncing waits for the end of the sync. */
  hold(ctx: Context, entry: Entry): void {
    if (this.held.length >= this.options.pendingMax) {
      this.node.dropped.held += 1;
      ctx.log(`${this.options.pendingMax} replications held while syncing: seq ${entry.seq} dropped`);
      return;
    }
    this.held.push(entry);
  }

  private request(ctx: Context): void {
    const leader = this.node.leader;
    invariant(leader !== null && leader !== ctx.id, 'a node syncs from another node that leads');
    this.state = 'syncing';
    ctx.send(leader, { type: 'SYNC_REQ', fromSeq: this.node.highestSeq + 1 });
    ctx.setTimer(TIMER_SYNC, this.options.primaryTimeoutMs);
  }

  /** Replays what arrived during discovery or sync, in seq order (those the sync already covered are stale). */
  private finish(ctx: Context): void {
    this.state = 'synced';
    ctx.cancelTimer(TIMER_SYNC);
    const held = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    for (const entry of held) {
      const leader = this.node.leader;
      if (leader === null || entry.primary === leader) this.node.applyReplica(ctx, entry);
      else this.node.dropped.foreign += 1;
    }
  }
}

/** The primary's answer to SYNC_REQ: the kept history from `fromSeq` on, at most `batchMax` entries a message. */
export function syncReply(history: readonly Entry[], fromSeq: number, batchMax: number): SyncMessage {
  const start = history.findIndex((entry) => entry.seq >= fromSeq);
  const rest = start === -1 ? [] : history.slice(start);
  // Capped by bytes as well as by count, so a batch of large entries still fits one frame.
  const countMax = Math.min(batchMax, SYNC_ENTRIES_MAX);
  const entries = prefixWithin(rest.slice(0, countMax), countMax);
  return { type: 'SYNC', entries, more: rest.length > entries.length };
}
