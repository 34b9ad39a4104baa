import { describe, expect, it } from 'vitest';
import { historyToJsonl } from '../src/core/history.ts';
import { loadScenario, runScenario } from '../src/scenarios/index.ts';
import { REPO_ROOT, runBin } from './support/cli.ts';

const { scenario } = await loadScenario('scenarios/leader-failure.ts', REPO_ROOT);

describe('determinism', () => {
  it('the same seed gives byte-identical histories, for 100 seeds', () => {
    const hashes = new Set<string>();
    for (let seed = 0; seed < 100; seed += 1) {
      const first = runScenario(scenario, { seed });
      const second = runScenario(scenario, { seed });
      expect(historyToJsonl(second.history)).toBe(historyToJsonl(first.history));
      expect(second.hash).toBe(first.hash);
      hashes.add(first.hash);
    }
    // Another seed gives another history: every one of the 100 differs.
    expect(hashes.size).toBe(100);
  });

  it('a separate process gives the same hash for the same seed', () => {
    const inProcess = runScenario(scenario, { seed: 42 });
    const child = runBin(['run', 'scenarios/leader-failure.ts', '--seed', '42', '--json']);
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout).hash).toBe(inProcess.hash);
  });
});

describe('determinism of a run drawn as it goes', () => {
  it('a run advanced in slices of virtual time gives the same history as one straight run', async () => {
    const { scenarioRun } = await import('../src/scenarios/runner.ts');
    for (const chunkMs of [1, 37, 500]) {
      const run = scenarioRun(scenario, { seed: 42 }, chunkMs);
      let snapshots = 0;
      let step = run.next();
      for (; step.done !== true; step = run.next()) snapshots += 1;
      expect(snapshots).toBeGreaterThan(10);
      expect(step.value.hash).toBe(runScenario(scenario, { seed: 42 }).hash);
    }
  });
});
