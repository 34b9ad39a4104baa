import { dirname, relative, sep } from 'node:path';
import type { JsonObject } from '../core/json.ts';
import type { Action, Condition, Scenario, Step } from '../scenarios/dsl.ts';

export interface CounterexampleInfo {
  scenario: Scenario;
  seed: number;
  property: string;
  summary: string;
  /** The command that found it, for the record. */
  foundBy: string;
  shrinks: number;
  /**
   * For a protocol of the user's: the module it was loaded from and the export that holds it, so the saved
   * file imports the very protocol again (written relative to `file`).
   */
  protocolModule?: { path: string; exportName: string };
  /** Where the counterexample is written (for the relative import of a user's protocol). */
  file?: string;
}

/**
 * A counterexample as a scenario file written in the DSL, as a person would write it: `at(ms, submit(...),
 * crash(...))`, one line per instant, expecting the broken property to pass, so `tob-lab run` on it shows the
 * same violation and exits as `check` did. Edit it freely: it is an ordinary scenario.
 */
export function counterexampleSource(info: CounterexampleInfo): string {
  const { scenario } = info;
  const helpers = new Set<string>(['at', 'scenario']);
  const timeline = groupByTrigger(scenario.steps).map(
    ({ step, actions }) =>
      `    ${triggerCall(
        step,
        actions.map((action) => actionCall(action, helpers)),
        helpers,
      )},`,
  );
  const protocolImport = info.protocolModule === undefined ? null : importLine(info.protocolModule, info.file);
  const protocol =
    info.protocolModule !== undefined
      ? info.protocolModule.exportName === 'default'
        ? 'userProtocol'
        : info.protocolModule.exportName
      : inline(
          typeof scenario.cluster.protocol === 'string' ? scenario.cluster.protocol : scenario.cluster.protocol.name,
        );
  // A protocol error needs no checker: the runner fails any run whose protocol throws. A stall has none to name.
  const expect =
    info.property === 'protocol-error' || info.property === 'protocol-stall'
      ? '{}'
      : `{ pass: [${inline(info.property)}] }`;
  const cluster = [`protocol: ${protocol}`, `nodes: ${scenario.cluster.nodes}`];
  if (scenario.cluster.options !== undefined) cluster.push(`options: ${inline(scenario.cluster.options)}`);
  if (scenario.cluster.joinLater !== undefined) cluster.push(`joinLater: ${inline(scenario.cluster.joinLater)}`);
  return [
    `import { ${[...helpers].sort().join(', ')} } from 'tob-lab';`,
    ...(protocolImport === null ? [] : [protocolImport]),
    '',
    `// Found by: ${info.foundBy}`,
    `// Violated: ${info.property} (${oneLine(info.summary)})`,
    `// Shrunk ${info.shrinks} times. Replay with --seed ${info.seed}; the same seed gives the same history.`,
    'export default scenario({',
    `  name: ${inline(scenario.name)},`,
    `  description: ${inline(`counterexample: ${info.property} — ${oneLine(info.summary)}`)},`,
    `  cluster: { ${cluster.join(', ')} },`,
    ...(scenario.network === undefined ? [] : [`  network: ${inline(scenario.network)},`]),
    // Per-link static latencies drawn by the generator: part of the world the case ran in.
    ...(scenario.links === undefined ? [] : [`  links: ${inline(scenario.links)},`]),
    '  timeline: [',
    ...timeline,
    '  ],',
    ...(scenario.settleMs === undefined ? [] : [`  settleMs: ${scenario.settleMs},`]),
    ...(scenario.livenessMs === undefined ? [] : [`  livenessMs: ${scenario.livenessMs},`]),
    // The event bound the case ran under: a run that hit it replays only under the same bound.
    ...(scenario.maxEvents === undefined ? [] : [`  maxEvents: ${scenario.maxEvents},`]),
    // The order of events a strategy chose (tob-lab explore, check --strategy): part of what replays.
    ...(scenario.schedule === undefined ? [] : [`  schedule: ${inline(scenario.schedule)},`]),
    `  expect: ${expect},`,
    '});',
    '',
  ].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function importLine(module: { path: string; exportName: string }, file: string | undefined): string {
  let path = file === undefined ? module.path : relative(dirname(file), module.path).split(sep).join('/');
  if (!path.startsWith('.') && !path.startsWith('/')) path = `./${path}`;
  return module.exportName === 'default'
    ? `import userProtocol from ${inline(path)};`
    : `import { ${module.exportName} } from ${inline(path)};`;
}

/**
 * Consecutive steps that share a trigger become one call: the same instant one `at(...)`, steps with no delay
 * after the one before one `after(0, ...)`. A wait is never shared (each step of a `when` waits on its own).
 */
function groupByTrigger(steps: readonly Step[]): Array<{ step: Step; actions: Action[] }> {
  const groups: Array<{ step: Step; actions: Action[] }> = [];
  for (const step of steps) {
    const last = groups.at(-1);
    const sameInstant = step.atMs !== undefined && last?.step.atMs === step.atMs;
    const noDelay = step.afterMs === 0 && last?.step.afterMs === 0;
    if (last !== undefined && (sameInstant || noDelay)) last.actions.push(step.action);
    else groups.push({ step, actions: [step.action] });
  }
  return groups;
}

/** `at(ms, ...)`, `after(ms, ...)` or `when(condition, ...)` (in `within(timeout, ...)` when it has one). */
function triggerCall(step: Step, calls: string[], helpers: Set<string>): string {
  const use = (name: string) => helpers.add(name) && name;
  if (step.atMs !== undefined) return `at(${step.atMs}, ${calls.join(', ')})`;
  if (step.afterMs !== undefined) return `${use('after')}(${step.afterMs}, ${calls.join(', ')})`;
  if (step.when === undefined) throw new Error('a step without a trigger cannot be written');
  const waited = `${use('when')}(${conditionCall(step.when, helpers)}, ${calls.join(', ')})`;
  return step.timeoutMs === undefined ? waited : `${use('within')}(${step.timeoutMs}, ${waited})`;
}

function conditionCall(condition: Condition, helpers: Set<string>): string {
  const call = (name: string, ...args: unknown[]) => {
    helpers.add(name);
    return `${name}(${args.map(inline).join(', ')})`;
  };
  if ('leader' in condition) return call(condition.new === true ? 'newLeader' : 'leaderElected', condition.leader);
  if ('delivered' in condition) return call('deliveredAtLeast', condition.delivered.node, condition.delivered.count);
  return call('settled');
}

/** Plain data as compact source text: `{ kind: 'constant', ms: 5 }`. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as JsonObject).filter(([, field]) => field !== undefined);
    return `{ ${entries.map(([key, field]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${inline(field)}`).join(', ')} }`;
  }
  return typeof value === 'string' ? quote(value) : String(value);
}

/** A string literal in single quotes, as the rest of our sources write them. */
function quote(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}'`;
}

/** The DSL call that builds this action (the helper's name is recorded, so the file imports what it uses). */
function actionCall(action: Action, helpers: Set<string>): string {
  const call = (name: string, ...args: unknown[]) => {
    helpers.add(name);
    return `${name}(${args.map(inline).join(', ')})`;
  };
  switch (action.do) {
    case 'submit':
      return call('submit', action.node, action.payload);
    case 'burst':
      return call('burst', action.nodes, action.payload);
    case 'crash':
      return action.during === undefined ? call('crash', action.node) : call('crash', action.node, action.during);
    case 'tear':
    case 'disk-full':
    case 'disk-ok':
      return call(action.do === 'tear' ? 'tear' : action.do === 'disk-full' ? 'diskFull' : 'diskOk', action.node);
    case 'corrupt':
      return call('corrupt', action.node, action.fromEnd);
    case 'join':
    case 'restart':
    case 'pause':
    case 'resume':
      return call(action.do, action.node);
    case 'partition':
      return call('partition', ...action.groups);
    case 'cut':
    case 'hold':
    case 'release':
      return call(action.do, action.from, action.to);
    case 'heal':
      return call('heal');
    case 'drift':
      return call('drift', action.node, action.ppm);
    case 'clock-step':
      return call('stepClock', action.node, action.deltaMs);
    case 'network':
      return call('setNetwork', action.change);
    case 'link':
      return call('setLink', action.from, action.to, action.change);
  }
}
