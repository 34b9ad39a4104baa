import type { History, MessageRef } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import { EventQueue } from './queue.ts';

/**
 * Everything that can be pending in a simulation. `time` is when it is due in virtual time; `seq` is its place in
 * insertion order, given by the simulator, unique in a run and the same in every replay of the seed, so a
 * strategy can use it as the event's identity.
 */
export type PendingEvent =
  | { time: number; seq: number; kind: 'message'; from: NodeId; to: NodeId; msg: MessageRef; body: Json }
  | { time: number; seq: number; kind: 'timer'; node: NodeId; name: string; token: number }
  | { time: number; seq: number; kind: 'callback'; run: () => void };

export type PendingMessage = Extract<PendingEvent, { kind: 'message' }>;

/**
 * The one place where a simulation decides which pending event fires next. The simulator hands every event it
 * creates to `add`, asks `peek` what would fire next (to stop at a time bound without firing it) and `take`s it
 * to fire it. Nothing else in the simulator orders events, so a strategy (priority-based such as PCT, drawn from
 * a fast-check source, or an exhaustive enumerator) is a class implementing this interface.
 *
 * Contract: `take` returns the event `peek` returned just before; the choice depends only on the events added
 * and on the strategy's own seeded state, never on wall-clock time or object identity. A strategy may pick an
 * event due later than another pending one; the simulator's clock never moves backwards, so the passed-over
 * event then fires late, at the current time.
 */
export interface Scheduler {
  readonly size: number;
  add(event: PendingEvent): void;
  peek(): PendingEvent | undefined;
  take(): PendingEvent | undefined;
  /** Called once by the simulator it serves, before any event is added, for strategies that look at the run. */
  attach?(view: SchedulerView): void;
}

/**
 * What a strategy may ask the simulator it serves: read-only questions, so no strategy can change a run other
 * than by the order it picks.
 */
export interface SchedulerView {
  /** The current virtual time. */
  now(): number;
  /** False for a timer that was re-armed or cancelled since it was set: firing it would do nothing. */
  isLive(event: PendingEvent): boolean;
  /** Whether the link keeps messages in send order (a strategy must not reorder what a FIFO link carries). */
  isFifo(from: NodeId, to: NodeId): boolean;
  /**
   * Everything the future of the run depends on, other than the pending events, as plain data: per node its
   * liveness flags, durable records, the state of its instance, its clock and random stream position and the
   * application-visible trace so far (submissions, deliveries, acks, announcements, crashes); the network's fault
   * state; the time. Two runs with equal material and equal pending events go on alike (see src/explore).
   */
  stateMaterial(): Json;
  /** The run's history so far (read it, never change it), so a search can judge a run it stops midway. */
  history(): History;
}

/**
 * The default strategy: earliest due time first, ties in insertion order. Every pinned history hash was made
 * with this order.
 *
 * Messages whose (time, seq) is not before the last message added wait in a plain FIFO lane instead of the heap:
 * under a constant latency every message does (each is sent later than the one before and arrives as much
 * later), so the heap keeps only timers, callbacks and the messages that overtake. The lane is sorted by
 * construction, so taking the smaller of its head and the heap's top gives exactly the heap's order.
 */
export class TimeOrderScheduler implements Scheduler {
  private readonly queue = new EventQueue<PendingEvent>();
  private readonly lane: PendingEvent[] = [];
  /** Index of the lane's head: taken messages are cut off the array in bulk, not shifted one by one. */
  private laneHead = 0;
  /** Where the event peek() last showed is (the simulator peeks, then takes, every event); reset by add(). */
  private peeked: 'lane' | 'heap' | null = null;

  get size(): number {
    return this.queue.size + this.lane.length - this.laneHead;
  }

  add(event: PendingEvent): void {
    this.peeked = null;
    const lane = this.lane;
    if (event.kind === 'message' && (lane.length === this.laneHead || !isBefore(event, lane[lane.length - 1]))) {
      lane.push(event);
      return;
    }
    this.queue.push(event);
  }

  peek(): PendingEvent | undefined {
    const top = this.queue.peek();
    if (this.laneHead === this.lane.length) {
      this.peeked = 'heap';
      return top;
    }
    const head = this.lane[this.laneHead];
    if (top === undefined || isBefore(head, top)) {
      this.peeked = 'lane';
      return head;
    }
    this.peeked = 'heap';
    return top;
  }

  take(): PendingEvent | undefined {
    const peeked = this.peeked ?? (this.peek(), this.peeked);
    this.peeked = null;
    if (peeked === 'heap') return this.queue.pop();
    const lane = this.lane;
    const head = lane[this.laneHead];
    this.laneHead += 1;
    if (this.laneHead === lane.length) {
      lane.length = 0;
      this.laneHead = 0;
    } else if (this.laneHead >= 4096 && this.laneHead * 2 >= lane.length) {
      lane.splice(0, this.laneHead);
      this.laneHead = 0;
    }
    return head;
  }
}

/** The heap's order: earlier time first, then earlier insertion. */
function isBefore(a: PendingEvent, b: PendingEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
