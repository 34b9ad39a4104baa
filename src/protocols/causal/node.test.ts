import { describe, expect, it } from 'vitest';
import { TestContext } from '../../../test/support/test-context.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { Announcement, Delivery } from '../../core/node.ts';
import { causal } from './index.ts';
import { type CausalMessage, isCausalMessage } from './messages.ts';
import { CausalNode } from './node.ts';
import { causalDefaults, type CausalOptions } from './options.ts';

/** The shared test host, with the names these tests read and a random value they can set. */
class FakeContext extends TestContext<CausalMessage> {
  randomValue = 0.5;

  get records(): readonly Json[] {
    return this.persisted;
  }

  get deliveries(): readonly Delivery[] {
    return this.delivered;
  }

  override random(): number {
    return this.randomValue;
  }
}

function makeNode(id: NodeId, options: Partial<CausalOptions> = {}, recovered: Json[] = []) {
  const node = new CausalNode(id, [1, 2, 3], { ...causalDefaults, ...options });
  const ctx = new FakeContext(id, [1, 2, 3]);
  node.start(ctx, recovered);
  return { node, ctx };
}

function chat(id: string, origin: NodeId, vc: number[]): CausalMessage {
  return { type: 'CHAT', id, origin, payload: id, vc };
}

const delivered = (ctx: FakeContext) => ctx.deliveries.map((delivery) => delivery.id);

describe('a causal node', () => {
  it('counts a submission in its own entry, delivers it at once and sends the clock to every peer', () => {
    const { node, ctx } = makeNode(2);
    node.submit(ctx, { id: 's1', payload: 'Hi' });
    expect(ctx.deliveries).toEqual([{ id: 's1', origin: 2, payload: 'Hi', order: { vc: [0, 1, 0] } }]);
    expect(ctx.sent.map((send) => send.to)).toEqual([1, 3]);
    expect(ctx.sent[0].message).toEqual({ type: 'CHAT', id: 's1', origin: 2, payload: 'Hi', vc: [0, 1, 0] });
    node.submit(ctx, { id: 's2', payload: 'again' });
    expect(ctx.deliveries[1].order).toEqual({ vc: [0, 2, 0] });
  });

  it('holds back an early message and delivers it, merged, once its past arrives', () => {
    const { node, ctx } = makeNode(3);
    node.message(ctx, 2, chat('hi', 2, [1, 1, 0]));
    expect(delivered(ctx)).toEqual([]);
    expect(node.status().details?.buffered).toBe(1);
    node.message(ctx, 1, chat('hello', 1, [1, 0, 0]));
    expect(delivered(ctx)).toEqual(['hello', 'hi']);
    node.submit(ctx, { id: 'hey', payload: 'Hey both!' });
    expect(ctx.deliveries[2].order).toEqual({ vc: [1, 1, 1] });
  });

  it('drops a copy of what it already delivered', () => {
    const { node, ctx } = makeNode(3);
    node.message(ctx, 1, chat('hello', 1, [1, 0, 0]));
    node.message(ctx, 1, chat('hello', 1, [1, 0, 0]));
    node.message(ctx, 2, chat('later', 2, [2, 1, 0]));
    node.message(ctx, 2, chat('later', 2, [2, 1, 0]));
    expect(delivered(ctx)).toEqual(['hello']);
    expect(node.status().details).toMatchObject({ buffered: 1, staleDropped: 2 });
  });

  it('drops arrivals past bufferMax, and they are never delivered', () => {
    const { node, ctx } = makeNode(3, { bufferMax: 1 });
    node.message(ctx, 1, chat('second', 1, [2, 0, 0]));
    node.message(ctx, 1, chat('third', 1, [3, 0, 0]));
    node.message(ctx, 1, chat('first', 1, [1, 0, 0]));
    expect(delivered(ctx)).toEqual(['first', 'second']);
    expect(node.status().details).toMatchObject({ buffered: 0, overflowDropped: 1 });
    expect(ctx.logs.join('\n')).toMatch(/buffer full/);
  });

  it('rejects messages that cannot come from this cluster', () => {
    const { node, ctx } = makeNode(3);
    node.message(ctx, 1, chat('short', 1, [1, 0]));
    node.message(ctx, 1, chat('stranger', 7, [1, 0, 0]));
    node.message(ctx, 1, chat('mine', 3, [0, 0, 1]));
    node.message(ctx, 1, chat('future', 1, [1, 0, 4]));
    expect(delivered(ctx)).toEqual([]);
    expect(node.status().details).toMatchObject({ invalidDropped: 4, buffered: 0 });
  });

  it('recovers its clock from the durable records: no re-delivery, no reused counter', () => {
    const first = makeNode(1);
    first.node.submit(first.ctx, { id: 'a', payload: 'a' });
    first.node.message(first.ctx, 2, chat('b', 2, [1, 1, 0]));
    const { node, ctx } = makeNode(1, {}, [...first.ctx.records]);
    expect(node.status()).toMatchObject({ delivered: 2, details: { vc: [1, 1, 0] } });
    node.message(ctx, 2, chat('b', 2, [1, 1, 0]));
    expect(delivered(ctx)).toEqual([]);
    node.submit(ctx, { id: 'c', payload: 'c' });
    expect(ctx.deliveries[0].order).toEqual({ vc: [2, 1, 0] });
  });

  it('delays each send by a random share of sendDelayMsMax when asked, as the seed demo did', () => {
    const { node, ctx } = makeNode(1, { sendDelayMsMax: 200 });
    ctx.randomValue = 0.25;
    node.submit(ctx, { id: 'a', payload: 'a' });
    expect(delivered(ctx)).toEqual(['a']);
    expect(ctx.sent).toEqual([]);
    expect([...ctx.timers.entries()]).toEqual([
      ['send:1', 50],
      ['send:2', 50],
    ]);
    node.timer(ctx, 'send:2');
    node.timer(ctx, 'send:1');
    expect(ctx.sent.map((send) => send.to)).toEqual([3, 2]);
    expect(node.status().details?.delayedSends).toBe(0);
  });

  it('sends at once and draws no randomness when sendDelayMsMax is 0', () => {
    const { node, ctx } = makeNode(1);
    let draws = 0;
    ctx.random = () => {
      draws += 1;
      return 0;
    };
    node.submit(ctx, { id: 'a', payload: 'a' });
    expect(ctx.sent).toHaveLength(2);
    expect(draws).toBe(0);
  });
});

describe('the causal definition', () => {
  it('accepts every message it sends and rejects garbage', () => {
    const { node, ctx } = makeNode(1);
    node.submit(ctx, { id: 'a', payload: 'a' });
    for (const { message } of ctx.sent) expect(causal.isMessage(message)).toBe(true);
    expect(isCausalMessage({ type: 'CHAT', id: 'x', origin: 1, payload: 'p', vc: [] })).toBe(false);
    expect(isCausalMessage({ type: 'CHAT', id: 'x', origin: 0, payload: 'p', vc: [1] })).toBe(false);
    expect(isCausalMessage({ type: 'CHAT', id: 'x', origin: 1, payload: 2, vc: [1] })).toBe(false);
    expect(isCausalMessage({ type: 'OTHER', id: 'x', origin: 1, payload: 'p', vc: [1] })).toBe(false);
    expect(isCausalMessage(null)).toBe(false);
    expect(isCausalMessage([1, 2])).toBe(false);
  });

  it('documents every option and refuses bad ones with a message that names them', () => {
    expect(Object.keys(causal.optionDocs).sort()).toEqual(Object.keys(causal.defaults).sort());
    const create = (options: Partial<CausalOptions>) =>
      causal.create({ id: 1, nodes: [1, 2], options: { ...causalDefaults, ...options } });
    expect(() => create({ bufferMax: 0 })).toThrow(/bufferMax/);
    expect(() => create({ sendDelayMsMax: -1 })).toThrow(/sendDelayMsMax/);
    expect(() => causal.create({ id: 1, nodes: [1, 3], options: causalDefaults })).toThrow(/1\.\.N/);
  });

  it('never promises and breaks a property under the same fault class', () => {
    for (const [property, entry] of Object.entries(causal.promises)) {
      const both = entry.holds.filter((fault) => entry.breaks?.includes(fault));
      expect(both, property).toEqual([]);
    }
  });
});
