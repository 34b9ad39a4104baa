import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { ShippedProtocol, ProtocolNode } from '../../core/node.ts';
import { isis, isisDefaults, type IsisOptions } from './index.ts';
import type { IsisMessage } from './messages.ts';
import { TestContext, type Sent } from '../../../test/support/test-context.ts';

/** Nodes wired by hand: the test decides which messages arrive, in what order, and when timers fire. */
class Cluster {
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, ProtocolNode>();
  readonly contexts = new Map<NodeId, TestContext<IsisMessage>>();
  readonly wire: Sent<IsisMessage>[] = [];
  readonly everySent: IsisMessage[] = [];

  constructor(
    count: number,
    readonly options: Partial<IsisOptions> = {},
  ) {
    this.ids = Array.from({ length: count }, (_, index) => index + 1);
    for (const id of this.ids) this.boot(id, []);
  }

  boot(id: NodeId, recovered: readonly Json[]): void {
    const ctx = new TestContext<IsisMessage>(id, this.ids);
    const node = isis.create({ id, nodes: this.ids, options: { ...isisDefaults, ...this.options } });
    this.nodes.set(id, node);
    this.contexts.set(id, ctx);
    node.start(ctx, recovered);
  }

  ctx(id: NodeId): TestContext<IsisMessage> {
    return this.contexts.get(id) as TestContext<IsisMessage>;
  }

  node(id: NodeId): ProtocolNode {
    return this.nodes.get(id) as ProtocolNode;
  }

  submit(id: NodeId, submissionId: string): void {
    this.node(id).submit(this.ctx(id), { id: submissionId, payload: `payload of ${submissionId}` });
  }

  inject(to: NodeId, from: NodeId, message: IsisMessage): void {
    this.node(to).message(this.ctx(to), from, message);
  }

  /** Moves every message that `pass` lets through, until none is left to move; the rest stay on the wire. */
  pump(pass: (sent: Sent<IsisMessage>) => boolean = () => true): void {
    for (;;) {
      for (const ctx of this.contexts.values()) {
        const sent = ctx.takeSent();
        this.everySent.push(...sent.map((item) => item.message));
        this.wire.push(...sent);
      }
      const index = this.wire.findIndex(pass);
      if (index < 0) return;
      const [next] = this.wire.splice(index, 1);
      this.inject(next.to, next.from, next.message);
    }
  }

  fire(id: NodeId, name: string): void {
    const ctx = this.ctx(id);
    const dueMs = ctx.timers.get(name);
    expect(dueMs, `timer ${name} is armed at node ${id}`).toBeDefined();
    ctx.nowMs = dueMs as number;
    ctx.timers.delete(name);
    this.node(id).timer(ctx, name);
  }

  details(id: NodeId): Record<string, Json> {
    return this.node(id).status().details ?? {};
  }
}

describe('isis node', () => {
  it('agrees on one order for concurrent submissions, tagging each delivery with its final timestamp', () => {
    const cluster = new Cluster(3);
    cluster.submit(1, 's1');
    cluster.submit(2, 's2');
    cluster.submit(3, 's3');
    cluster.pump();
    const orders = cluster.ids.map((id) => cluster.ctx(id).deliveredIds());
    expect(orders[0]).toHaveLength(3);
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    const tags = cluster.ctx(1).delivered.map((delivery) => delivery.order as { ts: number; proposer: number });
    for (let index = 1; index < tags.length; index += 1) {
      const before = tags[index - 1];
      const after = tags[index];
      expect(before.ts < after.ts || (before.ts === after.ts && before.proposer < after.proposer)).toBe(true);
    }
    expect(
      cluster
        .ctx(2)
        .delivered.map((delivery) => delivery.origin)
        .sort(),
    ).toEqual([1, 2, 3]);
  });

  it('finalizes with the maximum proposal once every node has answered, without waiting for the timeout', () => {
    const cluster = new Cluster(3);
    // Node 3 has seen a clock of 40, so it proposes 41 and that must become the final timestamp.
    cluster.inject(3, 2, { type: 'REQUEST', id: 's0', origin: 2, payload: 'x', clock: 40 });
    cluster.ctx(3).takeSent();
    cluster.submit(1, 's1');
    cluster.pump((sent) => sent.message.type !== 'FINAL');
    const finals = cluster.wire.filter((sent) => sent.message.type === 'FINAL');
    const final = { type: 'FINAL', id: 's1', origin: 1, payload: 'payload of s1', ts: 42, proposer: 3 };
    expect(finals).toEqual([
      { from: 1, to: 2, message: final },
      { from: 1, to: 3, message: final },
    ]);
    expect(cluster.ctx(1).timers.has('proposal-timeout:s1')).toBe(false);
    expect(cluster.details(1).timeouts).toBe(0);
  });

  it('goes on without a silent peer after proposalTimeoutMs, and ignores its late proposal', () => {
    const cluster = new Cluster(3);
    cluster.submit(1, 's1');
    const toOthers = (sent: Sent<IsisMessage>) => sent.to !== 3 && sent.from !== 3;
    cluster.pump(toOthers);
    expect(cluster.ctx(1).delivered).toEqual([]);
    expect(cluster.details(1).openProposals).toBe(1);
    expect(cluster.ctx(1).timers.get('proposal-timeout:s1')).toBe(5000);
    cluster.fire(1, 'proposal-timeout:s1');
    cluster.pump(toOthers);
    expect(cluster.ctx(1).deliveredIds()).toEqual(['s1']);
    expect(cluster.ctx(2).deliveredIds()).toEqual(['s1']);
    expect(cluster.ctx(1).logs.join('\n')).toMatch(/finalizing without 3/);
    // Node 3 wakes up: its proposal is late and ignored, and it still delivers from the FINAL.
    cluster.pump();
    expect(cluster.details(1).lateProposals).toBe(1);
    expect(cluster.ctx(3).deliveredIds()).toEqual(['s1']);
  });

  it('moves a message ahead of where it was held when its final is below our uncounted proposal', () => {
    const cluster = new Cluster(3);
    cluster.inject(3, 2, { type: 'REQUEST', id: 's0', origin: 2, payload: 'x', clock: 40 });
    cluster.submit(1, 's1');
    cluster.pump((sent) => sent.from !== 3);
    cluster.fire(1, 'proposal-timeout:s1');
    cluster.pump((sent) => sent.from !== 3);
    expect(cluster.details(3).finalsBelowProposal).toBe(1);
    // s1 (final 2) now sorts before s0 (proposal 41, never finalized) and is delivered past it.
    expect(cluster.ctx(3).deliveredIds()).toEqual(['s1']);
    expect(cluster.details(3).headId).toBe('s0');
  });

  it('keeps a message whose final never comes at the head, blocking everything behind it', () => {
    const cluster = new Cluster(3);
    cluster.inject(2, 3, { type: 'REQUEST', id: 'orphan', origin: 3, payload: 'x', clock: 0 });
    cluster.inject(2, 1, { type: 'FINAL', id: 'later', origin: 1, payload: 'y', ts: 9, proposer: 1 });
    expect(cluster.ctx(2).delivered).toEqual([]);
    expect(cluster.details(2)).toMatchObject({ headId: 'orphan', headFinal: false, holdback: 2 });
    cluster.inject(2, 3, { type: 'FINAL', id: 'orphan', origin: 3, payload: 'x', ts: 5, proposer: 2 });
    expect(cluster.ctx(2).deliveredIds()).toEqual(['orphan', 'later']);
  });

  it('delivers from a FINAL that overtook its REQUEST, and does not propose for it afterwards', () => {
    const cluster = new Cluster(3);
    cluster.inject(2, 1, { type: 'FINAL', id: 's1', origin: 1, payload: 'p', ts: 3, proposer: 3 });
    expect(cluster.ctx(2).delivered).toEqual([{ id: 's1', origin: 1, payload: 'p', order: { ts: 3, proposer: 3 } }]);
    cluster.inject(2, 1, { type: 'REQUEST', id: 's1', origin: 1, payload: 'p', clock: 0 });
    cluster.inject(2, 1, { type: 'FINAL', id: 's1', origin: 1, payload: 'p', ts: 3, proposer: 3 });
    expect(cluster.ctx(2).sent).toEqual([]);
    expect(cluster.ctx(2).deliveredIds()).toEqual(['s1']);
  });

  it('after a restart, recovers delivered ids and the clock and never delivers them again', () => {
    const cluster = new Cluster(3);
    cluster.submit(1, 's1');
    cluster.submit(2, 's2');
    cluster.pump();
    const before = cluster.details(3).clock as number;
    const records = cluster.ctx(3).persisted.slice();
    expect(records).toHaveLength(2);
    cluster.boot(3, records);
    expect(cluster.node(3).status().delivered).toBe(2);
    expect(cluster.details(3).clock).toBe(before);
    for (const message of cluster.everySent.filter((sent) => sent.type === 'FINAL')) cluster.inject(3, 1, message);
    expect(cluster.ctx(3).delivered).toEqual([]);
    cluster.inject(3, 1, { type: 'REQUEST', id: 's9', origin: 1, payload: 'p', clock: 0 });
    const [proposal] = cluster.ctx(3).takeSent();
    expect(proposal.message).toMatchObject({ type: 'PROPOSE', id: 's9' });
    expect((proposal.message as { ts: number }).ts).toBeGreaterThan(before);
  });

  it('clears finished proposal state after the retention, on its cleanup timer', () => {
    const cluster = new Cluster(2, { proposalRetentionMs: 1000 });
    cluster.submit(1, 's1');
    cluster.pump();
    expect(cluster.details(1).finishedProposals).toBe(1);
    cluster.fire(1, 'proposal-cleanup');
    expect(cluster.details(1).finishedProposals).toBe(0);
    expect(cluster.ctx(1).timers.get('proposal-cleanup')).toBe(2000);
  });

  it('finalizes the oldest open collection early rather than track more than trackedProposalsMax', () => {
    const cluster = new Cluster(3, { trackedProposalsMax: 1 });
    cluster.submit(1, 's1');
    cluster.submit(1, 's2');
    expect(cluster.ctx(1).logs.join('\n')).toMatch(/finalizing s1 early/);
    expect(cluster.details(1).openProposals).toBe(1);
    expect(cluster.ctx(1).deliveredIds()).toEqual(['s1']);
  });

  it('refuses a submission, a request and a final past the holdback bound', () => {
    const cluster = new Cluster(2, { holdbackMax: 1 });
    cluster.submit(1, 's1');
    cluster.submit(1, 's2');
    cluster.inject(1, 2, { type: 'REQUEST', id: 's3', origin: 2, payload: 'p', clock: 0 });
    cluster.inject(1, 2, { type: 'FINAL', id: 's4', origin: 2, payload: 'p', ts: 1, proposer: 2 });
    expect(cluster.details(1)).toMatchObject({ holdback: 1, overflowDrops: 3 });
  });
});

describe('isis definition', () => {
  it('is a ProtocolDefinition whose options are documented one by one', () => {
    const definition: ShippedProtocol = isis;
    expect(definition.seeds).toEqual(['000']);
    expect(Object.keys(definition.optionDocs).sort()).toEqual(Object.keys(definition.defaults).sort());
    expect(definition.defaults.proposalTimeoutMs).toBe(5000);
  });

  it('accepts every message it sends and rejects anything else', () => {
    const cluster = new Cluster(3);
    cluster.submit(1, 's1');
    cluster.pump();
    const types = new Set(cluster.everySent.map((message) => message.type));
    expect([...types].sort()).toEqual(['FINAL', 'PROPOSE', 'REQUEST']);
    for (const message of cluster.everySent) expect(isis.isMessage(message)).toBe(true);
    const garbage: unknown[] = [
      null,
      'FINAL',
      [],
      {},
      { type: 'FINAL', id: 's1', origin: 1, payload: 'p', ts: -1, proposer: 1 },
      { type: 'PROPOSE', id: 's1', ts: 1, proposer: 0 },
      { type: 'PROPOSE', id: '', ts: 1, proposer: 1 },
      { type: 'REQUEST', id: 's1', origin: 1, payload: 7, clock: 0 },
      { type: 'REQUEST', id: 's1', origin: 1.5, payload: 'p', clock: 0 },
      { type: 'HELLO' },
    ];
    for (const value of garbage) expect(isis.isMessage(value), JSON.stringify(value)).toBe(false);
  });

  it('rejects bad options with a message naming the option', () => {
    const options = { ...isisDefaults, proposalTimeoutMs: 0 };
    const create = () => isis.create({ id: 1, nodes: [1, 2], options });
    expect(create).toThrow(/proposalTimeoutMs must be a positive integer/);
  });
});
