import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';

const out = mkdtempSync(join(tmpdir(), 'tob-lab-explore-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('tob-lab explore', () => {
  it('reports its counts, prints a shortest counterexample event by event, saves it, and run replays it', async () => {
    const args = ['explore', '--protocol', 'lamport', '--properties', 'total-order', '--depth', '8', '--out', out];
    const found = await runCli(args);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/states explored \d+, unique states \d+, depth reached 6 of 8/);
    expect(found.stdout).toMatch(/bound exhausted: no \(stopped at the first violation\)/);
    expect(found.stdout).toMatch(/VIOLATION of total-order after 6 events \(a shortest counterexample\)/);
    expect(found.stdout).toMatch(/ {4}6\. node \d timer delivery-check; node \d delivers s\d/);
    expect(readdirSync(out)).toContain('explore-lamport-total-order-bfs-seed1.mts');
    const replay = found.stdout.match(/replay: {2}npx tob-lab run (\S+) --seed (\d+)/);
    const rerun = await runCli(['run', replay![1], '--seed', replay![2], '--json']);
    expect(rerun.code).toBe(1);
    const again = await runCli(args);
    expect(again.stdout).toBe(found.stdout);
  });

  it('exits 0 when the bound holds no violation, and says whether it was exhausted', async () => {
    const result = await runCli(['explore', '--protocol', 'causal', '--faults', 'crash', '--json']);
    expect(result.code).toBe(0);
    const counts = JSON.parse(result.stdout);
    expect(counts).toMatchObject({ exhausted: true, complete: true, counterexample: null });
  });

  it('finds the Lamport violation with pct and with drawn orders too', async () => {
    for (const strategy of ['pct', 'drawn']) {
      const result = await runCli([
        'explore',
        '--protocol',
        'lamport',
        '--properties',
        'total-order',
        '--strategy',
        strategy,
        '--runs',
        '1000',
        '--out',
        out,
      ]);
      expect(result.code, strategy).toBe(1);
      expect(result.stdout).toMatch(/VIOLATION of total-order after \d+ events \(found after \d+ runs\)/);
    }
  });

  it('refuses bad input with a clear message and exit code 64', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--protocol', 'nope'], /unknown protocol "nope"/],
      [['--protocol', 'causal', '--faults', 'loss'], /cannot place fault "loss"/],
      [['--protocol', 'causal', '--properties', 'eventual-delivery'], /liveness property/],
      [['--protocol', 'causal', '--strategy', 'random'], /unknown --strategy "random"/],
      [['--protocol', 'causal', '--strategy', 'pct', '--depth', '3'], /bound the bfs and dfs strategies only/],
      [['--protocol', 'causal', '--depth', '0'], /--depth must be a whole number/],
      [['--protocol', 'causal', '--submit-at', '1,4'], /--submit-at lists nodes from 1 to 3/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['explore', ...args]);
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe('tob-lab check --strategy', () => {
  it('searches with drawn orders and saves a counterexample that replays', async () => {
    const result = await runCli([
      'check',
      '--protocol',
      'lamport',
      '--faults',
      'none',
      '--properties',
      'total-order',
      '--runs',
      '100',
      '--seed',
      '5',
      '--strategy',
      'drawn',
      '--out',
      out,
      // lamport's total order is a known weakness, which check passes in CI mode; --strict fails on it.
      '--strict',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/strategy drawn/);
    const replay = result.stdout.match(/replay: {2}npx tob-lab run (\S+) --seed (\d+)/);
    const hash = result.stdout.match(/history: sha256 ([0-9a-f]{64})/)?.[1];
    const rerun = await runCli(['run', replay![1], '--seed', replay![2], '--json']);
    expect(JSON.parse(rerun.stdout).hash).toBe(hash);
  });

  it('refuses an unknown strategy', async () => {
    const result = await runCli(['check', '--protocol', 'lamport', '--strategy', 'bfs']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown --strategy "bfs"; choose from: latency, pct, drawn/);
  });
});
