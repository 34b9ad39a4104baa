import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

describe('what runs leave behind', () => {
  it('git ignores what tob-lab writes by default', () => {
    const paths = [
      'tob-lab-data/node-1.log.jsonl',
      'leader.jsonl',
      'reports/leader-failure-seed42/report.html',
      'dist/index.js',
      'tob-lab-0.1.0.tgz',
    ];
    const result = spawnSync('git', ['check-ignore', '--no-index', ...paths], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.stdout.trim().split('\n').sort()).toEqual([...paths].sort());
    // What belongs in the repository stays visible.
    const kept = spawnSync('git', ['check-ignore', '--no-index', 'reports/README.md', 'scenarios/leader-failure.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(kept.stdout).toBe('');
  });

  it('the suite makes its temporary directories under one root that is removed at the end', () => {
    expect(basename(tmpdir())).toMatch(/^tob-lab-tests-/);
  });
});
