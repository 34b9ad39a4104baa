import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { CHECKER_NAMES, isCheckerName } from '../../check/index.ts';
import { invariant } from '../../core/assert.ts';
import type { JsonObject } from '../../core/json.ts';
import { protocolPromises, type ProtocolDefinition } from '../../core/node.ts';
import { LiveConfigError, parseOptions } from '../../live/config.ts';
import { FAULT_CLASSES, isFaultClass, isProperty, PROPERTIES, type FaultClass } from '../../core/promises.ts';
import { PROTOCOLS } from '../../protocols/index.ts';
import { counterexampleSource } from '../../report/counterexample.ts';
import { escapeXml } from '../../report/markup.ts';
import { shellWord } from '../../report/summary.ts';
import { formatVerdict } from '../../report/text.ts';
import { writeRunReport } from '../../report/write.ts';
import {
  describeAction,
  PROTOCOL_ERROR,
  protocolFromFlag,
  moduleExtensionFor,
  protocolModule,
  resolveProtocol,
  withoutNoOpSteps,
  type Scenario,
  runScenario,
  sweep,
  type RunResult,
  type SearchResult,
  type Violation,
} from '../../scenarios/index.ts';
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
  shard?: string;
  json?: boolean;
  strict?: boolean;
  junit?: string;
}

const OUT_DEFAULT = 'reports';

export function checkCommand(io: CommandIo): Command {
  return new Command('check')
    .description('search generated fault schedules for a violation, shrink it, save it as a replayable scenario')
    .requiredOption(
      '--protocol <name|file>',
      `a shipped protocol, "all" (${PROTOCOLS.map((protocol) => protocol.name).join(', ')}), or ./my-protocol.ts (a module exporting a ProtocolDefinition)`,
    )
    .option('--options <json>', 'protocol options as a JSON object, e.g. \'{"heartbeatIntervalMs":500}\'')
    .option('--faults <list>', `fault classes to draw from, comma-separated (${FAULT_CLASSES.join(', ')})`, 'crash,partition')
    .option('--runs <n>', 'generated scenarios to try at most', '200')
    .option('--seed <n>', 'search seed (default: a fresh one, printed so the search can be repeated)')
    .option('--nodes <k>', 'cluster size', '3')
    .option('--properties <list>', 'checkers to judge, comma-separated, or "all" (default: what the protocol promises fault-free)')
    .option('--out <dir>', `where counterexample scenarios and their reports are written (default: ${OUT_DEFAULT}; with --json only when given)`)
    .option('--workers <n>', 'worker threads to spread the cases over', '1')
    .option('--shard <i/n>', 'run only the i-th of n slices of the case range (for CI matrices and batch systems)')
    .option('--json', 'print one JSON result per protocol (case seeds included, so shards merge)')
    .option('--strict', 'any violation fails (exit 1 or 2), even one the promise table lists as a known weakness')
    .option('--junit <file>', 'also write the results as JUnit XML (one test case per protocol), for CI dashboards')
    .addHelpText(
      'after',
      '\nExit codes: 0 no violation, or only known weaknesses (the promise table says the property breaks under these\n' +
        'faults); 1 a broken promise or a safety violation the table does not account for; 2 the same for liveness;\n' +
        '64 usage error. With --strict every violation counts (1 safety, 2 liveness).',
    )
    .action(async (flags: CheckFlags) => {
      const faults = parseFaults(flags.faults);
      const runs = parseCount(flags.runs, '--runs', 1, 1_000_000);
      const nodes = parseCount(flags.nodes, '--nodes', 1, 64);
      const workers = parseCount(flags.workers, '--workers', 1, 256);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const seed = flags.seed === undefined ? randomInt(0, 2 ** 31) : parseSeed(flags.seed);
      const protocols = await chosenProtocols(flags, io.cwd);
      if (flags.options !== undefined && protocols.length > 1) throw new UsageError('--options applies to one protocol; give --protocol NAME, not all');
      let exitCode = 0;
      const outcomes: CheckOutcome[] = [];
      for (const protocol of protocols) {
        const properties = parseProperties(flags.properties, protocol);
        const options = flags.options === undefined ? undefined : parseProtocolOptions(flags.options, protocol);
        const args: CheckArgs = {
          protocol,
          protocolArg: flags.protocol === 'all' ? protocol.name : flags.protocol,
          options,
          faults,
          runs,
          nodes,
          seed,
          properties,
          out: flags.out ?? (flags.json === true ? null : OUT_DEFAULT),
          workers,
          shard,
          json: flags.json === true,
          strict: flags.strict === true,
        };
        const outcome = await checkOne(io, args);
        outcomes.push(outcome);
        exitCode = worseExit(exitCode, outcome.exitCode);
      }
      if (flags.junit !== undefined) writeJunit(resolve(io.cwd, flags.junit), outcomes);
      io.setExitCode(exitCode);
    });
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

interface CheckArgs {
  protocol: ProtocolDefinition;
  /** The --protocol value as given (a name or a module path), for the commands we print. */
  protocolArg: string;
  options: JsonObject | undefined;
  faults: FaultClass[];
  runs: number;
  nodes: number;
  seed: number;
  properties: string[];
  /** Where counterexamples go; null: not saved (--json without --out). */
  out: string | null;
  workers: number;
  shard: { index: number; count: number } | undefined;
  json: boolean;
  strict: boolean;
}

interface CheckOutcome {
  args: CheckArgs;
  result: SearchResult;
  standing: Standing | null;
  exitCode: number;
  saved: SavedCounterexample | null;
  timeMs: number;
}

async function checkOne(io: CommandIo, args: CheckArgs): Promise<CheckOutcome> {
  const { protocol, faults, runs, nodes, seed, properties, shard } = args;
  const shardText = shard === undefined ? '' : `, shard ${shard.index}/${shard.count}`;
  const say = args.json ? () => {} : io.write;
  say(`tob-lab check: protocol ${protocol.name}, faults ${faults.join(',')}, ${nodes} nodes, ${runs} runs, seed ${seed}${shardText}, ${args.workers} worker(s)\n`);
  say(`properties: ${properties.join(', ')}\n`);
  const progress = new Progress(io.writeError, shard === undefined ? runs : Math.ceil(runs / shard.count));
  const startedMs = Date.now();
  const result = await sweep(
    { protocol, options: args.options, nodes, faults, properties, runs, seed, shard, onRun: (violations) => progress.tick(violations) },
    args.workers,
  );
  progress.done();
  const violation = result.violation;
  const standing = violation === null ? null : promiseStanding(protocol, violation.property, faults);
  const exitCode = violation === null || standing === null ? 0 : exitCodeFor(violation, standing, args.strict);
  const saved = violation === null || args.out === null ? null : saveCounterexample(io, args, violation);
  const outcome = { args, result, standing, exitCode, saved, timeMs: Date.now() - startedMs };
  if (args.json) io.write(JSON.stringify(checkJson(outcome)) + '\n');
  else if (violation === null) io.write(`no violation in ${result.runs} runs\n\n`);
  else io.write(describeViolation(io, outcome, violation) + '\n\n');
  return outcome;
}

/** A known weakness passes in CI mode (the table already says so); anything else fails by its kind. */
function exitCodeFor(violation: Violation, standing: Standing, strict: boolean): number {
  if (standing.kind === 'known-weakness' && !strict) return 0;
  return violation.verdict.kind === 'safety' ? 1 : 2;
}

function foundByCommand(args: CheckArgs): string {
  const options = args.options === undefined ? '' : ` --options ${shellWord(JSON.stringify(args.options))}`;
  return (
    `tob-lab check --protocol ${shellWord(args.protocolArg)}${options} --faults ${args.faults.join(',')} --runs ${args.runs} ` +
    `--seed ${args.seed} --nodes ${args.nodes} --properties ${args.properties.join(',')}`
  );
}

interface SavedCounterexample {
  /** The scenario file as the user should name it (relative to where they are). */
  file: string;
  reportDir: string;
  replay: string;
}

/**
 * Writes the counterexample as a scenario in the DSL, with its report beside it. Steps the simulator ignored
 * (a crash of a crashed node, which overlapping generated faults produce) are left out; the replay is checked
 * to give the identical history before anything is written.
 */
function saveCounterexample(io: CommandIo, args: CheckArgs, violation: Violation): SavedCounterexample {
  const { shrunk, verdict } = violation;
  const cleaned = withoutNoOpSteps(shrunk.scenario);
  const replayed = replayedRun(violation, cleaned);
  invariant(replayed.hash === violation.result.hash, () => `the saved counterexample replays to ${replayed.hash}, not ${violation.result.hash}`);
  const directory = resolve(io.cwd, args.out ?? OUT_DEFAULT);
  const name = `counterexample-${args.protocol.name}-${violation.property}-seed${args.seed}`;
  const file = join(directory, `${name}${moduleExtensionFor(directory)}`);
  const userModule = protocolModule(args.protocol);
  try {
    mkdirSync(directory, { recursive: true });
    const source = counterexampleSource({
      scenario: cleaned,
      seed: shrunk.seed,
      property: violation.property,
      summary: verdict.summary,
      foundBy: foundByCommand(args),
      shrinks: violation.shrinks,
      protocolModule: userModule,
      file,
    });
    writeFileSync(file, source);
  } catch (error) {
    throw new UsageError(`cannot write the counterexample to ${file}: ${(error as Error).message}`);
  }
  const shown = shownPath(io.cwd, file);
  const reportDir = join(directory, name);
  try {
    writeRunReport(replayed, reportDir, { scenarioArg: shown });
  } catch (error) {
    throw new UsageError(`cannot write the counterexample's report to ${reportDir}: ${(error as Error).message}`);
  }
  return { file: shown, reportDir: shownPath(io.cwd, reportDir), replay: `npx tob-lab run ${shellWord(shown)} --seed ${shrunk.seed}` };
}

/** A path as the user should see it: relative inside the working directory, absolute outside it. */
function shownPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

function describeViolation(io: CommandIo, outcome: CheckOutcome, violation: Violation): string {
  const { shrunk, verdict } = violation;
  const { saved, standing } = outcome;
  const steps = withoutNoOpSteps(shrunk.scenario).steps.map((step) => `  ${String(step.atMs).padStart(7)} ms  ${describeAction(step.action)}`);
  return [
    `VIOLATION of ${violation.property} (${verdict.kind}) found after ${violation.runsToFind} runs, shrunk ${violation.shrinks} times`,
    standing?.text ?? '',
    `minimal schedule (${shrunk.scenario.cluster.nodes} nodes, ${steps.length} steps, run seed ${shrunk.seed}):`,
    ...steps,
    'verdict:',
    formatVerdict(verdict),
    ...(saved === null
      ? []
      : [
          `saved:   ${saved.file}`,
          `report:  ${join(saved.reportDir, 'report.html')} (with report.md, trace.jsonl, shiviz.log, trace.chrome.json)`,
          `replay:  ${saved.replay}`,
        ]),
    `history: sha256 ${violation.result.hash}`,
    outcome.exitCode === 0 ? 'CI: passes (a known weakness; --strict fails on it)' : `CI: fails (exit ${outcome.exitCode})`,
  ].join('\n');
}

/**
 * The counterexample as `tob-lab run` replays the saved file, which expects the broken property to pass: the
 * same history (expectations change no step), judged so that the report shows the violation as a failure.
 */
function replayedRun(violation: Violation, scenario: Scenario): RunResult {
  const expect = violation.property === PROTOCOL_ERROR ? {} : { pass: [violation.property] };
  const description = `counterexample: ${violation.property} — ${violation.verdict.summary.replace(/\n/g, ' ')}`;
  return runScenario({ ...scenario, description, expect }, { seed: violation.shrunk.seed });
}

/** One result a line, carrying the search seed and the failing case's index and seed, so shard results merge. */
function checkJson(outcome: CheckOutcome): Record<string, unknown> {
  const { args, result, standing, saved } = outcome;
  const violation = result.violation;
  return {
    exitCode: outcome.exitCode,
    protocol: args.protocol.name,
    faults: args.faults,
    nodes: args.nodes,
    seed: args.seed,
    runs: args.runs,
    shard: args.shard === undefined ? null : `${args.shard.index}/${args.shard.count}`,
    casesRun: result.runs,
    violation:
      violation === null
        ? null
        : {
            property: violation.property,
            kind: violation.verdict.kind,
            caseIndex: violation.caseIndex,
            caseSeed: violation.caseSeed,
            runSeed: violation.shrunk.seed,
            shrinks: violation.shrinks,
            steps: violation.shrunk.scenario.steps,
            summary: violation.verdict.summary,
            hash: violation.result.hash,
            standing: standing?.kind ?? null,
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

interface Standing {
  /**
   * known-weakness: the table says the property breaks under one of these faults (or with none at all);
   * broken-promise: it says the property holds under every one of them; not-promised: neither.
   */
  kind: 'known-weakness' | 'broken-promise' | 'not-promised';
  text: string;
}

/** What the promise table says about this property under these faults, so a finding reads in context. */
function promiseStanding(protocol: ProtocolDefinition, property: string, faults: readonly FaultClass[]): Standing {
  if (property === PROTOCOL_ERROR) return { kind: 'broken-promise', text: 'A BROKEN PROMISE: the protocol threw (an assertion of its own)' };
  const entry = isProperty(property) ? protocolPromises(protocol)[property] : undefined;
  if (entry === undefined) return { kind: 'not-promised', text: `not promised: the promise table of ${protocol.name} does not promise ${property} at all` };
  const promised = faults.filter((fault) => entry.holds.includes(fault));
  // A generated case always includes the fault-free workload, so a weakness under "none" accounts for it too.
  const known = [...faults, 'none' as const].filter((fault, index, all) => all.indexOf(fault) === index && entry.breaks?.includes(fault));
  if (known.length > 0) return { kind: 'known-weakness', text: `a known weakness: the promise table says ${property} breaks under ${known.join(', ')}` };
  if (promised.length === faults.length) {
    return { kind: 'broken-promise', text: `A BROKEN PROMISE: the promise table says ${property} holds under ${faults.join(', ')}` };
  }
  return { kind: 'not-promised', text: `not promised under ${faults.filter((fault) => !entry.holds.includes(fault)).join(', ')} by the promise table` };
}

/** JUnit XML: a suite per run of check, a test case per protocol; a case fails when its exit code is not 0. */
function writeJunit(file: string, outcomes: readonly CheckOutcome[]): void {
  const cases = outcomes.map((outcome) => {
    const { args, result } = outcome;
    const name = `${args.protocol.name}: ${args.properties.join(', ')} under ${args.faults.join(', ')}`;
    const attributes = `classname="tob-lab.check" name="${escapeXml(name)}" time="${(outcome.timeMs / 1000).toFixed(3)}"`;
    const violation = result.violation;
    if (violation === null) return `    <testcase ${attributes}/>`;
    const details = [
      `${violation.property} (${violation.verdict.kind}): ${violation.verdict.summary}`,
      outcome.standing?.text ?? '',
      `found by: ${foundByCommand(args)}`,
      ...(outcome.saved === null ? [] : [`counterexample: ${outcome.saved.file}`, `replay: ${outcome.saved.replay}`]),
    ].join('\n');
    if (outcome.exitCode === 0) return `    <testcase ${attributes}>\n      <system-out>${escapeXml(details)}</system-out>\n    </testcase>`;
    const message = `${violation.property} violated: ${outcome.standing?.kind ?? 'violation'}`;
    return `    <testcase ${attributes}>\n      <failure message="${escapeXml(message)}" type="${escapeXml(violation.verdict.kind)}">${escapeXml(details)}</failure>\n    </testcase>`;
  });
  const failures = outcomes.filter((outcome) => outcome.exitCode !== 0).length;
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
  const faults = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const fault of faults) {
    if (!isFaultClass(fault)) throw new UsageError(`unknown fault class "${fault}"; choose from: ${FAULT_CLASSES.join(', ')}`);
  }
  if (faults.length === 0) throw new UsageError(`--faults needs at least one of: ${FAULT_CLASSES.join(', ')}`);
  return faults as FaultClass[];
}

function parseProperties(text: string | undefined, protocol: ProtocolDefinition): string[] {
  if (text === undefined) {
    const promised = PROPERTIES.filter((property) => protocolPromises(protocol)[property]?.holds.includes('none'));
    return promised.length > 0 ? promised : [...CHECKER_NAMES];
  }
  if (text === 'all') return [...CHECKER_NAMES];
  const names = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const name of names) {
    if (!isCheckerName(name)) throw new UsageError(`unknown property "${name}"; choose from: ${CHECKER_NAMES.join(', ')}, or all`);
  }
  return names;
}

export function parseCount(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
