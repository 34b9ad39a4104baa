import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { History } from '../src/core/history.ts';
import { renderHtml } from '../src/report/html.ts';
import { messageFlights } from '../src/report/intervals.ts';
import { writeRunReport } from '../src/report/write.ts';
import {
  at,
  crash,
  cut,
  heal,
  partition,
  pause,
  restart,
  resume,
  scenario,
  setNetwork,
  submit,
} from '../src/scenarios/dsl.ts';
import { loadScenario, runScenario, type RunResult } from '../src/scenarios/index.ts';
import { ensureChromium } from './support/chromium.ts';
import { REPO_ROOT } from './support/cli.ts';

const CHROMIUM = ensureChromium();

/** Renders a page in headless Chromium (scripts run) and returns the DOM it ends with. Throws when Chromium is missing. */
function dumpDom(file: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'tob-lab-chromium-'));
  try {
    const result = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=5000',
        '--dump-dom',
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.error !== undefined) {
      throw new Error(`cannot run ${CHROMIUM} (${result.error.message}); install it: apt-get install -y chromium`);
    }
    if (result.status !== 0 || !result.stdout.includes('</html>')) {
      throw new Error(`${CHROMIUM} exited ${result.status} without a DOM: ${result.stderr.slice(-600)}`);
    }
    return result.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Prints a page to PDF in headless Chromium and returns how many pages the PDF has. */
function printedPages(file: string): number {
  const profile = mkdtempSync(join(tmpdir(), 'tob-lab-chromium-'));
  const pdf = join(profile, 'out.pdf');
  try {
    const result = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--no-pdf-header-footer',
        `--print-to-pdf=${pdf}`,
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (result.status !== 0) throw new Error(`${CHROMIUM} could not print: ${result.stderr.slice(-600)}`);
    return count(readFileSync(pdf, 'latin1'), /\/Type\s*\/Page[^s]/g);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

function eventsOfType(history: History, type: string): number {
  return history.events.filter((event) => event.type === type).length;
}

interface Rendered {
  result: RunResult;
  file: string;
  html: string;
  dom: string;
}

let rendered: Promise<Rendered> | null = null;
const directories: string[] = [];

/**
 * leader-failure seed 42, written with writeRunReport and opened in Chromium, once for all the tests below. Each
 * test awaits it, so a missing Chromium fails every one of them (never skips them).
 */
function renderedPage(): Promise<Rendered> {
  rendered ??= (async () => {
    const { scenario: loaded } = await loadScenario('leader-failure', REPO_ROOT);
    const result = runScenario(loaded, { seed: 42 });
    const dir = mkdtempSync(join(tmpdir(), 'tob-lab-report-'));
    directories.push(dir);
    writeRunReport(result, dir, { scenarioArg: 'leader-failure' });
    const file = join(dir, 'report.html');
    return { result, file, html: readFileSync(file, 'utf8'), dom: dumpDom(file) };
  })();
  return rendered;
}

describe('report.html in headless Chromium', () => {
  afterAll(() => {
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });

  it('draws one lane per node, labelled "node N"', async () => {
    const { result, dom } = await renderedPage();
    const lanes = [...dom.matchAll(/<g[^>]*\sdata-lane="(\d+)"/g)].map((match) => Number(match[1]));
    expect(lanes).toEqual(result.history.nodes);
    for (const node of result.history.nodes)
      expect(dom).toMatch(new RegExp(`data-lane-label="${node}"[^>]*>node ${node}<`));
  });

  it('draws exactly one arrow per received message copy, and marks every drop and delivery', async () => {
    const { result, dom } = await renderedPage();
    const receives = eventsOfType(result.history, 'receive');
    expect(receives).toBeGreaterThan(50);
    expect(count(dom, /<g[^>]*\sdata-kind="arrow"/g)).toBe(receives);
    expect(count(dom, /<g[^>]*\sdata-kind="drop"/g)).toBe(eventsOfType(result.history, 'drop'));
    expect(count(dom, /<g[^>]*\sdata-kind="deliver"/g)).toBe(eventsOfType(result.history, 'deliver'));
    expect(count(dom, /<g[^>]*\sdata-kind="election"/g)).toBe(2);
    // Node 3 crashes at 6 s and restarts at 16 s: one shaded stretch on its lane.
    expect(count(dom, /<g[^>]*\sdata-kind="down"[^>]*data-node="3"/g)).toBe(1);
    expect(dom).not.toContain('data-kind="truncated"');
  });

  it('lets the page scroll instead of a box inside it, so a print shows the whole run', async () => {
    const { file, html } = await renderedPage();
    expect(html).not.toMatch(/\.diagram \{[^}]*(max-height|overflow)/);
    const heightPx = Number(/<svg width="[\d.]+" height="([\d.]+)" class="space-time"/.exec(html)?.[1]);
    expect(heightPx).toBeGreaterThan(3_000);
    // An A4 page holds about 1000 px of the page; the diagram alone needs this many of them.
    expect(printedPages(file)).toBeGreaterThanOrEqual(Math.floor(heightPx / 1_100));
  });

  it('hides heartbeats at first when they dominate, with a box per message type to show or hide it', async () => {
    const { dom } = await renderedPage();
    expect(dom).toMatch(
      /<input type="checkbox" data-type-toggle="HEARTBEAT"><i style="background:#[0-9a-f]{6}"><\/i>HEARTBEAT \(\d+\)/,
    );
    expect(dom).toMatch(/<input type="checkbox" data-type-toggle="SEQ_CHAT" checked="">/);
    const heartbeats = count(dom, /<g[^>]*data-kind="arrow"[^>]*data-type="HEARTBEAT"/g);
    expect(heartbeats).toBeGreaterThan(0);
    expect(count(dom, /<g[^>]*data-kind="arrow"[^>]*data-type="HEARTBEAT" class="off"/g)).toBe(heartbeats);
    expect(count(dom, /<g[^>]*data-kind="arrow"[^>]*data-type="SEQ_CHAT" class="off"/g)).toBe(0);
    expect(dom).toMatch(/HEARTBEAT is hidden at first/);
  });

  it('colours each message type apart and lists the schedule as text', async () => {
    const { result, dom } = await renderedPage();
    const colors = [
      ...dom.matchAll(/data-type-toggle="[^"]+"(?: checked="")?><i style="background:(#[0-9a-f]{6})"/g),
    ].map((match) => match[1]);
    expect(colors.length).toBeGreaterThan(3);
    expect(new Set(colors.slice(0, 8)).size).toBe(Math.min(colors.length, 8));
    const steps = [...dom.matchAll(/<ol class="schedule">(.*?)<\/ol>/g)][0]?.[1] ?? '';
    expect(count(steps, /<li>/g)).toBe(result.scenario.steps.length);
    expect(steps).toContain('<li>at 6000 ms: crash node 3</li>');
  });

  it('lists the runs of a reports folder in reports/index.html, newest first, with their verdicts', async () => {
    const { result } = await renderedPage();
    const reports = join(mkdtempSync(join(tmpdir(), 'tob-lab-index-')), 'reports');
    directories.push(dirname(reports));
    writeRunReport(result, join(reports, 'older'), { scenarioArg: 'leader-failure' });
    utimesSync(join(reports, 'older', 'run.json'), new Date(1_000_000), new Date(1_000_000));
    writeRunReport(
      runScenario(
        scenario({ name: 'tiny', cluster: { protocol: 'isis', nodes: 2 }, timeline: [at(10, submit(1, 'x'))] }),
        { seed: 1 },
      ),
      join(reports, 'newer'),
    );
    const dom = dumpDom(join(reports, 'index.html'));
    const rows = [...dom.matchAll(/<tr data-run="([^"]+)" data-exit="(\d)"><td><a href="([^"]+)">/g)].map((match) => [
      match[1],
      match[2],
      match[3],
    ]);
    expect(rows).toEqual([
      ['newer', '0', 'newer/report.html'],
      ['older', '0', 'older/report.html'],
    ]);
    expect(dom).toContain('npx tob-lab run leader-failure --seed 42');
  });

  it("numbers deliveries in each node's own order", async () => {
    const { dom } = await renderedPage();
    const positions = [...dom.matchAll(/data-kind="deliver" data-node="3"[^>]*data-position="(\d+)"/g)].map((match) =>
      Number(match[1]),
    );
    expect(positions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('ran its script: every tooltip text moved to data-tip, where hovering shows it', async () => {
    const { result, html, dom } = await renderedPage();
    expect(html).toContain('<title>');
    expect(count(dom, /<svg[^>]*>[^]*?<title>/g)).toBe(0);
    const tips = count(dom, /\sdata-tip="/g);
    expect(tips).toBeGreaterThanOrEqual(
      eventsOfType(result.history, 'receive') + eventsOfType(result.history, 'deliver'),
    );
    expect(dom).toMatch(/data-tip="msg \d+ HEARTBEAT: node 2 -&gt; node 1/);
  });

  it('shows the verdicts and the replay command', async () => {
    const { result, dom } = await renderedPage();
    expect(count(dom, /<tr data-checker="/g)).toBe(result.verdicts.length);
    expect(dom).toContain('npx tob-lab run leader-failure --seed 42');
    expect(dom).toContain(result.hash);
  });

  it('references nothing outside the file', async () => {
    const { html } = await renderedPage();
    expect(html).not.toMatch(/https?:\/\//i);
    const references = [
      ...[...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)].map((match) => match[1]),
      ...[...html.matchAll(/url\(\s*["']?([^"')]*)/gi)].map((match) => match[1]),
      ...[...html.matchAll(/@import\s+(?:url\()?\s*["']?([^"');\s]*)/gi)].map((match) => match[1]),
    ];
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      expect(reference).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
    }
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link\b|<img\b|<iframe\b|@font-face/i);
  });
});

describe('report.html structure (no browser needed)', () => {
  const faulty = scenario({
    name: 'report-faults',
    cluster: { protocol: 'isis', nodes: 4 },
    network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: false, duplicateRate: 0.2 },
    timeline: [
      at(500, submit(1, 'one'), submit(2, 'two')),
      at(1_000, partition([1, 2], [3, 4])),
      at(1_100, submit(3, 'three')),
      at(1_500, heal()),
      at(1_600, pause(2)),
      at(1_700, submit(1, 'four')),
      at(2_200, resume(2)),
      at(2_300, setNetwork({ lossRate: 0.3 })),
      at(2_400, submit(4, 'five'), cut(1, 3)),
      at(2_600, crash(4)),
      at(3_000, restart(4)),
    ],
    settleMs: 1_000,
    livenessMs: 8_000,
  });
  const result = runScenario(faulty, { seed: 3 });
  const html = renderHtml(result);

  it('marks duplicates, drops with their reason, pauses, crashes and network faults', () => {
    const flights = messageFlights(result.history);
    const duplicated = flights.filter((flight) => flight.duplicates.length > 0).length;
    expect(duplicated).toBeGreaterThan(0);
    expect(count(html, /<g[^>]*\sdata-kind="duplicate"/g)).toBe(duplicated);
    expect(count(html, /<g[^>]*\sdata-kind="arrow"/g)).toBe(eventsOfType(result.history, 'receive'));
    expect(count(html, /<g[^>]*\sdata-kind="arrow"[^>]*data-copy="2"/g)).toBeGreaterThan(0);
    const reasons = new Set(result.history.events.flatMap((event) => (event.type === 'drop' ? [event.reason] : [])));
    expect(reasons.has('partition')).toBe(true);
    for (const reason of reasons) expect(html).toContain(`data-kind="drop" data-reason="${reason}"`);
    expect(count(html, /<g[^>]*\sdata-kind="drop"/g)).toBe(eventsOfType(result.history, 'drop'));
    expect(count(html, /<g[^>]*\sdata-kind="paused" data-node="2"/g)).toBe(1);
    expect(count(html, /<g[^>]*\sdata-kind="down" data-node="4"/g)).toBe(1);
    expect(count(html, /<g[^>]*\sdata-kind="partition"/g)).toBe(1);
    expect(count(html, /<g[^>]*\sdata-kind="cut"/g)).toBe(1);
    expect(count(html, /<g[^>]*\sdata-kind="phase"/g)).toBe(1);
  });

  it('draws at most the arrow budget for big runs, and says so on the page', () => {
    const receives = eventsOfType(result.history, 'receive');
    const bounded = renderHtml(result, { limits: { arrowsMax: 10, marksMax: 1_000, heightPxMax: 100_000 } });
    expect(receives).toBeGreaterThan(10);
    expect(count(bounded, /<g[^>]*\sdata-kind="arrow"/g)).toBe(10);
    expect(bounded).toMatch(
      /data-kind="truncated">This run is large: the diagram draws its first \d+ of \d+ events \(10 of \d+ message arrows/,
    );
    const short = renderHtml(result, { limits: { arrowsMax: 10_000, marksMax: 10_000, heightPxMax: 400 } });
    expect(short).toContain('data-kind="truncated"');
    expect(count(short, /<g[^>]*\sdata-kind="arrow"/g)).toBeLessThan(receives);
  });

  it('is the same bytes for the same run', () => {
    expect(renderHtml(runScenario(faulty, { seed: 3 }))).toBe(html);
  });
});
