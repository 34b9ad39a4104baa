import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { scriptArgs } from '../scripts/args.ts';
import { formatMs, nowMs } from './measure.ts';
import { PROFILE_TIMEOUT_MS, profileWorkload } from './profile.ts';
import { reportMarkdown, sectionText, targetsTable, textTable, type SectionResult, type Target } from './report.ts';
import { benchBroadcast } from './sections/broadcast.ts';
import { benchExplore } from './sections/explore.ts';
import type { BenchContext } from './sections/common.ts';
import { benchLive } from './sections/live.ts';
import { benchScale } from './sections/scale.ts';
import { benchSearch } from './sections/search.ts';
import { benchStartup } from './sections/startup.ts';
import { benchSimulator } from './sections/simulator.ts';
import { benchWeak } from './sections/weak.ts';
import { REPO_ROOT } from './spawn.ts';

/**
 * `npm run bench [-- --quick] [-- --only 1,3] [-- --no-profile]`: runs the benchmarks of issue 7, prints the
 * tables and which targets are met, and writes reports/bench.md. Not part of the test suite.
 */
const SECTIONS: Array<{ id: number; run: (context: BenchContext) => SectionResult | Promise<SectionResult> }> = [
  { id: 1, run: benchSimulator },
  { id: 2, run: benchBroadcast },
  { id: 3, run: benchSearch },
  { id: 4, run: benchWeak },
  { id: 5, run: benchScale },
  { id: 6, run: benchLive },
  { id: 7, run: benchExplore },
  { id: 8, run: benchStartup },
];
/**
 * The whole bench must finish within 10 minutes on 2 cores, however loaded: sections that would start after
 * SECTION_START_LIMIT_MS are skipped, child processes are killed at the hard limit, profiles need PROFILE_MIN_MS.
 */
const SECTION_START_LIMIT_MS = 8 * 60_000;
const HARD_LIMIT_MS = 9 * 60_000 + 30_000;
const PROFILE_MIN_MS = 60_000;
const REPORT_PATH = join(REPO_ROOT, 'reports', 'bench.md');

interface Flags {
  quick: boolean;
  only: Set<number> | null;
  profile: boolean;
}

function parseFlags(args: readonly string[]): Flags {
  const values = scriptArgs(
    'npm run bench -- [options]: speed targets measured side by side, written to reports/bench.md',
    {
      quick: { help: 'fewer repetitions (a smoke run)', boolean: true },
      only: { help: `section numbers, comma-separated, e.g. 1,3 (1 to ${SECTIONS.length})` },
      'no-profile': { help: 'do not profile the workloads of missed targets', boolean: true },
    },
    args,
  );
  const flags: Flags = { quick: values.quick === true, only: null, profile: values['no-profile'] !== true };
  if (typeof values.only === 'string') {
    const ids = values.only.split(',').map(Number);
    if (ids.some((id) => !SECTIONS.some((section) => section.id === id))) {
      process.stderr.write(
        `--only takes section numbers from 1 to ${SECTIONS.length}, comma-separated, e.g. --only 1,3\n`,
      );
      process.exit(64);
    }
    flags.only = new Set(ids);
  }
  return flags;
}

async function runSections(flags: Flags, startMs: number): Promise<SectionResult[]> {
  const results: SectionResult[] = [];
  for (const section of SECTIONS) {
    if (flags.only !== null && !flags.only.has(section.id)) continue;
    if (nowMs() - startMs > SECTION_START_LIMIT_MS) {
      const note = `skipped: the bench was past ${SECTION_START_LIMIT_MS / 60_000} minutes when this section was due`;
      process.stderr.write(`section ${section.id} ${note}\n`);
      results.push({
        id: section.id,
        title: `section ${section.id} skipped`,
        method: '',
        tables: [],
        notes: [note],
        plots: [],
        targets: [],
        wallMs: 0,
      });
      continue;
    }
    const context: BenchContext = {
      quick: flags.quick,
      log: (text) => process.stderr.write(`  [${section.id}] ${text}\n`),
      remainingMs: () => HARD_LIMIT_MS - (nowMs() - startMs),
    };
    process.stderr.write(`section ${section.id} ...\n`);
    const result = await runSection(section.id, () => section.run(context));
    process.stdout.write(sectionText(result) + '\n\n');
    results.push(result);
  }
  return results;
}

/** A section that throws is reported as failed, and the others still run and are written. */
async function runSection(id: number, run: () => SectionResult | Promise<SectionResult>): Promise<SectionResult> {
  const startMs = nowMs();
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      id,
      title: `section ${id} failed`,
      method: '',
      tables: [],
      notes: [`failed: ${message}`],
      plots: [],
      targets: [],
      wallMs: nowMs() - startMs,
    };
  }
}

/** Profiles each missed target's workload in a child under --cpu-prof, and prints the top frames. */
async function profileMissed(targets: readonly Target[], startMs: number): Promise<void> {
  for (const target of targets) {
    if (target.met || target.profileWith === undefined) continue;
    if (HARD_LIMIT_MS - (nowMs() - startMs) < PROFILE_MIN_MS) {
      process.stderr.write(`profile of ${target.profileWith} skipped: the bench is near its time limit\n`);
      continue;
    }
    process.stderr.write(`profiling ${target.profileWith} (missed: ${target.name}) ...\n`);
    try {
      const remainingMs = HARD_LIMIT_MS - (nowMs() - startMs);
      target.profile = await profileWorkload(target.profileWith, Math.min(PROFILE_TIMEOUT_MS, remainingMs));
    } catch (error) {
      process.stderr.write(`  profile failed: ${(error as Error).message}\n`);
      continue;
    }
    const layers = target.profile.layers.slice(0, 5).map((layer) => `${layer.layer} ${layer.percent.toFixed(0)} %`);
    const frames = target.profile.frames
      .slice(0, 6)
      .map((frame) => `${frame.name} (${frame.file}) ${frame.selfPercent.toFixed(1)} %`);
    process.stdout.write(
      `where the time goes, ${target.name}:\n  by layer: ${layers.join(', ')}\n  top frames: ${frames.join('; ')}\n\n`,
    );
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const startMs = nowMs();
  const startedAt = new Date().toISOString();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  // The load average says whether others were using the cores: absolute rates mean little when they were.
  const load = loadavg()[0].toFixed(2);
  const machine = `${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${load} at start`;
  process.stdout.write(`tob-lab bench (${flags.quick ? 'quick' : 'full'}) on ${machine}\n\n`);
  const sections = await runSections(flags, startMs);
  const targets = sections.flatMap((section) => section.targets);
  if (flags.profile) await profileMissed(targets, startMs);
  const totalWallMs = nowMs() - startMs;
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  mkdirSync(join(REPO_ROOT, 'reports'), { recursive: true });
  writeFileSync(REPORT_PATH, reportMarkdown({ startedAt, machine, command, sections, totalWallMs }));
  process.stdout.write(`Targets\n${textTable(targetsTable(targets))}\n\n`);
  const missed = targets.filter((target) => !target.met).length;
  process.stdout.write(
    `${targets.length - missed} of ${targets.length} targets met. Report: reports/bench.md. Bench time: ${formatMs(totalWallMs)}.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
