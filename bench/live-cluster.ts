import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, type NodeOutput } from '../src/cluster/node-process.ts';
import { invariant } from '../src/core/assert.ts';
import { nowMs } from './measure.ts';
import { REPO_ROOT } from './spawn.ts';

const STOP_WAIT_MS = 5_000;
const START_ATTEMPTS_MAX = 3;
const LEADER_WAIT_MS = 20_000;

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
      if (
        await cluster.waitFor(
          () => cluster.leader !== null && cluster.nodes.every((node) => node.ready),
          LEADER_WAIT_MS,
        )
      ) {
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
    target.submit(payload);
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
    await Promise.all(this.nodes.map((node) => node.stop(STOP_WAIT_MS)));
    rmSync(this.dataRoot, { recursive: true, force: true });
  }

  /** Starts every node through the lab's one node-process launcher (src/cluster/node-process.ts). */
  private launch(basePort: number): void {
    const peers = Array.from({ length: this.size }, (_, index) => `${index + 1}=127.0.0.1:${basePort + index}`).join(
      ',',
    );
    for (let id = 1; id <= this.size; id += 1) {
      const liveArgs = [
        '--headless',
        '--id',
        String(id),
        '--peers',
        peers,
        '--data',
        join(this.dataRoot, `node${id}`),
        ...this.extraArgs,
      ];
      const spec = { id, command: process.execPath, commandArgs: ['bin/tob-lab.js'], liveArgs, cwd: REPO_ROOT };
      const node = new NodeProcess(spec, {
        output: (from, line) => this.onLine(from, line),
        exit: (from, expected, description) => {
          if (expected || this.failure !== null) return;
          const lastStderrLine = node.stderr.trim().split('\n').at(-1);
          this.failure = `node ${from} ${description}${lastStderrLine ? `: ${lastStderrLine}` : ''}`;
        },
      });
      node.start();
      this.nodes.push(node);
    }
  }

  private onLine(node: number, line: NodeOutput): void {
    if (line.type === 'announce' && line.role === 'leader') this.leader = node;
    else if (line.type === 'deliver' && typeof line.payload === 'string') this.onDeliver(node, line.payload);
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
