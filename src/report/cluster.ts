import { shellWord } from './summary.ts';
import { formatRun, runSummaryJson, summaryLine } from './text.ts';
import type { ClusterOutcome } from '../cluster/launcher.ts';

/**
 * The report of a live cluster run: the simulator's text report (same timeline, deliveries, verdicts and
 * expectations), with the lines that would mislead about a live run said again for it: the head line, the clock
 * of the timeline, and a rerun command instead of a replay (a live run does not come back bit for bit). Only
 * the CLI imports this; the launcher itself prints nothing.
 */
export interface ClusterReportOptions {
  /** The scenario as the user named it, or null for the built-in demo. */
  scenarioArg: string | null;
  nodes: number;
  /** --protocol and --options as given, when they were. */
  protocolArg?: string;
  optionsArg?: string;
  /** False when the data directory was a temporary one, removed after the run (default true). */
  dataKept?: boolean;
}

export function formatClusterReport(outcome: ClusterOutcome, options: ClusterReportOptions): string {
  const { result } = outcome;
  const lines = formatRun(result, { scenarioArg: options.scenarioArg ?? '-' }).split('\n');
  lines[0] =
    `tob-lab cluster ${result.scenario.name}  (live on 127.0.0.1, protocol ${result.protocol}, ` +
    `${result.scenario.cluster.nodes} node processes, speed ${outcome.speed}, seed ${result.seed})`;
  const timeline = lines.indexOf('Timeline (virtual time)');
  if (timeline !== -1) {
    lines[timeline] = 'Timeline (real time since the scenario started; before 0 s the nodes were starting)';
  }
  const summary = lines.indexOf(summaryLine(result));
  const live = liveSection(outcome, options.dataKept ?? true);
  if (summary !== -1) lines.splice(summary, 0, ...live, '');
  else lines.push('', ...live);
  const replay = lines.findIndex((line) => line.startsWith('replay:'));
  const rerun = `rerun:   ${rerunCommand(outcome, options)}  (a live run differs in timing each time)`;
  if (replay !== -1) lines[replay] = rerun;
  else lines.push(rerun);
  return lines.join('\n');
}

function liveSection(outcome: ClusterOutcome, dataKept: boolean): string[] {
  const lines = ['Live run'];
  if (outcome.speed !== 1) {
    lines.push(
      `  the timeline ran ${outcome.speed}x faster than written; expectation times above are on the real clock ` +
        '(scenario ms / speed); protocol timers were not scaled',
    );
  }
  for (const note of outcome.notes) lines.push(`  note: ${note}`);
  const faulted = outcome.links.filter(({ stats }) => stats.framesDropped > 0 || stats.connectionsRefused > 0);
  for (const { from, to, stats } of faulted) {
    lines.push(
      `  link ${from} -> ${to}: ${stats.framesDropped} frames dropped, ${stats.connectionsRefused} connections refused`,
    );
  }
  lines.push(
    dataKept
      ? `  data and node histories: ${outcome.dataDir}`
      : '  data and node histories: removed with their temporary directory (give --data DIR, or --report DIR, to keep them)',
  );
  return lines;
}

function rerunCommand(outcome: ClusterOutcome, options: ClusterReportOptions): string {
  const { result } = outcome;
  const parts = ['npx tob-lab cluster'];
  if (options.scenarioArg !== null) parts.push(`--scenario ${shellWord(options.scenarioArg)}`);
  else parts.push(`--nodes ${options.nodes}`);
  const named = result.scenario.cluster.protocol;
  if (options.protocolArg !== undefined) parts.push(`--protocol ${shellWord(options.protocolArg)}`);
  else if (options.scenarioArg === null || (typeof named === 'string' && named !== result.protocol))
    parts.push(`--protocol ${result.protocol}`);
  if (options.optionsArg !== undefined) parts.push(`--options ${shellWord(options.optionsArg)}`);
  if (result.seed !== 1) parts.push(`--seed ${result.seed}`);
  if (outcome.speed !== 1) parts.push(`--speed ${outcome.speed}`);
  if (outcome.cutStyle !== 'drop') parts.push(`--cut-style ${outcome.cutStyle}`);
  if (outcome.downLinks !== 'drop') parts.push(`--down-links ${outcome.downLinks}`);
  return parts.join(' ');
}

/** `--json`: the run's summary as `run --json` prints it, plus what only a live run has. */
export function clusterSummaryJson(outcome: ClusterOutcome): Record<string, unknown> {
  return {
    ...runSummaryJson(outcome.result),
    live: {
      speed: outcome.speed,
      cutStyle: outcome.cutStyle,
      downLinks: outcome.downLinks,
      dataDir: outcome.dataDir,
      notes: outcome.notes,
      pids: outcome.pids,
      links: outcome.links,
    },
  };
}
