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
 */
export class TimeOrderScheduler implements Scheduler {
  private readonly queue = new EventQueue<PendingEvent>();

  get size(): number {
    return this.queue.size;
  }

  add(event: PendingEvent): void {
    this.queue.push(event);
  }

  peek(): PendingEvent | undefined {
    return this.queue.peek();
  }

  take(): PendingEvent | undefined {
    return this.queue.pop();
  }
}
