import fc from 'fast-check';
import type { Verdict } from '../check/index.ts';
import { caseArbitrary, type GeneratedCase, type GenerateOptions } from './generate.ts';
import { runScenario, type RunResult } from './runner.ts';

export interface SearchOptions extends GenerateOptions {
  /** Properties (checker names) to judge; a case violates when any of them fails. */
  properties: readonly string[];
  runs: number;
  /** fast-check's seed: with the options, it fixes every case the search tries. */
  seed: number;
  /** Shrink attempts at most after the first failure (default 1000); a count, so the result stays deterministic. */
  shrinkRunsMax?: number;
  /** Called after every run with the number of failing runs so far (for progress displays). */
  onRun?: (violations: number) => void;
}

export const DEFAULT_SHRINK_RUNS_MAX = 1_000;

export interface Violation {
  property: string;
  /** The smallest failing case fast-check found, and the run of it. */
  shrunk: GeneratedCase;
  result: RunResult;
  verdict: Verdict;
  shrinks: number;
  /** How many generated cases ran before the first failure (1-based). */
  runsToFind: number;
}

export interface SearchResult {
  runs: number;
  violation: Violation | null;
}

/** The first of `properties` that fails in this run, with its verdict, or null when all hold. */
export function firstViolation(result: RunResult, properties: readonly string[]): Verdict | null {
  for (const property of properties) {
    const verdict = result.verdicts.find((candidate) => candidate.checker === property);
    if (verdict?.status === 'fail') return verdict;
  }
  return null;
}

/**
 * Runs generated cases until one breaks a property, then shrinks it while the same property keeps failing
 * (shrinking toward another property's failure would hand the user a different bug than the one found).
 */
export function searchViolation(options: SearchOptions): SearchResult {
  let target: string | null = null;
  let tried = 0;
  let runsToFind = 0;
  let failures = 0;
  const shrinkRunsMax = options.shrinkRunsMax ?? DEFAULT_SHRINK_RUNS_MAX;
  const property = fc.property(caseArbitrary(options), (generated) => {
    // Past the budget every candidate "passes", so fast-check keeps the smallest failure found so far.
    if (target !== null && tried - runsToFind >= shrinkRunsMax) return true;
    tried += 1;
    const result = runScenario(generated.scenario, { seed: generated.seed });
    const verdict = firstViolation(result, target === null ? options.properties : [target]);
    if (verdict !== null && target === null) {
      target = verdict.checker;
      runsToFind = tried;
    }
    if (verdict !== null) failures += 1;
    options.onRun?.(failures);
    return verdict === null;
  });
  const details = fc.check(property, { numRuns: options.runs, seed: options.seed, endOnFailure: false });
  if (!details.failed || details.counterexample === null || target === null) {
    return { runs: details.numRuns, violation: null };
  }
  const [shrunk] = details.counterexample;
  const result = runScenario(shrunk.scenario, { seed: shrunk.seed });
  const verdict = firstViolation(result, [target]);
  if (verdict === null) return { runs: details.numRuns, violation: null };
  return {
    runs: runsToFind,
    violation: { property: target, shrunk, result, verdict, shrinks: details.numShrinks, runsToFind },
  };
}
