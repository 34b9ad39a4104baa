import type { History } from '../../core/history.ts';
import type { Verdict } from '../../check/index.ts';
import { describeAction, describeTrigger, type Scenario } from '../dsl.ts';
import { exitCodeOfOutcomes, judgeExpectations, type ExpectationOutcome } from '../runner.ts';
import type { SkippedLiveStep } from './cluster-timeline.ts';

/**
 * Judges a live run with the simulator runner's own rules. Only the clock differs: a live history's times are real
 * milliseconds since the scenario started, and `--speed` squeezed the scenario's timeline, so every point of the
 * timeline an expectation names ("node 2 leads at 11000 ms") is squeezed the same way. Durations that belong to the
 * protocol (an election within 2-5 s) stay as written, since protocol timers run in real time. The outcomes then
 * name the real times they were judged at.
 */
export function judgeLiveRun(
  scenario: Scenario,
  history: History,
  verdicts: Verdict[],
  skipped: readonly SkippedLiveStep[],
  unexpectedExits: readonly string[],
  speed: number,
): { expectations: ExpectationOutcome[]; exitCode: 0 | 1 | 2 } {
  const protocolError = unexpectedExits.length === 0 ? null : unexpectedExits.join('; ');
  const judged = judgeExpectations(onRealClock(scenario, speed), history, verdicts, protocolError);
  const expectations = [...skipped.map(skippedOutcome), ...judged];
  return { expectations, exitCode: exitCodeOfOutcomes(expectations) };
}

/** The scenario with the timeline points of its expectations moved to the real clock of this run. */
export function onRealClock(scenario: Scenario, speed: number): Scenario {
  const expect = scenario.expect;
  if (expect === undefined || speed === 1) return scenario;
  const real = (ms: number) => ms / speed;
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

function skippedOutcome({ index, step, waitedMs }: SkippedLiveStep): ExpectationOutcome {
  return {
    expectation: `step ${index + 1} (${describeAction(step.action)}) ${describeTrigger(step)}`,
    holds: false,
    kind: 'liveness',
    detail: `the condition did not hold within ${waitedMs} ms; the step was skipped`,
  };
}
