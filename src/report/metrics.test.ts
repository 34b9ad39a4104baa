import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../../test/support/history-builder.ts';
import { Simulator } from '../sim/index.ts';
import { sequencer } from '../protocols/sequencer/index.ts';
import { messageFlights, nodeIntervals, networkIntervals } from './intervals.ts';
import {
  bucketCounts,
  computeMetrics,
  deliveryLatencies,
  downtime,
  dropsByReason,
  duplicates,
  elections,
  flightTallies,
  latencyStats,
  leaderlessTime,
  messageCounts,
  quantile,
} from './metrics.ts';

describe('quantile and latencyStats', () => {
  it('take the nearest rank, so every quantile is a latency that occurred', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.95)).toBe(95);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
  });

  it('refuse empty input and out-of-range quantiles', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(latencyStats([])).toBeNull();
  });

  it('summarize unsorted latencies', () => {
    expect(latencyStats([30, 10, 20, 40])).toEqual({
      count: 4,
      meanMs: 25,
      p50Ms: 20,
      p95Ms: 40,
      p99Ms: 40,
      maxMs: 40,
    });
  });
});

describe('delivery latency', () => {
  it('measures submit -> deliver per delivery, overall and per node', () => {
    const builder = historyBuilder([1, 2, 3]);
    builder.at(1000).submit(1, 's1');
    builder.deliver(1, 's1');
    builder.at(1011).deliver(2, 's1');
    builder.at(1030).deliver(3, 's1');
    builder.at(2000).submit(2, 's2');
    builder.at(2100).deliver(2, 's2');
    builder.at(2400).deliver(1, 's2');
    // A delivery of something never submitted has no latency (the exactly-once checker reports it).
    builder.deliver(3, 'ghost', { origin: 1 });
    const history = builder.build();
    const latencies = deliveryLatencies(history);
    expect(latencies.map((latency) => [latency.node, latency.id, latency.latencyMs])).toEqual([
      [1, 's1', 0],
      [2, 's1', 11],
      [3, 's1', 30],
      [2, 's2', 100],
      [1, 's2', 400],
    ]);
    const metrics = computeMetrics(history);
    expect(metrics.latency.overall).toMatchObject({ count: 5, p50Ms: 30, maxMs: 400 });
    expect(metrics.latency.byNode['1']).toMatchObject({ count: 2, p50Ms: 0, p99Ms: 400, maxMs: 400 });
    expect(metrics.latency.byNode['3']).toMatchObject({ count: 1, maxMs: 30 });
    expect(metrics.deliveries).toBe(6);
  });

  it('rounds away floating-point noise of virtual times', () => {
    const builder = historyBuilder([1, 2]);
    builder.at(3).submit(1, 's1');
    builder.at(3.011).deliver(2, 's1');
    expect(deliveryLatencies(builder.build())[0].latencyMs).toBe(0.011);
  });
});

describe('messages per submission', () => {
  it('counts sends per submit, in all and by message type', () => {
    const builder = historyBuilder([1, 2, 3]);
    builder.submit(1, 's1');
    builder.submit(2, 's2');
    builder.transfer(1, 2, { type: 'PROPOSE', ts: 1 });
    builder.transfer(1, 3, { type: 'PROPOSE', ts: 1 });
    builder.transfer(2, 1, { type: 'PROPOSE', ts: 2 });
    builder.transfer(3, 1, { type: 'ACK' });
    builder.transfer(3, 2, 'not an object');
    expect(messageCounts(builder.build())).toEqual({
      sends: 5,
      submits: 2,
      perSubmit: 2.5,
      byType: [
        { type: 'PROPOSE', sends: 3, perSubmit: 1.5 },
        { type: '(untyped)', sends: 1, perSubmit: 0.5 },
        { type: 'ACK', sends: 1, perSubmit: 0.5 },
      ],
    });
  });

  it('has no ratio without submissions', () => {
    const builder = historyBuilder([1, 2]);
    builder.transfer(1, 2, { type: 'HEARTBEAT' });
    expect(messageCounts(builder.build()).perSubmit).toBeNull();
  });
});

describe('elections and time without a leader', () => {
  it('lists leader and primary announcements and measures the leaderless stretches', () => {
    const builder = historyBuilder([1, 2, 3]);
    builder.announce(1, { role: 'follower', term: 0 });
    builder.at(1000).announce(3, { role: 'leader', term: 1 });
    builder.at(6000).crash(3);
    builder.at(9300).announce(2, { role: 'leader', term: 2 });
    builder.at(9400).announce(1, { role: 'follower', term: 2, leader: 2 });
    builder.at(12000).announce(2, { role: 'follower', term: 3 });
    builder.at(15000).phase('end');
    const history = builder.build();
    expect(elections(history).map((election) => [election.atMs, election.node, election.term])).toEqual([
      [1000, 3, 1],
      [9300, 2, 2],
    ]);
    const leaderless = leaderlessTime(history);
    expect(leaderless?.intervals).toEqual([
      { startMs: 0, endMs: 1000, closed: true },
      { startMs: 6000, endMs: 9300, closed: true },
      { startMs: 12000, endMs: 15000, closed: false },
    ]);
    expect(leaderless?.totalMs).toBe(1000 + 3300 + 3000);
  });

  it('counts a primary as a leader, and an overlap of two leaders as led', () => {
    const builder = historyBuilder([1, 2]);
    builder.announce(2, { role: 'primary' });
    builder.at(500).announce(1, { role: 'primary' });
    builder.at(700).announce(2, { role: 'backup' });
    builder.at(1000).phase('end');
    expect(leaderlessTime(builder.build())).toEqual({ totalMs: 0, intervals: [] });
  });

  it('is null for protocols that never announce a leader', () => {
    const builder = historyBuilder([1, 2]);
    builder.announce(1, { role: 'peer' });
    builder.at(100).phase('end');
    expect(leaderlessTime(builder.build())).toBeNull();
  });
});

describe('downtime, drops and duplicates', () => {
  it('measures crash -> restart per node, to the end when there is no restart, and pauses apart', () => {
    const builder = historyBuilder([1, 2, 3]);
    builder.at(1000).crash(1);
    builder.at(3500).restart(1);
    builder.at(4000).pause(2);
    builder.at(4250).resume(2);
    builder.at(5000).pause(2);
    builder.at(5100).crash(2);
    builder.at(8000).crash(1);
    builder.at(10000).phase('end');
    const history = builder.build();
    expect(downtime(history)).toEqual([
      { node: 1, crashes: 2, downMs: 2500 + 2000, pauses: 0, pausedMs: 0, upAtEnd: false },
      { node: 2, crashes: 1, downMs: 4900, pauses: 2, pausedMs: 250 + 100, upAtEnd: false },
      { node: 3, crashes: 0, downMs: 0, pauses: 0, pausedMs: 0, upAtEnd: true },
    ]);
    expect(
      nodeIntervals(history)
        .filter((interval) => interval.node === 2)
        .map((interval) => interval.kind),
    ).toEqual(['paused', 'paused', 'down']);
  });

  it('counts drops by reason and duplicates on the wire and at the receiver', () => {
    const builder = historyBuilder([1, 2, 3]);
    const lost = builder.send(1, 2);
    builder.add({ type: 'drop', node: 1, to: 2, msg: lost.msg, reason: 'loss' });
    const cut = builder.send(1, 3);
    builder.add({ type: 'drop', node: 1, to: 3, msg: cut.msg, reason: 'partition' });
    const other = builder.send(2, 3);
    builder.add({ type: 'drop', node: 2, to: 3, msg: other.msg, reason: 'partition' });
    const twice = builder.send(2, 1);
    builder.add({ type: 'duplicate', node: 2, to: 1, msg: twice.msg });
    builder.after(10).receive(1, 2, twice.msg);
    builder.after(3).receive(1, 2, twice.msg);
    builder.send(3, 1);
    const history = builder.build();
    expect(dropsByReason(history)).toEqual({ total: 3, byReason: { loss: 1, partition: 2 } });
    expect(duplicates(history)).toEqual({ total: 1, receivedAgain: 1 });
    expect(computeMetrics(history).inFlightAtEnd).toBe(1);
  });

  it('shades partitions until the next partition or a heal, and holds until released', () => {
    const builder = historyBuilder([1, 2, 3]);
    builder.at(100).add({ type: 'partition', groups: [[1, 2], [3]] });
    builder.at(200).add({ type: 'partition', groups: [[1], [2, 3]] });
    builder.at(250).add({ type: 'hold', from: 1, to: 2 });
    builder.at(300).add({ type: 'cut', from: 3, to: 1 });
    builder.at(400).add({ type: 'heal' });
    builder.at(500).add({ type: 'release', from: 1, to: 2 });
    builder.at(600).phase('end');
    expect(networkIntervals(builder.build())).toEqual([
      { kind: 'partition', label: '{1,2} | {3}', startMs: 100, endMs: 200, closed: true },
      { kind: 'partition', label: '{1} | {2,3}', startMs: 200, endMs: 400, closed: true },
      { kind: 'hold', label: '1 -> 2', startMs: 250, endMs: 500, closed: true },
      { kind: 'cut', label: '3 -> 1', startMs: 300, endMs: 400, closed: true },
    ]);
  });
});

describe('bucketCounts', () => {
  it('slices the span evenly and keeps the end in the last slice', () => {
    expect(bucketCounts([0, 1, 4.9, 5, 9.99, 10, 11], 0, 10, 2)).toEqual([3, 3]);
    expect(() => bucketCounts([], 0, 1, 0)).toThrow(RangeError);
  });
});

describe('flightTallies', () => {
  it('counts what messageFlights counts, on runs with loss, duplication and messages left in flight', () => {
    for (const seed of [1, 2, 3]) {
      const sim = new Simulator({
        seed,
        nodeCount: 4,
        protocol: sequencer,
        network: { lossRate: 0.1, duplicateRate: 0.2 },
      });
      sim.start();
      for (let n = 0; n < 20; n += 1) sim.submit((n % 4) + 1, `m${n}`);
      // Stopped mid-traffic, so some messages are still in flight at the end.
      sim.runUntil(1_000 + seed * 7);
      const flights = messageFlights(sim.history);
      const tallies = flightTallies(sim.history);
      expect(tallies.duplicates).toBe(flights.reduce((sum, flight) => sum + flight.duplicates.length, 0));
      expect(tallies.receivedAgain).toBe(
        flights.reduce((sum, flight) => sum + Math.max(0, flight.receives.length - 1), 0),
      );
      expect(tallies.inFlightAtEnd).toBe(
        flights.filter((flight) => flight.receives.length + flight.drops.length === 0).length,
      );
      expect(tallies.duplicates).toBeGreaterThan(0);
      expect(tallies.receivedAgain).toBeGreaterThan(0);
    }
  });
});
