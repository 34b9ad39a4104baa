import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashText, parseHistoryJsonl } from '../src/core/history.ts';
import { runBin, runCli } from './support/cli.ts';

describe('tob-lab run', () => {
  it('writes the trace as JSONL whose hash is the one reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tob-lab-'));
    const trace = join(dir, 'trace.jsonl');
    const { code, stdout } = await runCli(['run', 'leader-failure', '--seed', '7', '--trace', trace, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    const text = readFileSync(trace, 'utf8');
    expect(hashText(text)).toBe(summary.hash);
    expect(parseHistoryJsonl(text).events).toHaveLength(summary.events);
    expect(summary.verdicts.map((verdict: { checker: string }) => verdict.checker)).toContain('total-order');
  });

  it('exits 0 when a demo expects a failure and gets it', async () => {
    const result = await runCli(['run', 'test/fixtures/split-brain.ts', '--seed', '1']);
    expect(result.stdout).toMatch(/FAIL {2}total-order/);
    expect(result.code).toBe(0);
  });

  it('exits 1 on a safety violation', async () => {
    const result = await runCli(['run', 'test/fixtures/expects-impossible.ts', '--seed', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/SAFETY VIOLATION/);
    expect(result.stdout).toMatch(/evidence: #\d+/);
  });

  it('exits 2 on a liveness violation', async () => {
    const result = await runCli(['run', 'test/fixtures/lost-forever.ts', '--seed', '1']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/LIVENESS VIOLATION/);
  });

  it('exits 64 with a message for an unknown file', async () => {
    const result = await runCli(['run', 'scenarios/no-such-thing.ts']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/no scenario file "scenarios\/no-such-thing.ts".*tob-lab list/);
  });

  it('exits 64 for a bad seed', async () => {
    const result = await runCli(['run', 'leader-failure', '--seed', 'forty-two']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--seed must be a whole number/);
  });

  it('exits 64 naming the file, the step and the fix for a bad step', async () => {
    const result = await runCli(['run', 'test/fixtures/bad-node.ts']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(
      /step 1 \(crash node 7 at 1000 ms\): node 7 is not in the cluster; use a node id from 1 to 3/,
    );
  });

  it('exits 64 for a file without a scenario and for an unknown protocol', async () => {
    const noDefault = await runCli(['run', 'test/fixtures/no-default.ts']);
    expect(noDefault.code).toBe(64);
    expect(noDefault.stderr).toMatch(/no-default.ts has no scenario as its default export/);
    const unknown = await runCli(['run', 'leader-failure', '--protocol', 'paxos']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/unknown protocol "paxos"; choose one of: .*sequencer/);
  });

  it('exits 64 for an unknown option or command', async () => {
    expect((await runCli(['run', 'leader-failure', '--sed', '3'])).code).toBe(64);
    expect((await runCli(['frobnicate'])).code).toBe(64);
  });
});

describe('help', () => {
  it('describes the commands and the run options', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/run \[options\] <scenario>/);
    expect(top.stdout).toMatch(/list/);
    const run = await runCli(['run', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--seed', '--trace', '--json', '--protocol', 'Exit codes']) expect(run.stdout).toContain(flag);
  });

  it('the installed bin runs as a separate process', () => {
    const result = runBin(['run', 'leader-failure', '--seed', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OK: every expectation holds/);
  });
});
