import type { NodeId } from '../core/ids.ts';
import type { JsonObject } from '../core/json.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import type { LinkConfig } from '../sim/network.ts';

/** Every fault and input a scenario can schedule; the verbs match the simulator's methods. */
export type Action =
  | { do: 'submit'; node: NodeId; payload: string }
  | { do: 'crash'; node: NodeId }
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
  | { do: 'link'; from: NodeId; to: NodeId; change: Partial<LinkConfig> };

export interface Step {
  atMs: number;
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
  cluster: ClusterSpec;
  network?: Partial<LinkConfig>;
  timeline: Array<Step | Step[]>;
  /** Safety phase: until the last step plus this much virtual time (default 5000 ms). */
  settleMs?: number;
  /** Liveness phase: at most this long, ending early once every message is delivered (default 30000 ms). */
  livenessMs?: number;
  maxEvents?: number;
  expect?: Expectations;
}

export const SCENARIO_BRAND = 'tob-lab/scenario@1';

export interface Scenario extends Omit<ScenarioSpec, 'timeline'> {
  kind: typeof SCENARIO_BRAND;
  steps: Step[];
}

/** A scenario file's default export. Steps are kept in time order (stable for steps at the same time). */
export function scenario(spec: ScenarioSpec): Scenario {
  const { timeline, ...rest } = spec;
  const steps = timeline.flat().map((step, index) => ({ step, index }));
  steps.sort((a, b) => a.step.atMs - b.step.atMs || a.index - b.index);
  return { kind: SCENARIO_BRAND, ...rest, steps: steps.map(({ step }) => step) };
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === SCENARIO_BRAND;
}

/** `at(4000, submit(1, 'hi'), crash(3))`: the actions happen at 4000 ms of virtual time, in the order given. */
export function at(atMs: number, ...actions: Action[]): Step[] {
  return actions.map((action) => ({ atMs, action }));
}

export const submit = (node: NodeId, payload: string): Action => ({ do: 'submit', node, payload });
export const crash = (node: NodeId): Action => ({ do: 'crash', node });
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
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
      return `${action.do} node ${action.node}`;
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
