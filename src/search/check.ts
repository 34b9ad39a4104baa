import { CHECKER_NAMES, isCheckerName, type Verdict } from '../check/index.ts';
import type { HistoryEvent } from '../core/history.ts';
import type { JsonObject } from '../core/json.ts';
import { protocolPromises, type ProtocolDefinition } from '../core/node.ts';
import { FAULT_CLASSES, isFaultClass, isProperty, PROPERTIES, type FaultClass } from '../core/promises.ts';
import { shellWord } from '../core/shell.ts';
import { didYouMean } from '../core/suggest.ts';
import { counterexampleSource } from './counterexample.ts';
import { describeStep, type Scenario } from '../scenarios/dsl.ts';
import { ScenarioError } from '../scenarios/errors.ts';
import { resolveProtocol, runScenario, type RunResult } from '../scenarios/runner.ts';
import {
  firstCase,
  PROTOCOL_ERROR,
  PROTOCOL_STALL,
  type SearchOptions,
  type SearchResult,
  type Stall,
  type Violation,
} from './search.ts';
import type { OrderStrategy } from './strategies.ts';
import { STALL_SECONDS_DEFAULT, sweep } from './sweep.ts';
import { CHURN_FAULTS } from './churn.ts';
import { PROTOCOLS } from '../protocols/index.ts';
import { isModulePath, loadProtocolModule, protocolModule } from '../scenarios/user-module.ts';
import { withoutNoOpSteps } from '../scenarios/validate.ts';

/**
 * The property search as a library call: `check({ protocol, faults, runs, seed })` generates workloads and fault
 * schedules, runs each on the simulator, shrinks the first violation, and returns everything as data: the verdict
 * read against the protocol's promise table, the minimal scenario (as data and as DSL source), and the commands
 * that repeat the search and replay the counterexample. It never prints and never exits; `assertCheck` throws.
 */
export interface CheckOptions {
  /** A shipped protocol's name, the path of a module exporting a ProtocolDefinition, or the definition itself. */
  protocol: string | ProtocolDefinition;
  /** Protocol options over its defaults. */
  options?: JsonObject;
  /** Fault classes to draw from (default: crash and partition). */
  faults?: readonly FaultClass[];
  /** Cluster size (default 3). */
  nodes?: number;
  /** Generated cases to try at most (default 200). */
  runs?: number;
  /** The search seed (default: a fresh one, returned in the result so the search can be repeated). */
  seed?: number;
  /** Checkers to judge, or 'all' (default: what the protocol promises fault-free; every checker if it promises nothing). */
  properties?: readonly string[] | 'all';
  /** Worker threads (default 1). A protocol object needs a module path to go to workers: give the path instead. */
  workers?: number;
  /** Only the i-th of n slices of the case range. */
  shard?: { index: number; count: number };
  /** Fail on every violation, known weaknesses included (default false: a known weakness passes). */
  strict?: boolean;
  /** Shrink attempts at most after a failure (default 1000). */
  shrinkRunsMax?: number;
  /** Who orders the events of each case (default 'latency'; see generate.ts and `tob-lab explore`). */
  strategy?: OrderStrategy;
  /** Swarm testing: each case draws its own subset of the fault classes, their weights and its fault count. */
  swarm?: boolean;
  /**
   * Leader churn (src/search/churn.ts): each case waits for each new leader and strikes it (needs one of the
   * classes crash, crash-restart, partition, storage, delay) instead of drawing faults at random times.
   */
  churn?: boolean;
  /**
   * The watchdog: run the search on worker threads (even with one worker) and stop a case whose thread sends
   * nothing for this many seconds, a handler that loops forever or a case far too big; the result then carries
   * it as `stall` and fails. Default 60 with workers > 1; with one worker the search runs in this thread,
   * unwatched, unless this is given (the CLI always gives it). A protocol object needs a module path to be watched.
   */
  stallSeconds?: number;
  /** Called after every case with the number of failing cases so far. */
  onRun?: (violations: number) => void;
}

/**
 * A case that never finished: its thread sent nothing for stallSeconds and was stopped. Nothing was judged, so
 * there is no verdict, only where the case is, how to run it alone, and (when it can be regenerated) its scenario.
 */
export interface CheckStall {
  caseIndex: number;
  caseSeed: number;
  runningSeconds: number;
  silentSeconds: number;
  /** One sentence on what happened and the likely cause. */
  summary: string;
  /** The `tob-lab check` command that runs this case alone (or the search up to it). */
  rerun: string;
  /**
   * The case as generated, unshrunk (it never finished, so it cannot be shrunk), with its run seed, and as a
   * scenario file; null when the case orders its events by a strategy whose choices only a finished run records.
   */
  scenario: Scenario | null;
  runSeed: number | null;
  source: string | null;
}

/**
 * What the promise table says of a violation: `known-weakness` (it says the property breaks under one of these
 * faults, or even with none), `broken-promise` (it says the property holds under every one of them, or the
 * protocol threw), `not-promised` (neither).
 */
export type Standing = 'known-weakness' | 'broken-promise' | 'not-promised';

export interface CheckViolation {
  property: string;
  kind: 'safety' | 'liveness';
  standing: Standing;
  /** One sentence on the standing, e.g. "a known weakness: the promise table says total-order breaks under partition". */
  standingText: string;
  summary: string;
  evidence: readonly HistoryEvent[];
  /** The failing checker's verdict, whole. */
  verdict: Verdict;
  /** The shrunk scenario, steps the simulator ignores left out; run it with `runSeed` for the identical history. */
  scenario: Scenario;
  runSeed: number;
  shrinks: number;
  caseIndex: number;
  caseSeed: number;
  /** Cases run up to and including the failing one. */
  runsToFind: number;
  /** sha256 of the counterexample's history. */
  hash: string;
  /** The counterexample as a scenario file in the DSL (see counterexampleFile for where to save it). */
  source: string;
  /** The run of the counterexample, judged as replaying the saved file judges it (the broken property expected to pass). */
  run: RunResult;
}

export interface CheckResult {
  protocol: string;
  faults: FaultClass[];
  nodes: number;
  seed: number;
  runs: number;
  properties: string[];
  /** Whether each case drew its own mix of the fault classes (swarm testing). */
  swarm: boolean;
  /** Whether each case was a leader-churn chain. */
  churn: boolean;
  /** Cases actually run (fewer than `runs` when a violation stopped the search). */
  casesRun: number;
  violation: CheckViolation | null;
  /** A case that never finished (see stallSeconds); violation is then null and the check fails with exit 1. */
  stall: CheckStall | null;
  /** CI verdict: no violation and no stall, or (unless strict) only a known weakness. */
  passed: boolean;
  /** As `tob-lab check` exits: 0 passed, 1 safety, 2 liveness. */
  exitCode: 0 | 1 | 2;
  /** The `tob-lab check` command that repeats this very search. */
  command: string;
}

const FAULTS_DEFAULT: readonly FaultClass[] = ['crash', 'partition'];
const RUNS_DEFAULT = 200;
const NODES_DEFAULT = 3;
const NODES_MAX = 64;

/** Searches for a violation; see CheckOptions. Deterministic in its options (with the seed given). */
export async function check(options: CheckOptions): Promise<CheckResult> {
  const protocol = await protocolOf(options.protocol);
  const settings = validated(options, protocol);
  const search: SearchOptions = {
    protocol,
    options: options.options,
    nodes: settings.nodes,
    faults: settings.faults,
    properties: settings.properties,
    runs: settings.runs,
    seed: settings.seed,
    shard: options.shard,
    shrinkRunsMax: options.shrinkRunsMax,
    strategy: options.strategy,
    swarm: options.swarm,
    churn: options.churn,
    stallSeconds: options.stallSeconds,
    onRun: options.onRun,
  };
  const result = await sweep(search, options.workers ?? 1);
  const command = checkCommandLine(protocol, options, settings);
  const stall =
    result.stall === undefined ? null : describeStall(protocol, search, result.stall, options, settings, command);
  return checkResult(protocol, settings, result, command, options, stall);
}

/** What a saved stalled case says of itself. */
export function stallFileSummary(
  protocol: ProtocolDefinition | string,
  stall: Pick<Stall, 'caseIndex' | 'caseSeed'>,
): string {
  const name = typeof protocol === 'string' ? protocol : protocol.name;
  return (
    `case ${stall.caseIndex} (case seed ${stall.caseSeed}) never finished: a handler of ${name} may loop forever ` +
    '(or the case is far too big); unshrunk, and replaying it runs the handler that never returned'
  );
}

/** A stall as the user reads it, with the command that runs its case alone and the case regenerated to save. */
function describeStall(
  protocol: ProtocolDefinition,
  search: SearchOptions,
  stall: Stall,
  options: CheckOptions,
  settings: Settings,
  command: string,
): CheckStall {
  const runningSeconds = Math.round(stall.runningMs / 100) / 10;
  const silentSeconds = Math.round(stall.silentMs / 100) / 10;
  // Case k of a search is case 0 of the search seeded with its case seed: that search runs it alone.
  const rerun =
    stall.caseSeed >= 0
      ? checkCommandLine(protocol, { ...options, shard: undefined }, { ...settings, seed: stall.caseSeed, runs: 1 })
      : checkCommandLine(protocol, { ...options, shard: undefined }, { ...settings, runs: stall.caseIndex + 1 });
  const summary =
    `case ${stall.caseIndex} (case seed ${stall.caseSeed}) ran ${runningSeconds} s and its thread sent nothing for ` +
    `${silentSeconds} s, so it was stopped: a handler of ${protocol.name} may loop forever (or the case is far too big)`;
  const { caseIndex, caseSeed } = stall;
  const about = { caseIndex, caseSeed, runningSeconds, silentSeconds, summary, rerun };
  const generated = firstCase(search, stall.caseIndex);
  // A strategy's order is recorded by the run as it goes; a run that never finished recorded none to save.
  if (generated.order !== undefined) return { ...about, scenario: null, runSeed: null, source: null };
  const scenario = generated.scenario;
  const source = counterexampleSource({
    scenario,
    seed: generated.seed,
    property: PROTOCOL_STALL,
    // No times here: the file is the same for the same search, however loaded the machine was.
    summary: stallFileSummary(protocol, stall),
    foundBy: command,
    shrinks: 0,
    protocolModule: protocolModule(protocol),
  });
  return { ...about, scenario, runSeed: generated.seed, source };
}

interface Settings {
  faults: FaultClass[];
  nodes: number;
  runs: number;
  seed: number;
  properties: string[];
}

function checkResult(
  protocol: ProtocolDefinition,
  settings: Settings,
  result: SearchResult,
  command: string,
  options: CheckOptions,
  stall: CheckStall | null,
): CheckResult {
  const strict = options.strict === true;
  const row = promiseRow(protocol, options.options);
  const violation =
    result.violation === null ? null : describeViolation(protocol, row, settings, result.violation, command);
  // A stall is the protocol's broken promise, as a throw is: its handler never returned.
  const passed = stall === null && (violation === null || (violation.standing === 'known-weakness' && !strict));
  const exitCode = passed ? 0 : violation === null || violation.kind === 'safety' ? 1 : 2;
  return {
    protocol: protocol.name,
    ...settings,
    swarm: options.swarm === true,
    churn: options.churn === true,
    casesRun: result.runs,
    violation,
    stall,
    passed,
    exitCode,
    command,
  };
}

/**
 * The promise-table row a run with these options is held to: a shipped variant row (such as sequencer-retry-dedup)
 * when the options make the protocol exactly that variant, else the protocol's own row.
 */
function promiseRow(protocol: ProtocolDefinition, options: JsonObject | undefined): ProtocolDefinition {
  if (options === undefined) return protocol;
  const merged = JSON.stringify(Object.entries({ ...protocol.defaults, ...options }).sort());
  const variant = PROTOCOLS.find(
    (candidate) =>
      candidate.create === protocol.create &&
      JSON.stringify(Object.entries(candidate.defaults ?? {}).sort()) === merged,
  );
  return variant ?? protocol;
}

function describeViolation(
  protocol: ProtocolDefinition,
  row: ProtocolDefinition,
  settings: Settings,
  violation: Violation,
  command: string,
): CheckViolation {
  const { shrunk, verdict } = violation;
  // With a schedule, steps are numbered events: dropping one would renumber the rest, so such a case stays whole.
  const scenario = shrunk.scenario.schedule === undefined ? withoutNoOpSteps(shrunk.scenario) : shrunk.scenario;
  const run = replayedRun(violation, scenario);
  if (run.hash !== violation.result.hash) {
    throw new Error(
      `the counterexample without its no-op steps replays to ${run.hash}, not ${violation.result.hash}: a bug in tob-lab`,
    );
  }
  const held = promiseStanding(row, violation.property, settings.faults);
  // Options that make the protocol one of its shipped variants are held to that variant's own row: say which.
  const standing =
    row === protocol
      ? held
      : { ...held, text: held.text.replace('the promise table', `the promise table (row ${row.name})`) };
  return {
    property: violation.property,
    kind: verdict.kind,
    standing: standing.kind,
    standingText: standing.text,
    summary: verdict.summary,
    evidence: verdict.evidence,
    verdict,
    scenario,
    runSeed: shrunk.seed,
    shrinks: violation.shrinks,
    caseIndex: violation.caseIndex,
    caseSeed: violation.caseSeed,
    runsToFind: violation.runsToFind,
    hash: violation.result.hash,
    source: counterexampleSource({
      scenario,
      seed: shrunk.seed,
      property: violation.property,
      summary: verdict.summary,
      foundBy: command,
      shrinks: violation.shrinks,
      protocolModule: protocolModule(protocol),
    }),
    run,
  };
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

async function protocolOf(given: string | ProtocolDefinition): Promise<ProtocolDefinition> {
  if (typeof given === 'string' && isModulePath(given)) return loadProtocolModule(given, process.cwd());
  return resolveProtocol(given);
}

/** Options checked once, at the boundary, with messages that say what to change. */
function validated(options: CheckOptions, protocol: ProtocolDefinition): Settings {
  const faults = [...(options.faults ?? FAULTS_DEFAULT)];
  for (const fault of faults) {
    if (!isFaultClass(fault))
      throw new ScenarioError(
        `unknown fault class "${fault}"${didYouMean(fault, FAULT_CLASSES)}; choose from: ${FAULT_CLASSES.join(', ')}`,
      );
  }
  if (faults.length === 0) throw new ScenarioError(`faults needs at least one of: ${FAULT_CLASSES.join(', ')}`);
  if (options.churn === true && !faults.some((fault) => CHURN_FAULTS.includes(fault)))
    throw new ScenarioError(
      `churn strikes leaders with ${CHURN_FAULTS.join(', ')}: give --faults at least one of them, got ${faults.join(',')}`,
    );
  const nodes = options.nodes ?? NODES_DEFAULT;
  const runs = options.runs ?? RUNS_DEFAULT;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > NODES_MAX)
    throw new ScenarioError(`nodes must be a whole number from 1 to ${NODES_MAX}, got ${nodes}`);
  if (!Number.isInteger(runs) || runs < 1) throw new ScenarioError(`runs must be a whole number >= 1, got ${runs}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ScenarioError(`seed must be a whole number >= 0, got ${seed}`);
  const stallSeconds = options.stallSeconds;
  if (stallSeconds !== undefined && (!Number.isInteger(stallSeconds) || stallSeconds < 1))
    throw new ScenarioError(`stallSeconds must be a whole number >= 1, got ${stallSeconds}`);
  return { faults, nodes, runs, seed, properties: propertiesOf(options.properties, protocol) };
}

/** The properties to judge: as given, or what the protocol promises fault-free (every checker if it promises nothing). */
export function propertiesOf(given: readonly string[] | 'all' | undefined, protocol: ProtocolDefinition): string[] {
  if (given === 'all') return [...CHECKER_NAMES];
  if (given === undefined) {
    const promised = PROPERTIES.filter((property) => protocolPromises(protocol)[property]?.holds.includes('none'));
    return promised.length > 0 ? promised : [...CHECKER_NAMES];
  }
  for (const name of given) {
    if (!isCheckerName(name))
      throw new ScenarioError(
        `unknown property "${name}"${didYouMean(name, CHECKER_NAMES)}; choose from: ${CHECKER_NAMES.join(', ')}, or all`,
      );
  }
  if (given.length === 0) throw new ScenarioError('properties needs at least one checker name, or "all"');
  return [...given];
}

/** What the promise table says about this property under these faults, so a finding reads in context. */
export function promiseStanding(
  protocol: ProtocolDefinition,
  property: string,
  faults: readonly FaultClass[],
): { kind: Standing; text: string } {
  if (property === PROTOCOL_ERROR)
    return { kind: 'broken-promise', text: 'A BROKEN PROMISE: the protocol threw (an assertion of its own)' };
  const entry = isProperty(property) ? protocolPromises(protocol)[property] : undefined;
  if (entry === undefined)
    return {
      kind: 'not-promised',
      text: `not promised: the promise table of ${protocol.name} does not promise ${property} at all`,
    };
  const promised = faults.filter((fault) => entry.holds.includes(fault));
  // A generated case always includes its fault-free workload, so a weakness under "none" accounts for it too.
  const known = [...new Set<FaultClass>([...faults, 'none'])].filter((fault) => entry.breaks?.includes(fault));
  if (known.length > 0)
    return {
      kind: 'known-weakness',
      text: `a known weakness: the promise table says ${property} breaks under ${known.join(', ')}`,
    };
  if (promised.length === faults.length) {
    return {
      kind: 'broken-promise',
      text: `A BROKEN PROMISE: the promise table says ${property} holds under ${faults.join(', ')}`,
    };
  }
  return {
    kind: 'not-promised',
    text: `not promised under ${faults.filter((fault) => !entry.holds.includes(fault)).join(', ')} by the promise table`,
  };
}

/** The `tob-lab check` command that repeats the search: every option that changes which cases run is in it. */
function checkCommandLine(protocol: ProtocolDefinition, options: CheckOptions, settings: Settings): string {
  const module = protocolModule(protocol);
  const named = module?.path ?? (typeof options.protocol === 'string' ? options.protocol : protocol.name);
  const parts = ['npx tob-lab check', `--protocol ${shellWord(named)}`];
  if (options.options !== undefined) parts.push(`--options ${shellWord(JSON.stringify(options.options))}`);
  parts.push(
    `--faults ${settings.faults.join(',')}`,
    `--runs ${settings.runs}`,
    `--seed ${settings.seed}`,
    `--nodes ${settings.nodes}`,
  );
  parts.push(`--properties ${settings.properties.join(',')}`);
  if (options.shard !== undefined) parts.push(`--shard ${options.shard.index}/${options.shard.count}`);
  if (options.strategy !== undefined && options.strategy !== 'latency') parts.push(`--strategy ${options.strategy}`);
  if (options.swarm === true) parts.push('--swarm');
  if (options.churn === true) parts.push('--churn');
  if (options.strict === true) parts.push('--strict');
  if (options.stallSeconds !== undefined && options.stallSeconds !== STALL_SECONDS_DEFAULT)
    parts.push(`--stall-seconds ${options.stallSeconds}`);
  return parts.join(' ');
}

/** A check that did not pass, as an error whose message says what broke, why it counts, and how to see it again. */
export class CheckFailure extends Error {
  constructor(readonly result: CheckResult) {
    super(formatCheckResult(result));
    this.name = 'CheckFailure';
  }
}

/** Like check, but throws a CheckFailure unless the check passed: the one line a test needs. */
export async function assertCheck(options: CheckOptions): Promise<CheckResult> {
  const result = await check(options);
  if (!result.passed) throw new CheckFailure(result);
  return result;
}

/** The result in a few lines, for a test failure or a log. */
export function formatCheckResult(result: CheckResult): string {
  const head = `${result.protocol}: ${result.properties.join(', ')} under ${result.faults.join(', ')}, ${result.casesRun} of ${result.runs} cases, seed ${result.seed}`;
  const violation = result.violation;
  if (result.stall !== null)
    return [
      `${head}: VIOLATION of ${PROTOCOL_STALL}: ${result.stall.summary}`,
      `run that case alone: ${result.stall.rerun}`,
    ].join('\n');
  if (violation === null) return `${head}: no violation`;
  const steps = violation.scenario.steps.map((step) => `  ${describeStep(step)}`);
  return [
    `${head}: VIOLATION of ${violation.property} (${violation.kind}), shrunk ${violation.shrinks} times`,
    violation.standingText,
    violation.summary,
    `minimal schedule (${violation.scenario.cluster.nodes} nodes, run seed ${violation.runSeed}):`,
    ...steps,
    `repeat the search: ${result.command}`,
    'save violation.source as a scenario file to replay it with tob-lab run <file> --seed ' + violation.runSeed,
  ].join('\n');
}
