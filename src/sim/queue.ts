import { InvariantError } from '../core/assert.ts';

export interface Queued {
  time: number;
  /** Insertion sequence: breaks ties in time so that order never depends on anything but the seed. */
  seq: number;
}

/** A binary min-heap ordered by (time, seq); the caller numbers entries in insertion order. */
export class EventQueue<Entry extends Queued> {
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: Entry): void {
    // Not invariant() with a message closure: this runs on every event.
    if (!Number.isFinite(entry.time)) throw new InvariantError(`event time must be finite, got ${entry.time}`);
    const heap = this.heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, heap[parent])) break;
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = entry;
  }
  peek(): Entry | undefined {
    return this.heap[0];
  }

  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      let index = 0;
      const length = heap.length;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        const child = right < length && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[index] = heap[child];
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}

function before(a: Queued, b: Queued): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Omit over each member of a union, so discriminated unions keep their shape. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
