import { historyHash, type History, type HistoryEvent } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { canonicalJson } from '../core/json.ts';
import type { NodeStatus, ProtocolDefinition } from '../core/node.ts';
import { runCheckers, type CheckerName, type Verdict } from '../check/index.ts';
import { protocolByName, protocolNames } from '../protocols/index.ts';
import { ProtocolError, Simulator } from '../sim/simulator.ts';
import { describeAction, describeTrigger, type Action, type Condition, type Scenario, type Step } from './dsl.ts';
import { ScenarioError } from './errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { validateScenario } from './validate.ts';

export const DEFAULT_SETTLE_MS = 5_000;
export const DEFAULT_LIVENESS_MS = 30_000;
/** After everything is delivered, a little more time so late duplicates still show up. */
const QUIET_AFTER_DELIVERY_MS = 2_000;

export interface RunOptions {
  seed: number;
  /** Run the scenario's timeline on another protocol than the one it names (a shipped name or a definition). */
  protocol?: string | ProtocolDefinition;
}

export interface ExpectationOutcome {
  expectation: string;
  holds: boolean;
  /** The verdict kind a broken expectation counts as (decides the exit code). */
  kind: 'safety' | 'liveness';
  detail: string;
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
    throw new ScenarioError(`unknown protocol "${name}"${didYouMean(name, protocolNames())}; choose one of: ${protocolNames().join(', ')}`);
  }
  return protocol;
}

/** What a live view shows while a run goes on. */
export interface RunSnapshot {
  nowMs: number;
  phase: 'safety' | 'liveness';
  nodes: Array<{ id: NodeId; up: boolean; paused: boolean; status: NodeStatus | null; delivered: number }>;
  /** History events so far (the view picks the faults and elections it wants to show). */
  events: readonly HistoryEvent[];
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
export function* scenarioRun(scenario: Scenario, options: RunOptions, chunkMs: number): Generator<RunSnapshot, RunResult> {
  const protocol = resolveProtocol(options.protocol ?? scenario.cluster.protocol);
  validateScenario(scenario, protocol);
  const sim = new Simulator({
    seed: options.seed,
    protocol,
    nodeCount: scenario.cluster.nodes,
    options: scenario.cluster.options,
    network: scenario.network,
    maxEvents: scenario.maxEvents,
    joinLater: scenario.cluster.joinLater,
  });
  const progress = new DeliveryProgress(sim);
  const clock = new ChunkedClock(sim, progress, chunkMs);
  let safetyEndMs = 0;
  let protocolError: string | null = null;
  const skipped: SkippedStep[] = [];
  try {
    sim.start();
    skipped.push(...(yield* runTimeline(clock, scenario)));
    safetyEndMs = sim.now + (scenario.settleMs ?? DEFAULT_SETTLE_MS);
    yield* clock.runUntil(safetyEndMs);
    sim.beginLiveness();
    clock.phase = 'liveness';
    const livenessEndMs = safetyEndMs + (scenario.livenessMs ?? DEFAULT_LIVENESS_MS);
    if (yield* clock.runUntilCondition(() => progress.complete(), livenessEndMs)) {
      yield* clock.runUntil(Math.min(sim.now + QUIET_AFTER_DELIVERY_MS, livenessEndMs));
    }
    sim.finish();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    protocolError = error.message;
  }
  const verdicts = runCheckers(sim.history);
  const expectations = [...skipped.map(skippedOutcome), ...judge(scenario, sim.history, verdicts, protocolError)];
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
    exitCode: exitCodeOf(expectations),
    boundHit: sim.boundHit,
    protocolError,
    safetyEndMs,
  };
}

/** Advances the simulator in slices of virtual time, yielding a snapshot after each. */
class ChunkedClock {
  phase: 'safety' | 'liveness' = 'safety';

  constructor(
    readonly sim: Simulator,
    readonly progress: DeliveryProgress,
    private readonly chunkMs: number,
  ) {}

  *runUntil(timeMs: number): Generator<RunSnapshot, void> {
    do {
      this.sim.runUntil(Math.min(timeMs, this.sim.now + this.chunkMs));
      if (this.chunkMs !== Number.POSITIVE_INFINITY) yield this.snapshot();
    } while (this.sim.now < timeMs && this.sim.boundHit === null);
  }

  *runUntilCondition(done: () => boolean, timeMs: number): Generator<RunSnapshot, boolean> {
    for (;;) {
      const sliceEndMs = Math.min(timeMs, this.sim.now + this.chunkMs);
      if (this.sim.runUntilCondition(done, sliceEndMs)) return true;
      if (this.chunkMs !== Number.POSITIVE_INFINITY) yield this.snapshot();
      if (this.sim.now >= timeMs || this.sim.boundHit !== null) return done();
    }
  }

  snapshot(): RunSnapshot {
    return {
      nowMs: this.sim.now,
      phase: this.phase,
      nodes: this.sim.nodes.map((id) => ({
        id,
        up: this.sim.isUp(id),
        paused: this.sim.isPaused(id),
        status: this.sim.status(id),
        delivered: this.progress.deliveredCount(id),
      })),
      events: this.sim.history.events,
    };
  }
}

export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

interface SkippedStep {
  index: number;
  step: Step;
}

/**
 * Runs the steps in order: each waits for its trigger (a time, a delay after the previous step, or a condition)
 * and then acts. A step whose condition does not hold within its timeout is skipped and reported.
 */
function* runTimeline(clock: ChunkedClock, scenario: Scenario): Generator<RunSnapshot, SkippedStep[]> {
  const { sim, progress } = clock;
  const skipped: SkippedStep[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    if (sim.boundHit !== null) break;
    if (step.atMs !== undefined) yield* clock.runUntil(Math.max(step.atMs, sim.now));
    else if (step.afterMs !== undefined) yield* clock.runUntil(sim.now + step.afterMs);
    else if (step.when !== undefined) {
      const condition = step.when;
      const deadlineMs = sim.now + (step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
      if (!(yield* clock.runUntilCondition(() => holds(sim, progress, condition), deadlineMs))) {
        skipped.push({ index, step });
        continue;
      }
    }
    perform(sim, step.action);
  }
  return skipped;
}

function holds(sim: Simulator, progress: DeliveryProgress, condition: Condition): boolean {
  if ('leader' in condition) {
    return sim.nodes.some((node) => {
      if (condition.leader !== 'any' && node !== condition.leader) return false;
      const role = sim.status(node)?.role;
      return role === 'leader' || role === 'primary';
    });
  }
  if ('delivered' in condition) return progress.deliveredCount(condition.delivered.node) >= condition.delivered.count;
  return progress.complete();
}

function skippedOutcome({ index, step }: SkippedStep): ExpectationOutcome {
  return {
    expectation: `step ${index + 1} (${describeAction(step.action)}) ${describeTrigger(step)}`,
    holds: false,
    kind: 'liveness',
    detail: `the condition did not hold within ${step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS} ms; the step was skipped`,
  };
}

function perform(sim: Simulator, action: Action): void {
  switch (action.do) {
    case 'submit':
      sim.submit(action.node, action.payload);
      return;
    case 'burst':
      for (const node of action.nodes) sim.submit(node, `${action.payload} (node ${node})`);
      return;
    case 'join':
      return sim.join(action.node);
    case 'crash':
      return sim.crash(action.node);
    case 'restart':
      return sim.restart(action.node);
    case 'pause':
      return sim.pause(action.node);
    case 'resume':
      return sim.resume(action.node);
    case 'partition':
      return sim.partition(action.groups);
    case 'cut':
      return sim.cut(action.from, action.to);
    case 'heal':
      return sim.heal();
    case 'hold':
      return sim.hold(action.from, action.to);
    case 'release':
      return sim.release(action.from, action.to);
    case 'drift':
      return sim.setDrift(action.node, action.ppm);
    case 'clock-step':
      return sim.stepClock(action.node, action.deltaMs);
    case 'network':
      return sim.setNetwork(action.change);
    case 'link':
      return sim.setLink(action.from, action.to, action.change);
  }
}

/**
 * Watches the history as it grows and says when every submission made at a node that has not crashed since (or
 * acknowledged) is delivered at every node that is up: the point after which the liveness phase has nothing left to show.
 */
/** The events that can change whether everything is delivered everywhere (who is up, what is owed, what arrived). */
const AFFECTS_COMPLETION: ReadonlySet<string> = new Set(['submit', 'deliver', 'ack', 'crash', 'restart', 'join', 'pause', 'resume']);

class DeliveryProgress {
  private scanned = 0;
  private readonly submittedAt = new Map<SubmissionId, NodeId>();
  /** Acknowledged submissions count even when their submitter crashed later, as the checkers count them. */
  private readonly acked = new Set<SubmissionId>();
  private readonly deliveries = new Map<NodeId, number>();
  private dirty = true;
  private lastComplete = false;
  private readonly delivered = new Map<NodeId, Set<SubmissionId>>();

  constructor(private readonly sim: Simulator) {
    for (const node of sim.nodes) this.delivered.set(node, new Set());
  }

  /** Deliveries at `node` so far (repeats included), read from the history. */
  deliveredCount(node: NodeId): number {
    this.scan();
    return this.deliveries.get(node) ?? 0;
  }

  complete(): boolean {
    this.scan();
    // Called after every event of the liveness phase: recompute only when something that matters happened.
    if (!this.dirty) return this.lastComplete;
    this.dirty = false;
    this.lastComplete = this.computeComplete();
    return this.lastComplete;
  }

  private computeComplete(): boolean {
    for (const node of this.sim.nodes) {
      if (!this.sim.isUp(node)) continue;
      const delivered = this.delivered.get(node) as Set<SubmissionId>;
      for (const id of this.submittedAt.keys()) if (!delivered.has(id)) return false;
    }
    return true;
  }

  private scan(): void {
    const events = this.sim.history.events;
    for (; this.scanned < events.length; this.scanned += 1) {
      const event = events[this.scanned];
      if (AFFECTS_COMPLETION.has(event.type)) this.dirty = true;
      if (event.type === 'submit') this.submittedAt.set(event.id, event.node);
      else if (event.type === 'deliver') {
        this.delivered.get(event.node)?.add(event.id);
        this.deliveries.set(event.node, (this.deliveries.get(event.node) ?? 0) + 1);
      } else if (event.type === 'ack') this.acked.add(event.id);
      else if (event.type === 'crash') {
        for (const [id, node] of this.submittedAt) if (node === event.node && !this.acked.has(id)) this.submittedAt.delete(id);
      }
    }
  }
}

function judge(
  scenario: Scenario,
  history: History,
  verdicts: Verdict[],
  protocolError: string | null,
): ExpectationOutcome[] {
  const outcomes: ExpectationOutcome[] = [];
  if (protocolError !== null) {
    outcomes.push({ expectation: 'the protocol runs without throwing', holds: false, kind: 'safety', detail: protocolError });
  }
  const byName = new Map<CheckerName, Verdict>(verdicts.map((verdict) => [verdict.checker, verdict]));
  for (const name of scenario.expect?.pass ?? []) {
    const verdict = byName.get(name as CheckerName);
    const holds = verdict?.status === 'pass';
    const detail = verdict === undefined ? 'checker did not run' : `${verdict.status}: ${verdict.summary}`;
    outcomes.push({ expectation: `${name} passes`, holds, kind: verdict?.kind ?? 'safety', detail });
  }
  for (const name of scenario.expect?.fail ?? []) {
    const verdict = byName.get(name as CheckerName);
    const holds = verdict?.status === 'fail';
    const detail = verdict === undefined ? 'checker did not run' : `${verdict.status}: ${verdict.summary}`;
    outcomes.push({ expectation: `${name} fails`, holds, kind: verdict?.kind ?? 'safety', detail });
  }
  for (const { atMs, node } of scenario.expect?.leaders ?? []) {
    const leaders = leadersAt(history, atMs);
    outcomes.push({
      expectation: `node ${node} leads at ${atMs} ms`,
      holds: leaders.length === 1 && leaders[0] === node,
      kind: 'liveness',
      detail: leaders.length === 0 ? 'no node leads then' : `leading then: ${leaders.join(', ')}`,
    });
  }
  for (const { atMs, node, atLeast, atMost } of scenario.expect?.delivered ?? []) {
    const count = history.events.filter((event) => event.type === 'deliver' && event.node === node && event.t <= atMs).length;
    const range = atMost === undefined ? `at least ${atLeast}` : atMost === atLeast ? `exactly ${atLeast}` : `${atLeast} to ${atMost}`;
    outcomes.push({
      expectation: `node ${node} delivered ${range} by ${atMs} ms`,
      holds: count >= atLeast && (atMost === undefined || count <= atMost),
      kind: 'liveness',
      detail: `it delivered ${count}`,
    });
  }
  outcomes.push(...judgeElections(scenario, history), ...judgeOrders(scenario, history));
  return outcomes;
}

function judgeElections(scenario: Scenario, history: History): ExpectationOutcome[] {
  return (scenario.expect?.elections ?? []).map(({ afterMs, node, withinMs: [minMs, maxMs] }) => {
    const elected = history.events.find(
      (event) => event.type === 'announce' && event.node === node && event.t >= afterMs && (event.role === 'leader' || event.role === 'primary'),
    );
    const delayMs = elected === undefined ? null : elected.t - afterMs;
    return {
      expectation: `node ${node} takes the lead ${minMs}-${maxMs} ms after ${afterMs} ms`,
      holds: delayMs !== null && delayMs >= minMs && delayMs <= maxMs,
      kind: 'liveness',
      detail: delayMs === null ? 'it never did' : `it did after ${delayMs.toFixed(0)} ms`,
    };
  });
}

function judgeOrders(scenario: Scenario, history: History): ExpectationOutcome[] {
  return (scenario.expect?.orders ?? []).map(({ payload, order }) => {
    const deliveries = history.events.filter((event) => event.type === 'deliver' && event.payload === payload);
    const wrong = deliveries.filter((event) => event.type === 'deliver' && canonicalJson(event.order) !== canonicalJson(order));
    return {
      expectation: `${JSON.stringify(payload)} is delivered with ${JSON.stringify(order)}`,
      holds: deliveries.length > 0 && wrong.length === 0,
      kind: 'safety',
      detail:
        deliveries.length === 0
          ? 'it was never delivered'
          : wrong.map((event) => (event.type === 'deliver' ? `node ${event.node}: ${JSON.stringify(event.order)}` : '')).join('; '),
    };
  });
}

/** The nodes that, by their own latest announcement before `atMs`, lead and are up. */
export function leadersAt(history: History, atMs: number): NodeId[] {
  const leads = new Map<NodeId, boolean>();
  for (const event of history.events) {
    if (event.t > atMs) break;
    if (event.type === 'announce') leads.set(event.node, event.role === 'leader' || event.role === 'primary');
    else if (event.type === 'crash') leads.set(event.node, false);
  }
  return [...leads].filter(([, leading]) => leading).map(([node]) => node).sort((a, b) => a - b);
}

function exitCodeOf(outcomes: readonly ExpectationOutcome[]): 0 | 1 | 2 {
  const broken = outcomes.filter((outcome) => !outcome.holds);
  if (broken.length === 0) return 0;
  return broken.some((outcome) => outcome.kind === 'safety') ? 1 : 2;
}

// The live launcher (src/scenarios/cluster/cluster.ts) judges a real run's history the way a simulated one is judged.
export { judge as judgeExpectations, exitCodeOf as exitCodeOfOutcomes };
