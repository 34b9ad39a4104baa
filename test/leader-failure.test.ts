import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../src/scenarios/index.ts';
import { REPO_ROOT, runCli } from './support/cli.ts';

const { scenario } = await loadScenario('scenarios/leader-failure.ts', REPO_ROOT);

describe('scenarios/leader-failure.ts (seed 004, scenario 2)', () => {
  it('holds its expectations for seed 42', () => {
    const result = runScenario(scenario, { seed: 42 });
    expect(result.expectations.filter((outcome) => !outcome.holds)).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.expectations.length).toBeGreaterThanOrEqual(7);
  });

  it('holds its expectations for seeds 1..60', () => {
    const failing: number[] = [];
    for (let seed = 1; seed <= 60; seed += 1) {
      if (runScenario(scenario, { seed }).exitCode !== 0) failing.push(seed);
    }
    expect(failing).toEqual([]);
  });

  it('shows the elections and the catch-up in the timeline', async () => {
    const { code, stdout } = await runCli(['run', 'scenarios/leader-failure.ts', '--seed', '42']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/node 3 {2}LEADER term 1/);
    expect(stdout).toMatch(/node 3 {2}CRASH/);
    expect(stdout).toMatch(/node 2 {2}LEADER term 2/);
    expect(stdout).toMatch(/node 3 {2}RESTART/);
    expect(stdout).toMatch(/node 3 {2}· catch-up: received \d+ entries/);
    expect(stdout).toMatch(/pass {2}total-order/);
    // Every node delivered the same sequence.
    const sequences = stdout.match(/^ {2}node \d \(\d+\): (.*)$/gm)?.map((line) => line.split(': ')[1]);
    expect(sequences).toHaveLength(3);
    expect(new Set(sequences).size).toBe(1);
  });
});
