import { FAULT_CLASSES, type FaultClass } from '../../src/core/promises.ts';
import { PROTOCOLS } from '../../src/protocols/index.ts';
import { searchViolation, type SearchOptions } from '../../src/search/search.ts';
import { sweep } from '../../src/search/sweep.ts';
import { formatMs, formatRatio, nowMs, timed, timedAsync } from '../measure.ts';
import { barChart, type SectionResult } from '../report.ts';
import { runBareLoop } from '../bare-loop.ts';
import { cpuSinceMs } from '../workload.ts';
import { judgeAtLeast, type BenchContext } from './common.ts';
import { BARE_POPULATION } from './simulator.ts';

const BARE_EVENTS = 2_000_000;

export const RUNS_PER_CORE_TARGET = 1000;
export const SEARCH_WORKERS = 2;

/** Every fault class at once: the generator draws each fault of a schedule from all of them. */
export const ALL_FAULTS: FaultClass[] = FAULT_CLASSES.filter((fault) => fault !== 'none');

/**
 * `check` on 5 nodes with up to 20 submissions and random faults of every class. No property is chased, so a
 * violation never stops the search or starts a shrink: every run is one generated scenario, run and judged by
 * every checker (shrinking costs are section 4's).
 */
export function searchOptions(protocol: string, runs: number, seed: number): SearchOptions {
  return { protocol, nodes: 5, faults: ALL_FAULTS, properties: [], runs, submissionsMax: 20, seed };
}

/** Cases in the sweep that measures the workers' fixed cost (starting threads, loading TypeScript). */
const STARTUP_RUNS = 2;

/** Section 3: scenario runs per second, in one thread and over SEARCH_WORKERS worker threads. */
export async function benchSearch(context: BenchContext): Promise<SectionResult> {
  const startMs = nowMs();
  const runs = context.quick ? 40 : 1_000;
  // Warm the JIT on a few runs of each protocol so the first one measured is not penalized.
  for (const protocol of PROTOCOLS) searchViolation(searchOptions(protocol.name, context.quick ? 5 : 20, 999));
  const rows: string[][] = [];
  const bars: Array<{ label: string; value: number; text: string }> = [];
  let sequencerPerCore = 0;
  let sequencerPerBareMillion = 0;
  for (const protocol of PROTOCOLS) {
    context.log(protocol.name);
    const singleStart = process.cpuUsage();
    const single = timed(() => searchViolation(searchOptions(protocol.name, runs, 1)));
    const singleCpuMs = cpuSinceMs(singleStart);
    // The bare loop right after, so the rate can be read as runs per bare-loop-million-events across machines.
    const bareStart = process.cpuUsage();
    runBareLoop(BARE_EVENTS, BARE_POPULATION, 1);
    const bareMillionsPerSecond = BARE_EVENTS / 1e6 / (cpuSinceMs(bareStart) / 1000);
    const startup = await timedAsync(() => sweep(searchOptions(protocol.name, STARTUP_RUNS, 1), SEARCH_WORKERS));
    const parallel = await timedAsync(() => sweep(searchOptions(protocol.name, runs, 1), SEARCH_WORKERS));
    const singleRate = (single.value.runs / singleCpuMs) * 1000;
    const perBareMillion = singleRate / bareMillionsPerSecond;
    const parallelRate = (parallel.value.runs / parallel.wallMs) * 1000;
    // The difference of two sweeps taken back to back: the rate once the threads are up.
    const steadyRate =
      ((parallel.value.runs - startup.value.runs) / Math.max(1, parallel.wallMs - startup.wallMs)) * 1000;
    if (protocol.name === 'sequencer') [sequencerPerCore, sequencerPerBareMillion] = [singleRate, perBareMillion];
    rows.push([
      protocol.name,
      String(single.value.runs),
      singleRate.toFixed(0),
      perBareMillion.toFixed(0),
      parallelRate.toFixed(0),
      formatMs(startup.wallMs),
      steadyRate.toFixed(0),
      formatRatio(steadyRate / singleRate),
      `${(1000 / singleRate).toFixed(2)} ms`,
    ]);
    bars.push({ label: protocol.name, value: singleRate, text: `${singleRate.toFixed(0)} runs/s` });
  }
  return {
    id: 3,
    title: 'Property search throughput',
    method:
      `searchViolation over ${runs} generated cases per protocol (5 nodes, up to 20 submissions, faults drawn from ` +
      `${ALL_FAULTS.join(', ')}; every checker judges every run), in this thread, then sweep() over the same cases ` +
      `with ${SEARCH_WORKERS} worker threads (the one-thread rate is per CPU second; runs per bare-loop-million-events ` +
      `divides it by the bare loop's rate in millions of events per CPU second, measured right after): once whole, and once on ${STARTUP_RUNS} cases for the fixed cost of ` +
      'starting the threads (each loads the TypeScript sources anew); the steady rate is the difference of the two. ' +
      'The last ratio compares the steady rate with the one-thread rate measured just before it.',
    tables: [
      {
        headers: [
          'protocol',
          'runs',
          'runs/CPU s (1 thread)',
          'runs per bare-loop-million-events',
          `runs/s (${SEARCH_WORKERS} workers)`,
          'worker start-up',
          'steady runs/s (workers)',
          'steady / 1 thread',
          'ms per run',
        ],
        rows,
      },
    ],
    notes: [],
    plots: [
      {
        title: `Runs per second in one thread (target for the sequencer: ${RUNS_PER_CORE_TARGET})`,
        chart: barChart([
          ...bars,
          { label: 'goal', value: RUNS_PER_CORE_TARGET, text: `${RUNS_PER_CORE_TARGET} runs/s` },
        ]),
      },
    ],
    targets: [
      {
        name: 'check: 1000 runs/s per core (sequencer, one thread)',
        profileWith: 'search-sequencer',
        goal: `>= ${RUNS_PER_CORE_TARGET} runs/s`,
        measured: `${sequencerPerCore.toFixed(0)} runs/s (${sequencerPerBareMillion.toFixed(0)} per bare-loop-million-events)`,
        ...judgeAtLeast(sequencerPerCore, RUNS_PER_CORE_TARGET),
      },
    ],
    wallMs: nowMs() - startMs,
  };
}
