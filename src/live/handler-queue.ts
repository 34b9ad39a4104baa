import { invariant } from '../core/assert.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';

/** One handler call waiting to run: the protocol's start, a peer's message, a timer, a submission. */
export type Work =
  | { kind: 'start' }
  | { kind: 'message'; from: NodeId; msg: Json; ref: string }
  | { kind: 'timer'; name: string; token: number }
  | { kind: 'submit'; id: SubmissionId; payload: string };

/** The bounds of the queue (the host's HostLimits carries them, with the same names and meaning). */
export interface HandlerQueueLimits {
  /** Work waiting to run at most; beyond it messages and submissions are refused (timers never are). */
  workQueueMax: number;
  /** Pressure goes on when the waiting work reaches this, and off once a batch leaves it at half of it or less. */
  workQueueHigh: number;
  /** Handlers per batch (per group commit) at most. */
  batchHandlersMax: number;
}

/** What the queue asks of its host; `T` is what one handler leaves behind for the commit. */
export interface HandlerQueueHooks<T> {
  /** Whether new work is taken at all (the node is starting or running). */
  accepting(): boolean;
  /** Whether handlers may run now (the node is running); checked before each handler of a batch. */
  running(): boolean;
  /** Runs one handler; null when it left nothing to commit (a stale timer, a handler that threw). */
  run(work: Work): T | null;
  /** Commits one batch, in the order its handlers ran; called once per drain, even for an empty batch. */
  commit(batch: T[]): void;
  /** The queue went above workQueueHigh (true) or back to half of it (false). */
  pressure(high: boolean): void;
  /** Work refused because the queue is full. */
  refused(work: Work): void;
}

/**
 * The node's handler queue: bounded, drained in batches on a later turn of the event loop (so everything read in
 * one turn joins one batch and one fdatasync), with backpressure between workQueueHigh and half of it. Handlers
 * never run inside enqueue. Work queued while a batch commits (a self-send leaves as an effect of the commit) runs
 * in a later batch, on a later turn; a timer fires on a turn of its own.
 */
export class HandlerQueue<T> {
  private items: Work[] = [];
  private drainingNow = false;
  private drainScheduled = false;
  private underPressure = false;

  constructor(
    private readonly limits: HandlerQueueLimits,
    private readonly hooks: HandlerQueueHooks<T>,
  ) {
    invariant(limits.batchHandlersMax >= 1, 'batchHandlersMax must be at least 1');
  }

  get length(): number {
    return this.items.length;
  }

  /** At its bound: a submission is refused now rather than dropped later. */
  get full(): boolean {
    return this.items.length >= this.limits.workQueueMax;
  }

  get draining(): boolean {
    return this.drainingNow;
  }

  get pressured(): boolean {
    return this.underPressure;
  }

  enqueue(work: Work): void {
    if (!this.hooks.accepting()) return;
    // Timers are never dropped (they are few, one per name); a full queue refuses only messages and submissions.
    if (this.full && work.kind !== 'timer') {
      this.hooks.refused(work);
      return;
    }
    this.items.push(work);
    if (!this.underPressure && this.items.length >= this.limits.workQueueHigh) this.setPressure(true);
    this.scheduleDrain();
  }

  /** Puts work ahead of everything queued (a protocol's start, after a boot or a rebuild); never refused. */
  putFirst(work: Work): void {
    this.items.unshift(work);
  }

  /** Forgets everything queued (the node is stopping). */
  clear(): void {
    this.items = [];
  }

  /**
   * Runs up to batchHandlersMax queued handlers and commits them as one batch. What is left, and what the commit
   * queues, waits for the next batch, on a later turn, so I/O and timers get their turn between batches.
   */
  drain(): void {
    if (this.drainingNow || !this.hooks.running()) return;
    this.drainingNow = true;
    const batch: T[] = [];
    try {
      for (let count = 0; count < this.limits.batchHandlersMax && this.hooks.running(); count += 1) {
        const work = this.items.shift();
        if (work === undefined) break;
        const result = this.hooks.run(work);
        if (result !== null) batch.push(result);
      }
      this.hooks.commit(batch);
    } finally {
      this.drainingNow = false;
    }
    if (this.underPressure && this.items.length <= this.limits.workQueueHigh / 2) this.setPressure(false);
    if (this.items.length > 0) this.scheduleDrain();
  }

  /** Drains now, batch after batch, until the queue is empty, the node stops running or batchesMax is reached. */
  flush(batchesMax: number): void {
    if (this.drainingNow) return;
    for (let batches = 0; this.hooks.running() && this.items.length > 0 && batches < batchesMax; batches += 1) {
      this.drain();
    }
  }

  /**
   * Drains on the next turn of the event loop rather than at once, so that everything read in this turn (a socket
   * chunk holds many frames) joins one batch, and one fdatasync covers it.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private setPressure(high: boolean): void {
    this.underPressure = high;
    this.hooks.pressure(high);
  }
}
