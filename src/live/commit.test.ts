import { describe, expect, it } from 'vitest';
import type { Json } from '../core/json.ts';
import { commitCapture, EffectCapture, type EffectTarget } from './commit.ts';
import { HandlerQueue, type Work } from './handler-queue.ts';
import type { DurableLog } from './storage.ts';

function target(seen: string[]): EffectTarget {
  return {
    id: 1,
    nodes: [1, 2, 3],
    peers: [2, 3],
    protocolName: 'test',
    transmit: (to) => seen.push(`send ${to}`),
    persisted: () => seen.push('persist event'),
    delivered: (delivery) => seen.push(`deliver ${delivery.id}`),
    acked: (id) => seen.push(`ack ${id}`),
    announced: () => seen.push('announce'),
    logged: (text) => seen.push(`log ${text}`),
    setTimer: (name) => seen.push(`timer ${name}`),
    cancelTimer: () => {},
    now: () => 0,
    random: () => 0.5,
  };
}

function log(seen: string[], fail = false): DurableLog {
  return {
    append: (records: readonly Json[]) => {
      if (fail) throw new Error('disk full');
      seen.push(`fsync ${records.length}`);
    },
  } as unknown as DurableLog;
}

describe('the live host commit', () => {
  it('captures a handler\'s effects, writes its records first, then runs the effects in the order asked', () => {
    const seen: string[] = [];
    const capture = new EffectCapture(target(seen));
    const done = capture.run((ctx) => {
      ctx.broadcast({ n: 1 });
      ctx.persist({ r: 1 });
      ctx.deliver({ id: 's1', origin: 1, payload: 'p' });
      ctx.setTimer('t', 10);
      ctx.ack('s1');
    });
    // Timers act at once; nothing anyone could see has happened yet.
    expect(seen).toEqual(['timer t']);
    const durable: Json[] = [];
    expect(commitCapture(done, log(seen), durable)).toBeNull();
    expect(seen).toEqual(['timer t', 'fsync 1', 'send 2', 'send 3', 'persist event', 'deliver s1', 'ack s1']);
    expect(durable).toEqual([{ r: 1 }]);
  });

  it('a log that cannot be written lets no effect out', () => {
    const seen: string[] = [];
    const done = new EffectCapture(target(seen)).run((ctx) => {
      ctx.persist({ r: 1 });
      ctx.send(2, { n: 1 });
    });
    const durable: Json[] = [];
    expect(commitCapture(done, log(seen, true), durable)).toBe('disk full');
    expect(seen).toEqual([]);
    expect(durable).toEqual([]);
  });

  it('a handler that throws leaves nothing captured behind, and the context refuses use outside a handler', () => {
    const seen: string[] = [];
    const capture = new EffectCapture(target(seen));
    expect(() => capture.run((ctx) => {
      ctx.send(2, { n: 1 });
      throw new Error('bug');
    })).toThrow('bug');
    expect(() => capture.context.send(2, { n: 2 })).toThrow(/outside a handler/);
    expect(seen).toEqual([]);
  });
});

describe('the handler queue', () => {
  it('runs work queued by a running handler after it, and refuses work past its bound', () => {
    const queue = new HandlerQueue(2);
    const ran: string[] = [];
    const run = (work: Work) => {
      ran.push(work.kind === 'timer' ? work.name : work.kind);
      if (work.kind === 'timer' && work.name === 'a') {
        queue.push({ kind: 'timer', name: 'c', token: 3 });
        queue.drain(run, () => true); // Re-entrant: returns at once, c runs after a.
        ran.push('a done');
      }
    };
    expect(queue.push({ kind: 'timer', name: 'a', token: 1 })).toBe(true);
    expect(queue.push({ kind: 'timer', name: 'b', token: 2 })).toBe(true);
    expect(queue.push({ kind: 'timer', name: 'x', token: 9 })).toBe(false);
    queue.pushFront({ kind: 'start' });
    queue.drain(run, () => true);
    expect(ran).toEqual(['start', 'a', 'a done', 'b', 'c']);
    expect(queue.length).toBe(0);
  });
});
