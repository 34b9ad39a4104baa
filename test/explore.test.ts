import { afterAll, describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../src/core/node.ts';
import { eventsToViolation, explore, exploreScenario, randomExplore } from '../src/explore/index.ts';
import { Holdback, type OrderKey } from '../src/protocols/isis/holdback.ts';
import { isis } from '../src/protocols/isis/index.ts';
import { runScenario } from '../src/scenarios/index.ts';
import { searchViolation } from '../src/search/index.ts';
import { differentialSearch, withPlantedBug, type PlantedSwitch } from './mutants/differential.ts';
import { lamportAllPeers, lamportOffByOne } from './mutants/lamport-stability-off-by-one.ts';

describe('explore finds the documented Lamport stability rule breaking total order', () => {
  const scenario = exploreScenario({ protocol: 'lamport', nodes: 3, submits: 2 });
  const bfs = explore({ scenario, seed: 1, properties: ['total-order'], strategy: 'bfs', depthMax: 12 });

  it('breadth-first returns a counterexample that replays with tob-lab run', () => {
    expect(bfs.counterexample?.property).toBe('total-order');
    const replayed = runScenario(bfs.counterexample!.scenario, { seed: 1 });
    expect(replayed.verdicts.find((verdict) => verdict.checker === 'total-order')?.status).toBe('fail');
    expect(eventsToViolation(bfs.counterexample!.scenario, 1, 'total-order')).toHaveLength(bfs.counterexample!.depth);
  });

  it('is a shortest one: one event less, the whole bounded space holds total order', () => {
    const depth = bfs.counterexample!.depth;
    const shorter = explore({ scenario, seed: 1, properties: ['total-order'], strategy: 'bfs', depthMax: depth - 1 });
    expect(shorter.counterexample).toBeNull();
    expect(shorter.exhausted).toBe(true);
    const dfs = explore({ scenario, seed: 1, properties: ['total-order'], strategy: 'dfs', depthMax: 12 });
    expect(dfs.counterexample?.depth).toBe(depth);
  });

  it('is no longer than the random search’s shrunk counterexample', () => {
    const random = searchViolation({
      protocol: 'lamport',
      nodes: 3,
      faults: ['none'],
      properties: ['total-order'],
      runs: 200,
      seed: 5,
    });
    expect(random.violation, 'the random search found nothing to compare with').not.toBeNull();
    const { scenario: shrunk, seed } = random.violation!.shrunk;
    const randomLength = eventsToViolation(shrunk, seed, 'total-order')?.length;
    expect(randomLength).toBeDefined();
    expect(bfs.counterexample!.depth).toBeLessThanOrEqual(randomLength!);
  });

  it('is deterministic: the same search gives the same counts and the same counterexample', () => {
    const again = explore({ scenario, seed: 1, properties: ['total-order'], strategy: 'bfs', depthMax: 12 });
    expect(again).toEqual(bfs);
  });
});

/** The ISIS tie-break mutant of test/mutants/isis-tie-break.test.ts: holdback ordered by final timestamp alone. */
const planted: PlantedSwitch = { on: false };
type Positioned = { entries(): readonly { key: OrderKey }[] };
const prototype = Holdback.prototype as unknown as Record<string, (this: Positioned, key: OrderKey) => number>;
const realPositionOf = prototype.positionOf;
prototype.positionOf = function positionOf(this: Positioned, key: OrderKey): number {
  if (!planted.on) return realPositionOf.call(this, key);
  const sorted = this.entries();
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle].key.ts < key.ts) low = middle + 1;
    else high = middle;
  }
  return low;
};
afterAll(() => {
  prototype.positionOf = realPositionOf;
});

describe('explore finds the ISIS tie-break mutant', () => {
  const original = isis as unknown as ProtocolDefinition;
  const mutant = withPlantedBug(original, planted, 'mutant-isis-tie-break');
  // Messages arrive within 1 s: below ISIS's 5 s proposal timeout, whose known weakness under delay is not the bug.
  const workload = { nodes: 3, submits: 2, deliveryBoundMs: 1_000 };

  it('as a shortest counterexample that the real tie-break does not have, no longer than the random search’s', () => {
    const found = explore({
      scenario: exploreScenario({ ...workload, protocol: mutant }),
      seed: 1,
      properties: ['total-order'],
      strategy: 'bfs',
      depthMax: 14,
    });
    expect(found.counterexample?.property).toBe('total-order');
    const depth = found.counterexample!.depth;
    const clean = explore({
      scenario: exploreScenario({ ...workload, protocol: original }),
      seed: 1,
      properties: ['total-order'],
      strategy: 'bfs',
      depthMax: depth,
    });
    expect(clean.counterexample).toBeNull();
    expect(clean.exhausted).toBe(true);
    const shorter = explore({
      scenario: exploreScenario({ ...workload, protocol: mutant }),
      seed: 1,
      properties: ['total-order'],
      strategy: 'bfs',
      depthMax: depth - 1,
    });
    expect(shorter.counterexample).toBeNull();

    const random = differentialSearch({
      mutant,
      original,
      faults: ['none'],
      properties: ['total-order'],
      runs: 500,
      seed: 42,
    });
    expect(random, 'the random search found nothing to compare with').not.toBeNull();
    const shrunk = { ...random!.shrunk.scenario, cluster: { ...random!.shrunk.scenario.cluster, protocol: mutant } };
    const randomLength = eventsToViolation(shrunk, random!.shrunk.seed, 'total-order')?.length;
    expect(randomLength).toBeDefined();
    expect(depth).toBeLessThanOrEqual(randomLength!);
  });
});

describe('a planted off-by-one in Lamport’s corrected stability rule', () => {
  // Two nodes each submit twice: the head stamped ts counts as stable once a peer's clock reached ts - 1.
  const workload = { nodes: 3, submits: 4, submitAt: [1, 2] };

  it('escapes 3,000 runs of the random search at 3 nodes in worlds of one latency for all links', () => {
    const finding = differentialSearch({
      mutant: lamportOffByOne as unknown as ProtocolDefinition,
      original: lamportAllPeers as unknown as ProtocolDefinition,
      faults: ['none'],
      properties: ['total-order'],
      runs: 3_000,
      seed: 42,
      linkLatencies: false,
    });
    expect(finding).toBeNull();
  }, 120_000);

  it('is found by the random search once worlds draw a latency per link (unequal paths let a clock overtake)', () => {
    const finding = differentialSearch({
      mutant: lamportOffByOne as unknown as ProtocolDefinition,
      original: lamportAllPeers as unknown as ProtocolDefinition,
      faults: ['none'],
      properties: ['total-order'],
      runs: 3_000,
      seed: 42,
    });
    expect(finding?.property).toBe('total-order');
    expect(finding?.shrunk.scenario.links).toBeDefined();
  }, 120_000);

  it('is found by PCT and by drawn orders, and the correct rule holds under the same runs', () => {
    const mutant = exploreScenario({ ...workload, protocol: lamportOffByOne as unknown as ProtocolDefinition });
    const pct = randomExplore({ scenario: mutant, seed: 1, properties: ['total-order'], strategy: 'pct', runs: 1_000 });
    expect(pct.counterexample?.property).toBe('total-order');
    const replayed = runScenario(pct.counterexample!.scenario, { seed: 1 });
    expect(replayed.verdicts.find((verdict) => verdict.checker === 'total-order')?.status).toBe('fail');
    const drawn = randomExplore({
      scenario: mutant,
      seed: 1,
      properties: ['total-order'],
      strategy: 'drawn',
      runs: 1_000,
    });
    expect(drawn.counterexample?.property).toBe('total-order');

    const correct = exploreScenario({ ...workload, protocol: lamportAllPeers as unknown as ProtocolDefinition });
    const clean = randomExplore({
      scenario: correct,
      seed: 1,
      properties: ['total-order'],
      strategy: 'pct',
      runs: pct.runs,
    });
    expect(clean.counterexample).toBeNull();
  }, 60_000);
});
