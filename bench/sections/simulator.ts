import type { ProtocolDefinition } from '../../src/core/node.ts';
import { PROTOCOLS, protocolByName } from '../../src/protocols/index.ts';
import { runBareLoop } from '../bare-loop.ts';
import { formatCount, formatRatio, median, nowMs } from '../measure.ts';
import { barChart, type SectionResult } from '../report.ts';
import { RELAY_TOKENS, relayProtocol, runRelay } from '../relay.ts';
import { cpuSinceMs, runBroadcastLoad, type BroadcastLoad } from '../workload.ts';
import { judgeAtLeast, type BenchContext } from './common.ts';

/** Events pending in the bare loop at any time: about what a 5-node run under this load keeps queued. */
export const BARE_POPULATION = 32;
/** Long enough (some 100 ms) that a collection left over from the simulator run cannot dominate it. */
const BARE_EVENTS = 2_000_000;
/** The simulator's own overhead: the relay (bare-loop traffic, history on) against the bare loop. */
export const RELAY_TARGET_RATIO = 0.25;
/** The sequencer at 5 nodes against the bare loop. */
export const SIMULATOR_TARGET_RATIO = 0.1;
const RELAY_EVENTS = 1_000_000;

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

/** The bare loop right after a run, timed in CPU time like the run: events per CPU second. */
function bareRate(events: number, seed: number): number {
  const start = process.cpuUsage();
  runBareLoop(events, BARE_POPULATION, seed);
  return (events / cpuSinceMs(start)) * 1000;
}

/** Untimed runs of each workload before its timed ones: the JIT's warm-up (see the method text). */
const WARMUP_RUNS = 2;

/**
 * Section 1: the simulator against a bare event loop in the same process. Each workload (the relay, then every
 * protocol) runs WARMUP_RUNS times untimed, then `rounds` times, each timed run followed by the bare loop, so each
 * ratio compares two runs taken moments apart; the figure is the median ratio. A workload's runs come back to
 * back: interleaved with the other protocols', a run found its code partly cold again (V8 flushes the bytecode of
 * functions idle over a few major collections), and the ratio swung with how many collections fell between. The
 * first (cold) run is kept apart and shown, since a one-off `tob-lab run` is such a run. CPU time, not wall
 * time: other processes on a shared machine then matter less.
 */
export function benchSimulator(context: BenchContext): SectionResult {
  const startMs = nowMs();
  const rounds = context.quick ? 1 : 5;
  const bareEvents = context.quick ? BARE_EVENTS / 4 : BARE_EVENTS;
  const names = [relayProtocol.name, ...PROTOCOLS.map((protocol) => protocol.name)];
  const samples = new Map<string, Sample[]>(names.map((name) => [name, []]));
  const coldRatios = new Map<string, number>();
  const relayEvents = context.quick ? RELAY_EVENTS / 4 : RELAY_EVENTS;
  const workloads: Array<{
    name: string;
    run: (round: number) => { events: number; cpuMs: number; historyEvents: number };
  }> = [
    { name: relayProtocol.name, run: (round) => runRelay(relayEvents, round + 1) },
    ...PROTOCOLS.map((protocol) => ({
      name: protocol.name,
      run: () => {
        const run = runBroadcastLoad(simulatorLoad(protocol, context.quick));
        return { events: run.sim.eventsHandled, cpuMs: run.cpuMs, historyEvents: run.sim.history.events.length };
      },
    })),
  ];
  for (const workload of workloads) {
    context.log(`${workload.name}: ${WARMUP_RUNS} warm-up runs, ${rounds} timed`);
    for (let round = 0; round < WARMUP_RUNS + rounds; round += 1) {
      const run = workload.run(round);
      const bare = bareRate(bareEvents, round + 1);
      const simRate = (run.events / run.cpuMs) * 1000;
      if (round === 0) coldRatios.set(workload.name, simRate / bare);
      if (round < WARMUP_RUNS) continue;
      samples
        .get(workload.name)
        ?.push({ simRate, bareRate: bare, events: run.events, historyEvents: run.historyEvents });
    }
  }
  const rows = names.map((name) => summarize(name, samples.get(name) ?? []));
  const ratioOf = (name: string | undefined) => rows.find((row) => row.name === name)?.ratio ?? 0;
  const relayRatio = ratioOf(relayProtocol.name);
  const sequencerRatio = ratioOf(protocolByName('sequencer')?.name);
  return {
    id: 1,
    title: 'Simulator against a bare event loop',
    method:
      `The relay (a bench-only protocol that passes ${RELAY_TOKENS} tokens between 5 nodes: the bare loop's ` +
      `traffic, one new message per event, history on) runs ${context.quick ? RELAY_EVENTS / 4 : RELAY_EVENTS} ` +
      `events; each protocol runs on 5 nodes (default network: 5-25 ms, FIFO) under 200 submissions/s for ` +
      `${context.quick ? 10 : 60} virtual seconds, history recording on; events/s counts the queue events handled ` +
      `(Simulator.eventsHandled) per CPU second of the run. Right after each run, a bare loop (binary heap on ` +
      `(time, seq), the same Alea generator, one new event per event handled, ${BARE_POPULATION} pending) handles ` +
      `${bareEvents} events. Each workload runs ${WARMUP_RUNS} times untimed (the JIT's warm-up), then ${rounds} ` +
      `timed time(s), back to back; ratio = median over the timed runs of sim rate / bare rate. "First run (cold)" ` +
      `is the ratio of the workload's very first run, as a one-off \`tob-lab run\` sees it (not a target).`,
    tables: [
      {
        headers: [
          'protocol',
          'events handled',
          'history events/event',
          'sim events/CPU s',
          'bare events/CPU s',
          'sim / bare',
          'first run (cold)',
        ],
        rows: rows.map((row) => [
          row.name,
          formatCount(row.events),
          (row.historyEvents / row.events).toFixed(2),
          formatCount(row.simRate),
          formatCount(row.bareRate),
          formatRatio(row.ratio),
          formatRatio(coldRatios.get(row.name) ?? 0),
        ]),
      },
    ],
    notes: [],
    plots: [
      {
        title: `Simulator rate as a fraction of the bare loop's (targets: relay ${RELAY_TARGET_RATIO}, sequencer ${SIMULATOR_TARGET_RATIO})`,
        chart: barChart([
          ...rows.map((row) => ({ label: row.name, value: row.ratio, text: formatRatio(row.ratio) })),
          { label: 'goal (relay)', value: RELAY_TARGET_RATIO, text: String(RELAY_TARGET_RATIO) },
          { label: 'goal (sequencer)', value: SIMULATOR_TARGET_RATIO, text: String(SIMULATOR_TARGET_RATIO) },
        ]),
      },
    ],
    targets: [
      {
        name: 'relay (simulator overhead) events/s >= 1/4 of the bare loop',
        profileWith: 'simulator-relay',
        goal: `>= ${RELAY_TARGET_RATIO}`,
        measured: formatRatio(relayRatio),
        ...judgeAtLeast(relayRatio, RELAY_TARGET_RATIO),
      },
      {
        name: 'sequencer (5 nodes) events/s >= 1/10 of the bare loop',
        profileWith: 'simulator-sequencer',
        goal: `>= ${SIMULATOR_TARGET_RATIO}`,
        measured: formatRatio(sequencerRatio),
        ...judgeAtLeast(sequencerRatio, SIMULATOR_TARGET_RATIO),
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
