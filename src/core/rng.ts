import seedrandom from 'seedrandom';

/** A seeded stream of floats in [0, 1). */
export interface RandomStream {
  next(): number;
}

/**
 * One run seed split into independent named streams ("network", "faults", "node:3", ...). Each stream is seeded
 * from the run seed and its own name only, so drawing more numbers from one stream (say, adding a fault) never
 * shifts the numbers another stream produces.
 */
export function randomStream(seed: number | string, name: string): RandomStream {
  // Alea: fast, small state, and a stable algorithm across seedrandom releases.
  const generator = seedrandom.alea(`tob-lab/${String(seed)}/${name}`);
  return { next: () => generator() };
}

/** An integer in [min, max], both included. */
export function randomInt(stream: RandomStream, min: number, max: number): number {
  return min + Math.floor(stream.next() * (max - min + 1));
}

/** One element of a non-empty array. */
export function pick<T>(stream: RandomStream, items: readonly T[]): T {
  return items[Math.floor(stream.next() * items.length)];
}

/** A shuffled copy (Fisher-Yates), driven by the stream. */
export function shuffled<T>(stream: RandomStream, items: readonly T[]): T[] {
  const copy = items.slice();
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(stream.next() * (index + 1));
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
}
