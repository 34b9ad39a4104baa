import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyIndex, type History } from '../core/history.ts';
import { protocolByName } from '../protocols/index.ts';
import { Simulator } from '../sim/simulator.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';
import { runCheckers } from './registry.ts';
import { causalOrderChecker } from './causal-order.ts';
import { judgeTotalOrder } from './total-order.ts';

/**
 * Differential tests of the checkers' fast paths against the plain algorithms they replace: the total-order
 * prefix chain against the pairwise walk, and the index the simulator records against one built afresh.
 */

/** A node's delivery plan: a prefix of one shared order, or (a stray) a shuffle of some ids, maybe with repeats. */
interface Plan {
  stray: boolean;
  length: number;
  shuffle: number[];
  crashAfter: number | undefined;
}

const plan: fc.Arbitrary<Plan> = fc.record({
  stray: fc.boolean(),
  length: fc.integer({ min: 0, max: 8 }),
  shuffle: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 10 }),
  crashAfter: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
});

function buildHistory(plans: readonly Plan[], strayRate: number): History {
  const nodes = plans.map((_, index) => index + 1);
  const h = historyBuilder(nodes);
  const ids = Array.from({ length: 8 }, (_, index) => `s${index + 1}`);
  for (const id of ids) h.submit(1, id);
  plans.forEach((nodePlan, index) => {
    const node = index + 1;
    const stray = nodePlan.stray && index % strayRate === 0;
    const sequence = stray ? nodePlan.shuffle.map((pick) => ids[pick]) : ids.slice(0, nodePlan.length);
    sequence.forEach((id, position) => {
      if (position === nodePlan.crashAfter) h.crash(node);
      h.deliver(node, id);
    });
  });
  return h.build();
}

describe('checker fast paths', () => {
  it('total order: the prefix chain gives the pairwise walk verdict on every generated history', () => {
    let passes = 0;
    let fails = 0;
    fc.assert(
      fc.property(
        fc.array(plan, { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 1, max: 4 }),
        (plans, strayRate) => {
          const history = buildHistory(plans, strayRate);
          const fast = judgeTotalOrder(history, true);
          expect(fast).toEqual(judgeTotalOrder(history, false));
          if (fast.status === 'pass') passes += 1;
          else fails += 1;
        },
      ),
      { numRuns: 400, seed: 15 },
    );
    // Both outcomes must have been exercised, or the comparison proved little.
    expect(passes).toBeGreaterThan(20);
    expect(fails).toBeGreaterThan(20);
  });

  it('the index recorded while simulating equals one built from the events, and so do all verdicts', () => {
    for (const name of ['sequencer', 'causal', 'lamport']) {
      const protocol = protocolByName(name);
      if (protocol === undefined) throw new Error(`no protocol ${name}`);
      const sim = new Simulator({ seed: 3, protocol, nodeCount: 4, network: { lossRate: 0.05, duplicateRate: 0.05 } });
      sim.start();
      for (let step = 1; step <= 30; step += 1) {
        sim.runUntil(step * 40);
        sim.submit((step % 4) + 1, `m${step}`);
        if (step === 10) sim.crash(2);
        if (step === 20) sim.restart(2);
      }
      sim.beginLiveness();
      sim.runUntil(10_000);
      sim.finish();
      const recorded = sim.history.index;
      expect(recorded).toBeDefined();
      expect(historyIndex(sim.history)).toBe(recorded);
      const plain: History = { nodes: sim.history.nodes, events: sim.history.events.slice() };
      const built = historyIndex(plain);
      expect(built).not.toBe(recorded);
      expect(built.events).toEqual(recorded?.events);
      expect([...built.actingNodes].sort()).toEqual([...(recorded?.actingNodes ?? [])].sort());
      expect(runCheckers(sim.history)).toEqual(runCheckers(plain));
    }
  });

  it('an index that no longer matches its events (a copy with other events) is rebuilt, not trusted', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.deliverAll(1, ['s1']);
    const history = h.build();
    const first = historyIndex(history);
    history.events.push({
      i: history.events.length,
      t: 0,
      type: 'deliver',
      node: 2,
      id: 's1',
      origin: 1,
      payload: 'x',
    });
    expect(historyIndex(history)).not.toBe(first);
    expect(historyIndex(history).events).toHaveLength(3);
  });
});

/**
 * Causal order straight from its definition, for small histories: a submission's past is everything its node had
 * submitted or delivered before it, closed over those submissions' own pasts. Sets of ids, no vector clocks.
 */
function causalReference(history: History): { checked: number; violations: number; firstMissing: string | null } {
  const known = new Map<number, Set<string>>();
  const pastOf = new Map<string, Set<string>>();
  const delivered = new Map<number, Set<string>>();
  let checked = 0;
  let violations = 0;
  let firstMissing: string | null = null;
  const submitOrder = history.events.filter((event) => event.type === 'submit').map((event) => event.id);
  for (const event of history.events) {
    if (event.type !== 'submit' && event.type !== 'deliver') continue;
    const nodeKnows = known.get(event.node) ?? new Set<string>();
    known.set(event.node, nodeKnows);
    if (event.type === 'submit') {
      pastOf.set(event.id, new Set(nodeKnows));
      nodeKnows.add(event.id);
      continue;
    }
    const past = pastOf.get(event.id);
    for (const id of past ?? []) nodeKnows.add(id);
    nodeKnows.add(event.id);
    const nodeDelivered = delivered.get(event.node) ?? new Set<string>();
    delivered.set(event.node, nodeDelivered);
    if (past === undefined || nodeDelivered.has(event.id)) continue;
    checked += 1;
    const missing = [...past].filter((id) => !nodeDelivered.has(id));
    nodeDelivered.add(event.id);
    if (missing.length === 0) continue;
    violations += 1;
    // The checker names, for the first origin (in first-submit order) with a gap, that origin's first undelivered.
    if (firstMissing === null) {
      const originOf = new Map(history.events.flatMap((e) => (e.type === 'submit' ? [[e.id, e.node] as const] : [])));
      const origins = [...new Set(submitOrder.map((id) => originOf.get(id)))];
      const gapOrigin = origins.find((origin) => missing.some((id) => originOf.get(id) === origin));
      firstMissing = submitOrder.find((id) => originOf.get(id) === gapOrigin && missing.includes(id)) ?? null;
    }
  }
  return { checked, violations, firstMissing };
}

describe('causal order against its definition', () => {
  const step = fc.record({
    kind: fc.constantFrom('submit', 'deliver', 'deliver', 'deliver'),
    node: fc.integer({ min: 1, max: 4 }),
    pick: fc.nat(),
  });

  it('finds the same deliveries, violations and first missing submission on generated histories', () => {
    let failing = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const h = historyBuilder([1, 2, 3, 4]);
        const submitted: string[] = [];
        for (const { kind, node, pick } of steps) {
          if (kind === 'submit' || submitted.length === 0) {
            submitted.push(`s${submitted.length + 1}`);
            h.submit(node, submitted[submitted.length - 1]);
          } else h.deliver(node, submitted[pick % submitted.length]);
        }
        const history = h.build();
        const verdict = causalOrderChecker.check(history);
        const reference = causalReference(history);
        expect(verdict.details).toMatchObject({
          deliveriesChecked: reference.checked,
          violations: reference.violations,
        });
        expect(verdict.status).toBe(reference.violations === 0 ? 'pass' : 'fail');
        if (verdict.status === 'fail') {
          failing += 1;
          expect(
            verdict.evidence.find((event) => event.type === 'submit' && event.id === reference.firstMissing),
          ).toBeDefined();
        }
      }),
      { numRuns: 300, seed: 15 },
    );
    expect(failing).toBeGreaterThan(30);
  });
});
