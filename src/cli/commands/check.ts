import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { CHECKER_NAMES, isCheckerName } from '../../check/index.ts';
import type { JsonObject } from '../../core/json.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import { FAULT_CLASSES, isFaultClass, isProperty, PROPERTIES, type FaultClass } from '../../core/promises.ts';
import { PROTOCOLS } from '../../protocols/index.ts';
import { counterexampleSource } from '../../report/counterexample.ts';
import { formatVerdict } from '../../report/text.ts';
import { writeRunReport } from '../../report/write.ts';
import { describeAction, resolveProtocol, runScenario, type RunResult } from '../../scenarios/index.ts';
import { isOrderStrategy, ORDER_STRATEGIES, PROTOCOL_ERROR, sweep, type OrderStrategy, type SearchResult, type Violation } from '../../search/index.ts';
import { parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';
import { Progress } from '../progress.ts';

interface CheckFlags {
  protocol: string;
  faults: string;
  runs: string;
  seed?: string;
  nodes: string;
  properties?: string;
  out: string;
  workers: string;
  shard?: string;
  json?: boolean;
  options?: string;
  swarm?: boolean;
  strategy: string;
}

export function checkCommand(io: CommandIo): Command {
  return new Command('check')
    .description('search generated fault schedules for a violation, shrink it, save it as a replayable scenario')
    .requiredOption('--protocol <name>', `a protocol, or "all" (${PROTOCOLS.map((protocol) => protocol.name).join(', ')})`)
    .option('--faults <list>', `fault classes to draw from, comma-separated (${FAULT_CLASSES.join(', ')})`, 'crash,partition')
    .option('--runs <n>', 'generated scenarios to try at most', '200')
    .option('--seed <n>', 'search seed (default: a fresh one, printed so the search can be repeated)')
    .option('--nodes <k>', 'cluster size', '3')
    .option('--options <json>', 'protocol options as a JSON object, e.g. \'{"retryForwards":true}\'')
    .option('--swarm', 'swarm testing: each case draws its own subset of the fault classes, their weights and its fault count')
    .option('--properties <list>', 'checkers to judge, comma-separated, or "all" (default: what the protocol promises fault-free)')
    .option('--out <dir>', 'where counterexample scenarios are written', 'reports')
    .option('--workers <n>', 'worker threads to spread the cases over', '1')
    .option('--shard <i/n>', 'run only the i-th of n slices of the case range (for CI matrices and batch systems)')
    .option('--json', 'print one JSON result per protocol (case seeds included, so shards merge)')
    .option('--strategy <name>', `who orders events in each case: ${ORDER_STRATEGIES.join(', ')} (see tob-lab explore)`, 'latency')
    .addHelpText('after', '\nExit codes: 0 no violation found, 1 safety violation, 2 liveness violation, 64 usage error.')
    .action(async (flags: CheckFlags) => {
      const faults = parseFaults(flags.faults);
      const runs = parseCount(flags.runs, '--runs', 1, 1_000_000);
      const nodes = parseCount(flags.nodes, '--nodes', 1, 64);
      const workers = parseCount(flags.workers, '--workers', 1, 256);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const seed = flags.seed === undefined ? randomInt(0, 2 ** 31) : parseSeed(flags.seed);
      if (!isOrderStrategy(flags.strategy)) {
        throw new UsageError(`unknown --strategy "${flags.strategy}"; choose from: ${ORDER_STRATEGIES.join(', ')}`);
      }
      const strategy = flags.strategy;
      const protocols = flags.protocol === 'all' ? PROTOCOLS : [resolveProtocol(flags.protocol)];
      if (flags.options !== undefined && protocols.length > 1) throw new UsageError('--options applies to one protocol; give --protocol NAME, not all');
      let exitCode = 0;
      for (const protocol of protocols) {
        const properties = parseProperties(flags.properties, protocol);
        const options = flags.options === undefined ? undefined : parseProtocolOptions(flags.options, protocol);
        const swarm = flags.swarm === true;
        const args = { protocol, options, swarm, faults, runs, nodes, seed, properties, out: flags.out, workers, shard, json: flags.json === true, strategy };
        exitCode = worseExit(exitCode, await checkOne(io, args));
      }
      io.setExitCode(exitCode);
    });
}

interface CheckArgs {
  protocol: ProtocolDefinition;
  options: JsonObject | undefined;
  swarm: boolean;
  faults: FaultClass[];
  runs: number;
  nodes: number;
  seed: number;
  properties: string[];
  out: string;
  workers: number;
  shard: { index: number; count: number } | undefined;
  json: boolean;
  strategy: OrderStrategy;
}

async function checkOne(io: CommandIo, args: CheckArgs): Promise<number> {
  const { protocol, faults, runs, nodes, seed, properties, shard } = args;
  const shardText = shard === undefined ? '' : `, shard ${shard.index}/${shard.count}`;
  const say = args.json ? () => {} : io.write;
  const strategyText = args.strategy === 'latency' ? '' : `, strategy ${args.strategy}`;
  say(`tob-lab check: protocol ${protocol.name}, faults ${faults.join(',')}, ${nodes} nodes, ${runs} runs, seed ${seed}${shardText}${strategyText}, ${args.workers} worker(s)\n`);
  say(`properties: ${properties.join(', ')}\n`);
  const progress = new Progress(io.writeError, shard === undefined ? runs : Math.ceil(runs / shard.count));
  const result = await sweep(
    {
      protocol: protocol.name,
      options: args.options,
      swarm: args.swarm,
      nodes,
      faults,
      properties,
      runs,
      seed,
      shard,
      strategy: args.strategy,
      onRun: (violations) => progress.tick(violations),
    },
    args.workers,
  );
  progress.done();
  if (args.json) {
    io.write(JSON.stringify(checkJson(args, result)) + '\n');
    return result.violation === null ? 0 : result.violation.verdict.kind === 'safety' ? 1 : 2;
  }
  if (result.violation === null) {
    io.write(`no violation in ${result.runs} runs\n\n`);
    return 0;
  }
  io.write(describeViolation(io, args, result.violation) + '\n\n');
  return result.violation.verdict.kind === 'safety' ? 1 : 2;
}

function describeViolation(io: CommandIo, args: CheckArgs, violation: Violation): string {
  const { shrunk, verdict } = violation;
  const foundBy =
    `tob-lab check --protocol ${args.protocol.name}${optionsFlags(args)} --faults ${args.faults.join(',')} --runs ${args.runs} ` +
    `--seed ${args.seed} --nodes ${args.nodes} --properties ${args.properties.join(',')}` +
    (args.strategy === 'latency' ? '' : ` --strategy ${args.strategy}`);
  const directory = resolve(io.cwd, args.out);
  const file = join(directory, `counterexample-${args.protocol.name}-${violation.property}-seed${args.seed}.ts`);
  try {
    mkdirSync(directory, { recursive: true });
    writeFileSync(
      file,
      counterexampleSource({ scenario: shrunk.scenario, seed: shrunk.seed, property: violation.property, summary: verdict.summary, foundBy, shrinks: violation.shrinks }),
    );
  } catch (error) {
    throw new UsageError(`cannot write the counterexample to ${file}: ${(error as Error).message}`);
  }
  const shown = relative(io.cwd, file);
  const reportDir = join(directory, basename(file, '.ts'));
  try {
    writeRunReport(replayedRun(violation), reportDir, { scenarioArg: shown });
  } catch (error) {
    throw new UsageError(`cannot write the counterexample's report to ${reportDir}: ${(error as Error).message}`);
  }
  const steps = shrunk.scenario.steps.map((step) => `  ${String(step.atMs).padStart(7)} ms  ${describeAction(step.action)}`);
  return [
    `VIOLATION of ${violation.property} (${verdict.kind}) found after ${violation.runsToFind} runs, shrunk ${violation.shrinks} times`,
    promiseStanding(rowOf(args.protocol, args.options), violation.property, args.faults),
    `minimal schedule (${shrunk.scenario.cluster.nodes} nodes, ${shrunk.scenario.steps.length} steps, run seed ${shrunk.seed}):`,
    ...steps,
    'verdict:',
    formatVerdict(verdict),
    `saved:   ${shown}`,
    `report:  ${join(relative(io.cwd, reportDir), 'report.html')} (with report.md, trace.jsonl, shiviz.log, trace.chrome.json)`,
    `replay:  npx tob-lab run ${shown} --seed ${shrunk.seed}`,
    `history: sha256 ${violation.result.hash}`,
  ].join('\n');
}

/**
 * The counterexample as `tob-lab run` replays the saved file, which expects the broken property to pass: the
 * same history (expectations change no step), judged so that the report shows the violation as a failure.
 */
function replayedRun(violation: Violation): RunResult {
  const expect = violation.property === PROTOCOL_ERROR ? {} : { pass: [violation.property] };
  const description = `counterexample: ${violation.property} — ${violation.verdict.summary.replace(/\n/g, ' ')}`;
  return runScenario({ ...violation.shrunk.scenario, description, expect }, { seed: violation.shrunk.seed });
}

/** One result a line, carrying the search seed and the failing case's index and seed, so shard results merge. */
function checkJson(args: CheckArgs, result: SearchResult): Record<string, unknown> {
  const violation = result.violation;
  return {
    protocol: args.protocol.name,
    options: args.options ?? null,
    swarm: args.swarm,
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
          },
  };
}

/** Safety outranks liveness, as in `run`: 1 when any protocol broke safety, else 2 when any broke liveness. */
function worseExit(a: number, b: number): number {
  if (a === 1 || b === 1) return 1;
  return Math.max(a, b);
}

/**
 * The row of the promise tables these options run: a registered variant (same nodes, defaults equal to the
 * options merged over the protocol's) has a table of its own, e.g. sequencer with both corrections on.
 */
function rowOf(protocol: ProtocolDefinition, options: JsonObject | undefined): ProtocolDefinition {
  if (options === undefined) return protocol;
  const merged = JSON.stringify(Object.entries({ ...protocol.defaults, ...options }).sort());
  const variant = PROTOCOLS.find(
    (candidate) => candidate.create === protocol.create && JSON.stringify(Object.entries(candidate.defaults).sort()) === merged,
  );
  return variant ?? protocol;
}

/** What the protocol's promise table says about this property under these faults, so a finding reads in context. */
function promiseStanding(protocol: ProtocolDefinition, property: string, faults: readonly FaultClass[]): string {
  const entry = isProperty(property) ? protocol.promises[property] : undefined;
  if (entry === undefined) return `the promise table of ${protocol.name} does not promise ${property} at all`;
  const row = `the promise table (row ${protocol.name})`;
  const promised = faults.filter((fault) => entry.holds.includes(fault));
  const known = faults.filter((fault) => entry.breaks?.includes(fault));
  if (known.length > 0) return `a known weakness: ${row} says ${property} breaks under ${known.join(', ')}`;
  if (promised.length === faults.length) return `A BROKEN PROMISE: ${row} says ${property} holds under ${faults.join(', ')}`;
  return `not promised under ${faults.filter((fault) => !entry.holds.includes(fault)).join(', ')} by ${row}`;
}

/** The flags that reproduce the options and swarm mode of a search, shell-quoted. */
function optionsFlags(args: CheckArgs): string {
  const options = args.options === undefined ? '' : ` --options '${JSON.stringify(args.options)}'`;
  return options + (args.swarm ? ' --swarm' : '');
}

/** A JSON object whose keys are all options of the protocol; values are checked by the protocol where it runs. */
function parseProtocolOptions(text: string, protocol: ProtocolDefinition): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--options must be a JSON object, e.g. '{"retryForwards":true}'; got ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--options must be a JSON object, e.g. '{"retryForwards":true}'; got ${text}`);
  }
  for (const key of Object.keys(value)) {
    if (!(key in protocol.defaults)) {
      throw new UsageError(`--options: ${key} is not an option of ${protocol.name}; its options: ${Object.keys(protocol.defaults).join(', ')}`);
    }
  }
  return value as JsonObject;
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
    const promised = PROPERTIES.filter((property) => protocol.promises[property]?.holds.includes('none'));
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
