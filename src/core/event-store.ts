import { invariant } from './assert.ts';
import type { HistoryEvent, UnstampedEvent } from './history.ts';

/**
 * A column store for a recorded history: the frequent events (messages, timers, persists) live in typed-array
 * columns, about 21 bytes each plus a slot for their body, record or name, instead of an object of about 100
 * bytes (no pointer compression in Node: 8 bytes a field, 16 more for a fractional time). Every other event
 * (submits, deliveries, acks, node fates, rare types) is kept as the object it was recorded as, so the checkers'
 * index and the store share it.
 *
 * `events` is a read-only array view: reading an index rebuilds the event as one object literal with its fields
 * in the order stampEvent gives them, so JSON.stringify yields the same bytes as before, and array methods
 * (filter, slice, iteration) work unchanged. A rebuilt event is frozen, since changing it would change nothing
 * in the store; writing to the view throws.
 */

const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
/** Node ids and message numbers that fit a column; anything else is kept as an object. */
const MAX_NODE = 0xffff;

const KEPT = 0;
const SEND = 1;
const RECEIVE = 2;
const DROP = 3;
const DUPLICATE = 4;
const TIMER = 5;
const PERSIST = 6;

interface Chunk {
  kind: Uint8Array;
  node: Uint16Array;
  peer: Uint16Array;
  msg: Int32Array;
  t: Float64Array;
  /** Where this event's object (kept event, body, record, timer name or drop reason) is in `objects`, if any. */
  ref: Int32Array;
}

function newChunk(): Chunk {
  return {
    kind: new Uint8Array(CHUNK_SIZE),
    node: new Uint16Array(CHUNK_SIZE),
    peer: new Uint16Array(CHUNK_SIZE),
    msg: new Int32Array(CHUNK_SIZE),
    t: new Float64Array(CHUNK_SIZE),
    ref: new Int32Array(CHUNK_SIZE),
  };
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
      default:
        return false;
    }
    if (!isSmallNode(event.node)) return false;
    const chunk = this.slot();
    const j = this.length & CHUNK_MASK;
    chunk.kind[j] = kind;
    chunk.node[j] = event.node;
    chunk.peer[j] = peer;
    chunk.msg[j] = msg;
    chunk.t[j] = t;
    chunk.ref[j] = kind === RECEIVE || kind === DUPLICATE ? -1 : this.objects.push(object) - 1;
    this.length += 1;
    return true;
  }

  /** Keeps a stamped event as the object it is (its `i` must be this store's length). */
  addKept(event: HistoryEvent): void {
    invariant(event.i === this.length, () => `event ${event.i} recorded at position ${this.length}`);
    const chunk = this.slot();
    const j = this.length & CHUNK_MASK;
    chunk.kind[j] = KEPT;
    chunk.t[j] = event.t;
    chunk.ref[j] = this.objects.push(event) - 1;
    this.length += 1;
  }

  /** The event at position i, rebuilt when it is columnar (a fresh frozen object each time). */
  at(i: number): HistoryEvent {
    const chunk = this.chunks[i >>> CHUNK_BITS];
    const j = i & CHUNK_MASK;
    const ref = chunk.ref[j];
    const t = chunk.t[j];
    switch (chunk.kind[j]) {
      case KEPT:
        return this.objects[ref] as HistoryEvent;
      case SEND:
        return Object.freeze({ type: 'send', node: chunk.node[j], to: chunk.peer[j], msg: chunk.msg[j], body: this.objects[ref] as never, i, t });
      case RECEIVE:
        return Object.freeze({ type: 'receive', node: chunk.node[j], from: chunk.peer[j], msg: chunk.msg[j], i, t });
      case DROP:
        return Object.freeze({ type: 'drop', node: chunk.node[j], to: chunk.peer[j], msg: chunk.msg[j], reason: this.objects[ref] as never, i, t });
      case DUPLICATE:
        return Object.freeze({ type: 'duplicate', node: chunk.node[j], to: chunk.peer[j], msg: chunk.msg[j], i, t });
      case TIMER:
        return Object.freeze({ type: 'timer', node: chunk.node[j], name: this.objects[ref] as string, i, t });
      case PERSIST:
        return Object.freeze({ type: 'persist', node: chunk.node[j], record: this.objects[ref] as never, i, t });
      default:
        throw new Error(`event ${i} has an unknown kind ${chunk.kind[j]} in the store`);
    }
  }

  private slot(): Chunk {
    const index = this.length >>> CHUNK_BITS;
    if (index === this.chunks.length) this.chunks.push(newChunk());
    return this.chunks[index];
  }
}

const views = new WeakMap<object, EventStore>();

/** The store behind an events array, when it is a store's view. */
export function storeOf(events: readonly HistoryEvent[]): EventStore | undefined {
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
      if (i >= 0 && i < store.length) return { value: store.at(i), writable: false, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
    preventExtensions: readOnly,
  };
}
