import { checkerByName, CHECKER_NAMES, isCheckerName } from '../../check/index.ts';
import type { HistoryEvent } from '../../core/history.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import { isProperty, PROPERTIES } from '../../core/promises.ts';
import {
  DEFAULT_DEPTH_MAX,
  DEFAULT_STATES_MAX,
  eventsToViolation,
  explore,
  EXPLORE_FAULTS,
  exploreScenario,
  isExploreFault,
  randomExplore,
  type Counterexample,
  type ExploreFault,
  type ExploreResult,
} from '../../explore/index.ts';
import { formatVerdict } from '../../report/text.ts';
import { protocolFromFlag, resolveProtocol } from '../../scenarios/index.ts';
import { shownPath, writeCounterexampleFile } from '../counterexample-file.ts';
import { parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';
import { commaList, parseCount } from './check-action.ts';

const STRATEGIES = ['bfs', 'dfs', 'pct', 'drawn'] as const;
const PROGRESS_EVERY_MS = 2_000;
type Strategy = (typeof STRATEGIES)[number];

interface ExploreFlags {
  protocol: string;
  nodes: string;
  submits: string;
  faults: string;
  depth?: string;
  maxStates?: string;
  strategy: string;
  runs: string;
  seed: string;
  properties?: string;
  out: string;
  json?: boolean;
  submitAt?: string;
  deliveryBound?: string;
}

interface ExploreArgs {
  protocol: ProtocolDefinition;
  /** --protocol as given: a shipped name or the path of the user's module. */
  protocolArg: string;
  nodes: number;
  submits: number;
  faults: ExploreFault[];
  depthMax: number;
  statesMax: number;
  strategy: Strategy;
  runs: number;
  seed: number;
  properties: string[];
  out: string;
  json: boolean;
  submitAt: number[] | undefined;
  deliveryBoundMs: number | undefined;
}

/** The work of `tob-lab explore`, loaded only when the command runs (so `--help` starts fast). */
export async function exploreAction(io: CommandIo, flags: ExploreFlags): Promise<void> {
  const args = parseArgs(flags, resolveProtocol((await protocolFromFlag(flags.protocol, io.cwd)) ?? flags.protocol));
  io.setExitCode(args.strategy === 'bfs' || args.strategy === 'dfs' ? exhaustive(io, args) : random(io, args));
}

function parseArgs(flags: ExploreFlags, protocol: ProtocolDefinition): ExploreArgs {
  if (!(STRATEGIES as readonly string[]).includes(flags.strategy)) {
    throw new UsageError(`unknown --strategy "${flags.strategy}"; choose from: ${STRATEGIES.join(', ')}`);
  }
  if (
    (flags.depth !== undefined || flags.maxStates !== undefined) &&
    flags.strategy !== 'bfs' &&
    flags.strategy !== 'dfs'
  ) {
    throw new UsageError('--depth and --max-states bound the bfs and dfs strategies only');
  }
  const faults = commaList(flags.faults).filter((part) => part !== 'none');
  for (const fault of faults) {
    if (!isExploreFault(fault))
      throw new UsageError(`explore cannot place fault "${fault}"; choose from: ${EXPLORE_FAULTS.join(', ')}, none`);
  }
  const nodes = parseCount(flags.nodes, '--nodes', 1, 16);
  return {
    protocol,
    protocolArg: flags.protocol,
    nodes,
    submits: parseCount(flags.submits, '--submits', 0, 50),
    faults: faults as ExploreFault[],
    depthMax: flags.depth === undefined ? DEFAULT_DEPTH_MAX : parseCount(flags.depth, '--depth', 1, 10_000),
    statesMax:
      flags.maxStates === undefined ? DEFAULT_STATES_MAX : parseCount(flags.maxStates, '--max-states', 1, 100_000_000),
    strategy: flags.strategy as Strategy,
    runs: parseCount(flags.runs, '--runs', 1, 1_000_000),
    seed: parseSeed(flags.seed),
    properties: parseSafetyProperties(flags.properties, protocol, faults as ExploreFault[]),
    out: flags.out,
    json: flags.json === true,
    submitAt: flags.submitAt === undefined ? undefined : parseNodes(flags.submitAt, nodes),
    deliveryBoundMs:
      flags.deliveryBound === undefined ? undefined : parseCount(flags.deliveryBound, '--delivery-bound', 0, 3_600_000),
  };
}

function parseNodes(text: string, nodes: number): number[] {
  const list = text.split(',').map((part) => part.trim());
  for (const part of list) {
    if (!/^\d+$/.test(part) || Number(part) < 1 || Number(part) > nodes) {
      throw new UsageError(`--submit-at lists nodes from 1 to ${nodes}, comma-separated; got "${text}"`);
    }
  }
  return list.map(Number);
}

/** Safety checkers only: a run cut short at a bound says nothing about what is delivered eventually. */
function parseSafetyProperties(
  text: string | undefined,
  protocol: ProtocolDefinition,
  faults: ExploreFault[],
): string[] {
  const isSafety = (name: string) => checkerByName(name)?.kind === 'safety';
  if (text === undefined) {
    const under = faults.length === 0 ? ['none'] : faults;
    const promised = PROPERTIES.filter(
      (property) =>
        isSafety(property) && under.every((fault) => protocol.promises?.[property]?.holds.includes(fault as never)),
    );
    if (promised.length === 0) {
      throw new UsageError(
        `${protocol.name} promises no safety property under ${under.join(', ')}; name some with --properties`,
      );
    }
    return promised;
  }
  const names = commaList(text);
  for (const name of names) {
    if (!isCheckerName(name))
      throw new UsageError(`unknown property "${name}"; choose from: ${CHECKER_NAMES.join(', ')}`);
    if (!isSafety(name))
      throw new UsageError(`"${name}" is a liveness property; explore judges safety properties only`);
  }
  if (names.length === 0) throw new UsageError('--properties needs at least one safety checker');
  return names.filter((name) => isProperty(name) || isCheckerName(name));
}

function header(io: CommandIo, args: ExploreArgs): void {
  if (args.json) return;
  const bound =
    args.strategy === 'bfs' || args.strategy === 'dfs'
      ? `depth ${args.depthMax}, max ${args.statesMax} states`
      : `${args.runs} runs`;
  io.write(
    `tob-lab explore: protocol ${args.protocol.name}, ${args.nodes} nodes, ${args.submits} submissions, ` +
      `faults ${args.faults.join(',') || 'none'}, strategy ${args.strategy}, ${bound}, seed ${args.seed}\n`,
  );
  io.write(`properties: ${args.properties.join(', ')}\n`);
}

function workload(args: ExploreArgs) {
  return exploreScenario({
    protocol: args.protocol,
    nodes: args.nodes,
    submits: args.submits,
    faults: args.faults,
    submitAt: args.submitAt,
    deliveryBoundMs: args.deliveryBoundMs,
  });
}

function exhaustive(io: CommandIo, args: ExploreArgs): number {
  header(io, args);
  const startedMs = Date.now();
  let shownMs = startedMs;
  const result = explore({
    scenario: workload(args),
    seed: args.seed,
    properties: args.properties,
    strategy: args.strategy as 'bfs' | 'dfs',
    depthMax: args.depthMax,
    statesMax: args.statesMax,
    onProgress: (stats) => {
      // A line every few seconds at most: progress is for the person waiting, not a log of the search.
      const nowMs = Date.now();
      if (nowMs - shownMs < PROGRESS_EVERY_MS) return;
      shownMs = nowMs;
      const seconds = Math.max((nowMs - startedMs) / 1000, 0.001);
      io.writeError(
        `  ${stats.statesExplored} states explored, ${stats.uniqueStates} unique, depth ${stats.depthReached}, ${(stats.statesExplored / seconds).toFixed(0)} states/s\n`,
      );
    },
  });
  const file = result.counterexample === null ? null : save(io, args, result.counterexample);
  if (args.json) {
    io.write(
      JSON.stringify({ ...countsJson(result), counterexample: counterexampleJson(result.counterexample, file) }) + '\n',
    );
    return result.counterexample === null ? 0 : 1;
  }
  io.write(
    `states explored ${result.statesExplored}, unique states ${result.uniqueStates}, depth reached ${result.depthReached} of ${result.depthMax}, ` +
      `pruned by partial-order reduction ${result.prunedByPor}, merged by fingerprint ${result.mergedByFingerprint}\n`,
  );
  io.write(`bound exhausted: ${boundText(result)}\n`);
  if (result.counterexample === null) {
    io.write(`no violation of ${args.properties.join(', ')} within the bound\n`);
    return 0;
  }
  io.write(describe(io, args, result.counterexample, file as string, 'a shortest counterexample') + '\n');
  return 1;
}

function boundText(result: ExploreResult): string {
  if (result.counterexample !== null) return 'no (stopped at the first violation)';
  if (!result.exhausted) return 'no (stopped at --max-states)';
  return result.complete ? 'yes, and nothing was left to fire at the bound: every reachable state was seen' : 'yes';
}

function random(io: CommandIo, args: ExploreArgs): number {
  header(io, args);
  const result = randomExplore({
    scenario: workload(args),
    seed: args.seed,
    properties: args.properties,
    strategy: args.strategy as 'pct' | 'drawn',
    runs: args.runs,
  });
  const file = result.counterexample === null ? null : save(io, args, result.counterexample);
  if (args.json) {
    io.write(
      JSON.stringify({ runs: result.runs, counterexample: counterexampleJson(result.counterexample, file) }) + '\n',
    );
    return result.counterexample === null ? 0 : 1;
  }
  if (result.counterexample === null) {
    io.write(`no violation of ${args.properties.join(', ')} in ${result.runs} runs\n`);
    return 0;
  }
  io.write(describe(io, args, result.counterexample, file as string, `found after ${result.runs} runs`) + '\n');
  return 1;
}

function save(io: CommandIo, args: ExploreArgs, counterexample: Counterexample): string {
  const name = `explore-${args.protocol.name}-${counterexample.property}-${args.strategy}-seed${args.seed}`;
  const foundBy =
    `tob-lab explore --protocol ${args.protocolArg} --nodes ${args.nodes} --submits ${args.submits} ` +
    `--faults ${args.faults.join(',') || 'none'} --strategy ${args.strategy} --seed ${args.seed} --properties ${args.properties.join(',')}` +
    (args.submitAt === undefined ? '' : ` --submit-at ${args.submitAt.join(',')}`) +
    (args.deliveryBoundMs === undefined ? '' : ` --delivery-bound ${args.deliveryBoundMs}`);
  const file = writeCounterexampleFile(io.cwd, args.out, name, {
    scenario: counterexample.scenario,
    seed: args.seed,
    property: counterexample.property,
    summary: counterexample.verdict.summary,
    foundBy,
    shrinks: 0,
  });
  return shownPath(io.cwd, file);
}

function describe(io: CommandIo, args: ExploreArgs, counterexample: Counterexample, file: string, how: string): string {
  const fired = eventsToViolation(counterexample.scenario, args.seed, counterexample.property) ?? [];
  const kinds = new Map<string, string>();
  for (const event of fired.flat()) {
    if (event.type !== 'send') continue;
    const type = (event.body as { type?: unknown } | null)?.type;
    kinds.set(String(event.msg), typeof type === 'string' ? `${type} ` : '');
  }
  const lines = fired.map((events, index) => `  ${String(index + 1).padStart(3)}. ${describeEvents(events, kinds)}`);
  return [
    `VIOLATION of ${counterexample.property} after ${counterexample.depth} events (${how}):`,
    ...lines,
    'verdict:',
    formatVerdict(counterexample.verdict),
    `saved:   ${file}`,
    `replay:  npx tob-lab run ${file} --seed ${args.seed}`,
  ].join('\n');
}

/** What one fired event did, in a few words: what it was, and any delivery it caused. */
function describeEvents(events: readonly HistoryEvent[], kinds: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'receive':
        parts.push(
          `node ${event.node} receives ${kinds.get(String(event.msg)) ?? ''}#${event.msg} from node ${event.from}`,
        );
        break;
      case 'timer':
        parts.push(`node ${event.node} timer ${event.name}`);
        break;
      case 'submit':
        parts.push(`submit ${event.id} (${JSON.stringify(event.payload)}) at node ${event.node}`);
        break;
      case 'deliver':
        parts.push(`node ${event.node} delivers ${event.id}`);
        break;
      case 'crash':
      case 'restart':
        parts.push(`${event.type} node ${event.node}`);
        break;
      case 'partition':
      case 'heal':
        parts.push(event.type);
        break;
      case 'drop':
        parts.push(`#${event.msg} to node ${event.to} dropped (${event.reason})`);
        break;
    }
  }
  return parts.join('; ') || '(nothing recorded)';
}

function countsJson(result: ExploreResult): Record<string, unknown> {
  const { counterexample: _ignored, ...counts } = result;
  return counts;
}

function counterexampleJson(
  counterexample: Counterexample | null,
  file: string | null,
): Record<string, unknown> | null {
  if (counterexample === null) return null;
  return {
    property: counterexample.property,
    depth: counterexample.depth,
    order: counterexample.scenario.schedule?.order ?? [],
    summary: counterexample.verdict.summary,
    file,
  };
}
