import { describe, expect, it } from 'vitest';
import { TestContext } from '../../../test/support/test-context.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { Announcement, Delivery } from '../../core/node.ts';
import { primaryBackup } from './index.ts';
import { type Entry, isPrimaryBackupMessage, type PrimaryBackupMessage } from './messages.ts';
import { PrimaryBackupNode } from './node.ts';
import { primaryBackupDefaults, type PrimaryBackupOptions } from './options.ts';

/** The shared test host, with the names these tests read and a way to take the messages of one type. */
class FakeContext extends TestContext<PrimaryBackupMessage> {
  get records(): readonly Json[] {
    return this.persisted;
  }

  get deliveries(): readonly Delivery[] {
    return this.delivered;
  }

  get announcements(): readonly Announcement[] {
    return this.announced;
  }

  override random(): number {
    return 0.5;
  }

  /** The messages of one type sent since the last call, as [to, message] pairs. */
  take(type: PrimaryBackupMessage['type']): [NodeId, PrimaryBackupMessage][] {
    const taken = this.sent
      .filter((send) => send.message.type === type)
      .map((send): [NodeId, PrimaryBackupMessage] => [send.to, send.message]);
    this.sent = this.sent.filter((send) => send.message.type !== type);
    return taken;
  }
}

function makeNode(id: NodeId, recovered: Json[] = [], options: Partial<PrimaryBackupOptions> = {}, nodes = [1, 2, 3]) {
  const node = new PrimaryBackupNode(id, nodes, { ...primaryBackupDefaults, ...options });
  const ctx = new FakeContext(id, nodes);
  node.start(ctx, recovered);
  return { node, ctx };
}

function entry(seq: number, id = `m${seq}`, primary: NodeId = 3): Entry {
  return { id, origin: 1, payload: id, seq, primary };
}

function replicate(seq: number, id = `m${seq}`, primary: NodeId = 3): PrimaryBackupMessage {
  return { type: 'REPLICATE', ...entry(seq, id, primary) };
}

/** A backup of node 3 that already follows it. */
function backupOfThree(id: NodeId = 1) {
  const made = makeNode(id);
  made.node.message(made.ctx, 3, { type: 'COORDINATOR', lastSeq: 0 });
  made.ctx.sent = [];
  return made;
}

const deliveredIds = (ctx: FakeContext) => ctx.deliveries.map((delivery) => delivery.id);

describe('primary-backup: the Bully election', () => {
  it('makes the highest id primary at once on first boot', () => {
    const { node, ctx } = makeNode(3);
    expect(node.status()).toMatchObject({ role: 'primary', leader: 3 });
    expect(ctx.announcements).toEqual([{ role: 'primary', leader: 3 }]);
    expect(ctx.take('COORDINATOR')).toEqual([
      [1, { type: 'COORDINATOR', lastSeq: 0 }],
      [2, { type: 'COORDINATOR', lastSeq: 0 }],
    ]);
    expect(ctx.records).toEqual([{ kind: 'boot' }]);
    expect(ctx.timers.get('heartbeat')).toBe(1000 + Math.round(0.5 * 333));
  });

  it('has a lower node ask only the higher ones, and lead if none answers in time', () => {
    const { node, ctx } = makeNode(1);
    expect(ctx.announcements).toEqual([{ role: 'backup', leader: null }]);
    expect(ctx.take('ELECTION').map(([to]) => to)).toEqual([2, 3]);
    expect(ctx.timers.get('election')).toBe(1000);
    node.timer(ctx, 'election');
    expect(node.status()).toMatchObject({ role: 'primary', leader: 1 });
    expect(ctx.take('COORDINATOR')).toHaveLength(2);
  });

  it('waits for COORDINATOR after an OK, and elects again if none comes', () => {
    const { node, ctx } = makeNode(1);
    ctx.take('ELECTION');
    node.message(ctx, 2, { type: 'OK' });
    expect(ctx.timers.has('election')).toBe(false);
    expect(ctx.timers.get('coordinator-wait')).toBe(3000);
    node.timer(ctx, 'coordinator-wait');
    expect(ctx.take('ELECTION').map(([to]) => to)).toEqual([2, 3]);
    node.message(ctx, 3, { type: 'COORDINATOR', lastSeq: 4 });
    expect(node.status()).toMatchObject({ role: 'backup', leader: 3, details: { election: 'idle' } });
    expect(ctx.timers.has('election')).toBe(false);
    expect(ctx.timers.get('primary-timeout')).toBe(2500);
  });

  it('answers ELECTION from below with OK: a primary adds COORDINATOR, a backup runs its own election', () => {
    const primary = makeNode(3);
    primary.ctx.sent = [];
    primary.node.message(primary.ctx, 1, { type: 'ELECTION' });
    expect(primary.ctx.sent).toEqual([
      { from: 3, to: 1, message: { type: 'OK' } },
      { from: 3, to: 1, message: { type: 'COORDINATOR', lastSeq: 0 } },
    ]);
    const backup = backupOfThree(2);
    backup.node.message(backup.ctx, 1, { type: 'ELECTION' });
    expect(backup.ctx.take('OK')).toEqual([[1, { type: 'OK' }]]);
    expect(backup.ctx.take('ELECTION')).toEqual([[3, { type: 'ELECTION' }]]);
    backup.node.message(backup.ctx, 3, { type: 'ELECTION' });
    expect(backup.ctx.take('OK')).toEqual([]);
  });

  it('suspects a silent primary, or one that says it no longer leads', () => {
    const silent = backupOfThree(1);
    silent.node.timer(silent.ctx, 'primary-timeout');
    expect(silent.node.status()).toMatchObject({ role: 'backup', leader: null });
    expect(silent.ctx.announcements.at(-1)).toEqual({ role: 'backup', leader: null });
    expect(silent.ctx.take('ELECTION').map(([to]) => to)).toEqual([2, 3]);

    const demoted = backupOfThree(1);
    demoted.node.message(demoted.ctx, 3, { type: 'HEARTBEAT', leader: 3 });
    expect(demoted.node.status().leader).toBe(3);
    demoted.node.message(demoted.ctx, 3, { type: 'HEARTBEAT', leader: null });
    expect(demoted.node.status().leader).toBeNull();
  });

  it('settles two primaries on the higher id', () => {
    const lower = makeNode(2, [], {}, [1, 2, 3]);
    lower.node.timer(lower.ctx, 'election');
    expect(lower.node.status().role).toBe('primary');
    lower.node.message(lower.ctx, 3, { type: 'HEARTBEAT', leader: 3 });
    expect(lower.node.status()).toMatchObject({ role: 'backup', leader: 3 });

    const higher = makeNode(3);
    higher.ctx.sent = [];
    higher.node.message(higher.ctx, 2, { type: 'HEARTBEAT', leader: 2 });
    expect(higher.node.status().role).toBe('primary');
    expect(higher.ctx.take('COORDINATOR')).toHaveLength(2);
    higher.node.message(higher.ctx, 2, { type: 'COORDINATOR', lastSeq: 9 });
    expect(higher.node.status().role).toBe('primary');
  });
});

describe('primary-backup: sequencing and replication', () => {
  it('has the primary number, deliver at once and replicate; an id is numbered once', () => {
    const { node, ctx } = makeNode(3);
    ctx.sent = [];
    node.submit(ctx, { id: 's1', payload: 'hello' });
    node.message(ctx, 1, { type: 'FORWARD', id: 's2', origin: 1, payload: 'hi', hops: 0 });
    node.message(ctx, 1, { type: 'FORWARD', id: 's2', origin: 1, payload: 'hi', hops: 0 });
    expect(ctx.deliveries).toEqual([
      { id: 's1', origin: 3, payload: 'hello', order: { seq: 1, primary: 3 } },
      { id: 's2', origin: 1, payload: 'hi', order: { seq: 2, primary: 3 } },
    ]);
    const replicated = ctx.take('REPLICATE').map(([to, message]) => `${to}:${(message as Entry).seq}`);
    expect(replicated).toEqual(['1:1', '2:1', '1:2', '2:2']);
    expect(node.status().details).toMatchObject({ dropped: { duplicateIds: 1 } });
  });

  it('has a backup forward to the primary, keeping submissions while no primary is known', () => {
    const { node, ctx } = makeNode(1);
    node.submit(ctx, { id: 's1', payload: 'early' });
    expect(ctx.take('FORWARD')).toEqual([]);
    expect(node.status().details?.pendingForwards).toBe(1);
    node.message(ctx, 3, { type: 'COORDINATOR', lastSeq: 0 });
    node.submit(ctx, { id: 's2', payload: 'later' });
    expect(ctx.take('FORWARD')).toEqual([
      [3, { type: 'FORWARD', id: 's1', origin: 1, payload: 'early', hops: 0 }],
      [3, { type: 'FORWARD', id: 's2', origin: 1, payload: 'later', hops: 0 }],
    ]);
  });

  it('passes a FORWARD on to its own primary, but not around a loop', () => {
    const { node, ctx } = backupOfThree(2);
    node.message(ctx, 1, { type: 'FORWARD', id: 's1', origin: 1, payload: 'p', hops: 0 });
    expect(ctx.take('FORWARD')).toEqual([[3, { type: 'FORWARD', id: 's1', origin: 1, payload: 'p', hops: 1 }]]);
    node.message(ctx, 1, { type: 'FORWARD', id: 's2', origin: 1, payload: 'p', hops: 2 });
    expect(ctx.take('FORWARD')).toEqual([]);
  });

  it('delivers in sequence at once, skips a gap, drops the stale and the foreign', () => {
    const { node, ctx } = backupOfThree(1);
    node.message(ctx, 3, replicate(1));
    node.message(ctx, 3, replicate(3));
    node.message(ctx, 3, replicate(2));
    node.message(ctx, 3, replicate(3));
    node.message(ctx, 2, replicate(4, 'm4', 2));
    node.message(ctx, 2, replicate(5, 'm5', 3));
    expect(deliveredIds(ctx)).toEqual(['m1', 'm3']);
    expect(ctx.deliveries[1].order).toEqual({ seq: 3, primary: 3 });
    expect(node.status().details).toMatchObject({
      highestSeq: 3,
      dropped: { stale: 2, seqsSkipped: 1, foreign: 1 },
    });
    // An id already delivered, numbered again by another primary, uses up the seq but is not delivered again.
    node.message(ctx, 3, replicate(6, 'm1'));
    node.message(ctx, 3, replicate(7));
    expect(deliveredIds(ctx)).toEqual(['m1', 'm3', 'm7']);
  });

  it('persists every delivery so a restart neither re-delivers nor re-numbers', () => {
    const first = backupOfThree(1);
    first.node.message(first.ctx, 3, replicate(1));
    first.node.message(first.ctx, 3, replicate(2));
    const { node, ctx } = makeNode(1, [...first.ctx.records]);
    expect(node.status()).toMatchObject({ delivered: 2, details: { highestSeq: 2, sync: 'discovering' } });
    node.message(ctx, 3, { type: 'COORDINATOR', lastSeq: 2 });
    node.message(ctx, 3, { type: 'SYNC', entries: [entry(1), entry(2)], more: false });
    expect(ctx.deliveries).toEqual([]);
  });
});

describe('primary-backup: a restarted node', () => {
  function restarted() {
    const first = backupOfThree(1);
    first.node.message(first.ctx, 3, replicate(1));
    return makeNode(1, [...first.ctx.records]);
  }

  it('asks who leads instead of bullying, then fetches what it missed from the primary', () => {
    const { node, ctx } = restarted();
    expect(ctx.take('ELECTION')).toEqual([]);
    expect(ctx.take('DISCOVER').map(([to]) => to)).toEqual([2, 3]);
    expect(ctx.announcements).toEqual([{ role: 'backup', leader: null }]);
    node.message(ctx, 3, replicate(4));
    node.message(ctx, 3, { type: 'COORDINATOR', lastSeq: 3 });
    expect(ctx.take('SYNC_REQ')).toEqual([[3, { type: 'SYNC_REQ', fromSeq: 2 }]]);
    node.message(ctx, 3, { type: 'SYNC', entries: [entry(2)], more: true });
    expect(ctx.take('SYNC_REQ')).toEqual([[3, { type: 'SYNC_REQ', fromSeq: 3 }]]);
    node.message(ctx, 3, { type: 'SYNC', entries: [entry(3), entry(4)], more: false });
    expect(deliveredIds(ctx)).toEqual(['m2', 'm3', 'm4']);
    expect(node.status()).toMatchObject({ role: 'backup', leader: 3, details: { sync: 'synced', highestSeq: 4 } });
    node.message(ctx, 3, replicate(5));
    expect(deliveredIds(ctx)).toEqual(['m2', 'm3', 'm4', 'm5']);
  });

  it('elects when no primary answers, and gives up a sync that never comes', () => {
    const lonely = restarted();
    lonely.node.timer(lonely.ctx, 'discovery');
    expect(lonely.ctx.take('ELECTION').map(([to]) => to)).toEqual([2, 3]);

    const { node, ctx } = restarted();
    node.message(ctx, 3, { type: 'COORDINATOR', lastSeq: 3 });
    node.message(ctx, 3, replicate(3));
    node.timer(ctx, 'sync');
    expect(deliveredIds(ctx)).toEqual(['m3']);
    expect(node.status().details).toMatchObject({ sync: 'synced', dropped: { seqsSkipped: 1 } });
  });

  it('is served by the primary in batches of syncBatchMax', () => {
    const { node, ctx } = makeNode(3, [], { syncBatchMax: 2 });
    for (const id of ['a', 'b', 'c']) node.submit(ctx, { id, payload: id });
    ctx.sent = [];
    node.message(ctx, 1, { type: 'SYNC_REQ', fromSeq: 1 });
    node.message(ctx, 1, { type: 'SYNC_REQ', fromSeq: 3 });
    node.message(ctx, 1, { type: 'SYNC_REQ', fromSeq: 4 });
    const replies = ctx.take('SYNC').map(([, message]) => message as Extract<PrimaryBackupMessage, { type: 'SYNC' }>);
    expect(replies.map((reply) => [reply.entries.map((item) => item.id), reply.more])).toEqual([
      [['a', 'b'], true],
      [['c'], false],
      [[], false],
    ]);
  });
});

describe('the primary-backup definition', () => {
  it('accepts every message it sends and rejects garbage', () => {
    const samples: PrimaryBackupMessage[] = [
      { type: 'HEARTBEAT', leader: null },
      { type: 'HEARTBEAT', leader: 3 },
      { type: 'FORWARD', id: 's1', origin: 1, payload: 'p', hops: 0 },
      replicate(1),
      { type: 'ELECTION' },
      { type: 'OK' },
      { type: 'COORDINATOR', lastSeq: 0 },
      { type: 'DISCOVER' },
      { type: 'SYNC_REQ', fromSeq: 1 },
      { type: 'SYNC', entries: [entry(1)], more: false },
    ];
    for (const sample of samples) expect(primaryBackup.isMessage(sample), sample.type).toBe(true);
    const { node, ctx } = makeNode(3);
    node.submit(ctx, { id: 's1', payload: 'p' });
    node.timer(ctx, 'heartbeat');
    node.message(ctx, 1, { type: 'SYNC_REQ', fromSeq: 1 });
    for (const { message } of ctx.sent) expect(primaryBackup.isMessage(message), message.type).toBe(true);
    const garbage: unknown[] = [
      null,
      'HEARTBEAT',
      { type: 'HEARTBEAT' },
      { type: 'REPLICATE', id: 's1', origin: 1, payload: 'p', seq: 0, primary: 3 },
      { type: 'FORWARD', id: 's1', origin: 1, payload: 'p' },
      { type: 'SYNC', entries: [{ id: 1 }], more: false },
      { type: 'COORDINATOR', lastSeq: -1 },
      { type: 'NOPE' },
    ];
    for (const value of garbage) expect(isPrimaryBackupMessage(value), JSON.stringify(value)).toBe(false);
  });

  it('documents every option and refuses bad ones with a message that names them', () => {
    expect(Object.keys(primaryBackup.optionDocs).sort()).toEqual(Object.keys(primaryBackup.defaults).sort());
    const create = (options: Partial<PrimaryBackupOptions>) =>
      primaryBackup.create({ id: 1, nodes: [1, 2], options: { ...primaryBackupDefaults, ...options } });
    expect(() => create({ electionTimeoutMs: 0 })).toThrow(/electionTimeoutMs/);
    expect(() => create({ pendingMax: 1.5 })).toThrow(/pendingMax/);
    expect(() => create({ primaryTimeoutMs: 1200 })).toThrow(/longest heartbeat gap/);
    expect(() => create({ heartbeatJitterMs: 0 })).not.toThrow();
  });

  it('never promises and breaks a property under the same fault class', () => {
    for (const [property, promise] of Object.entries(primaryBackup.promises)) {
      expect(
        promise.holds.filter((fault) => promise.breaks?.includes(fault)),
        property,
      ).toEqual([]);
    }
  });
});
