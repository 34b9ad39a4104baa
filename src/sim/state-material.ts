import type { Json } from '../core/json.ts';

/**
 * A node instance's state as plain data, for state fingerprints. A protocol may say what its state is with an
 * optional `snapshot()`; otherwise every own field is walked. The walk keeps the insertion order of maps and
 * sets (a protocol may iterate them, so two states that differ only in that order may go on differently) and
 * marks shared or cyclic references, so it never merges two states that can behave differently: it may only
 * fail to merge two that could have been (which costs search time, never a missed violation). Functions are not
 * state the walk can see; a protocol that keeps state in closures must write `snapshot()`.
 */
export function instanceMaterial(instance: object): Json {
  const withSnapshot = instance as { snapshot?: () => Json };
  if (typeof withSnapshot.snapshot === 'function') return withSnapshot.snapshot();
  return walk(instance, new Map());
}

function walk(value: unknown, seen: Map<object, number>): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'function':
    case 'symbol':
      return null;
  }
  const object = value as object;
  const earlier = seen.get(object);
  if (earlier !== undefined) return { ref: earlier };
  seen.set(object, seen.size);
  if (Array.isArray(object)) return object.map((item) => walk(item, seen));
  if (object instanceof Map) return { map: [...object].map(([key, item]) => [walk(key, seen), walk(item, seen)]) };
  if (object instanceof Set) return { set: [...object].map((item) => walk(item, seen)) };
  const fields: Json[] = [object.constructor?.name ?? 'Object'];
  for (const key of Object.keys(object)) fields.push(key, walk((object as Record<string, unknown>)[key], seen));
  return fields;
}
