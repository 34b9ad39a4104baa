import fc from 'fast-check';
import { runCheckers, type Verdict } from '../check/index.ts';
import type { HistoryEvent } from '../core/history.ts';
import { runScenario, type Scenario, type ScheduleSpec } from '../scenarios/index.ts';
import { firstViolation } from '../search/search.ts';
import {
  ChoiceScheduler,
  DrawnScheduler,
  PctScheduler,
  ReplayScheduler,
  type Candidate,
  type Deviation,
} from '../sim/strategies.ts';
import type { Counterexample } from './explore.ts';

export interface RandomExploreOptions {
  scenario: Scenario;
  seed: number;
  properties: readonly string[];
  strategy: 'pct' | 'drawn';
  runs: number;
  /** PCT: the bug depth d (default 3). */
  pctDepth?: number;
  /** PCT: the run length k over which change points are drawn (default 200). */
  pctStepsMax?: number;
  onRun?: (violations: number) => void;
}

export interface RandomExploreResult {
  runs: number;
  counterexample: Counterexample | null;
}

/** Deviations the drawn strategy may place, among the first this many events (a small workload is short). */
const DRAWN_STEPS_MAX = 40;

/**
 * The random strategies over the same workload as the exhaustive search (steps as events). PCT: run i uses PCT
 * seed `seed + i`, no shrinking (a PCT run is not a value that shrinks). Drawn: fast-check draws lists of
 * deviations from the default order and shrinks the first failing one (fewer, earlier, smaller picks).
 */
export function randomExplore(options: RandomExploreOptions): RandomExploreResult {
  const scenario: Scenario = {
    ...options.scenario,
    schedule: { ...options.scenario.schedule, order: [], steps: 'events' },
  };
  const model = scenario.schedule ?? {};
  const judge = (scheduler: ChoiceScheduler): Verdict | null =>
    firstViolation(runScenario(scenario, { seed: options.seed, scheduler }), options.properties);
  let violations = 0;
  if (options.strategy === 'pct') {
    for (let run = 0; run < options.runs; run += 1) {
      const scheduler = new PctScheduler({
        ...model,
        seed: options.seed + run,
        depth: options.pctDepth,
        stepsMax: options.pctStepsMax,
      });
      const verdict = judge(scheduler);
      if (verdict !== null) violations += 1;
      options.onRun?.(violations);
      if (verdict !== null)
        return { runs: run + 1, counterexample: saved(scenario, options, scheduler.schedule(), verdict) };
    }
    return { runs: options.runs, counterexample: null };
  }
  let runs = 0;
  const deviations = fc.array(
    fc.record({ at: fc.nat({ max: DRAWN_STEPS_MAX - 1 }), pick: fc.integer({ min: 1, max: 7 }) }),
    { maxLength: 8 },
  );
  const details = fc.check(
    fc.property(deviations, (drawn: Deviation[]) => {
      runs += 1;
      const failed = judge(new DrawnScheduler(drawn, model)) !== null;
      if (failed) violations += 1;
      options.onRun?.(violations);
      return !failed;
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  if (!details.failed || details.counterexample === null) return { runs, counterexample: null };
  const scheduler = new DrawnScheduler(details.counterexample[0], model);
  const verdict = judge(scheduler) as Verdict;
  return { runs: runs - details.numShrinks, counterexample: saved(scenario, options, scheduler.schedule(), verdict) };
}

function saved(scenario: Scenario, options: RandomExploreOptions, order: number[], verdict: Verdict): Counterexample {
  const withOrder: Scenario = { ...scenario, schedule: { ...scenario.schedule, order, steps: 'events' } };
  const steps = eventsToViolation(withOrder, options.seed, verdict.checker);
  return { property: verdict.checker, verdict, depth: steps?.length ?? order.length, scenario: withOrder };
}

/** The history types that can change a safety verdict; the watch judges again only after one of them. */
const JUDGED: ReadonlySet<HistoryEvent['type']> = new Set(['submit', 'deliver', 'ack', 'announce', 'crash', 'restart']);

class Watched {
  constructor(readonly events: HistoryEvent[][]) {}
}

/**
 * Replays `scenario` (its schedule, then the default order) and stops as soon as `property` fails: returns, per
 * event fired until then, the history it recorded; null if the property never fails. How long a counterexample
 * is, in events, whatever found it: this is how the explorer's and the random search's are compared.
 */
export function eventsToViolation(scenario: Scenario, seed: number, property: string): HistoryEvent[][] | null {
  const scheduler = new WatchScheduler(scenario.schedule ?? { order: [] }, property);
  try {
    const result = runScenario(scenario, { seed, scheduler });
    // The last event of the run may be the one that breaks it: no choice comes after it to notice.
    const verdict = result.verdicts.find((candidate) => candidate.checker === property);
    return verdict?.status === 'fail' ? scheduler.firedAtEnd(result.history.events) : null;
  } catch (error) {
    if (error instanceof Watched) return error.events;
    throw error;
  }
}

/** History records that only a timeline step makes (never a node's handler). */
const STEP_RECORDS: ReadonlySet<HistoryEvent['type']> = new Set([
  'submit',
  'join',
  'crash',
  'restart',
  'pause',
  'resume',
  'partition',
  'cut',
  'heal',
  'hold',
  'release',
  'clock',
  'network',
]);

/**
 * Splits what was recorded since the last choice into the fired event's part and one part per timeline step the
 * interpreter ran meanwhile (steps run between events unless they are events themselves), so a counterexample's
 * length counts every step as one, however the run placed it.
 */
function splitChunk(chunk: readonly HistoryEvent[], takenCallback: boolean): HistoryEvent[][] {
  const parts: HistoryEvent[][] = [[]];
  let stepsSeen = 0;
  for (const event of chunk) {
    if (STEP_RECORDS.has(event.type)) {
      stepsSeen += 1;
      if (stepsSeen > (takenCallback ? 1 : 0)) parts.push([]);
    }
    parts[parts.length - 1].push(event);
  }
  return parts.filter((part, index) => index > 0 || part.length > 0 || !takenCallback);
}

class WatchScheduler extends ReplayScheduler {
  private readonly fired: HistoryEvent[][] = [];
  private judgedAt = 0;
  private seenUpTo = 0;
  private takenCallback = false;

  override take() {
    const event = super.take();
    this.takenCallback = event?.kind === 'callback';
    return event;
  }

  constructor(
    schedule: ScheduleSpec,
    private readonly property: string,
  ) {
    super(schedule.order, schedule);
  }

  firedAtEnd(events: readonly HistoryEvent[]): HistoryEvent[][] {
    return [...this.fired, ...splitChunk(events.slice(this.seenUpTo), this.takenCallback)];
  }

  protected override choose(candidates: readonly Candidate[], step: number): Candidate {
    const history = (this.view as NonNullable<typeof this.view>).history();
    const chunk = history.events.slice(this.seenUpTo);
    if (step > 0) this.fired.push(...splitChunk(chunk, this.takenCallback));
    // Before the first event: only timeline steps (the boot records nothing a reader needs).
    else this.fired.push(...splitChunk(chunk, false).slice(1));
    this.seenUpTo = history.events.length;
    const fresh = history.events.slice(this.judgedAt).some((event) => JUDGED.has(event.type));
    if (fresh) {
      this.judgedAt = history.events.length;
      const verdict = runCheckers(history).find((candidate) => candidate.checker === this.property);
      if (verdict?.status === 'fail') throw new Watched(this.fired);
    }
    return super.choose(candidates, step);
  }
}
