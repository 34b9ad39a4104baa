import { describe, expect, it } from 'vitest';
import { runCheckers } from '../../check/index.ts';
import type { EventOf, History } from '../../core/history.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { Simulator } from '../../sim/index.ts';
import { causal } from './index.ts';
import { compareClocks } from './vector-clock.ts';

type Deliver = EventOf<'deliver'>;
type Network = ConstructorParameters<typeof Simulator>[0]['network'];

function simulator(nodeCount: number, seed: number, options: JsonObject = {}, network: Network = {}): Simulator {
  const sim = new Simulator({ seed, protocol: causal, nodeCount, options, network });
  sim.start();
  return sim;
}

function deliveries(history: History, node?: NodeId): Deliver[] {
  return history.events.filter(
    (event): event is Deliver => event.type === 'deliver' && (node === undefined || event.node === node),
  );
}

function hasDelivered(sim: Simulator, node: NodeId, id: SubmissionId | null): boolean {
  return deliveries(sim.history, node).some((event) => event.id === id);
}

/**
 * Causality as causal broadcast defines it, read from the history alone: a submission's past is everything its
 * node had delivered (its own submissions included) when it was submitted, closed under the pasts of those.
 * Returns one line per delivery made before some member of its past.
 */
function deliveryCausalityViolations(history: History): string[] {
  const pastOfNode = new Map<NodeId, Set<SubmissionId>>();
  const deliveredAt = new Map<NodeId, Set<SubmissionId>>();
  const pastOf = new Map<SubmissionId, Set<SubmissionId>>();
  const violations: string[] = [];
  for (const node of history.nodes) {
    pastOfNode.set(node, new Set());
    deliveredAt.set(node, new Set());
  }
  for (const event of history.events) {
    if (event.type === 'submit') pastOf.set(event.id, new Set(pastOfNode.get(event.node)));
    if (event.type !== 'deliver') continue;
    const past = pastOf.get(event.id) ?? new Set<SubmissionId>();
    const delivered = deliveredAt.get(event.node) ?? new Set<SubmissionId>();
    for (const earlier of past) {
      if (!delivered.has(earlier)) violations.push(`node ${event.node} delivered ${event.id} before ${earlier}`);
    }
    delivered.add(event.id);
    const nodePast = pastOfNode.get(event.node) ?? new Set<SubmissionId>();
    for (const earlier of past) nodePast.add(earlier);
    nodePast.add(event.id);
  }
  return violations;
}

/** How many messages were delivered later than they were received: the ones that waited in the buffer. */
function heldBack(history: History): number {
  const sentIds = new Map<number | string, unknown>();
  const deliveredAtMs = new Map<string, number>();
  for (const event of history.events) {
    if (event.type === 'send') sentIds.set(event.msg, (event.body as { id?: unknown }).id);
    if (event.type === 'deliver') deliveredAtMs.set(`${event.node}/${event.id}`, event.t);
  }
  let count = 0;
  for (const event of history.events) {
    if (event.type !== 'receive') continue;
    const deliveredMs = deliveredAtMs.get(`${event.node}/${String(sentIds.get(event.msg))}`);
    if (deliveredMs !== undefined && deliveredMs > event.t) count += 1;
  }
  return count;
}

function verdicts(history: History): Record<string, string> {
  return Object.fromEntries(runCheckers(history).map((verdict) => [verdict.checker, verdict.status]));
}

describe('causal on the simulator: seed 002 examples', () => {
  it('"simple message exchange": Hello [1,0,0], Hi [1,1,0], Hey both! [1,1,1], in that order everywhere', () => {
    // A slow link from node 1 to node 3 makes "Hi" reach node 3 before "Hello": it must wait in the buffer.
    const sim = simulator(3, 2, {}, { latency: { kind: 'constant', ms: 10 } });
    sim.setLink(1, 3, { latency: { kind: 'constant', ms: 200 } });
    const hello = sim.submit(1, 'Hello');
    sim.runUntilCondition(() => hasDelivered(sim, 2, hello), 1000);
    const hi = sim.submit(2, 'Hi');
    sim.runUntilCondition(() => hasDelivered(sim, 3, hello) && hasDelivered(sim, 3, hi), 1000);
    const hey = sim.submit(3, 'Hey both!');
    sim.runUntil(sim.now + 1000);
    sim.finish();

    for (const node of [1, 2, 3]) {
      const seen = deliveries(sim.history, node);
      expect(
        seen.map((event) => event.payload),
        `node ${node}`,
      ).toEqual(['Hello', 'Hi', 'Hey both!']);
      expect(seen.map((event) => event.order?.vc)).toEqual([
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ]);
    }
    const buffered = deliveries(sim.history, 3).map((event) => event.t);
    expect(buffered[0]).toBe(buffered[1]); // "Hi" waited for "Hello" and went right after it
    expect([hello, hi, hey]).not.toContain(null);
    expect(verdicts(sim.history)).toMatchObject({
      'causal-order': 'pass',
      'fifo-order': 'pass',
      'exactly-once': 'pass',
      'total-order': 'pass',
    });
  });

  it('"concurrent messages": First [1,0,0] and Also first [0,1,0] are concurrent, delivered in any order', () => {
    const sim = simulator(3, 5);
    const first = sim.submit(1, 'First');
    const alsoFirst = sim.submit(2, 'Also first');
    sim.runUntil(1000);
    sim.finish();
    const stamp = (id: SubmissionId | null) => deliveries(sim.history).find((event) => event.id === id)?.order?.vc;
    expect(stamp(first)).toEqual([1, 0, 0]);
    expect(stamp(alsoFirst)).toEqual([0, 1, 0]);
    expect(compareClocks([1, 0, 0], [0, 1, 0])).toBe('concurrent');
    // Each sender delivers its own at once, so nodes 1 and 2 disagree: causal order, not total order.
    expect(deliveries(sim.history, 1).map((event) => event.id)).toEqual([first, alsoFirst]);
    expect(deliveries(sim.history, 2).map((event) => event.id)).toEqual([alsoFirst, first]);
    expect(deliveries(sim.history, 3)).toHaveLength(2);
    expect(verdicts(sim.history)).toMatchObject({ 'total-order': 'fail', 'causal-order': 'pass' });
  });
});

/**
 * A causal chain (node 1 submits, node 2 submits once it delivered that, and so on to node N) over a background
 * of concurrent submissions at every node.
 */
function chainRun(nodeCount: number, seed: number, options: JsonObject = {}, network: Network = {}) {
  const sim = simulator(nodeCount, seed, options, network);
  for (let index = 0; index < 40; index += 1) {
    sim.schedule(index * 11, () => sim.submit(1 + (index % nodeCount), `background ${index}`));
  }
  const chain: SubmissionId[] = [];
  for (let node = 1; node <= nodeCount; node += 1) {
    const previous = chain.at(-1);
    if (previous !== undefined) sim.runUntilCondition(() => hasDelivered(sim, node, previous), sim.now + 5000);
    const id = sim.submit(node, `chain ${node}`);
    expect(id).not.toBeNull();
    chain.push(id as SubmissionId);
  }
  sim.beginLiveness();
  sim.runUntil(sim.now + 5000);
  sim.finish();
  return { sim, chain };
}

describe('causal on the simulator: fault-free runs', () => {
  const cases: { nodeCount: number; options: JsonObject; network: Network }[] = [
    { nodeCount: 3, options: {}, network: {} },
    { nodeCount: 5, options: {}, network: {} },
    { nodeCount: 3, options: { sendDelayMsMax: 300 }, network: { fifo: false } },
    { nodeCount: 5, options: { sendDelayMsMax: 300 }, network: { fifo: false } },
  ];
  for (const { nodeCount, options, network } of cases) {
    it(`delivers everything everywhere in causal order: ${nodeCount} nodes, ${JSON.stringify(options)}`, () => {
      for (const seed of [1, 2, 3]) {
        const { sim, chain } = chainRun(nodeCount, seed, options, network);
        const submitted = sim.history.events.filter((event) => event.type === 'submit').length;
        for (let node = 1; node <= nodeCount; node += 1) {
          const ids = deliveries(sim.history, node).map((event) => event.id);
          expect(ids, `seed ${seed} node ${node}`).toHaveLength(submitted);
          expect(new Set(ids).size).toBe(submitted);
          const positions = chain.map((id) => ids.indexOf(id));
          expect(positions, `seed ${seed} node ${node}: chain order`).toEqual([...positions].sort((a, b) => a - b));
        }
        expect(deliveryCausalityViolations(sim.history), `seed ${seed}`).toEqual([]);
        expect(verdicts(sim.history), `seed ${seed}`).toMatchObject({
          'fifo-order': 'pass',
          'exactly-once': 'pass',
          'eventual-delivery': 'pass',
        });
      }
    });
  }

  it('holds messages back when the demo delays reorder them, and not without delays on FIFO links', () => {
    expect(heldBack(chainRun(5, 4, { sendDelayMsMax: 300 }, { fifo: false }).sim.history)).toBeGreaterThan(0);
    expect(heldBack(chainRun(3, 4, {}, { latency: { kind: 'constant', ms: 10 } }).sim.history)).toBe(0);
  });

  it('runs the same from the same seed', () => {
    const digest = () => JSON.stringify(chainRun(5, 9, { sendDelayMsMax: 300 }, { fifo: false }).sim.history.events);
    expect(digest()).toBe(digest());
  });
});

describe('causal on the simulator: faults', () => {
  it('keeps causal order under loss and duplication, but loses liveness to loss', () => {
    const { sim } = chainRunWithFaults({ lossRate: 0.2, duplicateRate: 0.2 });
    expect(deliveryCausalityViolations(sim.history)).toEqual([]);
    expect(verdicts(sim.history)).toMatchObject({
      'fifo-order': 'pass',
      'exactly-once': 'pass',
      'eventual-delivery': 'fail',
    });
  });

  it('after a restart delivers nothing twice, and the messages it missed while down stay missing', () => {
    const sim = simulator(3, 6);
    sim.submit(1, 'before');
    sim.runUntil(500);
    sim.crash(3);
    sim.submit(1, 'while 3 is down');
    sim.runUntil(1000);
    sim.restart(3);
    sim.runUntil(1500);
    const after = sim.submit(1, 'after the restart');
    const own = sim.submit(3, 'from 3 after its restart');
    sim.beginLiveness();
    sim.runUntil(3000);
    sim.finish();
    const atThree = deliveries(sim.history, 3);
    expect(atThree.map((event) => event.payload)).toEqual(['before', 'from 3 after its restart']);
    expect(atThree[1].order?.vc).toEqual([1, 0, 1]);
    expect(sim.status(3)?.details).toMatchObject({ buffered: 1, waitingByOrigin: { '1': 1 } });
    expect(hasDelivered(sim, 3, after)).toBe(false);
    expect(hasDelivered(sim, 1, own)).toBe(true);
    expect(verdicts(sim.history)).toMatchObject({ 'exactly-once': 'pass', 'eventual-delivery': 'fail' });
    expect(deliveryCausalityViolations(sim.history)).toEqual([]);
  });
});

function chainRunWithFaults(network: Network) {
  const sim = simulator(4, 12, {}, network);
  for (let index = 0; index < 60; index += 1) sim.schedule(index * 13, () => sim.submit(1 + (index % 4), `m${index}`));
  sim.runUntil(2000);
  sim.beginLiveness();
  sim.runUntil(sim.now + 3000);
  sim.finish();
  return { sim };
}
