import type { NodeId } from '../core/ids.ts';
import type { JsonObject } from '../core/json.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { closestName } from '../core/suggest.ts';
import type { BatchWindow, CrashPoint } from '../sim/commit.ts';
import type { Latency, LinkConfig } from '../sim/network.ts';
import { ScenarioError } from './errors.ts';

export type { BatchWindow, CrashPoint } from '../sim/commit.ts';

/** Every fault and input a scenario can schedule; the verbs match the simulator's methods. */
export type Action =
  | { do: 'submit'; node: NodeId; payload: string }
  | { do: 'burst'; nodes: NodeId[]; payload: string }
  | { do: 'join'; node: NodeId }
  | { do: 'crash'; node: NodeId; during?: CrashPoint }
  | { do: 'restart'; node: NodeId }
  | { do: 'pause'; node: NodeId }
  | { do: 'resume'; node: NodeId }
  | { do: 'partition'; groups: NodeId[][] }
  | { do: 'cut'; from: NodeId; to: NodeId }
  | { do: 'heal' }
  | { do: 'hold'; from: NodeId; to: NodeId }
  | { do: 'release'; from: NodeId; to: NodeId }
  | { do: 'drift'; node: NodeId; ppm: number }
  | { do: 'clock-step'; node: NodeId; deltaMs: number }
  | { do: 'network'; change: Partial<LinkConfig> }
  | { do: 'link'; from: NodeId; to: NodeId; change: Partial<LinkConfig> }
  | { do: 'tear'; node: NodeId }
  | { do: 'corrupt'; node: NodeId; fromEnd: number }
  | { do: 'disk-full'; node: NodeId }
  | { do: 'disk-ok'; node: NodeId };

/** A static latency of one directed link: the cluster's geography, kept through the liveness phase. */
export interface LinkLatency {
  from: NodeId;
  to: NodeId;
  latency: Latency;
}

/** Conditions a step can wait for; they read the run's history and the nodes' announcements, never a clock. */
export type Condition =
  { leader: NodeId | 'any'; new?: true } | { delivered: { node: NodeId; count: number } } | { settled: true };

/**
 * One step of the timeline, with exactly one trigger: an absolute virtual time (never before the previous step),
 * a delay after the previous step, or a condition awaited from the previous step on (for at most timeoutMs,
 * default 60000; a step whose condition never holds is skipped and reported as a broken expectation).
 */
export interface Step {
  atMs?: number;
  afterMs?: number;
  when?: Condition;
  timeoutMs?: number;
  action: Action;
}

/** Checker names as strings here, so a scenario file needs nothing but the DSL. */
export interface Expectations {
  /** Checkers that must pass. */
  pass?: string[];
  /** Checkers that must fail: the demo exists to show the failure. */
  fail?: string[];
  /** Who must lead at a given virtual time (per the nodes' own announcements). */
  leaders?: Array<{ atMs: number; node: NodeId }>;
  /** How many messages a node has delivered by a given virtual time, at least (and, if given, at most). */
  delivered?: Array<{ atMs: number; node: NodeId; atLeast: number; atMost?: number }>;
  /** `node` announces itself leader (or primary) between minMs and maxMs after `afterMs`. */
  elections?: Array<{ afterMs: number; node: NodeId; withinMs: [number, number] }>;
  /** Every delivery of the message with this payload carries exactly this ordering data (e.g. a vector clock). */
  orders?: Array<{ payload: string; order: JsonObject }>;
  /**
   * What a run of the same timeline on another protocol must show, by protocol name (`--protocol raft`): these
   * replace the expectations above for that protocol, since a demo of one design's failure is another's pass.
   */
  protocols?: Record<string, Omit<Expectations, 'protocols'>>;
}

export interface ClusterSpec {
  /** A shipped protocol's name, or a protocol of your own written on the node contract. */
  protocol: string | ProtocolDefinition;
  nodes: number;
  options?: JsonObject;
}

export interface ScenarioSpec {
  name: string;
  description?: string;
  /** The documented demo this replays, e.g. "seed 004, Scenario 2: Leader Failure and Recovery". */
  source?: string;
  cluster: ClusterSpec & {
    /** Nodes that do not boot at start but on a `join` step (peers joining one after another). */
    joinLater?: NodeId[];
  };
  network?: Partial<LinkConfig>;
  /** Per-link latencies over the network's default, one directed link each (a link may differ each way). */
  links?: LinkLatency[];
  timeline: Array<Step | Step[]>;
  /** Safety phase: until the last step plus this much virtual time (default 5000 ms). */
  settleMs?: number;
  /** Liveness phase: at most this long, ending early once every message is delivered (default 30000 ms). */
  livenessMs?: number;
  maxEvents?: number;
  expect?: Expectations;
  /** An order of events chosen by a search (`tob-lab explore`, `check --strategy`), replayed as saved. */
  schedule?: ScheduleSpec;
}

/**
 * A chosen interleaving as data. `order` lists the events fired first, by their number in the run (every event
 * the simulator creates is numbered in creation order, the same in every replay); past the list, the default
 * order (due time, then creation order) goes on. Which events may be chosen at each point is the model of
 * src/sim/strategies.ts. With `steps: 'events'` the timeline steps (absolute times only) become events of the
 * run too, so the order places them among message arrivals and timers; otherwise they run at their times.
 */
export interface ScheduleSpec {
  order: number[];
  steps?: 'events' | 'timeline';
  /** The choice model's delivery bound, in virtual ms (see src/sim/strategies.ts); default: none. */
  deliveryBoundMs?: number;
}

export const SCENARIO_BRAND = 'tob-lab/scenario@1';

export interface Scenario extends Omit<ScenarioSpec, 'timeline'> {
  kind: typeof SCENARIO_BRAND;
  steps: Step[];
}

/**
 * A scenario file's default export. A timeline of absolute times only is put in time order (stable for steps at
 * the same time), so `at(...)` groups may be written in any order; once relative or conditional steps appear,
 * the written order is the order.
 */
export function scenario(spec: ScenarioSpec): Scenario {
  const { timeline, ...rest } = spec;
  if (!Array.isArray(timeline)) {
    const typo = Object.keys(spec).find((key) => closestName(key, ['timeline']) === 'timeline' && key !== 'timeline');
    const hint = typo === undefined ? '' : ` (found "${typo}": did you mean "timeline"?)`;
    throw new ScenarioError(
      `scenario ${JSON.stringify(spec.name)} needs a timeline: a list of steps such as at(1000, submit(1, 'hi'))${hint}`,
    );
  }
  const steps = timeline.flat();
  if (steps.every((step) => step.atMs !== undefined)) {
    const indexed = steps.map((step, index) => ({ step, index }));
    indexed.sort((a, b) => (a.step.atMs as number) - (b.step.atMs as number) || a.index - b.index);
    return { kind: SCENARIO_BRAND, ...rest, steps: indexed.map(({ step }) => step) };
  }
  return { kind: SCENARIO_BRAND, ...rest, steps };
}

/** The scenario as judged on `protocol`: its per-protocol expectations, when it has some, replace the default ones. */
export function expectationsFor(scenario: Scenario, protocol: string): Scenario {
  const own = scenario.expect?.protocols?.[protocol];
  return own === undefined ? scenario : { ...scenario, expect: own };
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === SCENARIO_BRAND;
}

/** `at(4000, submit(1, 'hi'), crash(3))`: the actions happen at 4000 ms of virtual time, in the order given. */
export function at(atMs: number, ...actions: Action[]): Step[] {
  return actions.map((action) => ({ atMs, action }));
}

/** `after(500, ...)`: the actions happen 500 ms of virtual time after the previous step. */
export function after(afterMs: number, ...actions: Action[]): Step[] {
  return actions.map((action) => ({ afterMs, action }));
}

/** `when(leaderElected(2), submit(1, 'hi'))`: the actions happen as soon as the condition holds. */
export function when(condition: Condition, ...actions: Action[]): Step[] {
  return actions.map((action) => ({ when: condition, action }));
}

/** Like `when`, with a bound on the wait other than the default 60000 ms. */
export function within(timeoutMs: number, steps: Step[]): Step[] {
  return steps.map((step) => ({ ...step, timeoutMs }));
}

export const leaderElected = (node: NodeId | 'any' = 'any'): Condition => ({ leader: node });
/**
 * A leadership that began after the step started waiting: `node` (or any node) leads in a term it did not lead in
 * then. A leader cut off from the others still believes it leads; this waits past it for the one elected next.
 */
export const newLeader = (node: NodeId | 'any' = 'any'): Condition => ({ leader: node, new: true });
export const deliveredAtLeast = (node: NodeId, count: number): Condition => ({ delivered: { node, count } });
/** Every message submitted at a node that is still up has been delivered at every node that is up. */
export const settled = (): Condition => ({ settled: true });

export const submit = (node: NodeId, payload: string): Action => ({ do: 'submit', node, payload });
/** Several nodes submit at the same virtual instant; each payload gets " (node N)" appended. */
export const burst = (nodes: NodeId[], payload: string): Action => ({ do: 'burst', nodes, payload });
export const join = (node: NodeId): Action => ({ do: 'join', node });
/** `crash(2)` now; `crash(2, { handler: 'persisting', cut: 2 })` inside node 2's next handler that persists. */
export const crash = (node: NodeId, during?: CrashPoint): Action =>
  during === undefined ? { do: 'crash', node } : { do: 'crash', node, during };
export const restart = (node: NodeId): Action => ({ do: 'restart', node });
export const pause = (node: NodeId): Action => ({ do: 'pause', node });
export const resume = (node: NodeId): Action => ({ do: 'resume', node });
export const partition = (...groups: NodeId[][]): Action => ({ do: 'partition', groups });
export const cut = (from: NodeId, to: NodeId): Action => ({ do: 'cut', from, to });
export const heal = (): Action => ({ do: 'heal' });
export const hold = (from: NodeId, to: NodeId): Action => ({ do: 'hold', from, to });
export const release = (from: NodeId, to: NodeId): Action => ({ do: 'release', from, to });
export const drift = (node: NodeId, ppm: number): Action => ({ do: 'drift', node, ppm });
export const stepClock = (node: NodeId, deltaMs: number): Action => ({ do: 'clock-step', node, deltaMs });
export const setNetwork = (change: Partial<LinkConfig>): Action => ({ do: 'network', change });
/** Power loss mid-write: the node crashes and its last record is torn (cut off at restart). */
export const tear = (node: NodeId): Action => ({ do: 'tear', node });
/** A flipped bit in the record `fromEnd` places before the last (0: the last); found when the node next starts. */
export const corrupt = (node: NodeId, fromEnd = 0): Action => ({ do: 'corrupt', node, fromEnd });
/** Writes fail from now on: a handler that persists stops the node before any of its effects leave. */
export const diskFull = (node: NodeId): Action => ({ do: 'disk-full', node });
export const diskOk = (node: NodeId): Action => ({ do: 'disk-ok', node });
export const setLink = (from: NodeId, to: NodeId, change: Partial<LinkConfig>): Action => ({
  do: 'link',
  from,
  to,
  change,
});

/** Human-readable form of an action, for timelines and counterexamples. */
export function describeAction(action: Action): string {
  switch (action.do) {
    case 'submit':
      return `submit ${JSON.stringify(action.payload)} at node ${action.node}`;
    case 'burst':
      return `burst ${JSON.stringify(action.payload)} from nodes ${action.nodes.join(', ')}`;
    case 'join':
      return `node ${action.node} joins`;
    case 'crash':
      return action.during === undefined
        ? `crash node ${action.node}`
        : `crash node ${action.node} ${describeCrashPoint(action.during)}`;
    case 'restart':
    case 'pause':
    case 'resume':
      return `${action.do} node ${action.node}`;
    case 'tear':
      return `node ${action.node} loses power mid-write (crash, last record torn)`;
    case 'corrupt':
      return `corrupt record ${action.fromEnd === 0 ? 'last' : `${action.fromEnd} before last`} of node ${action.node}`;
    case 'disk-full':
      return `disk of node ${action.node} is full`;
    case 'disk-ok':
      return `disk of node ${action.node} has room again`;
    case 'partition':
      return `partition ${action.groups.map((group) => `{${group.join(',')}}`).join(' | ')}`;
    case 'cut':
    case 'hold':
    case 'release':
      return `${action.do} link ${action.from} -> ${action.to}`;
    case 'heal':
      return 'heal the network';
    case 'drift':
      return `clock of node ${action.node} drifts ${action.ppm} ppm`;
    case 'clock-step':
      return `clock of node ${action.node} steps ${action.deltaMs} ms`;
    case 'network':
      return `network ${JSON.stringify(action.change)}`;
    case 'link':
      return `link ${action.from} -> ${action.to} ${JSON.stringify(action.change)}`;
  }
}

export function describeCrashPoint(point: CrashPoint): string {
  const batch = point.batch;
  const which =
    batch === undefined
      ? point.handler === 'next'
        ? 'its next handler'
        : 'its next handler that persists'
      : `its next batch (up to ${batch.handlers} handlers within ${batch.windowMs} ms, one sync)` +
        (point.handler === 'next' ? '' : ' that persists');
  if (point.cut === 'before-sync') return `during ${which}, before its records are synced`;
  return `during ${which}, after its records are synced and ${point.cut} effect${point.cut === 1 ? '' : 's'} left`;
}

export function describeCondition(condition: Condition): string {
  if ('leader' in condition && condition.new === true)
    return condition.leader === 'any' ? 'a new leader is elected' : `node ${condition.leader} leads in a new term`;
  if ('leader' in condition)
    return condition.leader === 'any' ? 'a leader is elected' : `node ${condition.leader} leads`;
  if ('delivered' in condition) return `node ${condition.delivered.node} delivered ${condition.delivered.count}`;
  return 'every message is delivered everywhere';
}

/** One step as a line of a schedule: "   4000 ms  crash node 2", or "when node 2 leads: crash node 2". */
export function describeStep(step: Step): string {
  return step.atMs !== undefined
    ? `${String(step.atMs).padStart(7)} ms  ${describeAction(step.action)}`
    : `${describeTrigger(step)}: ${describeAction(step.action)}`;
}

/** When a step happens, in words: "at 4000 ms", "500 ms after the previous step", "when node 2 leads". */
export function describeTrigger(step: Step): string {
  if (step.atMs !== undefined) return `at ${step.atMs} ms`;
  if (step.afterMs !== undefined) return `${step.afterMs} ms after the previous step`;
  if (step.when !== undefined) return `when ${describeCondition(step.when)}`;
  return 'with no trigger';
}
