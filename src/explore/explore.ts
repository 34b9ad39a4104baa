import type { Verdict } from '../check/index.ts';
import type { Scenario } from '../scenarios/index.ts';
import { probe, type Probe } from './probe.ts';

export type ExhaustiveStrategy = 'bfs' | 'dfs';

export interface ExploreOptions {
  /** Its steps become events of the run (`schedule.steps: 'events'` is set here). */
  scenario: Scenario;
  seed: number;
  /** Safety checkers to judge after every event. */
  properties: readonly string[];
  strategy: ExhaustiveStrategy;
  /** Events fired at most along any path (default 30). */
  depthMax?: number;
  /** Re-executions at most (default 200000); the search stops there and says the bound was not exhausted. */
  statesMax?: number;
  /** Merge paths that reach the same state (default true). */
  fingerprints?: boolean;
  /** The sleep-set partial-order reduction (default true). */
  por?: boolean;
  /** Called with every state reached (its fingerprint and depth), for tests that compare searches. */
  onState?: (fingerprint: string, depth: number) => void;
  /** Called every so often with the counts so far (for a progress line). */
  onProgress?: (stats: ExploreStats) => void;
}

export interface ExploreStats {
  /** Re-executions: one per transition taken (the root included). */
  statesExplored: number;
  /** Distinct fingerprints seen. */
  uniqueStates: number;
  /** The deepest state reached, in events fired. */
  depthReached: number;
  /** Transitions the partial-order reduction did not take (asleep). */
  prunedByPor: number;
  /** Transitions not taken because they lead to a state already seen. */
  mergedByFingerprint: number;
}

export interface ExploreResult extends ExploreStats {
  /** Every state within the depth bound was explored (no state bound hit, no violation cut the search short). */
  exhausted: boolean;
  /** Exhausted, and no state at the depth bound had anything left to fire: the whole reachable space. */
  complete: boolean;
  depthMax: number;
  counterexample: Counterexample | null;
}

export interface Counterexample {
  property: string;
  verdict: Verdict;
  /** Events fired until the violation showed. */
  depth: number;
  /** The scenario with the schedule that replays it (`tob-lab run`). */
  scenario: Scenario;
}

export { DEFAULT_DEPTH_MAX, DEFAULT_STATES_MAX } from './limits.ts';
import { DEFAULT_DEPTH_MAX, DEFAULT_STATES_MAX } from './limits.ts';

interface Asleep {
  key: string;
  chain: number;
  neutral: boolean;
}

interface Frontier {
  prefix: number[];
  probe: Probe;
  sleep: Asleep[];
  /** On a revisit: only these moves (asleep at the first visit, awake now) are left to take. */
  only: Set<string> | null;
  depth: number;
}

/**
 * Two moves commute and neither disables the other when both are handled by different nodes and neither moves the
 * clock nor is a timeline step (which may touch any node or the network). See README "explore" for the argument.
 */
function independent(a: Asleep, b: Asleep): boolean {
  return a.neutral && b.neutral && a.chain !== 0 && b.chain !== 0 && a.chain !== b.chain;
}

/**
 * Bounded exhaustive search over the choice model of src/sim/strategies.ts. Breadth-first returns a shortest
 * counterexample; depth-first runs with iterative deepening (bounds 1, 2, ... depthMax), so its first finding is a
 * shortest one too. Deterministic: the same options give the same counts and the same counterexample.
 */
export function explore(options: ExploreOptions): ExploreResult {
  const depthMax = options.depthMax ?? DEFAULT_DEPTH_MAX;
  if (options.strategy === 'bfs') return search(options, depthMax, 'bfs', emptyStats());
  const total = emptyStats();
  let last: ExploreResult | null = null;
  for (let bound = 1; bound <= depthMax; bound += 1) {
    last = search(options, bound, 'dfs', total);
    if (last.counterexample !== null || !last.exhausted || last.complete) break;
  }
  return { ...(last as ExploreResult), depthMax };
}

function emptyStats(): ExploreStats {
  return { statesExplored: 0, uniqueStates: 0, depthReached: 0, prunedByPor: 0, mergedByFingerprint: 0 };
}

function search(options: ExploreOptions, depthMax: number, order: 'bfs' | 'dfs', stats: ExploreStats): ExploreResult {
  const scenario: Scenario = {
    ...options.scenario,
    schedule: { ...options.scenario.schedule, order: [], steps: 'events' },
  };
  const statesMax = options.statesMax ?? DEFAULT_STATES_MAX;
  const useFingerprints = options.fingerprints ?? true;
  const usePor = options.por ?? true;
  const visited = new Map<string, { sleep: Set<string>; depth: number }>();
  const run = (prefix: number[]): Probe => {
    stats.statesExplored += 1;
    if (stats.statesExplored % 500 === 0) options.onProgress?.({ ...stats, uniqueStates: visited.size });
    return probe(scenario, options.seed, prefix, options.properties);
  };
  const found = (at: Probe, depth: number): ExploreResult => ({
    ...stats,
    uniqueStates: visited.size,
    exhausted: false,
    complete: false,
    depthMax,
    counterexample: counterexampleOf(scenario, at, depth),
  });
  const root = run([]);
  visited.set(root.fingerprint, { sleep: new Set(), depth: 0 });
  if (root.violation !== null) return found(root, 0);
  const frontier: Frontier[] = [{ prefix: [], probe: root, sleep: [], only: null, depth: 0 }];
  let cutByBound = false;
  // Breadth-first reads the frontier from `head` on (shifting a long array is quadratic); depth-first pops it.
  let head = 0;
  while (head < frontier.length) {
    const node = (order === 'bfs' ? frontier[head++] : frontier.pop()) as Frontier;
    if (order === 'bfs' && head > 4_096 && head * 2 > frontier.length) {
      frontier.splice(0, head);
      head = 0;
    }
    if (node.depth >= depthMax) {
      if (node.probe.moves.length > 0) cutByBound = true;
      continue;
    }
    const explored: Asleep[] = [];
    const children: Frontier[] = [];
    const keys = new Set<string>();
    const asleep = new Set(node.sleep.map((entry) => entry.key));
    for (const move of node.probe.moves) {
      // Identical pending messages on an unordered link are interchangeable: one of them is enough.
      if (keys.has(move.key)) continue;
      keys.add(move.key);
      if (usePor && asleep.has(move.key)) {
        stats.prunedByPor += 1;
        continue;
      }
      if (node.only !== null && !node.only.has(move.key)) continue;
      if (stats.statesExplored >= statesMax) return stopped(stats, visited.size, depthMax);
      const prefix = [...node.prefix, move.seq];
      const child = run(prefix);
      const depth = node.depth + 1;
      options.onState?.(child.fingerprint, depth);
      stats.depthReached = Math.max(stats.depthReached, depth);
      if (child.violation !== null) return found(child, depth);
      const sleep = usePor ? [...node.sleep, ...explored].filter((entry) => independent(entry, move)) : [];
      explored.push({ key: move.key, chain: move.chain, neutral: move.neutral });
      const only = admit(visited, useFingerprints, child, sleep, depth, stats);
      if (only !== false) children.push({ prefix, probe: child, sleep, only, depth });
    }
    // Depth-first takes the first move first: push the children in reverse.
    frontier.push(...(order === 'bfs' ? children : children.reverse()));
  }
  return {
    ...stats,
    uniqueStates: visited.size,
    exhausted: true,
    complete: !cutByBound,
    depthMax,
    counterexample: null,
  };
}

/**
 * Whether to expand a state just reached, and what of it. A new state: everything (null). A state seen before:
 * nothing, unless it was reached shallower now (depth-first: expand it again with the larger budget) or some moves
 * asleep at the earlier visit are awake on this path (expand just those; the state keeps the smaller sleep set).
 * Without fingerprints every path is expanded (the tree search the reduction factors are measured against).
 */
function admit(
  visited: Map<string, { sleep: Set<string>; depth: number }>,
  useFingerprints: boolean,
  child: Probe,
  sleep: Asleep[],
  depth: number,
  stats: ExploreStats,
): Set<string> | null | false {
  const sleepKeys = new Set(sleep.map((entry) => entry.key));
  const seen = visited.get(child.fingerprint);
  if (!useFingerprints || seen === undefined || depth < seen.depth) {
    visited.set(child.fingerprint, { sleep: sleepKeys, depth });
    return null;
  }
  const awake = [...seen.sleep].filter((key) => !sleepKeys.has(key));
  if (awake.length === 0) {
    stats.mergedByFingerprint += 1;
    return false;
  }
  seen.sleep = new Set([...seen.sleep].filter((key) => sleepKeys.has(key)));
  return new Set(awake);
}

function stopped(stats: ExploreStats, uniqueStates: number, depthMax: number): ExploreResult {
  return { ...stats, uniqueStates, exhausted: false, complete: false, depthMax, counterexample: null };
}

function counterexampleOf(scenario: Scenario, at: Probe, depth: number): Counterexample {
  const verdict = at.violation as Verdict;
  return {
    property: verdict.checker,
    verdict,
    depth,
    scenario: { ...scenario, schedule: { ...scenario.schedule, order: at.schedule, steps: 'events' } },
  };
}
