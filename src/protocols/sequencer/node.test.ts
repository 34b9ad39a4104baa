import { describe, expect, it } from 'vitest';
import { TestContext } from '../../../test/support/test-context.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import { sequencer } from './index.ts';
import { isSequencerMessage, type Entry, type SequencerMessage } from './messages.ts';
import { SequencerNode } from './node.ts';
import { sequencerDefaults, type SequencerOptions } from './options.ts';

const NODES: readonly NodeId[] = [1, 2, 3];

function makeNode(id: NodeId, options: Partial<SequencerOptions> = {}, recovered: Json[] = []) {
  const node = new SequencerNode(id, { ...sequencerDefaults, ...options });
  const ctx = new TestContext<SequencerMessage>(id, NODES);
  node.start(ctx, recovered);
  return { node, ctx };
}

const entry = (seq: number, id: string, term = 1, origin: NodeId = 3): Entry => ({
  term,
  seq,
  id,
  origin,
  payload: id,
});
const typesSent = (ctx: TestContext<SequencerMessage>) =>
  ctx.takeSent().map((sent) => `${sent.message.type}>${sent.to}`);

/** Node 3 of 1..3 with nobody answering its JOIN: the highest id leads at once when its leader timer fires. */
function leader(options: Partial<SequencerOptions> = {}) {
  const made = makeNode(3, options);
  made.ctx.takeSent();
  made.node.timer(made.ctx, 'leader-timeout');
  made.ctx.takeSent();
  return made;
}

/** Node 1 following leader 3 in term 1. */
function follower() {
  const made = makeNode(1);
  made.ctx.takeSent();
  made.node.message(made.ctx, 3, { type: 'COORDINATOR', term: 1, lastSeq: 0 });
  made.ctx.takeSent();
  return made;
}

describe('sequencer node', () => {
  it('boots by asking who leads (JOIN to every peer) and waits joinTimeoutMs before electing', () => {
    const { ctx } = makeNode(2, { joinTimeoutMs: 1234 });
    expect(typesSent(ctx)).toEqual(['JOIN>1', 'JOIN>3']);
    expect(ctx.timers.get('leader-timeout')).toBe(1234);
    expect(ctx.announced).toEqual([{ role: 'follower', term: 0, leader: null }]);
  });

  it('Bully: a node with higher peers asks them and waits; the highest node leads at once in a new term', () => {
    const low = makeNode(1);
    low.ctx.takeSent();
    low.node.timer(low.ctx, 'leader-timeout');
    expect(typesSent(low.ctx)).toEqual(['ELECTION>2', 'ELECTION>3']);
    expect(low.ctx.timers.has('election')).toBe(true);

    const { node, ctx } = makeNode(3);
    ctx.takeSent();
    node.timer(ctx, 'leader-timeout');
    expect(node.status()).toMatchObject({ role: 'leader', term: 1, leader: 3 });
    expect(ctx.persisted).toEqual([{ kind: 'term', term: 1 }]);
    expect(typesSent(ctx)).toEqual(['COORDINATOR>1', 'COORDINATOR>2']);
    expect(ctx.timers.has('heartbeat')).toBe(true);
  });

  it('an ELECTION_OK from a higher node turns the wait for the election into a wait for its COORDINATOR', () => {
    const { node, ctx } = makeNode(1, { coordinatorTimeoutMs: 777 });
    node.timer(ctx, 'leader-timeout');
    node.message(ctx, 2, { type: 'ELECTION_OK', term: 0 });
    expect(ctx.timers.has('election')).toBe(false);
    expect(ctx.timers.get('coordinator-wait')).toBe(777);
  });

  it('the leader numbers a submission, persists it before it broadcasts, delivers and acks its own', () => {
    const { node, ctx } = leader();
    node.submit(ctx, { id: 'a', payload: 'hello' });
    expect(ctx.persisted.at(-1)).toEqual({ kind: 'entry', term: 1, seq: 1, id: 'a', origin: 3, payload: 'hello' });
    expect(ctx.delivered).toEqual([{ id: 'a', origin: 3, payload: 'hello', order: { seq: 1, term: 1 } }]);
    expect(ctx.acked).toEqual(['a']);
    expect(typesSent(ctx)).toEqual(['SEQ_CHAT>1', 'SEQ_CHAT>2']);
  });

  it('a follower forwards a submission to the leader as CHAT', () => {
    const { node, ctx } = follower();
    node.submit(ctx, { id: 'b', payload: 'hi' });
    expect(ctx.takeSent()).toEqual([{ from: 1, to: 3, message: { type: 'CHAT', id: 'b', origin: 1, payload: 'hi' } }]);
    expect(ctx.delivered).toEqual([]);
  });

  it('a follower holds an entry that arrives ahead of a gap, asks for the gap, and delivers in seq order', () => {
    const { node, ctx } = follower();
    node.message(ctx, 3, { type: 'SEQ_CHAT', ...entry(2, 'second') });
    expect(ctx.deliveredIds()).toEqual([]);
    expect(ctx.takeSent()).toEqual([{ from: 1, to: 3, message: { type: 'CATCHUP_REQ', afterSeq: 0 } }]);
    node.message(ctx, 3, { type: 'SEQ_CHAT', ...entry(1, 'first') });
    expect(ctx.deliveredIds()).toEqual(['first', 'second']);
    // The same (term, seq) again is a duplicate, not a new delivery.
    node.message(ctx, 3, { type: 'SEQ_CHAT', ...entry(1, 'first') });
    expect(ctx.deliveredIds()).toEqual(['first', 'second']);
  });

  it('after a restart it recovers its term and log from the records and does not deliver them again', () => {
    const first = follower();
    first.node.message(first.ctx, 3, { type: 'SEQ_CHAT', ...entry(1, 'x') });
    const { node, ctx } = makeNode(1, {}, [...first.ctx.persisted]);
    expect(node.status()).toMatchObject({ term: 1, delivered: 1 });
    expect(ctx.delivered).toEqual([]);
    expect(ctx.takeSent().map((sent) => sent.message)).toContainEqual({ type: 'JOIN', term: 1 });
  });

  it('the leader answers a catch-up request with at most catchupBatchMax entries, from the asked seq on', () => {
    const { node, ctx } = leader({ catchupBatchMax: 2 });
    for (const id of ['a', 'b', 'c']) node.submit(ctx, { id, payload: id });
    ctx.takeSent();
    node.message(ctx, 1, { type: 'CATCHUP_REQ', afterSeq: 0 });
    const [reply] = ctx.takeSent();
    expect(reply?.message).toMatchObject({ type: 'CATCHUP_RESP', term: 1, lastSeq: 3 });
    expect((reply?.message as { entries: Entry[] }).entries.map((e) => e.id)).toEqual(['a', 'b']);
    node.message(ctx, 1, { type: 'CATCHUP_REQ', afterSeq: 2 });
    expect((ctx.takeSent()[0]?.message as { entries: Entry[] }).entries.map((e) => e.id)).toEqual(['c']);
  });

  it('options are checked when a node is built: a bad value names the option and what it means', () => {
    const config = { id: 1, nodes: NODES };
    expect(() => sequencer.create({ ...config, options: { ...sequencerDefaults, heartbeatIntervalMs: 0 } })).toThrow(
      /sequencer option heartbeatIntervalMs must be an integer from 1 to 600000 \(how often the leader sends HEARTBEAT/,
    );
    expect(() =>
      sequencer.create({ ...config, options: { ...sequencerDefaults, retryForwards: 'yes' as unknown as boolean } }),
    ).toThrow(/retryForwards must be true or false/);
    expect(() => sequencer.create({ ...config, options: sequencerDefaults })).not.toThrow();
    expect(Object.keys(sequencer.optionDocs).sort()).toEqual(Object.keys(sequencerDefaults).sort());
  });

  it('recognises its own messages only', () => {
    expect(isSequencerMessage({ type: 'SEQ_CHAT', ...entry(1, 'a') })).toBe(true);
    expect(isSequencerMessage({ type: 'SEQ_CHAT', term: 1, seq: -1, id: 'a', origin: 3, payload: 'a' })).toBe(false);
    expect(isSequencerMessage({ type: 'PROPOSE', id: 'a' })).toBe(false);
  });
});
