import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../../test/support/history-builder.ts';
import type { History } from '../core/history.ts';
import {
  flowPairs,
  SHIVIZ_EVENT_TYPES,
  SHIVIZ_REGEX,
  shivizEvents,
  toChromeTrace,
  toShiviz,
  type VectorClock,
} from './exports.ts';

/** A small run with a message chain 1 -> 2 -> 3, a concurrent send from 3, a drop, a duplicate and a crash. */
function sampleHistory(): History {
  const builder = historyBuilder([1, 2, 3]);
  builder.announce(1, { role: 'follower', term: 0 });
  builder.at(10).submit(1, 's1', 'line one\nline two');
  const first = builder.send(1, 2, 1, { type: 'FORWARD', id: 's1' });
  const concurrent = builder.send(3, 1, 2, { type: 'HEARTBEAT' });
  builder.at(20).receive(2, 1, first.msg);
  const second = builder.send(2, 3, 3, { type: 'ORDER', seq: 1 });
  builder.add({ type: 'duplicate', node: 2, to: 3, msg: second.msg });
  builder.add({ type: 'timer', node: 2, name: 'heartbeat' });
  builder.at(25).receive(1, 3, concurrent.msg);
  builder.at(30).receive(3, 2, second.msg);
  builder.deliver(3, 's1');
  builder.at(31).receive(3, 2, second.msg);
  const lost = builder.send(3, 2, 4, { type: 'ACK' });
  builder.add({ type: 'drop', node: 3, to: 2, msg: lost.msg, reason: 'loss' });
  builder.at(40).crash(2);
  builder.add({ type: 'partition', groups: [[1], [2, 3]] });
  builder.at(50).restart(2);
  builder.add({ type: 'heal' });
  builder.phase('end');
  return builder.build();
}

function dominates(later: VectorClock, earlier: VectorClock): boolean {
  return Object.entries(earlier).every(([host, count]) => (later[host] ?? 0) >= count);
}

describe('ShiViz export', () => {
  it("parses with ShiViz's default regex into one event per kept history event", () => {
    const history = sampleHistory();
    const text = toShiviz(history);
    const matches = [...text.matchAll(new RegExp(SHIVIZ_REGEX, 'g'))];
    const kept = history.events.filter((event) => SHIVIZ_EVENT_TYPES.has(event.type));
    expect(matches).toHaveLength(kept.length);
    expect(kept.length).toBe(15);
    matches.forEach((match, index) => {
      const event = kept[index];
      expect(match.groups?.host).toBe(`node${'node' in event ? event.node : '?'}`);
      expect(() => JSON.parse(match.groups?.clock ?? '')).not.toThrow();
    });
    // A payload with a line break stays on one line, so it cannot split an event in two.
    expect(matches[1].groups?.event).toContain('"line one\\nline two"');
  });

  it('gives clocks that respect happened-before', () => {
    const history = sampleHistory();
    const events = shivizEvents(history);
    const byIndex = new Map(events.map((event) => [event.i, event]));
    let pairs = 0;
    for (const receive of history.events) {
      if (receive.type !== 'receive') continue;
      const send = history.events.find((event) => event.type === 'send' && event.msg === receive.msg);
      const sendClock = byIndex.get(send?.i ?? -1)?.clock;
      const receiveClock = byIndex.get(receive.i)?.clock;
      expect(sendClock).toBeDefined();
      expect(dominates(receiveClock!, sendClock!)).toBe(true);
      expect(receiveClock![`node${receive.node}`]).toBeGreaterThan(sendClock![`node${receive.node}`] ?? 0);
      pairs += 1;
    }
    expect(pairs).toBe(4);
    // Along each host, its own entry counts 1, 2, 3, ... and every clock dominates the one before.
    for (const host of ['node1', 'node2', 'node3']) {
      const own = events.filter((event) => event.host === host);
      own.forEach((event, index) => {
        expect(event.clock[host]).toBe(index + 1);
        if (index > 0) expect(dominates(event.clock, own[index - 1].clock)).toBe(true);
      });
    }
  });

  it('keeps concurrent events concurrent', () => {
    const events = shivizEvents(sampleHistory());
    const heartbeatSend = events.find((event) => event.text.includes('HEARTBEAT'))!;
    const forwardReceive = events.find((event) => event.host === 'node2' && event.text.includes('receives msg 1'))!;
    expect(dominates(forwardReceive.clock, heartbeatSend.clock)).toBe(false);
    expect(dominates(heartbeatSend.clock, forwardReceive.clock)).toBe(false);
  });
});

describe('Chrome trace export', () => {
  it('has a thread per node and a flow arrow per receive, from its send slice to its receive slice', () => {
    const history = sampleHistory();
    const trace = toChromeTrace(history, { seed: 1 });
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
    const names = trace.traceEvents.filter((event) => event.name === 'thread_name').map((event) => event.args?.name);
    expect(names).toEqual(['network', 'node 1', 'node 2', 'node 3']);
    const pairs = flowPairs(trace);
    expect(pairs.size).toBe(history.events.filter((event) => event.type === 'receive').length);
    for (const { start, finish } of pairs.values()) {
      expect(start).toBeDefined();
      expect(finish).toBeDefined();
      const sendSlice = trace.traceEvents.find(
        (event) => event.ph === 'X' && event.tid === start!.tid && event.ts === start!.ts,
      );
      const receiveSlice = trace.traceEvents.find(
        (event) => event.ph === 'X' && event.tid === finish!.tid && event.ts === finish!.ts,
      );
      expect(sendSlice?.name).toMatch(/^send /);
      expect(receiveSlice?.name).toMatch(/^receive /);
      expect(finish!.ts).toBeGreaterThanOrEqual(start!.ts);
    }
    for (const event of trace.traceEvents) expect(['X', 'i', 's', 'f', 'M']).toContain(event.ph);
  });

  it('never lets two slices of one thread partly overlap, even for events at the same instant', () => {
    const trace = toChromeTrace(sampleHistory());
    const slices = trace.traceEvents.filter((event) => event.ph === 'X');
    for (const a of slices) {
      for (const b of slices) {
        if (a === b || a.tid !== b.tid) continue;
        const aEnd = a.ts + (a.dur ?? 0);
        const bEnd = b.ts + (b.dur ?? 0);
        const disjoint = aEnd <= b.ts || bEnd <= a.ts;
        const nested = (a.ts <= b.ts && bEnd <= aEnd) || (b.ts <= a.ts && aEnd <= bEnd);
        expect(disjoint || nested).toBe(true);
      }
    }
    const down = slices.find((event) => event.name === 'down');
    expect(down).toMatchObject({ tid: 2, ts: 40_000, dur: 10_000 });
    expect(slices.find((event) => event.name.startsWith('partition'))).toMatchObject({
      tid: 0,
      ts: 40_000,
      dur: 10_000,
    });
  });
});
