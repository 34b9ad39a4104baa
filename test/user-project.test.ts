import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

/**
 * A user's own project with tob-lab installed from the tarball `npm pack` makes (so from the compiled package,
 * as published), its dependencies linked from this repository's node_modules instead of downloaded.
 */
const root = mkdtempSync(join(tmpdir(), 'tob-lab-packed-'));
let tarball = '';
let installed = '';

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000) {
  // The packed package has no sources: whatever the rest of the suite asks for, it runs compiled.
  const { TOB_LAB_FROM_SOURCE: _fromSource, ...env } = process.env;
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** A project directory with the packed tob-lab in node_modules beside links to every other dependency. */
function userProject(name: string, packageJson: Record<string, unknown>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...packageJson }));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry === 'tob-lab' || entry === '.bin') continue;
    symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  // A copy, not a link: Node resolves a package's own imports from its real path, which must be in this project.
  cpSync(installed, join(dir, 'node_modules', 'tob-lab'), { recursive: true });
  return dir;
}

function tobLab(args: string[], cwd: string) {
  return run(process.execPath, [join(cwd, 'node_modules', 'tob-lab', 'bin', 'tob-lab.js'), ...args], cwd);
}

beforeAll(() => {
  const packed = run('npm', ['pack', '--pack-destination', root], REPO_ROOT, 240_000);
  expect(packed.code, packed.stderr).toBe(0);
  tarball = join(root, packed.stdout.trim().split('\n').at(-1) as string);
  const unpacked = join(root, 'unpacked');
  mkdirSync(unpacked);
  expect(run('tar', ['-xzf', tarball, '-C', unpacked], root).code).toBe(0);
  installed = join(root, 'tob-lab');
  renameSync(join(unpacked, 'package'), installed);
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds compiled JavaScript with declarations and the shipped scenarios, and no tests or sources', () => {
    const files = run('tar', ['-tzf', tarball], root).stdout.trim().split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/shipped-scenarios/leader-failure.js');
    expect(files).toContain('package/scenarios/leader-failure.ts');
    expect(files.filter((file) => /\.test\.|\/test\/|^package\/src\//.test(file))).toEqual([]);
  });

  it('is imported from plain Node, with no TypeScript loader', () => {
    const dir = userProject('plain-node', { type: 'module' });
    const script =
      "const lab = await import('tob-lab'); console.log(typeof lab.check, typeof lab.scenario, typeof lab.caseArbitrary, lab.PROTOCOLS.length);";
    const result = run(process.execPath, ['--input-type=module', '-e', script], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^function function function \d+$/);
    const commonJs = run(
      process.execPath,
      ['-e', "import('tob-lab').then((lab) => console.log(typeof lab.runScenario))"],
      dir,
    );
    expect(commonJs.stdout.trim()).toBe('function');
  });

  it('type-checks in a strict TypeScript project, declaration files included (skipLibCheck off)', () => {
    const dir = userProject('strict-ts', { type: 'module' });
    copyFileSync(join(REPO_ROOT, 'examples', 'gossip-chat.ts'), join(dir, 'gossip-chat.ts'));
    writeFileSync(
      join(dir, 'usage.ts'),
      [
        "import { at, check, crash, scenario, submit, type CheckResult } from 'tob-lab';",
        "import { gossipChat } from './gossip-chat.ts';",
        "export const demo = scenario({ name: 'demo', cluster: { protocol: gossipChat, nodes: 3 }, timeline: [at(10, submit(1, 'hi'), crash(2))] });",
        "export const result: Promise<CheckResult> = check({ protocol: gossipChat, faults: ['crash'], runs: 1, seed: 1 });",
      ].join('\n'),
    );
    const compilerOptions = {
      strict: true,
      noEmit: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      allowImportingTsExtensions: true,
      skipLibCheck: false,
      types: [],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['usage.ts'] }));
    const result = run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      dir,
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it("runs the README's protocol and its property test with vitest, as the README shows them", () => {
    const dir = userProject('readme-example', { type: 'module' });
    for (const file of ['gossip-chat.ts', 'gossip-chat.test.ts'])
      copyFileSync(join(REPO_ROOT, 'examples', file), join(dir, file));
    const result = run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir],
      dir,
      180_000,
    );
    expect(result.stdout).toMatch(/Tests +2 passed/);
    expect(result.code).toBe(0);
  });

  it("runs a scenario of the user's (TypeScript, loaded through tsx on demand) and a shipped one (compiled)", () => {
    const dir = userProject('scenario-esm', { type: 'module' });
    writeFileSync(
      join(dir, 'my-demo.ts'),
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
    const mine = tobLab(['run', 'my-demo.ts', '--seed', '4'], dir);
    expect(mine.stderr).toBe('');
    expect(mine.code).toBe(0);
    expect(mine.stdout).toMatch(/tob-lab run my-demo {2}\(seed 4, protocol isis, 3 nodes\)/);
    const shipped = tobLab(['run', 'leader-failure', '--seed', '42'], dir);
    expect(shipped.code).toBe(0);
    expect(shipped.stdout).toMatch(/^replay: {2}npx tob-lab run leader-failure --seed 42$/m);
  });

  it('loads neither ink nor react unless a terminal view is drawn', () => {
    const dir = userProject('no-ink', { type: 'module' });
    const log = join(dir, 'resolved.txt');
    const hooks = join(dir, 'log-hooks.mjs');
    writeFileSync(
      hooks,
      "import { appendFileSync } from 'node:fs';\n" +
        `export async function resolve(specifier, context, next) { appendFileSync(${JSON.stringify(log)}, specifier + '\\n'); return next(specifier, context); }\n`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`,
    );
    const bin = join(dir, 'node_modules', 'tob-lab', 'bin', 'tob-lab.js');
    for (const args of [['--help'], ['run', 'leader-failure', '--plain'], ['list']]) {
      expect(run(process.execPath, ['--import', './register.mjs', bin, ...args], dir).code).toBe(0);
    }
    const resolved = readFileSync(log, 'utf8').split('\n');
    expect(resolved).toContain('commander');
    expect(resolved.filter((specifier) => /^(ink|react)(\/|$)/.test(specifier))).toEqual([]);
  });

  it('runs .mts from a CommonJS package, and a .ts there gets a message saying what to change', () => {
    const dir = userProject('scenario-cjs', {});
    const source =
      "import { at, scenario, submit } from 'tob-lab';\nexport default scenario({ name: 'cjs', cluster: { protocol: 'isis', nodes: 3 }, timeline: [at(10, submit(1, 'x'))] });\n";
    writeFileSync(join(dir, 'my-demo.mts'), source);
    writeFileSync(join(dir, 'my-demo.ts'), source);
    expect(tobLab(['run', 'my-demo.mts', '--seed', '4'], dir).code).toBe(0);
    const result = tobLab(['run', 'my-demo.ts', '--seed', '4'], dir);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/was loaded as CommonJS.*add "type": "module" there, or name the file \.mts/);
  });

  it("searches the user's protocol on worker threads and replays the saved counterexample, all compiled", () => {
    const dir = userProject('check-user', { type: 'module' });
    copyFileSync(join(REPO_ROOT, 'examples', 'gossip-chat.ts'), join(dir, 'gossip-chat.ts'));
    const args = [
      'check',
      '--protocol',
      './gossip-chat.ts',
      '--faults',
      'delay',
      '--properties',
      'fifo-order',
      '--runs',
      '40',
      '--seed',
      '3',
      '--workers',
      '2',
      '--json',
      '--out',
      'found',
    ];
    const found = tobLab(args, dir);
    expect(found.code).toBe(0);
    const violation = JSON.parse(found.stdout).violation;
    expect(violation.standing).toBe('known-weakness');
    expect(readFileSync(join(dir, violation.counterexample), 'utf8')).toMatch(
      /^import userProtocol from '\.\.\/gossip-chat\.ts';$/m,
    );
    const replay = tobLab(['run', violation.counterexample, '--seed', String(violation.runSeed), '--json'], dir);
    expect(replay.stderr).toBe('');
    expect(JSON.parse(replay.stdout).hash).toBe(violation.hash);
  });
});
