import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario, type Scenario } from '../src/scenarios/index.ts';
import { runGenerated } from '../src/search/index.ts';
import { DrawnScheduler, PctScheduler, ReplayScheduler, ScheduleDivergence } from '../src/sim/strategies.ts';
import { REPO_ROOT } from './support/cli.ts';

async function shippedScenarios(): Promise<Array<{ file: string; scenario: Scenario }>> {
  const files = readdirSync(join(REPO_ROOT, 'scenarios'))
    .filter((file) => file.endsWith('.ts'))
    .sort();
  return Promise.all(
    files.map(async (file) => ({ file, scenario: (await loadScenario(`scenarios/${file}`, REPO_ROOT)).scenario })),
  );
}

describe('the choice strategies share one model whose candidate 0 is the default order', () => {
  it('with no deviation, every shipped scenario gives the default strategy’s history, byte for byte', async () => {
    for (const { file, scenario } of await shippedScenarios()) {
      for (const seed of [1, 2]) {
        const expected = runScenario(scenario, { seed }).hash;
        const scheduler = new DrawnScheduler([]);
        expect(runScenario(scenario, { seed, scheduler }).hash, `${file} seed ${seed}`).toBe(expected);
        expect(scheduler.deviations).toBe(0);
        expect(scheduler.schedule()).toEqual([]);
      }
    }
  });

  it('a drawn or PCT run replays from the events it took, and the replay is the same history', async () => {
    for (const { file, scenario } of await shippedScenarios()) {
      for (const scheduler of [
        new DrawnScheduler([
          { at: 3, pick: 1 },
          { at: 10, pick: 2 },
          { at: 40, pick: 3 },
        ]),
        new PctScheduler({ seed: 7, depth: 3 }),
      ]) {
        const original = runScenario(scenario, { seed: 1, scheduler });
        const replayed = runScenario({ ...scenario, schedule: { order: scheduler.schedule() } }, { seed: 1 });
        expect(replayed.hash, `${file} ${scheduler.constructor.name}`).toBe(original.hash);
      }
    }
  });

  it('PCT is a function of its seed: the same seed, the same run; other seeds, other orders', async () => {
    const [{ scenario }] = (await shippedScenarios()).filter(({ file }) => file === 'concurrent-messages.ts');
    const run = (seed: number) =>
      runScenario(scenario, { seed: 1, scheduler: new PctScheduler({ seed, depth: 2 }) }).hash;
    expect(run(3)).toBe(run(3));
    expect(new Set([1, 2, 3, 4, 5, 6].map(run)).size).toBeGreaterThan(1);
  });

  it('a schedule that names an event the run never offers is refused, not silently ignored', async () => {
    const [{ scenario }] = (await shippedScenarios()).filter(({ file }) => file === 'concurrent-messages.ts');
    expect(() => runScenario({ ...scenario, schedule: { order: [999_999] } }, { seed: 1 })).toThrow(ScheduleDivergence);
    expect(() => runScenario(scenario, { seed: 1, scheduler: new ReplayScheduler([0, 0]) })).toThrow(
      ScheduleDivergence,
    );
  });

  it('a generated case with a drawn order is saved with the events it fired and replays as found', async () => {
    const [{ scenario }] = await shippedScenarios();
    // runGenerated is what the search runs; its schedule, saved in the scenario, must give the same history.
    const { result, schedule } = runGenerated({
      scenario,
      seed: 4,
      order: { kind: 'drawn', deviations: [{ at: 2, pick: 1 }] },
    });
    expect(schedule).not.toBeNull();
    expect(runScenario({ ...scenario, schedule: { order: schedule! } }, { seed: 4 }).hash).toBe(result.hash);
  });
});
