import type { History } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { canonicalJson } from '../core/json.ts';
import type { CheckerName, Verdict } from '../check/index.ts';
import { describeAction, describeTrigger, type Scenario } from './dsl.ts';
import { DEFAULT_STEP_TIMEOUT_MS, type SkippedStep } from './interpreter.ts';

export interface ExpectationOutcome {
  expectation: string;
  holds: boolean;
  /** The verdict kind a broken expectation counts as (decides the exit code). */
  kind: 'safety' | 'liveness';
  detail: string;
}

/**
 * Judges a finished run, simulated or live, by the same rules: the skipped steps, a protocol that threw (or a live
 * node that exited on its own), then the scenario's expectations. A live run's history is on the real clock, and
 * `--speed` squeezed the timeline, so the timeline points its expectations name are squeezed the same way first.
 */
export function judgeRun(
  scenario: Scenario,
  history: History,
  verdicts: Verdict[],
  skipped: readonly SkippedStep[],
  protocolError: string | null,
  timelineScale = 1,
): { expectations: ExpectationOutcome[]; exitCode: 0 | 1 | 2 } {
  const judged = judgeExpectations(onWorldClock(scenario, timelineScale), history, verdicts, protocolError);
  const expectations = [...skipped.map(skippedOutcome), ...judged];
  return { expectations, exitCode: exitCodeOfOutcomes(expectations) };
}

/** A step whose condition never held within its timeout counts as a broken liveness expectation. */
export function skippedOutcome({ index, step }: SkippedStep): ExpectationOutcome {
  return {
    expectation: `step ${index + 1} (${describeAction(step.action)}) ${describeTrigger(step)}`,
    holds: false,
    kind: 'liveness',
    detail: `the condition did not hold within ${step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS} ms; the step was skipped`,
  };
}

/**
 * The scenario with the timeline points of its expectations ("node 2 leads at 11000 ms") moved to the clock of a
 * world whose timeline runs `timelineScale` times faster. Durations that belong to the protocol (an election
 * within 2-5 s) stay as written; the outcomes then name the times they were judged at.
 */
export function onWorldClock(scenario: Scenario, timelineScale: number): Scenario {
  const expect = scenario.expect;
  if (expect === undefined || timelineScale === 1) return scenario;
  const real = (ms: number) => ms / timelineScale;
  return {
    ...scenario,
    expect: {
      ...expect,
      leaders: expect.leaders?.map((leader) => ({ ...leader, atMs: real(leader.atMs) })),
      delivered: expect.delivered?.map((delivered) => ({ ...delivered, atMs: real(delivered.atMs) })),
      elections: expect.elections?.map((election) => ({ ...election, afterMs: real(election.afterMs) })),
    },
  };
}

export function judgeExpectations(
  scenario: Scenario,
  history: History,
  verdicts: Verdict[],
  protocolError: string | null,
): ExpectationOutcome[] {
  const outcomes: ExpectationOutcome[] = [];
  if (protocolError !== null) {
    outcomes.push({
      expectation: 'the protocol runs without throwing',
      holds: false,
      kind: 'safety',
      detail: protocolError,
    });
  }
  const byName = new Map<CheckerName, Verdict>(verdicts.map((verdict) => [verdict.checker, verdict]));
  for (const name of scenario.expect?.pass ?? []) {
    const verdict = byName.get(name as CheckerName);
    const holds = verdict?.status === 'pass';
    const detail = verdict === undefined ? 'checker did not run' : `${verdict.status}: ${verdict.summary}`;
    outcomes.push({ expectation: `${name} passes`, holds, kind: verdict?.kind ?? 'safety', detail });
  }
  for (const name of scenario.expect?.fail ?? []) {
    const verdict = byName.get(name as CheckerName);
    const holds = verdict?.status === 'fail';
    const detail = verdict === undefined ? 'checker did not run' : `${verdict.status}: ${verdict.summary}`;
    outcomes.push({ expectation: `${name} fails`, holds, kind: verdict?.kind ?? 'safety', detail });
  }
  for (const { atMs, node } of scenario.expect?.leaders ?? []) {
    const leaders = leadersAt(history, atMs);
    outcomes.push({
      expectation: `node ${node} leads at ${atMs} ms`,
      holds: leaders.length === 1 && leaders[0] === node,
      kind: 'liveness',
      detail: leaders.length === 0 ? 'no node leads then' : `leading then: ${leaders.join(', ')}`,
    });
  }
  for (const { atMs, node, atLeast, atMost } of scenario.expect?.delivered ?? []) {
    const count = history.events.filter(
      (event) => event.type === 'deliver' && event.node === node && event.t <= atMs,
    ).length;
    const range =
      atMost === undefined
        ? `at least ${atLeast}`
        : atMost === atLeast
          ? `exactly ${atLeast}`
          : `${atLeast} to ${atMost}`;
    outcomes.push({
      expectation: `node ${node} delivered ${range} by ${atMs} ms`,
      holds: count >= atLeast && (atMost === undefined || count <= atMost),
      kind: 'liveness',
      detail: `it delivered ${count}`,
    });
  }
  outcomes.push(...judgeElections(scenario, history), ...judgeOrders(scenario, history));
  return outcomes;
}

function judgeElections(scenario: Scenario, history: History): ExpectationOutcome[] {
  return (scenario.expect?.elections ?? []).map(({ afterMs, node, withinMs: [minMs, maxMs] }) => {
    const elected = history.events.find(
      (event) =>
        event.type === 'announce' &&
        event.node === node &&
        event.t >= afterMs &&
        (event.role === 'leader' || event.role === 'primary'),
    );
    const delayMs = elected === undefined ? null : elected.t - afterMs;
    return {
      expectation: `node ${node} takes the lead ${minMs}-${maxMs} ms after ${afterMs} ms`,
      holds: delayMs !== null && delayMs >= minMs && delayMs <= maxMs,
      kind: 'liveness',
      detail: delayMs === null ? 'it never did' : `it did after ${delayMs.toFixed(0)} ms`,
    };
  });
}

function judgeOrders(scenario: Scenario, history: History): ExpectationOutcome[] {
  return (scenario.expect?.orders ?? []).map(({ payload, order }) => {
    const deliveries = history.events.filter((event) => event.type === 'deliver' && event.payload === payload);
    const wrong = deliveries.filter(
      (event) => event.type === 'deliver' && canonicalJson(event.order) !== canonicalJson(order),
    );
    return {
      expectation: `${JSON.stringify(payload)} is delivered with ${JSON.stringify(order)}`,
      holds: deliveries.length > 0 && wrong.length === 0,
      kind: 'safety',
      detail:
        deliveries.length === 0
          ? 'it was never delivered'
          : wrong
              .map((event) => (event.type === 'deliver' ? `node ${event.node}: ${JSON.stringify(event.order)}` : ''))
              .join('; '),
    };
  });
}

/** The nodes that, by their own latest announcement before `atMs`, lead and are up. */
export function leadersAt(history: History, atMs: number): NodeId[] {
  const leads = new Map<NodeId, boolean>();
  for (const event of history.events) {
    if (event.t > atMs) break;
    if (event.type === 'announce') leads.set(event.node, event.role === 'leader' || event.role === 'primary');
    else if (event.type === 'crash') leads.set(event.node, false);
  }
  return [...leads]
    .filter(([, leading]) => leading)
    .map(([node]) => node)
    .sort((a, b) => a - b);
}

export function exitCodeOfOutcomes(outcomes: readonly ExpectationOutcome[]): 0 | 1 | 2 {
  const broken = outcomes.filter((outcome) => !outcome.holds);
  if (broken.length === 0) return 0;
  return broken.some((outcome) => outcome.kind === 'safety') ? 1 : 2;
}
