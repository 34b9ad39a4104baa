import { describeTrigger, type Condition, type Scenario, type Step } from './dsl.ts';
import type { World } from './world.ts';

export const DEFAULT_SETTLE_MS = 5_000;
export const DEFAULT_LIVENESS_MS = 30_000;
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

export interface SkippedStep {
  index: number;
  step: Step;
}

export interface RunBounds {
  /** Bound on the liveness phase, in the world's ms (not scaled: it is protocol time). */
  livenessMs: number;
  /** After everything is delivered, this much longer, so late duplicates still show up. */
  quietMs: number;
}

export interface InterpretedRun {
  skipped: SkippedStep[];
  /** When the safety phase ended (the timeline and its settle time), on the world's clock. */
  safetyEndMs: number;
}

/**
 * The one interpreter of a scenario, for every world: the timeline, then the settle time, then the liveness phase
 * (every fault healed; it ends when everything owed is delivered, plus a quiet time, or at its bound). It yields
 * what the world returned for each call, for the world's driver to carry out, and gets back the result. What it
 * learns is written into `into` as it goes, so a run that stops with an error (a protocol that threw) still
 * reports the skipped steps and the end of the safety phase it reached.
 */
export function* interpretRun<P>(
  world: World<P>,
  scenario: Scenario,
  bounds: RunBounds,
  into: InterpretedRun = { skipped: [], safetyEndMs: 0 },
): Generator<P, InterpretedRun, unknown> {
  into.skipped.push(...(yield* interpretTimeline(world, scenario)));
  into.safetyEndMs = world.nowMs() + (scenario.settleMs ?? DEFAULT_SETTLE_MS) / world.timelineScale;
  yield world.advanceTo(into.safetyEndMs);
  yield world.beginLiveness();
  const livenessEndMs = world.nowMs() + bounds.livenessMs;
  if ((yield world.waitFor(() => world.settled(), livenessEndMs)) === true) {
    world.narrate('every message is delivered at every node that is up');
    yield world.advanceTo(Math.min(world.nowMs() + bounds.quietMs, livenessEndMs));
  } else {
    world.narrate('the liveness phase reached its bound with messages still undelivered');
  }
  yield world.finish();
  return into;
}

/**
 * Runs the steps in order: each waits for its trigger (a time, a delay after the previous step, or a condition)
 * and then acts. A step whose condition does not hold within its timeout is skipped and reported.
 */
export function* interpretTimeline<P>(world: World<P>, scenario: Scenario): Generator<P, SkippedStep[], unknown> {
  const skipped: SkippedStep[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    if (world.stopped()) break;
    if (step.atMs !== undefined) yield world.advanceTo(Math.max(step.atMs / world.timelineScale, world.nowMs()));
    else if (step.afterMs !== undefined) yield world.advanceTo(world.nowMs() + step.afterMs / world.timelineScale);
    else if (step.when !== undefined) {
      const condition = step.when;
      const deadlineMs = world.nowMs() + (step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
      const before = leadershipNow(world);
      if ((yield world.waitFor(() => conditionHolds(world, condition, before), deadlineMs)) !== true) {
        world.narrate(`skipped step ${index + 1}: the condition did not hold (${describeTrigger(step)})`);
        skipped.push({ index, step });
        continue;
      }
    }
    yield world.perform(step.action);
  }
  return skipped;
}

/** Who leads in which term right now: what a `new` leader condition compares against. */
export function leadershipNow<P>(world: World<P>): ReadonlyMap<number, number> {
  const terms = new Map<number, number>();
  for (const node of world.nodes) {
    const term = world.leaderTerm(node);
    if (term !== null) terms.set(node, term);
  }
  return terms;
}

/** Whether the condition holds; `before` is the leadership when the wait began (for a `new` leader). */
export function conditionHolds<P>(
  world: World<P>,
  condition: Condition,
  before: ReadonlyMap<number, number> = new Map(),
): boolean {
  if ('leader' in condition && condition.new === true) {
    const candidates = condition.leader === 'any' ? world.nodes : [condition.leader];
    return candidates.some((node) => {
      const term = world.leaderTerm(node);
      return term !== null && before.get(node) !== term;
    });
  }
  if ('leader' in condition) return world.leads(condition.leader);
  if ('delivered' in condition) return world.deliveredCount(condition.delivered.node) >= condition.delivered.count;
  return world.settled();
}
