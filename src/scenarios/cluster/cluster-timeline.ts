import type { NodeId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { describeAction, describeTrigger, type Action, type Condition, type Step } from '../dsl.ts';
import { DEFAULT_STEP_TIMEOUT_MS } from '../runner.ts';
import type { Latency, LinkConfig } from '../../sim/network.ts';
import type { ClusterRun } from './cluster.ts';
import type { LinkTable } from './cluster-links.ts';
import { sleepUntil } from './cluster-progress.ts';

/**
 * Drives a scenario's timeline against a live cluster in real time. Points and gaps of the timeline (`at`,
 * `after`, `settleMs`) are divided by the speed; waits for the protocol (a condition's timeout) are not, since
 * the nodes' timers run in real time whatever the speed.
 */
export interface SkippedLiveStep {
  index: number;
  step: Step;
  waitedMs: number;
}

export async function runLiveTimeline(run: ClusterRun, signal: AbortSignal): Promise<SkippedLiveStep[]> {
  const skipped: SkippedLiveStep[] = [];
  for (const [index, step] of run.options.scenario.steps.entries()) {
    if (step.atMs !== undefined) await sleepUntil(run.originMs + step.atMs / run.speed, signal);
    else if (step.afterMs !== undefined) await sleepUntil(Date.now() + step.afterMs / run.speed, signal);
    else if (step.when !== undefined) {
      const condition = step.when;
      const waitedMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
      if (!(await run.progress.waitFor(() => holds(run, condition), Date.now() + waitedMs, signal))) {
        run.say(`skipped step ${index + 1}: the condition did not hold (${describeTrigger(step)})`);
        skipped.push({ index, step, waitedMs });
        continue;
      }
    }
    run.say(describeAction(step.action));
    await perform(run, step.action);
  }
  return skipped;
}

function holds(run: ClusterRun, condition: Condition): boolean {
  if ('leader' in condition) return run.progress.leads(condition.leader);
  if ('delivered' in condition) return run.progress.deliveredCount(condition.delivered.node) >= condition.delivered.count;
  return run.progress.complete(run.upNodes());
}

async function perform(run: ClusterRun, action: Action): Promise<void> {
  const links = run.links as LinkTable;
  switch (action.do) {
    case 'submit':
      return submit(run, action.node, action.payload);
    case 'burst':
      for (const node of action.nodes) submit(run, node, `${action.payload} (node ${node})`);
      return;
    case 'join':
      if (run.joined.has(action.node)) return;
      run.record({ type: 'join', node: action.node }, 'before');
      return run.startNode(action.node);
    case 'crash':
      return crash(run, action.node);
    case 'restart':
      return restart(run, action.node);
    case 'pause':
    case 'resume':
      return pauseOrResume(run, action.do, action.node);
    case 'partition':
      links.partition(action.groups);
      return run.record({ type: 'partition', groups: action.groups.map((group) => [...group]) }, 'after');
    case 'cut':
      links.cut(action.from, action.to);
      return run.record({ type: 'cut', from: action.from, to: action.to }, 'after');
    case 'heal':
      links.heal();
      return run.record({ type: 'heal' }, 'after');
    case 'hold':
      links.hold(action.from, action.to);
      return run.record({ type: 'hold', from: action.from, to: action.to }, 'after');
    case 'release':
      if (links.release(action.from, action.to)) run.record({ type: 'release', from: action.from, to: action.to }, 'after');
      return;
    case 'drift':
    case 'clock-step':
      return run.note(`${describeAction(action)}: clock faults are simulator-only (a live node reads the real clock); skipped`);
    case 'network':
      return changeNetwork(run, action.change, null);
    case 'link':
      return changeNetwork(run, action.change, [action.from, action.to]);
  }
}

/**
 * One stdin line per submission: the host reads a line as a payload, and a line starting with "/" as a command,
 * so a payload is kept to one line and never starts with "/".
 */
function submit(run: ClusterRun, node: NodeId, payload: string): void {
  let line = payload.replace(/[\r\n]+/g, ' ');
  if (line.startsWith('/')) line = ` ${line}`;
  if (line !== payload) run.note(`payload ${JSON.stringify(payload)} was sent as ${JSON.stringify(line)}: one stdin line, never a command`);
  if (!run.process(node).submit(line)) {
    run.record({ type: 'log', node, text: `submission refused: node ${node} is down` }, 'after');
  }
}

async function crash(run: ClusterRun, node: NodeId): Promise<void> {
  const child = run.process(node);
  if (!child.running) return;
  await child.crash();
  // Stamped once the process is gone, so every event of the incarnation comes before it.
  run.nodeDown(node);
}

function restart(run: ClusterRun, node: NodeId): void {
  if (!run.joined.has(node) || run.process(node).running) return;
  // Stamped before the spawn, so every event of the new incarnation comes after it.
  run.record({ type: 'restart', node }, 'before');
  run.startNode(node);
}

function pauseOrResume(run: ClusterRun, verb: 'pause' | 'resume', node: NodeId): void {
  const child = run.process(node);
  if (!child.running || child.paused === (verb === 'pause')) return;
  // Stamped so the stopped process's events all come before a pause, and the woken one's all after a resume.
  if (verb === 'pause') {
    child.pause();
    run.record({ type: 'pause', node }, 'after');
  } else {
    run.record({ type: 'resume', node }, 'before');
    child.resume();
  }
}

function changeNetwork(run: ClusterRun, change: Partial<LinkConfig>, link: [NodeId, NodeId] | null): void {
  const links = run.links as LinkTable;
  const where = link === null ? 'network' : `link ${link[0]} -> ${link[1]}`;
  if ((change.lossRate ?? 0) > 0) run.note(`${where}: lossRate is simulator-only (TCP does not lose bytes); use partition or cut`);
  if ((change.duplicateRate ?? 0) > 0) run.note(`${where}: duplicateRate is simulator-only (TCP does not duplicate); not applied`);
  if (change.fifo === false) run.note(`${where}: unordered links are simulator-only (TCP keeps order); not applied`);
  if (change.latency === undefined) return;
  const delayMs = latencyAsDelayMs(run, change.latency);
  if (link === null) links.setDelayAll(delayMs);
  else links.setDelay(link[0], link[1], delayMs);
  const recorded: JsonObject = { delayMs, ...(link === null ? {} : { from: link[0], to: link[1] }) };
  run.record({ type: 'network', change: recorded }, 'after');
}

/** The delay every link starts with (and returns to in the liveness phase): the scenario's own latency. */
export function baseDelayMs(run: ClusterRun): number {
  const latency = run.options.scenario.network?.latency;
  return latency === undefined ? 0 : latencyAsDelayMs(run, latency);
}

/** A TCP stream keeps its order, so a latency distribution becomes one constant delay: its mean. */
function latencyAsDelayMs(run: ClusterRun, latency: Latency): number {
  let delayMs: number;
  if (latency.kind === 'constant') delayMs = latency.ms;
  else if (latency.kind === 'uniform') delayMs = (latency.minMs + latency.maxMs) / 2;
  else delayMs = Math.max(latency.meanMs, latency.floorMs ?? 0);
  if (latency.kind !== 'constant') {
    run.note(`${latency.kind} latency is applied as a constant ${delayMs} ms per link (its mean): a TCP stream keeps its order`);
  }
  return delayMs;
}
