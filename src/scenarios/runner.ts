import { historyHash, type History } from '../core/history.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { runCheckers, type Verdict } from '../check/index.ts';
import { protocolByName, protocolNames } from '../protocols/index.ts';
import type { Scheduler } from '../sim/scheduler.ts';
import { ProtocolError, Simulator } from '../sim/simulator.ts';
import { ReplayScheduler } from '../sim/strategies.ts';
import { expectationsFor, type Scenario } from './dsl.ts';
import { ScenarioError } from './errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { judgeRun, type ExpectationOutcome } from './expectations.ts';
import { DEFAULT_LIVENESS_MS, interpretRun, type InterpretedRun } from './interpreter.ts';
import { driveSimulator, performOnSimulator, SimWorld, type RunSnapshot } from './sim-world.ts';
import { validateScenario } from './validate.ts';

// What the runner's callers have always imported from here; the pieces now live in files of their own.
export { DEFAULT_LIVENESS_MS, DEFAULT_SETTLE_MS, DEFAULT_STEP_TIMEOUT_MS } from './interpreter.ts';
export type { RunSnapshot } from './sim-world.ts';
export { exitCodeOfOutcomes, judgeExpectations, leadersAt, type ExpectationOutcome } from './expectations.ts';

/** After everything is delivered, a little more time so late duplicates still show up. */
const QUIET_AFTER_DELIVERY_MS = 2_000;

export interface RunOptions {
  seed: number;
  /** Run the scenario's timeline on another protocol than the one it names (a shipped name or a definition). */
  protocol?: string | ProtocolDefinition;
  /** Decides the order of events (default: the scenario's schedule if it has one, else time order). */
  scheduler?: Scheduler;
}

export interface RunResult {
  scenario: Scenario;
  seed: number;
  protocol: string;
  history: History;
  hash: string;
  verdicts: Verdict[];
  expectations: ExpectationOutcome[];
  /** 0: expectations hold; 1: a safety expectation broke; 2: only liveness expectations broke. */
  exitCode: 0 | 1 | 2;
  boundHit: 'time' | 'events' | null;
  /** Set when a protocol handler threw; the run stopped there. */
  protocolError: string | null;
  safetyEndMs: number;
}

export function resolveProtocol(name: string | ProtocolDefinition): ProtocolDefinition {
  if (typeof name !== 'string') return name;
  const protocol = protocolByName(name);
  if (protocol === undefined) {
    throw new ScenarioError(
      `unknown protocol "${name}"${didYouMean(name, protocolNames())}; choose one of: ${protocolNames().join(', ')}`,
    );
  }
  return protocol;
}

/** Runs a scenario to the end of its liveness phase, then judges it. Deterministic in (scenario, options). */
export function runScenario(scenario: Scenario, options: RunOptions): RunResult {
  const run = scenarioRun(scenario, options, Number.POSITIVE_INFINITY);
  for (let step = run.next(); ; step = run.next()) if (step.done === true) return step.value;
}

/**
 * The run as a generator that yields a snapshot every `chunkMs` of virtual time, so a view can draw it as it
 * goes. Chunking only splits the simulator's loop; the history is the same byte for byte whatever the chunk.
 */
export function* scenarioRun(
  written: Scenario,
  options: RunOptions,
  chunkMs: number,
): Generator<RunSnapshot, RunResult> {
  const protocol = resolveProtocol(options.protocol ?? written.cluster.protocol);
  const scenario = expectationsFor(written, protocol.name);
  validateScenario(scenario, protocol);
  const sim = new Simulator({
    seed: options.seed,
    protocol,
    nodeCount: scenario.cluster.nodes,
    options: scenario.cluster.options,
    network: scenario.network,
    links: scenario.links,
    maxEvents: scenario.maxEvents,
    joinLater: scenario.cluster.joinLater,
    scheduler:
      options.scheduler ??
      (scenario.schedule === undefined ? undefined : new ReplayScheduler(scenario.schedule.order, scenario.schedule)),
  });
  const stepsAsEvents = scenario.schedule?.steps === 'events';
  const world = new SimWorld(sim, chunkMs);
  const reached: InterpretedRun = { skipped: [], safetyEndMs: 0 };
  let protocolError: string | null = null;
  try {
    sim.start();
    if (stepsAsEvents)
      for (const step of scenario.steps) sim.schedule(step.atMs ?? 0, () => performOnSimulator(sim, step.action));
    const bounds = { livenessMs: scenario.livenessMs ?? DEFAULT_LIVENESS_MS, quietMs: QUIET_AFTER_DELIVERY_MS };
    yield* driveSimulator(interpretRun(world, stepsAsEvents ? { ...scenario, steps: [] } : scenario, bounds, reached));
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    protocolError = error.message;
  }
  const verdicts = runCheckers(sim.history);
  const { expectations, exitCode } = judgeRun(scenario, sim.history, verdicts, reached.skipped, protocolError);
  let hash: string | null = null;
  return {
    scenario,
    seed: options.seed,
    protocol: protocol.name,
    history: sim.history,
    // Hashing serializes the whole history: a search that runs thousands of cases needs it only for the one it
    // reports, so it is computed on first read.
    get hash(): string {
      hash ??= historyHash(sim.history);
      return hash;
    },
    verdicts,
    expectations,
    exitCode,
    boundHit: sim.boundHit,
    protocolError,
    safetyEndMs: reached.safetyEndMs,
  };
}
