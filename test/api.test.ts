import { describe, expect, it } from 'vitest';
import { gossipChat } from '../examples/gossip-chat.ts';
import {
  assertCheck,
  caseArbitrary,
  check,
  CheckFailure,
  faultScheduleArbitrary,
  fc,
  firstViolation,
  runScenario,
  workloadArbitrary,
  type ProtocolDefinition,
} from 'tob-lab';
import { testProtocol } from 'tob-lab/vitest';
import { REPO_ROOT } from './support/cli.ts';

const GOSSIP_PATH = `${REPO_ROOT}examples/gossip-chat.ts`;

describe('check(), the search as a library call', () => {
  it('returns a known weakness as data: passed, with the shrunk scenario, its DSL source and the commands', async () => {
    const result = await check({ protocol: 'sequencer', faults: ['partition'], runs: 300, seed: 5 });
    expect(result.passed).toBe(true);
    expect(result.exitCode).toBe(0);
    const violation = result.violation!;
    expect(violation.property).toBe('total-order');
    expect(violation.standing).toBe('known-weakness');
    expect(violation.scenario.steps.length).toBeGreaterThan(0);
    expect(violation.source).toMatch(/^import \{ at, (heal, )?partition, scenario, submit \} from 'tob-lab';/);
    expect(result.command).toBe(
      'npx tob-lab check --protocol sequencer --faults partition --runs 300 --seed 5 --nodes 3 --properties ' +
        result.properties.join(','),
    );
    // The returned scenario, run with its seed, is the very counterexample.
    const replay = runScenario(violation.scenario, { seed: violation.runSeed });
    expect(replay.hash).toBe(violation.hash);
    expect(firstViolation(replay, ['total-order'])?.checker).toBe('total-order');
  });

  it('fails a strict check on the same finding, and assertCheck throws a readable CheckFailure', async () => {
    const strict = await check({ protocol: 'sequencer', faults: ['partition'], runs: 300, seed: 5, strict: true });
    expect(strict.passed).toBe(false);
    expect(strict.exitCode).toBe(1);
    const error = await assertCheck({
      protocol: 'sequencer',
      faults: ['partition'],
      runs: 300,
      seed: 5,
      strict: true,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckFailure);
    expect((error as CheckFailure).message).toMatch(
      /VIOLATION of total-order \(safety\)[\s\S]*minimal schedule[\s\S]*repeat the search: npx tob-lab check --protocol sequencer .*--strict/,
    );
  });

  it("checks a user's protocol object in process, and by its path on worker threads, with the same result", async () => {
    const options = { faults: ['delay'] as const, runs: 40, seed: 3, properties: ['fifo-order'] };
    const inProcess = await check({ ...options, faults: [...options.faults], protocol: gossipChat });
    const threaded = await check({ ...options, faults: [...options.faults], protocol: GOSSIP_PATH, workers: 2 });
    expect(inProcess.violation?.standing).toBe('known-weakness');
    expect(threaded.violation?.hash).toBe(inProcess.violation?.hash);
    expect(threaded.violation?.source).toMatch(/^import userProtocol from '.*examples\/gossip-chat\.ts';$/m);
  });

  it('says what to do when a protocol object without a module goes to workers', async () => {
    const anonymous: ProtocolDefinition = { ...gossipChat, name: 'anonymous' };
    await expect(check({ protocol: anonymous, workers: 2, runs: 2, seed: 1 })).rejects.toThrow(
      /no module path.*pass its path, or use one worker/,
    );
  });

  it('rejects bad options with a message that says what to change', async () => {
    await expect(check({ protocol: 'sequencer', faults: ['crsh' as 'crash'] })).rejects.toThrow(
      /unknown fault class "crsh"; did you mean "crash"\?/,
    );
    await expect(check({ protocol: 'sequencer', properties: ['total-ordr'] })).rejects.toThrow(
      /did you mean "total-order"/,
    );
    await expect(check({ protocol: 'sequencr' })).rejects.toThrow(
      /unknown protocol "sequencr"; did you mean "sequencer"/,
    );
  });
});

describe('the arbitraries, for properties of your own', () => {
  it('compose into an fc.assert that finds a reordering in the gossip protocol under delay', () => {
    const generate = { protocol: gossipChat, nodes: 3, faults: ['delay'] as const };
    expect(() =>
      fc.assert(
        fc.property(caseArbitrary({ ...generate, faults: [...generate.faults] }), (generated) => {
          const result = runScenario(generated.scenario, { seed: generated.seed });
          return firstViolation(result, ['fifo-order']) === null;
        }),
        { seed: 3, numRuns: 200, endOnFailure: true },
      ),
    ).toThrow(/Property failed after \d+ tests/);
  });

  it('generate plain data: workloads of submissions and fault schedules of the chosen classes', () => {
    const workloads = fc.sample(workloadArbitrary({ protocol: 'isis', nodes: 3, faults: [] }), {
      seed: 1,
      numRuns: 20,
    });
    for (const steps of workloads) for (const step of steps) expect(step.action.do).toBe('submit');
    const schedules = fc.sample(faultScheduleArbitrary({ protocol: 'isis', nodes: 3, faults: ['crash-restart'] }), {
      seed: 1,
      numRuns: 20,
    });
    const actions = new Set(schedules.flat(2).map((step) => step.action.do));
    expect([...actions].sort()).toEqual(['crash', 'restart']);
  });
});

describe('tob-lab/vitest', () => {
  testProtocol(gossipChat, {
    faults: ['crash', 'duplication'],
    runs: 30,
    seed: 1,
    name: 'testProtocol registers a passing test for a protocol that keeps its promises',
  });
});
