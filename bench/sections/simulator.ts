import type { ProtocolDefinition } from '../../src/core/node.ts';
import { PROTOCOLS, protocolByName } from '../../src/protocols/index.ts';
import { runBareLoop } from '../bare-loop.ts';
import { formatCount, formatRatio, median, nowMs } from '../measure.ts';
import { barChart, type SectionResult } from '../report.ts';
import { runBroadcastLoad, type BroadcastLoad } from '../workload.ts';
import { judgeAtLeast, type BenchContext } from './common.ts';

/** Events pending in the bare loop at any time: about what a 5-node run under this load keeps queued. */
export const BARE_POPULATION = 32;
/** Long enough (some 100 ms) that a collection left over from the simulator run cannot dominate it. */
const BARE_EVENTS = 2_000_000;
export const SIMULATOR_TARGET_RATIO = 0.25;

/** Section 1's load: 5 nodes on the default network (5-25 ms, FIFO), 200 submissions/s for 60 virtual seconds. */
export function simulatorLoad(protocol: ProtocolDefinition, quick: boolean): BroadcastLoad {
  return {
    protocol,
    nodes: 5,
    network: {},
    submissionsPerSecond: 200,
    durationMs: quick ? 10_000 : 60_000,
    drainMs: 5_000,
    seed: 7,
  };
}

interface Sample {
  simRate: number;
  bareRate: number;
  events: number;
  historyEvents: number;
}

/**
 * Section 1: the simulator against a bare event loop in the same process. Each round runs every protocol and,
 * right after it, the bare loop for the same number of events, so each ratio compares two runs taken moments
 * apart; the figure is the median ratio over the rounds (a round of warm-up for the JIT is not counted).
 */
export function benchSimulator(context: BenchContext): SectionResult {
  const startMs = nowMs();
  const rounds = context.quick ? 1 : 3;
  const samples = new Map<string, Sample[]>(PROTOCOLS.map((protocol) => [protocol.name, []]));
  for (let round = 0; round <= rounds; round += 1) {
    context.log(round === 0 ? 'warm-up round' : `round ${round} of ${rounds}`);
    for (const protocol of PROTOCOLS) {
      const run = runBroadcastLoad(simulatorLoad(protocol, context.quick));
      const events = run.sim.eventsHandled;
      const bare = runBareLoop(context.quick ? BARE_EVENTS / 4 : BARE_EVENTS, BARE_POPULATION, round + 1);
      if (round === 0) continue;
      samples.get(protocol.name)?.push({
        simRate: (events / run.wallMs) * 1000,
        bareRate: bare.eventsPerSecond,
        events,
        historyEvents: run.sim.history.events.length,
      });
    }
  }
  const rows = PROTOCOLS.map((protocol) => summarize(protocol.name, samples.get(protocol.name) ?? []));
  const sequencer = rows.find((row) => row.name === protocolByName('sequencer')?.name);
  const ratio = sequencer?.ratio ?? 0;
  return {
    id: 1,
    title: 'Simulator against a bare event loop',
    method:
      `Each protocol runs on 5 nodes (default network: 5-25 ms, FIFO) under 200 submissions/s for ` +
      `${context.quick ? 10 : 60} virtual seconds, history recording on; events/s counts the queue events handled ` +
      `(Simulator.eventsHandled) over the wall time of the run. Right after each run, a bare loop (binary heap on ` +
      `(time, seq), the same Alea generator, one new event per event handled, ${BARE_POPULATION} pending) handles ` +
      `${context.quick ? BARE_EVENTS / 4 : BARE_EVENTS} events. Ratio = median over ${rounds} round(s) of sim rate / bare rate.`,
    tables: [
      {
        headers: ['protocol', 'events handled', 'history events/event', 'sim events/s', 'bare events/s', 'sim / bare'],
        rows: rows.map((row) => [
          row.name,
          formatCount(row.events),
          (row.historyEvents / row.events).toFixed(2),
          formatCount(row.simRate),
          formatCount(row.bareRate),
          formatRatio(row.ratio),
        ]),
      },
    ],
    notes: [],
    plots: [
      {
        title: `Simulator rate as a fraction of the bare loop's (target for the sequencer: ${SIMULATOR_TARGET_RATIO})`,
        chart: barChart([
          ...rows.map((row) => ({ label: row.name, value: row.ratio, text: formatRatio(row.ratio) })),
          { label: 'goal', value: SIMULATOR_TARGET_RATIO, text: String(SIMULATOR_TARGET_RATIO) },
        ]),
      },
    ],
    targets: [
      {
        name: 'sequencer events/s >= 1/4 of the bare loop',
        profileWith: 'simulator-sequencer',
        goal: `>= ${SIMULATOR_TARGET_RATIO}`,
        measured: formatRatio(ratio),
        ...judgeAtLeast(ratio, SIMULATOR_TARGET_RATIO),
      },
    ],
    wallMs: nowMs() - startMs,
  };
}

function summarize(name: string, samples: readonly Sample[]) {
  return {
    name,
    events: samples[0]?.events ?? 0,
    historyEvents: samples[0]?.historyEvents ?? 0,
    simRate: median(samples.map((sample) => sample.simRate)),
    bareRate: median(samples.map((sample) => sample.bareRate)),
    ratio: median(samples.map((sample) => sample.simRate / sample.bareRate)),
  };
}
