import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeId } from '../../src/core/ids.ts';
import type { JsonObject } from '../../src/core/json.ts';
import type { Delivery, ProtocolDefinition } from '../../src/core/node.ts';
import type { Address } from '../../src/live/config.ts';
import { LiveNode, nodeFiles, type LiveEvent, type LiveNodeConfig } from '../../src/live/host.ts';

/** Helpers for tests of the live host: free loopback ports, polling with a bound, in-process and child clusters. */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POLL_INTERVAL_MS = 10;

export function temporaryDirectory(prefix = 'tob-lab-live-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Ports the OS hands out on 127.0.0.1, all held open at once (so they differ) and then released. Another program
 * could take one in between; on loopback in a test run that is rare enough, and it fails loudly (EADDRINUSE).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
    servers.push(server);
    const address = server.address();
    if (typeof address === 'object' && address !== null) ports.push(address.port);
  }
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

export function loopbackAddresses(ports: readonly number[]): Map<NodeId, Address> {
  return new Map(ports.map((port, index) => [index + 1, { host: '127.0.0.1', port }]));
}

export function peersFlag(ports: readonly number[]): string {
  return ports.map((port, index) => `${index + 1}=127.0.0.1:${port}`).join(',');
}

/** Polls `done` until it holds; fails naming `what` after `timeoutMs` (a bound, never a measurement). */
export async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * Sequencer timings short enough for tests on loopback, long enough for a loaded CI machine. The join timeout
 * matters most: a restarted node that hears nobody within it elects itself, and if it is the highest node and has
 * not yet heard the newest term, it reuses that term (the documented design's crash-restart hazard).
 */
export const FAST_SEQUENCER_OPTIONS: JsonObject = {
  heartbeatIntervalMs: 150,
  leaderTimeoutMs: 1500,
  joinTimeoutMs: 1500,
  electionTimeoutMs: 400,
  coordinatorTimeoutMs: 1500,
  catchupRetryMs: 300,
  retryForwards: true,
};

/** A LiveNode plus everything it emitted, for assertions. */
export interface WatchedNode {
  node: LiveNode;
  deliveries: Delivery[];
  notes: string[];
  events: LiveEvent[];
}

export function watch(node: LiveNode): WatchedNode {
  const watched: WatchedNode = { node, deliveries: [], notes: [], events: [] };
  node.onEvent((event) => {
    watched.events.push(event);
    if (event.type === 'deliver') watched.deliveries.push(event.delivery);
    if (event.type === 'note') watched.notes.push(event.text);
  });
  return watched;
}

export interface InProcessCluster {
  dataDir: string;
  addresses: Map<NodeId, Address>;
  nodes: WatchedNode[];
  historyFiles(): string[];
  stop(): Promise<void>;
}

/** Starts `count` live nodes in this process on free loopback ports, each with its own files in one directory. */
export async function startInProcessCluster(
  count: number,
  protocol: ProtocolDefinition,
  overrides: Partial<LiveNodeConfig> = {},
): Promise<InProcessCluster> {
  const dataDir = overrides.dataDir ?? temporaryDirectory();
  const addresses = loopbackAddresses(await freePorts(count));
  const nodes = [...addresses.keys()].map((id) =>
    watch(new LiveNode({ id, addresses, protocol, dataDir, seed: 1, ...overrides })),
  );
  await Promise.all(nodes.map((watched) => watched.node.start()));
  return {
    dataDir,
    addresses,
    nodes,
    historyFiles: () => [...addresses.keys()].map((id) => nodeFiles(dataDir, id).history),
    stop: async () => {
      await Promise.all(nodes.map((watched) => watched.node.stop()));
    },
  };
}

/** One `tob-lab live --headless` process, its JSON lines and its stderr. */
export class ChildNode {
  readonly lines: Array<Record<string, unknown>> = [];
  stderr = '';
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<void>;
  private partial = '';

  constructor(args: readonly string[], cwd: string = REPO_ROOT) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'bin/tob-lab.js'), 'live', '--headless', ...args], {
      cwd,
      env: { ...process.env, CI: '1' },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.take(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        resolve();
      }),
    );
  }

  get running(): boolean {
    return this.exitCode === null && this.signal === null;
  }

  linesOf(type: string): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line.type === type);
  }

  delivered(): string[] {
    return this.linesOf('deliver').map((line) => String(line.id));
  }

  submit(text: string): void {
    this.child.stdin.write(text + '\n');
  }

  /** SIGTERM: the node should stop cleanly and exit 0. */
  async terminate(timeoutMs = 10_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    return this.exitCode;
  }

  kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Ends stdin (a clean stop) and waits for the exit, killing the process if it overstays `timeoutMs`. */
  async end(timeoutMs = 10_000): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    return this.exitCode;
  }

  private take(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        this.lines.push({ type: 'unparsed', text: part });
      }
    }
  }
}
