import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario, SHIPPED_SCENARIOS_DIR } from '../src/scenarios/index.ts';
import { REPO_ROOT } from './support/cli.ts';

const files = readdirSync(SHIPPED_SCENARIOS_DIR)
  .filter((file) => file.endsWith('.ts'))
  .sort();

describe('every shipped scenario holds its stated expectations', () => {
  it('ships the documented demos', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of files) {
    it(`${file} (seed 42 and seeds 1..20)`, async () => {
      const { scenario } = await loadScenario(`scenarios/${file}`, REPO_ROOT);
      const stated = (scenario.expect?.pass?.length ?? 0) + (scenario.expect?.fail?.length ?? 0);
      expect(stated).toBeGreaterThan(0);
      const broken: string[] = [];
      for (const seed of [42, ...Array.from({ length: 20 }, (_, index) => index + 1)]) {
        const result = runScenario(scenario, { seed });
        for (const outcome of result.expectations) {
          if (!outcome.holds) broken.push(`seed ${seed}: ${outcome.expectation} (${outcome.detail})`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
