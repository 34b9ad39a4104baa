import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeXml } from './markup.ts';

/** Reports written into a folder of this name get an index.html beside them listing every run there. */
export const REPORTS_DIR_NAME = 'reports';

/** What run.json holds: the facts of one run, as the index lists them. */
export interface RunFacts {
  scenario: string;
  seed: number;
  protocol: string;
  nodes: number;
  exitCode: number;
  outcome: string;
  failed: string[];
  hash: string;
  replay: string;
}

interface ListedRun {
  dir: string;
  facts: RunFacts;
  writtenMs: number;
}

/** The report directories under `reportsDir` that hold a run.json, newest first (by when run.json was written). */
export function listedRuns(reportsDir: string): ListedRun[] {
  const runs: ListedRun[] = [];
  for (const name of readdirSync(reportsDir)) {
    const file = join(reportsDir, name, 'run.json');
    if (!existsSync(file)) continue;
    try {
      const facts = JSON.parse(readFileSync(file, 'utf8')) as RunFacts;
      if (typeof facts.scenario !== 'string' || typeof facts.exitCode !== 'number') continue;
      runs.push({ dir: name, facts, writtenMs: statSync(file).mtimeMs });
    } catch {
      // A run.json that is not ours (or half written by another process) is left out, never fatal.
      continue;
    }
  }
  return runs.sort((a, b) => b.writtenMs - a.writtenMs || a.dir.localeCompare(b.dir));
}

const VERDICT_TEXT = ['expectations hold', 'safety violation', 'liveness violation'];

/** reports/index.html: one row per run, newest first, its verdict, and links to its report and trace. */
export function writeReportsIndex(reportsDir: string): string {
  const rows = listedRuns(reportsDir).map(({ dir, facts, writtenMs }) => {
    const verdict = VERDICT_TEXT[facts.exitCode] ?? `exit ${facts.exitCode}`;
    const failed = facts.failed.length === 0 ? '' : ` (${facts.failed.join(', ')})`;
    return (
      `<tr data-run="${escapeXml(dir)}" data-exit="${facts.exitCode}">` +
      `<td><a href="${encodeURIComponent(dir)}/report.html">${escapeXml(dir)}</a></td>` +
      `<td>${escapeXml(facts.scenario)}</td><td>${escapeXml(facts.protocol)}</td><td>${facts.seed}</td>` +
      `<td class="exit${facts.exitCode}">${escapeXml(verdict + failed)}</td>` +
      `<td>${escapeXml(new Date(writtenMs).toISOString().replace('T', ' ').slice(0, 19))}</td>` +
      `<td><code>${escapeXml(facts.replay)}</code></td></tr>`
    );
  });
  const body =
    rows.length === 0
      ? '<p>No reports yet: run <code>tob-lab run leader-failure --report</code>.</p>'
      : `<table><thead><tr><th>report</th><th>scenario</th><th>protocol</th><th>seed</th><th>verdict</th><th>written (UTC)</th><th>replay</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>tob-lab reports</title>',
    `<style>${STYLE}</style></head>`,
    `<body><h1>tob-lab reports</h1><p>Every run reported into this folder, newest first.</p>${body}</body></html>`,
    '',
  ].join('\n');
  const file = join(reportsDir, 'index.html');
  writeFileSync(file, html);
  return file;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #0f172a; margin: 24px; }
table { border-collapse: collapse; } th, td { border: 1px solid #cbd5e1; padding: 4px 8px; text-align: left; }
thead th { background: #f1f5f9; } code { font: 12px ui-monospace, Menlo, monospace; }
.exit0 { color: #166534; } .exit1 { color: #991b1b; font-weight: 600; } .exit2 { color: #9a3412; font-weight: 600; }
`;
