import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ClusterError, ClusterInterrupted, runCluster, SPEED_MAX, type ClusterOutcome, type DownLinks } from '../../cluster/launcher.ts';
import type { CutStyle } from '../../cluster/links.ts';
import { checkSecret, LiveConfigError } from '../../live/config.ts';
import { demoScenario } from '../../cluster/demo.ts';
import { clusterSummaryJson, formatClusterReport } from '../../report/cluster.ts';
import { writeRunReport } from '../../report/write.ts';
import { loadScenario, resolveProtocol, type Scenario } from '../../scenarios/index.ts';
import { EXIT_INTERNAL, parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';

interface ClusterFlags {
  nodes?: string;
  protocol?: string;
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
const NODES_MAX = 16;

export function clusterCommand(io: CommandIo): Command {
  return new Command('cluster')
    .description('launch a live cluster on 127.0.0.1 (one process per node, a fault proxy per link), drive a scenario in real time, judge it')
    .option('--nodes <n>', `nodes of the built-in demo (default 3); with --scenario, must match it (at most ${NODES_MAX})`)
    .option('--protocol <name>', "the protocol (default: the scenario's, or sequencer for the demo)")
    .option('--scenario <file>', 'a scenario file or shipped scenario name (default: a short fault-free demo)')
    .option('--data <dir>', 'an empty or new directory for the nodes\' logs and histories (default: a fresh temporary one)')
    .option('--report <dir>', 'also write the run report there: report.md, report.html, trace.jsonl, shiviz.log, trace.chrome.json, report.txt, summary.json')
    .option('--secret <s>', 'shared secret: every frame between nodes carries an HMAC (8 bytes or more; or set TOB_LAB_SECRET, kept out of `ps`)')
    .option('--speed <x>', `run the scenario timeline this many times faster (0 < x <= ${SPEED_MAX}; protocol timers stay real)`, '1')
    .option('--seed <n>', "seeds the nodes' random streams", '1')
    .option('--cut-style <style>', 'partitions and cuts: "drop" swallows frames, "refuse" closes the link', 'drop')
    .option(
      '--down-links <what>',
      'frames sent to a crashed or not yet joined node: "drop" (lost, as with a dead process; the simulator does the same) or "queue" (the proxy keeps them for the node\'s next run, as a stalled link would)',
      'drop',
    )
    .option('--liveness-ms <ms>', 'bound on the liveness phase in real ms (default: the scenario\'s, else 30000)')
    .option('--time-limit-ms <ms>', 'bound on the whole run in real ms; past it everything is stopped', '600000')
    .option('--json', 'print a JSON summary instead of the text report')
    .addHelpText(
      'after',
      '\nExit codes: 0 expectations hold, 1 safety violation, 2 liveness violation, 64 usage error,\n' +
        '70 the cluster could not run (a node never became ready, or the time limit passed), 130 interrupted.\n' +
        'Example: tob-lab cluster --scenario leader-failure --speed 1.25 --report reports/live',
    )
    .action(async (flags: ClusterFlags) => {
      const { scenario, scenarioArg } = await chosenScenario(flags, io.cwd);
      const settings = {
        scenario,
        protocol: flags.protocol,
        seed: parseSeed(flags.seed),
        secret: secretFrom(flags.secret, process.env),
        speed: parseNumber(flags.speed, '--speed', Number.MIN_VALUE, SPEED_MAX),
        cutStyle: parseCutStyle(flags.cutStyle),
        downLinks: parseDownLinks(flags.downLinks),
        livenessMs: flags.livenessMs === undefined ? undefined : parseNumber(flags.livenessMs, '--liveness-ms', 0, 3_600_000),
        timeLimitMs: parseNumber(flags.timeLimitMs, '--time-limit-ms', 1_000, 24 * 3_600_000),
        onProgress: (line: string) => io.writeError(`${line}\n`),
      };
      const dataDir = flags.data === undefined ? mkdtempSync(join(tmpdir(), 'tob-lab-cluster-')) : resolve(io.cwd, flags.data);
      // Ctrl-C stops the run in order (every process and proxy) instead of leaving orphans behind.
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort();
      process.once('SIGINT', onSigint);
      let outcome: ClusterOutcome;
      try {
        outcome = await runCluster({ ...settings, dataDir, signal: interrupt.signal });
      } catch (error) {
        if (error instanceof ClusterInterrupted) return fail(io, EXIT_INTERRUPTED, 'interrupted; every node process and proxy it started was stopped');
        if (error instanceof ClusterError) return fail(io, EXIT_INTERNAL, error.message);
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
      }
      const text = formatClusterReport(outcome, { scenarioArg, nodes: scenario.cluster.nodes });
      if (flags.report !== undefined) writeReport(resolve(io.cwd, flags.report), outcome, text);
      io.write(flags.json ? JSON.stringify(clusterSummaryJson(outcome), null, 2) + '\n' : text + '\n');
      io.setExitCode(outcome.result.exitCode);
    });
}

async function chosenScenario(flags: ClusterFlags, cwd: string): Promise<{ scenario: Scenario; scenarioArg: string | null }> {
  const nodes = flags.nodes === undefined ? undefined : parseNumber(flags.nodes, '--nodes', 1, NODES_MAX);
  if (nodes !== undefined && !Number.isInteger(nodes)) throw new UsageError(`--nodes must be a whole number, got "${flags.nodes}"`);
  if (flags.scenario === undefined) {
    return { scenario: demoScenario(resolveProtocol(flags.protocol ?? 'sequencer'), nodes ?? 3), scenarioArg: null };
  }
  const { scenario } = await loadScenario(flags.scenario, cwd);
  if (nodes !== undefined && nodes !== scenario.cluster.nodes) {
    throw new UsageError(`--nodes ${nodes} does not match the scenario's ${scenario.cluster.nodes} nodes; leave --nodes out`);
  }
  if (scenario.cluster.nodes > NODES_MAX) {
    throw new UsageError(`the scenario has ${scenario.cluster.nodes} nodes; a live cluster runs at most ${NODES_MAX} processes`);
  }
  return { scenario, scenarioArg: flags.scenario };
}

function parseNumber(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${flag} must be a number from ${min === Number.MIN_VALUE ? 'above 0' : min} to ${max}, got "${text}"`);
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
