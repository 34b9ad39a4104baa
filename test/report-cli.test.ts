import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashText } from '../src/core/history.ts';
import { REPO_ROOT, runCli } from './support/cli.ts';

const REPORT_FILES = ['report.html', 'report.md', 'run.json', 'shiviz.log', 'trace.chrome.json', 'trace.jsonl'];

describe('tob-lab run --report', () => {
  it('writes the five files into the directory given and prints where', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tob-lab-run-report-')), 'nested', 'out');
    const { code, stdout } = await runCli(['run', 'leader-failure', '--seed', '42', '--plain', '--report', dir]);
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(REPORT_FILES);
    expect(stdout).toContain(`report:  ${dir}/report.html`);
    const hash = stdout.match(/sha256 ([0-9a-f]{64})/)?.[1];
    expect(hashText(readFileSync(join(dir, 'trace.jsonl'), 'utf8'))).toBe(hash);
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdown).toContain('npx tob-lab run leader-failure --seed 42');
    expect(markdown).toMatch(/\| election-safety \| safety \| pass \|/);
    expect(markdown).toMatch(/### Delivery latency[^]*\| all nodes \| 24 \|/);
    const chrome = JSON.parse(readFileSync(join(dir, 'trace.chrome.json'), 'utf8'));
    expect(chrome.otherData).toMatchObject({ scenario: 'leader-failure', seed: 42, hash });
  });

  it('defaults to reports/<scenario>-seed<N> under the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tob-lab-run-cwd-'));
    const { code, stdout } = await runCli(['run', 'causal-simple-exchange', '--seed', '3', '--report', '--plain'], cwd);
    expect(code).toBe(0);
    expect(stdout).toContain('report:  reports/causal-simple-exchange-seed3/report.html');
    expect(readdirSync(join(cwd, 'reports', 'causal-simple-exchange-seed3')).sort()).toEqual(REPORT_FILES);
  });

  it('adds the metrics and the report directory to --json, keeping every other field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tob-lab-run-json-'));
    const plain = JSON.parse((await runCli(['run', 'leader-failure', '--seed', '7', '--json'])).stdout);
    const withReport = JSON.parse(
      (await runCli(['run', 'leader-failure', '--seed', '7', '--json', '--report', dir])).stdout,
    );
    expect(withReport).toEqual({ ...plain, report: dir });
    expect(plain.metrics.latency.overall.count).toBe(24);
    expect(plain.metrics.messages.perSubmit).toBeGreaterThan(1);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });

  it('says what went wrong when the directory cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tob-lab-run-bad-'));
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const { code, stderr } = await runCli([
      'run',
      'leader-failure',
      '--report',
      join(dir, 'a-file', 'report'),
      '--plain',
    ]);
    expect(code).toBe(64);
    expect(stderr).toMatch(/cannot write the report to/);
  });
});

describe('the plain text summary of run', () => {
  it('plots latency and throughput, and draws small runs as a space-time view', async () => {
    const { stdout } = await runCli(['run', 'causal-simple-exchange', '--seed', '42', '--plain']);
    expect(stdout).toMatch(/Space-time \(one row per message or event/);
    expect(stdout).toMatch(/ 1 ─+▶ 2[ │]+CHAT \+[\d.]+ ms/);
    expect(stdout).toMatch(/ 1 ◀─+ 3 +CHAT/);
    expect(stdout).toMatch(/node 3 delivers s3 \(#3\)/);
    expect(stdout).toMatch(/Delivery latency, ms[^]*┼[^]*Throughput, deliveries per second[^]*┼/);
    // The views come before the verdicts, which stay where they were, with the summary last.
    expect(stdout.indexOf('Space-time')).toBeLessThan(stdout.indexOf('\nCheckers\n'));
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^replay: {2}npx tob-lab run causal-simple-exchange --seed 42$/,
    );
    for (const line of stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(140);
  });

  it('leaves the space-time view out of runs with more than 60 messages', async () => {
    const { stdout } = await runCli(['run', 'leader-failure', '--seed', '42', '--plain']);
    expect(stdout).not.toMatch(/Space-time/);
    expect(stdout).toMatch(/Delivery latency, ms/);
  });
});

describe('reports/index.html', () => {
  it('lists every run reported into reports/, newest first, with its verdict', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tob-lab-index-'));
    try {
      expect((await runCli(['run', 'leader-failure', '--seed', '42', '--plain', '--report'], cwd)).code).toBe(0);
      // mtime resolution: make sure the second run is written measurably later.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const gossip = join(REPO_ROOT, 'examples', 'gossip-chat.ts');
      expect(
        (await runCli(['run', 'concurrent-messages', '--protocol', gossip, '--seed', '1', '--plain', '--report'], cwd))
          .code,
      ).toBe(1);
      const index = readFileSync(join(cwd, 'reports', 'index.html'), 'utf8');
      const rows = [...index.matchAll(/<tr data-run="([^"]+)" data-exit="(\d)">/g)].map((match) => [
        match[1],
        match[2],
      ]);
      expect(rows).toEqual([
        ['concurrent-messages-seed1', '1'],
        ['leader-failure-seed42', '0'],
      ]);
      expect(index).toMatch(/<a href="concurrent-messages-seed1\/report.html">/);
      expect(index).toMatch(/safety violation \(total-order/);
      expect(index).toContain('npx tob-lab run leader-failure --seed 42');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('is not written beside a report directory given elsewhere', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tob-lab-noindex-'));
    try {
      await runCli(['run', 'leader-failure', '--plain', '--report', join(parent, 'here')]);
      expect(readdirSync(parent)).toEqual(['here']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('tob-lab check', () => {
  it('writes the report of its counterexample next to the saved scenario', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tob-lab-check-report-'));
    const { code, stdout } = await runCli([
      'check',
      '--protocol',
      'sequencer',
      '--faults',
      'crash',
      '--seed',
      '1',
      '--runs',
      '50',
      '--out',
      out,
      '--strict',
    ]);
    expect(code).toBeGreaterThan(0);
    const saved = readdirSync(out).find((name) => name.endsWith('.mts'));
    expect(saved).toBeDefined();
    const dir = join(out, saved!.replace(/\.mts$/, ''));
    expect(readdirSync(dir).sort()).toEqual(REPORT_FILES);
    expect(stdout).toContain(`report:  ${join(dir, 'report.html')} `);
    const hash = stdout.match(/history: sha256 ([0-9a-f]{64})/)?.[1];
    expect(hashText(readFileSync(join(dir, 'trace.jsonl'), 'utf8'))).toBe(hash);
    // The report judges the run as replaying the saved file does: the broken property is a broken expectation.
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| outcome \| (SAFETY|LIVENESS) VIOLATION/);
    expect(markdown).toMatch(/\*\*FAIL\*\*/);
  });
});
