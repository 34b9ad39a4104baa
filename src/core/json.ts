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
