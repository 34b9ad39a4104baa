import type { NodeId } from '../core/ids.ts';
import type { JsonObject } from '../core/json.ts';
import type { Latency, LinkConfig } from '../sim/network.ts';
import { describeAction, type Action, type Scenario } from '../scenarios/dsl.ts';
import type { World } from '../scenarios/world.ts';
import type { EventFields, LauncherEvent } from './history.ts';
import type { LinkTable } from './links.ts';
import type { NodeProcess } from './node-process.ts';
import { sleepUntil, type ClusterProgress } from './progress.ts';

/** What the live world needs of the launched cluster (cluster.ts's ClusterRun), and no more. */
export interface LiveCluster {
  readonly nodes: readonly NodeId[];
  readonly options: { scenario: Scenario };
  readonly speed: number;
  readonly progress: ClusterProgress;
  readonly events: readonly LauncherEvent[];
  readonly joined: ReadonlySet<NodeId>;
  readonly links: LinkTable | null;
  originMs: number;
  process(node: NodeId): NodeProcess;
  startNode(node: NodeId): void;
  nodeDown(node: NodeId): void;
  upNodes(): NodeId[];
  waitReady(nodes: readonly NodeId[], signal: AbortSignal): Promise<void>;
  stopAll(): Promise<void>;
  record(event: EventFields, placement: LauncherEvent['placement']): void;
  note(text: string): void;
  say(line: string): void;
}

export type LivePending = Promise<unknown> | void;

/**
 * A launched cluster as a world: actions become signals to processes and fault states of the link proxies, time
 * is the real clock since the scenario started, and conditions read what the nodes printed. The scenario's
 * timeline runs `speed` times faster than real time; the nodes' own timers do not.
 */
export class LiveWorld implements World<LivePending> {
  constructor(
    private readonly run: LiveCluster,
    private readonly signal: AbortSignal,
  ) {}

  get nodes(): readonly NodeId[] {
    return this.run.nodes;
  }

  get timelineScale(): number {
    return this.run.speed;
  }

  nowMs(): number {
    return Date.now() - this.run.originMs;
  }

  /** A live run has no event or time bound of its own; the launcher's time limit aborts it through the signal. */
  stopped(): boolean {
    return false;
  }

  leads(node: NodeId | 'any'): boolean {
    return this.run.progress.leads(node);
  }

  leaderTerm(node: NodeId): number | null {
    return this.run.progress.leaderTerm(node);
  }

  deliveredCount(node: NodeId): number {
    return this.run.progress.deliveredCount(node);
  }

  settled(): boolean {
    return this.run.progress.complete(this.run.upNodes());
  }

  advanceTo(timeMs: number): Promise<void> {
    return sleepUntil(this.run.originMs + timeMs, this.signal);
  }

  waitFor(holds: () => boolean, deadlineMs: number): Promise<boolean> {
    return this.run.progress.waitFor(holds, this.run.originMs + deadlineMs, this.signal);
  }

  narrate(line: string): void {
    this.run.say(line);
  }

  perform(action: Action): LivePending {
    this.run.say(describeAction(action));
    return performLive(this.run, action);
  }

  /** Heals every link, releases held ones, restores the base delay, and restarts, joins or resumes every node. */
  async beginLiveness(): Promise<void> {
    const run = this.run;
    const links = run.links as LinkTable;
    run.record({ type: 'phase', phase: 'liveness' }, 'after');
    run.say('liveness phase: healing the network, restarting crashed nodes, resuming paused ones');
    links.heal();
    run.record({ type: 'heal' }, 'after');
    for (const [from, to] of links.heldLinks())
      if (links.release(from, to)) run.record({ type: 'release', from, to }, 'after');
    links.resetDelays(baseDelayMs(run));
    if (run.events.some((entry) => entry.event.type === 'network')) {
      run.record({ type: 'network', change: { delayMs: baseDelayMs(run) } }, 'after');
    }
    const restarted: NodeId[] = [];
    for (const node of run.nodes) {
      const child = run.process(node);
      if (!run.joined.has(node)) run.record({ type: 'join', node }, 'before');
      else if (!child.running) run.record({ type: 'restart', node }, 'before');
      else if (child.paused) {
        run.record({ type: 'resume', node }, 'before');
        child.resume();
        continue;
      } else continue;
      run.startNode(node);
      restarted.push(node);
    }
    await run.waitReady(restarted, this.signal);
  }

  async finish(): Promise<void> {
    this.run.record({ type: 'phase', phase: 'end' }, 'last');
    await this.run.stopAll();
  }
}

/** Runs an interpreter over a live world, awaiting each pending and handing back its result. */
export async function driveLive<R>(interpreter: Generator<LivePending, R, unknown>): Promise<R> {
  let answer: unknown;
  for (;;) {
    const next = interpreter.next(answer);
    if (next.done === true) return next.value;
    answer = await next.value;
  }
}

function performLive(run: LiveCluster, action: Action): LivePending {
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
      // kill -9 cannot aim at a cut inside a handler; it falls wherever the process happens to be.
      if (action.during !== undefined)
        run.note(`${describeAction(action)}: crash points are simulator-only; killing the process now`);
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
      if (links.release(action.from, action.to))
        run.record({ type: 'release', from: action.from, to: action.to }, 'after');
      return;
    case 'drift':
    case 'clock-step':
      return run.note(
        `${describeAction(action)}: clock faults are simulator-only (a live node reads the real clock); skipped`,
      );
    case 'network':
      return changeNetwork(run, action.change, null);
    case 'link':
      return changeNetwork(run, action.change, [action.from, action.to]);
    case 'tear':
    case 'corrupt':
    case 'disk-full':
    case 'disk-ok':
      return run.note(
        `${describeAction(action)}: storage faults are simulator-only (live logs are real files); skipped`,
      );
  }
}

/**
 * One stdin line per submission: the host reads a line as a payload, and a line starting with "/" as a command,
 * so a payload is kept to one line and never starts with "/".
 */
function submit(run: LiveCluster, node: NodeId, payload: string): void {
  let line = payload.replace(/[\r\n]+/g, ' ');
  if (line.startsWith('/')) line = ` ${line}`;
  if (line !== payload)
    run.note(`payload ${JSON.stringify(payload)} was sent as ${JSON.stringify(line)}: one stdin line, never a command`);
  if (!run.process(node).submit(line)) {
    run.record({ type: 'log', node, text: `submission refused: node ${node} is down` }, 'after');
  }
}

async function crash(run: LiveCluster, node: NodeId): Promise<void> {
  const child = run.process(node);
  if (!child.running) return;
  await child.crash();
  // Stamped once the process is gone, so every event of the incarnation comes before it.
  run.nodeDown(node);
}

function restart(run: LiveCluster, node: NodeId): void {
  if (!run.joined.has(node) || run.process(node).running) return;
  // Stamped before the spawn, so every event of the new incarnation comes after it.
  run.record({ type: 'restart', node }, 'before');
  run.startNode(node);
}

function pauseOrResume(run: LiveCluster, verb: 'pause' | 'resume', node: NodeId): void {
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

function changeNetwork(run: LiveCluster, change: Partial<LinkConfig>, link: [NodeId, NodeId] | null): void {
  const links = run.links as LinkTable;
  const where = link === null ? 'network' : `link ${link[0]} -> ${link[1]}`;
  if ((change.lossRate ?? 0) > 0)
    run.note(`${where}: lossRate is simulator-only (TCP does not lose bytes); use partition or cut`);
  if ((change.duplicateRate ?? 0) > 0)
    run.note(`${where}: duplicateRate is simulator-only (TCP does not duplicate); not applied`);
  if (change.fifo === false) run.note(`${where}: unordered links are simulator-only (TCP keeps order); not applied`);
  if (change.latency === undefined) return;
  const delayMs = latencyAsDelayMs(run, change.latency);
  if (link === null) links.setDelayAll(delayMs);
  else links.setDelay(link[0], link[1], delayMs);
  const recorded: JsonObject = { delayMs, ...(link === null ? {} : { from: link[0], to: link[1] }) };
  run.record({ type: 'network', change: recorded }, 'after');
}

/** The delay every link starts with (and returns to in the liveness phase): the scenario's own latency. */
export function baseDelayMs(run: LiveCluster): number {
  const latency = run.options.scenario.network?.latency;
  return latency === undefined ? 0 : latencyAsDelayMs(run, latency);
}

/** A TCP stream keeps its order, so a latency distribution becomes one constant delay: its mean. */
function latencyAsDelayMs(run: LiveCluster, latency: Latency): number {
  let delayMs: number;
  if (latency.kind === 'constant') delayMs = latency.ms;
  else if (latency.kind === 'uniform') delayMs = (latency.minMs + latency.maxMs) / 2;
  else delayMs = Math.max(latency.meanMs, latency.floorMs ?? 0);
  if (latency.kind !== 'constant') {
    run.note(
      `${latency.kind} latency is applied as a constant ${delayMs} ms per link (its mean): a TCP stream keeps its order`,
    );
  }
  return delayMs;
}
