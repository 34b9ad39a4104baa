import { describe, expect, it } from 'vitest';
import type { Json } from '../core/json.ts';
import { randomStream } from '../core/rng.ts';
import type { PendingMessage } from './scheduler.ts';
import { SimulatedNetwork } from './simulated-network.ts';

function network(nodeCount: number) {
  const arrivals: PendingMessage[] = [];
  let now = 0;
  const net = new SimulatedNetwork(
    {
      now: () => now,
      record: () => {},
      recordSend: () => {},
      enqueueMessage: (time, from, to, msg, body) =>
        arrivals.push({ time, seq: arrivals.length, kind: 'message', from, to, msg, body }),
    },
    randomStream(1, 'network'),
    { latency: { kind: 'uniform', minMs: 0, maxMs: 50 }, fifo: true },
    false,
    nodeCount,
  );
  return { net, arrivals, advance: (ms: number) => (now += ms) };
}

describe('FIFO links keep arrivals in send order, whichever way the last arrival per link is kept', () => {
  it('the flat array (ids up to nodeCount) and the map (any other id) give the same arrivals and state', () => {
    const sends: Array<[number, number]> = [];
    for (let k = 0; k < 200; k += 1) sends.push([1 + (k % 3), 1 + ((k * 7) % 4)]);
    const flat = network(4); // every id fits the array
    const mapped = network(0); // every id goes to the map
    for (const [from, to] of sends) {
      for (const side of [flat, mapped]) {
        side.net.send(from, to, { k: sends.length } as Json);
        side.advance(3);
      }
    }
    expect(flat.arrivals.map((message) => message.time)).toEqual(mapped.arrivals.map((message) => message.time));
    expect(flat.net.stateMaterial()).toEqual(mapped.net.stateMaterial());
    // On each link, times never go down (FIFO), and the material lists each used link once, by link key.
    const byLink = new Map<string, number>();
    for (const message of flat.arrivals) {
      const link = `${message.from}>${message.to}`;
      expect(message.time).toBeGreaterThanOrEqual(byLink.get(link) ?? 0);
      byLink.set(link, message.time);
    }
    const material = flat.net.stateMaterial() as { lastArrival: Array<[number, number]> };
    const links = new Set(sends.filter(([from, to]) => from !== to).map(([from, to]) => from * 1_048_576 + to));
    expect(material.lastArrival.map(([key]) => key)).toEqual([...links].sort((a, b) => a - b));
  });
});
