import { protocolByName } from '../../src/protocols/index.ts';
import { invariant } from '../../src/core/assert.ts';
import { formatCount, formatMiB, formatRatio, nowMs } from '../measure.ts';
import { lineChart, type SectionResult } from '../report.ts';
import { runChild } from '../spawn.ts';
import { runBroadcastLoad, type BroadcastLoad } from '../workload.ts';
import { childTimeoutMs, type BenchContext } from './common.ts';

export const SCALE_NODES = [5, 25, 100] as const;
export const SCALE_EVENTS = [100_000, 1_000_000] as const;
const SCALE_SAMPLES = 10;
const SCALE_CHILD_TIMEOUT_MS = 240_000;

export interface ScaleSample {
  events: number;
  rssBytes: number;
  wallMs: number;
}

export interface ScaleMeasurement {
  nodes: number;
  eventsTarget: number;
  events: number;
  historyEvents: number;
  wallMs: number;
  eventsPerSecond: number;
  peakRssBytes: number;
  /** Heap still in use after a full collection at the end: what the run retains (mostly its history). */
  retainedHeapBytes: number;
  samples: ScaleSample[];
}

/** The sequencer under 100 submissions/s on the default network, cut at `events` queue events. */
export function scaleLoad(nodes: number, events: number): BroadcastLoad {
  const protocol = protocolByName('sequencer');
  invariant(protocol !== undefined, 'the sequencer protocol is registered');
  return {
    protocol,
    nodes,
    network: {},
    submissionsPerSecond: 100,
    durationMs: 3_500_000,
    drainMs: 5_000,
    seed: 11,
    maxEvents: events,
  };
}

/** Runs in a child process of its own (started with --expose-gc), so that its peak RSS is this run's alone. */
export function measureScale(nodes: number, eventsTarget: number): ScaleMeasurement {
  const samples: ScaleSample[] = [];
  const sampleEvery = eventsTarget / SCALE_SAMPLES;
  const startMs = nowMs();
  let nextSample = sampleEvery;
  const run = runBroadcastLoad({
    ...scaleLoad(nodes, eventsTarget),
    onProgress: (sim) => {
      if (sim.eventsHandled < nextSample) return;
      nextSample += sampleEvery;
      samples.push({ events: sim.eventsHandled, rssBytes: process.memoryUsage.rss(), wallMs: nowMs() - startMs });
    },
  });
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const retainedHeapBytes = process.memoryUsage().heapUsed;
  return {
    nodes,
    eventsTarget,
    events: run.sim.eventsHandled,
    historyEvents: run.sim.history.events.length,
    wallMs: run.wallMs,
    eventsPerSecond: (run.sim.eventsHandled / run.wallMs) * 1000,
    peakRssBytes,
    retainedHeapBytes,
    samples,
  };
}

/** Section 5: events/s and memory at 5, 25 and 100 nodes, for 10^5 and 10^6 events, one child process each. */
export async function benchScale(context: BenchContext): Promise<SectionResult> {
  const startMs = nowMs();
  const eventCounts = context.quick ? [SCALE_EVENTS[0]] : [...SCALE_EVENTS];
  const measurements: ScaleMeasurement[] = [];
  for (const events of eventCounts) {
    for (const nodes of SCALE_NODES) {
      context.log(`${nodes} nodes, ${formatCount(events)} events`);
      const [result] = await runChild(['scale', String(nodes), String(events)], {
        nodeArgs: ['--expose-gc', '--max-old-space-size=8192'],
        timeoutMs: childTimeoutMs(context, SCALE_CHILD_TIMEOUT_MS),
      });
      measurements.push(result as ScaleMeasurement);
    }
  }
  const baseline = measurements[0];
  const rows = measurements.map((m) => [
    String(m.nodes),
    formatCount(m.events),
    formatCount(m.historyEvents),
    formatCount(m.eventsPerSecond),
    formatRatio(m.eventsPerSecond / baseline.eventsPerSecond),
    formatMiB(m.peakRssBytes),
    formatMiB(m.retainedHeapBytes),
    `${(m.retainedHeapBytes / m.historyEvents).toFixed(0)} B`,
    sliceRates(m),
  ]);
  const largest = eventCounts.at(-1);
  return {
    id: 5,
    title: 'Scale: nodes and events',
    method:
      'The sequencer under 100 submissions/s at random nodes (default network), stopped by the simulator\'s event ' +
      'bound at 10^5 and 10^6 queue events, on 5, 25 and 100 nodes; each run in a child process of its own. Peak ' +
      'RSS is the child\'s maximum resident set (process.resourceUsage); retained heap is heapUsed after a full GC ' +
      'at the end, while the history is still referenced. The ratio column compares each run\'s rate with the ' +
      'first row\'s.',
    tables: [
      {
        headers: ['nodes', 'events', 'history events', 'events/s', 'vs first row', 'peak RSS', 'retained heap', 'per history event', 'events/s first -> last tenth'],
        rows,
      },
    ],
    notes: [],
    plots: measurements
      .filter((m) => m.eventsTarget === largest)
      .map((m) => ({
        title: `${m.nodes} nodes: resident memory (MiB) as the run reaches ${formatCount(m.eventsTarget)} events`,
        chart: lineChart([m.samples.map((sample) => sample.rssBytes / 1_048_576)], 5, 'MiB'),
      })),
    targets: [],
    wallMs: nowMs() - startMs,
  };
}

/** Events/s over the first and the last tenth of the run: does the rate hold as the history grows? */
function sliceRates(m: ScaleMeasurement): string {
  const rate = (from: ScaleSample | undefined, to: ScaleSample | undefined) =>
    from === undefined || to === undefined || to.wallMs <= from.wallMs ? Number.NaN : ((to.events - from.events) / (to.wallMs - from.wallMs)) * 1000;
  const first = m.samples[0] === undefined ? Number.NaN : (m.samples[0].events / m.samples[0].wallMs) * 1000;
  const last = rate(m.samples.at(-2), m.samples.at(-1));
  return Number.isNaN(first) || Number.isNaN(last) ? '-' : `${formatCount(first)} -> ${formatCount(last)}`;
}
