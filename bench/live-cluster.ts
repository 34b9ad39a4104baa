import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invariant } from '../src/core/assert.ts';
import { nowMs } from './measure.ts';
import { REPO_ROOT } from './spawn.ts';

/** A line from a headless node longer than this is a runaway; the cluster is stopped rather than buffering it. */
const LINE_BYTES_MAX = 1 << 20;
const STOP_WAIT_MS = 5_000;
const START_ATTEMPTS_MAX = 3;
const LEADER_WAIT_MS = 20_000;

interface NodeProcess {
  id: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  ready: boolean;
}

/**
 * Three (or more) `tob-lab live --headless` processes on 127.0.0.1, fed submissions on stdin and read as JSON
 * lines on stdout. Times are the bench's own clock: a submission's when its line is written, a delivery's when
 * the node's line about it is read, so latencies include the pipes (about the same for every message).
 */
export class LiveCluster {
  readonly submittedAtMs = new Map<string, number>();
  /** Payloads in delivery order, per node. */
  readonly delivered = new Map<number, string[]>();
  /** Submit-to-deliver latencies, every (payload, node) pair, in ms. */
  readonly latenciesMs: number[] = [];
  /** When each payload was delivered by every node. */
  readonly completedAtMs = new Map<string, number>();
  leader: number | null = null;
  private readonly deliveredCount = new Map<string, number>();
  private readonly nodes: NodeProcess[] = [];
  private failure: string | null = null;

  private constructor(
    readonly size: number,
    private readonly dataRoot: string,
    private readonly extraArgs: readonly string[],
  ) {
    for (let id = 1; id <= size; id += 1) this.delivered.set(id, []);
  }

  /** Starts the processes and waits for a leader; retries on fresh ports when one cannot listen. */
  static async start(size: number, extraArgs: readonly string[] = []): Promise<LiveCluster> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt += 1) {
      const cluster = new LiveCluster(size, mkdtempSync(join(tmpdir(), 'tob-lab-bench-live-')), extraArgs);
      const basePort = 20_000 + Math.floor(Math.random() * 40_000);
      cluster.launch(basePort);
      if (await cluster.waitFor(() => cluster.leader !== null && cluster.nodes.every((node) => node.ready), LEADER_WAIT_MS)) {
        return cluster;
      }
      lastProblem = cluster.failure ?? `no leader within ${LEADER_WAIT_MS} ms`;
      await cluster.stop();
    }
    throw new Error(`the live cluster did not start: ${lastProblem}`);
  }

  get problem(): string | null {
    return this.failure;
  }

  submit(node: number, payload: string): void {
    const target = this.nodes[node - 1];
    invariant(target !== undefined, `no live node ${node}`);
    this.submittedAtMs.set(payload, nowMs());
    target.child.stdin?.write(`${payload}\n`);
  }

  /** Resolves true as soon as `done()` holds (checked every 5 ms), false at the deadline or on a failure. */
  async waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadlineMs = nowMs() + timeoutMs;
    while (!done()) {
      if (this.failure !== null || nowMs() >= deadlineMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) node.child.stdin?.end('/quit\n');
    await Promise.all(
      this.nodes.map(async (node) => {
        const timer = setTimeout(() => node.child.kill('SIGKILL'), STOP_WAIT_MS);
        await node.exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dataRoot, { recursive: true, force: true });
  }

  private launch(basePort: number): void {
    const peers = Array.from({ length: this.size }, (_, index) => `${index + 1}=127.0.0.1:${basePort + index}`).join(',');
    for (let id = 1; id <= this.size; id += 1) {
      const args = ['bin/tob-lab.js', 'live', '--headless', '--id', String(id), '--peers', peers, '--data', join(this.dataRoot, `node${id}`), ...this.extraArgs];
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      const node: NodeProcess = {
        id,
        child,
        ready: false,
        exited: new Promise((resolve) => child.once('close', (code) => resolve(code))),
      };
      void node.exited.then((code) => {
        if (this.failure === null) this.failure = `node ${id} exited (code ${code})`;
      });
      this.read(node);
      this.nodes.push(node);
    }
  }

  private read(node: NodeProcess): void {
    let buffered = '';
    let stderrTail = '';
    node.child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2_000);
    });
    node.child.once('close', () => {
      if (this.failure === null && stderrTail !== '') this.failure = `node ${node.id}: ${stderrTail.trim().split('\n').at(-1)}`;
    });
    node.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.length > LINE_BYTES_MAX) {
        this.failure = `node ${node.id} printed a line over ${LINE_BYTES_MAX} bytes`;
        buffered = '';
        return;
      }
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) this.onLine(node, JSON.parse(line) as Record<string, unknown>);
    });
  }

  private onLine(node: NodeProcess, line: Record<string, unknown>): void {
    if (line.type === 'ready') node.ready = true;
    else if (line.type === 'announce' && line.role === 'leader') this.leader = node.id;
    else if (line.type === 'deliver' && typeof line.payload === 'string') this.onDeliver(node.id, line.payload);
  }

  private onDeliver(node: number, payload: string): void {
    const atMs = nowMs();
    this.delivered.get(node)?.push(payload);
    const submittedMs = this.submittedAtMs.get(payload);
    if (submittedMs !== undefined) this.latenciesMs.push(atMs - submittedMs);
    const count = (this.deliveredCount.get(payload) ?? 0) + 1;
    this.deliveredCount.set(payload, count);
    if (count === this.size) this.completedAtMs.set(payload, atMs);
  }
}

/** Whether every two nodes delivered their common payloads in the same relative order. */
export function sameOrder(sequences: readonly (readonly string[])[]): boolean {
  for (let a = 0; a < sequences.length; a += 1) {
    for (let b = a + 1; b < sequences.length; b += 1) {
      const inB = new Set(sequences[b]);
      const inA = new Set(sequences[a]);
      const left = sequences[a].filter((payload) => inB.has(payload));
      const right = sequences[b].filter((payload) => inA.has(payload));
      if (left.length !== right.length || left.some((payload, index) => payload !== right[index])) return false;
    }
  }
  return true;
}
