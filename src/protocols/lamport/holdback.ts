import { invariant } from '../../core/assert.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';

export interface HeldMessage {
  id: SubmissionId;
  origin: NodeId;
  ts: number;
  payload: string;
}

/**
 * Seed 003 orders by (lamport_ts, origin_node). An origin gives each of its messages a larger ts, so the pair is
 * unique, except after a restart that lost the clock; the submission id settles that case.
 */
export function compareHeld(a: HeldMessage, b: HeldMessage): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.origin !== b.origin) return a.origin - b.origin;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The holdback buffer: messages sorted by (ts, origin, id), waiting until the stability rule lets the head go. */
export class LamportHoldback {
  private readonly sorted: HeldMessage[] = [];

  constructor(readonly limit: number) {
    invariant(Number.isInteger(limit) && limit >= 1, `a holdback queue needs a limit >= 1, got ${limit}`);
  }

  get size(): number {
    return this.sorted.length;
  }

  get full(): boolean {
    return this.sorted.length >= this.limit;
  }

  head(): HeldMessage | undefined {
    return this.sorted[0];
  }

  entries(): readonly HeldMessage[] {
    return this.sorted;
  }

  insert(message: HeldMessage): void {
    invariant(!this.full, `the holdback queue is full (${this.limit}); callers check before inserting`);
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareHeld(this.sorted[middle], message) < 0) low = middle + 1;
      else high = middle;
    }
    invariant(this.sorted[low]?.id !== message.id, `message ${message.id} is already held`);
    this.sorted.splice(low, 0, message);
  }

  /** Removes and returns the head messages, in order, for as long as `stable` says the head may go. */
  takeWhile(stable: (head: HeldMessage) => boolean): HeldMessage[] {
    const ready: HeldMessage[] = [];
    while (this.sorted.length > 0 && stable(this.sorted[0])) ready.push(this.sorted.shift() as HeldMessage);
    return ready;
  }
}
