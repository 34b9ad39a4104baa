import type { NodeId } from '../core/ids.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { CHECKER_NAMES, isCheckerName } from '../check/index.ts';
import { crashPointProblem } from '../sim/commit.ts';
import { validateLink } from '../sim/network.ts';
import { describeAction, describeTrigger, type Action, type Scenario, type Step } from './dsl.ts';
import { ScenarioError } from './errors.ts';
import { checkScenarioKeys } from './keys.ts';
import { didYouMean } from '../core/suggest.ts';

const NODES_MAX = 1000;

export interface ValidateOptions {
  /**
   * Also reject steps that act on a node in the wrong state (restart of a running node, crash of a crashed one).
   * On for scenarios people write; generated fault schedules may overlap such windows, which the simulator
   * treats as no-ops, so the search leaves it off.
   */
  nodeStates?: boolean;
}

/** Checks a scenario against its cluster before anything runs; every message names the step and the fix. */
export function validateScenario(
  scenario: Scenario,
  protocol: ProtocolDefinition,
  validate: ValidateOptions = {},
): void {
  checkScenarioKeys(scenario);
  if (typeof scenario.name !== 'string' || scenario.name === '')
    throw new ScenarioError('name must be a non-empty string');
  const nodes = scenario.cluster.nodes;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > NODES_MAX) {
    throw new ScenarioError(`cluster.nodes must be a whole number from 1 to ${NODES_MAX}, got ${String(nodes)}`);
  }
  const defaults = protocol.defaults ?? {};
  for (const key of Object.keys(scenario.cluster.options ?? {})) {
    if (!(key in defaults)) {
      const known = Object.keys(defaults);
      throw new ScenarioError(
        `cluster.options.${key} is not an option of ${protocol.name}${didYouMean(key, known)} (its options: ${known.join(', ') || 'none'})`,
      );
    }
  }
  const networkProblem = validateLink(scenario.network ?? {});
  if (networkProblem !== null) throw new ScenarioError(`network: ${networkProblem}`);
  for (const [index, link] of (scenario.links ?? []).entries()) {
    const problem =
      nodeProblem(link.from, nodes) ?? nodeProblem(link.to, nodes) ?? validateLink({ latency: link.latency });
    if (problem !== null) throw new ScenarioError(`links[${index}] (${link.from} -> ${link.to}): ${problem}`);
    if (link.from === link.to)
      throw new ScenarioError(`links[${index}]: a link joins two different nodes, got ${link.from} -> ${link.to}`);
  }
  const joinLater = scenario.cluster.joinLater ?? [];
  for (const node of joinLater) {
    const problem = nodeProblem(node, nodes);
    if (problem !== null) throw new ScenarioError(`cluster.joinLater: ${problem}`);
  }
  scenario.steps.forEach((step, index) => {
    // Words only for a step that fails: a search validates every generated case, and most pass.
    const where = () => `step ${index + 1} (${describeAction(step.action)} ${describeTrigger(step)})`;
    const problem = triggerProblem(step, nodes) ?? actionProblem(step.action, nodes);
    if (problem !== null) throw new ScenarioError(`${where()}: ${problem}`);
    if (step.action.do === 'join' && !joinLater.includes(step.action.node)) {
      throw new ScenarioError(
        `${where()}: node ${step.action.node} boots at start; list it in cluster.joinLater to have it join here`,
      );
    }
  });
  const scheduleProblem = scenario.schedule === undefined ? null : validateSchedule(scenario);
  if (scheduleProblem !== null) throw new ScenarioError(`schedule: ${scheduleProblem}`);
  const expectations = [scenario.expect, ...Object.values(scenario.expect?.protocols ?? {})];
  for (const name of expectations.flatMap((expect) => [...(expect?.pass ?? []), ...(expect?.fail ?? [])])) {
    if (!isCheckerName(name)) {
      throw new ScenarioError(
        `expect names an unknown checker "${name}"${didYouMean(name, CHECKER_NAMES)} (known: ${CHECKER_NAMES.join(', ')})`,
      );
    }
  }
  if (validate.nodeStates === true) {
    const problem = nodeStateProblem(scenario);
    if (problem !== null) throw new ScenarioError(problem);
  }
  for (const delivered of scenario.expect?.delivered ?? []) {
    const problem = nodeProblem(delivered.node, nodes);
    if (problem !== null) throw new ScenarioError(`expect.delivered at ${delivered.atMs} ms: ${problem}`);
  }
  for (const election of scenario.expect?.elections ?? []) {
    const problem = nodeProblem(election.node, nodes);
    if (problem !== null) throw new ScenarioError(`expect.elections after ${election.afterMs} ms: ${problem}`);
    const [minMs, maxMs] = election.withinMs;
    if (!(minMs >= 0 && maxMs >= minMs)) {
      throw new ScenarioError(
        `expect.elections after ${election.afterMs} ms: withinMs must be [min, max] with 0 <= min <= max`,
      );
    }
  }
  for (const leader of scenario.expect?.leaders ?? []) {
    const problem = nodeProblem(leader.node, nodes);
    if (problem !== null) throw new ScenarioError(`expect.leaders at ${leader.atMs} ms: ${problem}`);
  }
}

/**
 * Follows which nodes are up, down, paused or not yet joined through the steps in their order (only steps move
 * nodes between these states) and names the first step that acts on a node in a state where it would do nothing.
 */
export function nodeStateProblem(scenario: Scenario): string | null {
  return firstNodeStateProblem(scenario)?.message ?? null;
}

function firstNodeStateProblem(scenario: Scenario): { index: number; message: string } | null {
  const joinLater = new Set(scenario.cluster.joinLater ?? []);
  // 'unknown': the node's state depends on the run, not on the steps alone (a crash point fires at its next handler,
  // a full disk stops it at its next write, a damaged log may keep it from starting): steps on it are not judged.
  const state = new Map<NodeId, NodeState>();
  const corrupted = new Set<NodeId>();
  for (let node = 1; node <= scenario.cluster.nodes; node += 1)
    state.set(node, joinLater.has(node) ? 'unjoined' : 'up');
  for (const [index, step] of scenario.steps.entries()) {
    const action = step.action;
    // A step that waits for a condition is skipped when it never holds: the steps alone do not say what it did.
    if (step.when !== undefined && 'node' in action) {
      state.set(action.node, 'unknown');
      continue;
    }
    if (action.do === 'corrupt') corrupted.add(action.node);
    if (action.do === 'tear' || action.do === 'disk-full') {
      const now = state.get(action.node);
      // A tear crashes a running node (its last write torn); a full disk stops it at its next write.
      if (now === 'up' || now === 'paused') state.set(action.node, action.do === 'tear' ? 'down' : 'unknown');
      continue;
    }
    if (!['join', 'crash', 'restart', 'pause', 'resume'].includes(action.do)) continue;
    const node = (action as { node: NodeId }).node;
    const now = state.get(node);
    const wanted: Record<string, readonly string[]> = {
      join: ['unjoined'],
      crash: ['up', 'paused'],
      restart: ['down'],
      pause: ['up'],
      resume: ['paused'],
    };
    if (now !== undefined && now !== 'unknown' && !wanted[action.do].includes(now)) {
      const where = `step ${index + 1} (${describeAction(action)} ${describeTrigger(step)})`;
      const why: Record<string, string> = {
        up: 'is running',
        down: 'is down (crashed and not restarted)',
        paused: 'is paused',
        unjoined: 'has not joined yet',
      };
      return {
        index,
        message: `${where}: node ${node} ${why[now]} at that point, so this step would do nothing; remove it or fix the order of the steps`,
      };
    }
    state.set(node, nextNodeState(action, now, corrupted.has(node)));
  }
  return null;
}

type NodeState = 'up' | 'down' | 'paused' | 'unjoined' | 'unknown';

function nextNodeState(action: Action, now: NodeState | undefined, corrupted: boolean): NodeState {
  switch (action.do) {
    case 'crash':
      return action.during === undefined ? 'down' : 'unknown';
    case 'restart':
      return corrupted ? 'unknown' : 'up';
    case 'join':
      return 'up';
    case 'pause':
      return now === 'unknown' ? 'unknown' : 'paused';
    default:
      return now === 'unknown' ? 'unknown' : 'up';
  }
}

/** A schedule lists event numbers; steps run as events only from absolute times. */
function validateSchedule(scenario: Scenario): string | null {
  const schedule = scenario.schedule as { order?: unknown; steps?: unknown; deliveryBoundMs?: unknown };
  const bound = schedule.deliveryBoundMs;
  if (bound !== undefined && !(typeof bound === 'number' && bound >= 0))
    return `deliveryBoundMs must be a number >= 0, got ${JSON.stringify(bound)}`;
  if (!Array.isArray(schedule.order) || !schedule.order.every((seq) => Number.isInteger(seq) && (seq as number) >= 0)) {
    return 'order must be a list of event numbers (whole numbers >= 0)';
  }
  if (schedule.steps !== undefined && schedule.steps !== 'events' && schedule.steps !== 'timeline') {
    return `steps must be "events" or "timeline", got ${JSON.stringify(schedule.steps)}`;
  }
  if (schedule.steps === 'events' && scenario.steps.some((step) => step.atMs === undefined)) {
    return 'steps: "events" needs every timeline step at an absolute time (at(...)), not after(...) or when(...)';
  }
  return null;
}

/**
 * The scenario without the steps that act on a node in the wrong state. The simulator ignores such steps, so the
 * history is the same; a generated counterexample is saved without them, and reads (and validates) cleanly.
 */
export function withoutNoOpSteps(scenario: Scenario): Scenario {
  let current = scenario;
  for (let problem = nodeStateIndex(current); problem !== null; problem = nodeStateIndex(current)) {
    const index = problem;
    current = { ...current, steps: current.steps.filter((_, position) => position !== index) };
  }
  return current;
}

function nodeStateIndex(scenario: Scenario): number | null {
  return firstNodeStateProblem(scenario)?.index ?? null;
}

function triggerProblem(step: Step, nodes: number): string | null {
  const triggers = [step.atMs, step.afterMs, step.when].filter((trigger) => trigger !== undefined).length;
  if (triggers !== 1) return 'give each step exactly one trigger: at(ms, ...), after(ms, ...) or when(condition, ...)';
  for (const [name, value] of [
    ['time', step.atMs],
    ['delay', step.afterMs],
    ['timeout', step.timeoutMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      return `the ${name} must be a number of milliseconds >= 0`;
  }
  const condition = step.when;
  if (condition === undefined) return null;
  if ('leader' in condition) {
    if (condition.new !== undefined && condition.new !== true) return 'new must be true when given (newLeader())';
    return condition.leader === 'any' ? null : nodeProblem(condition.leader, nodes);
  }
  if ('delivered' in condition) {
    const { node, count } = condition.delivered;
    return (
      nodeProblem(node, nodes) ??
      (Number.isInteger(count) && count >= 0 ? null : 'the count must be a whole number >= 0')
    );
  }
  return 'settled' in condition ? null : `unknown condition ${JSON.stringify(condition)}`;
}

function actionProblem(action: Action, nodes: number): string | null {
  switch (action.do) {
    case 'submit':
      return typeof action.payload === 'string' ? nodeProblem(action.node, nodes) : 'the payload must be a string';
    case 'burst':
      if (typeof action.payload !== 'string') return 'the payload must be a string';
      if (action.nodes.length === 0) return 'a burst needs at least one node';
      return action.nodes.map((node) => nodeProblem(node, nodes)).find((problem) => problem !== null) ?? null;
    case 'crash':
      return nodeProblem(action.node, nodes) ?? (action.during === undefined ? null : crashPointProblem(action.during));
    case 'corrupt':
      if (!(Number.isInteger(action.fromEnd) && action.fromEnd >= 0))
        return 'fromEnd must be a whole number >= 0 (0 is the last record)';
      return nodeProblem(action.node, nodes);
    case 'tear':
    case 'disk-full':
    case 'disk-ok':
    case 'join':
    case 'restart':
    case 'pause':
    case 'resume':
      return nodeProblem(action.node, nodes);
    case 'drift':
      return nodeProblem(action.node, nodes) ?? (action.ppm > -1_000_000 ? null : 'drift must be > -1000000 ppm');
    case 'clock-step':
      return nodeProblem(action.node, nodes) ?? (Number.isFinite(action.deltaMs) ? null : 'deltaMs must be a number');
    case 'partition':
      return partitionProblem(action.groups, nodes);
    case 'cut':
    case 'hold':
    case 'release':
      return nodeProblem(action.from, nodes) ?? nodeProblem(action.to, nodes);
    case 'heal':
      return null;
    case 'network':
      return validateLink(action.change);
    case 'link':
      return nodeProblem(action.from, nodes) ?? nodeProblem(action.to, nodes) ?? validateLink(action.change);
    default:
      return `unknown action ${JSON.stringify((action as { do: unknown }).do)}`;
  }
}

function nodeProblem(node: NodeId, nodes: number): string | null {
  if (Number.isInteger(node) && node >= 1 && node <= nodes) return null;
  return `node ${String(node)} is not in the cluster; use a node id from 1 to ${nodes}`;
}

function partitionProblem(groups: NodeId[][], nodes: number): string | null {
  const seen = new Set<NodeId>();
  for (const group of groups) {
    for (const node of group) {
      const problem = nodeProblem(node, nodes);
      if (problem !== null) return problem;
      if (seen.has(node)) return `node ${node} is in two partition groups; put each node in one group`;
      seen.add(node);
    }
  }
  return null;
}
