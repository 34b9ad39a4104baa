import { describe, expect, it } from 'vitest';
import { eventsOf } from '../src/core/history.ts';
import {
  after,
  at,
  burst,
  crash,
  deliveredAtLeast,
  join,
  leaderElected,
  runScenario,
  scenario,
  settled,
  submit,
  when,
  within,
} from '../src/index.ts';
import { ScenarioError } from '../src/scenarios/errors.ts';
import { runCli } from './support/cli.ts';

const cluster = { protocol: 'sequencer', nodes: 3 };

describe('scenario triggers', () => {
  it('runs relative steps after the previous one and conditional steps when the condition holds', () => {
    const result = runScenario(
      scenario({
        name: 'triggers',
        cluster,
        timeline: [
          when(leaderElected(3), submit(1, 'first')),
          after(250, submit(2, 'second')),
          when(deliveredAtLeast(1, 2), crash(3)),
          when(leaderElected(2), submit(1, 'after failover')),
          when(settled(), submit(2, 'last')),
        ],
      }),
      { seed: 1 },
    );
    const submits = eventsOf(result.history, 'submit');
    const leader3 = eventsOf(result.history, 'announce').find((event) => event.node === 3 && event.role === 'leader');
    expect(submits[0].t).toBe(leader3?.t);
    expect(submits[1].t).toBe(submits[0].t + 250);
    const crashEvent = eventsOf(result.history, 'crash')[0];
    const secondAtNode1 = eventsOf(result.history, 'deliver').filter((event) => event.node === 1)[1];
    expect(crashEvent.t).toBe(secondAtNode1.t);
    const leader2 = eventsOf(result.history, 'announce').find((event) => event.node === 2 && event.role === 'leader');
    expect(submits[2].t).toBe(leader2?.t);
    expect(submits).toHaveLength(4);
    expect(result.exitCode).toBe(0);
  });

  it('skips a step whose condition never holds and reports it as a liveness failure', () => {
    const result = runScenario(
      scenario({
        name: 'never',
        cluster,
        timeline: [at(100, crash(3)), within(5_000, when(leaderElected(3), submit(1, 'never sent')))],
      }),
      { seed: 1 },
    );
    expect(eventsOf(result.history, 'submit')).toHaveLength(0);
    const skipped = result.expectations.find((outcome) => outcome.expectation.includes('when node 3 leads'));
    expect(skipped).toMatchObject({ holds: false, kind: 'liveness' });
    expect(skipped?.detail).toMatch(/did not hold within 5000 ms/);
    expect(result.exitCode).toBe(2);
  });

  it('sorts an all-absolute timeline but keeps the written order once other triggers appear', () => {
    const sorted = scenario({ name: 's', cluster, timeline: [at(200, submit(1, 'b')), at(100, submit(1, 'a'))] });
    expect(sorted.steps.map((step) => step.atMs)).toEqual([100, 200]);
    const written = scenario({ name: 'w', cluster, timeline: [at(200, submit(1, 'b')), after(5, submit(1, 'c'))] });
    expect(written.steps.map((step) => step.action)).toEqual([submit(1, 'b'), submit(1, 'c')]);
  });
});

describe('bursts and joins', () => {
  it('a burst submits from every named node at the same instant', () => {
    const result = runScenario(scenario({ name: 'b', cluster, timeline: [at(3_000, burst([1, 2, 3], 'hey'))] }), {
      seed: 2,
    });
    const submits = eventsOf(result.history, 'submit');
    expect(submits.map((event) => [event.node, event.payload, event.t])).toEqual([
      [1, 'hey (node 1)', 3_000],
      [2, 'hey (node 2)', 3_000],
      [3, 'hey (node 3)', 3_000],
    ]);
  });

  it('a node listed in joinLater is down until its join step, and receives nothing before', () => {
    const result = runScenario(
      scenario({
        name: 'j',
        cluster: { ...cluster, joinLater: [3] },
        timeline: [at(2_500, submit(1, 'before 3 joins')), at(5_000, join(3))],
      }),
      { seed: 3 },
    );
    const joinEvent = eventsOf(result.history, 'join')[0];
    expect(joinEvent).toMatchObject({ node: 3, t: 5_000 });
    const before = result.history.events.filter((event) => event.t < 5_000 && 'node' in event && event.node === 3);
    expect(before).toEqual([]);
    const notJoined = eventsOf(result.history, 'drop').filter((event) => event.reason === 'not-joined');
    expect(notJoined.length).toBeGreaterThan(0);
    // It catches up after joining.
    expect(
      eventsOf(result.history, 'deliver')
        .filter((event) => event.node === 3)
        .map((event) => event.payload),
    ).toEqual(['before 3 joins']);
  });
});

describe('scenario errors name the step and the fix', () => {
  it('rejects a step with two triggers', () => {
    const bad = scenario({ name: 'x', cluster, timeline: [{ atMs: 5, afterMs: 5, action: submit(1, 'x') }] });
    expect(() => runScenario(bad, { seed: 1 })).toThrow(ScenarioError);
    expect(() => runScenario(bad, { seed: 1 })).toThrow(/step 1 .*exactly one trigger/);
  });

  it('rejects a join of a node that boots at start', () => {
    const bad = scenario({ name: 'x', cluster, timeline: [at(5, join(2))] });
    expect(() => runScenario(bad, { seed: 1 })).toThrow(
      /step 1 \(node 2 joins at 5 ms\): node 2 boots at start; list it in cluster.joinLater/,
    );
  });

  it('rejects a condition on an unknown node, a negative time and an unknown option', () => {
    expect(() =>
      runScenario(scenario({ name: 'x', cluster, timeline: when(leaderElected(9), submit(1, 'x')) }), { seed: 1 }),
    ).toThrow(/when node 9 leads.*use a node id from 1 to 3/);
    expect(() =>
      runScenario(scenario({ name: 'x', cluster, timeline: [at(-1, submit(1, 'x'))] }), { seed: 1 }),
    ).toThrow(/the time must be a number of milliseconds >= 0/);
    expect(() =>
      runScenario(scenario({ name: 'x', cluster: { ...cluster, options: { heartbeatMs: 5 } }, timeline: [] }), {
        seed: 1,
      }),
    ).toThrow(/cluster.options.heartbeatMs is not an option of sequencer \(its options: heartbeatIntervalMs/);
  });

  it('the CLI names the file as well', async () => {
    const result = await runCli(['run', 'test/fixtures/bad-node.ts']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(
      /test\/fixtures\/bad-node.ts: step 1 \(crash node 7 at 1000 ms\): node 7 is not in the cluster/,
    );
  });
});
