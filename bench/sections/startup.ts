import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatMs, median, nowMs } from '../measure.ts';
import type { SectionResult } from '../report.ts';
import { REPO_ROOT } from '../spawn.ts';
import type { BenchContext } from './common.ts';

/** `tob-lab --help` within this many times a bare `node -e 0` start, measured side by side. */
const HELP_RATIO_MAX = 3;
const ROUNDS_FULL = 9;
const ROUNDS_QUICK = 3;

interface Command {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

const BIN = join(REPO_ROOT, 'bin', 'tob-lab.js');

function newestMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** One wall-clock start of a process, to its exit (output discarded). */
function startMs(command: Command): number {
  const started = nowMs();
  const result = spawnSync(process.execPath, command.args, {
    cwd: REPO_ROOT,
    stdio: 'ignore',
    env: { ...process.env, ...command.env },
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`${command.name} exited ${String(result.status)}`);
  return nowMs() - started;
}

/**
 * Start-up of the CLI against a bare Node start. The commands take turns within each round (so load on the
 * machine touches all of them alike); the median of the rounds is reported, and ratios to `node -e 0` of the
 * same rounds, never absolute goals.
 */
export function benchStartup(context: BenchContext): SectionResult {
  const sectionStartMs = nowMs();
  const compiled = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < newestMs(join(REPO_ROOT, 'src'))) {
    context.log('dist/ is missing or older than src/: building it first (npm run build)');
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore', timeout: 300_000 });
    if (build.status !== 0) throw new Error('npm run build failed; run it to see why');
  }
  const commands: Command[] = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'tob-lab --help', args: [BIN, '--help'] },
    { name: 'tob-lab run leader-failure', args: [BIN, 'run', 'leader-failure', '--plain'] },
    { name: 'tob-lab --help (sources via tsx)', args: [BIN, '--help'], env: { TOB_LAB_FROM_SOURCE: '1' } },
  ];
  const rounds = context.quick ? ROUNDS_QUICK : ROUNDS_FULL;
  const samples = new Map<string, number[]>(commands.map((command) => [command.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const command of commands) samples.get(command.name)?.push(startMs(command));
  }
  const bareMs = median(samples.get('node -e 0') ?? []);
  const rows = commands.map((command) => {
    const ms = median(samples.get(command.name) ?? []);
    return [command.name, formatMs(ms), `${(ms / bareMs).toFixed(1)}x`];
  });
  const helpRatio = median(samples.get('tob-lab --help') ?? []) / bareMs;
  const met = helpRatio <= HELP_RATIO_MAX;
  return {
    id: 8,
    title: 'Start-up: the CLI against a bare node',
    method:
      `Each command started as a fresh process ${rounds} times, the commands taking turns within each round; the ` +
      'median wall time to exit, and its ratio to `node -e 0` measured in the same rounds. `run leader-failure` ' +
      'simulates and prints the whole scenario; the last row is the same --help run from the TypeScript sources ' +
      'through tsx, as before the package was compiled.',
    tables: [{ headers: ['command', 'median', 'vs node -e 0'], rows }],
    notes: [],
    plots: [],
    targets: [
      {
        name: `tob-lab --help within ${HELP_RATIO_MAX}x of node -e 0`,
        goal: `<= ${HELP_RATIO_MAX}x`,
        measured: `${helpRatio.toFixed(2)}x`,
        met,
        margin: met
          ? `${(HELP_RATIO_MAX / helpRatio).toFixed(2)}x under the bound`
          : `${(helpRatio / HELP_RATIO_MAX).toFixed(2)}x over the bound`,
      },
    ],
    wallMs: nowMs() - sectionStartMs,
  };
}
