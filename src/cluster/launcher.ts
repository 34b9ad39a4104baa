import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { invariant } from '../core/assert.ts';
import { historyHash } from '../core/history.ts';
import { nodeIds, type NodeId } from '../core/ids.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { runCheckers } from '../check/index.ts';
import { expectationsFor, type Scenario } from '../scenarios/dsl.ts';
import { ScenarioError } from '../scenarios/errors.ts';
import { PACKAGE_ROOT } from '../scenarios/load.ts';
import { judgeRun } from '../scenarios/expectations.ts';
import { DEFAULT_LIVENESS_MS, interpretRun, type SkippedStep } from '../scenarios/interpreter.ts';
import { resolveProtocol, type RunResult } from '../scenarios/runner.ts';
import { validateScenario } from '../scenarios/validate.ts';
import { gatherHistory, type EventBody, type EventFields, type LauncherEvent } from './history.ts';
import { LinkTable, type BlockReason, type CutStyle, type LinkReport } from './links.ts';
import { NodeProcess, type NodeOutput } from './node-process.ts';
import { lostItsPort, pickNodePorts } from './ports.ts';
import { ClusterProgress } from './progress.ts';
import { baseDelayMs, driveLive, LiveWorld } from './live-world.ts';
import { protocolByName } from '../protocols/index.ts';
import { protocolModule } from '../scenarios/user-module.ts';

/**
 * The live launcher: a whole cluster of `tob-lab live` processes on 127.0.0.1, every directed link through a
 * fault proxy, a scenario driven in real time, then the same liveness phase, checkers and expectations as a
 * simulated run. It sits beside the simulator runner (it drives scenarios and runs checkers), not below it.
 */
export interface ClusterOptions {
  scenario: Scenario;
  /** Run the scenario's timeline on another protocol than the one it names (a user's must come from a module). */
  protocol?: string | ProtocolDefinition;
  dataDir: string;
  seed: number;
  secret?: string;
  /** Scenario time runs this many times faster than real time (timeline points and gaps; not protocol timers). */
  speed: number;
  cutStyle?: CutStyle;
  /**
   * What happens to frames sent to a crashed (or not yet joined) node: 'drop' (default) swallows them, as a dead
   * process never reads them and the simulator drops them; 'queue' lets the proxy keep them and hand them to the
   * node's next incarnation, as a stalled (not dead) link would. With a direct link the sender would see the
   * connection refused and its own queue expires frames after 500 ms, so 'drop' is the faithful default.
   */
  downLinks?: DownLinks;
  /** Bound on the liveness phase, real ms (default: the scenario's livenessMs, else 30 s). */
  livenessMs?: number;
  /** Bound on the whole run, real ms; past it every process is stopped and the run fails. */
  timeLimitMs: number;
  readyTimeoutMs?: number;
  stopWaitMs?: number;
  /** After everything is delivered, this much longer, so late duplicates still show (real ms). */
  quietMs?: number;
  signal?: AbortSignal;
  /** One line at a time, for a person watching (stderr). */
  onProgress?: (line: string) => void;
  /** How to start `tob-lab live`: executable and the arguments before `live` (default: this package's bin). */
  nodeCommand?: { command: string; args: string[] };
}

export interface ClusterOutcome {
  result: RunResult;
  /** What the live run could not do like the simulator, and anything odd it saw. */
  notes: string[];
  /** Every node process the launcher started, across restarts. */
  pids: number[];
  links: LinkReport[];
  dataDir: string;
  speed: number;
  cutStyle: CutStyle;
  downLinks: DownLinks;
}

/** The run could not go on: a node never became ready, or the run passed its time limit. */
export class ClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}

export class ClusterInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'ClusterInterrupted';
  }
}

export type DownLinks = 'queue' | 'drop';

export const READY_TIMEOUT_MS_DEFAULT = 30_000;
export const STOP_WAIT_MS_DEFAULT = 3_000;
export const QUIET_MS_DEFAULT = 1_000;
export { SPEED_MAX } from './limits.ts';
import { SPEED_MAX } from './limits.ts';
/** Launcher events kept at most (drops during a long partition add up); past it they are counted, not kept. */
export const LAUNCHER_EVENTS_MAX = 200_000;
const EXIT_USAGE_CODE = 64;
/** How often a node may lose its freshly picked port to another program before the launch gives up. */
const PORT_MOVES_MAX = 3;

export async function runCluster(written: ClusterOptions): Promise<ClusterOutcome> {
  const protocol = liveProtocol(written);
  const options = { ...written, scenario: expectationsFor(written.scenario, protocol.name) };
  validateScenario(options.scenario, protocol);
  invariant(options.speed > 0 && options.speed <= SPEED_MAX, `speed must be in (0, ${SPEED_MAX}]`);
  const dataDir = prepareDataDir(options.dataDir);
  const run = new ClusterRun(options, protocol, dataDir);
  const guard = new AbortController();
  const timer = setTimeout(
    () =>
      guard.abort(
        new ClusterError(`the run passed its time limit of ${options.timeLimitMs} ms; every process was stopped`),
      ),
    options.timeLimitMs,
  );
  const onAbort = () => guard.abort(new ClusterInterrupted());
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const killOnExit = () => run.killNow();
  process.once('exit', killOnExit);
  try {
    return await run.execute(guard.signal);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await run.shutdown();
    process.off('exit', killOnExit);
  }
}

function liveProtocol(options: ClusterOptions): ProtocolDefinition {
  const named = options.protocol ?? options.scenario.cluster.protocol;
  const protocol = resolveProtocol(named);
  nodeProtocolArg(protocol);
  return protocol;
}

/** How a node process names the protocol: a shipped one by name, a user's by the path of its module. */
function nodeProtocolArg(protocol: ProtocolDefinition): string {
  if (protocolByName(protocol.name) === protocol) return protocol.name;
  const module = protocolModule(protocol);
  if (module === undefined) {
    throw new ScenarioError(
      `the protocol "${protocol.name}" is an object with no module path; live nodes load a protocol by name or path, ` +
        'so give --protocol ./its-module.ts',
    );
  }
  return module.path;
}

/** A fresh or empty data directory: logs from an earlier run would be recovered and confuse the checkers. */
function prepareDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ScenarioError(`cannot create the data directory ${dir}: ${(error as Error).message}`);
  }
  const stale = readdirSync(dir).filter((name) => /^node-\d+\./.test(name));
  if (stale.length > 0) {
    throw new ScenarioError(
      `${dir} already holds node files from another run (${stale.slice(0, 3).join(', ')}); give an empty or new --data directory`,
    );
  }
  return dir;
}

/** One launched cluster, from its first port to its last process. */
export class ClusterRun {
  readonly nodes: NodeId[];
  readonly processes = new Map<NodeId, NodeProcess>();
  readonly progress: ClusterProgress;
  readonly events: LauncherEvent[] = [];
  readonly notes: string[] = [];
  readonly unexpectedExits: string[] = [];
  readonly joined = new Set<NodeId>();
  links: LinkTable | null = null;
  readonly listenPorts = new Map<NodeId, number>();
  originMs = 0;
  safetyEndMs = 0;
  eventsOverBound = 0;
  private shutDown = false;

  constructor(
    readonly options: ClusterOptions,
    readonly protocol: ProtocolDefinition,
    readonly dataDir: string,
  ) {
    this.nodes = nodeIds(options.scenario.cluster.nodes);
    this.progress = new ClusterProgress(this.nodes);
  }

  get speed(): number {
    return this.options.speed;
  }

  async execute(signal: AbortSignal): Promise<ClusterOutcome> {
    await this.launch(signal);
    this.originMs = Date.now();
    this.say(`scenario ${this.options.scenario.name} started (speed ${this.speed})`);
    const bounds = {
      livenessMs: this.options.livenessMs ?? this.options.scenario.livenessMs ?? DEFAULT_LIVENESS_MS,
      quietMs: this.options.quietMs ?? QUIET_MS_DEFAULT,
    };
    const { skipped, safetyEndMs } = await driveLive(
      interpretRun(new LiveWorld(this, signal), this.options.scenario, bounds),
    );
    this.safetyEndMs = safetyEndMs;
    return this.outcome(skipped);
  }

  private async launch(signal: AbortSignal): Promise<void> {
    const ports = await pickNodePorts(this.nodes.length);
    const listenPorts = this.listenPorts;
    this.nodes.forEach((node, index) => listenPorts.set(node, ports[index]));
    this.links = await LinkTable.start(
      this.nodes,
      listenPorts,
      this.options.cutStyle ?? 'drop',
      (from, to, frame, reason) => this.onDroppedFrame(from, to, frame, reason),
    );
    const bin = this.options.nodeCommand ?? {
      command: process.execPath,
      args: [join(PACKAGE_ROOT, 'bin', 'tob-lab.js')],
    };
    for (const node of this.nodes) {
      const env: Record<string, string> =
        this.options.secret === undefined ? {} : { TOB_LAB_SECRET: this.options.secret };
      const spec = {
        id: node,
        command: bin.command,
        commandArgs: bin.args,
        liveArgs: this.liveArgs(node, listenPorts),
        cwd: PACKAGE_ROOT,
        env,
      };
      this.processes.set(
        node,
        new NodeProcess(spec, {
          output: (id, output) => this.onOutput(id, output),
          exit: (id, expected, description) => this.onExit(id, expected, description),
        }),
      );
    }
    this.links.setDelayAll(baseDelayMs(this));
    const joinLater = new Set(this.options.scenario.cluster.joinLater ?? []);
    const starting = this.nodes.filter((node) => !joinLater.has(node));
    // Like the simulator, which drops what is sent to a node that has not joined yet.
    if (this.options.downLinks === 'drop') for (const node of joinLater) this.links.setDown(node, 'not-joined');
    for (const node of starting) this.startNode(node);
    this.say(
      `started ${starting.length} node processes and ${this.nodes.length * (this.nodes.length - 1)} link proxies`,
    );
    await this.waitReady(starting, signal);
  }

  /** Another program took the node's port between the pick and the bind: pick again, point its links there. */
  private async movePorts(nodes: readonly NodeId[]): Promise<void> {
    const fresh = await pickNodePorts(nodes.length, new Set(this.listenPorts.values()));
    nodes.forEach((node, index) => {
      this.listenPorts.set(node, fresh[index]);
      this.links?.retarget(node, fresh[index]);
      this.process(node).spec.liveArgs = this.liveArgs(node, this.listenPorts);
      this.say(`node ${node} lost its port to another program; moving it to ${fresh[index]}`);
    });
  }

  private liveArgs(node: NodeId, listenPorts: ReadonlyMap<NodeId, number>): string[] {
    const links = this.links as LinkTable;
    // A node's own entry is where it listens; every other entry is the proxy of the link towards that peer.
    const peers = this.nodes
      .map((peer) => `${peer}=127.0.0.1:${peer === node ? listenPorts.get(node) : links.portOf(node, peer)}`)
      .join(',');
    const args = [
      '--id',
      String(node),
      '--peers',
      peers,
      '--protocol',
      nodeProtocolArg(this.protocol),
      '--data',
      this.dataDir,
    ];
    args.push('--headless', '--seed', String(this.options.seed));
    const clusterOptions = this.options.scenario.cluster.options;
    if (clusterOptions !== undefined && Object.keys(clusterOptions).length > 0)
      args.push('--options', JSON.stringify(clusterOptions));
    return args;
  }

  startNode(node: NodeId): void {
    this.joined.add(node);
    this.links?.setDown(node, null);
    this.process(node).start();
  }

  /** The node is gone (killed, or exited by itself). */
  nodeDown(node: NodeId): void {
    this.record({ type: 'crash', node }, 'after');
    this.progress.crashed(node);
    if (this.options.downLinks === 'drop') this.links?.setDown(node, 'crashed');
  }

  process(node: NodeId): NodeProcess {
    const found = this.processes.get(node);
    invariant(found !== undefined, `node ${node} is not in this cluster`);
    return found;
  }

  /**
   * Waits until every node in `nodes` has printed `ready`. A node that lost its port is moved and started again
   * (a bounded number of times); any other node that dies first, or never gets ready, fails the run.
   */
  async waitReady(nodes: readonly NodeId[], signal: AbortSignal): Promise<void> {
    const boundMs = this.options.readyTimeoutMs ?? READY_TIMEOUT_MS_DEFAULT;
    const deadlineMs = Date.now() + boundMs;
    const settled = () => nodes.every((node) => this.process(node).ready || !this.process(node).running);
    for (let moves = 0; ; moves += 1) {
      await this.progress.waitFor(settled, deadlineMs, signal);
      const moved = nodes.filter((node) => !this.process(node).running && lostItsPort(this.process(node).stderr));
      if (moved.length === 0 || moves >= PORT_MOVES_MAX) break;
      await this.movePorts(moved);
      for (const node of moved) this.process(node).start();
    }
    for (const node of nodes) {
      const child = this.process(node);
      if (child.ready) continue;
      const why = child.running ? `did not print "ready" within ${boundMs} ms` : 'exited before it was ready';
      // Exit 64 is the live command refusing its arguments: something the user can change.
      if (child.lastExitCode === EXIT_USAGE_CODE)
        throw new ScenarioError(`node ${node} ${why}${stderrHint(child.stderr)}`);
      throw new ClusterError(`node ${node} ${why}${stderrHint(child.stderr)}`);
    }
  }

  private onOutput(node: NodeId, output: NodeOutput): void {
    this.progress.observe(node, output);
    if (output.type === 'ready') this.progress.wake();
  }

  /** A frame a blocked link swallowed becomes a drop in the history, as the simulator records one. */
  private onDroppedFrame(from: NodeId, to: NodeId, frame: string, reason: BlockReason): void {
    let ref: unknown = null;
    try {
      ref = (JSON.parse(frame) as { ref?: unknown }).ref;
    } catch {
      // A frame cut at the peek bound is not JSON; it is still counted in the link's stats.
    }
    if (typeof ref === 'string') this.record({ type: 'drop', node: from, to, msg: ref, reason }, 'after');
  }

  private onExit(node: NodeId, expected: boolean, description: string): void {
    this.progress.wake();
    // Before the scenario starts, waitReady reports a node that died, with its stderr.
    if (expected || this.shutDown || this.originMs === 0) return;
    // Nobody asked it to stop: a host or protocol failure. Judged like a protocol that threw.
    const text = `node ${node} ${description} on its own${stderrHint(this.process(node).stderr)}`;
    this.unexpectedExits.push(text);
    this.notes.push(text);
    this.nodeDown(node);
    this.say(text);
  }

  record(event: EventFields, placement: LauncherEvent['placement']): void {
    if (this.events.length >= LAUNCHER_EVENTS_MAX && event.type === 'drop') {
      this.eventsOverBound += 1;
      return;
    }
    this.events.push({ event: { ...event, t: Date.now() } as EventBody, placement });
  }

  /** A note for the report, once per distinct text. */
  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  say(line: string): void {
    const elapsedMs = this.originMs === 0 ? 0 : Date.now() - this.originMs;
    this.options.onProgress?.(`[${(elapsedMs / 1000).toFixed(1).padStart(6)} s] ${line}`);
  }

  /** Up, ready and not paused: the nodes the liveness phase waits for. */
  upNodes(): NodeId[] {
    return this.nodes.filter((node) => this.process(node).ready && !this.process(node).paused);
  }

  /** SIGTERM to every node, SIGKILL to those that outstay the bound. */
  async stopAll(): Promise<void> {
    this.shutDown = true;
    const waitMs = this.options.stopWaitMs ?? STOP_WAIT_MS_DEFAULT;
    await Promise.all([...this.processes.values()].map((child) => child.stop(waitMs)));
  }

  /** Everything the launcher started is stopped and closed; safe to call twice. */
  async shutdown(): Promise<void> {
    await this.stopAll();
    await this.links?.close();
  }

  killNow(): void {
    for (const child of this.processes.values()) child.killNow();
  }

  private outcome(skipped: SkippedStep[]): ClusterOutcome {
    const files = this.nodes.map((node) => ({ node, file: join(this.dataDir, `node-${node}.history.jsonl`) }));
    const missingFiles = files.filter(({ node, file }) => this.joined.has(node) && !existsSync(file));
    for (const { file } of missingFiles) this.note(`no history file ${file}: that node recorded nothing`);
    const { history, skippedLines } = gatherHistory(this.nodes, files, this.events, this.originMs);
    for (const [file, count] of skippedLines)
      this.note(`${file}: ${count} lines were not history events (a torn last line after kill -9?)`);
    const absent = this.events.some((entry) => entry.event.type === 'crash' || entry.event.type === 'join');
    if (absent && (this.options.downLinks ?? 'drop') === 'queue') {
      this.note(
        'with --down-links queue the proxies kept the frames sent to a crashed (or not yet joined) node and handed them to its next ' +
          'run, as a stalled link would; a dead process never receives them, which is the default (--down-links drop)',
      );
    }
    if (this.eventsOverBound > 0)
      this.note(
        `${this.eventsOverBound} dropped frames were over the launcher's event bound and are not in the history`,
      );
    const verdicts = runCheckers(history);
    const protocolError = this.unexpectedExits.length === 0 ? null : this.unexpectedExits.join('; ');
    const judged = judgeRun(this.options.scenario, history, verdicts, skipped, protocolError, this.speed);
    const result: RunResult = {
      scenario: this.options.scenario,
      seed: this.options.seed,
      protocol: this.protocol.name,
      history,
      hash: historyHash(history),
      verdicts,
      expectations: judged.expectations,
      exitCode: judged.exitCode,
      boundHit: null,
      protocolError,
      safetyEndMs: this.safetyEndMs,
    };
    const pids = [...this.processes.values()].flatMap((child) => child.pids);
    const { cutStyle = 'drop', downLinks = 'drop' } = this.options;
    const links = this.links?.reports() ?? [];
    return { result, notes: this.notes, pids, links, dataDir: this.dataDir, speed: this.speed, cutStyle, downLinks };
  }
}

function stderrHint(stderr: string): string {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.length === 0 ? '' : `; its stderr ends: ${lines.slice(-3).join(' | ')}`;
}
