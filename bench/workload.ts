import { invariant } from '../src/core/assert.ts';
import type { HistoryEvent } from '../src/core/history.ts';
import type { ProtocolDefinition } from '../src/core/node.ts';
import { randomInt, randomStream } from '../src/core/rng.ts';
import type { LinkConfig } from '../src/sim/network.ts';
import { Simulator } from '../src/sim/simulator.ts';

/** A steady broadcast load: `submissionsPerSecond` clients submit at random nodes for `durationMs` of virtual time. */
export interface BroadcastLoad {
  protocol: ProtocolDefinition;
  nodes: number;
  network: Partial<LinkConfig>;
  submissionsPerSecond: number;
  durationMs: number;
  /** After the last submission, run at most this long for the deliveries to finish. */
  drainMs: number;
  seed: number;
  /** Stop after this many queue events (the run is then cut short; used for the scale measurements). */
  maxEvents?: number;
  /** Virtual time before the first submission, so that elections settle first. */
  warmupMs?: number;
  /** Called between submissions (for sampling memory as the run goes). */
  onProgress?: (sim: Simulator) => void;
  /** Streaming mode (see SimulatorConfig.stream): each event goes here, the history keeps what checkers read. */
  stream?: (event: HistoryEvent) => void;
  /** With `stream`: the simulator keeps no events in memory (the stream's consumer judges online). */
  streamOnly?: boolean;
  /** Asked between submissions: true ends the run there (no drain). */
  stopWhen?: (sim: Simulator) => boolean;
}

export interface LoadRun {
  sim: Simulator;
  submissions: number;
  /** Wall time of the simulation alone (nothing of the analysis), in ms. */
  wallMs: number;
  /** CPU time of this process over the simulation (user + system), in ms: steadier than wall time on a busy machine. */
  cpuMs: number;
  /** Virtual time the run covered, in ms. */
  virtualMs: number;
}

export const DEFAULT_WARMUP_MS = 3_000;

/**
 * Drives the simulator directly, submitting between events (no callback events in the queue), so that every
 * event counted in eventsHandled is a message or a timer the protocol handled.
 */
export function runBroadcastLoad(load: BroadcastLoad): LoadRun {
  invariant(load.submissionsPerSecond > 0, 'a broadcast load needs a positive submission rate');
  const sim = new Simulator({
    seed: load.seed,
    protocol: load.protocol,
    nodeCount: load.nodes,
    network: load.network,
    maxEvents: load.maxEvents,
    stream: load.stream,
    streamOnly: load.streamOnly,
  });
  const clients = randomStream(load.seed, 'bench-clients');
  const gapMs = 1000 / load.submissionsPerSecond;
  const warmupMs = load.warmupMs ?? DEFAULT_WARMUP_MS;
  const endMs = warmupMs + load.durationMs;
  const startNs = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  sim.start();
  // The warm-up advances in the same steps as the load, so that onProgress also sees the election traffic.
  for (let atMs = 0; atMs < warmupMs && sim.boundHit === null; atMs += gapMs) {
    sim.runUntil(atMs);
    load.onProgress?.(sim);
  }
  let submissions = 0;
  for (let atMs = warmupMs; atMs < endMs && sim.boundHit === null; atMs += gapMs) {
    sim.runUntil(atMs);
    if (load.stopWhen?.(sim) === true) return finishLoad(sim, submissions, startNs, startCpu);
    const node = randomInt(clients, 1, load.nodes);
    if (sim.submit(node, `m${submissions + 1}`) !== null) submissions += 1;
    load.onProgress?.(sim);
  }
  sim.runUntil(endMs + load.drainMs);
  return finishLoad(sim, submissions, startNs, startCpu);
}

function finishLoad(sim: Simulator, submissions: number, startNs: bigint, startCpu: NodeJS.CpuUsage): LoadRun {
  const wallMs = Number(process.hrtime.bigint() - startNs) / 1e6;
  return { sim, submissions, wallMs, cpuMs: cpuSinceMs(startCpu), virtualMs: sim.now };
}

/** CPU time (user + system) of this process since `start`, in ms. */
export function cpuSinceMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
