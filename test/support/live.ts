import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeId } from '../../src/core/ids.ts';
import type { JsonObject } from '../../src/core/json.ts';
import type { Delivery, ProtocolDefinition } from '../../src/core/node.ts';
import type { Address } from '../../src/live/config.ts';
import { NodeProcess } from '../../src/cluster/node-process.ts';
import { pickNodePorts } from '../../src/cluster/ports.ts';
import { LiveNode, nodeFiles, type LiveEvent, type LiveNodeConfig } from '../../src/live/host.ts';

/** Helpers for tests of the live host: free loopback ports, polling with a bound, in-process and child clusters. */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POLL_INTERVAL_MS = 10;
/** Tests read what a node said on stderr; keep far more of it than the launcher does. */
const STDERR_KEPT_BYTES = 1 << 20;

export function temporaryDirectory(prefix = 'tob-lab-live-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Free loopback ports for a test's nodes, from the launcher's band below the OS's ephemeral range: a node killed
 * and restarted binds its port again, and a port-0 listener elsewhere cannot take it in between.
 */
export function freePorts(count: number): Promise<number[]> {
  return pickNodePorts(count);
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

/**
 * One `tob-lab live --headless` process, its JSON lines and its stderr: a test's view of the lab's one node
 * process launcher (src/cluster/node-process.ts), keeping every line the node printed.
 */
export class ChildNode {
  readonly lines: Array<Record<string, unknown>> = [];
  private readonly process: NodeProcess;

  constructor(args: readonly string[], cwd: string = REPO_ROOT) {
    const spec = {
      id: 0,
      command: process.execPath,
      commandArgs: [join(REPO_ROOT, 'bin/tob-lab.js')],
      liveArgs: ['--headless', ...args],
      cwd,
      env: { CI: '1' },
      stderrBytesMax: STDERR_KEPT_BYTES,
    };
    this.process = new NodeProcess(spec, {
      output: (_node, line) => this.lines.push(line),
      exit: () => {},
      unparsed: (_node, text) => this.lines.push({ type: 'unparsed', text }),
    });
    this.process.start();
  }

  get stderr(): string {
    return this.process.stderr;
  }

  get exitCode(): number | null {
    return this.process.lastExitCode;
  }

  get signal(): NodeJS.Signals | null {
    return this.process.lastSignal;
  }

  get running(): boolean {
    return this.process.running;
  }

  linesOf(type: string): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line.type === type);
  }

  delivered(): string[] {
    return this.linesOf('deliver').map((line) => String(line.id));
  }

  submit(text: string): void {
    this.process.submit(text);
  }

  /** SIGTERM: the node should stop cleanly and exit 0; SIGKILL if it overstays `timeoutMs`. */
  async terminate(timeoutMs = 10_000): Promise<number | null> {
    if (!(await this.process.signal('SIGTERM', timeoutMs))) await this.process.crash();
    return this.exitCode;
  }

  kill9(): Promise<void> {
    return this.process.crash();
  }

  /** Ends stdin (a clean stop) and waits for the exit, killing the process if it overstays `timeoutMs`. */
  async end(timeoutMs = 10_000): Promise<number | null> {
    if (!(await this.process.endInput(timeoutMs))) await this.process.crash();
    return this.exitCode;
  }
}
