import fc from 'fast-check';
import type { Verdict } from '../check/index.ts';
import { DrawnScheduler, PctScheduler } from '../sim/strategies.ts';
import { caseArbitrary, PCT_STEPS_MAX, type GeneratedCase, type GenerateOptions } from './generate.ts';
import { runScenario, type RunResult } from '../scenarios/runner.ts';

export interface SearchOptions extends GenerateOptions {
  /** Properties (checker names) to judge; a case violates when any of them fails. */
  properties: readonly string[];
  /** Cases to try: indices 0 .. runs - 1. */
  runs: number;
  /** The search seed; case k is generated from seed + k alone, so any slice of the range runs on its own. */
  seed: number;
  /** Shrink attempts at most after a failure (default 1000); a count, so the result stays deterministic. */
  shrinkRunsMax?: number;
  /** Run only the cases whose index i satisfies i % count === index - 1 (a shard of a larger sweep). */
  shard?: { index: number; count: number };
  /** Called after every case with the number of failing cases so far (for progress displays). */
  onRun?: (violations: number) => void;
  /**
   * Called before every run of a case or of a shrink candidate, with the case: the hook a worker thread's
   * keep-alive hangs on (search code may read the clock there; protocol code never does). Not sent to threads.
   */
  onCaseRun?: (generated: GeneratedCase) => void;
  /**
   * The watchdog (sweep() on worker threads only): a case whose thread sends nothing for this long ends the
   * search with a stall, since a handler that never returns cannot be interrupted in its own thread. Given, it
   * puts even a one-worker search on a thread; default 60 when the search runs on threads anyway.
   */
  stallSeconds?: number;
}

export const DEFAULT_SHRINK_RUNS_MAX = 1_000;
/** Runs of the step-by-step pass after fast-check's shrinking, at most (its own budget: see pruneSteps). */
export const PRUNE_RUNS_MAX = 300;

export interface Violation {
  property: string;
  /** The smallest failing case fast-check found, and the run of it. */
  shrunk: GeneratedCase;
  result: RunResult;
  verdict: Verdict;
  shrinks: number;
  /** The failing case's index in the sweep and the fast-check seed it was generated from. */
  caseIndex: number;
  caseSeed: number;
  /** How many cases this search ran up to and including the failing one. */
  runsToFind: number;
}

/** A case whose thread went silent: it was stopped, so nothing is known of it but where it is and for how long. */
export interface Stall {
  caseIndex: number;
  caseSeed: number;
  /** How long the case had been running, and how long its thread had sent nothing, when it was stopped. */
  runningMs: number;
  silentMs: number;
}

export interface SearchResult {
  runs: number;
  violation: Violation | null;
  /** Set (and violation null) when a case stalled before any lower case failed: see SearchOptions.stallSeconds. */
  stall?: Stall;
}

/** What a stall is reported as: like a protocol error, a broken promise of the protocol (a handler never returned). */
export const PROTOCOL_STALL = 'protocol-stall';

/** Runs a generated case under its own order, if it has one; `schedule` is then the order to save with it. */
export function runGenerated(generated: GeneratedCase): { result: RunResult; schedule: number[] | null } {
  const order = generated.order;
  if (order === undefined) return { result: runScenario(generated.scenario, { seed: generated.seed }), schedule: null };
  const scheduler =
    order.kind === 'pct'
      ? new PctScheduler({ seed: order.seed, depth: order.depth, stepsMax: PCT_STEPS_MAX })
      : new DrawnScheduler(order.deviations);
  const result = runScenario(generated.scenario, { seed: generated.seed, scheduler });
  return { result, schedule: scheduler.schedule() };
}

/** The fast-check seed of case `index`: results carry it, so shards and workers merge by it. */
export function caseSeed(seed: number, index: number): number {
  return (seed + index) | 0;
}

/** A protocol that throws has broken an invariant of its own: a safety violation, whatever the checkers say. */
export const PROTOCOL_ERROR = 'protocol-error';

/** The first of `properties` that fails in this run, with its verdict, or null when all hold. */
export function firstViolation(result: RunResult, properties: readonly string[]): Verdict | null {
  if (result.protocolError !== null) {
    return {
      checker: PROTOCOL_ERROR as Verdict['checker'],
      kind: 'safety',
      status: 'fail',
      summary: result.protocolError,
      evidence: result.history.events.slice(-3),
    };
  }
  for (const property of properties) {
    const verdict = result.verdicts.find((candidate) => candidate.checker === property);
    if (verdict?.status === 'fail') return verdict;
  }
  return null;
}

export function shardIndices(options: Pick<SearchOptions, 'runs' | 'shard'>): number[] {
  const all = Array.from({ length: options.runs }, (_, index) => index);
  const shard = options.shard;
  return shard === undefined ? all : all.filter((index) => index % shard.count === shard.index - 1);
}

/** Runs the cases in index order and returns the first violation, shrunk. */
export function searchViolation(options: SearchOptions): SearchResult {
  let runs = 0;
  let failures = 0;
  for (const index of shardIndices(options)) {
    runs += 1;
    const violation = runCase(options, index);
    if (violation !== null) failures += 1;
    options.onRun?.(failures);
    if (violation !== null) return { runs, violation: { ...violation, runsToFind: runs } };
  }
  return { runs, violation: null };
}

/**
 * Generates and runs case `index`; if it breaks a property, shrinks it while the same property keeps failing
 * (shrinking toward another property's failure would hand the user a different bug than the one found).
 */
export function runCase(options: SearchOptions, index: number): Violation | null {
  const seed = caseSeed(options.seed, index);
  let target: string | null = null;
  let shrinkRuns = 0;
  const shrinkRunsMax = options.shrinkRunsMax ?? DEFAULT_SHRINK_RUNS_MAX;
  const property = fc.property(caseArbitrary(options), (generated) => {
    options.onCaseRun?.(generated);
    if (target !== null) {
      // Past the budget every candidate "passes", so fast-check keeps the smallest failure found so far.
      if (shrinkRuns >= shrinkRunsMax) return true;
      shrinkRuns += 1;
    }
    const result = runGenerated(generated).result;
    const verdict = firstViolation(result, target === null ? options.properties : [target]);
    if (verdict !== null && target === null) target = verdict.checker;
    return verdict === null;
  });
  const details = fc.check(property, { numRuns: 1, seed });
  if (!details.failed || details.counterexample === null || target === null) return null;
  const [drawn] = details.counterexample;
  const pruned = pruneSteps(drawn, target, PRUNE_RUNS_MAX, options.onCaseRun);
  const { result, schedule } = runGenerated(pruned.shrunk);
  // A case with an order of its own is saved with the events it fired, so it replays without the strategy.
  const shrunk: GeneratedCase =
    schedule === null
      ? pruned.shrunk
      : { ...pruned.shrunk, scenario: { ...pruned.shrunk.scenario, schedule: { order: schedule } } };
  const verdict = firstViolation(result, [target]);
  if (verdict === null) return null;
  const shrinks = details.numShrinks + pruned.removed;
  return { property: target, shrunk, result, verdict, shrinks, caseIndex: index, caseSeed: seed, runsToFind: 1 };
}

/**
 * Case `index` as runCase first runs it, regenerated without running it: fast-check's first value of the case
 * arbitrary under the case seed (test/stall.test.ts checks it against what runCase runs). The watchdog uses it
 * to save a case that never finished.
 */
export function firstCase(options: Omit<SearchOptions, 'onRun' | 'onCaseRun'>, index: number): GeneratedCase {
  let first: GeneratedCase | null = null;
  const property = fc.property(caseArbitrary(options), (generated) => {
    first ??= generated;
    return true;
  });
  fc.check(property, { numRuns: 1, seed: caseSeed(options.seed, index) });
  if (first === null) throw new Error(`fast-check generated no case for index ${index}: a bug in tob-lab`);
  return first;
}

/**
 * A last shrinking pass over the steps themselves: fast-check shrinks the generator's structure (a fault window
 * goes or stays whole), which can leave a step nothing needs, such as a restart of a node whose crash point never
 * fired or the second half of a window. Each step is dropped in turn, last first, while the property still fails;
 * bounded by `runsMax` runs, so the result stays deterministic.
 */
export function pruneSteps(
  generated: GeneratedCase,
  property: string,
  runsMax: number,
  onCaseRun?: (generated: GeneratedCase) => void,
): { shrunk: GeneratedCase; removed: number } {
  return pruneStepsWhile(
    generated,
    (candidate) => {
      onCaseRun?.(candidate);
      return firstViolation(runGenerated(candidate).result, [property]) !== null;
    },
    runsMax,
  );
}

/** The step-by-step pass with its own test of a candidate: a step stays dropped while `stillFails` holds. */
export function pruneStepsWhile(
  generated: GeneratedCase,
  stillFails: (candidate: GeneratedCase) => boolean,
  runsMax: number,
): { shrunk: GeneratedCase; removed: number } {
  let current = generated;
  let removed = 0;
  let runs = 0;
  for (let changed = true; changed && runs < runsMax;) {
    changed = false;
    for (let index = current.scenario.steps.length - 1; index >= 0 && runs < runsMax; index -= 1) {
      const steps = current.scenario.steps.filter((_, position) => position !== index);
      const candidate: GeneratedCase = { ...current, scenario: { ...current.scenario, steps } };
      runs += 1;
      if (!stillFails(candidate)) continue;
      current = candidate;
      removed += 1;
      changed = true;
    }
  }
  return { shrunk: current, removed };
}
