import { isAbsolute, join, relative, resolve } from 'node:path';
import { writeHistoryJsonl } from '../../core/history-stream.ts';
import { computeMetrics } from '../../report/metrics.ts';
import { TERMINAL_COLUMNS_DEFAULT, withTerminalViews } from '../../report/terminal.ts';
import { replayCommand, type ReportOptions } from '../../report/summary.ts';
import { formatRun, runSummaryJson, summaryLine } from '../../report/text.ts';
import { otherReportFiles, reportDirName, writeRunReport, type WrittenReport } from '../../report/write.ts';
import { loadScenario, protocolFromFlag, runScenario, scenarioRun, type RunResult } from '../../scenarios/index.ts';
import { parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';

interface RunFlags {
  seed: string;
  trace?: string;
  json?: boolean;
  protocol?: string;
  plain?: boolean;
  speed: string;
  /** true when given without a directory. */
  report?: string | true;
}

/** Frames per real second the live view aims at; each frame advances speed / FRAMES_PER_SECOND virtual seconds. */
const FRAMES_PER_SECOND = 20;

function frameChunkMs(speed: number): number {
  return speed === 0 ? 1_000 : Math.max(10, (speed * 1_000) / FRAMES_PER_SECOND);
}

/** The work of `tob-lab run`, loaded only when the command runs (so `--help` starts fast). */
export async function runAction(io: CommandIo, scenarioArg: string, flags: RunFlags): Promise<void> {
  const seed = parseSeed(flags.seed);
  const speed = Number(flags.speed);
  if (!(speed >= 0)) throw new UsageError(`--speed must be a number >= 0, got "${flags.speed}"`);
  const { scenario } = await loadScenario(scenarioArg, io.cwd);
  const options = { seed, protocol: await protocolFromFlag(flags.protocol, io.cwd) };
  const replay = { scenarioArg, protocolArg: flags.protocol };
  const live = io.interactive === true && flags.plain !== true && flags.json !== true;
  const result = live
    ? await runLive(replay, scenario.name, scenarioRun(scenario, options, frameChunkMs(speed)), speed)
    : runScenario(scenario, options);
  if (flags.trace !== undefined) writeTrace(flags.trace, result);
  const written = flags.report === undefined ? null : writeReport(io, flags.report, result, replay);
  const report = written === null ? null : written.shown;
  if (flags.json) io.write(JSON.stringify(jsonSummary(result, report), null, 2) + '\n');
  else if (!live) io.write(withTerminalViews(formatRun(result, replay), result.history, terminalColumns()) + '\n');
  if (written !== null && !flags.json)
    io.write(`report:  ${written.shown}/report.html (with ${otherReportFiles(written.report)})\n`);
  io.setExitCode(result.exitCode);
}

/** The ink view, loaded only here, so the plain path never pulls in ink or react. */
async function runLive(
  replay: ReportOptions,
  name: string,
  run: ReturnType<typeof scenarioRun>,
  speed: number,
): Promise<RunResult> {
  const { animateRun } = await import('../ui/animate-run.tsx');
  return animateRun({
    title: `tob-lab run ${name}`,
    run,
    chunkMs: frameChunkMs(speed),
    speed,
    columns: process.stdout.columns,
    rows: process.stdout.rows,
    footer: (result) => finalFooter(result, replay),
  });
}

/** The last lines of the live view: the verdict, what the run was, and the whole command that replays it. */
export function finalFooter(result: RunResult, replay: ReportOptions): string[] {
  return [
    summaryLine(result),
    `seed ${result.seed} · protocol ${result.protocol} · ${result.scenario.cluster.nodes} nodes · ` +
      `${result.history.events.length} events · sha256 ${result.hash.slice(0, 12)}…`,
    `replay: ${replayCommand(result, replay)}`,
  ];
}

/** The --json summary, with the run's metrics and, when one was written, the report directory added. */
function jsonSummary(result: RunResult, report: string | null): Record<string, unknown> {
  return { ...runSummaryJson(result), metrics: computeMetrics(result.history), ...(report === null ? {} : { report }) };
}

function terminalColumns(): number {
  return process.stdout.columns ?? TERMINAL_COLUMNS_DEFAULT;
}

/** Writes the run's report directory and returns it as the user should see it (relative to where they are). */
function writeReport(
  io: CommandIo,
  dir: string | true,
  result: RunResult,
  replay: ReportOptions,
): { shown: string; report: WrittenReport } {
  const target =
    dir === true ? join(io.cwd, 'reports', reportDirName(result.scenario.name, result.seed)) : resolve(io.cwd, dir);
  let report: WrittenReport;
  try {
    report = writeRunReport(result, target, replay);
  } catch (error) {
    throw new UsageError(`cannot write the report to ${target}: ${(error as Error).message}`);
  }
  const relativePath = relative(io.cwd, target);
  // Inside the working directory a relative path reads best; elsewhere the absolute one does.
  const shown =
    relativePath === '' ? '.' : relativePath.startsWith('..') || isAbsolute(relativePath) ? target : relativePath;
  return { shown, report };
}

function writeTrace(file: string, result: RunResult): void {
  try {
    writeHistoryJsonl(result.history, file);
  } catch (error) {
    throw new UsageError(`cannot write the trace to ${file}: ${(error as Error).message}`);
  }
}
