import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tob-lab-check-ci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GOSSIP = join(REPO_ROOT, 'examples', 'gossip-chat.ts');

/** A user's protocol that promises more than it keeps: the gossip example claiming total order fault-free. */
function overpromisingProtocol(): string {
  const file = join(dir, 'overpromise.mts');
  writeFileSync(
    file,
    [
      `import { gossipChat } from ${JSON.stringify(GOSSIP)};`,
      "export default { ...gossipChat, name: 'overpromise', promises: { 'total-order': { holds: ['none', 'delay'] } } };",
    ].join('\n'),
  );
  return file;
}

describe('check in CI mode', () => {
  it('exits 0 on a known weakness, says so, and fails on it with --strict', async () => {
    const args = [
      'check',
      '--protocol',
      'sequencer',
      '--faults',
      'partition',
      '--seed',
      '5',
      '--runs',
      '300',
      '--out',
      join(dir, 'weak'),
    ];
    const lenient = await runCli(args);
    expect(lenient.stdout).toMatch(/a known weakness: the promise table says total-order breaks under partition/);
    expect(lenient.stdout).toMatch(/CI: passes \(a known weakness; --strict fails on it\)/);
    expect(lenient.code).toBe(0);
    const strict = await runCli([...args, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/CI: fails \(exit 1\)/);
  });

  it('exits 1 on a broken promise of a user protocol, and writes JUnit XML that says so', async () => {
    const junit = join(dir, 'junit', 'check.xml');
    const result = await runCli([
      'check',
      '--protocol',
      overpromisingProtocol(),
      '--faults',
      'delay',
      '--seed',
      '1',
      '--runs',
      '30',
      '--properties',
      'total-order',
      '--out',
      join(dir, 'broken'),
      '--junit',
      junit,
    ]);
    expect(result.stdout).toMatch(/A BROKEN PROMISE: the promise table says total-order holds under delay/);
    expect(result.code).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="tob-lab check" tests="1" failures="1"/);
    expect(xml).toMatch(/<testcase classname="tob-lab.check" name="overpromise: total-order under delay"/);
    expect(xml).toMatch(/<failure message="total-order violated: broken-promise" type="safety">/);
    expect(xml).toMatch(/replay: npx tob-lab run \S+counterexample-overpromise-total-order-seed1\.mts --seed \d+/);
  });

  it('writes a passing JUnit case when nothing is found', async () => {
    const junit = join(dir, 'clean.xml');
    const result = await runCli([
      'check',
      '--protocol',
      'sequencer',
      '--faults',
      'clock-drift',
      '--seed',
      '1',
      '--runs',
      '5',
      '--junit',
      junit,
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(readFileSync(junit, 'utf8')).toMatch(
      /failures="0"[\s\S]*<testcase classname="tob-lab.check" name="sequencer: [^"]+ under clock-drift" time="[\d.]+"\/>/,
    );
  });

  it('saves the counterexample with --json --out and names it in the JSON; --json alone saves nothing', async () => {
    const out = join(dir, 'json');
    const args = [
      'check',
      '--protocol',
      'sequencer',
      '--faults',
      'partition',
      '--seed',
      '5',
      '--runs',
      '300',
      '--json',
    ];
    const saved = JSON.parse((await runCli([...args, '--out', out])).stdout);
    expect(saved.exitCode).toBe(0);
    expect(saved.violation.standing).toBe('known-weakness');
    expect(saved.violation.counterexample).toBe(join(out, 'counterexample-sequencer-total-order-seed5.mts'));
    expect(readdirSync(out)).toContain('counterexample-sequencer-total-order-seed5.mts');
    const unsaved = JSON.parse((await runCli(args)).stdout);
    expect(unsaved.violation.counterexample).toBeNull();
  });

  it('writes the counterexample as DSL code that replays to the same history', async () => {
    const out = join(dir, 'dsl');
    const found = JSON.parse(
      (
        await runCli([
          'check',
          '--protocol',
          'sequencer',
          '--faults',
          'partition',
          '--seed',
          '5',
          '--runs',
          '300',
          '--json',
          '--out',
          out,
        ])
      ).stdout,
    );
    const source = readFileSync(found.violation.counterexample, 'utf8');
    expect(source).toMatch(/^import \{ at, (heal, )?partition, scenario, submit \} from 'tob-lab';/);
    expect(source).toMatch(/^ {4}at\(0, submit\(1, 'm1'\), submit\(2, 'm2'\), partition\(\[1\], \[2, 3\]\)\),$/m);
    expect(source).toMatch(/^ {2}expect: \{ pass: \['total-order'\] \},$/m);
    expect(source).not.toMatch(/"do":/);
    const replay = await runCli([
      'run',
      found.violation.counterexample,
      '--seed',
      String(found.violation.runSeed),
      '--json',
    ]);
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout).hash).toBe(found.violation.hash);
  });
});

describe("a protocol of the user's, by path", () => {
  it('is searched on worker threads, and its counterexample imports the module and replays', async () => {
    const out = join(dir, 'user');
    const args = [
      'check',
      '--protocol',
      GOSSIP,
      '--faults',
      'delay',
      '--seed',
      '3',
      '--runs',
      '40',
      '--properties',
      'fifo-order',
      '--json',
      '--out',
      out,
    ];
    const single = JSON.parse((await runCli(args)).stdout);
    const threaded = JSON.parse((await runCli([...args, '--workers', '2'])).stdout);
    expect(single.violation).not.toBeNull();
    expect(threaded.violation).toEqual(single.violation);
    const source = readFileSync(single.violation.counterexample, 'utf8');
    expect(source).toMatch(/^import userProtocol from '[^']*examples\/gossip-chat\.ts';$/m);
    expect(source).toMatch(/cluster: \{ protocol: userProtocol, nodes: 3 \}/);
    const replay = await runCli([
      'run',
      single.violation.counterexample,
      '--seed',
      String(single.violation.runSeed),
      '--json',
    ]);
    expect(replay.stderr).toBe('');
    expect(JSON.parse(replay.stdout).hash).toBe(single.violation.hash);
  });

  it('is explored by path too, and the explored counterexample imports the module and replays', async () => {
    const out = join(dir, 'explored');
    const args = ['explore', '--protocol', GOSSIP, '--properties', 'total-order', '--depth', '6', '--out', out];
    const found = await runCli(args);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/VIOLATION of total-order after 2 events/);
    const file = join(out, 'explore-gossip-chat-total-order-bfs-seed1.mts');
    expect(readdirSync(out)).toContain('explore-gossip-chat-total-order-bfs-seed1.mts');
    expect(readFileSync(file, 'utf8')).toMatch(/^import userProtocol from '[^']*examples\/gossip-chat\.ts';$/m);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^// Found by: tob-lab explore --protocol ${GOSSIP} `, 'm'));
    const replay = await runCli(['run', file, '--seed', '1', '--json']);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout).verdicts).toContainEqual(
      expect.objectContaining({ checker: 'total-order', status: 'fail' }),
    );
  });

  it('runs a shipped scenario with --protocol ./file.ts, and the replay command carries it', async () => {
    const result = await runCli([
      'run',
      'concurrent-messages',
      '--protocol',
      './examples/gossip-chat.ts',
      '--seed',
      '2',
      '--plain',
    ]);
    expect(result.stdout).toMatch(/protocol gossip-chat, 3 nodes/);
    expect(result.stdout).toMatch(
      /^replay: {2}npx tob-lab run concurrent-messages --seed 2 --protocol \.\/examples\/gossip-chat\.ts$/m,
    );
  });

  it('takes --options for check, checked against the protocol', async () => {
    const good = JSON.parse(
      (
        await runCli([
          'check',
          '--protocol',
          'sequencer',
          '--options',
          '{"heartbeatIntervalMs":200}',
          '--faults',
          'clock-drift',
          '--runs',
          '3',
          '--seed',
          '1',
          '--json',
        ])
      ).stdout,
    );
    expect(good.violation).toBeNull();
    const bad = await runCli(['check', '--protocol', 'sequencer', '--options', '{"heartbeatMs":200}', '--runs', '3']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/"heartbeatMs" is not an option of sequencer/);
  });

  it('says what is wrong with a module that exports no protocol', async () => {
    const file = join(dir, 'empty.ts');
    writeFileSync(file, 'export const answer = 42;\n');
    const result = await runCli(['check', '--protocol', file, '--runs', '1']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/must export one protocol definition.*no export looks like one/);
  });
});
