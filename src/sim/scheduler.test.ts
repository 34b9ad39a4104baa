import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyHash } from '../core/history.ts';
import { protocolByName } from '../protocols/index.ts';
import { EventQueue } from './queue.ts';
import { TimeOrderScheduler, type PendingEvent, type Scheduler } from './scheduler.ts';
import { Simulator } from './simulator.ts';

/** Among the events due first, the one added last: a strategy that differs from the default only on ties. */
class LastAmongTies implements Scheduler {
  protected readonly pending: PendingEvent[] = [];
  get size(): number {
    return this.pending.length;
  }
  add(event: PendingEvent): void {
    this.pending.push(event);
  }
  peek(): PendingEvent | undefined {
    let best: PendingEvent | undefined;
    for (const event of this.pending) {
      if (best === undefined || event.time < best.time || (event.time === best.time && event.seq > best.seq))
        best = event;
    }
    return best;
  }
  take(): PendingEvent | undefined {
    const best = this.peek();
    if (best !== undefined) this.pending.splice(this.pending.indexOf(best), 1);
    return best;
  }
}

/** Always the event due last: time jumps ahead and everything passed over fires late. */
class LatestFirst extends LastAmongTies {
  override peek(): PendingEvent | undefined {
    return [...this.pending].sort((a, b) => b.time - a.time || b.seq - a.seq)[0];
  }
}

function run(scheduler?: Scheduler): Simulator {
  const sim = new Simulator({
    seed: 7,
    protocol: protocolByName('sequencer')!,
    nodeCount: 3,
    // Constant latency: many messages fall due at the same time, so the tie order matters.
    network: { latency: { kind: 'constant', ms: 10 } },
    scheduler,
  });
  sim.start();
  for (let index = 0; index < 5; index += 1)
    sim.schedule(1_000 + index, () => sim.submit(1 + (index % 3), `m${index}`));
  sim.runUntil(5_000);
  return sim;
}

describe('the scheduler seam', () => {
  it('the default order is (time, insertion order), the same with or without naming it', () => {
    expect(historyHash(run(new TimeOrderScheduler()).history)).toBe(historyHash(run().history));
  });

  it('another strategy changes the order of simultaneous events, and the run stays deterministic', () => {
    const byDefault = historyHash(run().history);
    const reversed = historyHash(run(new LastAmongTies()).history);
    expect(reversed).not.toBe(byDefault);
    expect(historyHash(run(new LastAmongTies()).history)).toBe(reversed);
    expect(run(new LastAmongTies()).history.events.filter((event) => event.type === 'deliver').length).toBeGreaterThan(
      0,
    );
  });

  it('an event passed over fires late: the history time never goes backwards', () => {
    const sim = run(new LatestFirst());
    const times = sim.history.events.map((event) => event.t);
    expect(times.length).toBeGreaterThan(10);
    for (let index = 1; index < times.length; index += 1)
      expect(times[index]).toBeGreaterThanOrEqual(times[index - 1]!);
  });

  it('the heap pops in (time, seq) order whatever the push order', () => {
    const queue = new EventQueue<{ time: number; seq: number }>();
    const entries = [5, 1, 5, 3, 1, 0, 5].map((time, seq) => ({ time, seq }));
    for (const entry of [...entries].reverse()) queue.push(entry);
    const popped: string[] = [];
    for (let entry = queue.pop(); entry !== undefined; entry = queue.pop()) popped.push(`${entry.time}/${entry.seq}`);
    expect(popped).toEqual(['0/5', '1/1', '1/4', '3/3', '5/0', '5/2', '5/6']);
  });

  it('the default scheduler takes messages (lane or heap) and timers in exact (time, seq) order, adds and takes interleaved', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 }), fc.nat(3)), { maxLength: 80 }),
        (steps) => {
          const scheduler = new TimeOrderScheduler();
          const pending: PendingEvent[] = [];
          let seq = 0;
          let now = 0;
          for (const [isMessage, delay, takes] of steps) {
            const time = now + delay;
            const event: PendingEvent = isMessage
              ? { time, seq: seq++, kind: 'message', from: 1, to: 2, msg: seq, body: null }
              : { time, seq: seq++, kind: 'timer', node: 1, name: 't', token: seq };
            scheduler.add(event);
            pending.push(event);
            for (let k = 0; k < takes && pending.length > 0; k += 1) {
              pending.sort((a, b) => a.time - b.time || a.seq - b.seq);
              const expected = pending.shift();
              // Taken after a peek (as the simulator does) or without one.
              if ((k % 2 === 0 && scheduler.peek() !== expected) || scheduler.take() !== expected) return false;
              now = Math.max(now, expected!.time);
            }
            if (scheduler.size !== pending.length) return false;
          }
          return true;
        },
      ),
      { numRuns: 300, seed: 15 },
    );
  });
});
