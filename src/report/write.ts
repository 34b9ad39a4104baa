import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { historyToJsonl } from '../core/history.ts';
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
}

/**
 * Writes the report of one run into `dir` (created if missing): report.md, report.html, trace.jsonl, shiviz.log,
 * trace.chrome.json and run.json (the facts reports/index.html lists). Same run, same bytes. When `dir` sits in a
 * folder named reports (the default place), that folder's index.html is written again to list it.
 */
export function writeRunReport(result: RunResult, dir: string, options: ReportOptions = {}): WrittenReport {
  const otherData = { scenario: result.scenario.name, seed: result.seed, protocol: result.protocol, hash: result.hash };
  const contents: Array<[string, string]> = [
    ['report.md', renderMarkdown(result, options)],
    ['report.html', renderHtml(result, options)],
    ['trace.jsonl', historyToJsonl(result.history)],
    ['shiviz.log', toShiviz(result.history)],
    ['trace.chrome.json', JSON.stringify(toChromeTrace(result.history, otherData))],
    ['run.json', JSON.stringify(runFacts(result, options), null, 2) + '\n'],
  ];
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of contents) writeFileSync(join(dir, name), text);
  const parent = dirname(resolve(dir));
  if (basename(parent) === REPORTS_DIR_NAME) writeReportsIndex(parent);
  return { dir, files: contents.map(([name]) => join(dir, name)) };
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
