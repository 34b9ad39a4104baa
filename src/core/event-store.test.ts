import { describe, expect, it } from 'vitest';
import {
  historyToJsonl,
  isIndexedType,
  recordedHistory,
  recordEvent,
  stampEvent,
  type HistoryEvent,
  type UnstampedEvent,
} from './history.ts';
import { storeOf } from './event-store.ts';
import { randomInt, randomStream } from './rng.ts';

/** Runs of sends with one body, a mix of every columnar type, the fallbacks (string message refs, large node ids) and kept types. */
function someEvents(count: number): Array<{ event: UnstampedEvent; t: number }> {
  const rng = randomStream(7, 'event-store');
  const out: Array<{ event: UnstampedEvent; t: number }> = [];
  let t = 0;
  let body = {};
  for (let n = 0; n < count; n += 1) {
    if (randomInt(rng, 1, 3) === 1) t += randomInt(rng, 1, 1000) / 7;
    const node = randomInt(rng, 1, 5);
    const pick = randomInt(rng, 1, 12);
    // Half the sends share the body of the one before (as a broadcast does), which the store keeps once.
    if (randomInt(rng, 1, 2) === 1) body = { type: 'X', n };
    const event: UnstampedEvent =
      pick === 1
        ? { type: 'send', node, to: 2, msg: n, body }
        : pick === 2
          ? { type: 'receive', node, from: 3, msg: n }
          : pick === 3
            ? { type: 'drop', node, to: 4, msg: n, reason: 'loss' }
            : pick === 4
              ? { type: 'duplicate', node, to: 1, msg: n }
              : pick === 5
                ? { type: 'timer', node, name: 'tick' }
                : pick === 6
                  ? { type: 'persist', node, record: { k: n } }
                  : pick === 7
                    ? { type: 'deliver', node, id: `s${n}`, origin: 1, payload: 'p', order: { seq: n } }
                    : pick === 8
                      ? { type: 'send', node, to: 2, msg: `live-${n}`, body: null }
                      : pick === 9
                        ? { type: 'receive', node: 70_000, from: 1, msg: n }
                        : pick === 10
                          ? { type: 'heal' }
                          : pick === 11
                            ? { type: 'submit', node, id: `s${n}`, payload: 'q' }
                            : { type: 'ack', node, id: `s${n - 1}` };
    out.push({ event, t });
  }
  return out;
}

describe('EventStore', () => {
  // 3,000 events grow the first chunk twice; 70,000 fill it and start a second (and the times' chunks likewise).
  it.each([3_000, 70_000])(
    'gives back %i events with the bytes stampEvent gives, by position, by iteration and in JSONL',
    (count) => {
      const inputs = someEvents(count);
      const history = recordedHistory([1, 2, 3, 4, 5]);
      const expected: HistoryEvent[] = [];
      inputs.forEach(({ event, t }, i) => {
        expected.push(stampEvent(structuredClone(event), i, t));
        recordEvent(history, event, t);
      });
      expect(history.events).toHaveLength(expected.length);
      const lines = expected.map((event) => JSON.stringify(event));
      // Backwards, so that no access can lean on the one before it.
      for (let i = expected.length - 1; i >= 0; i -= 1) expect(JSON.stringify(history.events[i])).toBe(lines[i]);
      expect([...history.events].map((event) => JSON.stringify(event))).toEqual(lines);
      expect(history.events.slice(10, 20).map((event) => event.i)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(historyToJsonl(history)).toBe(historyToJsonl({ nodes: [1, 2, 3, 4, 5], events: expected }));
      expect(Array.isArray(history.events)).toBe(true);
      expect(history.events[expected.length]).toBeUndefined();
      expect(storeOf(history.events)).toBeDefined();
    },
  );

  it('keeps kept events as the same objects the index holds', () => {
    const history = recordedHistory([1, 2]);
    recordEvent(history, { type: 'crash', node: 1 }, 0);
    recordEvent(history, { type: 'send', node: 1, to: 2, msg: 1, body: {} }, 0);
    expect(history.events[0]).toBe(history.index?.lifecycle[0]);
    expect(history.index?.length).toBe(2);
    expect([...(history.index?.actingNodes ?? [])]).toEqual([1]);
  });

  it('gives the index the submits and acks, columnar or kept, in history order, read as they grow', () => {
    const history = recordedHistory([1, 2]);
    recordEvent(history, { type: 'submit', node: 1, id: 's1', payload: 'x' }, 0);
    recordEvent(history, { type: 'send', node: 1, to: 2, msg: 1, body: {} }, 0.5);
    // A node id no column holds: kept as an object, between the columnar ones.
    recordEvent(history, { type: 'submit', node: 70_000, id: 's2', payload: 'y' }, 1);
    recordEvent(history, { type: 'ack', node: 1, id: 's1' }, 1.25);
    const lines = (events: readonly object[] | undefined) => events?.map((event) => JSON.stringify(event));
    expect(lines(history.index?.submits)).toEqual([
      '{"type":"submit","node":1,"id":"s1","payload":"x","i":0,"t":0}',
      '{"type":"submit","node":70000,"id":"s2","payload":"y","i":2,"t":1}',
    ]);
    expect(lines(history.index?.acks)).toEqual(['{"type":"ack","node":1,"id":"s1","i":3,"t":1.25}']);
    recordEvent(history, { type: 'ack', node: 2, id: 's2' }, 2);
    recordEvent(history, { type: 'submit', node: 2, id: 's3', payload: 'z' }, 2);
    expect(lines(history.index?.acks)?.slice(1)).toEqual(['{"type":"ack","node":2,"id":"s2","i":4,"t":2}']);
    expect(lines(history.index?.submits)?.slice(2)).toEqual([
      '{"type":"submit","node":2,"id":"s3","payload":"z","i":5,"t":2}',
    ]);
    expect(lines(history.index?.events)).toEqual(lines([0, 2, 3, 4, 5].map((i) => history.events[i])));
  });

  it('gives the index the kept events and the columnar deliveries in history order, read as it grows', () => {
    const inputs = someEvents(5_000);
    const history = recordedHistory([1, 2, 3, 4, 5]);
    const expected: string[] = [];
    inputs.forEach(({ event, t }, i) => {
      const stamped = stampEvent(structuredClone(event), i, t);
      if (isIndexedType(stamped.type)) expected.push(JSON.stringify(stamped));
      recordEvent(history, event, t);
      // Read midway (at positions that fall inside a block), as the simulator's world reads it after each step.
      if (i === 777 || i === 2_049) expect(history.index?.events.map((e) => JSON.stringify(e))).toEqual(expected);
    });
    expect(expected.some((line) => line.includes('"type":"deliver"'))).toBe(true);
    expect(history.index?.events.map((event) => JSON.stringify(event))).toEqual(expected);
  });

  it('lets the index be read without building deliveries: the same events, each delivery as node, record and position', () => {
    const inputs = someEvents(5_000);
    // A delivery whose node does not fit a column is kept as an object, and must come as an event.
    inputs.splice(100, 0, { event: { type: 'deliver', node: 70_000, id: 's1', origin: 1, payload: 'p' }, t: 0 });
    const history = recordedHistory([1, 2, 3, 4, 5]);
    inputs.forEach(({ event, t }) => recordEvent(history, event, t));
    const index = history.index;
    if (index === undefined) throw new Error('a recorded history has an index');
    const seen: string[] = [];
    const recordsById = new Map<string, Set<number>>();
    let columnar = 0;
    index.forEachIndexed(
      (event) => seen.push(JSON.stringify(event)),
      (node, record, recordNumber, i) => {
        columnar += 1;
        const t = history.events[i].t;
        seen.push(JSON.stringify({ type: 'deliver', node, ...record, i, t }));
        recordsById.set(record.id, (recordsById.get(record.id) ?? new Set()).add(recordNumber));
      },
    );
    // Read before `events` was ever asked for, and equal to it afterwards.
    expect(seen).toEqual(index.events.map((event) => JSON.stringify(event)));
    expect(columnar).toBeGreaterThan(100);
    expect(seen.filter((line) => line.includes('"node":70000')).length).toBe(1);
    // One record per entry: these ids are each delivered once, so each has one number.
    for (const numbers of recordsById.values()) expect(numbers.size).toBe(1);
  });

  it('shares one stored delivery among the nodes delivering an entry, keeping each node and time', () => {
    const history = recordedHistory([1, 2, 3]);
    for (const node of [1, 2, 3])
      recordEvent(history, { type: 'deliver', node, id: 's1', origin: 1, payload: 'x', order: { seq: 1 } }, node);
    recordEvent(history, { type: 'deliver', node: 1, id: 's2', origin: 2, payload: 'y' }, 4);
    const events = history.events.slice();
    expect(events.map((event) => event.type === 'deliver' && [event.node, event.t, event.id])).toEqual([
      [1, 1, 's1'],
      [2, 2, 's1'],
      [3, 3, 's1'],
      [1, 4, 's2'],
    ]);
    expect(events[0].type === 'deliver' && events[2].type === 'deliver' && events[0].order === events[2].order).toBe(
      true,
    );
    expect(JSON.stringify(events[3])).toBe(
      '{"type":"deliver","node":1,"id":"s2","origin":2,"payload":"y","i":3,"t":4}',
    );
  });

  it('refuses writes, to the view and to a rebuilt event, instead of losing them', () => {
    const history = recordedHistory([1, 2]);
    recordEvent(history, { type: 'receive', node: 2, from: 1, msg: 1 }, 3);
    expect(() => history.events.push(history.events[0])).toThrow(/read-only/);
    expect(() => {
      history.events[0] = history.events[0];
    }).toThrow(/read-only/);
    expect(() => {
      (history.events[0] as { t: number }).t = 4;
    }).toThrow(TypeError);
  });
});
