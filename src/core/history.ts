import { createHash } from 'node:crypto';
import { invariant } from './assert.ts';
import type { NodeId, SubmissionId } from './ids.ts';
import type { Json, JsonObject } from './json.ts';
import type { Announcement } from './node.ts';
import { EventStore, storeOf } from './event-store.ts';

/** Identifies one message instance on the wire, linking its send to its receive (and to its drops and copies). */
export type MessageRef = number | string;

export type DropReason = 'loss' | 'partition' | 'cut' | 'crashed' | 'not-joined' | 'invalid';
export type Phase = 'safety' | 'liveness' | 'end';

/**
 * Where inside a commit a crash fell: before the records were synced (they are lost), or after the sync and after
 * `effects` of the `of` effects had left (by kind: sends, one per receiver, then deliveries, acks, announcements).
 * `handlers` is there when the commit was a batch of several handlers (group commit), absent for one.
 */
export type CrashCut =
  | { cut: 'before-sync'; records: number; handlers?: number }
  | { cut: 'after-sync'; effects: number; of: number; handlers?: number };

/**
 * Storage events: a fault injected into a node's log (tear, corrupt, disk-full, disk-ok), a handler whose records
 * a full disk refused (write-failed: the node stops), and what a restart found (cut-tail: torn records cut off the
 * end; refused: a record elsewhere fails its checksum, so the node does not start).
 */
export type StorageEventKind = 'tear' | 'corrupt' | 'disk-full' | 'disk-ok' | 'write-failed' | 'cut-tail' | 'refused';

interface Base {
  /** Position in the history, from 0. */
  i: number;
  /** Virtual time (simulator) or milliseconds since the cluster started (live), in ms. */
  t: number;
}

export type HistoryEvent = Base &
  (
    | { type: 'submit'; node: NodeId; id: SubmissionId; payload: string }
    | { type: 'send'; node: NodeId; to: NodeId; msg: MessageRef; body: Json }
    | { type: 'duplicate'; node: NodeId; to: NodeId; msg: MessageRef }
    | { type: 'drop'; node: NodeId; to: NodeId; msg: MessageRef; reason: DropReason }
    | { type: 'receive'; node: NodeId; from: NodeId; msg: MessageRef }
    | { type: 'timer'; node: NodeId; name: string }
    | { type: 'persist'; node: NodeId; record: Json }
    | { type: 'deliver'; node: NodeId; id: SubmissionId; origin: NodeId; payload: string; order?: JsonObject }
    | { type: 'ack'; node: NodeId; id: SubmissionId }
    | ({ type: 'announce'; node: NodeId } & Announcement)
    | { type: 'log'; node: NodeId; text: string }
    | { type: 'crash'; node: NodeId; during?: CrashCut }
    | { type: 'storage'; node: NodeId; what: StorageEventKind; index?: number; count?: number }
    | { type: 'restart'; node: NodeId }
    | { type: 'join'; node: NodeId }
    | { type: 'pause'; node: NodeId }
    | { type: 'resume'; node: NodeId }
    | { type: 'partition'; groups: NodeId[][] }
    | { type: 'cut'; from: NodeId; to: NodeId }
    | { type: 'hold'; from: NodeId; to: NodeId }
    | { type: 'release'; from: NodeId; to: NodeId }
    | { type: 'heal' }
    | { type: 'clock'; node: NodeId; driftPpm: number; offsetMs: number }
    | { type: 'network'; change: JsonObject }
    | { type: 'phase'; phase: Phase }
    | { type: 'bound'; bound: 'time' | 'events'; limit: number }
  );

export type HistoryEventType = HistoryEvent['type'];
/**
 * What the deliveries of one entry share in a column store: a delivery event without its node, position and time
 * (see HistoryIndex.forEachIndexed). Read-only: every node's delivery of the entry is rebuilt from it.
 */
export type DeliveryRecord = Readonly<Pick<EventOf<'deliver'>, 'id' | 'origin' | 'payload' | 'order'>>;
export type EventOf<Type extends HistoryEventType> = Extract<HistoryEvent, { type: Type }>;

/** A whole run as the checkers see it: the node ids and every recorded step, in order. */
export interface History {
  nodes: NodeId[];
  events: HistoryEvent[];
  /**
   * The checkers' index, kept up to date by whoever records the history (the simulator); read it through
   * `historyIndex`, which checks that it still matches `events` and builds one otherwise. Not enumerable, so it
   * never shows in comparisons or serializations of the history.
   */
  readonly index?: HistoryIndex;
}

/** An event as its recorder hands it over: everything but its position and time. */
export type UnstampedEvent = HistoryEvent extends infer Event
  ? Event extends HistoryEvent
    ? Omit<Event, 'i' | 't'>
    : never
  : never;

/**
 * The recorded event: `event` with its position `i` and time `t` after its own fields, as JSON shows them. The
 * frequent types are rebuilt as one object literal with every field in place: adding i and t to the caller's
 * object instead would give each of them a separate property store (about 45 B per event, a quarter of a
 * history's memory). Other types get i and t added. Keys keep their order either way, so the bytes do not change,
 * except that a delivery's fields are put in the documented order (id, origin, payload, order) whatever order the
 * protocol gave them in (every shipped protocol gives that one).
 * With `strict` (the debug switch), a rebuilt event that lost a field of the caller's throws: a recorder that adds
 * a field to one of these types must add it here too.
 */
export function stampEvent(event: UnstampedEvent, i: number, t: number, strict = false): HistoryEvent {
  let stamped: HistoryEvent;
  switch (event.type) {
    case 'send':
      stamped = { type: 'send', node: event.node, to: event.to, msg: event.msg, body: event.body, i, t };
      break;
    case 'receive':
      stamped = { type: 'receive', node: event.node, from: event.from, msg: event.msg, i, t };
      break;
    case 'drop':
      stamped = { type: 'drop', node: event.node, to: event.to, msg: event.msg, reason: event.reason, i, t };
      break;
    case 'duplicate':
      stamped = { type: 'duplicate', node: event.node, to: event.to, msg: event.msg, i, t };
      break;
    case 'timer':
      stamped = { type: 'timer', node: event.node, name: event.name, i, t };
      break;
    case 'persist':
      stamped = { type: 'persist', node: event.node, record: event.record, i, t };
      break;
    case 'ack':
      stamped = { type: 'ack', node: event.node, id: event.id, i, t };
      break;
    case 'submit':
      stamped = { type: 'submit', node: event.node, id: event.id, payload: event.payload, i, t };
      break;
    case 'deliver':
      stamped =
        event.order === undefined
          ? { type: 'deliver', node: event.node, id: event.id, origin: event.origin, payload: event.payload, i, t }
          : {
              type: 'deliver',
              node: event.node,
              id: event.id,
              origin: event.origin,
              payload: event.payload,
              order: event.order,
              i,
              t,
            };
      break;
    default: {
      const full = event as HistoryEvent;
      full.i = i;
      full.t = t;
      return full;
    }
  }
  if (strict) assertSameFields(event, stamped);
  return stamped;
}

function assertSameFields(event: UnstampedEvent, stamped: HistoryEvent): void {
  // Sorted: a delivery's fields come in the protocol's order and are recorded in the documented one.
  const given = Object.keys(event)
    .filter((key) => (event as Record<string, unknown>)[key] !== undefined)
    .sort();
  const kept = Object.keys(stamped)
    .filter((key) => key !== 'i' && key !== 't')
    .sort();
  invariant(
    given.join() === kept.join(),
    () => `a ${event.type} event with fields ${given.join(', ')} was recorded as ${kept.join(', ')}: update stampEvent`,
  );
}

/** The event types checkers read: what was submitted, delivered and acked, and what became of each node. */
const INDEXED_TYPES: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'submit',
  'deliver',
  'ack',
  'announce',
  'crash',
  'restart',
  'join',
  'pause',
  'resume',
  'phase',
  // A restart the host refused (the log is damaged before its end) leaves the node down: fates need to see it.
  'storage',
]);

/** Whether checkers read events of this type (what a streamed history keeps in memory). */
export function isIndexedType(type: HistoryEventType): boolean {
  return INDEXED_TYPES.has(type);
}

/**
 * The events checkers read, in history order, and every node that acted. Messages, timers and persists (most of
 * a run) are left out, so a checker's pass over a run touches a fraction of it. Built while recording, so the
 * simulator pays for it once per event instead of every checker once per run.
 */
export class HistoryIndex {
  private readonly list: HistoryEvent[];
  /** With a store: how many of its events `list` has read so far. */
  private readUpTo = 0;
  /** The submits and the acks alone, in history order (views that need nothing else skip the deliveries). */
  readonly submits: EventOf<'submit'>[] = [];
  readonly acks: EventOf<'ack'>[] = [];
  /** Announce, crash, restart, join, pause, resume, phase and storage events: what became of nodes, a handful a run. */
  readonly lifecycle: HistoryEvent[] = [];
  /** Every node that some event names as `node`. */
  readonly actingNodes = new Set<NodeId>();
  /** How many events of `source` have been added so far. */
  length = 0;

  /**
   * @param source the events array this index follows (the check that it still describes a history).
   * @param shared when source holds exactly the indexed events (a streamed history), `events` is source itself
   * and is not appended to: the recorder appends to it.
   * @param store the column store behind source (a recorded history): `events` is then read from it when asked
   * for, since deliveries are stored as columns, not objects, and most runs of the bench never ask.
   */
  constructor(
    readonly source: readonly HistoryEvent[],
    private readonly shared = false,
    private readonly store?: EventStore,
  ) {
    this.list = shared ? (source as HistoryEvent[]) : [];
  }

  /** Submit, deliver, ack, announce, crash, restart, join, pause, resume, phase and storage events, in order. */
  get events(): HistoryEvent[] {
    const store = this.store;
    if (store !== undefined && this.readUpTo < store.length) {
      store.forEachKeptOrDelivery(this.readUpTo, (event) => {
        if (INDEXED_TYPES.has(event.type as HistoryEventType)) this.list.push(event as HistoryEvent);
      });
      this.readUpTo = store.length;
    }
    return this.list;
  }

  /**
   * Visits what `events` holds, in the same order, without building the deliveries a column store keeps as
   * columns: each of those comes to visitDelivery as its node, the record of id, origin, payload and order that
   * every node delivering that entry shares, the record's number (the same for each delivery sharing it, so a
   * reader may remember what it made of one) and its position. Every other event, and every delivery of a history
   * without a store, comes to visitEvent. Builds nothing: what the checkers' ledger reads a recorded run through.
   */
  forEachIndexed(
    visitEvent: (event: HistoryEvent) => void,
    visitDelivery: (node: NodeId, record: DeliveryRecord, recordNumber: number, i: number) => void,
  ): void {
    const store = this.store;
    if (store === undefined) {
      for (const event of this.events) visitEvent(event);
      return;
    }
    store.forEachKeptOrDeliveryRecord(
      0,
      (event) => {
        if (INDEXED_TYPES.has(event.type as HistoryEventType)) visitEvent(event as HistoryEvent);
      },
      (node, record, i) => visitDelivery(node, store.deliveryRecord(record) as DeliveryRecord, record, i),
    );
  }

  /** The node last added to actingNodes: most events name the same node as the one before, so skip the set. */
  private lastNode: NodeId | undefined;

  add(event: HistoryEvent): void {
    this.length += 1;
    if ('node' in event && event.node !== this.lastNode) {
      this.lastNode = event.node;
      this.actingNodes.add(event.node);
    }
    if (!INDEXED_TYPES.has(event.type)) return;
    this.keep(event);
  }

  /**
   * Counts an event of a type checkers do not read (a message, timer or persist), or a delivery kept in the store's
   * columns (which `events` reads from the store), noting its node.
   */
  addUnindexed(node: NodeId): void {
    this.length += 1;
    if (node !== this.lastNode) {
      this.lastNode = node;
      this.actingNodes.add(node);
    }
  }

  private keep(event: HistoryEvent): void {
    // With a store, `events` reads kept events from it, in order with the deliveries.
    if (!this.shared && this.store === undefined) this.list.push(event);
    if (event.type === 'submit') this.submits.push(event);
    else if (event.type === 'ack') this.acks.push(event);
    else if (event.type !== 'deliver') this.lifecycle.push(event);
  }

  /** The index of a history that records no index of its own (a live or parsed one): one pass. */
  static build(events: readonly HistoryEvent[]): HistoryIndex {
    const index = new HistoryIndex(events);
    for (const event of events) index.add(event);
    return index;
  }
}

/** An empty history that keeps its index up to date as events are appended through `appendEvent`. */
export function indexedHistory(nodes: NodeId[]): History {
  const history: History = { nodes, events: [] };
  Object.defineProperty(history, 'index', { value: new HistoryIndex(history.events), enumerable: false });
  return history;
}

/**
 * An empty history whose events are kept in a column store (see EventStore): `events` is a read-only array view,
 * about 13 bytes an event for messages, timers and persists. Record into it with `recordEvent` only.
 */
export function recordedHistory(nodes: NodeId[]): History {
  const store = new EventStore();
  const history: History = { nodes, events: store.view as HistoryEvent[] };
  Object.defineProperty(history, 'index', { value: new HistoryIndex(history.events, false, store), enumerable: false });
  Object.defineProperty(history, STORE, { value: store, enumerable: false });
  return history;
}

/** Where a recorded history keeps its store (a hidden property: a WeakMap lookup per event costs more). */
const STORE = Symbol('event store');

/**
 * Records an event at the end of a recordedHistory, at time `t`: in the columns when it fits them, else stamped
 * (see stampEvent, and `strict` there) and kept as an object, shared with the index.
 */
export function recordEvent(history: History, event: UnstampedEvent, t: number, strict = false): void {
  const store = (history as { [STORE]?: EventStore })[STORE];
  const index = history.index;
  invariant(store !== undefined && index !== undefined, 'recordEvent needs a history made by recordedHistory');
  const i = store.length;
  if (store.addColumnar(event, t)) {
    if (strict) stampEvent(event, i, t, true);
    index.addUnindexed((event as { node: NodeId }).node);
    return;
  }
  const stamped = stampEvent(event, i, t, strict);
  if (stamped.type === 'deliver' && stamped.order !== undefined) stamped.order = internedOrder(history, stamped.order);
  store.addKept(stamped);
  index.add(stamped);
}

/**
 * Shares one object among deliveries whose `order` is the same flat object (same keys in the same order, same
 * primitive values): every node delivering an entry reports the same order, so a run keeps one object per entry
 * instead of one per node (about 40 bytes each). The bytes of the history do not change. An order is compared
 * with the last few only: the nodes deliver an entry at about the same time.
 */
export class OrderInterner {
  private readonly recent: Array<{ order: JsonObject; keys: string[] } | undefined> = new Array(16).fill(undefined);
  private next = 0;

  intern(order: JsonObject): JsonObject {
    // Newest first: the last entry delivered is the likeliest match.
    for (let back = 1; back <= this.recent.length; back += 1) {
      const cached = this.recent[(this.next - back + this.recent.length) % this.recent.length];
      if (cached === undefined) break;
      if (sameFlat(cached.order, cached.keys, order)) return cached.order;
    }
    const keys = Object.keys(order);
    for (const key of keys) {
      const value = order[key];
      if (typeof value === 'object' && value !== null) return order;
    }
    this.recent[this.next] = { order, keys };
    this.next = (this.next + 1) % this.recent.length;
    return order;
  }
}

/** Whether `b` has exactly the keys `aKeys` of the flat object `a`, in that order, with the same values. */
function sameFlat(a: JsonObject, aKeys: readonly string[], b: JsonObject): boolean {
  let k = 0;
  for (const key in b) {
    if (k === aKeys.length || aKeys[k] !== key || a[key] !== b[key]) return false;
    k += 1;
  }
  return k === aKeys.length;
}

const orderInterners = new WeakMap<History, OrderInterner>();

function internedOrder(history: History, order: JsonObject): JsonObject {
  let interner = orderInterners.get(history);
  if (interner === undefined) orderInterners.set(history, (interner = new OrderInterner()));
  return interner.intern(order);
}

/**
 * An empty history for streaming mode: it keeps only the events checkers read (see isIndexedType), in one array
 * that is also the index's. Keep events in it with `keepStreamed`.
 */
export function streamedHistory(nodes: NodeId[]): History {
  const history: History = { nodes, events: [] };
  Object.defineProperty(history, 'index', { value: new HistoryIndex(history.events, true), enumerable: false });
  return history;
}

/** Keeps a stamped event of a type checkers read in a streamedHistory (deliveries share equal orders). */
export function keepStreamed(history: History, event: HistoryEvent): void {
  invariant(history.index !== undefined, 'keepStreamed needs a history made by streamedHistory');
  invariant(isIndexedType(event.type), () => `a streamed history keeps no ${event.type} events`);
  if (event.type === 'deliver' && event.order !== undefined) event.order = internedOrder(history, event.order);
  history.events.push(event);
  history.index.add(event);
}

/** Appends an event to a history, and to its index when it has one. */
export function appendEvent(history: History, event: HistoryEvent): void {
  history.events.push(event);
  history.index?.add(event);
}

const builtIndexes = new WeakMap<History, HistoryIndex>();

/** The history's index: the recorded one when it still matches the events, else one built (and remembered). */
export function historyIndex(history: History): HistoryIndex {
  const recorded = history.index;
  if (recorded !== undefined && recorded.source === history.events && recorded.length === history.events.length) {
    return recorded;
  }
  const built = builtIndexes.get(history);
  if (built !== undefined && built.source === history.events && built.length === history.events.length) return built;
  const index = HistoryIndex.build(history.events);
  builtIndexes.set(history, index);
  return index;
}

export function eventsOf<Type extends HistoryEventType>(history: History, type: Type): EventOf<Type>[] {
  return history.events.filter((event): event is EventOf<Type> => event.type === type);
}

/** Each node's delivered submission ids, in its delivery order (repeats kept), for every node of the history. */
export function deliveredIdsByNode(history: History): Map<NodeId, SubmissionId[]> {
  const byNode = new Map<NodeId, SubmissionId[]>(history.nodes.map((node) => [node, []]));
  for (const event of history.events) if (event.type === 'deliver') byNode.get(event.node)?.push(event.id);
  return byNode;
}

/** Every submission id, in submit order. */
export function submittedIds(history: History): SubmissionId[] {
  return history.events.flatMap((event) => (event.type === 'submit' ? [event.id] : []));
}

/** One JSON object a line, keys in insertion order, so the same history always gives the same bytes. */
export function historyToJsonl(history: History): string {
  let text = '';
  forEachJsonlChunk(history, (chunk) => {
    text += chunk;
  });
  return text;
}

/** Chunks of the JSONL text gathered up to about this many characters before they are handed on. */
const JSONL_CHUNK_CHARS = 1 << 16;

/**
 * Hands the JSONL text of a history to `take` in chunks of whole lines (about 64 K characters each), header first.
 * A history of millions of events is longer than the longest string V8 can hold (about 2^29 characters), so the
 * hash and the trace files are made from chunks, never from one string.
 */
export function forEachJsonlChunk(history: History, take: (chunk: string) => void): void {
  let text = historyHeaderLine(history.nodes);
  const add = (event: HistoryEvent) => {
    text += historyEventLine(event);
    if (text.length >= JSONL_CHUNK_CHARS) {
      take(text);
      text = '';
    }
  };
  const store = storeOf(history.events);
  // Straight from the store: the view's traps cost more than the rebuilding.
  if (store !== undefined) store.forEach((event) => add(event as HistoryEvent));
  else for (const event of history.events) add(event);
  if (text !== '') take(text);
}

/** The first line of a JSONL history (a streamed history writes it before any event). */
export function historyHeaderLine(nodes: readonly NodeId[]): string {
  return JSON.stringify({ type: 'header', format: 'tob-lab-history/1', nodes }) + '\n';
}

export function historyEventLine(event: HistoryEvent): string {
  return JSON.stringify(event) + '\n';
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function historyHash(history: History): string {
  const hash = createHash('sha256');
  forEachJsonlChunk(history, (chunk) => hash.update(chunk));
  return hash.digest('hex');
}

/** Reads a JSONL history back; throws with the line number on anything that is not one. */
export function parseHistoryJsonl(text: string): History {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error('the history is empty: expected a header line first');
  const header = JSON.parse(lines[0]) as { type?: string; nodes?: NodeId[] };
  if (header.type !== 'header' || !Array.isArray(header.nodes)) {
    throw new Error('line 1 is not a tob-lab history header');
  }
  const events = lines.slice(1).map((line, index) => {
    try {
      return JSON.parse(line) as HistoryEvent;
    } catch {
      throw new Error(`line ${index + 2} is not valid JSON`);
    }
  });
  return { nodes: header.nodes, events };
}
