import { describe, expect, it } from 'vitest';
import { eventsOf, type EventOf } from '../src/core/history.ts';
import { FREEZE_BY_DEFAULT, Simulator, type SimulatorConfig } from '../src/sim/index.ts';
import { command, probe } from './support/probe.ts';

function simulator(config: Partial<SimulatorConfig> = {}): Simulator {
  const sim = new Simulator({ seed: 1, protocol: probe, nodeCount: 3, ...config });
  sim.start();
  return sim;
}

const pairs = (events: Array<{ node: number; to: number }>) =>
  new Set(events.map((event) => `${event.node}>${event.to}`));

describe('crash', () => {
  it('a crashed node receives nothing and fires no timer; a restarted one runs again', () => {
    const sim = simulator();
    sim.submit(3, command({ timerMs: 500 }));
    sim.crash(3);
    sim.submit(1, command({ count: 5 }));
    sim.runUntil(2_000);
    const toThree = eventsOf(sim.history, 'receive').filter((event) => event.node === 3);
    expect(toThree).toHaveLength(0);
    const drops = eventsOf(sim.history, 'drop').filter((event) => event.to === 3);
    expect(drops).toHaveLength(5);
    expect(drops.every((event) => event.reason === 'crashed')).toBe(true);
    expect(eventsOf(sim.history, 'timer')).toHaveLength(0);
    expect(sim.submit(3, command({}))).toBeNull();

    sim.restart(3);
    sim.submit(1, command({ count: 2, to: 3 }));
    sim.runUntil(4_000);
    expect(eventsOf(sim.history, 'receive').filter((event) => event.node === 3)).toHaveLength(2);
  });

  it('keeps persisted records across a restart and hands them to start()', () => {
    const seen: unknown[][] = [];
    const sim = new Simulator({
      seed: 1,
      nodeCount: 1,
      protocol: {
        ...probe,
        create: () => ({
          start: (ctx, recovered) => {
            seen.push([...recovered]);
            ctx.persist({ boot: recovered.length });
          },
          message: () => {},
          timer: () => {},
          submit: () => {},
          status: () => ({ role: 'peer', delivered: 0 }),
        }),
      },
    });
    sim.start();
    sim.crash(1);
    sim.restart(1);
    sim.crash(1);
    sim.restart(1);
    expect(seen).toEqual([[], [{ boot: 0 }], [{ boot: 0 }, { boot: 1 }]]);
  });
});

describe('partitions and cuts', () => {
  it('a partition drops exactly the cross-group messages', () => {
    const sim = simulator({ nodeCount: 4 });
    sim.partition([
      [1, 2],
      [3, 4],
    ]);
    for (const node of [1, 2, 3, 4]) sim.submit(node, command({ count: 3 }));
    sim.runUntil(1_000);
    const dropped = eventsOf(sim.history, 'drop');
    expect(dropped.every((event) => event.reason === 'partition')).toBe(true);
    expect(pairs(dropped)).toEqual(new Set(['1>3', '1>4', '2>3', '2>4', '3>1', '3>2', '4>1', '4>2']));
    expect(dropped).toHaveLength(8 * 3);
    const received = eventsOf(sim.history, 'receive').map((event) => ({ node: event.from, to: event.node }));
    expect(pairs(received)).toEqual(new Set(['1>2', '2>1', '3>4', '4>3']));
    expect(received).toHaveLength(4 * 3);
  });

  it('nodes left out of every group form one group together', () => {
    const sim = simulator({ nodeCount: 4 });
    sim.partition([[1]]);
    sim.submit(2, command({ count: 1 }));
    sim.runUntil(1_000);
    expect(pairs(eventsOf(sim.history, 'drop'))).toEqual(new Set(['2>1']));
  });

  it('a one-way cut drops one direction only, and heal restores it', () => {
    const sim = simulator();
    sim.cut(1, 2);
    sim.submit(1, command({ count: 4, to: 2 }));
    sim.submit(2, command({ count: 4, to: 1 }));
    sim.runUntil(1_000);
    const dropped = eventsOf(sim.history, 'drop');
    expect(dropped).toHaveLength(4);
    expect(dropped.every((event) => event.node === 1 && event.to === 2 && event.reason === 'cut')).toBe(true);
    expect(eventsOf(sim.history, 'receive').filter((event) => event.node === 1)).toHaveLength(4);
    sim.heal();
    sim.submit(1, command({ count: 1, to: 2 }));
    sim.runUntil(2_000);
    expect(eventsOf(sim.history, 'receive').filter((event) => event.node === 2)).toHaveLength(1);
  });

  it('messages in flight when a partition starts are dropped on arrival', () => {
    const sim = simulator({ network: { latency: { kind: 'constant', ms: 100 } } });
    sim.submit(1, command({ count: 1, to: 3 }));
    sim.runUntil(50);
    sim.partition([[1, 2], [3]]);
    sim.runUntil(500);
    expect(eventsOf(sim.history, 'drop').map((event) => event.reason)).toEqual(['partition']);
  });

  it('a held link keeps its messages until release', () => {
    const sim = simulator({ network: { latency: { kind: 'constant', ms: 10 } } });
    sim.hold(1, 2);
    sim.submit(1, command({ count: 3, to: 2 }));
    sim.runUntil(1_000);
    expect(eventsOf(sim.history, 'receive')).toHaveLength(0);
    sim.release(1, 2);
    sim.runUntil(2_000);
    const received = eventsOf(sim.history, 'receive');
    expect(received).toHaveLength(3);
    expect(received.every((event) => event.t === 1_010)).toBe(true);
  });
});

describe('loss, duplication and ordering', () => {
  const messages = 4_000;

  it('loses messages at about the configured rate', () => {
    const sim = simulator({ nodeCount: 2, network: { lossRate: 0.2 } });
    sim.submit(1, command({ count: messages }));
    sim.runUntil(10_000);
    const lost = eventsOf(sim.history, 'drop').filter((event) => event.reason === 'loss').length;
    expect(lost / messages).toBeGreaterThan(0.17);
    expect(lost / messages).toBeLessThan(0.23);
    expect(eventsOf(sim.history, 'receive')).toHaveLength(messages - lost);
  });

  it('duplicates messages at about the configured rate, each copy received', () => {
    const sim = simulator({ nodeCount: 2, network: { duplicateRate: 0.1 } });
    sim.submit(1, command({ count: messages }));
    sim.runUntil(10_000);
    const copies = eventsOf(sim.history, 'duplicate').length;
    expect(copies / messages).toBeGreaterThan(0.08);
    expect(copies / messages).toBeLessThan(0.12);
    expect(eventsOf(sim.history, 'receive')).toHaveLength(messages + copies);
  });

  function receiveOrder(fifo: boolean): number[] {
    const sim = simulator({ nodeCount: 2, network: { fifo, latency: { kind: 'uniform', minMs: 1, maxMs: 200 } } });
    sim.submit(1, command({ count: 200 }));
    sim.runUntil(10_000);
    const sends = new Map(eventsOf(sim.history, 'send').map((event) => [event.msg, event] as const));
    return eventsOf(sim.history, 'receive').map((event) => {
      const send = sends.get(event.msg) as EventOf<'send'>;
      return (send.body as { n: number }).n;
    });
  }

  it('FIFO links keep send order; unordered links let messages overtake', () => {
    const fifo = receiveOrder(true);
    expect(fifo).toEqual([...fifo].sort((a, b) => a - b));
    const unordered = receiveOrder(false);
    expect(unordered).toHaveLength(200);
    expect(unordered).not.toEqual([...unordered].sort((a, b) => a - b));
  });

  it('exponential latency never goes below its floor', () => {
    const sim = simulator({ nodeCount: 2, network: { latency: { kind: 'exponential', meanMs: 5, floorMs: 20 } } });
    sim.submit(1, command({ count: 500 }));
    sim.runUntil(10_000);
    const times = eventsOf(sim.history, 'receive').map((event) => event.t);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(20);
  });
});

describe('clocks and pauses', () => {
  function timerFiredAt(configure: (sim: Simulator) => void): number {
    const sim = simulator({ nodeCount: 1 });
    configure(sim);
    sim.submit(1, command({ timerMs: 1_000 }));
    sim.runUntil(10_000);
    const fired = eventsOf(sim.history, 'timer');
    expect(fired).toHaveLength(1);
    return fired[0].t;
  }

  it('drift changes when timers fire in virtual time', () => {
    expect(timerFiredAt(() => {})).toBe(1_000);
    expect(timerFiredAt((sim) => sim.setDrift(1, 100_000))).toBeCloseTo(1_000 / 1.1, 2);
    expect(timerFiredAt((sim) => sim.setDrift(1, -500_000))).toBe(2_000);
  });

  it('a clock step moves now() but not armed timers', () => {
    const sim = simulator({ nodeCount: 1 });
    sim.submit(1, command({ timerMs: 1_000 }));
    sim.stepClock(1, 5_000);
    sim.runUntil(2_000);
    const [fired] = eventsOf(sim.history, 'timer');
    expect(fired.t).toBe(1_000);
    expect(sim.localTime(1)).toBe(7_000);
  });

  it('a paused node handles nothing until resume, then its backlog in arrival order', () => {
    const sim = simulator({ network: { latency: { kind: 'constant', ms: 10 } } });
    sim.submit(2, command({ timerMs: 100 }));
    sim.pause(2);
    sim.submit(1, command({ count: 3, to: 2 }));
    sim.runUntil(1_000);
    expect(eventsOf(sim.history, 'receive')).toHaveLength(0);
    expect(eventsOf(sim.history, 'timer')).toHaveLength(0);
    sim.resume(2);
    const afterResume = sim.history.events.filter(
      (event) => event.t === 1_000 && ['receive', 'timer'].includes(event.type),
    );
    // The pings arrived at 10 ms, the timer came due at 100 ms: both wait, then run in that order.
    expect(afterResume.map((event) => event.type)).toEqual(['receive', 'receive', 'receive', 'timer']);
  });
});

describe('bounds and the liveness phase', () => {
  it('stops at the event bound and records it', () => {
    const sim = simulator({ maxEvents: 10 });
    sim.submit(1, command({ count: 50 }));
    sim.runUntil(10_000);
    expect(sim.boundHit).toBe('events');
    expect(sim.eventsHandled).toBe(10);
    expect(eventsOf(sim.history, 'bound')).toEqual([expect.objectContaining({ bound: 'events', limit: 10 })]);
  });

  it('stops at the time bound and records it', () => {
    const sim = simulator({ maxTimeMs: 500 });
    sim.runUntil(1_000);
    expect(sim.boundHit).toBe('time');
    expect(sim.now).toBe(500);
  });

  it('beginLiveness heals the network, restarts crashed nodes and resumes paused ones', () => {
    const sim = simulator({ network: { lossRate: 1 } });
    sim.partition([[1], [2, 3]]);
    sim.crash(2);
    sim.pause(3);
    sim.beginLiveness();
    expect(sim.isUp(2)).toBe(true);
    expect(sim.isPaused(3)).toBe(false);
    sim.submit(1, command({ count: 1 }));
    sim.runUntil(1_000);
    expect(eventsOf(sim.history, 'receive')).toHaveLength(2);
  });
});

describe('the node contract', () => {
  /** A node that changes a message after sending it, or a record after persisting it. */
  function mutatingProtocol(what: 'message' | 'record'): typeof probe {
    return {
      ...probe,
      create: () => ({
        start: () => {},
        message: () => {},
        timer: () => {},
        submit: (ctx) => {
          const value = { type: 'ping', n: 1 };
          if (what === 'message') ctx.send(2, value);
          else ctx.persist(value);
          value.n = 2;
        },
        status: () => ({ role: 'peer', delivered: 0 }),
      }),
    };
  }

  it('freezes messages so a node cannot mutate what it sent', () => {
    const sim = new Simulator({ seed: 1, nodeCount: 2, protocol: mutatingProtocol('message'), freezeMessages: true });
    sim.start();
    expect(() => sim.submit(1, 'x')).toThrow(/protocol probe threw on node 1/);
  });

  it('freezes persisted records so a node cannot rewrite its durable log', () => {
    const sim = new Simulator({ seed: 1, nodeCount: 2, protocol: mutatingProtocol('record'), freezeMessages: true });
    sim.start();
    expect(() => sim.submit(1, 'x')).toThrow(/protocol probe threw on node 1/);
  });

  it('freezes by default in the test suite (TOB_LAB_FREEZE=1), and not when switched off for speed', () => {
    expect(FREEZE_BY_DEFAULT).toBe(true);
    const frozen = new Simulator({ seed: 1, nodeCount: 2, protocol: mutatingProtocol('message') });
    frozen.start();
    expect(() => frozen.submit(1, 'x')).toThrow(/protocol probe threw on node 1/);
    const fast = new Simulator({ seed: 1, nodeCount: 2, protocol: mutatingProtocol('message'), freezeMessages: false });
    fast.start();
    fast.submit(1, 'x');
    // Unfrozen, the mutation goes unnoticed and rewrites the recorded send: what freezing exists to catch.
    expect(eventsOf(fast.history, 'send')[0]).toMatchObject({ body: { type: 'ping', n: 2 } });
  });
});
