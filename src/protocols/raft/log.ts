import { InvariantError } from '../../core/assert.ts';
import { entryBytes, type Entry } from './messages.ts';

/**
 * The replicated log in memory, indexed from 1 as in the paper (index 0 is the empty prefix, term 0). It mirrors
 * the durable 'log' records: `replace(from, entries)` is both an append (from = lastIndex + 1) and a truncation
 * followed by an append (from inside the log), which is exactly how recovery replays those records.
 */
export class RaftLog {
  private readonly entries: Entry[] = [];
  /**
   * Encoded bytes of the first `sizes.length` entries, kept so that batches are cut by size without counting
   * twice. Counted when a batch first needs them, not on append: only a leader cuts batches, and every follower
   * would otherwise count every entry it stores.
   */
  private readonly sizes: number[] = [];

  get lastIndex(): number {
    return this.entries.length;
  }

  get lastTerm(): number {
    return this.termAt(this.lastIndex);
  }

  /** Term of the entry at `index`; 0 for index 0. */
  termAt(index: number): number {
    if (index === 0) return 0;
    return this.at(index).term;
  }

  // The checks on these hot paths test first and build their message only on failure (no closure per call).
  at(index: number): Entry {
    const entry = this.entries[index - 1];
    if (entry === undefined) throw new InvariantError(`no log entry at ${index} (last is ${this.lastIndex})`);
    return entry;
  }

  /** Drops every entry from `from` on, then appends `entries` there. */
  replace(from: number, entries: readonly Entry[]): void {
    if (from < 1) throw new InvariantError(`log index ${from} is below 1`);
    if (from > this.lastIndex + 1)
      throw new InvariantError(`log write at ${from} leaves a gap after ${this.lastIndex}`);
    if (from <= this.entries.length) this.entries.length = from - 1;
    if (from <= this.sizes.length) this.sizes.length = from - 1;
    let lastTerm = this.lastTerm;
    for (let k = 0; k < entries.length; k += 1) {
      const entry = entries[k] as Entry;
      if (entry.term < lastTerm)
        throw new InvariantError(`log terms must not go down: ${entry.term} after ${lastTerm}`);
      lastTerm = entry.term;
      this.entries.push(entry);
    }
  }

  /**
   * Entries from `from` on, at most `countMax` of them and at most `bytesMax` encoded bytes, but always at least
   * one when there is one (a single entry is bounded by the payload limit).
   */
  batch(from: number, countMax: number, bytesMax: number): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= this.lastIndex && batch.length < countMax; index += 1) {
      const size = this.sizeAt(index);
      if (batch.length > 0 && bytes + size > bytesMax) break;
      batch.push(this.at(index));
      bytes += size;
    }
    return batch;
  }

  /** Encoded bytes of the entry at `index`, counting those before it that were not counted yet. */
  private sizeAt(index: number): number {
    const sizes = this.sizes;
    while (sizes.length < index) sizes.push(entryBytes(this.at(sizes.length + 1)));
    return sizes[index - 1] as number;
  }

  /** The first index that holds `term`, searching down from `index`: where a conflicting term began. */
  firstIndexOfTerm(index: number): number {
    const term = this.termAt(index);
    let first = index;
    while (first > 1 && this.termAt(first - 1) === term) first -= 1;
    return first;
  }

  /** Raft's election restriction (5.4.1): a log is at least as up to date as ours when its last term is newer, or equal with an index at least as long. */
  isBehind(lastLogTerm: number, lastLogIndex: number): boolean {
    if (lastLogTerm !== this.lastTerm) return lastLogTerm < this.lastTerm;
    return lastLogIndex < this.lastIndex;
  }
}
