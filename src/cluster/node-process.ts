import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { invariant } from '../core/assert.ts';
import type { NodeId } from '../core/ids.ts';
import type { Json, JsonObject } from '../core/json.ts';

/**
 * One live node as a child process running `tob-lab live`: the one way the lab starts node processes, for the
 * cluster launcher, the tests (test/support/live.ts) and the live bench (bench/live-cluster.ts). A caller talks to
 * it only through its command-line contract: submissions are stdin lines, what it does comes back as JSON lines on
 * stdout, and faults are signals (SIGKILL for a crash, SIGSTOP/SIGCONT for a pause). A restart spawns a new
 * process with the same arguments, so it recovers from the same data directory.
 */
export interface NodeSpec {
  id: NodeId;
  /** The executable and the arguments before `live` (node and the tob-lab bin). */
  command: string;
  commandArgs: string[];
  /** The arguments after `live`. */
  liveArgs: string[];
  cwd: string;
  /** Added to the launcher's environment (the shared secret travels here, not on a command line `ps` shows). */
  env?: Record<string, string>;
  /** How much of stderr is kept (its tail), to show why the node failed; default STDERR_TAIL_BYTES_MAX. */
  stderrBytesMax?: number;
}

/** A JSON line a node printed on stdout; `type` says which (ready, deliver, announce, submitted, ...). */
export type NodeOutput = JsonObject & { type: string };

export interface NodeProcessEvents {
  output(node: NodeId, line: NodeOutput): void;
  /** The process ended; `expected` is false when the launcher did not ask for it. */
  exit(node: NodeId, expected: boolean, description: string): void;
  /** A stdout line that is not one of the contract's JSON lines (by default it is only counted). */
  unparsed?(node: NodeId, line: string): void;
}

/** A stdout line longer than this is not one of the contract's short JSON lines; it is skipped. */
export const OUTPUT_LINE_BYTES_MAX = 1 << 20;
/** How much of a node's stderr is kept, to show why it failed. */
export const STDERR_TAIL_BYTES_MAX = 4_096;
/** A kill -9 ends a process at once; waiting longer means the process is stuck in the kernel. */
export const KILL_WAIT_MS = 5_000;

export class NodeProcess {
  private child: ChildProcessWithoutNullStreams | null = null;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private stdoutRest = '';
  private stdoutSkipping = false;
  private stderrTail = '';
  /** Every pid this node ever had, so a caller can make sure none is left running. */
  readonly pids: number[] = [];
  readyListen: string | null = null;
  paused = false;
  skippedLines = 0;
  /** How the last incarnation ended (null while running, or when it ended by a signal). */
  lastExitCode: number | null = null;
  /** The signal that ended the last incarnation (null while running, or when it exited by itself). */
  lastSignal: NodeJS.Signals | null = null;

  constructor(
    readonly spec: NodeSpec,
    private readonly events: NodeProcessEvents,
  ) {}

  get id(): NodeId {
    return this.spec.id;
  }

  get running(): boolean {
    return this.child !== null;
  }

  get ready(): boolean {
    return this.child !== null && this.readyListen !== null;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** Spawns a new incarnation; the node is not ready until it prints its `ready` line. */
  start(): void {
    invariant(this.child === null, `node ${this.id} is already running`);
    const { command, commandArgs, liveArgs, cwd } = this.spec;
    const env = { ...process.env, ...(this.spec.env ?? {}) };
    // Its own process group: a Ctrl-C in the terminal reaches the launcher, which then stops the nodes in order.
    const child = spawn(command, [...commandArgs, 'live', ...liveArgs], { cwd, env, stdio: 'pipe', detached: true });
    invariant(child.pid !== undefined || child.exitCode === null, 'spawn returned no process');
    this.child = child;
    this.readyListen = null;
    this.paused = false;
    this.expectingExit = false;
    this.stdoutRest = '';
    this.stdoutSkipping = false;
    // What an earlier run said is no clue to why this one fails.
    this.stderrTail = '';
    if (child.pid !== undefined) this.pids.push(child.pid);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => this.onStdout(text));
    const stderrMax = this.spec.stderrBytesMax ?? STDERR_TAIL_BYTES_MAX;
    child.stderr.on('data', (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-stderrMax)));
    // A write to a process that just died fails with EPIPE; the exit handler reports the death.
    child.stdin.on('error', () => {});
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        this.stderrTail += `\ncould not start: ${error.message}`;
        this.onExit(child, null, null);
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.onExit(child, code, signal);
        resolve();
      });
    });
  }

  private onExit(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.readyListen = null;
    this.paused = false;
    this.lastExitCode = code;
    this.lastSignal = signal;
    const how = signal !== null ? `signal ${signal}` : code !== null ? `code ${code}` : 'no status';
    this.events.exit(this.id, this.expectingExit, `exited with ${how}`);
  }

  private onStdout(text: string): void {
    const lines = (this.stdoutRest + text).split('\n');
    this.stdoutRest = lines.pop() ?? '';
    if (this.stdoutRest.length > OUTPUT_LINE_BYTES_MAX) {
      this.stdoutRest = '';
      this.stdoutSkipping = true;
    }
    for (const line of lines) {
      if (this.stdoutSkipping) {
        // The tail of an over-long line.
        this.stdoutSkipping = false;
        this.skippedLines += 1;
        continue;
      }
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let parsed: Json;
    try {
      parsed = JSON.parse(line) as Json;
    } catch {
      this.onUnparsed(line);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof parsed.type !== 'string') {
      this.onUnparsed(line);
      return;
    }
    const output = parsed as NodeOutput;
    if (output.type === 'ready') this.readyListen = typeof output.listen === 'string' ? output.listen : '?';
    this.events.output(this.id, output);
  }

  private onUnparsed(line: string): void {
    this.skippedLines += 1;
    this.events.unparsed?.(this.id, line);
  }

  /** Hands one submission to the node, as a person typing a line would. */
  submit(payload: string): boolean {
    invariant(!payload.includes('\n'), 'a submission is one line');
    if (this.child === null || this.child.stdin.destroyed) return false;
    this.child.stdin.write(`${payload}\n`);
    return true;
  }

  /** kill -9: no handler runs, nothing is flushed; resolves once the process is gone. */
  async crash(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.expectingExit = true;
    child.kill('SIGKILL');
    await this.waitExit(KILL_WAIT_MS);
  }

  pause(): void {
    if (this.child === null || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.child === null || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** SIGTERM (after SIGCONT, so a paused node can act on it), then SIGKILL once `termWaitMs` passes. */
  async stop(termWaitMs: number): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.expectingExit = true;
    if (this.paused) this.resume();
    child.stdin.end();
    child.kill('SIGTERM');
    if (await this.waitExit(termWaitMs)) return;
    child.kill('SIGKILL');
    await this.waitExit(KILL_WAIT_MS);
  }

  /** Sends `signal` alone (no stdin end first), e.g. to test how a node handles SIGTERM; resolves at its exit. */
  async signal(signal: NodeJS.Signals, waitMs: number): Promise<boolean> {
    const child = this.child;
    if (child === null) return true;
    this.expectingExit = true;
    child.kill(signal);
    return this.waitExit(waitMs);
  }

  /** Ends stdin, which a headless node takes as a clean stop; resolves true once it exits within `waitMs`. */
  async endInput(waitMs: number): Promise<boolean> {
    const child = this.child;
    if (child === null) return true;
    this.expectingExit = true;
    child.stdin.end();
    return this.waitExit(waitMs);
  }

  /** Last resort when the launcher itself is going away: synchronous, no waiting. */
  killNow(): void {
    if (this.child === null) return;
    this.expectingExit = true;
    this.child.kill('SIGKILL');
  }

  /** Whether the process ended within `boundMs`. */
  async waitExit(boundMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), boundMs)));
    const ended = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return ended;
  }
}

/** Whether a process with this pid still exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
