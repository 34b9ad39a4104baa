import { InvariantError } from './assert.ts';

/**
 * A recorded event as the store sees it: history.ts's HistoryEvent, which it does not import (history.ts imports
 * the store), and the fields of the columnar types it reads from an event being recorded.
 */
interface HistoryEvent {
  readonly type: string;
  i: number;
  t: number;
}
interface UnstampedEvent {
  readonly type: string;
  readonly node?: unknown;
  readonly to?: unknown;
  readonly from?: unknown;
  readonly msg?: unknown;
  readonly body?: unknown;
  readonly reason?: unknown;
  readonly name?: unknown;
  readonly record?: unknown;
  readonly id?: unknown;
  readonly origin?: unknown;
  readonly payload?: unknown;
  readonly order?: unknown;
}

/**
 * What a columnar delivery keeps in `objects`: everything of the event but its node, position and time. Every node
 * delivering an entry delivers the same one, so the nodes' deliveries of it share one (see DeliveryInterner).
 */
export interface Delivered {
  readonly id: string;
  readonly origin: unknown;
  readonly payload: string;
  readonly order: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A column store for a recorded history: the frequent events (messages, timers, persists, submits, acks and
 * deliveries) live in typed-array columns, about 9 bytes each plus their time when it changed and a slot for their
 * body, record, name or strings, instead of an object of about 100 bytes (no pointer compression in Node: 8 bytes
 * a field, 16 more for a fractional time). Every other event (node fates, rare types, and any event whose fields
 * do not fit the columns) is kept as the object it was recorded as, so the checkers' index and the store share it.
 *
 * `events` is a read-only array view: reading an index rebuilds the event as one object literal with its fields
 * in the order stampEvent gives them, so JSON.stringify yields the same bytes as before, and array methods
 * (filter, slice, iteration) work unchanged. A rebuilt event is frozen, since changing it would change nothing
 * in the store; writing to the view throws.
 */

const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
/**
 * Events come in blocks of this many: a block records where its first object and first time are, and an event
 * finds its own by counting the flags of the events before it in the block (at most BLOCK_SIZE - 1 of them).
 */
const BLOCK_BITS = 5;
const BLOCK_SIZE = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_SIZE - 1;
/** Node ids that fit a column; anything else is kept as an object. */
const MAX_NODE = 0xffff;

const KEPT = 0;
const SEND = 1;
const RECEIVE = 2;
const DROP = 3;
const DUPLICATE = 4;
const TIMER = 5;
const PERSIST = 6;
/**
 * A delivery: its node in `node`; in `msg`, the number of its Delivered, shared with the other nodes' deliveries
 * of it (see DeliveryInterner). It has no slot in `objects`: one reference per entry, not one per delivery.
 */
const DELIVER = 7;
/** A submit: its node in `node`; in `msg`, where its id is in `strings` (its payload is next). */
const SUBMIT = 8;
/** An ack: its node in `node`; in `msg`, where its id is in `strings`. */
const ACK = 9;
/** The columnar kinds a recorder may add straight (see addFields), without building the event first. */
export const COLUMN = { send: SEND, receive: RECEIVE, timer: TIMER, persist: PERSIST } as const;
/** Set in `kind` when the event's time differs from the one before it (and on the first event of a block). */
const NEW_TIME = 0x80;
/** Set in `kind` when the event's object is the one of the event before (a broadcast sends one body to all). */
const SAME_OBJECT = 0x40;
const KIND_MASK = 0x3f;
/** Whether an event of each kind has an object in `objects` (a kept event, body, drop reason, timer name, record). */
const HAS_OBJECT = Uint8Array.from([1, 1, 0, 1, 0, 1, 1, 0, 0, 0]);

/**
 * The columns of CHUNK_SIZE events. Most events share their time with the one before (what a handler does
 * happens at the instant it runs), so times are stored only when they change, in `times`.
 */
interface Chunk {
  kind: Uint8Array;
  node: Uint16Array;
  peer: Uint16Array;
  msg: Int32Array;
  /** Per block: the index in `objects` of its first object, and in `times` of its first time. */
  objectBase: Int32Array;
  timeBase: Int32Array;
}

/**
 * The first chunk starts at this many events and doubles up to CHUNK_SIZE: most runs of a property search record
 * a few thousand events, and zeroing a whole chunk (about 1 MiB with its times) for each cost more than the run's
 * checking.
 */
const FIRST_CHUNK_EVENTS = 1 << 10;

function newChunk(size: number): Chunk {
  return {
    kind: new Uint8Array(size),
    node: new Uint16Array(size),
    peer: new Uint16Array(size),
    msg: new Int32Array(size),
    objectBase: new Int32Array(size >>> BLOCK_BITS),
    timeBase: new Int32Array(size >>> BLOCK_BITS),
  };
}

/** The chunk at twice its size, its events kept (only the first chunk ever grows). */
function grownChunk(chunk: Chunk): Chunk {
  const grown = newChunk(Math.min(CHUNK_SIZE, chunk.kind.length * 2));
  grown.kind.set(chunk.kind);
  grown.node.set(chunk.node);
  grown.peer.set(chunk.peer);
  grown.msg.set(chunk.msg);
  grown.objectBase.set(chunk.objectBase);
  grown.timeBase.set(chunk.timeBase);
  return grown;
}

/** A growing list of doubles in fixed chunks (no copying as it grows). */
class Doubles {
  private readonly chunks: Float64Array[] = [];
  /** The chunk being filled, and how many more of its values `length` may reach before it is full. */
  private open: Float64Array = new Float64Array(0);
  private openEnd = 0;
  length = 0;

  push(value: number): void {
    if (this.length === this.openEnd) this.openChunk();
    this.open[this.length & CHUNK_MASK] = value;
    this.length += 1;
  }

  /** Makes room for value `length`: a new chunk, or the first one grown (see FIRST_CHUNK_EVENTS). */
  private openChunk(): void {
    const index = this.length >>> CHUNK_BITS;
    const j = this.length & CHUNK_MASK;
    if (index === this.chunks.length) this.chunks.push(new Float64Array(index === 0 ? FIRST_CHUNK_EVENTS : CHUNK_SIZE));
    else {
      const grown = new Float64Array(Math.min(CHUNK_SIZE, j * 2));
      grown.set(this.chunks[index]);
      this.chunks[index] = grown;
    }
    this.open = this.chunks[index];
    this.openEnd = (index << CHUNK_BITS) + this.open.length;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK];
  }
}

/** How many objects an event of this kind byte added to `objects`: 1, or 0 when it has none or shares one. */
function pushedObjects(kind: number): number {
  return (kind & SAME_OBJECT) !== 0 ? 0 : HAS_OBJECT[kind & KIND_MASK];
}

function isSmallNode(value: unknown): value is number {
  return typeof value === 'number' && (value & MAX_NODE) === value;
}

function isInt32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value && !Object.is(value, -0);
}

export class EventStore {
  private readonly chunks: Chunk[] = [];
  private readonly objects: unknown[] = [];
  private readonly times = new Doubles();
  private readonly deliveries = new DeliveryInterner();
  /** The ids and payloads of columnar submits and acks (their `msg` says where). */
  private readonly strings: string[] = [];
  private lastTime = 0;
  /** The chunk being filled, and the position at which it is full (then openChunk). */
  private open: Chunk = newChunk(0);
  private openEnd = 0;
  length = 0;
  /** The read-only array view of the events (what History.events is for a recorded history). */
  readonly view: HistoryEvent[];

  constructor() {
    this.view = new Proxy([] as HistoryEvent[], viewHandler(this));
    views.set(this.view, this);
  }

  /**
   * Records `event` at position `length`, time `t`, in the columns when its type and fields allow it (true);
   * false leaves the store as it was, for the caller to stamp the event and keep it with addKept.
   */
  addColumnar(event: UnstampedEvent, t: number): boolean {
    let kind: number;
    let peer = 0;
    let msg = 0;
    let object: unknown = undefined;
    switch (event.type) {
      case 'send':
      case 'drop':
      case 'duplicate':
        if (!isSmallNode(event.to) || !isInt32(event.msg)) return false;
        kind = event.type === 'send' ? SEND : event.type === 'drop' ? DROP : DUPLICATE;
        peer = event.to;
        msg = event.msg;
        object = event.type === 'send' ? event.body : event.type === 'drop' ? event.reason : undefined;
        break;
      case 'receive':
        if (!isSmallNode(event.from) || !isInt32(event.msg)) return false;
        kind = RECEIVE;
        peer = event.from;
        msg = event.msg;
        break;
      case 'timer':
        kind = TIMER;
        object = event.name;
        break;
      case 'persist':
        kind = PERSIST;
        object = event.record;
        break;
      case 'deliver':
        return (
          isSmallNode(event.node) && this.addDelivery(event.node, event.id, event.origin, event.payload, event.order, t)
        );
      case 'submit':
        return isSmallNode(event.node) && this.addSubmit(event.node, event.id, event.payload, t);
      case 'ack':
        return isSmallNode(event.node) && this.addAck(event.node, event.id, t);
      default:
        return false;
    }
    if (!isSmallNode(event.node)) return false;
    this.store(kind, event.node, peer, msg, object, t);
    return true;
  }

  /**
   * What addColumnar does for an event given field by field (a kind of COLUMN, its node, peer (to or from, 0 for
   * none), message number (0 for none) and object (body, name or record)): the simulator's path for its most
   * frequent events, with no event object built. False when a value does not fit a column, as addColumnar.
   */
  addFields(kind: number, node: number, peer: number, msg: number, object: unknown, t: number): boolean {
    if ((node & MAX_NODE) !== node || (peer & MAX_NODE) !== peer || (msg | 0) !== msg) return false;
    this.store(kind, node, peer, msg, object, t);
    return true;
  }

  /**
   * Records a delivery by `node` in the columns (the simulator's path for the one kept type that comes once per node
   * per submission): false, leaving the store as it was, when a field is not what a delivery holds, for the caller
   * to keep the event as an object. Its id, origin, payload and order are shared with a recent delivery of the
   * same entry (see DeliveryInterner), so the other nodes' deliveries of an entry cost a few bytes each.
   */
  addDelivery(node: number, id: unknown, origin: unknown, payload: unknown, order: unknown, t: number): boolean {
    if ((node & MAX_NODE) !== node || typeof id !== 'string' || typeof payload !== 'string') return false;
    if (order !== undefined && (typeof order !== 'object' || order === null || Array.isArray(order))) return false;
    this.store(
      DELIVER,
      node,
      0,
      this.deliveries.intern(node, id, origin, payload, order as Delivered['order']),
      undefined,
      t,
    );
    return true;
  }

  /**
   * Records a submit by `node` in the columns (its id and payload in `strings`): false, leaving the store as it
   * was, when a field is not what a submit holds, for the caller to keep the event as an object.
   */
  addSubmit(node: number, id: unknown, payload: unknown, t: number): boolean {
    if ((node & MAX_NODE) !== node || typeof id !== 'string' || typeof payload !== 'string') return false;
    const strings = this.strings;
    this.store(SUBMIT, node, 0, strings.length, undefined, t);
    strings.push(id, payload);
    return true;
  }

  /** Records an ack as addSubmit records a submit. */
  addAck(node: number, id: unknown, t: number): boolean {
    if ((node & MAX_NODE) !== node || typeof id !== 'string') return false;
    this.store(ACK, node, 0, this.strings.length, undefined, t);
    this.strings.push(id);
    return true;
  }

  private store(kind: number, node: number, peer: number, msg: number, object: unknown, t: number): void {
    const chunk = this.next(kind, t);
    const j = this.length & CHUNK_MASK;
    chunk.node[j] = node;
    chunk.peer[j] = peer;
    chunk.msg[j] = msg;
    if (HAS_OBJECT[kind] === 1) {
      const objects = this.objects;
      if (objects.length > 0 && objects[objects.length - 1] === object) chunk.kind[j] |= SAME_OBJECT;
      else objects.push(object);
    }
    this.length += 1;
  }

  /** Keeps a stamped event as the object it is (its `i` must be this store's length). */
  addKept(event: HistoryEvent): void {
    // Not invariant() with a message closure: this runs for every delivery, ack and submit.
    if (event.i !== this.length) throw new InvariantError(`event ${event.i} recorded at position ${this.length}`);
    this.next(KEPT, event.t);
    this.objects.push(event);
    this.length += 1;
  }

  /** Opens the slot of event `length`: its chunk and block, its kind and, when it changed, its time. */
  private next(kind: number, t: number): Chunk {
    if (this.length === this.openEnd) this.openChunk();
    const chunk = this.open;
    const j = this.length & CHUNK_MASK;
    const blockStart = (j & BLOCK_MASK) === 0;
    if (blockStart) {
      chunk.objectBase[j >>> BLOCK_BITS] = this.objects.length;
      chunk.timeBase[j >>> BLOCK_BITS] = this.times.length;
    }
    // Compared as numbers (0 and -0 alike): both print as 0, so the bytes are the same either way. The first event
    // starts a block, so it always has its time.
    if (blockStart || t !== this.lastTime) {
      this.times.push(t);
      this.lastTime = t;
      chunk.kind[j] = kind | NEW_TIME;
    } else {
      chunk.kind[j] = kind;
    }
    return chunk;
  }

  /** Makes room for event `length`: a new chunk, or the first one grown (see FIRST_CHUNK_EVENTS). */
  private openChunk(): void {
    const index = this.length >>> CHUNK_BITS;
    if (index === this.chunks.length) this.chunks.push(newChunk(index === 0 ? FIRST_CHUNK_EVENTS : CHUNK_SIZE));
    else this.chunks[index] = grownChunk(this.chunks[index]);
    this.open = this.chunks[index];
    this.openEnd = (index << CHUNK_BITS) + this.open.kind.length;
  }

  /** The event at position i, rebuilt when it is columnar (a fresh frozen object each time). */
  at(i: number): HistoryEvent {
    const chunk = this.chunks[i >>> CHUNK_BITS];
    const j = i & CHUNK_MASK;
    const first = j & ~BLOCK_MASK;
    let object = chunk.objectBase[j >>> BLOCK_BITS];
    let time = chunk.timeBase[j >>> BLOCK_BITS] - 1;
    for (let k = first; k < j; k += 1) {
      const kind = chunk.kind[k];
      object += pushedObjects(kind);
      time += kind >>> 7;
    }
    const kind = chunk.kind[j];
    time += kind >>> 7;
    if ((kind & SAME_OBJECT) !== 0) object -= 1;
    return this.rebuild(chunk, j, i, this.objects[object], this.times.get(time));
  }

  /**
   * Every kept event, submit, ack and delivery from position `from` on, in order: what the checkers' index reads
   * (the index filters the kept types it wants), found without rebuilding the messages, timers and persists between.
   */
  forEachKeptOrDelivery(from: number, visit: (event: HistoryEvent) => void): void {
    this.forEachKeptOrDeliveryRecord(from, visit, (node, record, i, t) => visit(this.delivery(node, record, i, t)));
  }

  /**
   * What forEachKeptOrDelivery walks, with each columnar delivery given as its node, the number of its shared
   * record (see deliveryRecord), its position and time instead of an event: the checkers' ledger reads deliveries
   * so, since building a million events costs about as much as judging them. A delivery kept as an object (one
   * whose fields did not fit the columns) comes to visitKept like any kept event; so does each submit and ack,
   * built from its columns when it is columnar (a fresh object each walk, not frozen).
   */
  forEachKeptOrDeliveryRecord(
    from: number,
    visitKept: (event: HistoryEvent) => void,
    visitDelivery: (node: number, record: number, i: number, t: number) => void,
  ): void {
    if (from >= this.length) return;
    const start = this.chunks[from >>> CHUNK_BITS];
    const startJ = from & CHUNK_MASK;
    // The object and time cursors just before `from`, found as `at` finds them.
    let object = start.objectBase[startJ >>> BLOCK_BITS];
    let time = start.timeBase[startJ >>> BLOCK_BITS] - 1;
    for (let k = startJ & ~BLOCK_MASK; k < startJ; k += 1) {
      object += pushedObjects(start.kind[k]);
      time += start.kind[k] >>> 7;
    }
    for (let i = from; i < this.length; i += 1) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      const j = i & CHUNK_MASK;
      const kind = chunk.kind[j];
      time += kind >>> 7;
      const base = kind & KIND_MASK;
      // A kept event never shares its slot; a delivery has none.
      if (base === KEPT) visitKept(this.objects[object] as HistoryEvent);
      else if (base === DELIVER) visitDelivery(chunk.node[j], chunk.msg[j], i, this.times.get(time));
      else if (base === SUBMIT || base === ACK) visitKept(this.submitOrAck(base, chunk, j, i, this.times.get(time)));
      object += pushedObjects(kind);
    }
  }

  /** The id, origin, payload and order that the columnar deliveries numbered `record` share (read-only). */
  deliveryRecord(record: number): Delivered {
    return this.deliveries.all[record];
  }

  /** How many delivery records there are: the numbers forEachKeptOrDeliveryRecord gives are below it. */
  get deliveryRecords(): number {
    return this.deliveries.all.length;
  }

  /** Every event in order, without the block scans of `at` (for writing a whole history out). */
  forEach(visit: (event: HistoryEvent) => void): void {
    for (const event of this.values()) visit(event);
  }

  /** Every event in order, each rebuilt once (what iterating the view gives). */
  *values(): Generator<HistoryEvent, void, undefined> {
    let object = 0;
    let time = -1;
    for (let i = 0; i < this.length; i += 1) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      const j = i & CHUNK_MASK;
      const kind = chunk.kind[j];
      time += kind >>> 7;
      const same = (kind & SAME_OBJECT) !== 0 ? 1 : 0;
      yield this.rebuild(chunk, j, i, this.objects[object - same], this.times.get(time));
      object += pushedObjects(kind);
    }
  }

  private rebuild(chunk: Chunk, j: number, i: number, object: unknown, t: number): HistoryEvent {
    switch (chunk.kind[j] & KIND_MASK) {
      case KEPT:
        return object as HistoryEvent;
      case SEND:
        return Object.freeze({
          type: 'send',
          node: chunk.node[j],
          to: chunk.peer[j],
          msg: chunk.msg[j],
          body: object as never,
          i,
          t,
        });
      case RECEIVE:
        return Object.freeze({ type: 'receive', node: chunk.node[j], from: chunk.peer[j], msg: chunk.msg[j], i, t });
      case DROP:
        return Object.freeze({
          type: 'drop',
          node: chunk.node[j],
          to: chunk.peer[j],
          msg: chunk.msg[j],
          reason: object as never,
          i,
          t,
        });
      case DUPLICATE:
        return Object.freeze({ type: 'duplicate', node: chunk.node[j], to: chunk.peer[j], msg: chunk.msg[j], i, t });
      case TIMER:
        return Object.freeze({ type: 'timer', node: chunk.node[j], name: object as string, i, t });
      case PERSIST:
        return Object.freeze({ type: 'persist', node: chunk.node[j], record: object as never, i, t });
      case DELIVER:
        return Object.freeze(this.delivery(chunk.node[j], chunk.msg[j], i, t));
      case SUBMIT:
      case ACK:
        return Object.freeze(this.submitOrAck(chunk.kind[j] & KIND_MASK, chunk, j, i, t));
      default:
        throw new Error(`event ${i} has an unknown kind ${chunk.kind[j]} in the store`);
    }
  }

  /** A columnar submit or ack (`kind`) at position i, in stampEvent's layout; not frozen, as `delivery`. */
  private submitOrAck(kind: number, chunk: Chunk, j: number, i: number, t: number): HistoryEvent {
    const node = chunk.node[j];
    const at = chunk.msg[j];
    const id = this.strings[at];
    const event =
      kind === SUBMIT
        ? { type: 'submit', node, id, payload: this.strings[at + 1], i, t }
        : { type: 'ack', node, id, i, t };
    return event;
  }

  /**
   * The delivery at position i by `node` of record number `record`, in stampEvent's layout (the order, when there is
   * one, after the payload). Not frozen here: the checkers' index keeps what forEachKeptOrDelivery gives it, as it
   * kept the delivery objects the simulator used to record.
   */
  private delivery(node: number, record: number, i: number, t: number): HistoryEvent {
    const { id, origin, payload, order } = this.deliveries.all[record];
    const event =
      order === undefined
        ? { type: 'deliver', node, id, origin, payload, i, t }
        : { type: 'deliver', node, id, origin, payload, order, i, t };
    return event;
  }
}

/** How many recent deliveries a new one is compared with: the nodes deliver an entry at about the same time. */
const RECENT_DELIVERIES = 16;

/**
 * Shares one Delivered among deliveries of the same entry: the same id, origin and payload, and the same order
 * object or an equal flat one (same keys in the same order, same primitive values), so the bytes of the history do
 * not change. A run then keeps one per entry instead of one event object per node (about 100 bytes each).
 *
 * Only the last RECENT_DELIVERIES made are candidates (a ring), found without walking it: first the one made
 * just after the one the same node delivered last (a node delivering in order delivers them in the order they were
 * made), then by id: `newestById` holds, for each id in the ring, the number of the newest one with it. Most new
 * entries have an id no candidate has, so they are made at once; only an id shared by two entries (a duplicate
 * numbered twice) that does not match the newest one walks back through the ring.
 */
class DeliveryInterner {
  /**
   * The keys of each recent one's order (number n at place n % RECENT_DELIVERIES) when it is a flat object, else
   * null: kept beside it, not in it, so that they die with their place in the ring instead of living as long as the
   * history.
   */
  private readonly recentKeys: Array<readonly string[] | null> = new Array<readonly string[] | null>(
    RECENT_DELIVERIES,
  ).fill(null);
  private readonly newestById = new Map<string, number>();
  /**
   * By node: the number of the one it delivered last. A node that delivers entries in order delivers next the one
   * made just after it (the first node to deliver each entry made them in that order), tried before the map.
   */
  private readonly lastByNode: number[] = [];

  /** Every Delivered made, by number. */
  readonly all: Delivered[] = [];

  /** The number of the Delivered that `node`'s delivery of these fields shares, made when no recent one matches. */
  intern(node: number, id: string, origin: unknown, payload: string, order: Delivered['order']): number {
    const next = (this.lastByNode[node] ?? -2) + 1;
    let found = -1;
    if (next >= 0 && next < this.all.length && next >= this.all.length - RECENT_DELIVERIES)
      found = this.matchOne(next, id, origin, payload, order) ? next : -1;
    if (found < 0) {
      const newest = this.newestById.get(id);
      if (newest !== undefined) found = this.match(newest, id, origin, payload, order);
    }
    if (found < 0) found = this.add({ id, origin, payload, order });
    this.lastByNode[node] = found;
    return found;
  }

  /** The newest recent one from `newest` back that matches, or -1 (all recent ones with the id are from there back). */
  private match(newest: number, id: string, origin: unknown, payload: string, order: Delivered['order']): number {
    const oldest = this.all.length - RECENT_DELIVERIES;
    for (let number = newest; number >= 0 && number >= oldest; number -= 1) {
      if (this.matchOne(number, id, origin, payload, order)) return number;
    }
    return -1;
  }

  /** Whether recent one `number` has these fields. */
  private matchOne(number: number, id: string, origin: unknown, payload: string, order: Delivered['order']): boolean {
    const cached = this.all[number];
    return (
      cached.id === id &&
      cached.origin === origin &&
      cached.payload === payload &&
      sameOrder(cached.order, this.recentKeys[number % RECENT_DELIVERIES], order)
    );
  }

  private add(delivered: Delivered): number {
    const number = this.all.length;
    // The one whose place this takes leaves the ring: its id no longer finds it.
    const evicted = number - RECENT_DELIVERIES;
    if (evicted >= 0) {
      const evictedId = this.all[evicted].id;
      if (this.newestById.get(evictedId) === evicted) this.newestById.delete(evictedId);
    }
    this.all.push(delivered);
    this.recentKeys[number % RECENT_DELIVERIES] = delivered.order === undefined ? null : flatKeys(delivered.order);
    this.newestById.set(delivered.id, number);
    return number;
  }
}

/** Whether `order` is `cached` or has exactly its keys `keys` (null: not flat), in that order, with the same values. */
function sameOrder(cached: Delivered['order'], keys: readonly string[] | null, order: Delivered['order']): boolean {
  if (cached === order) return true;
  if (cached === undefined || order === undefined || keys === null) return false;
  let k = 0;
  for (const key in order) {
    if (k === keys.length || keys[k] !== key || cached[key] !== order[key]) return false;
    k += 1;
  }
  return k === keys.length;
}

/** The keys of a flat object (no object inside), or null: a nested order is shared only when it is the same object. */
function flatKeys(order: Readonly<Record<string, unknown>>): readonly string[] | null {
  const keys = Object.keys(order);
  for (const key of keys) {
    const value = order[key];
    if (typeof value === 'object' && value !== null) return null;
  }
  return keys;
}

const views = new WeakMap<object, EventStore>();

/** The store behind an events array, when it is a store's view. */
export function storeOf(events: readonly object[]): EventStore | undefined {
  return views.get(events);
}

/** A canonical array index (what a numeric property key of an array is), or -1. */
function arrayIndex(key: string | symbol): number {
  if (typeof key !== 'string' || key.length === 0) return -1;
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return -1;
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && String(n) === key ? n : -1;
}

function readOnly(): never {
  throw new TypeError('a recorded history is read-only: copy its events first (history.events.slice())');
}

function viewHandler(store: EventStore): ProxyHandler<HistoryEvent[]> {
  return {
    get(target, key, receiver) {
      if (key === 'length') return store.length;
      // Iteration walks the store in order, without a trap and a block scan per element.
      if (key === Symbol.iterator) return () => store.values();
      const i = arrayIndex(key);
      if (i >= 0) return i < store.length ? store.at(i) : undefined;
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      const i = arrayIndex(key);
      if (i >= 0) return i < store.length;
      return Reflect.has(target, key);
    },
    ownKeys() {
      const keys: string[] = [];
      for (let i = 0; i < store.length; i += 1) keys.push(String(i));
      keys.push('length');
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      if (key === 'length') return { value: store.length, writable: true, enumerable: false, configurable: false };
      const i = arrayIndex(key);
      if (i >= 0 && i < store.length)
        return { value: store.at(i), writable: false, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
    preventExtensions: readOnly,
  };
}
