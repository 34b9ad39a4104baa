import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin } from './support/cli.ts';

/** A user's own project with tob-lab installed (linked here) and a scenario of their own. */
function userProject(packageJson: Record<string, unknown>, fileName: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tob-lab-user-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-lab', version: '1.0.0', ...packageJson }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'tob-lab'));
  writeFileSync(
    join(dir, fileName),
    [
      "import { at, crash, scenario, submit } from 'tob-lab';",
      'export default scenario({',
      "  name: 'my-demo',",
      "  cluster: { protocol: 'isis', nodes: 3 },",
      "  timeline: [at(1_000, submit(1, 'hello'), submit(2, 'hi')), at(3_000, crash(3))],",
      "  expect: { pass: ['total-order', 'exactly-once'] },",
      '});',
    ].join('\n'),
  );
  return dir;
}

describe("a scenario in the user's own project", () => {
  it('runs from an ES module package, importing the DSL by the package name', () => {
    const dir = userProject({ type: 'module' }, 'my-demo.ts');
    const result = runBin(['run', 'my-demo.ts', '--seed', '4'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/tob-lab run my-demo {2}\(seed 4, protocol isis, 3 nodes\)/);
  });

  it('runs as .mts from a CommonJS package, and a .ts there gets a message saying what to change', () => {
    const dir = userProject({}, 'my-demo.mts');
    expect(runBin(['run', 'my-demo.mts', '--seed', '4'], dir).code).toBe(0);
    const cjs = userProject({}, 'my-demo.ts');
    const result = runBin(['run', 'my-demo.ts', '--seed', '4'], cjs);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/was loaded as CommonJS.*add "type": "module" there, or name the file \.mts/);
  });
});
