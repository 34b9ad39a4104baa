/**
 * Wire schemas: one declaration per message, from which a protocol builds its `isMessage`. A schema is strict
 * -- every field typed and bounded, every key required, no key it does not name -- because a live host hands a
 * protocol whatever a socket produced: a message with an extra key, a term near 2^53 or a megabyte of payload
 * must be refused at the door, not half-accepted by a handler that copies it into a durable record.
 *
 * The bounds are ones no honest node reaches:
 * - counters (terms, sequence numbers, Lamport clocks, vector-clock entries, hop counts) at most COUNT_MAX =
 *   2^48. A node that counted a million events a second would need 8.9 years to get there, and COUNT_MAX + 1 is
 *   still an exact JSON number, so a node that adds one to the largest value it accepted stays representable;
 *   the protocols never go past COUNT_MAX themselves (see `nextCount`).
 * - node ids 1..NODE_ID_MAX, submission ids at most ID_LENGTH_MAX characters, payloads at most
 *   PAYLOAD_LENGTH_MAX UTF-16 code units (a live host accepts at most that many UTF-8 bytes from its user, which
 *   is never more code units).
 * - batches (catch-up, sync) at most BATCH_BYTES_MAX bytes of JSON, so a batch always fits a frame (the live host
 *   refuses frame limits below FRAME_BYTES_FLOOR) whatever its entries hold; one entry at its largest (every
 *   character escaped as \uXXXX) fits a batch on its own, so a batch always makes progress.
 */

/** A check of one value; true when the value is what the schema allows. */
export type Check = (value: unknown) => boolean;

export const COUNT_MAX = 2 ** 48;
export const NODE_ID_MAX = 1_000_000;
export const ID_LENGTH_MAX = 256;
export const PAYLOAD_LENGTH_MAX = 4096;
/** The most bytes one entry's JSON can take: every payload and id character escaped (6 bytes), plus the rest. */
export const ENTRY_BYTES_MAX = 6 * (PAYLOAD_LENGTH_MAX + ID_LENGTH_MAX) + 512;
export const BATCH_BYTES_MAX = 60_000;
/** The smallest frame limit a live host accepts: a full batch plus its envelope (from, ref, mac) fits it. */
export const FRAME_BYTES_FLOOR = 64 * 1024;

/** A whole number in [min, max]. */
export const integer =
  (min: number, max: number): Check =>
  (value) =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/** Terms, sequence numbers, clocks: 0..COUNT_MAX. */
export const count: Check = integer(0, COUNT_MAX);
export const nodeId: Check = integer(1, NODE_ID_MAX);
/**
 * A counter in a node's own durable record: any exact whole number. Lamport and vector clocks move one past the
 * largest value received, so a forged message at COUNT_MAX can carry a node's clock a little past it; its later
 * messages are then refused by its peers (a forger without the secret can stall such a protocol anyway), but the
 * node must still be able to restart from what it wrote.
 */
export const storedCount: Check = integer(0, Number.MAX_SAFE_INTEGER);

/** A string of at most `lengthMax` UTF-16 code units (and at least `lengthMin`). */
export const text =
  (lengthMax: number, lengthMin = 0): Check =>
  (value) =>
    typeof value === 'string' && value.length >= lengthMin && value.length <= lengthMax;

export const submissionId: Check = text(ID_LENGTH_MAX, 1);
export const payload: Check = text(PAYLOAD_LENGTH_MAX);
export const boolean: Check = (value) => typeof value === 'boolean';
export const oneOf =
  (...allowed: readonly unknown[]): Check =>
  (value) =>
    allowed.includes(value);

export const nullable =
  (inner: Check): Check =>
  (value) =>
    value === null || inner(value);

/** An array of `lengthMin..lengthMax` items, each passing `item`. */
export const arrayOf =
  (item: Check, lengthMax: number, lengthMin = 0): Check =>
  (value) =>
    Array.isArray(value) && value.length >= lengthMin && value.length <= lengthMax && value.every(item);

/** The fields of one object: every one required, no other key allowed. */
export type Shape = Readonly<Record<string, Check>>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A shape made ready for checking many values: its keys with their checks, and the order in which the last value
 * that passed listed its keys. Messages built by the same code list their keys in the same order, so most values
 * are matched key for key against that order in one for-in walk (reading each value as the walk gives its key,
 * V8's fast path), with no key array made and no key looked up.
 */
interface CompiledShape {
  /** Every key allowed, with its check (null: checked by the caller). */
  readonly known: ReadonlyMap<string, Check | null>;
  /** The own keys of the last value that passed, in its order, and their checks (null before the first). */
  order: readonly string[] | null;
  orderChecks: ReadonlyArray<Check | null>;
}

/** Each shape compiled once: a host checks every message it carries against a shape. */
const compiledShapes = new WeakMap<Shape, CompiledShape>();

function compiled(shape: Shape): CompiledShape {
  let result = compiledShapes.get(shape);
  if (result === undefined) {
    result = compileShape(shape, Object.keys(shape));
    compiledShapes.set(shape, result);
  }
  return result;
}

/** `known`: every key allowed; `checked`: those whose value is checked here (the others are checked by the caller). */
function compileShape(shape: Shape, known: readonly string[], checked: readonly string[] = known): CompiledShape {
  const checks = new Map<string, Check | null>(known.map((key) => [key, checked.includes(key) ? shape[key] : null]));
  return { known: checks, order: null, orderChecks: [] };
}

/** Exactly the keys of `shape` (own keys, so "__proto__" as a JSON key counts as a key), each passing its check. */
export function matches(value: unknown, shape: Shape): value is Record<string, unknown> {
  return matchesCompiled(value, compiled(shape));
}

function matchesCompiled(value: unknown, shape: CompiledShape): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const order = shape.order;
  if (order !== null) {
    const verdict = matchesInOrder(value, order, shape.orderChecks);
    if (verdict !== undefined) return verdict;
  }
  return matchesAnyOrder(value, shape);
}

/**
 * The verdict when the value lists exactly the keys `order` in that order, else undefined. for-in lists a value's
 * own keys before any inherited one, so when the last key it lists is own, every key it listed is: then the own
 * enumerable keys are exactly `order`. A failing check is a false verdict whatever the keys turn out to be (with
 * other keys the value fails anyway), so checks run as the walk goes.
 */
function matchesInOrder(
  value: Record<string, unknown>,
  order: readonly string[],
  checks: ReadonlyArray<Check | null>,
): boolean | undefined {
  let k = 0;
  let last = '';
  for (const key in value) {
    if (k === order.length || key !== order[k]) return undefined;
    const check = checks[k];
    if (check !== null && !check(value[key])) return false;
    last = key;
    k += 1;
  }
  if (k !== order.length || (k > 0 && !Object.hasOwn(value, last))) return undefined;
  return true;
}

/**
 * The general case. Object.keys lists the value's own enumerable string keys (what for-in lists once inherited ones
 * are skipped), distinct, so when there are as many as the shape allows and each is one it allows, they are exactly
 * its keys. A value that passes gives its key order to the next values.
 */
function matchesAnyOrder(value: Record<string, unknown>, shape: CompiledShape): boolean {
  const own = Object.keys(value);
  if (own.length !== shape.known.size) return false;
  const checks: Array<Check | null> = [];
  for (const key of own) {
    const check = shape.known.get(key);
    if (check === undefined) return false;
    checks.push(check);
  }
  for (let k = 0; k < own.length; k += 1) {
    const check = checks[k];
    if (check !== null && !check(value[own[k]])) return false;
  }
  shape.order = own;
  shape.orderChecks = checks;
  return true;
}

export const object =
  (shape: Shape): Check =>
  (value) =>
    matches(value, shape);

/**
 * The schema of a protocol's messages: one shape per `type` (the shapes leave out "type"). `check` is the
 * protocol's isMessage; `types` lists what it accepts, for docs and tests.
 */
export function messageSchema(shapes: Readonly<Record<string, Shape>>): { check: Check; types: string[] } {
  const withType = new Map<string, CompiledShape>();
  for (const [type, shape] of Object.entries(shapes)) {
    // The type is known once the value's own "type" (an allowed key, so an own one) found this shape.
    const checked = Object.keys(shape).filter((key) => key !== 'type');
    withType.set(type, compileShape(shape, [...checked, 'type'], checked));
  }
  return {
    types: [...withType.keys()],
    check: (value) => {
      if (!isPlainObject(value) || typeof value.type !== 'string') return false;
      const shape = withType.get(value.type);
      return shape !== undefined && matchesCompiled(value, shape);
    },
  };
}

/**
 * A fresh object holding exactly the fields of `shape`, copied from a validated value, in the shape's key order:
 * what a protocol persists is built from what it checked, never spread from what it received.
 */
export function pick<T>(value: Readonly<Record<string, unknown>>, shape: Shape): T {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) copy[key] = value[key];
  return copy as T;
}

/** value + 1, or null when that would pass COUNT_MAX: a protocol refuses to make a counter no peer would accept. */
export function nextCount(value: number): number | null {
  return value >= COUNT_MAX ? null : value + 1;
}

/** UTF-8 bytes of a string, without Buffer (protocol code stays free of host APIs). */
export function utf8Bytes(textValue: string): number {
  let bytes = 0;
  for (let index = 0; index < textValue.length; index += 1) {
    const code = textValue.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < textValue.length) {
      const next = textValue.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Bytes of a value's JSON, as a host would put it on the wire. */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value));
}

/**
 * The longest prefix of `items` whose JSON fits in `bytesMax` (with a comma each), and never fewer than one item
 * when there is one: the caller guarantees a single item fits (ENTRY_BYTES_MAX <= BATCH_BYTES_MAX).
 */
export function prefixWithin<T>(items: readonly T[], countMax: number, bytesMax: number = BATCH_BYTES_MAX): T[] {
  const batch: T[] = [];
  let bytes = 2;
  for (const item of items) {
    if (batch.length >= countMax) break;
    const itemBytes = jsonBytes(item) + 1;
    if (batch.length > 0 && bytes + itemBytes > bytesMax) break;
    batch.push(item);
    bytes += itemBytes;
  }
  return batch;
}
