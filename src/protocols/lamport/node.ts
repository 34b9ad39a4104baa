import { invariant } from '../../core/assert.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { NodeContext, NodeStatus, ProtocolNode, Submission } from '../../core/node.ts';
import { BoundedSet } from '../shared/bounded-set.ts';
import { pickPeers } from './gossip.ts';
import { compareHeld, type HeldMessage, LamportHoldback } from './holdback.ts';
import { isLamportRecord, type LamportChat, type LamportMessage } from './messages.ts';
import type { LamportOptions } from './options.ts';
import { stableAllPeers, stableDocumented } from './stability.ts';

type Context = NodeContext<LamportMessage>;

const TIMER_DELIVERY = 'delivery-check';
const TIMER_HEARTBEAT = 'heartbeat';

/**
 * Seed 003, part 3: Lamport-timestamp total order over gossip. The origin stamps a message with its incremented
 * clock and sends it to `fanout` peers; every first-time receiver sets its clock to max(local, ts) + 1, holds the
 * message in a buffer ordered by (ts, origin) and forwards it to `fanout` of its own peers; a check every
 * `deliveryCheckIntervalMs` delivers the stable head messages.
 *
 * Known weaknesses of the documented design, kept as the default (the lab's job is to show them):
 * - The stability rule (head ts < local clock) is unsafe: it does not wait for the other nodes, so a message
 *   with a smaller ts that is delayed, reordered or on a longer gossip path is delivered after larger ones that
 *   another node delivered after it. `stability: 'all-peers'` is the corrected rule (see stability.ts): it needs
 *   FIFO links and every origin sending to every peer, so in that mode the origin sends to all peers directly
 *   and every first receipt is answered with a CLOCK message to everyone (else a quiet cluster stalls until the
 *   next heartbeat).
 * - Gossip with a bounded fanout and no retransmission: a lost copy may leave a node without the message, and a
 *   crashed node misses what was sent meanwhile (the seed's history sync on rejoin is not part of this model).
 * - An origin delivers its own last message only once some clock reaches it; in a quiet cluster that is the next
 *   heartbeat, 30-40 s later. The seed does not say that heartbeats carry the clock; here they do, since without
 *   it the message would wait for the next chat message, however long that takes.
 * - The duplicate cache is bounded (MSG_ID_CACHE_SIZE): a copy older than that many newer messages is taken as new.
 * - Dead peers are judged by the heartbeat timeout (60 s), evaluated when needed rather than by the seed's 10 s
 *   monitor thread. Under 'all-peers', a peer wrongly judged dead (partitioned, paused) lets the others deliver
 *   past messages it may still send.
 */
export class LamportNode implements ProtocolNode<LamportMessage> {
  private clock = 0;
  private deliveredCount = 0;
  private lastDelivered: HeldMessage | null = null;
  private readonly peers: readonly NodeId[];
  private readonly holdback: LamportHoldback;
  /** Ids held or delivered: seed 003's cache of processed ids. */
  private readonly seen: BoundedSet<SubmissionId>;
  private readonly lastHeardAtMs = new Map<NodeId, number>();
  /** The largest clock value each peer has sent us, in any message. */
  private readonly heardClock = new Map<NodeId, number>();
  private readonly counts = { duplicates: 0, outOfOrderDeliveries: 0, overflowDrops: 0 };

  constructor(
    private readonly id: NodeId,
    nodes: readonly NodeId[],
    private readonly options: LamportOptions,
  ) {
    this.peers = nodes.filter((node) => node !== id);
    this.holdback = new LamportHoldback(options.holdbackMax);
    this.seen = new BoundedSet(options.dedupCacheSize);
  }

  start(ctx: Context, recovered: readonly Json[]): void {
    for (const record of recovered) {
      invariant(isLamportRecord(record), `lamport node ${this.id} cannot read its record ${JSON.stringify(record)}`);
      this.seen.add(record.id);
      this.deliveredCount += 1;
      this.clock = Math.max(this.clock, record.clock);
    }
    // Every peer gets a full timeout from our boot before it counts as dead.
    for (const peer of this.peers) this.lastHeardAtMs.set(peer, ctx.now());
    ctx.setTimer(TIMER_DELIVERY, this.options.deliveryCheckIntervalMs);
    this.armHeartbeat(ctx);
  }

  submit(ctx: Context, submission: Submission): void {
    if (this.holdback.full) {
      this.counts.overflowDrops += 1;
      ctx.log(`submission ${submission.id} refused: the holdback queue is full (${this.options.holdbackMax})`);
      return;
    }
    this.clock += 1;
    const chat: LamportChat = {
      type: 'CHAT',
      id: submission.id,
      origin: this.id,
      ts: this.clock,
      payload: submission.payload,
      clock: this.clock,
    };
    this.seen.add(chat.id);
    this.holdback.insert({ id: chat.id, origin: chat.origin, ts: chat.ts, payload: chat.payload });
    const targets =
      this.options.stability === 'all-peers'
        ? this.peers
        : pickPeers(this.livePeers(ctx), this.options.fanout, () => ctx.random());
    for (const peer of targets) ctx.send(peer, chat);
  }

  message(ctx: Context, from: NodeId, message: LamportMessage): void {
    this.lastHeardAtMs.set(from, ctx.now());
    this.heardClock.set(from, Math.max(this.heardClock.get(from) ?? 0, message.clock));
    switch (message.type) {
      case 'CHAT':
        this.onChat(ctx, from, message);
        return;
      case 'HEARTBEAT':
      case 'CLOCK':
        // Lamport's receive rule for every event that carries a clock.
        this.clock = Math.max(this.clock, message.clock) + 1;
        return;
    }
  }

  timer(ctx: Context, name: string): void {
    switch (name) {
      case TIMER_DELIVERY:
        this.deliverStable(ctx);
        ctx.setTimer(TIMER_DELIVERY, this.options.deliveryCheckIntervalMs);
        return;
      case TIMER_HEARTBEAT:
        // To every peer, dead or not, so a peer that comes back hears from us and we from it.
        ctx.broadcast({ type: 'HEARTBEAT', clock: this.clock });
        this.armHeartbeat(ctx);
        return;
      default:
        invariant(false, `lamport node ${this.id} has no timer named ${name}`);
    }
  }

  status(): NodeStatus {
    const head = this.holdback.head();
    return {
      role: 'peer',
      delivered: this.deliveredCount,
      details: {
        clock: this.clock,
        stability: this.options.stability,
        holdback: this.holdback.size,
        headId: head?.id ?? null,
        headTs: head?.ts ?? null,
        ...this.counts,
      },
    };
  }

  private onChat(ctx: Context, from: NodeId, chat: LamportChat): void {
    if (this.seen.has(chat.id)) {
      this.counts.duplicates += 1;
      return;
    }
    if (this.holdback.full) {
      // Not marked as seen: a later copy may still get in once there is room.
      this.counts.overflowDrops += 1;
      ctx.log(`message ${chat.id} dropped: the holdback queue is full (${this.options.holdbackMax})`);
      return;
    }
    this.seen.add(chat.id);
    this.clock = Math.max(this.clock, chat.ts) + 1;
    this.holdback.insert({ id: chat.id, origin: chat.origin, ts: chat.ts, payload: chat.payload });
    const candidates = this.livePeers(ctx).filter((peer) => peer !== from && peer !== chat.origin);
    const forward: LamportChat = { ...chat, clock: this.clock };
    for (const peer of pickPeers(candidates, this.options.fanout, () => ctx.random())) ctx.send(peer, forward);
    if (this.options.stability === 'all-peers') ctx.broadcast({ type: 'CLOCK', clock: this.clock });
  }

  private deliverStable(ctx: Context): void {
    const stable =
      this.options.stability === 'documented'
        ? (head: HeldMessage) => stableDocumented(head.ts, this.clock)
        : (head: HeldMessage) => stableAllPeers(head.ts, this.livePeers(ctx), this.heardClock);
    for (const message of this.holdback.takeWhile(stable)) this.deliverOne(ctx, message);
  }

  private deliverOne(ctx: Context, message: HeldMessage): void {
    if (this.lastDelivered !== null && compareHeld(message, this.lastDelivered) < 0) {
      // Not an invariant: the documented stability rule makes this possible, and the checkers must see it.
      this.counts.outOfOrderDeliveries += 1;
      ctx.log(`delivering ${message.id} at ts ${message.ts}, below an earlier delivery at ${this.lastDelivered.ts}`);
    } else {
      this.lastDelivered = message;
    }
    this.deliveredCount += 1;
    ctx.persist({ kind: 'delivered', id: message.id, ts: message.ts, clock: this.clock });
    ctx.deliver({
      id: message.id,
      origin: message.origin,
      payload: message.payload,
      order: { ts: message.ts, origin: message.origin },
    });
  }

  /** Peers heard from within the heartbeat timeout (a clock stepped backwards keeps everyone alive). */
  private livePeers(ctx: Context): NodeId[] {
    const nowMs = ctx.now();
    const silentMs = (peer: NodeId) => nowMs - (this.lastHeardAtMs.get(peer) ?? nowMs);
    return this.peers.filter((peer) => silentMs(peer) < this.options.heartbeatTimeoutMs);
  }

  private armHeartbeat(ctx: Context): void {
    const jitterMs = Math.floor(ctx.random() * (this.options.heartbeatJitterMs + 1));
    ctx.setTimer(TIMER_HEARTBEAT, this.options.heartbeatIntervalMs + jitterMs);
  }
}
