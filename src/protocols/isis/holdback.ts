import { invariant } from '../../core/assert.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';

/**
 * Where a message sits in the total order. Every key is unique: a node never proposes the same timestamp twice
 * (each proposal is above its clock, which then moves to it), so (ts, proposer) already names one message, and
 * the submission id settles whatever a restart that forgot the clock could still make equal.
 */
export interface OrderKey {
  ts: number;
  proposer: NodeId;
  id: SubmissionId;
}

export function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.proposer !== b.proposer) return a.proposer - b.proposer;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface HoldbackEntry {
  /** While not final: this node's own proposal (ts, this node). Once final: the agreed key. */
  key: OrderKey;
  final: boolean;
  origin: NodeId;
  payload: string;
}

/**
 * Messages waiting for delivery, sorted by key. The head leaves only once it is final: a non-final head may
 * still move back (its final timestamp is at least this node's proposal), a final one never will, so
 * everything behind it must wait.
 */
export class Holdback {
  private readonly sorted: HoldbackEntry[] = [];
  private readonly byId = new Map<SubmissionId, HoldbackEntry>();

  constructor(readonly limit: number) {
    invariant(Number.isInteger(limit) && limit >= 1, `a holdback queue needs a limit >= 1, got ${limit}`);
  }

  get size(): number {
    return this.sorted.length;
  }

  get full(): boolean {
    return this.sorted.length >= this.limit;
  }

  get(id: SubmissionId): HoldbackEntry | undefined {
    return this.byId.get(id);
  }

  head(): HoldbackEntry | undefined {
    return this.sorted[0];
  }

  entries(): readonly HoldbackEntry[] {
    return this.sorted;
  }

  insert(entry: HoldbackEntry): void {
    invariant(!this.byId.has(entry.key.id), `message ${entry.key.id} is already held`);
    invariant(!this.full, `the holdback queue is full (${this.limit}); callers check before inserting`);
    this.sorted.splice(this.positionOf(entry.key), 0, entry);
    this.byId.set(entry.key.id, entry);
  }

  /** Gives a held message its agreed key; it moves to its final place. */
  finalize(id: SubmissionId, ts: number, proposer: NodeId): HoldbackEntry {
    const entry = this.byId.get(id);
    invariant(entry !== undefined, `no held message ${id} to finalize`);
    this.remove(entry);
    const final: HoldbackEntry = { ...entry, key: { ts, proposer, id }, final: true };
    this.sorted.splice(this.positionOf(final.key), 0, final);
    this.byId.set(id, final);
    return final;
  }

  /** Removes and returns the final entries at the head, in order, up to the first non-final one. */
  takeDeliverable(): HoldbackEntry[] {
    const ready: HoldbackEntry[] = [];
    while (this.sorted.length > 0 && this.sorted[0].final) {
      const entry = this.sorted.shift() as HoldbackEntry;
      this.byId.delete(entry.key.id);
      ready.push(entry);
    }
    return ready;
  }

  private remove(entry: HoldbackEntry): void {
    const index = this.sorted.indexOf(entry);
    invariant(index >= 0, `held message ${entry.key.id} is missing from the sorted queue`);
    this.sorted.splice(index, 1);
    this.byId.delete(entry.key.id);
  }

  /** First position whose key is greater than `key` (binary search). */
  private positionOf(key: OrderKey): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.sorted[middle].key, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
