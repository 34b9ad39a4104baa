import type { HistoryEvent } from '../core/history.ts';
import { shellWord } from '../core/shell.ts';

export { shellWord } from '../core/shell.ts';
import { describeAction, describeTrigger, type RunResult } from '../scenarios/index.ts';
import { describeEvent, secondsText } from './describe.ts';
import { SHIVIZ_REGEX } from './exports.ts';
import { runEndMs } from './intervals.ts';

export interface ReportOptions {
  /** The scenario as the user names it on the command line (a path or a shipped name), for the replay command. */
  scenarioArg?: string;
  /** The --protocol value as given (a shipped name or the path of the user's module), when the run was given one. */
  protocolArg?: string;
}

/**
 * The command that replays this run: every flag that changes the history is in it (the seed, and the protocol
 * when it is not the scenario's own; a user's protocol by the path it was given as).
 */
export function replayCommand(result: RunResult, options: ReportOptions): string {
  const named = result.scenario.cluster.protocol;
  const protocolFlag =
    options.protocolArg !== undefined
      ? ` --protocol ${shellWord(options.protocolArg)}`
      : typeof named === 'string' && named !== result.protocol
        ? ` --protocol ${result.protocol}`
        : '';
  return `npx tob-lab run ${shellWord(options.scenarioArg ?? result.scenario.name)} --seed ${result.seed}${protocolFlag}`;
}

/** The facts a report opens with, as label/value pairs, so Markdown and HTML say the same. */
export function summaryRows(result: RunResult, options: ReportOptions): Array<[string, string]> {
  const { scenario } = result;
  const rows: Array<[string, string]> = [['scenario', scenario.name]];
  if (scenario.source !== undefined) rows.push(['source', scenario.source]);
  if (scenario.description !== undefined) rows.push(['description', scenario.description]);
  rows.push(
    ['seed', `${result.seed}`],
    ['protocol', result.protocol],
    ['nodes', `${scenario.cluster.nodes}`],
    ['events', `${result.history.events.length} over ${secondsText(runEndMs(result.history))} of virtual time`],
    ['outcome', summaryLine(result)],
  );
  if (result.boundHit !== null) rows.push(['bound', boundText(result)]);
  if (result.protocolError !== null) rows.push(['protocol error', result.protocolError]);
  rows.push(['history sha256', result.hash], ['replay', replayCommand(result, options)]);
  return rows;
}

/** Why the run stopped early, with what to do about it (the text report, report.md and html, and `check` say it). */
export function boundText(result: RunResult): string {
  // From the end: the bound is among the last events, and a run that hits it can hold millions.
  const events = result.history.events;
  let bound: HistoryEvent | undefined;
  for (let i = events.length - 1; i >= 0 && bound === undefined; i -= 1) {
    if (events[i].type === 'bound') bound = events[i];
  }
  const limit = bound?.type === 'bound' ? bound.limit : null;
  const at = bound === undefined ? '' : ` at ${secondsText(bound.t)} of virtual time`;
  if (result.boundHit === 'events') {
    return (
      `The run hit its events bound (${limit ?? '?'} events handled)${at} and stopped early: a protocol that sends ` +
      'more than it handles floods the network; a run meant to be this long sets maxEvents in its scenario.'
    );
  }
  return `The run hit its ${result.boundHit} bound${limit === null ? '' : ` (${limit} ms)`}${at} and stopped early.`;
}

/**
 * The scenario's steps as text, one a line ("at 1200 ms: crash node 2"): for a counterexample this is its
 * minimal schedule, readable without opening the saved file.
 */
export function scheduleLines(result: RunResult): string[] {
  return result.scenario.steps.map(
    (step, index) => `${index + 1}. ${describeTrigger(step)}: ${describeAction(step.action)}`,
  );
}

/** An evidence event as one line: its position, time and what happened. */
export function evidenceText(event: HistoryEvent): string {
  return `#${event.i} at ${secondsText(event.t)}: ${describeEvent(event)}`;
}

/** The files writeRunReport puts beside the reports, and what each is for. */
export const REPORT_FILES: ReadonlyArray<{ name: string; what: string; code?: string }> = [
  { name: 'report.md', what: 'this report as Markdown' },
  { name: 'report.html', what: 'this report with the space-time diagram; one self-contained file' },
  { name: 'trace.jsonl', what: 'the full history, one event a line (its sha256 is the hash above)' },
  { name: 'shiviz.log', what: "for ShiViz: paste the file and keep ShiViz's default parser", code: SHIVIZ_REGEX },
  { name: 'trace.chrome.json', what: 'Trace Event Format: open it in Perfetto (ui.perfetto.dev) or chrome://tracing' },
  {
    name: 'run.json',
    what: 'the facts of the run (verdict, seed, protocol, hash, replay command) that reports/index.html lists',
  },
];

export function summaryLine(result: RunResult): string {
  switch (result.exitCode) {
    case 0:
      return `OK: every expectation holds (exit 0).`;
    case 1:
      return `SAFETY VIOLATION: an expectation about safety does not hold (exit 1).`;
    case 2:
      return `LIVENESS VIOLATION: an expectation about liveness does not hold (exit 2).`;
  }
}
