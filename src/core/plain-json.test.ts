import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainJson } from './json.ts';

describe('isPlainJson: exactly what a JSON round trip gives back unchanged', () => {
  it('accepts plain data', () => {
    for (const value of [null, true, 'x', 0, 1.5, [], {}, { a: [1, { b: 'c' }], d: null }, Object.create(null)]) {
      expect(isPlainJson(value), JSON.stringify(value)).toBe(true);
      expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    }
  });

  it('refuses what a round trip would change or cannot carry', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [
      undefined,
      NaN,
      Infinity,
      -0,
      { a: undefined },
      [undefined],
      new Date(0),
      new Map(),
      () => 1,
      1n,
      cyclic,
    ]) {
      expect(isPlainJson(value), String(value)).toBe(false);
    }
  });

  it('whatever it calls plain comes back from a round trip deep-equal, -0 and all; whatever JSON.parse made is plain', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true }),
        (value) => {
          if (!isPlainJson(value)) return true;
          return sameData(JSON.parse(JSON.stringify(value)), value);
        },
      ),
      { numRuns: 2000, seed: 15 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => isPlainJson(JSON.parse(JSON.stringify(value)))),
      { numRuns: 1000, seed: 15 },
    );
    expect(isPlainJson({ a: [1, { b: [-0] }] })).toBe(false);
    expect(isPlainJson([[], [[1, 'x', null, false]]])).toBe(true);
    expect(isPlainJson({ a: { b: { c: undefined } } })).toBe(false);
  });
});

/** Equal as JSON data: numbers by Object.is (so -0 differs from 0), arrays by items, objects by own keys and values. */
function sameData(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
