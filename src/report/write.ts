import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeHistoryJsonl } from '../core/history-stream.ts';
import type { RunResult } from '../scenarios/index.ts';
import { toChromeTrace, toShiviz } from './exports.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { REPORTS_DIR_NAME, writeReportsIndex, type RunFacts } from './index-page.ts';
import { replayCommand, type ReportOptions } from './summary.ts';
import { summaryLine } from './text.ts';

export interface WrittenReport {
  dir: string;
  files: string[];
  /** Files left out, each with why (the ShiViz and Chrome traces of a run too long to view). */
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * The ShiViz log and the Chrome trace are views for a person: past this many history events neither tool can
 * show them usefully, and their text outgrows the longest string V8 can hold (some 3 million events). Longer runs
 * get report.md, report.html and trace.jsonl (written in chunks) only.
 */
export const VIEW_EXPORT_EVENTS_MAX = 200_000;

/** The files of a written report, as the CLI names them after report.html: "report.md, trace.jsonl, ...". */
export function otherReportFiles(written: WrittenReport): string {
  return written.files
    .map((file) => basename(file))
    .filter((name) => name !== 'report.html' && name !== 'run.json')
    .join(', ');
}

/**
 * Writes the report of one run into `dir` (created if missing): report.md, report.html, trace.jsonl, shiviz.log,
 * trace.chrome.json and run.json (the facts reports/index.html lists). Same run, same bytes. When `dir` sits in a
 * folder named reports (the default place), that folder's index.html is written again to list it.
 */
export function writeRunReport(result: RunResult, dir: string, options: ReportOptions = {}): WrittenReport {
  const tooLong = result.history.events.length > VIEW_EXPORT_EVENTS_MAX;
  const otherData = { scenario: result.scenario.name, seed: result.seed, protocol: result.protocol, hash: result.hash };
  // The trace is written in chunks (a long run's JSONL is longer than any one string can be), the rest as text.
  const contents: Array<[string, string | ((file: string) => void)]> = [
    ['report.md', renderMarkdown(result, options)],
    ['report.html', renderHtml(result, options)],
    ['trace.jsonl', (file) => writeHistoryJsonl(result.history, file)],
    ...(tooLong
      ? []
      : ([
          ['shiviz.log', toShiviz(result.history)],
          ['trace.chrome.json', JSON.stringify(toChromeTrace(result.history, otherData))],
        ] as Array<[string, string]>)),
    ['run.json', JSON.stringify(runFacts(result, options), null, 2) + '\n'],
  ];
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of contents) {
    if (typeof text === 'string') writeFileSync(join(dir, name), text);
    else text(join(dir, name));
  }
  const parent = dirname(resolve(dir));
  if (basename(parent) === REPORTS_DIR_NAME) writeReportsIndex(parent);
  const reason = `the run has ${result.history.events.length} history events, over the ${VIEW_EXPORT_EVENTS_MAX} a view can show`;
  const skipped = tooLong ? ['shiviz.log', 'trace.chrome.json'].map((name) => ({ name, reason })) : [];
  return { dir, files: contents.map(([name]) => join(dir, name)), skipped };
}

/** The facts of a run an index lists; no wall-clock time, so the same run still gives the same bytes. */
function runFacts(result: RunResult, options: ReportOptions): RunFacts {
  return {
    scenario: result.scenario.name,
    seed: result.seed,
    protocol: result.protocol,
    nodes: result.scenario.cluster.nodes,
    exitCode: result.exitCode,
    outcome: summaryLine(result),
    failed: result.verdicts.filter((verdict) => verdict.status === 'fail').map((verdict) => verdict.checker),
    hash: result.hash,
    replay: replayCommand(result, options),
  };
}

/** A scenario name made safe as one path segment. */
export function reportDirName(scenarioName: string, seed: number): string {
  const safe =
    scenarioName
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+/, '')
      .slice(0, 80) || 'scenario';
  return `${safe}-seed${seed}`;
}
