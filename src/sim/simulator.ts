import { invariant, InvariantError } from '../core/assert.ts';
import {
  historyIndex,
  isIndexedType,
  OrderInterner,
  type HistoryIndex,
  type MessageRef,
  keepStreamed,
  recordEvent,
  recordedHistory,
  stampEvent,
  streamedHistory,
  type CrashCut,
  type History,
  type HistoryEvent,
  type UnstampedEvent,
} from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { nodeIds } from '../core/ids.ts';
import { COLUMN, storeOf, type EventStore } from '../core/event-store.ts';
import { deepFreeze, isPlainJson, type Json, type JsonObject } from '../core/json.ts';
import {
  acceptsMessage,
  type Delivery,
  type NodeContext,
  type NodeStatus,
  type ProtocolDefinition,
  type ProtocolNode,
} from '../core/node.ts';
import { randomStream, type RandomStream } from '../core/rng.ts';
import { DriftingClock } from './clock.ts';
import { commitCaptured, crashPointProblem, type CapturedOp, type CrashPoint, type EffectKind } from './commit.ts';
import { SimulatedDisk } from './disk.ts';
import { roundMs, type Latency, type LinkConfig } from './network.ts';
import type { DistributiveOmit } from './queue.ts';
import { TimeOrderScheduler, type PendingEvent, type PendingMessage, type Scheduler } from './scheduler.ts';
import { SimulatedNetwork } from './simulated-network.ts';
import { instanceMaterial } from './state-material.ts';

export interface SimulatorConfig {
  seed: number | string;
  protocol: ProtocolDefinition;
  nodeCount: number;
  /** Merged over the protocol's documented defaults. */
  options?: JsonObject;
  network?: Partial<LinkConfig>;
  /** Static latencies of single directed links over `network` (kept through the liveness phase). */
  links?: ReadonlyArray<{ from: NodeId; to: NodeId; latency: Latency }>;
  /** Bounds on the run; reaching one stops it and is recorded in the history. */
  maxTimeMs?: number;
  maxEvents?: number;
  /** Nodes that do not boot at start but when `join` is called (a peer joining a running cluster). */
  joinLater?: readonly NodeId[];
  /** Decides which pending event fires next; the default (time, then insertion order) made every pinned hash. */
  scheduler?: Scheduler;
  /**
   * Deep-freezes every message sent and every record persisted, so a node that mutates one afterwards throws
   * instead of silently rewriting the history, and records events by the checked paths (stampEvent) instead of
   * the fast ones. A run takes 2 to 3 times as long, so it is off by default and on in the test suite
   * (TOB_LAB_FREEZE=1, set in vitest.config.ts) and wherever that variable is set.
   */
  freezeMessages?: boolean;
  /**
   * Streaming mode: every event is handed to `stream` as it is recorded (to be written out), and `history.events`
   * keeps only the events checkers read (see isIndexedType), so memory no longer grows with messages and timers.
   * Event positions `i` still count every event.
   */
  stream?: (event: HistoryEvent) => void;
  /**
   * With `stream`: keep no events at all in `history.events`, for a consumer that judges as the events come
   * (src/check/online.ts), so memory no longer grows with deliveries either.
   */
  streamOnly?: boolean;
}

/** The debug switch for `freezeMessages`: TOB_LAB_FREEZE=1 turns freezing on for every simulator made. */
export const FREEZE_BY_DEFAULT = typeof process !== 'undefined' && process.env.TOB_LAB_FREEZE === '1';

type NodeWork =
  | Extract<PendingEvent, { kind: 'message' | 'timer' }>
  | { kind: 'submit'; id: SubmissionId; payload: string }
  /** A submission a paused node has not read yet: numbered and recorded only when the node reads it. */
  | { kind: 'unread'; payload: string };

/** The handlers of a batch so far, their effects waiting for its commit. */
interface OpenBatch {
  handlers: CapturedOp[][];
  handlersMax: number;
  /** Timers armed from here on were armed inside the batch, and so cannot join it. */
  firstTimerToken: number;
  closesAtMs: number;
}

/** What a handler is run for: the work it handles, or a boot with what the log gave back. */
type HandlerWork =
  Exclude<NodeWork, { kind: 'unread' }> | { kind: 'start'; recovered: readonly Json[]; found: { tornRecords: number } };

interface NodeSlot {
  id: NodeId;
  /** False until the node first boots; messages to it meanwhile are dropped as not-joined. */
  joined: boolean;
  instance: ProtocolNode | null;
  up: boolean;
  paused: boolean;
  /** Timer name -> token of the armed timer; a fired event whose token differs is stale. */
  timers: Map<string, number>;
  /** Durable records: all that survives a crash, unless a storage fault damages it. */
  disk: SimulatedDisk;
  /** Armed by a crash step with a crash point; fires inside the node's next (persisting) handler. */
  crashPoint: CrashPoint | null;
  /** While a crash point is armed or the disk is full, what the running handler does, kept to commit in order. */
  capture: CapturedOp[] | null;
  /** A group commit still taking handlers (a crash point with a batch window is armed); see BatchWindow. */
  batch: OpenBatch | null;
  /** Deliveries synced before a crash cut their effect off, handed to the application at the next boot. */
  owed: Delivery[];
  /** The node's clock reading when this instance booted: `now()` counts from there, as a process clock does. */
  bootClockMs: number;
  /** Work that arrived while paused, handled in arrival order on resume. */
  backlog: NodeWork[];
  clock: DriftingClock;
  random: RandomStream;
  /** Numbers drawn from `random` so far: its position, for state fingerprints. */
  draws: number;
  context: NodeContext;
}

export const DEFAULT_MAX_TIME_MS = 3_600_000;
export const DEFAULT_MAX_EVENTS = 5_000_000;

/** Thrown when a protocol handler throws: the run cannot go on, and the report says where it stopped. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly node: NodeId,
    readonly timeMs: number,
    readonly causeError: unknown,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * The discrete-event simulator: one seed, virtual time, a network model with faults, and a history of every step.
 * Nodes act only through their context, so everything they do passes through here and is recorded.
 */
export class Simulator {
  readonly protocol: ProtocolDefinition;
  readonly nodes: NodeId[];
  readonly options: JsonObject;
  readonly history: History;
  readonly maxTimeMs: number;
  readonly maxEvents: number;
  /** Set when a bound stopped the run. */
  boundHit: 'time' | 'events' | null = null;
  now = 0;
  eventsHandled = 0;

  private readonly scheduler: Scheduler;
  private readonly freezeMessages: boolean;
  private readonly stream: ((event: HistoryEvent) => void) | undefined;
  private readonly streamOnly: boolean;
  /** The history's column store (undefined when streaming) and index: recordColumnar writes to them directly. */
  private readonly store: EventStore | undefined;
  private readonly index: HistoryIndex;
  /** Deliveries whose order equals a recent one share its object (see OrderInterner; recordDelivery). */
  private readonly orders = new OrderInterner();
  /** Events recorded so far: the next event's position (history.events is shorter when streaming). */
  private recorded = 0;
  private readonly network: SimulatedNetwork;
  /** By node id (ids are 1..nodeCount): an array, since the hot path looks a slot up on every event. */
  private readonly slots: Array<NodeSlot | undefined> = [];
  private readonly joinLater: ReadonlySet<NodeId>;
  /** Insertion order of pending events: the tie-break of the default scheduler and each event's identity. */
  private nextSeq = 0;
  /**
   * Message events already handled, to be reused for new ones (a run makes one per message, and each is garbage the
   * young generation collects). Only with the default scheduler, which keeps no event once taken; a strategy may.
   */
  private readonly spareMessages: PendingMessage[] = [];
  private readonly reusesMessages: boolean;
  private nextSubmission = 1;
  private nextTimerToken = 1;
  private started = false;

  constructor(config: SimulatorConfig) {
    this.protocol = config.protocol;
    this.nodes = nodeIds(config.nodeCount);
    this.options = { ...config.protocol.defaults, ...(config.options ?? {}) };
    this.maxTimeMs = config.maxTimeMs ?? DEFAULT_MAX_TIME_MS;
    this.maxEvents = config.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.scheduler = config.scheduler ?? new TimeOrderScheduler();
    this.reusesMessages = config.scheduler === undefined;
    this.freezeMessages = config.freezeMessages ?? FREEZE_BY_DEFAULT;
    this.stream = config.stream;
    this.streamOnly = config.streamOnly === true;
    this.scheduler.attach?.({
      now: () => this.now,
      isLive: (event) => event.kind !== 'timer' || this.slot(event.node).timers.get(event.name) === event.token,
      isFifo: (from, to) => this.network.isFifo(from, to),
      stateMaterial: () => this.stateMaterial(),
      history: () => this.history,
    });
    this.network = new SimulatedNetwork(
      {
        now: () => this.now,
        record: (event) => this.record(event),
        recordSend: (from, to, msg, body) => {
          if (!this.recordColumnar(COLUMN.send, from, to, msg, body))
            this.record({ type: 'send', node: from, to, msg, body });
        },
        enqueueMessage: (timeMs, from, to, msg, body) => this.enqueueMessage(timeMs, from, to, msg, body),
      },
      randomStream(config.seed, 'network'),
      config.network ?? {},
      this.freezeMessages,
      config.nodeCount,
    );
    for (const link of config.links ?? []) this.network.setBaseLatency(link.from, link.to, link.latency);
    // Streaming keeps only the indexed events, as plain objects; otherwise the whole history, in a column store.
    this.history =
      config.stream === undefined ? recordedHistory(this.nodes.slice()) : streamedHistory(this.nodes.slice());
    const index = this.history.index;
    invariant(index !== undefined, 'a recorded or streamed history keeps an index');
    this.index = index;
    this.store = config.stream === undefined ? storeOf(this.history.events) : undefined;
    this.joinLater = new Set(config.joinLater ?? []);
    for (const id of this.nodes) this.slots[id] = this.makeSlot(id, config.seed);
  }

  /** Boots every node at the current time, except those that join later. */
  start(): void {
    invariant(!this.started, 'the simulator was already started');
    this.started = true;
    for (const id of this.nodes) {
      this.slot(id);
      if (!this.joinLater.has(id)) this.boot(this.slot(id));
    }
  }

  /** First boot of a node that was held back at start; a no-op for a node that already joined. */
  join(node: NodeId): void {
    const slot = this.slot(node);
    if (slot.joined) return;
    this.record({ type: 'join', node });
    this.boot(slot);
  }

  // ---------------------------------------------------------------- driving the run

  /** Runs `run` at virtual time `timeMs` (not before now). */
  schedule(timeMs: number, run: () => void): void {
    invariant(timeMs >= this.now, () => `cannot schedule in the past: ${timeMs} < ${this.now}`);
    this.enqueue({ time: timeMs, seq: 0, kind: 'callback', run });
  }

  /** Handles every event up to and including `timeMs`, unless a bound stops the run first. */
  runUntil(timeMs: number): void {
    const limitMs = Math.min(timeMs, this.maxTimeMs);
    while (this.boundHit === null) {
      const next = this.scheduler.peek();
      if (next === undefined || next.time > limitMs) break;
      if (this.eventsHandled >= this.maxEvents) {
        this.hitBound('events', this.maxEvents);
        return;
      }
      const taken = this.scheduler.take();
      invariant(taken === next, 'the scheduler took another event than the one it showed');
      // A strategy may fire an event after one due earlier; that one then fires late, and time never goes back.
      if (next.time > this.now) this.now = next.time;
      this.eventsHandled += 1;
      this.handle(next);
    }
    if (this.boundHit === null) {
      this.now = Math.max(this.now, limitMs);
      if (timeMs > this.maxTimeMs) this.hitBound('time', this.maxTimeMs);
    }
  }

  /** Runs until `done()` holds after some event, or until `timeMs`. Returns whether `done()` held. */
  runUntilCondition(done: () => boolean, timeMs: number): boolean {
    const limitMs = Math.min(timeMs, this.maxTimeMs);
    if (done()) return true;
    while (this.boundHit === null) {
      const next = this.scheduler.peek();
      if (next === undefined || next.time > limitMs) break;
      this.runUntil(next.time);
      if (done()) return true;
    }
    this.runUntil(timeMs);
    return done();
  }

  private hitBound(bound: 'time' | 'events', limit: number): void {
    this.boundHit = bound;
    this.record({ type: 'bound', bound, limit });
  }

  /** Enters the liveness phase: every fault healed, so what is still undelivered is a liveness failure. */
  beginLiveness(): void {
    this.record({ type: 'phase', phase: 'liveness' });
    this.network.healAll();
    for (const id of this.nodes) {
      const slot = this.slot(id);
      slot.crashPoint = null;
      this.closeBatch(slot); // disarmed: it commits whole
      this.setDiskFull(id, false);
      if (!slot.joined) this.join(id);
      else if (!slot.up) this.restart(id);
      else if (slot.paused) this.resume(id);
    }
  }

  finish(): void {
    this.record({ type: 'phase', phase: 'end' });
  }

  // ---------------------------------------------------------------- the application side

  /**
   * A client submits `payload` at `node`; returns its id, or null when the node did not take it now: down (refused,
   * nothing is sent), or paused. A paused node reads nothing, as a stopped process reads no stdin: the submission
   * waits unread, gets its id and its `submit` event when the node reads it after resuming, and is lost, unrecorded
   * as live, if the node crashes first (a log line says so; no client saw it taken, let alone acked).
   */
  submit(node: NodeId, payload: string): SubmissionId | null {
    const slot = this.slot(node);
    invariant(typeof payload === 'string', 'a payload is a string');
    if (!slot.up) {
      const why = slot.joined ? 'is down' : 'has not joined yet';
      this.record({ type: 'log', node, text: `submission refused: node ${node} ${why}` });
      return null;
    }
    if (slot.paused) {
      slot.backlog.push({ kind: 'unread', payload });
      return null;
    }
    const id = this.takeSubmission(slot, payload);
    this.dispatch(slot, { kind: 'submit', id, payload });
    return id;
  }

  /** The node reads a submission: the host numbers it and records it, as the live host does when it reads a line. */
  private takeSubmission(slot: NodeSlot, payload: string): SubmissionId {
    const id = `s${this.nextSubmission}`;
    this.nextSubmission += 1;
    this.recordSubmit(slot.id, id, payload);
    return id;
  }

  status(node: NodeId): NodeStatus | null {
    const slot = this.slot(node);
    if (!slot.up || slot.instance === null) return null;
    try {
      return slot.instance.status();
    } catch (error) {
      throw this.protocolError(error, node, 'in status() on node');
    }
  }

  isUp(node: NodeId): boolean {
    return this.slot(node).up;
  }

  hasJoined(node: NodeId): boolean {
    return this.slot(node).joined;
  }

  isPaused(node: NodeId): boolean {
    return this.slot(node).paused;
  }

  localTime(node: NodeId): number {
    return this.slot(node).clock.read(this.now);
  }

  // ---------------------------------------------------------------- node faults

  /** Volatile state and timers are gone; durable records stay. */
  crash(node: NodeId, during?: CrashCut): void {
    const slot = this.slot(node);
    if (!slot.up) return;
    slot.up = false;
    slot.paused = false;
    slot.instance = null;
    slot.timers.clear();
    this.loseUnread(slot, slot.backlog);
    slot.backlog = [];
    slot.batch = null; // a batch still taking handlers was never synced: it dies with the process
    this.record(during === undefined ? { type: 'crash', node } : { type: 'crash', node, during });
  }

  /**
   * Arms a crash inside the node's next handler (or its next one that persists), at the cut `point` names; it
   * replaces a point armed earlier and stays armed across restarts until it fires or the liveness phase begins.
   */
  crashDuring(node: NodeId, point: CrashPoint): void {
    const problem = crashPointProblem(point);
    invariant(problem === null, () => `crash point: ${problem}`);
    this.slot(node).crashPoint = point.batch === undefined ? { ...point } : { ...point, batch: { ...point.batch } };
  }

  /** A fresh instance recovers from the durable records. */
  restart(node: NodeId): void {
    const slot = this.slot(node);
    if (slot.up || !slot.joined) return;
    this.record({ type: 'restart', node });
    this.boot(slot);
  }

  // ---------------------------------------------------------------- storage faults (see disk.ts)

  /** Power fails mid-write: the node crashes and its last record is torn, to be cut off when it restarts. */
  tear(node: NodeId): void {
    const slot = this.slot(node);
    if (!slot.up) {
      this.record({ type: 'log', node, text: `tear ignored: node ${node} is down, so it is writing nothing` });
      return;
    }
    if (slot.disk.length > 0) {
      slot.disk.damage(slot.disk.length - 1);
      this.record({ type: 'storage', node, what: 'tear', index: slot.disk.length - 1 });
    }
    this.crash(node);
  }

  /** Damages the record `fromEnd` places before the last; nothing notices until the node next reads its log. */
  corrupt(node: NodeId, fromEnd: number): void {
    invariant(Number.isInteger(fromEnd) && fromEnd >= 0, () => `fromEnd must be a whole number >= 0, got ${fromEnd}`);
    const slot = this.slot(node);
    const index = slot.disk.length - 1 - fromEnd;
    if (index < 0) {
      this.record({ type: 'log', node, text: `corrupt ignored: node ${node} has ${slot.disk.length} records` });
      return;
    }
    slot.disk.damage(index);
    this.record({ type: 'storage', node, what: 'corrupt', index });
  }

  /** Writes fail while the disk is full: a handler that persists stops the node before its effects leave. */
  setDiskFull(node: NodeId, full: boolean): void {
    const slot = this.slot(node);
    if (slot.disk.full === full) return;
    slot.disk.full = full;
    this.record({ type: 'storage', node, what: full ? 'disk-full' : 'disk-ok' });
  }

  /** A stalled process: nothing is handled until resume, then the backlog in arrival order. */
  pause(node: NodeId): void {
    const slot = this.slot(node);
    if (!slot.up || slot.paused) return;
    // A batch taking handlers commits first: the stop falls just after its commit, one of the moments a stop can.
    this.closeBatch(slot);
    if (!slot.up) return;
    slot.paused = true;
    this.record({ type: 'pause', node });
  }

  resume(node: NodeId): void {
    const slot = this.slot(node);
    if (!slot.up || !slot.paused) return;
    slot.paused = false;
    this.record({ type: 'resume', node });
    const backlog = slot.backlog;
    slot.backlog = [];
    for (const [index, work] of backlog.entries()) {
      // A crash point fired while the backlog drained: the rest of it died with the process.
      if (!slot.up) {
        this.loseUnread(slot, backlog.slice(index));
        break;
      }
      if (slot.paused) {
        slot.backlog.push(work);
        continue;
      }
      this.dispatch(slot, work);
    }
  }

  /** Says which submissions died unread with the process (live, lines left in its stdin pipe); none is recorded. */
  private loseUnread(slot: NodeSlot, works: readonly NodeWork[]): void {
    for (const work of works) {
      if (work.kind !== 'unread') continue;
      const text = `submission lost unread: node ${slot.id} crashed before reading ${JSON.stringify(work.payload)}`;
      this.record({ type: 'log', node: slot.id, text });
    }
  }

  /** Changes the node's clock rate from now on, in parts per million (10_000 = 1% fast). */
  setDrift(node: NodeId, driftPpm: number): void {
    const slot = this.slot(node);
    slot.clock.setDrift(this.now, driftPpm);
    this.record({ type: 'clock', node, driftPpm, offsetMs: slot.clock.offsetMs });
  }

  /** Jumps the node's clock by `deltaMs` (negative: backwards). Armed timers keep their virtual deadlines. */
  stepClock(node: NodeId, deltaMs: number): void {
    const slot = this.slot(node);
    slot.clock.step(this.now, deltaMs);
    this.record({ type: 'clock', node, driftPpm: slot.clock.driftPpm, offsetMs: slot.clock.offsetMs });
  }

  // ---------------------------------------------------------------- network faults (see simulated-network.ts)

  /** Splits the cluster into groups; nodes named in no group form one more group together. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const group of groups) for (const node of group) this.slot(node);
    this.network.partition(groups);
  }

  /** Drops every message from `from` to `to` (one direction only) until heal. */
  cut(from: NodeId, to: NodeId): void {
    this.slot(from);
    this.slot(to);
    this.network.cut(from, to);
  }

  /** Removes partitions and cuts. */
  heal(): void {
    this.network.heal();
  }

  /** Keeps messages on the link from `from` to `to` until release (a stalled link, not a lossy one). */
  hold(from: NodeId, to: NodeId): void {
    this.network.hold(from, to);
  }

  release(from: NodeId, to: NodeId): void {
    this.network.release(from, to);
  }

  /** Changes the network for every link from now on (latency, loss, duplication, FIFO). */
  setNetwork(change: Partial<LinkConfig>): void {
    this.network.setNetwork(change);
  }

  /** Changes one directed link from now on, e.g. a latency spike between two nodes. */
  setLink(from: NodeId, to: NodeId, change: Partial<LinkConfig>): void {
    this.network.setLink(from, to, change);
  }

  // ---------------------------------------------------------------- internals

  /** See SchedulerView.stateMaterial: what the rest of the run depends on, besides the pending events. */
  private stateMaterial(): Json {
    const traces = new Map<NodeId, Json[]>(this.nodes.map((id) => [id, []]));
    // Every type read here is in the checkers' index, which skips the messages and timers.
    for (const event of historyIndex(this.history).events) {
      const trace = 'node' in event ? traces.get(event.node) : undefined;
      if (trace === undefined) continue;
      if (event.type === 'submit' || event.type === 'deliver' || event.type === 'ack')
        trace.push([event.type, event.id]);
      else if (event.type === 'announce')
        trace.push(['announce', event.role, event.term ?? null, event.leader ?? null]);
      else if (event.type === 'crash' || event.type === 'restart' || event.type === 'join') trace.push(event.type);
    }
    const nodes = this.nodes.map((id): Json => {
      const slot = this.slot(id);
      return [
        slot.joined,
        slot.up,
        slot.paused,
        slot.disk.stateMaterial(),
        slot.draws,
        crashPointMaterial(slot),
        slot.owed as unknown as Json,
        slot.bootClockMs,
        slot.clock.read(this.now),
        slot.clock.driftPpm,
        slot.instance === null ? null : instanceMaterial(slot.instance),
        slot.backlog.map((work) =>
          work.kind === 'message'
            ? [work.from, work.body]
            : work.kind === 'timer'
              ? work.name
              : work.kind === 'unread'
                ? ['unread', work.payload]
                : [work.id, work.payload],
        ),
        traces.get(id) ?? [],
      ];
    });
    return { now: this.now, nodes, network: this.network.stateMaterial(), submissions: this.nextSubmission };
  }

  private slot(node: NodeId): NodeSlot {
    const slot = this.slots[node];
    // Not invariant() with a message closure: this runs several times per event.
    if (slot === undefined)
      throw new InvariantError(`unknown node ${node}: this cluster has nodes ${this.nodes.join(', ')}`);
    return slot;
  }

  /**
   * Records a send, receive, timer or persist (kind: one of COLUMN; peer and msg 0 where the type has none)
   * straight into the column store, with no event object built: most of a run's events come through here. In
   * streaming mode, or when a field does not fit a column, it returns false and the caller records the event.
   */
  private recordColumnar(kind: number, node: NodeId, peer: NodeId, msg: MessageRef, object: unknown): boolean {
    const store = this.store;
    if (store === undefined || typeof msg !== 'number' || !store.addFields(kind, node, peer, msg, object, this.now))
      return false;
    this.recorded += 1;
    this.index.addUnindexed(node);
    return true;
  }

  /**
   * Records a delivery. Outside the debug switch it goes straight into the store's columns (EventStore.addDelivery:
   * no event object; the nodes' deliveries of an entry share its fields), or, when a field does not fit them, is
   * built here as the stamped event in stampEvent's layout (type, node, id, origin, payload, order if any, i, t).
   * Under the switch it goes through stampEvent, spread, so that its check catches a field a protocol adds that
   * the history would lose. The layouts are the same bytes (src/sim/record-paths.test.ts compares whole histories
   * made both ways).
   */
  private recordDelivery(node: NodeId, delivery: Delivery): void {
    const store = this.store;
    if (this.freezeMessages || store === undefined) {
      this.record({ type: 'deliver', node, ...delivery });
      return;
    }
    const { id, origin, payload, order } = delivery;
    if (store.addDelivery(node, id, origin, payload, order, this.now)) {
      this.recorded += 1;
      this.index.addUnindexed(node);
      return;
    }
    const i = store.length;
    const t = this.now;
    this.keep(
      store,
      order === undefined
        ? { type: 'deliver', node, id, origin, payload, i, t }
        : { type: 'deliver', node, id, origin, payload, order: this.orders.intern(order), i, t },
    );
  }

  /**
   * Records an ack or a submit as deliveries are (see recordDelivery): into the store's columns outside the debug
   * switch, or, when a field does not fit them, stamped here and kept as an object.
   */
  private recordAck(node: NodeId, id: SubmissionId): void {
    const store = this.store;
    if (this.freezeMessages || store === undefined) this.record({ type: 'ack', node, id });
    else if (store.addAck(node, id, this.now)) this.countColumnar(node);
    else this.keep(store, { type: 'ack', node, id, i: store.length, t: this.now });
  }

  private recordSubmit(node: NodeId, id: SubmissionId, payload: string): void {
    const store = this.store;
    if (this.freezeMessages || store === undefined) this.record({ type: 'submit', node, id, payload });
    else if (store.addSubmit(node, id, payload, this.now)) this.countColumnar(node);
    else this.keep(store, { type: 'submit', node, id, payload, i: store.length, t: this.now });
  }

  /** Counts an event just added to the store's columns. */
  private countColumnar(node: NodeId): void {
    this.recorded += 1;
    this.index.addUnindexed(node);
  }

  /** A stamped event of a type the store keeps as an object: into the store and the checkers' index. */
  private keep(store: EventStore, stamped: HistoryEvent): void {
    store.addKept(stamped);
    this.index.add(stamped);
    this.recorded += 1;
  }

  private record(event: DistributiveOmit<HistoryEvent, 'i' | 't'>): void {
    if (this.stream === undefined) {
      recordEvent(this.history, event as UnstampedEvent, this.now, this.freezeMessages);
      this.recorded += 1;
      return;
    }
    const stamped = stampEvent(event as UnstampedEvent, this.recorded, this.now, this.freezeMessages);
    this.recorded += 1;
    this.stream(stamped);
    if (!this.streamOnly && isIndexedType(stamped.type)) keepStreamed(this.history, stamped);
  }

  /**
   * Reads the log back (cutting a torn tail, refusing to start on damage elsewhere, as the live host does) and
   * starts a fresh instance on the records that passed.
   */
  private boot(slot: NodeSlot): void {
    slot.joined = true;
    const recovery = slot.disk.recover();
    if (!recovery.ok) {
      this.record({ type: 'storage', node: slot.id, what: 'refused', index: recovery.corruptIndex });
      return;
    }
    if (recovery.tornRecords > 0) {
      this.record({
        type: 'storage',
        node: slot.id,
        what: 'cut-tail',
        index: recovery.records.length,
        count: recovery.tornRecords,
      });
    }
    for (const delivery of slot.owed) this.record({ type: 'deliver', node: slot.id, ...delivery });
    slot.owed = [];
    slot.instance = this.createInstance(slot);
    slot.up = true;
    slot.paused = false;
    slot.bootClockMs = slot.clock.read(this.now);
    this.invoke(slot, { kind: 'start', recovered: recovery.records, found: { tornRecords: recovery.tornRecords } });
  }

  private handle(event: PendingEvent): void {
    switch (event.kind) {
      case 'callback':
        event.run();
        return;
      case 'message':
        // Handled (or dropped) and not kept in a paused node's backlog: nothing refers to it any more.
        if (!this.arrive(event) && this.reusesMessages) this.spareMessages.push(event);
        return;
      case 'timer': {
        const slot = this.slot(event.node);
        if (slot.timers.get(event.name) !== event.token) return;
        this.dispatch(slot, event);
        return;
      }
    }
  }

  /**
   * Numbers an event in insertion order and hands it to the scheduler. Callers build the event with a `seq` of 0
   * in its literal, so every event of a kind has one shape from birth (the queue compares them on every push).
   */
  private enqueue(event: PendingEvent): void {
    event.seq = this.nextSeq;
    this.nextSeq += 1;
    this.scheduler.add(event);
  }

  /** A message event's turn: a drop, or work for the receiver. True when the receiver's backlog keeps it. */
  private arrive(message: PendingMessage): boolean {
    const slot = this.slot(message.to);
    const blocked = this.network.blocked(message.from, message.to);
    if (blocked !== null || !slot.up) {
      const reason = blocked ?? (slot.joined ? 'crashed' : 'not-joined');
      this.record({ type: 'drop', node: message.from, to: message.to, msg: message.msg, reason });
      return false;
    }
    return this.dispatch(slot, message);
  }

  /** A message arriving at `timeMs`, in a reused event when one is spare (see spareMessages). */
  private enqueueMessage(timeMs: number, from: NodeId, to: NodeId, msg: MessageRef, body: Json): void {
    const spare = this.spareMessages.pop();
    if (spare === undefined) {
      this.enqueue({ time: timeMs, seq: 0, kind: 'message', from, to, msg, body });
      return;
    }
    spare.time = timeMs;
    spare.from = from;
    spare.to = to;
    spare.msg = msg;
    spare.body = body;
    this.enqueue(spare);
  }

  /** Hands work to the node, or to its backlog while it is paused (then true: the backlog keeps `work`). */
  private dispatch(slot: NodeSlot, work: NodeWork): boolean {
    if (slot.paused) {
      slot.backlog.push(work);
      return true;
    }
    if (slot.batch !== null && work.kind === 'timer' && work.token >= slot.batch.firstTimerToken) {
      // Armed inside the open batch: live, it fires only after the batch committed, so the batch commits first.
      this.closeBatch(slot);
      if (!slot.up) return false;
    }
    switch (work.kind) {
      case 'message':
        if (!this.recordColumnar(COLUMN.receive, slot.id, work.from, work.msg, undefined))
          this.record({ type: 'receive', node: slot.id, from: work.from, msg: work.msg });
        break;
      case 'timer':
        // Re-check: a timer that waited in the backlog may have been re-armed or cancelled meanwhile.
        if (slot.timers.get(work.name) !== work.token) return false;
        slot.timers.delete(work.name);
        if (!this.recordColumnar(COLUMN.timer, slot.id, 0, 0, work.name))
          this.record({ type: 'timer', node: slot.id, name: work.name });
        break;
      case 'unread': {
        // Read only now (it came while the node was paused): numbered and recorded as it is read.
        const id = this.takeSubmission(slot, work.payload);
        this.invoke(slot, { kind: 'submit', id, payload: work.payload });
        return false;
      }
    }
    this.invoke(slot, work);
    return false;
  }

  private invoke(slot: NodeSlot, work: HandlerWork): void {
    const instance = slot.instance;
    if (!slot.up || instance === null) {
      throw new InvariantError(`node ${slot.id} is down or has no instance and cannot handle anything`);
    }
    if (slot.batch === null && slot.crashPoint === null && !slot.disk.full) {
      this.runHandler(slot, instance, work);
      return;
    }
    const window = slot.crashPoint?.batch;
    if (slot.batch === null && window !== undefined) {
      const batch: OpenBatch = {
        handlers: [],
        handlersMax: window.handlers,
        firstTimerToken: this.nextTimerToken,
        closesAtMs: roundMs(this.now + window.windowMs),
      };
      slot.batch = batch;
      this.schedule(batch.closesAtMs, () => {
        if (slot.batch === batch) this.closeBatch(slot);
      });
    }
    const captured: CapturedOp[] = [];
    slot.capture = captured;
    try {
      this.runHandler(slot, instance, work);
    } finally {
      slot.capture = null;
    }
    if (slot.batch === null) {
      this.commit(slot, [captured]);
      return;
    }
    slot.batch.handlers.push(captured);
    if (slot.batch.handlers.length >= slot.batch.handlersMax) this.closeBatch(slot);
  }

  /** Commits the node's open batch, if any (the window closed, it is full, or the node is about to stop). */
  private closeBatch(slot: NodeSlot): void {
    const batch = slot.batch;
    if (batch === null) return;
    slot.batch = null;
    if (batch.handlers.length > 0) this.commit(slot, batch.handlers);
  }

  /** Commits captured handlers as the live host does (see commit.ts), firing the crash point if it falls here. */
  private commit(slot: NodeSlot, handlers: CapturedOp[][]): void {
    const fired = commitCaptured(handlers, slot.crashPoint, {
      diskFull: () => slot.disk.full,
      persist: (record) => this.persist(slot, record),
      writeFailed: (records) => {
        this.record({ type: 'storage', node: slot.id, what: 'write-failed', count: records });
        this.crash(slot.id);
      },
      crash: (during) => this.crash(slot.id, during),
      owe: (delivery) => slot.owed.push(delivery),
    });
    if (fired) slot.crashPoint = null;
  }

  /** The protocol's create(), whose throw is the protocol's error as a handler's is, not the simulator's. */
  private createInstance(slot: NodeSlot): ProtocolNode {
    try {
      return this.protocol.create({ id: slot.id, nodes: this.nodes, options: this.options });
    } catch (error) {
      throw this.protocolError(error, slot.id, 'in create() for node');
    }
  }

  /** Runs the handler `work` calls for (a switch, not a closure: this runs once per event). */
  private runHandler(slot: NodeSlot, instance: ProtocolNode, work: HandlerWork): void {
    try {
      switch (work.kind) {
        case 'message':
          instance.message(slot.context, work.from, work.body);
          return;
        case 'timer':
          instance.timer(slot.context, work.name);
          return;
        case 'submit':
          instance.submit(slot.context, { id: work.id, payload: work.payload });
          return;
        case 'start':
          instance.start(slot.context, work.recovered, work.found);
          return;
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      throw this.protocolError(error, slot.id, 'on node');
    }
  }

  /** What the protocol threw, as the run's ProtocolError: "protocol P threw <where> N at T ms: <message>". */
  private protocolError(error: unknown, node: NodeId, where: string): ProtocolError {
    const text = error instanceof Error ? error.message : String(error);
    return new ProtocolError(
      `protocol ${this.protocol.name} threw ${where} ${node} at ${this.now} ms: ${text}`,
      node,
      this.now,
      error,
    );
  }

  private persist(slot: NodeSlot, record: Json): void {
    slot.disk.append(this.freezeMessages ? deepFreeze(record) : record);
    if (!this.recordColumnar(COLUMN.persist, slot.id, 0, 0, record))
      this.record({ type: 'persist', node: slot.id, record });
  }

  /**
   * Runs a context call now, or keeps it for the commit while the handler is captured. Inside a batch, timers are
   * armed (and log lines written) as the handler runs, as live: only what leaves the process waits for the sync.
   */
  private act(slot: NodeSlot, kind: EffectKind | 'volatile', run: () => void): void {
    if (slot.capture === null || (kind === 'volatile' && slot.batch !== null)) run();
    else if (kind === 'volatile') slot.capture.push({ kind, run });
    else slot.capture.push({ kind: 'effect', effect: kind, run });
  }

  /**
   * The wire boundary: a message leaves as JSON and must pass the protocol's own isMessage, exactly as the live
   * transport frames and checks it, so a node never receives something the wire would not carry. Done once per
   * send or broadcast. A body that is already plain JSON is what decoding would give back, so it goes as it is,
   * frozen (receivers share it; only `===` could tell it from a copy); anything else is really encoded.
   */
  private toWire(body: Json): Json | null {
    // Frozen under the debug switch, so a node that mutates what it sent (a breach the live copy would hide) fails.
    if (this.freezeMessages) deepFreeze(body);
    let wire: Json = body;
    if (!isPlainJson(body)) {
      let text: string | undefined;
      try {
        text = JSON.stringify(body);
      } catch {
        return null; // A cycle, or a BigInt: nothing the wire can carry.
      }
      if (text === undefined) return null;
      wire = JSON.parse(text) as Json;
    }
    return acceptsMessage(this.protocol, wire) ? wire : null;
  }

  private send(slot: NodeSlot, to: NodeId, body: Json): void {
    this.slot(to);
    const wire = this.toWire(body);
    if (slot.capture === null) this.transmit(slot.id, to, body, wire);
    else slot.capture.push({ kind: 'effect', effect: 'send', run: () => this.transmit(slot.id, to, body, wire) });
  }

  private broadcast(slot: NodeSlot, peers: readonly NodeId[], body: Json): void {
    const wire = this.toWire(body);
    for (const peer of peers) {
      // One cut per receiver: a crash can fall between two of a broadcast's sends.
      if (slot.capture === null) this.transmit(slot.id, peer, body, wire);
      else slot.capture.push({ kind: 'effect', effect: 'send', run: () => this.transmit(slot.id, peer, body, wire) });
    }
  }

  private transmit(from: NodeId, to: NodeId, body: Json, wire: Json | null): void {
    if (wire !== null) this.network.send(from, to, wire);
    else this.network.reject(from, to, body);
  }

  private setTimer(slot: NodeSlot, name: string, delayMs: number): void {
    if (!Number.isFinite(delayMs)) throw new InvariantError(`timer ${name}: delay must be finite, got ${delayMs}`);
    if (!(delayMs >= 0)) throw new InvariantError(`timer ${name}: delay must be >= 0 ms, got ${delayMs}`);
    const token = this.nextTimerToken;
    this.nextTimerToken += 1;
    slot.timers.set(name, token);
    const time = roundMs(this.now + slot.clock.virtualDuration(delayMs));
    this.enqueue({ time, seq: 0, kind: 'timer', node: slot.id, name, token });
  }

  private makeSlot(id: NodeId, seed: number | string): NodeSlot {
    const peers = this.nodes.filter((other) => other !== id);
    const slot: NodeSlot = {
      id,
      joined: false,
      instance: null,
      up: false,
      paused: false,
      timers: new Map(),
      disk: new SimulatedDisk(),
      crashPoint: null,
      capture: null,
      batch: null,
      bootClockMs: 0,
      owed: [],
      backlog: [],
      clock: new DriftingClock(),
      random: randomStream(seed, `node:${id}`),
      draws: 0,
      context: undefined as unknown as NodeContext,
    };
    slot.context = {
      id,
      nodes: this.nodes,
      peers,
      send: (to, message) => this.send(slot, to, message),
      broadcast: (message) => this.broadcast(slot, peers, message),
      // Outside a capture each call acts at once, with no closure made: these run several times per event.
      setTimer: (name, delayMs) => {
        if (slot.capture === null) this.setTimer(slot, name, delayMs);
        else this.act(slot, 'volatile', () => this.setTimer(slot, name, delayMs));
      },
      cancelTimer: (name) => {
        if (slot.capture === null) slot.timers.delete(name);
        else this.act(slot, 'volatile', () => slot.timers.delete(name));
      },
      persist: (record) => {
        if (slot.capture === null) this.persist(slot, record);
        else slot.capture.push({ kind: 'persist', record });
      },
      deliver: (delivery) => {
        if (slot.capture === null) this.recordDelivery(id, delivery);
        else
          slot.capture.push({
            kind: 'effect',
            effect: 'deliver',
            run: () => this.record({ type: 'deliver', node: id, ...delivery }),
            delivery,
          });
      },
      ack: (submission) => {
        if (slot.capture === null) this.recordAck(id, submission);
        else this.act(slot, 'ack', () => this.record({ type: 'ack', node: id, id: submission }));
      },
      announce: (announcement) =>
        this.act(slot, 'other', () => this.record({ type: 'announce', node: id, ...announcement })),
      // Local time since this instance booted, as a process clock counts it (live: performance.now()).
      now: () => slot.clock.read(this.now) - slot.bootClockMs,
      random: () => {
        slot.draws += 1;
        return slot.random.next();
      },
      log: (text) => this.act(slot, 'volatile', () => this.record({ type: 'log', node: id, text })),
    };
    return slot;
  }
}

/** A node's armed crash point and open batch, for state fingerprints (unchanged from before batches without one). */
function crashPointMaterial(slot: NodeSlot): Json {
  const point = slot.crashPoint;
  if (point === null) return null;
  const material: Json[] = [point.handler, point.cut];
  if (point.batch !== undefined) material.push(point.batch.handlers, point.batch.windowMs);
  if (slot.batch !== null) material.push(slot.batch.handlers.length, slot.batch.closesAtMs);
  return material;
}
