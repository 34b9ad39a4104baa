import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check } from '../src/search/check.ts';
import type { GeneratedCase } from '../src/search/generate.ts';
import { firstCase, runCase, type SearchOptions } from '../src/search/search.ts';
import { REPO_ROOT, runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tob-lab-stall-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Gossip whose node loops forever on its fifth message from a peer: with seed 2, case 0 passes, case 1 hangs. */
const LOOPING = join(REPO_ROOT, 'test', 'fixtures', 'loops-forever.ts');
const STALL_ARGS = ['check', '--protocol', LOOPING, '--stall-seconds', '2', '--runs', '20', '--seed', '2'];

describe('the watchdog over a protocol whose handler never returns', () => {
  it('ends check with exit 1 naming the case and a rerun of it alone, and leaves no thread running', () => {
    const out = join(dir, 'text');
    // A separate process: it ends by itself only if no thread is left running (a worker keeps a process alive).
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'tob-lab.js'), ...STALL_ARGS, '--out', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /VIOLATION of protocol-stall found after 2 runs: case 1 \(case seed 3\) ran [\d.]+ s and its thread sent nothing for [\d.]+ s, so it was stopped: a handler of loops-forever may loop forever \(or the case is far too big\)/,
    );
    expect(run.stdout).toMatch(
      /^rerun: {3}npx tob-lab check --protocol \S+loops-forever\.ts .*--runs 1 --seed 3 .*--stall-seconds 2$/m,
    );
    expect(run.stdout).toMatch(/CI: fails \(exit 1\)/);
    const saved = /^saved: {3}(\S+)/m.exec(run.stdout)?.[1];
    expect(saved).toBeDefined();
    const source = readFileSync(resolve(REPO_ROOT, saved!), 'utf8');
    expect(source).toMatch(/^import userProtocol from '[^']*loops-forever\.ts';$/m);
    expect(source).toMatch(/expect: \{\},/);
  });

  it('carries the stall in --json, and the rerun command meets the same case as case 0', async () => {
    const junit = join(dir, 'junit.xml');
    const found = await runCli([...STALL_ARGS, '--json', '--junit', junit]);
    expect(found.code).toBe(1);
    const json = JSON.parse(found.stdout);
    expect(json.exitCode).toBe(1);
    expect(json.violation).toBeNull();
    expect(json.stall).toMatchObject({ property: 'protocol-stall', caseIndex: 1, caseSeed: 3, counterexample: null });
    expect(found.stderr).toMatch(/tob-lab check: case 1 \(case seed 3\) ran/);
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<failure message="protocol-stall: a handler never returned" type="safety">case 1 \(case seed 3\)/,
    );
    const rerun = await runCli(json.stall.rerun.split(' ').slice(2));
    expect(rerun.code).toBe(1);
    expect(rerun.stdout).toMatch(/found after 1 runs: case 0 \(case seed 3\)/);
  });

  it('reports the same stall from the library on one thread or two, as a failed check', async () => {
    const options = { protocol: LOOPING, runs: 20, seed: 2, stallSeconds: 2 };
    const one = await check(options);
    const two = await check({ ...options, workers: 2 });
    for (const result of [one, two]) {
      expect(result.passed).toBe(false);
      expect(result.exitCode).toBe(1);
      expect(result.violation).toBeNull();
      expect(result.stall).toMatchObject({ caseIndex: 1, caseSeed: 3 });
      expect(result.casesRun).toBe(2);
    }
    // The unshrunk case regenerated in this thread: the same scenario on one thread or two.
    expect(two.stall?.source).toBe(one.stall?.source);
    expect(one.stall?.scenario?.steps.length).toBeGreaterThan(0);
  });

  it('ranks a stall by case index: a violation in a lower case wins, as a single-threaded search would find it', async () => {
    // Two senders at once break total order in case 0; case 1 still loops forever, on the second thread.
    const options = { protocol: LOOPING, properties: ['total-order'], runs: 20, seed: 2 };
    const inProcess = await check(options);
    const threaded = await check({ ...options, stallSeconds: 2, workers: 2 });
    expect(inProcess.violation?.caseIndex).toBe(0);
    expect(threaded.stall).toBeNull();
    expect(threaded.casesRun).toBe(inProcess.casesRun);
    expect(threaded.violation?.runsToFind).toBe(inProcess.violation?.runsToFind);
    expect(threaded.violation?.hash).toBe(inProcess.violation?.hash);
  });

  it('rejects a stall bound that is not a whole number of seconds', async () => {
    const cli = await runCli(['check', '--protocol', 'sequencer', '--stall-seconds', '0.5']);
    expect(cli.code).toBe(64);
    expect(cli.stderr).toMatch(/--stall-seconds must be a whole number from 1 to 86400, got "0.5"/);
    await expect(check({ protocol: 'sequencer', stallSeconds: 0 })).rejects.toThrow(
      /stallSeconds must be a whole number >= 1, got 0/,
    );
  });
});

describe('the search on a watched thread', () => {
  it('regenerates the very case runCase runs first, from the search seed and the case index', () => {
    const base: SearchOptions = {
      protocol: 'raft',
      nodes: 3,
      faults: ['crash', 'partition'],
      properties: [],
      runs: 9,
      seed: 11,
    };
    const variants: SearchOptions[] = [
      base,
      { ...base, faults: ['storage', 'delay', 'loss'], swarm: true },
      { ...base, churn: true },
      { ...base, strategy: 'pct' },
      { ...base, strategy: 'drawn', nodes: 4 },
    ];
    for (const options of variants) {
      for (const index of [0, 4, 8]) {
        let first: GeneratedCase | null = null;
        runCase({ ...options, onCaseRun: (generated) => (first ??= generated) }, index);
        expect(first).not.toBeNull();
        expect(firstCase(options, index)).toEqual(first);
      }
    }
  });

  it('gives the CLI (a thread, watched) the same result as the library in this thread', async () => {
    const args = ['--faults', 'partition', '--seed', '5', '--runs', '300', '--strict'];
    const cli = await runCli(['check', '--protocol', 'sequencer', ...args, '--json']);
    const library = await check({ protocol: 'sequencer', faults: ['partition'], seed: 5, runs: 300, strict: true });
    const json = JSON.parse(cli.stdout);
    expect(cli.code).toBe(1);
    expect(json.stall).toBeNull();
    expect(json.casesRun).toBe(library.casesRun);
    expect(json.violation).toMatchObject({
      property: library.violation?.property,
      caseIndex: library.violation?.caseIndex,
      runSeed: library.violation?.runSeed,
      shrinks: library.violation?.shrinks,
      hash: library.violation?.hash,
    });
    const text = await runCli(['check', '--protocol', 'sequencer', ...args, '--out', join(dir, 'text')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`found after ${library.violation?.runsToFind} runs`);
    expect(text.stdout).toContain(`history: sha256 ${library.violation?.hash}`);
  });
});
