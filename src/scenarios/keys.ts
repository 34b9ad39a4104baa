import { didYouMean } from '../core/suggest.ts';
import type { Action, Condition, Scenario } from './dsl.ts';
import { ScenarioError } from './errors.ts';

/**
 * Unknown keys anywhere in a scenario are mistakes: `expect: { pas: [...] }` or `network: { latncy: ... }` would
 * otherwise be ignored and the run would pass having checked nothing. Every object a scenario holds is checked
 * against the keys the DSL knows, and the message names the path, the closest known key and the list.
 */
const SCENARIO_KEYS = [
  'kind',
  'name',
  'description',
  'source',
  'cluster',
  'network',
  'steps',
  'settleMs',
  'livenessMs',
  'maxEvents',
  'expect',
  'schedule',
  'links',
];
/** What a user wrote: `timeline` becomes `steps` inside scenario(), and `kind` is the brand. */
const SCENARIO_KEYS_SHOWN = [
  'name',
  'description',
  'source',
  'cluster',
  'network',
  'timeline',
  'settleMs',
  'livenessMs',
  'maxEvents',
  'expect',
  'schedule',
  'links',
];
const CLUSTER_KEYS = ['protocol', 'nodes', 'options', 'joinLater'];
const LINK_KEYS = ['latency', 'lossRate', 'duplicateRate', 'fifo'];
const LATENCY_KEYS: Record<string, string[]> = {
  constant: ['kind', 'ms'],
  uniform: ['kind', 'minMs', 'maxMs'],
  exponential: ['kind', 'meanMs', 'floorMs'],
};
const STEP_KEYS = ['atMs', 'afterMs', 'when', 'timeoutMs', 'action'];
const ACTION_KEYS: Record<Action['do'], string[]> = {
  submit: ['node', 'payload'],
  burst: ['nodes', 'payload'],
  join: ['node'],
  crash: ['node', 'during'],
  restart: ['node'],
  pause: ['node'],
  resume: ['node'],
  partition: ['groups'],
  cut: ['from', 'to'],
  heal: [],
  hold: ['from', 'to'],
  release: ['from', 'to'],
  drift: ['node', 'ppm'],
  'clock-step': ['node', 'deltaMs'],
  network: ['change'],
  link: ['from', 'to', 'change'],
  tear: ['node'],
  corrupt: ['node', 'fromEnd'],
  'disk-full': ['node'],
  'disk-ok': ['node'],
};
const EXPECT_KEYS: Record<string, string[]> = {
  pass: [],
  fail: [],
  leaders: ['atMs', 'node'],
  delivered: ['atMs', 'node', 'atLeast', 'atMost'],
  elections: ['afterMs', 'node', 'withinMs'],
  orders: ['payload', 'order'],
};

export const ACTION_NAMES = Object.keys(ACTION_KEYS) as Array<Action['do']>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws a ScenarioError for the first key of `value` not in `known`; `where` is its path, as the user wrote it. */
export function checkKeys(
  value: unknown,
  known: readonly string[],
  where: string,
  shown: readonly string[] = known,
): void {
  if (!isObject(value))
    throw new ScenarioError(`${where} must be an object, got ${JSON.stringify(value) ?? String(value)}`);
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const path = where === '' ? key : `${where}.${key}`;
    throw new ScenarioError(
      `${path} is not a scenario setting${didYouMean(key, shown)} (known here: ${shown.join(', ')})`,
    );
  }
}

export function checkLinkKeys(change: unknown, where: string): void {
  checkKeys(change, LINK_KEYS, where);
  const latency = (change as { latency?: unknown }).latency;
  if (latency === undefined) return;
  const kind = isObject(latency) ? latency.kind : undefined;
  const keys = typeof kind === 'string' ? LATENCY_KEYS[kind] : undefined;
  if (keys === undefined) {
    throw new ScenarioError(
      `${where}.latency.kind must be one of ${Object.keys(LATENCY_KEYS).join(', ')}, got ${JSON.stringify(kind)}`,
    );
  }
  checkKeys(latency, keys, `${where}.latency`);
}

function checkActionKeys(action: unknown, where: string): void {
  const kind = isObject(action) ? action.do : undefined;
  const keys = typeof kind === 'string' ? ACTION_KEYS[kind as Action['do']] : undefined;
  if (keys === undefined) {
    throw new ScenarioError(
      `${where}: unknown action ${JSON.stringify(kind)}${didYouMean(String(kind), ACTION_NAMES)}`,
    );
  }
  checkKeys(action, ['do', ...keys], where);
  if (kind === 'network' || kind === 'link') checkLinkKeys((action as { change?: unknown }).change, `${where}.change`);
  const during = (action as { during?: unknown }).during;
  if (kind === 'crash' && during !== undefined) {
    checkKeys(during, ['handler', 'cut', 'batch'], `${where}.during`);
    const batch = (during as { batch?: unknown }).batch;
    if (batch !== undefined) checkKeys(batch, ['handlers', 'windowMs'], `${where}.during.batch`);
  }
}

function checkConditionKeys(condition: Condition, where: string): void {
  checkKeys(condition, ['leader', 'new', 'delivered', 'settled'], where);
  const kinds = Object.keys(condition).filter((key) => key !== 'new');
  if (kinds.length !== 1) throw new ScenarioError(`${where} must have exactly one of leader, delivered, settled`);
  if ('new' in condition && !('leader' in condition))
    throw new ScenarioError(`${where}: new goes with leader only (a new leader is elected)`);
  if ('delivered' in condition) checkKeys(condition.delivered, ['node', 'count'], `${where}.delivered`);
}

/** Checks every object of the scenario for keys the DSL does not know. */
export function checkScenarioKeys(scenario: Scenario): void {
  checkKeys(scenario, SCENARIO_KEYS, '', SCENARIO_KEYS_SHOWN);
  checkKeys(scenario.cluster, CLUSTER_KEYS, 'cluster');
  if (scenario.network !== undefined) checkLinkKeys(scenario.network, 'network');
  scenario.links?.forEach((link, index) => {
    checkKeys(link, ['from', 'to', 'latency'], `links[${index}]`);
    checkLinkKeys({ latency: link.latency }, `links[${index}]`);
  });
  scenario.steps.forEach((step, index) => {
    const where = `timeline step ${index + 1}`;
    checkKeys(step, STEP_KEYS, where);
    checkActionKeys(step.action, `${where} action`);
    if (step.when !== undefined) checkConditionKeys(step.when, `${where} when`);
  });
  if (scenario.schedule !== undefined) checkKeys(scenario.schedule, ['order', 'steps', 'deliveryBoundMs'], 'schedule');
  if (scenario.expect === undefined) return;
  checkExpectationKeys(scenario.expect, 'expect', true);
}

/** Expectations, and (at the top level only) the per-protocol expectations that replace them on another protocol. */
function checkExpectationKeys(expect: unknown, where: string, top: boolean): void {
  checkKeys(expect, [...Object.keys(EXPECT_KEYS), ...(top ? ['protocols'] : [])], where);
  for (const [key, entries] of Object.entries(expect as Record<string, unknown>)) {
    if (key === 'protocols') {
      checkKeys(entries, Object.keys(entries as object), `${where}.protocols`);
      for (const [protocol, own] of Object.entries(entries as Record<string, unknown>))
        checkExpectationKeys(own, `${where}.protocols.${protocol}`, false);
      continue;
    }
    if (!Array.isArray(entries)) throw new ScenarioError(`${where}.${key} must be a list`);
    if (key === 'pass' || key === 'fail') continue;
    entries.forEach((entry, index) => checkKeys(entry, EXPECT_KEYS[key], `${where}.${key}[${index}]`));
  }
}
