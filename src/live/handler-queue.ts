import type { NodeId, SubmissionId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';

/** One piece of handler work: the protocol's start, a peer's message, a timer that fired, a submission. */
export type Work =
  | { kind: 'start' }
  | { kind: 'message'; from: NodeId; msg: Json; ref: string }
  | { kind: 'timer'; name: string; token: number }
  | { kind: 'submit'; id: SubmissionId; payload: string };

/**
 * The live host's bounded queue of handler work. Handlers run one at a time and to completion, as the node
 * contract says: work queued while a handler runs (a message to itself, a timer that fired) waits for the
 * handler to return, and a full queue refuses more instead of growing without bound.
 */
export class HandlerQueue {
  private queue: Work[] = [];
  private draining = false;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.queue.length;
  }

  get full(): boolean {
    return this.queue.length >= this.max;
  }

  /** Adds work at the end; false (and nothing added) when the queue is full. */
  push(work: Work): boolean {
    if (this.full) return false;
    this.queue.push(work);
    return true;
  }

  /** Work that must run before anything queued (the start of a rebuilt protocol instance). */
  pushFront(work: Work): void {
    this.queue.unshift(work);
  }

  clear(): void {
    this.queue = [];
  }

  /**
   * Runs queued work in order until the queue is empty or `keepGoing()` turns false. A call made while draining
   * (from inside a handler) returns at once: the running drain picks the new work up after the handler.
   */
  drain(run: (work: Work) => void, keepGoing: () => boolean): void {
    if (this.draining || !keepGoing()) return;
    this.draining = true;
    try {
      for (let work = this.queue.shift(); work !== undefined; work = this.queue.shift()) {
        run(work);
        if (!keepGoing()) break;
      }
    } finally {
      this.draining = false;
    }
  }
}
