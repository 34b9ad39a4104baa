import { protocolByName } from '../../src/protocols/index.ts';
import { invariant } from '../../src/core/assert.ts';
import { formatCount, formatMiB, formatRatio, nowMs } from '../measure.ts';
import { lineChart, type SectionResult, type Target } from '../report.ts';
import { runChild } from '../spawn.ts';
import { cpuSinceMs, runBroadcastLoad, type BroadcastLoad } from '../workload.ts';
import { runCheckers } from '../../src/check/registry.ts';
import type { StreamResult } from '../stream.ts';
import { childTimeoutMs, judgeAtLeast, type BenchContext } from './common.ts';

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
  /**
   * Heap still in use after a full collection at the end, plus the array buffers (the history's typed-array
   * columns live outside the JS heap): what the run retains (mostly its history).
   */
  retainedHeapBytes: number;
  /** CPU time of the simulation, and of every checker on its history afterwards. */
  simCpuMs: number;
  checkCpuMs: number;
  samples: ScaleSample[];
}

/** At most this many bytes of heap per history event while the whole history is kept. */
export const BYTES_PER_EVENT_TARGET = 100;
/** Checkers at most this fraction of the simulation's time, on the largest runs. */
export const CHECK_TIME_TARGET = 0.5;
/** The streaming mode runs this many history events (full bench) in under STREAM_RSS_TARGET_BYTES. */
export const STREAM_EVENTS = 10_000_000;
export const STREAM_RSS_TARGET_BYTES = 1024 ** 3;
const STREAM_CHILD_TIMEOUT_MS = 300_000;

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
  const memory = process.memoryUsage();
  const retainedHeapBytes = memory.heapUsed + memory.arrayBuffers;
  const checkStart = process.cpuUsage();
  runCheckers(run.sim.history);
  const checkCpuMs = cpuSinceMs(checkStart);
  return {
    simCpuMs: run.cpuMs,
    checkCpuMs,
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
    formatRatio(m.checkCpuMs / m.simCpuMs),
    sliceRates(m),
  ]);
  const streamEvents = context.quick ? STREAM_EVENTS / 10 : STREAM_EVENTS;
  context.log(`streaming mode, ${formatCount(streamEvents)} history events`);
  const [streamed] = (await runChild(['stream', String(streamEvents)], {
    nodeArgs: ['--max-old-space-size=8192'],
    timeoutMs: childTimeoutMs(context, STREAM_CHILD_TIMEOUT_MS),
  })) as StreamResult[];
  const targets = scaleTargets(measurements, streamed, streamEvents);
  const largest = eventCounts.at(-1);
  return {
    id: 5,
    title: 'Scale: nodes and events',
    method:
      "The sequencer under 100 submissions/s at random nodes (default network), stopped by the simulator's event " +
      'bound at 10^5 and 10^6 queue events, on 5, 25 and 100 nodes; each run in a child process of its own. Peak ' +
      "RSS is the child's maximum resident set (process.resourceUsage); retained heap is heapUsed plus arrayBuffers (the history's columns) after a full GC " +
      "at the end, while the history is still referenced. The ratio column compares each run's rate with the " +
      "first row's.",
    tables: [
      {
        headers: [
          'nodes',
          'events',
          'history events',
          'events/s',
          'vs first row',
          'peak RSS',
          'retained heap',
          'per history event',
          'checkers / sim (CPU)',
          'events/s first -> last tenth',
        ],
        rows,
      },
      {
        headers: [
          'streaming mode',
          'history events',
          'kept in memory',
          'ids in the checkers',
          'JSONL written',
          'peak RSS',
          'run CPU',
          'in online checkers',
          'verdicts at the end',
          'verdicts',
        ],
        rows: [
          [
            `${streamed.protocol}, ${streamed.nodes} nodes`,
            formatCount(streamed.historyEvents),
            String(streamed.keptEvents),
            formatCount(streamed.ledgerIds),
            formatMiB(streamed.fileBytes),
            formatMiB(streamed.peakRssBytes),
            `${(streamed.simCpuMs / 1000).toFixed(1)} s`,
            `${(streamed.onlineCheckMs / 1000).toFixed(1)} s`,
            `${(streamed.checkCpuMs / 1000).toFixed(2)} s`,
            streamed.verdicts.map((verdict) => `${verdict.checker} ${verdict.status}`).join(', '),
          ],
        ],
      },
    ],
    notes: [
      'Streaming mode (npm run stream): the history is written to a JSONL file as it is made and every event is ' +
        'handed to the online checkers as it is recorded (src/check/online.ts); the simulator keeps no event in ' +
        'memory. The checkers keep per-submission and per-node state in typed arrays (id ordinals, payloads, vector ' +
        "clocks, each node's first deliveries: total order's pairwise fallback and exactly-once need them), and read " +
        'the few events a failing verdict shows back from the file. Run CPU covers simulation, JSONL and checkers; ' +
        "the online checkers' share is wall time around each call they read. The rest of the RSS is the " +
        "simulator's and the protocol's own state (durable records kept for restarts, the sequencer's log).",
    ],
    plots: measurements
      .filter((m) => m.eventsTarget === largest)
      .map((m) => ({
        title: `${m.nodes} nodes: resident memory (MiB) as the run reaches ${formatCount(m.eventsTarget)} events`,
        chart: lineChart([m.samples.map((sample) => sample.rssBytes / 1_048_576)], 5, 'MiB'),
      })),
    targets,
    wallMs: nowMs() - startMs,
  };
}

/** Memory per event at 5 nodes, checker time on the largest runs, and the streaming run's peak RSS. */
function scaleTargets(
  measurements: readonly ScaleMeasurement[],
  streamed: StreamResult,
  streamEvents: number,
): Target[] {
  const largest = Math.max(...measurements.map((m) => m.eventsTarget));
  const fiveNodes = measurements.find((m) => m.nodes === 5 && m.eventsTarget === largest);
  const bytesPerEvent = fiveNodes === undefined ? Number.NaN : fiveNodes.retainedHeapBytes / fiveNodes.historyEvents;
  const checkRatio = Math.max(
    ...measurements.filter((m) => m.eventsTarget === largest).map((m) => m.checkCpuMs / m.simCpuMs),
  );
  const rssGoalMiB = STREAM_RSS_TARGET_BYTES / 1_048_576;
  const checked = streamed.verdicts.every((verdict) => verdict.status !== 'fail');
  return [
    {
      name: `memory <= ${BYTES_PER_EVENT_TARGET} B per history event (5 nodes, ${formatCount(largest)} events, whole history kept)`,
      goal: `<= ${BYTES_PER_EVENT_TARGET} B`,
      measured: `${bytesPerEvent.toFixed(0)} B`,
      ...judgeAtLeast(BYTES_PER_EVENT_TARGET, bytesPerEvent),
    },
    {
      name: `checkers <= ${CHECK_TIME_TARGET} of the simulation time (largest runs, worst node count)`,
      goal: `<= ${CHECK_TIME_TARGET}`,
      measured: formatRatio(checkRatio),
      ...judgeAtLeast(CHECK_TIME_TARGET, checkRatio),
    },
    {
      name: `streaming mode, checkers fed online: ${formatCount(streamEvents)} history events in under ${rssGoalMiB} MiB of RSS`,
      goal: `< ${rssGoalMiB} MiB`,
      measured: `${formatMiB(streamed.peakRssBytes)}${checked ? '' : ' (a checker failed)'}`,
      ...judgeAtLeast(STREAM_RSS_TARGET_BYTES, streamed.peakRssBytes),
    },
  ];
}

/** Events/s over the first and the last tenth of the run: does the rate hold as the history grows? */
function sliceRates(m: ScaleMeasurement): string {
  const rate = (from: ScaleSample | undefined, to: ScaleSample | undefined) =>
    from === undefined || to === undefined || to.wallMs <= from.wallMs
      ? Number.NaN
      : ((to.events - from.events) / (to.wallMs - from.wallMs)) * 1000;
  const first = m.samples[0] === undefined ? Number.NaN : (m.samples[0].events / m.samples[0].wallMs) * 1000;
  const last = rate(m.samples.at(-2), m.samples.at(-1));
  return Number.isNaN(first) || Number.isNaN(last) ? '-' : `${formatCount(first)} -> ${formatCount(last)}`;
}
