import { describe, expect, it } from 'vitest';
import { explore, exploreScenario } from '../src/explore/index.ts';

/**
 * Pinned state counts of bounded searches where the property holds. A change in a count is a change in the
 * protocol (it reaches other states), in the simulator, or in the explorer (its choice model, fingerprints or
 * reduction): explain it in the commit that re-pins.
 */
describe('bounded exhaustive search on protocols whose promise holds', () => {
  it('causal, 3 nodes, 2 submissions, one crash: every reachable state seen, no causal-order violation', () => {
    const scenario = exploreScenario({ protocol: 'causal', nodes: 3, submits: 2, faults: ['crash'] });
    const result = explore({
      scenario,
      seed: 1,
      properties: ['causal-order', 'exactly-once'],
      strategy: 'bfs',
      depthMax: 30,
    });
    expect(result.counterexample).toBeNull();
    expect(result).toMatchObject({ exhausted: true, complete: true });
    expect({
      statesExplored: result.statesExplored,
      uniqueStates: result.uniqueStates,
      depthReached: result.depthReached,
      prunedByPor: result.prunedByPor,
      mergedByFingerprint: result.mergedByFingerprint,
    }).toEqual({ statesExplored: 285, uniqueStates: 163, depthReached: 7, prunedByPor: 92, mergedByFingerprint: 85 });
    const dfs = explore({
      scenario,
      seed: 1,
      properties: ['causal-order', 'exactly-once'],
      strategy: 'dfs',
      depthMax: 30,
    });
    expect(dfs.counterexample).toBeNull();
    expect(dfs.uniqueStates).toBe(result.uniqueStates);
  });

  it('raft, 3 nodes, 2 submissions, one crash anywhere, messages within 10 ms: the bound is exhausted, no violation', () => {
    // The delivery bound keeps heartbeats (50 ms) and election timeouts (150-300 ms) from firing on a message merely
    // in flight; the crash of node 1 may fall anywhere. The first delivery is 7 events deep, so depth 14 covers
    // elections, commits and deliveries with the crash before, during and after them. (Since the leader holds new
    // entries for a follower that owes it an answer, and the election timer is no longer re-armed on every
    // APPEND, fewer messages and timers are in flight at each step: fewer states than the 25,142 of before.)
    const scenario = exploreScenario({
      protocol: 'raft',
      nodes: 3,
      submits: 2,
      faults: ['crash'],
      deliveryBoundMs: 10,
    });
    const properties = ['total-order', 'exactly-once', 'fifo-order', 'election-safety'];
    const result = explore({ scenario, seed: 1, properties, strategy: 'bfs', depthMax: 14 });
    expect(result.counterexample).toBeNull();
    expect(result.exhausted).toBe(true);
    expect({
      statesExplored: result.statesExplored,
      uniqueStates: result.uniqueStates,
      depthReached: result.depthReached,
      prunedByPor: result.prunedByPor,
      mergedByFingerprint: result.mergedByFingerprint,
    }).toEqual({
      statesExplored: 14_778,
      uniqueStates: 7_050,
      depthReached: 14,
      prunedByPor: 4_197,
      mergedByFingerprint: 5_635,
    });
  }, 120_000);

  it('the reduction only prunes: with and without it the same bounded search reaches the very same states', () => {
    for (const [protocol, depthMax, deliveryBoundMs] of [
      ['lamport', 5, undefined],
      ['isis', 7, 1_000],
    ] as const) {
      const scenario = exploreScenario({ protocol, nodes: 3, submits: 2, deliveryBoundMs });
      const reached = (por: boolean) => {
        const states = new Map<string, number>();
        const result = explore({
          scenario,
          seed: 1,
          properties: ['total-order'],
          strategy: 'bfs',
          depthMax,
          por,
          onState: (fingerprint, depth) => states.set(fingerprint, Math.min(states.get(fingerprint) ?? depth, depth)),
        });
        return { states, result };
      };
      const reduced = reached(true);
      const full = reached(false);
      expect(reduced.result.counterexample, protocol).toBeNull();
      // Same states, each at the same (shortest) depth, with fewer transitions taken.
      expect([...reduced.states].sort(), protocol).toEqual([...full.states].sort());
      expect(reduced.result.statesExplored).toBeLessThan(full.result.statesExplored);
    }
  });
});
