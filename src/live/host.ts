import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { invariant } from '../core/assert.ts';
import type { HistoryEvent } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import type { Json, JsonObject } from '../core/json.ts';
import {
  acceptsMessage,
  type Announcement,
  type Delivery,
  type NodeContext,
  type NodeStatus,
  type ProtocolDefinition,
  type ProtocolNode,
} from '../core/node.ts';
import { randomStream, type RandomStream } from '../core/rng.ts';
import { FRAME_BYTES_FLOOR, PAYLOAD_LENGTH_MAX } from '../protocols/shared/schema.ts';
import { FRAME_BYTES_MAX_DEFAULT, formatAddress, LiveConfigError, type Address } from './config.ts';
import {
  capturedRecords,
  commitBatch,
  EffectCapture,
  hostDelivery,
  jsonCopy,
  type Capture,
  type HostLine,
} from './commit.ts';
import { HandlerQueue, type Work } from './handler-queue.ts';
import { countDeliveries, HistoryFile, type UnplacedEvent } from './history-file.ts';
import type { InboundLimits } from './inbound.ts';
import type { OutboundLimits } from './outbound.ts';
import {
  DurableLog,
  prepareDataDirectory,
  readBootState,
  storageErrorOf,
  StorageError,
  writeBootState,
  type BootState,
} from './storage.ts';
import { HandlerTimers } from './timers.ts';
import { Transport, type DropWhy, type PeerState } from './transport.ts';

export interface HostLimits {
  /** Handler work waiting to run at most; beyond it peer messages are dropped and submissions refused. */
  workQueueMax: number;
  /**
   * Above this much waiting work the node stops reading its sockets (and asks the application to stop
   * submitting, see the 'pressure' event) until the queue is down to half of it: a backlog stays short, so timers
   * and heartbeats never wait behind thousands of messages.
   */
  workQueueHigh: number;
  /** Handlers per group commit at most: their effects wait for the batch's one fdatasync. */
  batchHandlersMax: number;
  /** A submission's payload in UTF-8 bytes at most, so a sequenced entry (and a catch-up batch) fits a frame. */
  payloadBytesMax: number;
  /** How often a throwing protocol is rebuilt from its log before the node gives up and stops. */
  protocolRestartsMax: number;
  /** Repeated notes of one kind (drops to a dead peer) at most once per this interval. */
  noteIntervalMs: number;
}

export const HOST_LIMITS_DEFAULT: HostLimits = {
  workQueueMax: 10_000,
  workQueueHigh: 1_000,
  batchHandlersMax: 256,
  payloadBytesMax: 4096,
  protocolRestartsMax: 8,
  noteIntervalMs: 1_000,
};

export interface LiveNodeConfig {
  id: NodeId;
  /** Every node of the cluster, this one included, and where it listens. */
  addresses: ReadonlyMap<NodeId, Address>;
  protocol: ProtocolDefinition;
  /** Merged over the protocol's defaults. */
  options?: JsonObject;
  dataDir: string;
  secret?: string | null;
  /** Seeds the node's random stream and the reconnect jitter; by default derived from the node id. */
  seed?: number | string;
  frameBytesMax?: number;
  /**
   * fdatasync the log at each group commit (default true). False only for measurements: a machine crash (not a
   * process crash: the kernel keeps what was written) can then lose what was acknowledged.
   */
  syncLog?: boolean;
  limits?: Partial<HostLimits>;
  inbound?: Partial<InboundLimits>;
  outbound?: Partial<OutboundLimits>;
}

export type LiveEvent =
  | { type: 'ready'; listen: string; boot: number }
  | { type: 'submitted'; id: SubmissionId; payload: string; t: number }
  | { type: 'deliver'; delivery: Delivery; t: number }
  | { type: 'announce'; announcement: Announcement; t: number }
  | { type: 'note'; text: string; source: 'host' | 'protocol'; t: number }
  | { type: 'peers' }
  /** The handler queue went above workQueueHigh (high: true) or back to half of it: stop or resume submitting. */
  | { type: 'pressure'; high: boolean }
  | { type: 'stopped'; reason: string | null };

export type SubmitOutcome = { ok: true; id: SubmissionId } | { ok: false; problem: string };

/** Deliveries a LiveNode keeps for screens that attach late (the chat, after ink has loaded). */
const RECENT_DELIVERIES_MAX = 1000;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export function nodeFiles(dataDir: string, id: NodeId): { log: string; history: string; boot: string } {
  return {
    log: join(dataDir, `node-${id}.log.jsonl`),
    history: join(dataDir, `node-${id}.history.jsonl`),
    boot: join(dataDir, `node-${id}.boot`),
  };
}

/**
 * Runs one protocol node over real time, sockets and files: the live counterpart of the simulator, for the very
 * same node code. Handlers run one at a time from a bounded queue, in batches (handler-queue.ts); what each
 * handler asks of its context is captured, and the batch is committed as a group (commit.ts): its records are
 * written and fdatasync'd once, before any of its sends, deliveries or acks leave the process, in EFFECT_ORDER.
 * A crash before the sync loses only effects nobody has seen; a crash after it can leave deliveries unshown,
 * which the next start hands over (see openFiles). This class keeps the lifecycle (start, recovery, stop), the
 * application side (submit, status, events) and the wiring of transport, files, queue and timers.
 */
export class LiveNode {
  readonly id: NodeId;
  readonly nodes: readonly NodeId[];
  readonly peers: readonly NodeId[];
  readonly protocol: ProtocolDefinition;
  readonly options: JsonObject;
  readonly dataDir: string;
  boot = 0;
  listenAddress: Address | null = null;
  private readonly limits: HostLimits;
  private state: State = 'new';
  private instance: ProtocolNode | null = null;
  private readonly context: NodeContext;
  private transport: Transport | null = null;
  private log: DurableLog | null = null;
  private history: HistoryFile | null = null;
  /** Every durable record, in order: what a rebuilt instance recovers from. */
  private durable: Json[] = [];
  private readonly queue: HandlerQueue<Capture>;
  private readonly timers: HandlerTimers;
  private readonly captures: EffectCapture;
  private refCounter = 0;
  private submissionCounter = 0;
  private restartsLeft: number;
  /** Set when the node stopped because its storage failed: the CLI exits with EXIT_STORAGE then. */
  storageFailure: StorageError | null = null;
  private readonly recent: Delivery[] = [];
  private random: RandomStream | null = null;
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly noteTimes = new Map<string, { lastMs: number; suppressed: number }>();
  private stopping: Promise<void> | null = null;
  private resolveStopped: (reason: string | null) => void = () => {};
  /** Resolves when the node has stopped: null after a clean stop, else why it stopped. */
  readonly stopped: Promise<string | null>;

  constructor(private readonly config: LiveNodeConfig) {
    this.id = config.id;
    this.nodes = [...config.addresses.keys()].sort((a, b) => a - b);
    invariant(
      this.nodes.includes(config.id),
      `node ${config.id} is not among the addresses (${this.nodes.join(', ')})`,
    );
    this.peers = this.nodes.filter((node) => node !== config.id);
    this.protocol = config.protocol;
    this.options = { ...config.protocol.defaults, ...(config.options ?? {}) };
    this.dataDir = config.dataDir;
    this.limits = { ...HOST_LIMITS_DEFAULT, ...(config.limits ?? {}) };
    const frameBytesMax = config.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
    invariant(
      frameBytesMax >= FRAME_BYTES_FLOOR,
      `frameBytesMax ${frameBytesMax} is below the floor ${FRAME_BYTES_FLOOR}`,
    );
    // The schemas refuse longer payloads; a submission is bytes, never fewer than its UTF-16 length.
    invariant(
      this.limits.payloadBytesMax <= PAYLOAD_LENGTH_MAX,
      `payloadBytesMax must be at most ${PAYLOAD_LENGTH_MAX}`,
    );
    this.restartsLeft = this.limits.protocolRestartsMax;
    this.queue = this.makeQueue();
    this.timers = new HandlerTimers((name, token) => this.queue.enqueue({ kind: 'timer', name, token }));
    this.captures = new EffectCapture(`protocol ${this.protocol.name}`);
    this.context = this.makeContext();
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  onEvent(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * Listens first (a second process for the same node fails there, before it touches the files), then recovers
   * the log, announces ready, connects to the peers and boots the protocol.
   */
  async start(): Promise<void> {
    invariant(this.state === 'new', `node ${this.id} was started already`);
    this.state = 'starting';
    const files = nodeFiles(this.config.dataDir, this.id);
    const previous = this.prepareDirectory(files.boot);
    this.boot = (previous?.boot ?? 0) + 1;
    const seed = this.config.seed ?? `node-${this.id}`;
    this.random = randomStream(seed, `live:node:${this.id}:boot:${this.boot}`);
    this.transport = this.makeTransport(randomStream(seed, `live:links:${this.id}:boot:${this.boot}`));
    let owed: Delivery[] = [];
    try {
      this.listenAddress = await this.transport.listen();
      owed = this.openFiles(files, previous);
    } catch (error) {
      await this.transport.close();
      this.closeFiles();
      this.state = 'stopped';
      throw error;
    }
    this.emit({ type: 'ready', listen: formatAddress(this.listenAddress), boot: this.boot });
    this.state = 'running';
    this.emitOwed(owed);
    this.transport.connect();
    this.instance = this.protocol.create({ id: this.id, nodes: this.nodes, options: this.options });
    this.queue.putFirst({ kind: 'start' });
    this.queue.drain();
  }

  /**
   * Recovers the log (checksums, torn tail), checks it against what the boot file and the history say it held,
   * and returns the deliveries it holds that the history never showed: persisted, but the process died before
   * handing them to the application.
   */
  private openFiles(files: ReturnType<typeof nodeFiles>, previous: BootState | null): Delivery[] {
    const { log, recovery } = DurableLog.open(files.log, previous?.logLines ?? 0);
    this.log = log;
    if (previous !== null && recovery.lines.length < previous.logLines) {
      throw new StorageError(
        `${files.log} holds ${recovery.lines.length} records, but it held ${previous.logLines} ` +
          `when node ${this.id} last started or stopped: ` +
          'records were lost (the file was cut or replaced); restore it from a copy',
      );
    }
    const logged = recovery.lines
      .filter((line) => line.kind === 'host')
      .map((line, index) => hostDelivery(line.value, files.log, index));
    const shown = countDeliveries(files.history, this.id);
    if (shown > logged.length) {
      throw new StorageError(
        `${files.log} holds ${logged.length} deliveries, but node ${this.id}'s history shows ${shown} delivered: ` +
          'records were lost from the log (the file was cut or replaced); restore it from a copy',
      );
    }
    writeBootState(files.boot, { boot: this.boot, protocol: this.protocol.name, running: true, logLines: log.count });
    this.history = new HistoryFile(files.history, this.id, this.nodes);
    this.history.onFailure = (error) => this.failStorage(error);
    this.durable = recovery.lines.filter((line) => line.kind === 'record').map((line) => line.value);
    if (previous !== null) this.recordRestart(previous.running);
    if (recovery.note !== null) this.note(recovery.note);
    return logged.slice(shown);
  }

  /** Hands the application what was persisted but never shown, in log order, before anything new. */
  private emitOwed(owed: readonly Delivery[]): void {
    if (owed.length === 0) return;
    this.note(`handing over ${owed.length} deliveries persisted before the previous run stopped but never shown`);
    for (const delivery of owed) this.emitDelivery(delivery);
  }

  private emitDelivery(delivery: Delivery): void {
    const event = this.record({ type: 'deliver', node: this.id, ...delivery });
    this.recent.push(delivery);
    if (this.recent.length > RECENT_DELIVERIES_MAX) this.recent.shift();
    this.emit({ type: 'deliver', delivery, t: event.t });
  }

  /** The latest deliveries (up to RECENT_DELIVERIES_MAX), for a screen that starts listening after the node. */
  recentDeliveries(): Delivery[] {
    return this.recent.slice();
  }

  /** The disk failed: stop before anything depends on what could not be written. */
  private failStorage(error: unknown): void {
    const failure = error instanceof StorageError ? error : storageErrorOf(error, 'use the data directory');
    if (this.storageFailure !== null) return;
    this.storageFailure = failure;
    this.note(`storage failed: ${failure.message}; stopping before anything depends on it`);
    void this.stop(`storage failed: ${failure.message}`);
  }

  private prepareDirectory(bootPath: string): BootState | null {
    prepareDataDirectory(this.config.dataDir);
    const previous = readBootState(bootPath);
    if (previous !== null && previous.protocol !== this.protocol.name) {
      throw new LiveConfigError(
        `${this.config.dataDir} holds node ${this.id}'s log of protocol ${previous.protocol}, ` +
          `not ${this.protocol.name}; use another --data directory (or remove that one)`,
      );
    }
    return previous;
  }

  /** A restart is a crash (dated when the previous run was last seen) followed by a boot from the log. */
  private recordRestart(previousRunning: boolean): void {
    const history = this.history as HistoryFile;
    history.record({ type: 'crash', node: this.id }, history.previousLastMs ?? undefined);
    history.record({ type: 'restart', node: this.id });
    this.note(
      previousRunning
        ? `boot ${this.boot}: the previous run did not stop cleanly (killed or crashed); recovering from the log`
        : `boot ${this.boot}: restarting after a clean stop; recovering from the log`,
    );
  }

  private makeTransport(random: RandomStream): Transport {
    const config = {
      id: this.id,
      addresses: this.config.addresses,
      secret: this.config.secret ?? null,
      frameBytesMax: this.config.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT,
      isMessage: (value: unknown) => acceptsMessage(this.protocol, value),
      random,
      inbound: this.config.inbound,
      outbound: this.config.outbound,
    };
    return new Transport(config, {
      onFrame: (from, msg, ref) => this.queue.enqueue({ kind: 'message', from, msg, ref }),
      onDrop: (to, ref, why) => this.onDrop(to, ref, why),
      onNote: (text) => this.note(text),
      onDropNote: (key, text) => this.throttledNote(`inbound:${key}`, text),
      onStateChange: () => this.emit({ type: 'peers' }),
    });
  }

  // ---------------------------------------------------------------- the application side

  /** Hands a payload to the protocol for broadcast; returns the submission id, or why it was refused. */
  submit(payload: string): SubmitOutcome {
    if (this.state !== 'running') return { ok: false, problem: `node ${this.id} is not running` };
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > this.limits.payloadBytesMax) {
      return { ok: false, problem: `the message is ${bytes} bytes; at most ${this.limits.payloadBytesMax} bytes fit` };
    }
    if (this.queue.full) return { ok: false, problem: `node ${this.id} is overloaded; try again` };
    this.submissionCounter += 1;
    const id = `${this.id}-${this.boot}-${this.submissionCounter}`;
    const event = this.record({ type: 'submit', node: this.id, id, payload });
    this.emit({ type: 'submitted', id, payload, t: event.t });
    this.queue.enqueue({ kind: 'submit', id, payload });
    return { ok: true, id };
  }

  status(): NodeStatus | null {
    return this.state === 'running' && this.instance !== null ? this.instance.status() : null;
  }

  peerStates(): PeerState[] {
    return this.transport?.peers() ?? [];
  }

  /** Stops timers and links, marks the clean stop in the history and the boot file. Idempotent. */
  stop(reason: string | null = null): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.stopping = this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string | null): Promise<void> {
    // A clean stop first handles what was accepted already (drains are deferred to the next turn, see enqueue).
    if (reason === null) this.queue.flush(1_000);
    const wasRunning = this.state === 'running' || this.state === 'starting';
    this.state = 'stopping';
    this.timers.clear();
    this.queue.clear();
    await this.transport?.close();
    if (wasRunning && this.history !== null) {
      this.record({ type: 'log', node: this.id, text: reason === null ? 'stopped cleanly' : `stopped: ${reason}` });
      // After a storage failure the boot file stays "running": the next start treats this as a crash.
      if (this.storageFailure === null) {
        const state = { boot: this.boot, protocol: this.protocol.name, running: false, logLines: this.log?.count ?? 0 };
        try {
          writeBootState(nodeFiles(this.config.dataDir, this.id).boot, state);
        } catch (error) {
          this.storageFailure = error instanceof StorageError ? error : storageErrorOf(error, 'write the boot file');
        }
      }
    }
    this.closeFiles();
    this.state = 'stopped';
    this.emit({ type: 'stopped', reason });
    this.resolveStopped(reason);
  }

  private closeFiles(): void {
    this.log?.close();
    this.history?.close();
  }

  // ---------------------------------------------------------------- handlers, one at a time

  /** The handler queue, drained in batches (group commit): see handler-queue.ts and commit.ts. */
  private makeQueue(): HandlerQueue<Capture> {
    return new HandlerQueue<Capture>(this.limits, {
      accepting: () => this.state === 'running' || this.state === 'starting',
      running: () => this.state === 'running',
      run: (work) => this.run(work),
      commit: (batch) => {
        if (this.storageFailure !== null) return;
        commitBatch(batch, this.log as DurableLog, this.config.syncLog !== false, (error) => this.failStorage(error));
      },
      pressure: (high) => {
        this.transport?.setReading(!high);
        this.emit({ type: 'pressure', high });
      },
      refused: (work) => {
        const what = work.kind === 'message' ? `message ${work.ref} from node ${work.from}` : `${work.kind} work`;
        this.throttledNote('queue-full', `handler queue full (${this.limits.workQueueMax}): ${what} dropped`);
      },
    });
  }

  /** Runs one handler; returns what it did (its records not yet written), or null. */
  private run(work: Work): Capture | null {
    const instance = this.instance;
    invariant(instance !== null, `node ${this.id} has no protocol instance`);
    if (work.kind === 'timer') {
      if (!this.timers.take(work.name, work.token)) return null; // Re-armed or cancelled since it fired.
      this.record({ type: 'timer', node: this.id, name: work.name });
    } else if (work.kind === 'message') {
      this.record({ type: 'receive', node: this.id, from: work.from, msg: work.ref });
    }
    let capture: Capture;
    try {
      capture = this.captures.during(() => this.invoke(instance, work));
    } catch (error) {
      this.onProtocolError(error, work);
      return null;
    }
    // A handler later in this batch that throws rebuilds the node from these, written or not yet: they are ahead
    // of anything its rebuilt instance can do, and commitBatch writes and syncs them before any effect leaves.
    for (const record of capturedRecords(capture)) this.durable.push(record);
    return capture;
  }

  private invoke(instance: ProtocolNode, work: Work): void {
    const ctx = this.context;
    switch (work.kind) {
      case 'start':
        instance.start(ctx, this.durable.slice());
        return;
      case 'message':
        instance.message(ctx, work.from, work.msg);
        return;
      case 'timer':
        instance.timer(ctx, work.name);
        return;
      case 'submit':
        instance.submit(ctx, { id: work.id, payload: work.payload });
        return;
    }
  }

  /**
   * A handler threw: its effects are discarded (nothing it did left the process or reached the disk) and the
   * node is rebuilt from its log, as after a crash, a bounded number of times.
   */
  private onProtocolError(error: unknown, work: Work): void {
    const text = error instanceof Error ? error.message : String(error);
    this.note(`protocol ${this.protocol.name} threw while handling ${work.kind}: ${text}`);
    this.timers.clear();
    this.record({ type: 'crash', node: this.id });
    this.restartsLeft -= 1;
    if (this.restartsLeft < 0) {
      void this.stop(`protocol threw ${this.limits.protocolRestartsMax + 1} times; last: ${text}`);
      return;
    }
    this.note('rebuilding the node from its log; the failed handler had no effect');
    this.record({ type: 'restart', node: this.id });
    this.instance = this.protocol.create({ id: this.id, nodes: this.nodes, options: this.options });
    this.queue.putFirst({ kind: 'start' });
  }

  // ---------------------------------------------------------------- the context the protocol sees

  private makeContext(): NodeContext {
    const effect = (what: string, run: () => void) => this.captures.effect(what, run);
    return {
      id: this.id,
      nodes: this.nodes,
      peers: this.peers,
      send: (to, message) => {
        invariant(this.nodes.includes(to), `send to node ${to}, which is not in the cluster`);
        const body = jsonCopy(message, 'a message');
        effect('send', () => this.transmit(to, body));
      },
      broadcast: (message) => {
        const body = jsonCopy(message, 'a message');
        effect('broadcast', () => {
          for (const peer of this.peers) this.transmit(peer, body);
        });
      },
      setTimer: (name, delayMs) => this.timers.set(name, delayMs),
      cancelTimer: (name) => this.timers.cancel(name),
      persist: (record) => {
        const copy = jsonCopy(record, 'a persisted record');
        this.captures.line('persist', { kind: 'record', value: copy });
        effect('persist', () => this.record({ type: 'persist', node: this.id, record: copy }));
      },
      deliver: (delivery) => {
        const copy = jsonCopy(delivery, 'a delivery');
        const line: HostLine = { deliver: copy };
        this.captures.line('deliver', { kind: 'host', value: line as unknown as Json });
        effect('deliver', () => this.emitDelivery(copy));
      },
      ack: (id) => effect('ack', () => this.record({ type: 'ack', node: this.id, id })),
      announce: (announcement) => {
        const copy = jsonCopy(announcement, 'an announcement');
        effect('announce', () => {
          const event = this.record({ type: 'announce', node: this.id, ...copy });
          this.emit({ type: 'announce', announcement: copy, t: event.t });
        });
      },
      now: () => Math.floor(performance.now()),
      random: () => (this.random as RandomStream).next(),
      log: (text) => effect('log', () => this.note(String(text), 'protocol')),
    };
  }

  private transmit(to: NodeId, body: Json): void {
    this.refCounter += 1;
    const ref = `${this.id}:${this.boot}:${this.refCounter}`;
    this.record({ type: 'send', node: this.id, to, msg: ref, body });
    if (to === this.id) {
      this.queue.enqueue({ kind: 'message', from: this.id, msg: jsonCopy(body, 'a message'), ref });
      return;
    }
    (this.transport as Transport).send(to, body, ref);
  }

  // ---------------------------------------------------------------- history and notes

  private record(event: UnplacedEvent): HistoryEvent {
    if (this.history === null) return { ...event, i: -1, t: Date.now() } as HistoryEvent;
    return this.history.record(event);
  }

  private onDrop(to: NodeId, ref: string, why: DropWhy): void {
    this.record({ type: 'drop', node: this.id, to, msg: ref, reason: why === 'frame-too-large' ? 'invalid' : 'loss' });
    const text = {
      'queue-full': `node ${to} is unreachable and its queue is full: oldest frames dropped`,
      expired: `node ${to} was unreachable for too long: queued frames dropped`,
      'socket-buffer-full': `node ${to} is not reading: frames dropped`,
      closed: `frames to node ${to} dropped at shutdown`,
      'frame-too-large': `a frame to node ${to} was over the frame limit and was dropped`,
    }[why];
    this.throttledNote(`drop:${why}:${to}`, text);
  }

  /** One log line a line of output: history (as a log event) and every listener (stderr, the chat screen). */
  private note(text: string, source: 'host' | 'protocol' = 'host'): void {
    const event = this.record({ type: 'log', node: this.id, text });
    this.emit({ type: 'note', text, source, t: event.t });
  }

  private throttledNote(key: string, text: string): void {
    const nowMs = Date.now();
    const seen = this.noteTimes.get(key);
    if (seen !== undefined && nowMs - seen.lastMs < this.limits.noteIntervalMs) {
      seen.suppressed += 1;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.noteTimes.set(key, { lastMs: nowMs, suppressed: 0 });
    this.note(suppressed === 0 ? text : `${text} (and ${suppressed} more like it)`);
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // A broken screen or printer must not break the node; say so once, in the history only.
        this.record({ type: 'log', node: this.id, text: `an event listener threw: ${(error as Error).message}` });
      }
    }
  }
}
