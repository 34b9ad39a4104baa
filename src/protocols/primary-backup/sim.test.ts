import { describe, expect, it } from 'vitest';
import { runCheckers } from '../../check/index.ts';
import type { EventOf, History } from '../../core/history.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { Simulator } from '../../sim/index.ts';
import { primaryBackup } from './index.ts';

type Deliver = EventOf<'deliver'>;
type Announce = EventOf<'announce'>;

function simulator(nodeCount: number, seed: number): Simulator {
  const sim = new Simulator({ seed, protocol: primaryBackup, nodeCount });
  sim.start();
  return sim;
}

function deliveries(history: History, node: NodeId): Deliver[] {
  return history.events.filter((event): event is Deliver => event.type === 'deliver' && event.node === node);
}

function idsAt(history: History, node: NodeId): SubmissionId[] {
  return deliveries(history, node).map((event) => event.id);
}

function primaryAnnouncements(history: History): Announce[] {
  return history.events.filter((event): event is Announce => event.type === 'announce' && event.role === 'primary');
}

function orderOfDelivery(history: History, node: NodeId, id: SubmissionId | null): JsonObject | undefined {
  return deliveries(history, node).find((event) => event.id === id)?.order;
}

/** The types of the messages `node` sent from `sinceMs` on. */
function sentTypes(history: History, node: NodeId, sinceMs: number): string[] {
  return history.events
    .filter((event) => event.type === 'send' && event.node === node && event.t >= sinceMs)
    .map((event) => (event.type === 'send' ? String((event.body as { type?: unknown }).type) : ''));
}

function verdicts(history: History): Record<string, string> {
  return Object.fromEntries(runCheckers(history).map((verdict) => [verdict.checker, verdict.status]));
}

/** Submissions at every node, `count` of them from `startMs`, a few ms apart so that they overlap in flight. */
function workload(sim: Simulator, nodeCount: number, startMs: number, count: number, spacingMs = 3): void {
  for (let index = 0; index < count; index += 1) {
    sim.schedule(startMs + index * spacingMs, () => sim.submit(1 + ((index * 7) % nodeCount), `m${startMs}-${index}`));
  }
}

describe('primary-backup on the simulator: fault-free', () => {
  for (const nodeCount of [3, 5]) {
    it(`delivers every message at every node in one order (${nodeCount} nodes)`, () => {
      for (const seed of [1, 2, 3]) {
        const sim = simulator(nodeCount, seed);
        workload(sim, nodeCount, 0, 30, 2);
        workload(sim, nodeCount, 2000, 60);
        sim.runUntil(6000);
        sim.beginLiveness();
        sim.runUntil(9000);
        sim.finish();
        const reference = idsAt(sim.history, nodeCount);
        expect(reference, `seed ${seed}`).toHaveLength(90);
        for (let node = 1; node <= nodeCount; node += 1) {
          expect(idsAt(sim.history, node), `seed ${seed} node ${node}`).toEqual(reference);
          const seqs = deliveries(sim.history, node).map((event) => event.order?.seq);
          expect(seqs).toEqual(reference.map((_, index) => index + 1));
        }
        expect(primaryAnnouncements(sim.history).map((event) => event.node)).toEqual([nodeCount]);
        expect(verdicts(sim.history), `seed ${seed}`).toMatchObject({
          'total-order': 'pass',
          'exactly-once': 'pass',
          'fifo-order': 'pass',
          'election-safety': 'pass',
          'eventual-delivery': 'pass',
        });
      }
    });
  }
});

describe('primary-backup on the simulator: the primary crashes', () => {
  /** Crashes the primary at `crashMs`, keeps submitting, returns when the next primary announced itself. */
  function crashRun(nodeCount: number, seed: number, crashMs: number) {
    const sim = simulator(nodeCount, seed);
    workload(sim, nodeCount, 500, 20, 50);
    sim.schedule(crashMs, () => sim.crash(nodeCount));
    sim.runUntil(crashMs + 6000);
    const successor = primaryAnnouncements(sim.history).find((event) => event.t > crashMs);
    return { sim, successor };
  }

  it('elects the next highest node within the documented 2-5 s, whenever in the heartbeat cycle it dies', () => {
    const electionMs: number[] = [];
    for (const nodeCount of [3, 5]) {
      for (const [seed, crashMs] of [
        [1, 3000],
        [2, 3250],
        [3, 3500],
        [4, 3750],
        [5, 4100],
      ]) {
        const { sim, successor } = crashRun(nodeCount, seed, crashMs);
        expect(successor?.node, `seed ${seed}`).toBe(nodeCount - 1);
        const tookMs = (successor?.t ?? Infinity) - crashMs;
        electionMs.push(tookMs);
        expect(tookMs, `seed ${seed} crash at ${crashMs}`).toBeGreaterThanOrEqual(2000);
        expect(tookMs, `seed ${seed} crash at ${crashMs}`).toBeLessThanOrEqual(5000);
        for (let node = 1; node < nodeCount - 1; node += 1) expect(sim.status(node)?.leader).toBe(nodeCount - 1);
      }
    }
    // The phase of the heartbeat cycle matters: the elections do not all take the same time.
    expect(new Set(electionMs.map((ms) => Math.round(ms / 100))).size).toBeGreaterThan(1);
  });

  it('goes on numbering after the election, from the highest seq the new primary had', () => {
    const { sim, successor } = crashRun(5, 7, 3000);
    const electedMs = successor?.t ?? Infinity;
    const before = deliveries(sim.history, 4).filter((event) => event.t < 3000);
    const lastBefore = Math.max(...before.map((event) => Number(event.order?.seq)));
    const after = [sim.submit(1, 'after 1'), sim.submit(4, 'after 4'), sim.submit(2, 'after 2')];
    sim.runUntil(sim.now + 1000);
    sim.finish();
    const reference = deliveries(sim.history, 4).filter((event) => event.t > electedMs);
    // The primary's own submission is numbered at once; the forwarded ones follow.
    expect(reference.map((event) => event.id)).toEqual([after[1], after[0], after[2]]);
    for (const node of [1, 2, 3, 4]) {
      const late = deliveries(sim.history, node).filter((event) => event.t > electedMs);
      expect(
        late.map((event) => event.id),
        `node ${node}`,
      ).toEqual(reference.map((event) => event.id));
      expect(late.map((event) => event.order)).toEqual([
        { seq: lastBefore + 1, primary: 4 },
        { seq: lastBefore + 2, primary: 4 },
        { seq: lastBefore + 3, primary: 4 },
      ]);
    }
    expect(verdicts(sim.history)).toMatchObject({ 'total-order': 'pass', 'election-safety': 'pass' });
  });

  it('loses what backups forwarded to the dead primary before they noticed (documented design)', () => {
    const sim = simulator(3, 8);
    sim.runUntil(1000);
    sim.crash(3);
    const lost = sim.submit(1, 'forwarded to a dead primary');
    sim.runUntil(7000);
    const kept = sim.submit(1, 'forwarded to the new one');
    sim.beginLiveness();
    sim.runUntil(10_000);
    sim.finish();
    expect(idsAt(sim.history, 2)).toEqual([kept]);
    expect(idsAt(sim.history, 1)).not.toContain(lost);
    expect(verdicts(sim.history)).toMatchObject({ 'eventual-delivery': 'fail', 'fifo-order': 'fail' });
  });
});

describe('primary-backup on the simulator: restarts', () => {
  it('brings a restarted old primary back as a backup that fetches what it missed, delivering nothing twice', () => {
    const sim = simulator(3, 11);
    workload(sim, 3, 100, 10, 40);
    sim.runUntil(1500);
    sim.crash(3);
    sim.runUntil(6000);
    const missed = [sim.submit(1, 'while 3 is down'), sim.submit(2, 'also while 3 is down')];
    sim.runUntil(7000);
    sim.restart(3);
    sim.runUntil(8000);
    const later = sim.submit(3, 'from 3 after its restart');
    sim.runUntil(9000);
    sim.finish();
    const sentSinceRestart = sentTypes(sim.history, 3, 7000);
    expect(sentSinceRestart).toContain('DISCOVER');
    expect(sentSinceRestart).toContain('SYNC_REQ');
    expect(sentSinceRestart).not.toContain('ELECTION');
    expect(sim.status(3)).toMatchObject({ role: 'backup', leader: 2 });
    expect(primaryAnnouncements(sim.history).filter((event) => event.t >= 7000)).toEqual([]);
    const atThree = idsAt(sim.history, 3);
    expect(atThree).toEqual(idsAt(sim.history, 2));
    expect(atThree).toEqual(expect.arrayContaining([...missed, later]));
    expect(verdicts(sim.history)).toMatchObject({ 'total-order': 'pass', 'exactly-once': 'pass' });
  });

  it('restarts a backup that syncs and keeps its place in the sequence', () => {
    const sim = simulator(3, 12);
    workload(sim, 3, 100, 10, 40);
    sim.runUntil(1000);
    sim.crash(1);
    workload(sim, 3, 1100, 10, 40);
    sim.runUntil(2000);
    sim.restart(1);
    workload(sim, 3, 2100, 10, 40);
    sim.runUntil(4000);
    sim.finish();
    const submitted = sim.history.events.filter((event) => event.type === 'submit').length;
    expect(submitted).toBeGreaterThan(20);
    expect(idsAt(sim.history, 1)).toEqual(idsAt(sim.history, 3));
    expect(idsAt(sim.history, 1)).toHaveLength(submitted);
    const synced = deliveries(sim.history, 1).filter((event) => event.t >= 2000 && event.t < 2100);
    expect(synced.length).toBeGreaterThan(0);
    expect(verdicts(sim.history)).toMatchObject({
      'total-order': 'pass',
      'exactly-once': 'pass',
      'election-safety': 'pass',
    });
  });
});

describe('primary-backup on the simulator: where the documented design breaks', () => {
  it('runs two primaries across a partition (no terms) and settles on the higher id after the heal', () => {
    const sim = simulator(3, 13);
    sim.runUntil(500);
    sim.partition([[3], [1, 2]]);
    const cutOff = sim.submit(3, 'numbered by the cut-off primary');
    sim.runUntil(5000);
    const other = sim.submit(1, 'numbered by the new primary');
    sim.runUntil(6000);
    expect(sim.status(2)?.role).toBe('primary');
    expect(sim.status(3)?.role).toBe('primary');
    sim.heal();
    sim.runUntil(9000);
    sim.finish();
    expect([1, 2, 3].map((node) => sim.status(node)?.leader)).toEqual([3, 3, 3]);
    const seqOf = (node: NodeId, id: SubmissionId | null) => orderOfDelivery(sim.history, node, id)?.seq;
    expect(seqOf(3, cutOff)).toBe(seqOf(2, other));
    const checked = runCheckers(sim.history, ['election-safety'])[0];
    expect(checked.status).toBe('fail');
    expect(Number(checked.details?.splitBrainMs)).toBeGreaterThan(3000);
  });

  it("has two primaries for a moment with crashes and restarts alone: Bully's race without terms", () => {
    // Constant latency makes the timing exact. Node 2 suspects the dead primary 3 and asks it (the ELECTION is
    // dropped: 3 is down); 3 restarts, and node 1's ELECTION (its discovery timed out) makes 3 primary 5 ms
    // before node 2's own election timer ends, 5 ms before 3's COORDINATOR can reach node 2.
    const network = { latency: { kind: 'constant', ms: 10 } } as const;
    const sim = new Simulator({ seed: 15, protocol: primaryBackup, nodeCount: 3, network });
    sim.start();
    sim.runUntil(1500);
    const heartbeatFromThree = () => sentTypes(sim.history, 3, 1500.5).includes('HEARTBEAT');
    expect(sim.runUntilCondition(heartbeatFromThree, 5000)).toBe(true);
    const heartbeatMs = sim.now;
    sim.crash(3);
    sim.crash(1);
    // Node 2 suspects at heartbeatMs + 10 + 2500 and would lead 1000 ms later; node 1's discovery ends 2500 ms
    // after its restart, and its ELECTION takes 10 ms to reach node 3.
    sim.schedule(heartbeatMs + 995, () => sim.restart(1));
    sim.schedule(heartbeatMs + 3000, () => sim.restart(3));
    sim.runUntil(heartbeatMs + 6000);
    sim.finish();
    const leaders = primaryAnnouncements(sim.history).filter((event) => event.t > heartbeatMs);
    expect(leaders.map((event) => [event.node, event.t - heartbeatMs])).toEqual([
      [3, 3505],
      [2, 3510],
    ]);
    const checked = runCheckers(sim.history, ['election-safety'])[0];
    expect(checked.status).toBe('fail');
    expect(checked.details?.splitBrainMs).toBe(5);
    expect([1, 2, 3].map((node) => sim.status(node)?.leader)).toEqual([3, 3, 3]);
  });

  it('hands a new primary that missed the last replication the same seq again', () => {
    const sim = simulator(3, 14);
    sim.runUntil(500);
    sim.cut(3, 2);
    const seen = sim.submit(3, 'replicated to node 1 only');
    sim.runUntil(600);
    sim.crash(3);
    sim.heal();
    sim.runUntil(5000);
    const reused = sim.submit(2, 'numbered again with the same seq');
    sim.beginLiveness();
    sim.runUntil(8000);
    sim.finish();
    const orderOf = (node: NodeId, id: SubmissionId | null) => orderOfDelivery(sim.history, node, id);
    expect(orderOf(1, seen)).toEqual({ seq: 1, primary: 3 });
    expect(orderOf(2, reused)).toEqual({ seq: 1, primary: 2 });
    // Node 1 already delivered a seq 1: it drops the new one as stale and never delivers it.
    expect(orderOf(1, reused)).toBeUndefined();
    expect(sim.status(1)?.details).toMatchObject({ dropped: { stale: 1 } });
    expect(verdicts(sim.history)).toMatchObject({ 'eventual-delivery': 'fail' });
  });
});
