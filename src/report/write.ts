import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJsonl } from '../core/history.ts';
import type { RunResult } from '../scenarios/index.ts';
import { toChromeTrace, toShiviz } from './exports.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportOptions } from './summary.ts';

export interface WrittenReport {
  dir: string;
  files: string[];
}

/**
 * Writes the report of one run into `dir` (created if missing): report.md, report.html, trace.jsonl, shiviz.log
 * and trace.chrome.json. Same run, same bytes.
 */
export function writeRunReport(result: RunResult, dir: string, options: ReportOptions = {}): WrittenReport {
  const otherData = { scenario: result.scenario.name, seed: result.seed, protocol: result.protocol, hash: result.hash };
  const contents: Array<[string, string]> = [
    ['report.md', renderMarkdown(result, options)],
    ['report.html', renderHtml(result, options)],
    ['trace.jsonl', historyToJsonl(result.history)],
    ['shiviz.log', toShiviz(result.history)],
    ['trace.chrome.json', JSON.stringify(toChromeTrace(result.history, otherData))],
  ];
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of contents) writeFileSync(join(dir, name), text);
  return { dir, files: contents.map(([name]) => join(dir, name)) };
}

/** A scenario name made safe as one path segment. */
export function reportDirName(scenarioName: string, seed: number): string {
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 80) || 'scenario';
  return `${safe}-seed${seed}`;
}
