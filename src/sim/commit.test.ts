import { describe, expect, it } from 'vitest';
import { eventsOf } from '../core/history.ts';
import type { Json } from '../core/json.ts';
import type { NodeContext, ProtocolDefinition, RecoveryReport } from '../core/node.ts';
import { fifoOrderChecker } from '../check/fifo-order.ts';
import { Simulator } from './simulator.ts';

/**
 * A test protocol with a commit worth cutting: a submission is persisted, delivered, acked, then broadcast;
 * a message is received silently. `start` notes what it recovered and what the host found.
 */
const starts: Array<{ node: number; recovered: Json[]; found: RecoveryReport | undefined; nowMs: number }> = [];
const writer: ProtocolDefinition = {
  name: 'writer',
  seeds: [],
  summary: 'test-only: persists, delivers, acks and broadcasts each submission',
  defaults: {},
  optionDocs: {},
  promises: {},
  isMessage: (value) => typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'copy',
  create: (config) => ({
    start: (ctx: NodeContext, recovered, found) => {
      starts.push({ node: config.id, recovered: [...recovered], found, nowMs: ctx.now() });
    },
    message: () => {},
    timer: () => {},
    submit: (ctx, submission) => {
      ctx.persist({ id: submission.id });
      ctx.deliver({ id: submission.id, origin: ctx.id, payload: submission.payload });
      ctx.ack(submission.id);
      if (submission.payload === 'bad') ctx.broadcast({ type: 'not-a-copy' });
      else ctx.broadcast({ type: 'copy', id: submission.id, when: undefined as unknown as Json });
    },
    status: () => ({ role: 'peer', delivered: 0 }),
  }),
};

function simulator(): Simulator {
  starts.length = 0;
  const sim = new Simulator({ seed: 1, protocol: writer, nodeCount: 3 });
  sim.start();
  return sim;
}

const kinds = (sim: Simulator, node: number) =>
  sim.history.events
    .filter((event) => 'node' in event && event.node === node && event.type !== 'log')
    .map((event) => event.type);

describe('crash points: the cuts of the commit order', () => {
  it('without a crash point a handler commits whole, in the order it acted', () => {
    const sim = simulator();
    sim.submit(1, 'm');
    expect(kinds(sim, 1)).toEqual(['submit', 'persist', 'deliver', 'ack', 'send', 'send']);
  });

  it('after sync and k effects: the records are durable and only the first k effects leave, by kind as live', () => {
    // The handler delivered, acked, then broadcast; the live host lets sends leave first, then deliveries, then
    // acks (EFFECT_ORDER), so no cut shows the ack without both sends.
    for (const [cut, expected] of [
      [0, ['submit', 'persist', 'crash']],
      [1, ['submit', 'persist', 'send', 'crash']],
      [2, ['submit', 'persist', 'send', 'send', 'crash']],
      [3, ['submit', 'persist', 'send', 'send', 'deliver', 'crash']],
      [9, ['submit', 'persist', 'send', 'send', 'deliver', 'ack', 'crash']],
    ] as const) {
      const sim = simulator();
      sim.crashDuring(1, { handler: 'persisting', cut });
      sim.submit(1, 'm');
      expect(kinds(sim, 1), `cut ${cut}`).toEqual(expected);
      const crash = eventsOf(sim.history, 'crash')[0];
      expect(crash.during).toEqual({ cut: 'after-sync', effects: Math.min(cut, 4), of: 4 });
      sim.restart(1);
      expect(starts.at(-1)?.recovered).toEqual([{ id: 's1' }]);
    }
  });

  it('a batch: records of every handler synced together, then effects by kind across the batch', () => {
    const sim = simulator();
    sim.crashDuring(1, { handler: 'next', cut: 4, batch: { handlers: 3, windowMs: 10 } });
    sim.submit(1, 'a');
    expect(kinds(sim, 1)).toEqual(['submit']); // its effects wait for the batch's sync
    sim.runUntil(5);
    sim.submit(1, 'b');
    // Two handlers ran, two records, eight effects: 4 sends, 2 deliveries, 2 acks. The cut lets the four sends
    // out and nothing else: s1's ack never leaves although s2's records are durable.
    sim.runUntil(20);
    expect(kinds(sim, 1)).toEqual(['submit', 'submit', 'persist', 'persist', 'send', 'send', 'send', 'send', 'crash']);
    expect(eventsOf(sim.history, 'crash')[0].during).toEqual({ cut: 'after-sync', effects: 4, of: 8, handlers: 2 });
    expect(eventsOf(sim.history, 'crash')[0].t).toBe(10); // the window closed the batch
    sim.restart(1);
    expect(starts.at(-1)?.recovered).toEqual([{ id: 's1' }, { id: 's2' }]);
    // Both deliveries were synced with the records: handed over at restart; neither ack ever happened.
    expect(eventsOf(sim.history, 'deliver').map((event) => [event.node, event.id])).toEqual([
      [1, 's1'],
      [1, 's2'],
    ]);
    expect(eventsOf(sim.history, 'ack')).toHaveLength(0);
  });

  it('a timer armed inside a batch cannot join it: the batch commits first; one armed before joins', () => {
    // Each submission persists and arms a 1 ms timer of its own; the timer persists too.
    const ticker: ProtocolDefinition = {
      ...writer,
      name: 'ticker',
      create: () => ({
        start: () => {},
        message: () => {},
        timer: (ctx) => ctx.persist({ tick: true }),
        submit: (ctx, submission) => {
          ctx.persist({ id: submission.id });
          ctx.setTimer(`tick-${submission.id}`, 1);
        },
        status: () => ({ role: 'peer', delivered: 0 }),
      }),
    };
    const batch = { handlers: 3, windowMs: 10 };
    const inside = new Simulator({ seed: 1, protocol: ticker, nodeCount: 1 });
    inside.start();
    inside.crashDuring(1, { handler: 'next', cut: 'before-sync', batch });
    inside.submit(1, 'a');
    inside.runUntil(20);
    const [early] = eventsOf(inside.history, 'crash');
    expect([early.t, early.during]).toEqual([1, { cut: 'before-sync', records: 1 }]);

    const before = new Simulator({ seed: 1, protocol: ticker, nodeCount: 1 });
    before.start();
    before.submit(1, 'a'); // arms the timer at 0 ms, due at 1 ms
    before.runUntil(0.5);
    before.crashDuring(1, { handler: 'next', cut: 'before-sync', batch });
    before.submit(1, 'b'); // opens the batch at 0.5 ms; the timer was armed before it, so it joins
    before.runUntil(20);
    const [late] = eventsOf(before.history, 'crash');
    // The first timer (1 ms) joined; the one 'b' armed inside the batch (due 1.5 ms) closed it before running.
    expect([late.t, late.during]).toEqual([1.5, { cut: 'before-sync', records: 2, handlers: 2 }]);
  });

  it('a batch closes when full, and before-sync loses every handler of it', () => {
    const sim = simulator();
    sim.crashDuring(1, { handler: 'persisting', cut: 'before-sync', batch: { handlers: 2, windowMs: 50 } });
    sim.submit(1, 'a');
    expect(sim.isUp(1)).toBe(true);
    sim.submit(1, 'b');
    expect(sim.isUp(1)).toBe(false); // full at two handlers: committed at once, not at the window's end
    expect(eventsOf(sim.history, 'crash')[0].during).toEqual({ cut: 'before-sync', records: 2, handlers: 2 });
    sim.restart(1);
    expect(starts.at(-1)?.recovered).toEqual([]);
  });

  it('a batch point without a crash that fires commits the batch whole, in the order the handlers acted', () => {
    const sim = simulator();
    sim.crashDuring(2, { handler: 'persisting', cut: 0, batch: { handlers: 4, windowMs: 10 } });
    sim.submit(1, 'm');
    sim.runUntil(1_000); // node 2 receives a copy, persists nothing: its batch commits whole, the point stays
    expect(sim.isUp(2)).toBe(true);
    expect(eventsOf(sim.history, 'receive').filter((event) => event.node === 2)).toHaveLength(1);
    sim.beginLiveness();
    sim.submit(2, 'n'); // disarmed: no batch, no capture
    expect(kinds(sim, 2)).toEqual(['receive', 'submit', 'persist', 'deliver', 'ack', 'send', 'send']);
  });

  it('a delivery synced but cut off is handed to the application at restart, as the live host does', () => {
    const sim = simulator();
    sim.crashDuring(1, { handler: 'persisting', cut: 0 });
    sim.submit(1, 'm');
    expect(eventsOf(sim.history, 'deliver')).toHaveLength(0);
    sim.restart(1);
    const deliveries = eventsOf(sim.history, 'deliver');
    expect(deliveries.map((event) => [event.node, event.id])).toEqual([[1, 's1']]);
    // The ack was not synced: it never happened.
    expect(eventsOf(sim.history, 'ack')).toHaveLength(0);
  });

  it('before sync: the records are lost and nothing leaves', () => {
    const sim = simulator();
    sim.crashDuring(1, { handler: 'next', cut: 'before-sync' });
    sim.submit(1, 'm');
    expect(kinds(sim, 1)).toEqual(['submit', 'crash']);
    sim.restart(1);
    expect(starts.at(-1)?.recovered).toEqual([]);
    expect(eventsOf(sim.history, 'deliver')).toHaveLength(0);
  });

  it('a "persisting" point waits for a handler that persists; a "next" point takes the next handler', () => {
    const sim = simulator();
    sim.crashDuring(2, { handler: 'persisting', cut: 0 });
    sim.submit(1, 'm');
    sim.runUntil(1_000);
    expect(sim.isUp(2)).toBe(true); // node 2 only received a copy: nothing persisted, no crash
    sim.submit(2, 'n');
    expect(sim.isUp(2)).toBe(false);

    const other = simulator();
    other.crashDuring(2, { handler: 'next', cut: 0 });
    other.submit(1, 'm');
    other.runUntil(1_000);
    expect(other.isUp(2)).toBe(false);
  });

  it('a crash point stays armed until it fires and is disarmed by the liveness phase', () => {
    const sim = simulator();
    sim.crashDuring(3, { handler: 'persisting', cut: 0 });
    sim.beginLiveness();
    sim.submit(3, 'm');
    expect(sim.isUp(3)).toBe(true);
  });
});

describe('storage faults', () => {
  it('a torn last record is cut at restart and the node is told', () => {
    const sim = simulator();
    sim.submit(1, 'a');
    sim.submit(1, 'b');
    sim.tear(1);
    expect(sim.isUp(1)).toBe(false);
    sim.restart(1);
    expect(starts.at(-1)).toMatchObject({ node: 1, recovered: [{ id: 's1' }], found: { tornRecords: 1 } });
    expect(eventsOf(sim.history, 'storage').map((event) => event.what)).toEqual(['tear', 'cut-tail']);
  });

  it('a corrupt record before the last is never read as data: the node does not start', () => {
    const sim = simulator();
    sim.submit(1, 'a');
    sim.submit(1, 'b');
    sim.corrupt(1, 1);
    expect(sim.isUp(1)).toBe(true); // nobody reads the log while the node runs
    sim.crash(1);
    sim.restart(1);
    expect(sim.isUp(1)).toBe(false);
    const refused = eventsOf(sim.history, 'storage').at(-1);
    expect(refused).toMatchObject({ what: 'refused', index: 0 });
    expect(starts.filter((start) => start.node === 1)).toHaveLength(1); // only the first boot
    sim.beginLiveness();
    expect(sim.isUp(1)).toBe(false);
  });

  it('a full disk stops a node that persists before any effect leaves; it restarts once there is room', () => {
    const sim = simulator();
    sim.setDiskFull(1, true);
    sim.submit(1, 'a');
    expect(sim.isUp(1)).toBe(false);
    expect(kinds(sim, 1)).toEqual(['storage', 'submit', 'storage', 'crash']); // disk-full, then write-failed
    sim.setDiskFull(1, false);
    sim.restart(1);
    expect(starts.at(-1)).toMatchObject({ node: 1, recovered: [] });
  });
});

describe('the boundary a message crosses', () => {
  it('messages arrive as JSON copies; anything isMessage rejects is dropped as invalid', () => {
    const sim = simulator();
    sim.submit(1, 'm');
    const body = eventsOf(sim.history, 'send')[0].body;
    expect(body).toEqual({ type: 'copy', id: 's1' }); // `when: undefined` did not survive JSON
    sim.submit(1, 'bad');
    sim.runUntil(1_000);
    const invalid = eventsOf(sim.history, 'drop').filter((event) => event.reason === 'invalid');
    expect(invalid.map((event) => event.to)).toEqual([2, 3]);
    expect(eventsOf(sim.history, 'receive')).toHaveLength(2); // the two good copies only
  });

  it('now() counts from the boot of the instance, as a process clock does live', () => {
    const sim = simulator();
    sim.runUntil(5_000);
    sim.crash(2);
    sim.restart(2);
    expect(starts.map((start) => start.nowMs)).toEqual([0, 0, 0, 0]);
  });
});

describe('crash points and paused nodes', () => {
  it('a crash while a resumed node drains its backlog drops the rest of the backlog with the process', () => {
    const sim = simulator();
    sim.pause(1);
    sim.submit(1, 'a');
    sim.submit(1, 'b');
    sim.crashDuring(1, { handler: 'persisting', cut: 0 });
    sim.resume(1);
    expect(sim.isUp(1)).toBe(false);
    sim.restart(1);
    sim.pause(1);
    sim.resume(1);
    // Only the first submission was read and handled (and synced); the second was never read, in this life or the
    // next: it has no submit event, and a log line says it was lost.
    expect(eventsOf(sim.history, 'persist').map((event) => event.record)).toEqual([{ id: 's1' }]);
    expect(eventsOf(sim.history, 'submit').map((event) => event.payload)).toEqual(['a']);
    const lost = sim.history.events.filter((event) => event.type === 'log' && event.text.includes('lost unread'));
    expect(lost).toHaveLength(1);
  });

  it('a submission handed to a paused node that crashes is lost unread, as a stopped process loses its stdin', () => {
    const sim = simulator();
    sim.pause(1);
    expect(sim.submit(1, 'a')).toBeNull(); // not read yet: no id, no submit event
    sim.crash(1);
    sim.restart(1);
    expect(sim.submit(1, 'b')).toBe('s1');
    sim.runUntil(1_000);
    // Before, 'a' was recorded as submitted (s1) and then vanished with the backlog, so FIFO saw node 1 deliver
    // the next one without it. Live, the host records a submission only when it reads the line: there is none.
    expect(eventsOf(sim.history, 'submit').map((event) => event.payload)).toEqual(['b']);
    expect(sim.history.events.some((event) => event.type === 'log' && event.text.includes('lost unread'))).toBe(true);
    expect(fifoOrderChecker.check(sim.history).status).toBe('pass');
  });

  it('a paused node reads its waiting submissions when it resumes, numbered in the order it reads them', () => {
    const sim = simulator();
    sim.submit(2, 'before');
    sim.pause(1);
    sim.submit(1, 'a');
    sim.submit(2, 'meanwhile');
    sim.submit(1, 'b');
    sim.resume(1);
    const submits = eventsOf(sim.history, 'submit').map((event) => [event.id, event.node, event.payload]);
    expect(submits).toEqual([
      ['s1', 2, 'before'],
      ['s2', 2, 'meanwhile'],
      ['s3', 1, 'a'],
      ['s4', 1, 'b'],
    ]);
  });
});
