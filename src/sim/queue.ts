import { InvariantError } from '../core/assert.ts';

export interface Queued {
  time: number;
  /** Insertion sequence: breaks ties in time so that order never depends on anything but the seed. */
  seq: number;
}

/**
 * A binary min-heap ordered by (time, seq); the caller numbers entries in insertion order and never changes an
 * entry's time or seq while it is queued. The keys are kept beside the entries in typed arrays, so sifting compares
 * numbers in two flat arrays instead of loading fields from events of several shapes.
 */
export class EventQueue<Entry extends Queued> {
  private readonly heap: Entry[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);

  get size(): number {
    return this.heap.length;
  }

  push(entry: Entry): void {
    // Not invariant() with a message closure: this runs on every event.
    if (!Number.isFinite(entry.time)) throw new InvariantError(`event time must be finite, got ${entry.time}`);
    const heap = this.heap;
    heap.push(entry);
    if (heap.length > this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const time = entry.time;
    const seq = entry.seq;
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent];
      // Stop unless (time, seq) comes before the parent's.
      if (!(time < parentTime || (time === parentTime && seq < seqs[parent]))) break;
      heap[index] = heap[parent];
      times[index] = parentTime;
      seqs[index] = seqs[parent];
      index = parent;
    }
    heap[index] = entry;
    times[index] = time;
    seqs[index] = seq;
  }

  peek(): Entry | undefined {
    return this.heap[0];
  }

  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    const length = heap.length;
    if (length > 0 && last !== undefined) {
      const times = this.times;
      const seqs = this.seqs;
      const time = times[length];
      const seq = seqs[length];
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        const child =
          right < length && (times[right] < times[left] || (times[right] === times[left] && seqs[right] < seqs[left]))
            ? right
            : left;
        const childTime = times[child];
        if (!(childTime < time || (childTime === time && seqs[child] < seq))) break;
        heap[index] = heap[child];
        times[index] = childTime;
        seqs[index] = seqs[child];
        index = child;
      }
      heap[index] = last;
      times[index] = time;
      seqs[index] = seq;
    }
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}

/** Omit over each member of a union, so discriminated unions keep their shape. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
