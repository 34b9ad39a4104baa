// The kill -9 soak for raft (`npm run soak:raft`, opt-in; CI runs a short one in test/raft-soak.test.ts): a live
// cluster of `tob-lab live --headless` processes on 127.0.0.1 takes a steady stream of submissions while, cycle
// after cycle, one node (most often the leader) is killed with SIGKILL and restarted on its own data directory.
// At the end the nodes' own history files are merged and judged: acknowledged submissions lost, duplicate
// deliveries and order disagreements must all be 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCheckers } from '../src/check/index.ts';
import type { History, HistoryEvent } from '../src/core/history.ts';
import type { NodeId } from '../src/core/ids.ts';
import { mergeHistories } from '../src/live/histories.ts';
import { nodeFiles } from '../src/live/host.ts';
import { freePorts } from '../test/support/live.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface SoakOptions {
  cycles: number;
  nodes: number;
  /** Chance that a cycle kills the leader rather than a node drawn at random. */
  leaderKillRate: number;
  /** A submission every this many ms, at a running node drawn at random. */
  submitIntervalMs: number;
  /** Time between a restart and the next kill. */
  cycleMs: number;
  /** How long a killed node stays down. */
  downMs: number;
  /** Bound on the wait for every node to deliver everything at the end. */
  settleMs: number;
  /**
   * The wait ends early, unsettled, when no node's delivery count moved for this long. On a loaded machine an
   * election after the last kill, or a restarted process's start, can take several seconds, so this is generous.
   */
  settleStallMs: number;
  seed: number;
  /** Keep the data directory (node logs and histories) instead of removing it. */
  keep: boolean;
  log: (line: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'log'> = {
  cycles: 100,
  nodes: 3,
  leaderKillRate: 0.7,
  submitIntervalMs: 40,
  cycleMs: 1_200,
  downMs: 500,
  settleMs: 60_000,
  settleStallMs: 15_000,
  seed: 1,
  keep: false,
};

export interface SoakResult {
  cycles: number;
  leaderKills: number;
  submitted: number;
  acked: number;
  deliveredByNode: Record<string, number>;
  /** Deliveries of acknowledged messages missing at some node at the end: every one is a loss, wherever the kill fell. */
  acknowledgedLost: number;
  duplicates: number;
  orderDisagreements: number;
  settled: boolean;
  verdicts: Array<{ checker: string; status: string; summary: string }>;
  dataDir: string | null;
}

/** A deterministic stream for the soak's own choices (victims, submitters, jitter), so a seed names a schedule. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One node process and what it printed: the latest announcement and the deliveries of this incarnation. */
class NodeProcess {
  child: ChildProcessWithoutNullStreams | null = null;
  exited: Promise<void> = Promise.resolve();
  role = 'follower';
  term = 0;
  delivered = 0;
  ready = false;
  private partial = '';

  constructor(
    readonly id: NodeId,
    private readonly args: readonly string[],
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/tob-lab.js'), 'live', '--headless', ...this.args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: '1' },
    });
    this.child = child;
    this.ready = false;
    this.role = 'follower';
    this.delivered = 0;
    this.partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.take(chunk));
    child.stderr.resume();
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
  }

  submit(text: string): void {
    this.child?.stdin.write(text + '\n');
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** A clean stop: end of input; SIGKILL if it overstays the bound. */
  async end(timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private take(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(part) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (line.type === 'ready') this.ready = true;
      if (line.type === 'deliver') this.delivered += 1;
      if (line.type === 'announce') {
        this.role = String(line.role);
        this.term = typeof line.term === 'number' ? line.term : this.term;
      }
    }
  }
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The running node that announced itself leader in the highest term, if any. */
function currentLeader(nodes: readonly NodeProcess[]): NodeProcess | null {
  let best: NodeProcess | null = null;
  for (const node of nodes) {
    if (node.running && node.role === 'leader' && (best === null || node.term > best.term)) best = node;
  }
  return best;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const random = mulberry32(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'tob-lab-raft-soak-'));
  const ports = await freePorts(options.nodes);
  const peers = ports.map((port, index) => `${index + 1}=127.0.0.1:${port}`).join(',');
  const nodes = ports.map(
    (_, index) =>
      new NodeProcess(index + 1, [
        '--id',
        String(index + 1),
        '--peers',
        peers,
        '--protocol',
        'raft',
        '--data',
        dataDir,
        '--seed',
        String(options.seed * 100 + index),
      ]),
  );
  let submitted = 0;
  let leaderKills = 0;
  let submitting = true;
  try {
    for (const node of nodes) node.start();
    if (!(await waitFor(() => nodes.every((node) => node.ready), 30_000)))
      throw new Error('the nodes never became ready');
    const stream = (async () => {
      while (submitting) {
        const running = nodes.filter((node) => node.running && node.ready);
        const target = running[Math.floor(random() * running.length)];
        if (target !== undefined) {
          submitted += 1;
          target.submit(`soak ${submitted}`);
        }
        await sleep(options.submitIntervalMs);
      }
    })();
    for (let cycle = 1; cycle <= options.cycles; cycle += 1) {
      await sleep(options.cycleMs * (0.5 + random()));
      const leader = currentLeader(nodes);
      const killLeader = leader !== null && random() < options.leaderKillRate;
      const victim = killLeader ? leader : (nodes[Math.floor(random() * nodes.length)] as NodeProcess);
      if (killLeader) leaderKills += 1;
      await victim.kill9();
      await sleep(options.downMs * (0.5 + random()));
      victim.start();
      await waitFor(() => victim.ready, 30_000);
      if (cycle % 10 === 0 || cycle === options.cycles) {
        options.log(
          `cycle ${cycle}/${options.cycles}: killed node ${victim.id}${killLeader ? ' (the leader)' : ''}; ${submitted} submitted so far`,
        );
      }
    }
    submitting = false;
    await stream;
    const livenessAtMs = Date.now();
    // Every submission that reached a node is retried until committed; wait until all nodes agree on the count.
    const settled = await settle(
      () => nodes.map((node) => historyDeliveries(dataDir, node.id)),
      options.settleMs,
      options.settleStallMs,
    );
    for (const node of nodes) await node.end();
    const history = mergeHistories(
      nodes.map((node) => nodeFiles(dataDir, node.id).history),
      [{ type: 'phase', phase: 'liveness', i: -1, t: livenessAtMs } as HistoryEvent],
    );
    const judged = judge(history, options.cycles, leaderKills, submitted, settled);
    return { ...judged, dataDir: options.keep ? dataDir : null };
  } finally {
    submitting = false;
    for (const node of nodes) await node.kill9();
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits until every node has delivered as many messages as the others (true), or nothing changed for `stallMs` (false). */
async function settle(counts: () => number[], timeoutMs: number, stallMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let changedAt = Date.now();
  while (Date.now() < deadline) {
    const now = counts();
    if (new Set(now).size === 1) return true;
    if (now.join() !== last) {
      last = now.join();
      changedAt = Date.now();
    } else if (Date.now() - changedAt > stallMs) {
      return false;
    }
    await sleep(200);
  }
  return false;
}

/** Deliveries in a node's history file so far (across its restarts), read fresh from disk. */
function historyDeliveries(dataDir: string, id: NodeId): number {
  try {
    const history = mergeHistories([nodeFiles(dataDir, id).history]);
    return new Set(
      history.events.filter((event) => event.type === 'deliver').map((event) => (event as { id: string }).id),
    ).size;
  } catch {
    return -1;
  }
}

/** The node's 'applied' records in log order: each ends a batch of entries applied (and to be delivered) at once. */
type Deliveries = Map<NodeId, Array<{ id: string; index: number }>>;

function deliveriesByNode(history: History): { sequences: Deliveries; duplicates: number; acked: Set<string> } {
  const sequences: Deliveries = new Map();
  let duplicates = 0;
  const acked = new Set<string>();
  for (const event of history.events) {
    if (event.type === 'ack') acked.add(event.id);
    if (event.type !== 'deliver') continue;
    const sequence = sequences.get(event.node) ?? [];
    if (sequence.some((delivered) => delivered.id === event.id)) duplicates += 1;
    else sequence.push({ id: event.id, index: typeof event.order?.index === 'number' ? event.order.index : -1 });
    sequences.set(event.node, sequence);
  }
  return { sequences, duplicates, acked };
}

/** Node pairs that deliver two common messages in opposite orders. */
function countOrderDisagreements(sequences: Deliveries): number {
  const all = [...sequences.values()].map((sequence) => sequence.map((delivered) => delivered.id));
  let disagreements = 0;
  for (let a = 0; a < all.length; a += 1) {
    for (let b = a + 1; b < all.length; b += 1) {
      const position = new Map((all[b] as string[]).map((id, index) => [id, index]));
      let highest = -1;
      for (const id of all[a] as string[]) {
        const at = position.get(id);
        if (at === undefined) continue;
        if (at < highest) {
          disagreements += 1;
          break;
        }
        highest = at;
      }
    }
  }
  return disagreements;
}

function judge(
  history: History,
  cycles: number,
  leaderKills: number,
  submitted: number,
  settled: boolean,
): Omit<SoakResult, 'dataDir'> {
  const { sequences, duplicates, acked } = deliveriesByNode(history);
  let acknowledgedLost = 0;
  for (const node of history.nodes) {
    const have = new Set((sequences.get(node) ?? []).map((delivered) => delivered.id));
    for (const id of acked) if (!have.has(id)) acknowledgedLost += 1;
  }
  const deliveredByNode: Record<string, number> = {};
  for (const [node, sequence] of sequences) deliveredByNode[String(node)] = sequence.length;
  const verdicts = runCheckers(history).map((verdict) => ({
    checker: verdict.checker,
    status: verdict.status,
    summary: verdict.summary,
  }));
  const orderDisagreements = countOrderDisagreements(sequences);
  return {
    cycles,
    leaderKills,
    submitted,
    acked: acked.size,
    deliveredByNode,
    acknowledgedLost,
    duplicates,
    orderDisagreements,
    settled,
    verdicts,
  };
}

export function formatSoak(result: SoakResult): string {
  return [
    `raft kill -9 soak: ${result.cycles} cycles, ${result.leaderKills} of them killed the leader`,
    `submissions sent ${result.submitted}, acknowledged ${result.acked}, delivered per node ${JSON.stringify(result.deliveredByNode)}`,
    `acknowledged-lost: ${result.acknowledgedLost} (node deliveries of acknowledged messages missing at the end)`,
    `duplicates: ${result.duplicates}`,
    `order-disagreements: ${result.orderDisagreements}`,
    `settled (every node delivered the same set at the end): ${result.settled ? 'yes' : 'NO'}`,
    ...result.verdicts.map(
      (verdict) => `  ${verdict.status.padEnd(5)} ${verdict.checker.padEnd(18)} ${verdict.summary}`,
    ),
    ...(result.dataDir === null ? [] : [`data and node histories kept in ${result.dataDir}`]),
  ].join('\n');
}

const USAGE = `usage: npm run soak:raft -- [--cycles N] [--nodes K] [--seed S] [--leader-kill-rate R] [--keep]
  --cycles N            kill/restart cycles (default ${SOAK_DEFAULTS.cycles})
  --nodes K             cluster size, 3 to 7 (default ${SOAK_DEFAULTS.nodes})
  --seed S              seeds the soak's choices and the nodes' random streams (default ${SOAK_DEFAULTS.seed})
  --leader-kill-rate R  chance a cycle kills the leader, 0 to 1 (default ${SOAK_DEFAULTS.leaderKillRate})
  --keep                keep the data directory (node logs and histories) for a look afterwards
Exit codes: 0 all counts 0, 1 a loss, duplicate or order disagreement, 2 the cluster did not settle, 64 usage error.`;

function parseArgs(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { ...SOAK_DEFAULTS, log: (line) => console.log(line) };
  const number = (flag: string, value: string | undefined, min: number, max: number): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new Error(`${flag} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    const value = argv[index + 1];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (arg === '--keep') {
      options.keep = true;
      continue;
    }
    index += 1;
    if (arg === '--cycles') options.cycles = Math.floor(number(arg, value, 1, 100_000));
    else if (arg === '--nodes') options.nodes = Math.floor(number(arg, value, 3, 7));
    else if (arg === '--seed') options.seed = Math.floor(number(arg, value, 0, 2 ** 31));
    else if (arg === '--leader-kill-rate') options.leaderKillRate = number(arg, value, 0, 1);
    else throw new Error(`unknown option ${JSON.stringify(arg)}`);
  }
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let options: SoakOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`soak:raft: ${(error as Error).message}\n${USAGE}`);
    process.exit(64);
  }
  const result = await runSoak(options);
  console.log(formatSoak(result));
  const broken = result.acknowledgedLost + result.duplicates + result.orderDisagreements > 0;
  process.exit(broken ? 1 : result.settled ? 0 : 2);
}
