import { randomStream } from '../src/core/rng.ts';

/**
 * The physical limit the simulator is measured against: a discrete-event loop with nothing in it but the loop.
 * A binary min-heap keyed by (time, seq), the simulator's own seeded generator (Alea), and one new event per
 * event handled, so the queue keeps a constant population. No protocol, no history, no network model.
 */
interface BareEvent {
  time: number;
  seq: number;
}

/** The same tie rule as the simulator's queue: earlier time first, then earlier insertion. */
function before(a: BareEvent, b: BareEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

class BareHeap {
  readonly items: BareEvent[] = [];

  push(event: BareEvent): void {
    const items = this.items;
    items.push(event);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(event, items[parent])) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = event;
  }

  pop(): BareEvent {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as BareEvent;
    if (items.length > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && before(items[right], items[left]) ? right : left;
        if (!before(items[child], last)) break;
        items[index] = items[child];
        index = child;
      }
      items[index] = last;
    }
    return top;
  }
}

export interface BareLoopResult {
  events: number;
  wallMs: number;
  eventsPerSecond: number;
  /** Virtual time reached, returned so the work cannot be optimized away. */
  virtualMs: number;
}

/** Handles `events` events with `population` of them pending at any time; each draws a delay of 0-20 ms. */
export function runBareLoop(events: number, population: number, seed: number): BareLoopResult {
  const random = randomStream(seed, 'bare-loop');
  const heap = new BareHeap();
  let seq = 0;
  for (let index = 0; index < population; index += 1) heap.push({ time: random.next() * 20, seq: seq++ });
  const startNs = process.hrtime.bigint();
  let now = 0;
  for (let handled = 0; handled < events; handled += 1) {
    const event = heap.pop();
    now = event.time;
    heap.push({ time: now + random.next() * 20, seq: seq++ });
  }
  const wallMs = Number(process.hrtime.bigint() - startNs) / 1e6;
  return { events, wallMs, eventsPerSecond: (events / wallMs) * 1000, virtualMs: now };
}
