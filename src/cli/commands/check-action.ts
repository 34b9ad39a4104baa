import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CHECKER_NAMES, isCheckerName } from '../../check/index.ts';
import type { JsonObject } from '../../core/json.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import { FAULT_CLASSES, isFaultClass, type FaultClass } from '../../core/promises.ts';
import { shellWord } from '../../core/shell.ts';
import { LiveConfigError, parseOptions } from '../../live/config.ts';
import { PROTOCOLS } from '../../protocols/index.ts';
import { escapeXml } from '../../report/markup.ts';
import { formatVerdict } from '../../report/text.ts';
import { boundText } from '../../report/summary.ts';
import { otherReportFiles, writeRunReport, type WrittenReport } from '../../report/write.ts';
import { describeStep, protocolFromFlag, resolveProtocol } from '../../scenarios/index.ts';
import {
  check,
  PROTOCOL_STALL,
  propertiesOf,
  stallFileSummary,
  type CheckResult,
  type CheckStall,
  type CheckViolation,
} from '../../search/index.ts';
import { CHURN_FAULTS } from '../../search/churn.ts';
import { isOrderStrategy, ORDER_STRATEGIES, type OrderStrategy } from '../../search/strategies.ts';
import { shownPath, writeCounterexampleFile } from '../counterexample-file.ts';
import { parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';
import { Progress } from '../progress.ts';

interface CheckFlags {
  protocol: string;
  options?: string;
  faults: string;
  runs: string;
  seed?: string;
  nodes: string;
  properties?: string;
  out?: string;
  workers: string;
  stallSeconds: string;
  shard?: string;
  json?: boolean;
  strict?: boolean;
  junit?: string;
  strategy: string;
  swarm?: boolean;
  churn?: boolean;
}

const OUT_DEFAULT = 'reports';

/** The work of `tob-lab check`, loaded only when the command runs (so `--help` starts fast). */
export async function checkAction(io: CommandIo, flags: CheckFlags): Promise<void> {
  const settings = {
    faults: parseFaults(flags.faults),
    runs: parseCount(flags.runs, '--runs', 1, 1_000_000),
    nodes: parseCount(flags.nodes, '--nodes', 1, 64),
    workers: parseCount(flags.workers, '--workers', 1, 256),
    // Given always, so the search runs on a thread even with one worker and this thread is free to watch it.
    stallSeconds: parseCount(flags.stallSeconds, '--stall-seconds', 1, 86_400),
    shard: flags.shard === undefined ? undefined : parseShard(flags.shard),
    seed: flags.seed === undefined ? randomInt(0, 2 ** 31) : parseSeed(flags.seed),
    strict: flags.strict === true,
    strategy: parseStrategy(flags.strategy),
    swarm: flags.swarm === true,
    churn: flags.churn === true,
  };
  // Refused before anything is printed, as the other flags are (check() says the same for library callers).
  if (settings.churn && !settings.faults.some((fault) => CHURN_FAULTS.includes(fault)))
    throw new UsageError(
      `--churn strikes leaders with ${CHURN_FAULTS.join(', ')}: give --faults at least one of them, got ${settings.faults.join(',')}`,
    );
  const protocols = await chosenProtocols(flags, io.cwd);
  if (flags.options !== undefined && protocols.length > 1)
    throw new UsageError('--options applies to one protocol; give --protocol NAME, not all');
  const outcomes: CheckOutcome[] = [];
  for (const protocol of protocols) {
    const options = flags.options === undefined ? undefined : parseProtocolOptions(flags.options, protocol);
    const properties = parseProperties(flags.properties, protocol);
    const out = flags.out ?? (flags.json === true ? null : OUT_DEFAULT);
    outcomes.push(
      await checkOne(io, { ...settings, protocol, options, properties }, { out, json: flags.json === true }),
    );
  }
  if (flags.junit !== undefined) writeJunit(resolve(io.cwd, flags.junit), outcomes);
  io.setExitCode(outcomes.reduce((worst, outcome) => worseExit(worst, outcome.result.exitCode), 0));
}

async function chosenProtocols(flags: CheckFlags, cwd: string): Promise<readonly ProtocolDefinition[]> {
  if (flags.protocol === 'all') return PROTOCOLS;
  const chosen = await protocolFromFlag(flags.protocol, cwd);
  return [resolveProtocol(chosen ?? flags.protocol)];
}

function parseProtocolOptions(text: string, protocol: ProtocolDefinition): JsonObject {
  try {
    return parseOptions(text, protocol, '--options');
  } catch (error) {
    if (error instanceof LiveConfigError) throw new UsageError(error.message);
    throw error;
  }
}

interface SearchArgs {
  protocol: ProtocolDefinition;
  options: JsonObject | undefined;
  faults: FaultClass[];
  runs: number;
  nodes: number;
  seed: number;
  properties: string[];
  workers: number;
  stallSeconds: number;
  shard: { index: number; count: number } | undefined;
  strict: boolean;
  strategy: OrderStrategy;
  swarm: boolean;
  churn: boolean;
}

interface CheckOutcome {
  result: CheckResult;
  saved: SavedCounterexample | null;
  /** The stalled case's scenario file, when one was saved. */
  savedStall: string | null;
  timeMs: number;
}

/** One protocol's search through the library's check(), then the CLI's part: progress, files, text or JSON. */
async function checkOne(
  io: CommandIo,
  args: SearchArgs,
  output: { out: string | null; json: boolean },
): Promise<CheckOutcome> {
  const { protocol, faults, runs, nodes, seed, properties, shard } = args;
  const shardText = shard === undefined ? '' : `, shard ${shard.index}/${shard.count}`;
  const say = output.json ? () => {} : io.write;
  const strategyText =
    (args.strategy === 'latency' ? '' : `, strategy ${args.strategy}`) + (args.churn ? ', leader churn' : '');
  say(
    `tob-lab check: protocol ${protocol.name}, faults ${faults.join(',')}, ${nodes} nodes, ${runs} runs, seed ${seed}${shardText}${strategyText}, ${args.workers} worker(s)\n`,
  );
  say(`properties: ${properties.join(', ')}\n`);
  const progress = new Progress(io.writeError, shard === undefined ? runs : Math.ceil(runs / shard.count));
  const startedMs = Date.now();
  const result = await check({ ...args, onRun: (violations) => progress.tick(violations) });
  progress.done();
  const violation = result.violation;
  const saved =
    violation === null || output.out === null ? null : saveCounterexample(io, output.out, result, violation);
  const savedStall = result.stall === null || output.out === null ? null : saveStall(io, output.out, result);
  const outcome = { result, saved, savedStall, timeMs: Date.now() - startedMs };
  if (result.stall !== null && output.json) io.writeError(`tob-lab check: ${result.stall.summary}\n`);
  if (output.json) io.write(JSON.stringify(checkJson(outcome, shard)) + '\n');
  else if (result.stall !== null) io.write(describeStall(outcome, result.stall) + '\n\n');
  else if (violation === null) io.write(`no violation in ${result.casesRun} runs\n\n`);
  else io.write(describeViolation(outcome, violation) + '\n\n');
  return outcome;
}

interface SavedCounterexample {
  /** The scenario file as the user should name it (relative to where they are). */
  file: string;
  reportDir: string;
  /** The report's files after report.html, as the CLI lists them. */
  reportFiles: string;
  replay: string;
}

/** Writes the counterexample as a scenario in the DSL (importing a user's protocol module), with its report beside it. */
function saveCounterexample(
  io: CommandIo,
  out: string,
  result: CheckResult,
  violation: CheckViolation,
): SavedCounterexample {
  const name = `counterexample-${result.protocol}-${violation.property}-seed${result.seed}`;
  const file = writeCounterexampleFile(io.cwd, out, name, {
    scenario: violation.scenario,
    seed: violation.runSeed,
    property: violation.property,
    summary: violation.summary,
    foundBy: result.command,
    shrinks: violation.shrinks,
  });
  const shown = shownPath(io.cwd, file);
  const reportDir = join(dirname(file), name);
  let report: WrittenReport;
  try {
    report = writeRunReport(violation.run, reportDir, { scenarioArg: shown });
  } catch (error) {
    throw new UsageError(`cannot write the counterexample's report to ${reportDir}: ${(error as Error).message}`);
  }
  return {
    file: shown,
    reportDir: shownPath(io.cwd, reportDir),
    reportFiles: otherReportFiles(report),
    replay: `npx tob-lab run ${shellWord(shown)} --seed ${violation.runSeed}`,
  };
}

/** Writes the stalled case, unshrunk, as a scenario file (no report: its run never finished); null if it cannot be. */
function saveStall(io: CommandIo, out: string, result: CheckResult): string | null {
  const stall = result.stall;
  if (stall === null || stall.scenario === null || stall.runSeed === null) return null;
  const name = `counterexample-${result.protocol}-${PROTOCOL_STALL}-seed${result.seed}`;
  const file = writeCounterexampleFile(io.cwd, out, name, {
    scenario: stall.scenario,
    seed: stall.runSeed,
    property: PROTOCOL_STALL,
    summary: stallFileSummary(result.protocol, stall),
    foundBy: result.command,
    shrinks: 0,
  });
  return shownPath(io.cwd, file);
}

function describeStall(outcome: CheckOutcome, stall: CheckStall): string {
  return [
    `VIOLATION of ${PROTOCOL_STALL} found after ${outcome.result.casesRun} runs: ${stall.summary}`,
    'A BROKEN PROMISE: a handler must return; every search thread was stopped',
    `rerun:   ${stall.rerun}`,
    outcome.savedStall === null
      ? stall.scenario === null
        ? 'not saved: the case orders its events by a strategy, and a run that never finished recorded no order'
        : 'not saved (no --out with --json)'
      : `saved:   ${outcome.savedStall} (the case unshrunk; replaying it runs the handler that never returned)`,
    'CI: fails (exit 1)',
  ].join('\n');
}

function describeViolation(outcome: CheckOutcome, violation: CheckViolation): string {
  const { saved, result } = outcome;
  const steps = violation.scenario.steps.map((step) => `  ${describeStep(step)}`);
  return [
    `VIOLATION of ${violation.property} (${violation.kind}) found after ${violation.runsToFind} runs, shrunk ${violation.shrinks} times`,
    violation.standingText,
    `minimal schedule (${violation.scenario.cluster.nodes} nodes, ${steps.length} steps, run seed ${violation.runSeed}):`,
    ...steps,
    'verdict:',
    formatVerdict(violation.verdict),
    ...(violation.run.boundHit === null ? [] : [`note:    ${boundText(violation.run)}`]),
    ...(saved === null
      ? []
      : [
          `saved:   ${saved.file}`,
          `report:  ${join(saved.reportDir, 'report.html')} (with ${saved.reportFiles})`,
          `replay:  ${saved.replay}`,
        ]),
    `history: sha256 ${violation.hash}`,
    result.exitCode === 0
      ? 'CI: passes (a known weakness; --strict fails on it)'
      : `CI: fails (exit ${result.exitCode})`,
  ].join('\n');
}

/** One result a line, carrying the search seed and the failing case's index and seed, so shard results merge. */
function checkJson(
  outcome: CheckOutcome,
  shard: { index: number; count: number } | undefined,
): Record<string, unknown> {
  const { result, saved } = outcome;
  const violation = result.violation;
  return {
    exitCode: result.exitCode,
    protocol: result.protocol,
    swarm: result.swarm,
    churn: result.churn,
    faults: result.faults,
    nodes: result.nodes,
    seed: result.seed,
    runs: result.runs,
    shard: shard === undefined ? null : `${shard.index}/${shard.count}`,
    casesRun: result.casesRun,
    stall:
      result.stall === null
        ? null
        : {
            property: PROTOCOL_STALL,
            caseIndex: result.stall.caseIndex,
            caseSeed: result.stall.caseSeed,
            runningSeconds: result.stall.runningSeconds,
            silentSeconds: result.stall.silentSeconds,
            summary: result.stall.summary,
            rerun: result.stall.rerun,
            runSeed: result.stall.runSeed,
            counterexample: outcome.savedStall,
          },
    violation:
      violation === null
        ? null
        : {
            property: violation.property,
            kind: violation.kind,
            caseIndex: violation.caseIndex,
            caseSeed: violation.caseSeed,
            runSeed: violation.runSeed,
            shrinks: violation.shrinks,
            steps: violation.scenario.steps,
            summary: violation.summary,
            hash: violation.hash,
            standing: violation.standing,
            counterexample: saved?.file ?? null,
            replay: saved?.replay ?? null,
          },
  };
}

/** Safety outranks liveness, as in `run`: 1 when any protocol broke safety, else 2 when any broke liveness. */
function worseExit(a: number, b: number): number {
  if (a === 1 || b === 1) return 1;
  return Math.max(a, b);
}

/** JUnit XML: a suite per run of check, a test case per protocol; a case fails when its exit code is not 0. */
function writeJunit(file: string, outcomes: readonly CheckOutcome[]): void {
  const cases = outcomes.map((outcome) => {
    const { result } = outcome;
    const name = `${result.protocol}: ${result.properties.join(', ')} under ${result.faults.join(', ')}`;
    const attributes = `classname="tob-lab.check" name="${escapeXml(name)}" time="${(outcome.timeMs / 1000).toFixed(3)}"`;
    const violation = result.violation;
    if (result.stall !== null) {
      const details = [result.stall.summary, `rerun: ${result.stall.rerun}`].join('\n');
      const message = `${PROTOCOL_STALL}: a handler never returned`;
      return `    <testcase ${attributes}>\n      <failure message="${escapeXml(message)}" type="safety">${escapeXml(details)}</failure>\n    </testcase>`;
    }
    if (violation === null) return `    <testcase ${attributes}/>`;
    const details = [
      `${violation.property} (${violation.kind}): ${violation.summary}`,
      violation.standingText,
      `found by: ${result.command}`,
      ...(outcome.saved === null ? [] : [`counterexample: ${outcome.saved.file}`, `replay: ${outcome.saved.replay}`]),
    ].join('\n');
    if (result.passed)
      return `    <testcase ${attributes}>\n      <system-out>${escapeXml(details)}</system-out>\n    </testcase>`;
    const message = `${violation.property} violated: ${violation.standing}`;
    return `    <testcase ${attributes}>\n      <failure message="${escapeXml(message)}" type="${violation.kind}">${escapeXml(details)}</failure>\n    </testcase>`;
  });
  const failures = outcomes.filter((outcome) => !outcome.result.passed).length;
  const totalSeconds = outcomes.reduce((sum, outcome) => sum + outcome.timeMs, 0) / 1000;
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tob-lab check" tests="${outcomes.length}" failures="${failures}" time="${totalSeconds.toFixed(3)}">`,
    `  <testsuite name="tob-lab check" tests="${outcomes.length}" failures="${failures}" errors="0" skipped="0" time="${totalSeconds.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, xml);
  } catch (error) {
    throw new UsageError(`cannot write --junit ${file}: ${(error as Error).message}`);
  }
}

function parseStrategy(text: string): OrderStrategy {
  if (!isOrderStrategy(text))
    throw new UsageError(`unknown --strategy "${text}"; choose from: ${ORDER_STRATEGIES.join(', ')}`);
  return text;
}

function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must look like i/n with 1 <= i <= n (for example 2/4), got "${text}"`);
  }
  return { index, count };
}

function parseFaults(text: string): FaultClass[] {
  const faults = commaList(text);
  for (const fault of faults) {
    if (!isFaultClass(fault))
      throw new UsageError(`unknown fault class "${fault}"; choose from: ${FAULT_CLASSES.join(', ')}`);
  }
  if (faults.length === 0) throw new UsageError(`--faults needs at least one of: ${FAULT_CLASSES.join(', ')}`);
  return faults as FaultClass[];
}

function parseProperties(text: string | undefined, protocol: ProtocolDefinition): string[] {
  if (text === undefined || text === 'all') return propertiesOf(text, protocol);
  const names = commaList(text);
  for (const name of names) {
    if (!isCheckerName(name))
      throw new UsageError(`unknown property "${name}"; choose from: ${CHECKER_NAMES.join(', ')}, or all`);
  }
  return names;
}

/** A comma-separated flag value as its non-empty, trimmed parts. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export function parseCount(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
