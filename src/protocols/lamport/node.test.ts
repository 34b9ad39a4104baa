import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { ShippedProtocol, ProtocolNode } from '../../core/node.ts';
import { lamport, lamportDefaults, type LamportOptions } from './index.ts';
import type { LamportChat, LamportMessage } from './messages.ts';
import { TestContext } from '../../../test/support/test-context.ts';

function boot(id: NodeId, nodes: NodeId[], options: Partial<LamportOptions> = {}, recovered: readonly Json[] = []) {
  const ctx = new TestContext<LamportMessage>(id, nodes);
  const node: ProtocolNode = lamport.create({ id, nodes, options: { ...lamportDefaults, ...options } });
  node.start(ctx, recovered);
  return { ctx, node, details: () => node.status().details ?? {} };
}

function chat(id: string, origin: NodeId, ts: number, clock = ts): LamportChat {
  return { type: 'CHAT', id, origin, ts, payload: `payload of ${id}`, clock };
}

function check(ctx: TestContext<LamportMessage>, node: ProtocolNode, atMs: number): void {
  ctx.nowMs = atMs;
  node.timer(ctx, 'delivery-check');
}

describe('lamport node, documented stability', () => {
  it('stamps a submission with its incremented clock and sends it to `fanout` peers', () => {
    const { ctx, node, details } = boot(1, [1, 2, 3, 4, 5]);
    node.submit(ctx, { id: 's1', payload: 'hi' });
    const sent = ctx.takeSent();
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((item) => item.to)).size).toBe(3);
    const expected = { type: 'CHAT', id: 's1', origin: 1, ts: 1, payload: 'hi', clock: 1 };
    for (const item of sent) expect(item.message).toEqual(expected);
    expect(details()).toMatchObject({ clock: 1, holdback: 1 });
  });

  it('on a first receipt sets clock max(local, ts) + 1 and forwards to peers other than sender and origin', () => {
    const { ctx, node, details } = boot(2, [1, 2, 3, 4, 5], { fanout: 2 });
    node.message(ctx, 3, chat('s1', 1, 9, 12));
    expect(details().clock).toBe(10);
    const sent = ctx.takeSent();
    expect(sent).toHaveLength(2);
    for (const item of sent) {
      expect([4, 5]).toContain(item.to);
      expect(item.message).toEqual({ ...chat('s1', 1, 9), clock: 10 });
    }
    // A second copy changes nothing: no clock bump, no forwarding.
    node.message(ctx, 4, chat('s1', 1, 9, 30));
    expect(details()).toMatchObject({ clock: 10, duplicates: 1, holdback: 1 });
    expect(ctx.takeSent()).toEqual([]);
  });

  it('delivers held messages in (ts, origin) order once their ts is below the clock, on the periodic check', () => {
    const { ctx, node } = boot(1, [1, 2, 3]);
    expect(ctx.timers.get('delivery-check')).toBe(100);
    node.message(ctx, 3, chat('s3', 3, 4));
    node.message(ctx, 2, chat('s2', 2, 4));
    expect(ctx.delivered).toEqual([]);
    check(ctx, node, 100);
    expect(ctx.delivered.map((delivery) => [delivery.id, delivery.order])).toEqual([
      ['s2', { ts: 4, origin: 2 }],
      ['s3', { ts: 4, origin: 3 }],
    ]);
    expect(ctx.timers.get('delivery-check')).toBe(200);
  });

  it('is unsafe: a smaller timestamp that arrives late is delivered after a larger one (documented weakness)', () => {
    const { ctx, node, details } = boot(1, [1, 2, 3]);
    node.message(ctx, 2, chat('late-big', 2, 5));
    check(ctx, node, 100);
    node.message(ctx, 3, chat('early-small', 3, 2));
    check(ctx, node, 200);
    expect(ctx.deliveredIds()).toEqual(['late-big', 'early-small']);
    expect(details().outOfOrderDeliveries).toBe(1);
  });

  it("keeps an origin's own last message until some clock arrives, a heartbeat included", () => {
    const { ctx, node } = boot(1, [1, 2, 3]);
    node.submit(ctx, { id: 's1', payload: 'p' });
    check(ctx, node, 100);
    expect(ctx.delivered).toEqual([]);
    node.message(ctx, 2, { type: 'HEARTBEAT', clock: 0 });
    check(ctx, node, 200);
    expect(ctx.deliveredIds()).toEqual(['s1']);
  });

  it('heartbeats carry the clock, every interval plus a jitter within the documented 30-40 s', () => {
    const { ctx, node } = boot(1, [1, 2, 3]);
    for (let beat = 0; beat < 20; beat += 1) {
      const dueMs = ctx.timers.get('heartbeat') as number;
      expect(dueMs - ctx.nowMs).toBeGreaterThanOrEqual(30_000);
      expect(dueMs - ctx.nowMs).toBeLessThanOrEqual(40_000);
      ctx.nowMs = dueMs;
      node.timer(ctx, 'heartbeat');
    }
    node.submit(ctx, { id: 's1', payload: 'p' });
    ctx.takeSent();
    node.timer(ctx, 'heartbeat');
    expect(ctx.takeSent().map((item) => [item.to, item.message])).toEqual([
      [2, { type: 'HEARTBEAT', clock: 1 }],
      [3, { type: 'HEARTBEAT', clock: 1 }],
    ]);
  });

  it('after a restart, recovers delivered ids and the clock and drops copies of what it delivered', () => {
    const first = boot(2, [1, 2, 3]);
    first.node.message(first.ctx, 1, chat('s1', 1, 3));
    check(first.ctx, first.node, 100);
    expect(first.ctx.deliveredIds()).toEqual(['s1']);
    const second = boot(2, [1, 2, 3], {}, first.ctx.persisted);
    expect(second.node.status().delivered).toBe(1);
    expect(second.details().clock).toBe(4);
    second.node.message(second.ctx, 3, chat('s1', 1, 3));
    check(second.ctx, second.node, 100);
    expect(second.ctx.delivered).toEqual([]);
    expect(second.details().duplicates).toBe(1);
  });

  it('drops what does not fit in the holdback queue without remembering it', () => {
    const { ctx, node, details } = boot(1, [1, 2], { holdbackMax: 1 });
    node.message(ctx, 2, chat('s1', 2, 1));
    node.message(ctx, 2, chat('s2', 2, 2));
    node.submit(ctx, { id: 's3', payload: 'p' });
    expect(details()).toMatchObject({ holdback: 1, overflowDrops: 2 });
    check(ctx, node, 100);
    node.message(ctx, 2, chat('s2', 2, 2));
    expect(details()).toMatchObject({ holdback: 1, duplicates: 0 });
  });
});

describe('lamport node, all-peers stability', () => {
  it('sends its own messages to every peer, and answers a first receipt with its clock to everyone', () => {
    const { ctx, node } = boot(1, [1, 2, 3, 4, 5], { stability: 'all-peers', fanout: 1 });
    node.submit(ctx, { id: 's1', payload: 'p' });
    expect(ctx.takeSent().map((item) => item.to)).toEqual([2, 3, 4, 5]);
    node.message(ctx, 2, chat('s2', 2, 1));
    const sent = ctx.takeSent();
    expect(sent.filter((item) => item.message.type === 'CHAT')).toHaveLength(1);
    expect(sent.filter((item) => item.message.type === 'CLOCK').map((item) => [item.to, item.message])).toEqual([
      [2, { type: 'CLOCK', clock: 2 }],
      [3, { type: 'CLOCK', clock: 2 }],
      [4, { type: 'CLOCK', clock: 2 }],
      [5, { type: 'CLOCK', clock: 2 }],
    ]);
  });

  it("waits until every live peer has sent a clock at least the head's ts", () => {
    const { ctx, node } = boot(1, [1, 2, 3], { stability: 'all-peers' });
    node.message(ctx, 2, chat('s2', 2, 5));
    check(ctx, node, 100);
    expect(ctx.delivered).toEqual([]);
    node.message(ctx, 3, { type: 'CLOCK', clock: 4 });
    check(ctx, node, 200);
    expect(ctx.delivered).toEqual([]);
    // The smaller message the documented rule would have overtaken arrives in time, and goes first.
    node.message(ctx, 3, chat('s3', 3, 4, 5));
    check(ctx, node, 300);
    expect(ctx.deliveredIds()).toEqual(['s3', 's2']);
  });

  it('stops waiting for a peer not heard from within the heartbeat timeout', () => {
    const { ctx, node, details } = boot(1, [1, 2, 3], { stability: 'all-peers' });
    node.message(ctx, 2, chat('s2', 2, 5));
    check(ctx, node, 59_999);
    expect(ctx.delivered).toEqual([]);
    ctx.nowMs = 59_999;
    node.message(ctx, 2, { type: 'HEARTBEAT', clock: 5 });
    check(ctx, node, 60_000);
    expect(ctx.deliveredIds()).toEqual(['s2']);
    expect(details().clock).toBe(7);
  });
});

describe('lamport definition', () => {
  it("is a ProtocolDefinition whose options are documented one by one, with the seed's defaults", () => {
    const definition: ShippedProtocol = lamport;
    expect(definition.seeds).toEqual(['003']);
    expect(Object.keys(definition.optionDocs).sort()).toEqual(Object.keys(definition.defaults).sort());
    expect(definition.defaults).toMatchObject({
      fanout: 3,
      dedupCacheSize: 10_000,
      deliveryCheckIntervalMs: 100,
      heartbeatIntervalMs: 30_000,
      heartbeatTimeoutMs: 60_000,
      stability: 'documented',
    });
  });

  it('accepts every message it sends and rejects anything else', () => {
    const { ctx, node } = boot(1, [1, 2, 3], { stability: 'all-peers' });
    node.submit(ctx, { id: 's1', payload: 'p' });
    node.message(ctx, 2, chat('s2', 2, 1));
    node.timer(ctx, 'heartbeat');
    const sent = ctx.takeSent().map((item) => item.message);
    expect(new Set(sent.map((message) => message.type))).toEqual(new Set(['CHAT', 'CLOCK', 'HEARTBEAT']));
    for (const message of sent) expect(lamport.isMessage(message)).toBe(true);
    const garbage: unknown[] = [
      null,
      42,
      { type: 'CHAT', id: 's1', origin: 1, ts: 1, payload: 'p' },
      { type: 'CHAT', id: 's1', origin: 0, ts: 1, payload: 'p', clock: 1 },
      { type: 'CHAT', id: 's1', origin: 1, ts: 1.5, payload: 'p', clock: 1 },
      { type: 'HEARTBEAT', clock: -1 },
      { type: 'CLOCK', clock: '3' },
      { type: 'JOIN' },
    ];
    for (const value of garbage) expect(lamport.isMessage(value), JSON.stringify(value)).toBe(false);
  });

  it('rejects bad options with a message naming the option', () => {
    const create = (options: Partial<Record<keyof LamportOptions, Json>>) => () =>
      lamport.create({ id: 1, nodes: [1, 2], options: { ...lamportDefaults, ...options } as LamportOptions });
    expect(create({ fanout: 0 })).toThrow(/fanout must be a positive integer/);
    expect(create({ stability: 'eventually' })).toThrow(/stability must be 'documented' or 'all-peers'/);
    expect(create({ heartbeatJitterMs: -1 })).toThrow(/heartbeatJitterMs/);
  });
});
