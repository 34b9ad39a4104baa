import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

/** The opt-in scripts, as package.json runs them (through tsx), with the words their usage starts with. */
const SCRIPTS = [
  { file: 'scripts/sweep.ts', usage: /^npm run sweep -- \[options\]/ },
  { file: 'bench/index.ts', usage: /^npm run bench -- \[options\]/ },
  { file: 'scripts/update-readme.ts', usage: /^npm run docs/ },
  { file: 'scripts/compare-protocols.ts', usage: /^usage: npm run compare/ },
  { file: 'scripts/soak-raft.ts', usage: /^usage: npm run soak:raft/ },
  { file: 'bench/stream.ts', usage: /^npm run stream / },
  { file: 'scripts/fuzz-live.ts', usage: /^usage: npm run fuzz:live/ },
];

function runScript(file: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('every script answers --help and rejects unknown flags before doing any work', () => {
  for (const { file, usage } of SCRIPTS) {
    it(`${file} --help prints its usage and exits 0`, () => {
      const result = runScript(file, ['--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(usage);
    });

    it(`${file} --bogus exits 64 naming the flag`, () => {
      const result = runScript(file, ['--bogus']);
      expect(result.code).toBe(64);
      expect(result.stderr).toMatch(/(option|flag) '?"?--bogus/i);
      expect(result.stdout).toBe('');
    });
  }

  it('checks the values it takes', () => {
    const result = runScript('scripts/sweep.ts', ['--runs', 'many']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--runs must be a whole number >= 1, got "many"/);
  });
});
