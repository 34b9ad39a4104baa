import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatCount, formatMs, nowMs, percentile } from '../measure.ts';
import type { SectionResult, Target } from '../report.ts';
import { LiveCluster, sameOrder } from '../live-cluster.ts';
import { REPO_ROOT } from '../spawn.ts';
import { judgeAtLeast, type BenchContext } from './common.ts';

export const LIVE_UNAVAILABLE = 'live mode not available';
const LIVE_NODES = 3;
const OFFERED_PER_SECOND = 1_000;
/** Submissions in flight (submitted, not yet delivered everywhere) at most during the saturation run. */
const SATURATION_WINDOW = 1_000;
const DRAIN_WAIT_MS = 20_000;
const SATURATION_WAIT_MS = 40_000;
const TICK_MS = 10;
/** Issue 13's targets, on an idle 2-core machine, with the log synced. */
const P99_TARGET_MS = 20;
const SATURATION_TARGET_PER_SECOND = 5_000;

/** Whether this build registers `tob-lab live`: null when it does, else why not. */
export async function liveUnavailableReason(): Promise<string | null> {
  if (!existsSync(join(REPO_ROOT, 'src/live'))) return 'src/live does not exist';
  const { buildProgram } = await import('../../src/cli/main.ts');
  const ignore = () => {};
  const program = buildProgram({
    cwd: REPO_ROOT,
    write: ignore,
    writeError: ignore,
    setExitCode: ignore,
    interactive: false,
  });
  return program.commands.some((command) => command.name() === 'live')
    ? null
    : '`tob-lab live` is not registered in src/cli/main.ts';
}

/** Section 6: a 3-node sequencer cluster over TCP on 127.0.0.1, at a fixed load and at saturation. */
export async function benchLive(context: BenchContext): Promise<SectionResult> {
  const startMs = nowMs();
  const section = {
    id: 6,
    title: 'Live mode on loopback',
    method:
      `${LIVE_NODES} \`tob-lab live --headless\` processes of the sequencer (default options; group commit: one ` +
      'fdatasync per batch of handlers) on 127.0.0.1, fed on stdin, read on stdout, submissions spread round-robin; ' +
      'every measurement twice, side by side: with the log synced (the default) and with `--no-sync`. Fixed load: ' +
      `${OFFERED_PER_SECOND} msg/s for ${context.quick ? 1 : 5} s; latency is from writing the line to reading each ` +
      `node's delivery of it. Saturation: a window of ${SATURATION_WINDOW} submissions kept in flight; the rate ` +
      'counts messages delivered by every node, from the first submission to the last such delivery.',
    plots: [],
    targets: [],
  };
  const reason = await liveUnavailableReason();
  if (reason !== null) {
    const line = `${LIVE_UNAVAILABLE}: ${reason}; the section is skipped.`;
    context.log(line);
    return { ...section, tables: [], notes: [line], wallMs: nowMs() - startMs };
  }
  const rows: string[][] = [];
  const notes: string[] = [];
  const targets: Target[] = [];
  try {
    for (const [label, args] of [
      ['sync on', []],
      ['sync off', ['--no-sync']],
    ] as const) {
      const fixed = await fixedLoad(context, args);
      const saturated = await saturation(context, args);
      rows.push(...[...fixed.rows, ...saturated.rows].map(([name, value]) => [`${label}: ${name}`, value]));
      if (args.length > 0) continue;
      targets.push(
        {
          name: `live p99 at ${OFFERED_PER_SECOND} msg/s, log synced`,
          goal: `< ${P99_TARGET_MS} ms`,
          measured: formatMs(fixed.p99Ms),
          ...judgeAtLeast(P99_TARGET_MS, fixed.p99Ms),
        },
        {
          name: 'live saturation, delivered by every node in one order, log synced',
          goal: `>= ${formatCount(SATURATION_TARGET_PER_SECOND)} msg/s`,
          measured: `${formatCount(saturated.rate)} msg/s`,
          ...judgeAtLeast(saturated.rate, SATURATION_TARGET_PER_SECOND),
        },
      );
    }
  } catch (error) {
    notes.push(`${LIVE_UNAVAILABLE}: ${(error as Error).message}`);
  }
  const tables = rows.length > 0 ? [{ headers: ['measurement', 'value'], rows }] : [];
  return { ...section, tables, targets, notes, wallMs: nowMs() - startMs };
}

async function fixedLoad(context: BenchContext, args: readonly string[]): Promise<{ rows: string[][]; p99Ms: number }> {
  context.log(`fixed load: ${OFFERED_PER_SECOND} msg/s ${args.join(' ')}`);
  const cluster = await LiveCluster.start(LIVE_NODES, args);
  try {
    const total = OFFERED_PER_SECOND * (context.quick ? 1 : 5);
    const startMs = nowMs();
    let sent = 0;
    // Paced by the clock, not by a timer's promise: late ticks catch up so the offered rate holds on average.
    while (sent < total) {
      const due = Math.min(total, Math.floor(((nowMs() - startMs) / 1000) * OFFERED_PER_SECOND) + 1);
      for (; sent < due; sent += 1) cluster.submit((sent % LIVE_NODES) + 1, `f${sent + 1}`);
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    const offeredPerSecond = (sent / (nowMs() - startMs)) * 1000;
    await cluster.waitFor(() => cluster.completedAtMs.size >= total, DRAIN_WAIT_MS);
    const latencies = cluster.latenciesMs;
    const pairs = total * LIVE_NODES;
    const p99Ms = latencies.length > 0 ? percentile(latencies, 0.99) : Infinity;
    const rows = [
      ['fixed load: offered', `${offeredPerSecond.toFixed(0)} msg/s (${total} messages)`],
      ['fixed load: latency p50', latencies.length > 0 ? formatMs(percentile(latencies, 0.5)) : '-'],
      ['fixed load: latency p99', latencies.length > 0 ? formatMs(percentile(latencies, 0.99)) : '-'],
      ['fixed load: latency max', latencies.length > 0 ? formatMs(percentile(latencies, 1)) : '-'],
      ['fixed load: delivered', `${((100 * latencies.length) / pairs).toFixed(1)} % of (message, node) pairs`],
      ['fixed load: one total order', sameOrder([...cluster.delivered.values()]) ? 'yes' : 'NO'],
    ];
    return { rows, p99Ms };
  } finally {
    await cluster.stop();
  }
}

async function saturation(context: BenchContext, args: readonly string[]): Promise<{ rows: string[][]; rate: number }> {
  context.log(`saturation: ${SATURATION_WINDOW} in flight ${args.join(' ')}`);
  const cluster = await LiveCluster.start(LIVE_NODES, args);
  try {
    const total = context.quick ? 2_000 : 20_000;
    const startMs = nowMs();
    let sent = 0;
    const deadlineMs = startMs + SATURATION_WAIT_MS;
    while (cluster.completedAtMs.size < total && nowMs() < deadlineMs && cluster.problem === null) {
      for (; sent < total && sent - cluster.completedAtMs.size < SATURATION_WINDOW; sent += 1) {
        cluster.submit((sent % LIVE_NODES) + 1, `s${sent + 1}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const completed = [...cluster.completedAtMs.values()];
    const lastMs = completed.length > 0 ? Math.max(...completed) : nowMs();
    const ordered = sameOrder([...cluster.delivered.values()]);
    // Messages delivered out of one order do not count: the rate is of a correct broadcast or nothing.
    const rate = ordered ? (completed.length / (lastMs - startMs)) * 1000 : 0;
    const rows = [
      [
        'saturation: delivered by every node',
        `${formatCount(rate)} msg/s (${completed.length} of ${sent} in ${formatMs(lastMs - startMs)})`,
      ],
      ['saturation: one total order', ordered ? 'yes' : 'NO'],
    ];
    return { rows, rate };
  } finally {
    await cluster.stop();
  }
}
