import { PROPERTIES, type FaultClass, type Property } from '../../src/core/promises.ts';
import { PROTOCOLS } from '../../src/protocols/index.ts';
import { runCase, searchViolation } from '../../src/search/search.ts';
import { formatMs, median, nowMs, timed } from '../measure.ts';
import type { SectionResult } from '../report.ts';
import { runChild } from '../spawn.ts';
import { childTimeoutMs, type BenchContext } from './common.ts';

/** As in the promise tests: 3 nodes, at most 1000 cases to find the violation. */
export const WEAK_NODES = 3;
export const WEAK_RUNS_MAX = 1_000;
const WEAK_CHILDREN = 2;
const WEAK_CHILD_TIMEOUT_MS = 300_000;

export interface WeakPromise {
  protocol: string;
  property: Property;
  fault: FaultClass;
}

export interface WeakMeasurement extends WeakPromise {
  seed: number;
  found: boolean;
  runsToFind: number;
  findMs: number;
  /** Steps of the failing case as generated, and after shrinking with the default budget. */
  stepsFound: number;
  stepsShrunk: number;
  shrinks: number;
  shrinkMs: number;
}

/** Every `breaks` entry of every protocol's promise table, in table order. */
export function weakPromises(): WeakPromise[] {
  return PROTOCOLS.flatMap((protocol) =>
    PROPERTIES.flatMap((property) =>
      (protocol.promises[property]?.breaks ?? []).map((fault) => ({ protocol: protocol.name, property, fault })),
    ),
  );
}

/**
 * Finds the violation with shrinking switched off (so the time is the time to find it), then runs that case
 * again with the default shrink budget for the shrunk schedule's size.
 */
export function measureWeak(weak: WeakPromise, seed: number): WeakMeasurement {
  const options = {
    protocol: weak.protocol,
    nodes: WEAK_NODES,
    faults: [weak.fault],
    properties: [weak.property],
    runs: WEAK_RUNS_MAX,
    seed,
  };
  const find = timed(() => searchViolation({ ...options, shrinkRunsMax: 0 }));
  const violation = find.value.violation;
  const base = { ...weak, seed, runsToFind: find.value.runs, findMs: find.wallMs };
  if (violation === null) return { ...base, found: false, stepsFound: 0, stepsShrunk: 0, shrinks: 0, shrinkMs: 0 };
  const shrink = timed(() => runCase(options, violation.caseIndex));
  const shrunk = shrink.value;
  return {
    ...base,
    found: true,
    stepsFound: violation.shrunk.scenario.steps.length,
    stepsShrunk: shrunk?.shrunk.scenario.steps.length ?? violation.shrunk.scenario.steps.length,
    shrinks: shrunk?.shrinks ?? 0,
    shrinkMs: shrink.wallMs,
  };
}

const WEAK_SEED_STRIDE = 1_000_003;

/**
 * Search seeds far apart: case k of a search runs fast-check seed (seed + k), so consecutive search seeds would
 * try nearly the same cases.
 */
export function weakSeed(ordinal: number): number {
  return 1 + ordinal * WEAK_SEED_STRIDE;
}

/** The share of (weak promise, seed) tasks that child `index` of `count` measures. */
export function weakTasks(
  seeds: number,
  limit: number,
  index: number,
  count: number,
): Array<{ weak: WeakPromise; seed: number }> {
  const tasks = weakPromises()
    .slice(0, limit)
    .flatMap((weak) => Array.from({ length: seeds }, (_, ordinal) => ({ weak, seed: weakSeed(ordinal) })));
  return tasks.filter((_, position) => position % count === index - 1);
}

/** Section 4: time to the first violation and shrunk size, per known-weak promise, medians over seeds. */
export async function benchWeak(context: BenchContext): Promise<SectionResult> {
  const startMs = nowMs();
  const seeds = context.quick ? 1 : 5;
  const limit = context.quick ? 8 : Number.POSITIVE_INFINITY;
  context.log(`${weakPromises().length} weak promises x ${seeds} seed(s) over ${WEAK_CHILDREN} child processes`);
  const shares = await Promise.all(
    Array.from({ length: WEAK_CHILDREN }, (_, child) =>
      runChild(['weak', String(seeds), String(limit), `${child + 1}/${WEAK_CHILDREN}`], {
        timeoutMs: childTimeoutMs(context, WEAK_CHILD_TIMEOUT_MS),
      }),
    ),
  );
  const measurements = shares.flat() as WeakMeasurement[];
  const rows = weakPromises()
    .slice(0, limit)
    .map((weak) =>
      weakRow(
        weak,
        measurements.filter(
          (m) => m.protocol === weak.protocol && m.property === weak.property && m.fault === weak.fault,
        ),
      ),
    );
  const found = measurements.filter((m) => m.found);
  return {
    id: 4,
    title: 'Known-weak promises: time to the first violation, size of the shrunk schedule',
    method:
      `For each "breaks" entry of the promise tables: property search on ${WEAK_NODES} nodes under that one fault ` +
      `class, judged on that one property, for at most ${WEAK_RUNS_MAX} cases, with ${seeds} search seed(s) ` +
      `(${Array.from({ length: seeds }, (_, ordinal) => weakSeed(ordinal)).join(', ')}). The ` +
      'time to find is measured with shrinking off (it includes one replay of the failing case); the failing case is ' +
      'then shrunk with the default budget ' +
      `(1000 runs). Medians over the seeds; ${WEAK_CHILDREN} child processes share the work, one per core.`,
    tables: [
      {
        headers: [
          'protocol',
          'property',
          'fault',
          'found',
          'runs to find',
          'time to find',
          'steps found',
          'steps shrunk',
          'shrinks',
          'shrink time',
        ],
        rows,
      },
    ],
    notes: [overallNote(found)],
    plots: [],
    targets: [],
    wallMs: nowMs() - startMs,
  };
}

function overallNote(found: readonly WeakMeasurement[]): string {
  if (found.length === 0) return 'No violation was found.';
  const med = (pick: (m: WeakMeasurement) => number) => median(found.map(pick));
  return (
    `Over all ${found.length} violations found: median ${med((m) => m.runsToFind)} runs and ${formatMs(med((m) => m.findMs))} ` +
    `to find, shrunk from a median ${med((m) => m.stepsFound)} to ${med((m) => m.stepsShrunk)} steps in ${formatMs(med((m) => m.shrinkMs))}.`
  );
}

function weakRow(weak: WeakPromise, measurements: readonly WeakMeasurement[]): string[] {
  const found = measurements.filter((m) => m.found);
  const med = (pick: (m: WeakMeasurement) => number) => (found.length > 0 ? median(found.map(pick)) : Number.NaN);
  const count = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(value % 1 === 0 ? 0 : 1));
  return [
    weak.protocol,
    weak.property,
    weak.fault,
    `${found.length}/${measurements.length}`,
    count(med((m) => m.runsToFind)),
    found.length > 0 ? formatMs(med((m) => m.findMs)) : '-',
    count(med((m) => m.stepsFound)),
    count(med((m) => m.stepsShrunk)),
    count(med((m) => m.shrinks)),
    found.length > 0 ? formatMs(med((m) => m.shrinkMs)) : '-',
  ];
}
