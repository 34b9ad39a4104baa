import { invariant } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { NodeContext, NodeStatus, ProtocolNode, Submission } from '../../core/node.ts';
import { CausalBuffer } from './buffer.ts';
import { type CausalMessage, type CausalRecord, isCausalRecord } from './messages.ts';
import type { CausalOptions } from './options.ts';
import { isClockOfSize, isDeliverable, mergeClocks, slotOf, type VectorClock, zeroClock } from './vector-clock.ts';

type Context = NodeContext<CausalMessage>;

const SEND_TIMER_PREFIX = 'send:';

/**
 * Seed 002's causal broadcast. A submission is counted in the sender's own clock entry, delivered at once and
 * sent to every peer with the clock; a receiver holds it back until its causal past is delivered, then merges.
 *
 * What it does not do, as documented: no total order (concurrent messages may be delivered in different orders
 * at different nodes), no acknowledgements and no retransmission. A message lost on the wire, dropped by a
 * partition, or sent to a node while it was down never arrives; every later message of its sender then waits
 * in the receiver's buffer for good (and so does everything that causally follows them).
 */
export class CausalNode implements ProtocolNode<CausalMessage> {
  private clock: VectorClock;
  private readonly buffer: CausalBuffer;
  private delivered = 0;
  /** Sends waiting out their random delay (option sendDelayMsMax), by timer name; lost if the node crashes. */
  private readonly delayedSends = new Map<string, { to: NodeId; message: CausalMessage }>();
  private nextSendTimer = 1;
  private staleDropped = 0;
  private overflowDropped = 0;
  private invalidDropped = 0;

  constructor(
    private readonly id: NodeId,
    private readonly nodes: readonly NodeId[],
    private readonly options: CausalOptions,
  ) {
    // A clock entry per node at index id - 1 needs the ids to be exactly 1..N.
    nodes.forEach((node, index) =>
      invariant(node === index + 1, `causal needs node ids 1..N, got ${nodes.join(', ')}`),
    );
    invariant(nodes.includes(id), `node ${id} is not one of ${nodes.join(', ')}`);
    this.clock = zeroClock(nodes.length);
    this.buffer = new CausalBuffer(options.bufferMax);
  }

  start(_ctx: Context, recovered: readonly Json[]): void {
    for (const record of recovered) {
      invariant(isCausalRecord(record), `causal node ${this.id} cannot read its record ${JSON.stringify(record)}`);
      invariant(record.vc.length === this.nodes.length, `a recovered clock has ${record.vc.length} entries`);
      this.clock = mergeClocks(this.clock, record.vc);
      this.delivered += 1;
    }
  }

  submit(ctx: Context, submission: Submission): void {
    const own = slotOf(this.id);
    const clock = this.clock.slice();
    clock[own] += 1;
    this.clock = clock;
    const message: CausalMessage = {
      type: 'CHAT',
      id: submission.id,
      origin: this.id,
      payload: submission.payload,
      vc: clock.slice(),
    };
    this.deliver(ctx, message);
    for (const peer of ctx.peers) this.send(ctx, peer, message);
  }

  message(ctx: Context, _from: NodeId, message: CausalMessage): void {
    const problem = this.problemWith(message);
    if (problem !== null) {
      this.invalidDropped += 1;
      ctx.log(`dropped CHAT ${message.id}: ${problem}`);
      return;
    }
    if (message.vc[slotOf(message.origin)] <= this.clock[slotOf(message.origin)]) {
      // Already delivered: a duplicate on the wire.
      this.staleDropped += 1;
      return;
    }
    if (isDeliverable(this.clock, message.vc, message.origin)) {
      // Deliverable on arrival: it needs no buffer space, and may unblock what waits there.
      this.accept(ctx, message);
      this.deliverReady(ctx);
      return;
    }
    const added = this.buffer.add(message);
    if (added === 'full') {
      this.overflowDropped += 1;
      ctx.log(`buffer full (${this.options.bufferMax}): CHAT ${message.id} from ${message.origin} dropped for good`);
      return;
    }
    if (added === 'duplicate') this.staleDropped += 1;
  }

  timer(ctx: Context, name: string): void {
    invariant(name.startsWith(SEND_TIMER_PREFIX), `causal node ${this.id} never set a timer named ${name}`);
    const pending = this.delayedSends.get(name);
    if (pending === undefined) return;
    this.delayedSends.delete(name);
    ctx.send(pending.to, pending.message);
  }

  status(): NodeStatus {
    return {
      role: 'peer',
      delivered: this.delivered,
      details: {
        vc: this.clock.slice(),
        buffered: this.buffer.size,
        waitingByOrigin: this.buffer.waitingByOrigin(),
        delayedSends: this.delayedSends.size,
        staleDropped: this.staleDropped,
        overflowDropped: this.overflowDropped,
        invalidDropped: this.invalidDropped,
      },
    };
  }

  /** Why a message that passed the host's shape check still cannot be ours, or null when it can. */
  private problemWith(message: CausalMessage): string | null {
    if (!this.nodes.includes(message.origin)) return `origin ${message.origin} is not in this cluster`;
    if (message.origin === this.id) return 'it claims to come from this node';
    if (!isClockOfSize(message.vc, this.nodes.length)) return `its clock does not have ${this.nodes.length} entries`;
    // No peer can have delivered more of this node's messages than this node ever sent.
    const own = slotOf(this.id);
    if (message.vc[own] > this.clock[own]) return 'its clock counts messages this node never sent';
    return null;
  }

  /** Delivers every buffered message whose causal past is now delivered. */
  private deliverReady(ctx: Context): void {
    let next = this.buffer.takeDeliverable(this.clock);
    while (next !== null) {
      this.accept(ctx, next);
      next = this.buffer.takeDeliverable(this.clock);
    }
  }

  /** Delivers a peer's deliverable message and merges its clock into ours. */
  private accept(ctx: Context, message: CausalMessage): void {
    const before = this.clock[slotOf(message.origin)];
    this.clock = mergeClocks(this.clock, message.vc);
    invariant(this.clock[slotOf(message.origin)] === before + 1, 'a causal delivery must advance its origin by one');
    this.deliver(ctx, message);
  }

  private deliver(ctx: Context, message: CausalMessage): void {
    const record: CausalRecord = { kind: 'delivered', id: message.id, origin: message.origin, vc: message.vc.slice() };
    ctx.persist(record);
    const { id, origin, payload } = message;
    ctx.deliver({ id, origin, payload, order: { vc: message.vc.slice() } });
    this.delivered += 1;
  }

  /**
   * Sends now, or after a random delay when sendDelayMsMax is set. The pending sends share the buffer's bound;
   * past it they leave at once rather than being dropped.
   */
  private send(ctx: Context, to: NodeId, message: CausalMessage): void {
    if (this.options.sendDelayMsMax <= 0 || this.delayedSends.size >= this.options.bufferMax) {
      ctx.send(to, message);
      return;
    }
    const name = `${SEND_TIMER_PREFIX}${this.nextSendTimer}`;
    this.nextSendTimer += 1;
    this.delayedSends.set(name, { to, message });
    ctx.setTimer(name, Math.round(ctx.random() * this.options.sendDelayMsMax));
  }
}
