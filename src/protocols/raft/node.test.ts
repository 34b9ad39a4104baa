import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import { TestContext } from '../../../test/support/test-context.ts';
import { raft } from './index.ts';
import { encodedBytes, type Entry, isRaftMessage, type RaftMessage, type RaftRecord } from './messages.ts';
import { RaftNode } from './node.ts';
import { raftDefaults, type RaftOptions, validateRaftOptions } from './options.ts';

const NODES = [1, 2, 3];

function makeNode(id: NodeId, recovered: Json[] = [], options: Partial<RaftOptions> = {}) {
  const node = new RaftNode(id, { ...raftDefaults, ...options });
  const ctx = new TestContext<RaftMessage>(id, NODES);
  node.start(ctx, recovered);
  return { node, ctx };
}

function messagesOf<Type extends RaftMessage['type']>(ctx: TestContext<RaftMessage>, type: Type) {
  return ctx.sent.filter((sent) => sent.message.type === type) as unknown as Array<{
    to: NodeId;
    message: Extract<RaftMessage, { type: Type }>;
  }>;
}

const append = (
  term: number,
  prevLogIndex: number,
  prevLogTerm: number,
  entries: Entry[],
  leaderCommit = 0,
): RaftMessage => ({
  type: 'APPEND',
  term,
  prevLogIndex,
  prevLogTerm,
  entries,
  leaderCommit,
});

const entry = (term: number, origin: NodeId, seq: number, id = `s${origin}.${seq}`): Entry => ({
  term,
  origin,
  seq,
  id,
  payload: id,
});

/** Lets the local clock run to the named timer's due time and fires it, as a host would. */
function fire(node: RaftNode, ctx: TestContext<RaftMessage>, name: string) {
  const dueMs = ctx.timers.get(name);
  expect(dueMs, `timer ${name} is not armed`).toBeDefined();
  ctx.nowMs = dueMs!;
  node.timer(ctx, name);
}

/** Drives node 1 through a won election in term 1 (pre-vote, then votes from node 2). */
function electNode1() {
  const { node, ctx } = makeNode(1);
  fire(node, ctx, 'election');
  node.message(ctx, 2, { type: 'VOTE_RESP', term: 1, granted: true, pre: true });
  node.message(ctx, 2, { type: 'VOTE_RESP', term: 1, granted: true, pre: false });
  expect(node.status().role).toBe('leader');
  ctx.takeSent();
  return { node, ctx };
}

describe('raft elections', () => {
  it('asks for pre-votes first, without touching its term or its vote', () => {
    const { node, ctx } = makeNode(1);
    fire(node, ctx, 'election');
    const requests = messagesOf(ctx, 'VOTE');
    expect(requests.map((sent) => sent.to)).toEqual([2, 3]);
    expect(requests[0]?.message).toEqual({ type: 'VOTE', term: 1, lastLogIndex: 0, lastLogTerm: 0, pre: true });
    expect(ctx.persisted).toEqual([]);
    expect(node.status().term).toBe(0);
  });

  it('draws election timeouts from its random stream within the configured range', () => {
    const { ctx } = makeNode(1);
    const deadline = ctx.timers.get('election');
    expect(deadline).toBeGreaterThanOrEqual(raftDefaults.electionTimeoutMsMin);
    expect(deadline).toBeLessThanOrEqual(raftDefaults.electionTimeoutMsMax);
  });

  it('keeps one election timer: a leader heard meanwhile makes it wait for the rest of the period, not time out', () => {
    const { node, ctx } = makeNode(3);
    const timeoutMs = ctx.timers.get('election')!;
    ctx.nowMs = 100;
    node.message(ctx, 1, append(1, 0, 0, []));
    // Hearing the leader does not touch the pending timer (no event per message)...
    expect(ctx.timers.get('election')).toBe(timeoutMs);
    fire(node, ctx, 'election');
    // ...which, when it falls due, is armed again for what is left of the period since the leader was heard.
    expect(ctx.timers.get('election')).toBe(100 + timeoutMs);
    expect(messagesOf(ctx, 'VOTE')).toEqual([]);
    expect(node.status().role).toBe('follower');
    // A clock stepped back never stretches the wait past one timeout.
    ctx.nowMs = 50;
    node.timer(ctx, 'election');
    expect(ctx.timers.get('election')).toBe(50 + timeoutMs);
    fire(node, ctx, 'election');
    expect(messagesOf(ctx, 'VOTE').map((sent) => sent.message.pre)).toEqual([true, true]);
  });

  it('draws a new timeout when it becomes a candidate, so the round after a pre-vote lasts a whole timeout', () => {
    const { node, ctx } = makeNode(1);
    fire(node, ctx, 'election');
    ctx.nowMs += 120;
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 1, granted: true, pre: true });
    expect(node.status().role).toBe('candidate');
    const dueMs = ctx.timers.get('election')!;
    expect(dueMs - ctx.nowMs).toBeGreaterThanOrEqual(raftDefaults.electionTimeoutMsMin);
    expect(dueMs - ctx.nowMs).toBeLessThanOrEqual(raftDefaults.electionTimeoutMsMax);
  });

  it('persists its term and vote for itself before asking for real votes', () => {
    const { node, ctx } = makeNode(1);
    fire(node, ctx, 'election');
    ctx.takeSent();
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 1, granted: true, pre: true });
    expect(ctx.persisted).toEqual([{ kind: 'vote', term: 1, votedFor: 1 }]);
    expect(messagesOf(ctx, 'VOTE')[0]?.message).toEqual({
      type: 'VOTE',
      term: 1,
      lastLogIndex: 0,
      lastLogTerm: 0,
      pre: false,
    });
  });

  it('persists its vote in the handler that grants it, and grants only one candidate per term', () => {
    const { node, ctx } = makeNode(3);
    node.message(ctx, 1, { type: 'VOTE', term: 2, lastLogIndex: 0, lastLogTerm: 0, pre: false });
    expect(ctx.persisted).toEqual([
      { kind: 'vote', term: 2, votedFor: null },
      { kind: 'vote', term: 2, votedFor: 1 },
    ]);
    node.message(ctx, 2, { type: 'VOTE', term: 2, lastLogIndex: 5, lastLogTerm: 1, pre: false });
    expect(messagesOf(ctx, 'VOTE_RESP').map((sent) => sent.message.granted)).toEqual([true, false]);
  });

  it('remembers its vote across a restart', () => {
    const { node, ctx } = makeNode(3, [{ kind: 'vote', term: 2, votedFor: 1 }]);
    node.message(ctx, 2, { type: 'VOTE', term: 2, lastLogIndex: 0, lastLogTerm: 0, pre: false });
    expect(messagesOf(ctx, 'VOTE_RESP')[0]?.message.granted).toBe(false);
  });

  it('refuses a candidate whose log is less up to date (section 5.4.1)', () => {
    const log: RaftRecord = { kind: 'log', from: 1, entries: [entry(1, 1, 1), entry(2, 1, 2)] };
    const { node, ctx } = makeNode(3, [{ kind: 'vote', term: 2, votedFor: null }, log]);
    node.message(ctx, 1, { type: 'VOTE', term: 3, lastLogIndex: 5, lastLogTerm: 1, pre: false });
    node.message(ctx, 2, { type: 'VOTE', term: 3, lastLogIndex: 1, lastLogTerm: 2, pre: false });
    node.message(ctx, 2, { type: 'VOTE', term: 3, lastLogIndex: 2, lastLogTerm: 2, pre: false });
    expect(messagesOf(ctx, 'VOTE_RESP').map((sent) => sent.message.granted)).toEqual([false, false, true]);
  });

  it('denies pre-votes while it hears from a leader, and grants them once its own timer fired', () => {
    const { node, ctx } = makeNode(3);
    node.message(ctx, 1, append(1, 0, 0, []));
    node.message(ctx, 2, { type: 'VOTE', term: 2, lastLogIndex: 0, lastLogTerm: 0, pre: true });
    fire(node, ctx, 'election');
    node.message(ctx, 2, { type: 'VOTE', term: 2, lastLogIndex: 0, lastLogTerm: 0, pre: true });
    expect(messagesOf(ctx, 'VOTE_RESP').map((sent) => sent.message.granted)).toEqual([false, true]);
    expect(node.status().term).toBe(1);
  });

  it('becomes leader with a majority and appends a no-op of its term', () => {
    const { node, ctx } = makeNode(1);
    fire(node, ctx, 'election');
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 1, granted: true, pre: true });
    ctx.takeSent();
    node.message(ctx, 3, { type: 'VOTE_RESP', term: 1, granted: true, pre: false });
    expect(node.status().role).toBe('leader');
    expect(ctx.persisted.at(-1)).toEqual({ kind: 'log', from: 1, entries: [{ term: 1 }] });
    expect(messagesOf(ctx, 'APPEND').map((sent) => sent.message.entries)).toEqual([[{ term: 1 }], [{ term: 1 }]]);
    expect(ctx.announced.at(-1)).toEqual({ role: 'leader', term: 1, leader: 1 });
  });
});

describe('raft replication', () => {
  it('rejects an APPEND whose previous entry it lacks, with a hint where to retry', () => {
    const { node, ctx } = makeNode(2);
    node.message(ctx, 1, append(1, 4, 1, [entry(1, 1, 1)]));
    expect(messagesOf(ctx, 'APPEND_RESP')[0]?.message).toEqual({
      type: 'APPEND_RESP',
      term: 1,
      success: false,
      index: 1,
    });
    expect(ctx.persisted).toEqual([{ kind: 'vote', term: 1, votedFor: null }]);
  });

  it('truncates a conflicting suffix with one record that recovery replays the same way', () => {
    const { node, ctx } = makeNode(2);
    node.message(ctx, 1, append(1, 0, 0, [entry(1, 1, 1), entry(1, 1, 2), entry(1, 1, 3)]));
    // A leader of term 2 has another entry at index 2.
    node.message(ctx, 3, append(2, 1, 1, [entry(2, 3, 1)]));
    const records = ctx.persisted.filter((record) => (record as RaftRecord).kind === 'log');
    expect(records).toEqual([
      { kind: 'log', from: 1, entries: [entry(1, 1, 1), entry(1, 1, 2), entry(1, 1, 3)] },
      { kind: 'log', from: 2, entries: [entry(2, 3, 1)] },
    ]);
    expect(node.status().details?.lastIndex).toBe(2);
    const restarted = makeNode(2, [...ctx.persisted]);
    expect(restarted.node.status().details?.lastIndex).toBe(2);
    // The replayed log matches the leader's at index 2, so an APPEND after it succeeds.
    restarted.node.message(restarted.ctx, 3, append(2, 2, 2, []));
    expect(messagesOf(restarted.ctx, 'APPEND_RESP')[0]?.message.success).toBe(true);
  });

  it('ignores a stale, shorter APPEND of the same leader instead of truncating what matches', () => {
    const { node, ctx } = makeNode(2);
    node.message(ctx, 1, append(1, 0, 0, [entry(1, 1, 1), entry(1, 1, 2)]));
    const before = ctx.persisted.length;
    node.message(ctx, 1, append(1, 0, 0, [entry(1, 1, 1)]));
    expect(ctx.persisted.length).toBe(before);
    expect(node.status().details?.lastIndex).toBe(2);
  });

  it('commits only up to what the APPEND proved to match, and delivers in log order once', () => {
    const { node, ctx } = makeNode(2);
    node.message(ctx, 1, append(1, 0, 0, [entry(1, 1, 1), entry(1, 3, 1)], 5));
    expect(ctx.deliveredIds()).toEqual(['s1.1', 's3.1']);
    expect(ctx.persisted.at(-1)).toEqual({ kind: 'applied', index: 2 });
    node.message(ctx, 1, append(1, 2, 1, [], 5));
    expect(ctx.deliveredIds()).toEqual(['s1.1', 's3.1']);
  });

  it('never delivers again after a restart, and skips an (origin, seq) it already applied', () => {
    const { node: first, ctx: firstCtx } = makeNode(2);
    first.message(firstCtx, 1, append(1, 0, 0, [entry(1, 1, 1), entry(1, 1, 1, 'again'), entry(1, 1, 2)], 3));
    expect(firstCtx.deliveredIds()).toEqual(['s1.1', 's1.2']);
    const restarted = makeNode(2, [...firstCtx.persisted]);
    restarted.node.message(restarted.ctx, 1, append(1, 3, 1, [], 3));
    expect(restarted.ctx.deliveredIds()).toEqual([]);
    expect(restarted.node.status().delivered).toBe(2);
  });

  it('does not commit an entry of an earlier term by counting replicas (figure 8)', () => {
    // Node 1 has an entry of term 1 that nobody else has, then wins term 3.
    const { node, ctx } = makeNode(1, [
      { kind: 'vote', term: 2, votedFor: null },
      { kind: 'log', from: 1, entries: [entry(1, 1, 1)] },
    ]);
    fire(node, ctx, 'election');
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 3, granted: true, pre: true });
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 3, granted: true, pre: false });
    expect(node.status().role).toBe('leader');
    // Node 2 confirms index 1 (term 1) but not yet the no-op of term 3 at index 2: nothing may commit.
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 3, success: true, index: 1 });
    expect(node.status().details?.commitIndex).toBe(0);
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 3, success: true, index: 2 });
    expect(node.status().details?.commitIndex).toBe(2);
    expect(ctx.deliveredIds()).toEqual(['s1.1']);
    expect(ctx.acked).toEqual(['s1.1']);
  });

  it('sends catch-up batches bounded by count and by encoded bytes', () => {
    const big = 'x'.repeat(1_000);
    const entries: Entry[] = Array.from({ length: 50 }, (_, index) => ({
      term: 1,
      origin: 2,
      seq: index + 1,
      id: `b${index + 1}`,
      payload: big,
    }));
    const { node, ctx } = makeNode(
      1,
      [
        { kind: 'vote', term: 1, votedFor: null },
        { kind: 'log', from: 1, entries },
      ],
      {
        batchEntriesMax: 20,
        batchBytesMax: 5_000,
      },
    );
    fire(node, ctx, 'election');
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 2, granted: true, pre: true });
    node.message(ctx, 2, { type: 'VOTE_RESP', term: 2, granted: true, pre: false });
    ctx.takeSent();
    // Node 2 has nothing: the leader walks back to index 1, then sends batches.
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 2, success: false, index: 1 });
    const batch = messagesOf(ctx, 'APPEND')[0]?.message;
    expect(batch?.prevLogIndex).toBe(0);
    expect(batch?.entries.length).toBe(4);
    expect(encodedBytes(batch?.entries)).toBeLessThanOrEqual(5_000);
    ctx.takeSent();
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 2, success: true, index: 4 });
    expect(messagesOf(ctx, 'APPEND')[0]?.message.prevLogIndex).toBe(4);
  });

  it('sends again at once what a follower lost after acknowledging it; a reply that teaches nothing waits', () => {
    const { node, ctx } = electNode1();
    node.submit(ctx, { id: 'a', payload: 'A' });
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 1, success: true, index: 2 });
    expect(node.status().details?.commitIndex).toBe(2);
    ctx.takeSent();
    // Node 2 acknowledged index 2, then lost it to a torn write cut at its restart: it asks for 2 again, below
    // what it matched. Its match index comes down (or index 2 would never be sent to it again) and the entry goes
    // at once; the commit index stays where it was.
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 1, success: false, index: 2 });
    expect(
      messagesOf(ctx, 'APPEND').map((sent) => [sent.to, sent.message.prevLogIndex, sent.message.entries.length]),
    ).toEqual([[2, 1, 1]]);
    expect(node.status().details?.commitIndex).toBe(2);
    ctx.takeSent();
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 1, success: true, index: 2 });
    expect(messagesOf(ctx, 'APPEND')).toEqual([]);
    // A late failure that asks for what is next anyway moves nothing back: it waits for the next heartbeat, as
    // answering each such reply with a resend lets two nodes ping-pong at network speed.
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 1, success: false, index: 3 });
    expect(messagesOf(ctx, 'APPEND')).toEqual([]);
    fire(node, ctx, 'heartbeat');
    expect(messagesOf(ctx, 'APPEND').map((sent) => sent.to)).toEqual([2, 3]);
    ctx.takeSent();
    // A reply that does move nextIndex back is still answered at once.
    node.message(ctx, 3, { type: 'APPEND_RESP', term: 1, success: false, index: 1 });
    expect(messagesOf(ctx, 'APPEND').map((sent) => [sent.to, sent.message.prevLogIndex])).toEqual([[3, 0]]);
  });

  it('sends new entries at once only to a follower that answered everything; the others get them together', () => {
    const { node, ctx } = electNode1();
    // Node 2 answers the new leader's first APPEND (its no-op at index 1); node 3 has not answered yet.
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 1, success: true, index: 1 });
    ctx.takeSent();
    node.submit(ctx, { id: 'a', payload: 'A' });
    expect(messagesOf(ctx, 'APPEND').map((sent) => [sent.to, sent.message.entries.length])).toEqual([[2, 1]]);
    ctx.takeSent();
    // While 'a' is on its way to node 2, and node 3's first APPEND is unanswered, 'b' and 'c' wait.
    node.submit(ctx, { id: 'b', payload: 'B' });
    node.submit(ctx, { id: 'c', payload: 'C' });
    expect(messagesOf(ctx, 'APPEND')).toEqual([]);
    // Node 2's answer for 'a' lets both go to it in one APPEND.
    node.message(ctx, 2, { type: 'APPEND_RESP', term: 1, success: true, index: 2 });
    expect(
      messagesOf(ctx, 'APPEND').map((sent) => [sent.to, sent.message.prevLogIndex, sent.message.entries.length]),
    ).toEqual([[2, 2, 2]]);
    ctx.takeSent();
    // The heartbeat goes to everyone whatever they owe, carrying what each one lacks: a lost APPEND or answer
    // never holds entries back for longer than a heartbeat interval.
    fire(node, ctx, 'heartbeat');
    expect(
      messagesOf(ctx, 'APPEND').map((sent) => [sent.to, sent.message.prevLogIndex, sent.message.entries.length]),
    ).toEqual([
      [2, 4, 0],
      [3, 1, 3],
    ]);
  });
});

describe('raft submissions', () => {
  it('persists a submission at its origin and forwards it to the leader; acks only once it is applied', () => {
    const { node, ctx } = makeNode(2);
    node.message(ctx, 1, append(1, 0, 0, []));
    ctx.takeSent();
    node.submit(ctx, { id: 'a', payload: 'hello' });
    expect(ctx.persisted.at(-1)).toEqual({ kind: 'submit', seq: 1, id: 'a', payload: 'hello' });
    expect(messagesOf(ctx, 'FORWARD')[0]).toMatchObject({
      to: 1,
      message: { submissions: [{ seq: 1, id: 'a', payload: 'hello' }] },
    });
    expect(ctx.acked).toEqual([]);
    node.message(ctx, 1, append(1, 0, 0, [{ term: 1, origin: 2, seq: 1, id: 'a', payload: 'hello' }], 1));
    expect(ctx.acked).toEqual(['a']);
  });

  it('retries unapplied submissions after a restart, before newer ones', () => {
    const { node, ctx } = makeNode(2, [{ kind: 'submit', seq: 1, id: 'a', payload: 'A' }]);
    node.submit(ctx, { id: 'b', payload: 'B' });
    expect(ctx.persisted.at(-1)).toEqual({ kind: 'submit', seq: 2, id: 'b', payload: 'B' });
    node.message(ctx, 1, append(1, 0, 0, []));
    expect(messagesOf(ctx, 'FORWARD')[0]?.message.submissions.map((forwarded) => forwarded.id)).toEqual(['a', 'b']);
  });

  it("on the leader, appends an origin's submissions only in its numbering order", () => {
    const { node, ctx } = electNode1();
    node.message(ctx, 2, { type: 'FORWARD', submissions: [{ seq: 2, id: 'b', payload: 'B' }] });
    expect(node.status().details?.lastIndex).toBe(1);
    node.message(ctx, 2, {
      type: 'FORWARD',
      submissions: [
        { seq: 1, id: 'a', payload: 'A' },
        { seq: 2, id: 'b', payload: 'B' },
      ],
    });
    node.message(ctx, 2, { type: 'FORWARD', submissions: [{ seq: 1, id: 'a', payload: 'A' }] });
    expect(node.status().details?.lastIndex).toBe(3);
    expect(ctx.persisted.at(-1)).toEqual({
      kind: 'log',
      from: 2,
      entries: [
        { term: 1, origin: 2, seq: 1, id: 'a', payload: 'A' },
        { term: 1, origin: 2, seq: 2, id: 'b', payload: 'B' },
      ],
    });
  });

  it('refuses a payload over payloadBytesMax, with a log line', () => {
    const { node, ctx } = makeNode(2, [], { payloadBytesMax: 10 });
    node.submit(ctx, { id: 'big', payload: 'x'.repeat(11) });
    expect(ctx.persisted).toEqual([]);
    expect(ctx.logs.at(-1)).toContain('payloadBytesMax');
  });
});

describe('raft messages and options', () => {
  it('accepts what the nodes send', () => {
    expect(isRaftMessage({ type: 'VOTE', term: 1, lastLogIndex: 0, lastLogTerm: 0, pre: true })).toBe(true);
    expect(isRaftMessage(append(2, 1, 1, [entry(2, 1, 1), { term: 2 }], 1))).toBe(true);
    expect(isRaftMessage({ type: 'FORWARD', submissions: [{ seq: 1, id: 'a', payload: '' }] })).toBe(true);
  });

  it('refuses unknown keys, wrong types, negative or fractional numbers and oversized fields', () => {
    const bad: unknown[] = [
      { type: 'VOTE', term: 1, lastLogIndex: 0, lastLogTerm: 0, pre: true, extra: 1 },
      { type: 'VOTE', term: 1, lastLogIndex: -1, lastLogTerm: 0, pre: true },
      { type: 'VOTE', term: 1.5, lastLogIndex: 0, lastLogTerm: 0, pre: true },
      { type: 'VOTE_RESP', term: 1, granted: 'yes', pre: false },
      append(1, 0, 0, [{ term: 2 }]),
      append(1, 0, 0, [{ term: 1, origin: 0, seq: 1, id: 'a', payload: '' }]),
      append(1, 0, 0, [{ term: 1, noop: true } as unknown as Entry]),
      { type: 'FORWARD', submissions: [{ seq: 1, id: 'a', payload: 'x'.repeat(70_000) }] },
      { type: 'FORWARD', submissions: [{ seq: 1, id: 'x'.repeat(300), payload: '' }] },
      {
        type: 'FORWARD',
        submissions: Array.from({ length: 5_000 }, (_, index) => ({ seq: index + 1, id: 'a', payload: '' })),
      },
      { type: 'APPEND_RESP', term: 1, success: true },
      { type: 'NOPE' },
      null,
      [],
    ];
    for (const message of bad) expect(isRaftMessage(message), JSON.stringify(message)?.slice(0, 80)).toBe(false);
  });

  it('validates options with a message that says what to change', () => {
    expect(() => validateRaftOptions({ ...raftDefaults, electionTimeoutMsMax: 100 })).toThrow(/electionTimeoutMsMax/);
    expect(() => validateRaftOptions({ ...raftDefaults, heartbeatIntervalMs: 200 })).toThrow(
      /below electionTimeoutMsMin/,
    );
    expect(() => validateRaftOptions({ ...raftDefaults, batchBytesMax: 10_000_000 })).toThrow(/batchBytesMax/);
    expect(Object.keys(raft.optionDocs).sort()).toEqual(Object.keys(raftDefaults).sort());
  });
});
