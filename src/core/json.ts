/** Plain JSON data: what messages and persisted records are made of, so any host can serialize them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Freezes a value and everything inside it. The simulator freezes every message it carries, so a node that
 * mutates a message it sent or received fails loudly (ES modules run in strict mode) instead of silently
 * depending on object identity, which the live host cannot offer.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value as object)) {
      deepFreeze((value as Record<string, unknown>)[key]);
    }
  }
  return value;
}

/**
 * True when `value` is exactly what JSON.parse(JSON.stringify(value)) would give back: null, booleans, strings,
 * finite numbers other than -0, arrays and plain objects of those, with no undefined fields and no cycles (a
 * cycle makes stringify throw, so it is reported as not plain). One walk, no copy: the simulator's wire boundary
 * runs this on every send and encodes only what fails it.
 */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object') return isPlainScalar(value);
  if (value === null) return true;
  if (depth > PLAIN_JSON_DEPTH_MAX) return false;
  // Scalars inside are checked in the loop, without a call each: most messages are a flat object of them.
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null ? !isPlainJson(item, depth + 1) : !isPlainScalar(item))
        return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null ? !isPlainJson(item, depth + 1) : !isPlainScalar(item)) return false;
  }
  return true;
}

/** A string, a boolean, null, or a finite number other than -0 (JSON writes -0 as 0). */
function isPlainScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0);
    case 'object':
      return value === null;
    default:
      return false;
  }
}

/** Deeper than this is taken for a cycle (no message or record of ours nests so deep). */
const PLAIN_JSON_DEPTH_MAX = 64;

/** JSON with object keys sorted, so equal data always gives equal bytes (used for hashing and comparisons). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    // No prototype: a "__proto__" key (JSON.parse makes it an own key) stays a key instead of a prototype change.
    const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(inner as object).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
