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
});
