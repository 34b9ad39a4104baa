import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closestName } from '../src/core/suggest.ts';
import { runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tob-lab-validation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a scenario file whose body is `body` (the object passed to scenario()) and runs it. */
async function runScenarioText(name: string, body: string) {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    [
      "import { at, crash, pause, restart, resume, scenario, submit } from 'tob-lab';",
      `export default scenario(${body});`,
    ].join('\n'),
  );
  return runCli(['run', file, '--seed', '1', '--plain']);
}

const base = (extra: string) =>
  `{ name: 'typo', cluster: { protocol: 'isis', nodes: 3 }, timeline: [at(1000, submit(1, 'a'))], ${extra} }`;

describe('typos in a scenario are errors with a did-you-mean (exit 64), not silent passes', () => {
  it('names an unknown key in expect', async () => {
    const result = await runScenarioText('pas', base("expect: { pas: ['total-order'] }"));
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/expect\.pas is not a scenario setting; did you mean "pass"\?/);
  });

  it('names an unknown key in the network, and in a latency inside it', async () => {
    const latncy = await runScenarioText('latncy', base("network: { latncy: { kind: 'constant', ms: 5 } }"));
    expect(latncy.code).toBe(64);
    expect(latncy.stderr).toMatch(/network\.latncy is not a scenario setting; did you mean "latency"\?/);
    const inner = await runScenarioText('inner', base("network: { latency: { kind: 'constant', msec: 5 } }"));
    expect(inner.code).toBe(64);
    expect(inner.stderr).toMatch(/network\.latency\.msec is not a scenario setting; did you mean "ms"\?/);
  });

  it('says a misspelled timeline is missing, with the fix, instead of a TypeError', async () => {
    const result = await runScenarioText(
      'timline',
      "{ name: 'x', cluster: { protocol: 'isis', nodes: 3 }, timline: [] }",
    );
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/needs a timeline.*found "timline": did you mean "timeline"\?/);
    expect(result.stderr).not.toMatch(/Cannot read|TypeError/);
  });

  it('names unknown keys at the top, in the cluster and in a step action', async () => {
    const top = await runScenarioText('top', base('setleMs: 100'));
    expect(top.stderr).toMatch(/setleMs is not a scenario setting; did you mean "settleMs"\?/);
    const cluster = await runScenarioText(
      'cluster',
      "{ name: 'x', cluster: { protocol: 'isis', node: 3 }, timeline: [] }",
    );
    expect(cluster.stderr).toMatch(/cluster\.node is not a scenario setting; did you mean "nodes"\?/);
    const action = await runScenarioText(
      'action',
      "{ name: 'x', cluster: { protocol: 'isis', nodes: 3 }, timeline: [{ atMs: 5, action: { do: 'crash', nod: 2 } }] }",
    );
    expect(action.stderr).toMatch(/timeline step 1 action\.nod is not a scenario setting; did you mean "node"\?/);
    for (const result of [top, cluster, action]) expect(result.code).toBe(64);
  });

  it('suggests the checker for a misspelled one in expect', async () => {
    const result = await runScenarioText('checker', base("expect: { pass: ['total-ordr'] }"));
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown checker "total-ordr"; did you mean "total-order"\?/);
  });
});

describe('acting on a node in the wrong state is an error naming the step', () => {
  it('rejects a restart of a running node', async () => {
    const result = await runScenarioText(
      'restart',
      "{ name: 'x', cluster: { protocol: 'isis', nodes: 3 }, timeline: [at(1000, restart(2))] }",
    );
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/step 1 \(restart node 2 at 1000 ms\): node 2 is running at that point/);
  });

  it('rejects a crash of a crashed node and a resume of a node that is not paused', async () => {
    const crashed = await runScenarioText(
      'crash',
      "{ name: 'x', cluster: { protocol: 'isis', nodes: 3 }, timeline: [at(1000, crash(2)), at(2000, crash(2))] }",
    );
    expect(crashed.code).toBe(64);
    expect(crashed.stderr).toMatch(/step 2 \(crash node 2 at 2000 ms\): node 2 is down/);
    const resumed = await runScenarioText(
      'resume',
      "{ name: 'x', cluster: { protocol: 'isis', nodes: 3 }, timeline: [at(1000, resume(1))] }",
    );
    expect(resumed.stderr).toMatch(/step 1 \(resume node 1 at 1000 ms\): node 1 is running/);
  });

  it('accepts crash, restart, pause and resume in a sensible order', async () => {
    const result = await runScenarioText(
      'fine',
      "{ name: 'x', cluster: { protocol: 'isis', nodes: 3 }, timeline: [at(1000, crash(2)), at(2000, restart(2)), at(3000, pause(1)), at(4000, resume(1)), at(5000, crash(1))] }",
    );
    expect(result.stderr).toBe('');
  });
});

describe('misspelled names get a did-you-mean', () => {
  it('suggests the shipped scenario for a misspelled name', async () => {
    const result = await runCli(['run', 'leader-failur', '--plain']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/did you mean "leader-failure"\?/);
  });

  it('suggests the protocol for a misspelled --protocol', async () => {
    const result = await runCli(['run', 'leader-failure', '--protocol', 'sequencr', '--plain']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown protocol "sequencr"; did you mean "sequencer"\?/);
  });

  it('keeps quiet when nothing is close', () => {
    expect(closestName('zebra', ['total-order', 'exactly-once'])).toBeNull();
    expect(closestName('exactly-onse', ['total-order', 'exactly-once'])).toBe('exactly-once');
  });
});

describe('per-protocol expectations are checked like the others', () => {
  it('names an unknown key and a misspelled checker inside expect.protocols', async () => {
    const key = await runScenarioText(
      'protokey',
      base("expect: { pass: ['total-order'], protocols: { raft: { pas: ['total-order'] } } }"),
    );
    expect(key.code).toBe(64);
    expect(key.stderr).toMatch(/expect\.protocols\.raft\.pas is not a scenario setting; did you mean "pass"\?/);
    const checker = await runScenarioText(
      'protochecker',
      base("expect: { protocols: { raft: { pass: ['exactly-onse'] } } }"),
    );
    expect(checker.code).toBe(64);
    expect(checker.stderr).toMatch(/unknown checker "exactly-onse"; did you mean "exactly-once"\?/);
  });
});
