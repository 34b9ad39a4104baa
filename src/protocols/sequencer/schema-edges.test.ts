import { describe, expect, it } from 'vitest';
import { TestContext } from '../../../test/support/test-context.ts';
import { COUNT_MAX } from '../shared/schema.ts';
import { sequencer } from './index.ts';
import { sequencerDefaults } from './options.ts';
import type { SequencerMessage } from './messages.ts';
import { SequencerNode } from './node.ts';

const options = { ...sequencerDefaults, retryForwards: true, forwardRetryMs: 1000 };

function started(id: number): { node: SequencerNode; ctx: TestContext<SequencerMessage> } {
  const ctx = new TestContext<SequencerMessage>(id, [1, 2, 3]);
  const node = new SequencerNode(id, options);
  node.start(ctx, []);
  return { node, ctx };
}

describe('the sequencer at the edges of its schema', () => {
  it('never leads with a term past COUNT_MAX, whatever term it heard (issue 13, C)', () => {
    const { node, ctx } = started(3);
    node.message(ctx, 1, { type: 'JOIN', term: COUNT_MAX });
    node.timer(ctx, 'leader-timeout'); // node 3 is the highest: it would lead at once
    expect(node.status().role).not.toBe('leader');
    expect(ctx.logs.some((line) => /largest a peer accepts/.test(line))).toBe(true);
    for (const { message } of ctx.sent) expect(sequencer.isMessage(message), JSON.stringify(message)).toBe(true);
  });

  it('persists an entry built from its fields only, whatever keys came with it (issue 13, B)', () => {
    const { node, ctx } = started(1);
    node.message(ctx, 3, { type: 'COORDINATOR', term: 1, lastSeq: 0 });
    const forged = {
      type: 'SEQ_CHAT',
      term: 1,
      seq: 1,
      id: 'a',
      origin: 3,
      payload: 'p',
      kind: 'term',
    } as unknown as SequencerMessage;
    node.message(ctx, 3, forged);
    expect(ctx.persisted.at(-1)).toEqual({ kind: 'entry', term: 1, seq: 1, id: 'a', origin: 3, payload: 'p' });
  });

  it('forwards each submission once, and re-sends the undelivered on a backed-off timer (issue 13, H)', () => {
    const { node, ctx } = started(1);
    node.message(ctx, 3, { type: 'COORDINATOR', term: 1, lastSeq: 0 });
    ctx.sent = [];
    for (let index = 1; index <= 50; index += 1) node.submit(ctx, { id: `1-1-${index}`, payload: `m${index}` });
    const chats = () => ctx.sent.filter((sent) => sent.message.type === 'CHAT').length;
    expect(chats()).toBe(50);
    expect(ctx.timers.get('forward-retry')).toBe(1000);
    node.timer(ctx, 'forward-retry');
    expect(chats()).toBe(100);
    expect(ctx.timers.get('forward-retry')).toBe(2000);
    node.message(ctx, 3, { type: 'SEQ_CHAT', term: 1, seq: 1, id: '1-1-1', origin: 1, payload: 'm1' });
    node.timer(ctx, 'forward-retry');
    expect(chats()).toBe(149);
    expect(ctx.timers.get('forward-retry')).toBe(2000);
  });

  it('caps a catch-up batch by bytes, so it fits a frame (issue 13, D and G)', () => {
    const { node, ctx } = started(3);
    node.timer(ctx, 'leader-timeout');
    expect(node.status().role).toBe('leader');
    for (let index = 1; index <= 20; index += 1)
      node.submit(ctx, { id: `3-1-${index}`, payload: '\u0001'.repeat(4096) });
    ctx.sent = [];
    node.message(ctx, 1, { type: 'CATCHUP_REQ', afterSeq: 0 });
    const reply = ctx.sent[0].message as Extract<SequencerMessage, { type: 'CATCHUP_RESP' }>;
    expect(reply.entries.length).toBeGreaterThanOrEqual(1);
    expect(reply.entries.length).toBeLessThan(20);
    expect(Buffer.byteLength(JSON.stringify(reply.entries))).toBeLessThanOrEqual(60_000);
  });

  it('refuses options out of their range when a node is built (issue 13, L)', () => {
    const build = (extra: object) => () =>
      sequencer.create({ id: 1, nodes: [1, 2], options: { ...sequencerDefaults, ...extra } });
    expect(build({ heartbeatIntervalMs: -5 })).toThrow(
      /heartbeatIntervalMs must be an integer from 1 to 600000 \(.*\), got -5/,
    );
    expect(build({ catchupBatchMax: 0 })).toThrow(/catchupBatchMax must be an integer from 1 to 10000 /);
    expect(build({ heartbeatIntervalMs: 5000 })).toThrow(
      /leaderTimeoutMs \(2500\) must exceed heartbeatIntervalMs \(5000\)/,
    );
    expect(build({})).not.toThrow();
  });
});
