import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLUSTER_NODES_MAX } from '../../cluster/limits.ts';
import {
  ClusterError,
  ClusterInterrupted,
  runCluster,
  SPEED_MAX,
  type ClusterOutcome,
  type DownLinks,
} from '../../cluster/launcher.ts';
import type { CutStyle } from '../../cluster/links.ts';
import type { JsonObject } from '../../core/json.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import { checkSecret, LiveConfigError, parseOptions } from '../../live/config.ts';
import { demoScenario } from '../../cluster/demo.ts';
import { clusterSummaryJson, formatClusterReport } from '../../report/cluster.ts';
import { writeRunReport } from '../../report/write.ts';
import { loadScenario, protocolFromFlag, resolveProtocol, type Scenario } from '../../scenarios/index.ts';
import { EXIT_INTERNAL, parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';

interface ClusterFlags {
  nodes?: string;
  protocol?: string;
  options?: string;
  scenario?: string;
  data?: string;
  report?: string;
  secret?: string;
  speed: string;
  seed: string;
  cutStyle: string;
  downLinks: string;
  livenessMs?: string;
  timeLimitMs: string;
  json?: boolean;
}

const EXIT_INTERRUPTED = 130;

/** The work of `tob-lab cluster`, loaded only when the command runs (so `--help` starts fast). */
export async function clusterAction(io: CommandIo, flags: ClusterFlags): Promise<void> {
  const protocol = await protocolFromFlag(flags.protocol, io.cwd);
  const chosen = await chosenScenario(flags, protocol, io.cwd);
  const scenario = withOptions(chosen.scenario, flags.options, protocol);
  const scenarioArg = chosen.scenarioArg;
  const settings = {
    scenario,
    protocol,
    seed: parseSeed(flags.seed),
    secret: secretFrom(flags.secret, process.env),
    speed: parseNumber(flags.speed, '--speed', Number.MIN_VALUE, SPEED_MAX),
    cutStyle: parseCutStyle(flags.cutStyle),
    downLinks: parseDownLinks(flags.downLinks),
    livenessMs:
      flags.livenessMs === undefined ? undefined : parseNumber(flags.livenessMs, '--liveness-ms', 0, 3_600_000),
    timeLimitMs: parseNumber(flags.timeLimitMs, '--time-limit-ms', 1_000, 24 * 3_600_000),
    onProgress: (line: string) => io.writeError(`${line}\n`),
  };
  const dataDir =
    flags.data === undefined ? mkdtempSync(join(tmpdir(), 'tob-lab-cluster-')) : resolve(io.cwd, flags.data);
  // Ctrl-C stops the run in order (every process and proxy) instead of leaving orphans behind.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  let outcome: ClusterOutcome;
  try {
    outcome = await runCluster({ ...settings, dataDir, signal: interrupt.signal });
  } catch (error) {
    if (error instanceof ClusterInterrupted)
      return fail(io, EXIT_INTERRUPTED, 'interrupted; every node process and proxy it started was stopped');
    if (error instanceof ClusterError) return fail(io, EXIT_INTERNAL, error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const temporary = flags.data === undefined;
  const reportOptions = {
    scenarioArg,
    nodes: scenario.cluster.nodes,
    protocolArg: flags.protocol,
    optionsArg: flags.options,
  };
  const text = formatClusterReport(outcome, { ...reportOptions, dataKept: !temporary });
  if (flags.report !== undefined) writeReport(resolve(io.cwd, flags.report), outcome, text);
  // A temporary data directory goes once the run is judged: the report, if asked for, holds the histories.
  if (temporary) rmSync(dataDir, { recursive: true, force: true });
  io.write(flags.json ? JSON.stringify(clusterSummaryJson(outcome), null, 2) + '\n' : text + '\n');
  io.setExitCode(outcome.result.exitCode);
}

/** The scenario with --options laid over its own cluster options, checked against the protocol that will run. */
function withOptions(
  scenario: Scenario,
  text: string | undefined,
  protocol: string | ProtocolDefinition | undefined,
): Scenario {
  if (text === undefined) return scenario;
  const definition = resolveProtocol(protocol ?? scenario.cluster.protocol);
  let options: JsonObject;
  try {
    options = parseOptions(text, definition, '--options');
  } catch (error) {
    if (error instanceof LiveConfigError) throw new UsageError(error.message);
    throw error;
  }
  return {
    ...scenario,
    cluster: { ...scenario.cluster, options: { ...(scenario.cluster.options ?? {}), ...options } },
  };
}

async function chosenScenario(
  flags: ClusterFlags,
  protocol: string | ProtocolDefinition | undefined,
  cwd: string,
): Promise<{ scenario: Scenario; scenarioArg: string | null }> {
  const nodes = flags.nodes === undefined ? undefined : parseNumber(flags.nodes, '--nodes', 1, CLUSTER_NODES_MAX);
  if (nodes !== undefined && !Number.isInteger(nodes))
    throw new UsageError(`--nodes must be a whole number, got "${flags.nodes}"`);
  if (flags.scenario === undefined) {
    return { scenario: demoScenario(resolveProtocol(protocol ?? 'sequencer'), nodes ?? 3), scenarioArg: null };
  }
  const { scenario } = await loadScenario(flags.scenario, cwd);
  if (nodes !== undefined && nodes !== scenario.cluster.nodes) {
    throw new UsageError(
      `--nodes ${nodes} does not match the scenario's ${scenario.cluster.nodes} nodes; leave --nodes out`,
    );
  }
  if (scenario.cluster.nodes > CLUSTER_NODES_MAX) {
    throw new UsageError(
      `the scenario has ${scenario.cluster.nodes} nodes; a live cluster runs at most ${CLUSTER_NODES_MAX} processes`,
    );
  }
  return { scenario, scenarioArg: flags.scenario };
}

function parseNumber(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max))
    throw new UsageError(
      `${flag} must be a number from ${min === Number.MIN_VALUE ? 'above 0' : min} to ${max}, got "${text}"`,
    );
  return value;
}

function parseCutStyle(text: string): CutStyle {
  if (text === 'drop' || text === 'refuse') return text;
  throw new UsageError(`--cut-style must be "drop" or "refuse", got "${text}"`);
}

/** --secret, else TOB_LAB_SECRET (empty means none): the environment keeps the secret off the command line. */
export function secretFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) return parseSecret(flag, '--secret');
  const fromEnv = env.TOB_LAB_SECRET;
  return fromEnv === undefined || fromEnv === '' ? undefined : parseSecret(fromEnv, 'TOB_LAB_SECRET');
}

function parseSecret(text: string, where: string): string {
  try {
    return checkSecret(text, where);
  } catch (error) {
    if (error instanceof LiveConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function parseDownLinks(text: string): DownLinks {
  if (text === 'queue' || text === 'drop') return text;
  throw new UsageError(`--down-links must be "queue" or "drop", got "${text}"`);
}

function fail(io: CommandIo, code: number, message: string): void {
  io.writeError(`tob-lab: ${message}\n`);
  io.setExitCode(code);
}

function writeReport(dir: string, outcome: ClusterOutcome, text: string): void {
  try {
    // The same report a simulated run gets (report.md, report.html, trace.jsonl, exports), plus the live extras.
    writeRunReport(outcome.result, dir, {});
    writeFileSync(join(dir, 'report.txt'), text + '\n');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(clusterSummaryJson(outcome), null, 2) + '\n');
  } catch (error) {
    throw new UsageError(`cannot write the report to ${dir}: ${(error as Error).message}`);
  }
}
