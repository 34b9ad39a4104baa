import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProperty } from '../src/core/promises.ts';
import { protocolByName } from '../src/protocols/index.ts';
import { loadScenario, runScenario } from '../src/scenarios/index.ts';
import { REPO_ROOT } from './support/cli.ts';

/**
 * Counterexamples that turned a promise-table cell into ✗ are kept here, with the seed and the history hash they
 * replay to: each must still break its property (its `expect.fail`), to the same history, and the table of its
 * protocol must still say so. A fix that makes one pass is a reason to move the cell back to ✓, deliberately.
 */
interface Regression {
  file: string;
  seed: number;
  property: string;
  hash: string;
}

const DIR = join(REPO_ROOT, 'test', 'regressions');
const regressions = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as Regression[];

describe('regression scenarios', () => {
  it('every scenario file in test/regressions is listed in its index', () => {
    const files = readdirSync(DIR)
      .filter((file) => file.endsWith('.ts'))
      .sort();
    expect(regressions.map((regression) => regression.file).sort()).toEqual(files);
  });

  for (const regression of regressions) {
    it(`${regression.file} still breaks ${regression.property} (seed ${regression.seed})`, async () => {
      const { scenario } = await loadScenario(join('test', 'regressions', regression.file), REPO_ROOT);
      expect(scenario.expect?.fail).toEqual([regression.property]);
      const result = runScenario(scenario, { seed: regression.seed });
      expect(result.verdicts.find((verdict) => verdict.checker === regression.property)?.status).toBe('fail');
      expect(result.exitCode).toBe(0);
      expect(result.hash).toBe(regression.hash);
      // The table of the row that broke says so, under the fault class in the file name.
      const name = String(scenario.cluster.protocol);
      const options = scenario.cluster.options ?? {};
      const row =
        name === 'sequencer' && options.retryForwards === true && options.dedupSubmissions === true
          ? 'sequencer-retry-dedup'
          : name;
      const fault = regression.file.includes('crash-restart')
        ? 'crash-restart'
        : regression.file.includes('-crash-')
          ? 'crash'
          : 'storage';
      expect(isProperty(regression.property)).toBe(true);
      const entry = protocolByName(row)?.promises[regression.property as 'total-order'];
      expect(entry?.breaks, `${row} ${regression.property}`).toContain(fault);
    });
  }
});
