import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, matches, messageSchema, payload, type Shape } from './schema.ts';

const SHAPE: Shape = { term: count, text: payload };
const schema = messageSchema({ PING: SHAPE });

/** The check as first written (Object.keys of the value): what matches() must still answer. */
function reference(value: unknown, shape: Shape): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const keys = Object.keys(value);
  if (keys.some((key) => !Object.hasOwn(shape, key)) || keys.length !== Object.keys(shape).length) return false;
  return Object.keys(shape).every((key) => shape[key]((value as Record<string, unknown>)[key]));
}

describe('schema matching', () => {
  it('answers as the Object.keys check for any JSON value, typed or not', () => {
    const near = fc.record(
      { term: fc.oneof(fc.nat(), fc.double(), fc.string()), text: fc.oneof(fc.string(), fc.nat()) },
      { requiredKeys: [] },
    );
    const value = fc.oneof(
      fc.jsonValue(),
      near,
      fc.tuple(near, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a })),
    );
    fc.assert(
      fc.property(value, (candidate) => {
        if (matches(candidate, SHAPE) !== reference(candidate, SHAPE)) return false;
        const typed = candidate !== null && typeof candidate === 'object' ? { type: 'PING', ...candidate } : candidate;
        return schema.check(typed) === reference(typed, { ...SHAPE, type: (v) => v === 'PING' });
      }),
      { numRuns: 2000, seed: 15 },
    );
  });

  it('refuses an extra key, a missing key and an own "__proto__" key; takes a null-prototype object', () => {
    expect(matches({ term: 1, text: 'a' }, SHAPE)).toBe(true);
    expect(matches({ term: 1, text: 'a', more: 1 }, SHAPE)).toBe(false);
    expect(matches({ term: 1 }, SHAPE)).toBe(false);
    expect(matches({}, { anything: () => true })).toBe(false); // missing, even where the check would pass undefined
    expect(matches(JSON.parse('{"term":1,"__proto__":"a"}'), SHAPE)).toBe(false);
    expect(matches(Object.assign(Object.create(null), { term: 1, text: 'a' }), SHAPE)).toBe(true);
    expect(schema.check({ type: 'PING', term: 1, text: 'a', extra: null })).toBe(false);
    expect(schema.check({ type: 'PONG', term: 1, text: 'a' })).toBe(false);
  });

  it('checks a value key by key when its keys come in another order than the last value that passed', () => {
    // The remembered order is only a shortcut: another order, or another key in a remembered place, is looked up.
    const shape: Shape = { a: count, b: count, c: count };
    expect(matches({ a: 1, b: 2, c: 3 }, shape)).toBe(true);
    expect(matches({ c: 3, a: 1, b: 2 }, shape)).toBe(true);
    expect(matches({ c: 3, a: 1, d: 2 }, shape)).toBe(false);
    expect(matches({ a: 1, b: 2, d: 3 }, shape)).toBe(false);
    expect(matches({ a: 1, b: 2, c: -1 }, shape)).toBe(false);
    expect(matches({ a: 1, b: 2, c: 3 }, shape)).toBe(true);
    const typed = messageSchema({ T: shape });
    expect(typed.check({ type: 'T', a: 1, b: 2, c: 3 })).toBe(true);
    expect(typed.check({ a: 1, type: 'T', b: 2, c: 3 })).toBe(true);
    expect(typed.check({ a: 1, type: 'T', b: 2, e: 3 })).toBe(false);
    expect(typed.check({ type: 'T', a: 1, b: 2, c: 3, d: 4 })).toBe(false);
  });

  it('counts own keys only, as Object.keys does, even when Object.prototype has an enumerable key', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    try {
      prototype.polluted = 1;
      expect(matches({ term: 1, text: 'a' }, SHAPE)).toBe(true);
      expect(matches({ term: 1 }, SHAPE)).toBe(false);
      // An inherited key in the very place the last value's own key was: for-in lists it, it is still not own.
      delete prototype.polluted;
      expect(matches({ term: 1, text: 'a' }, SHAPE)).toBe(true);
      expect(schema.check({ type: 'PING', term: 1, text: 'a' })).toBe(true);
      prototype.text = 'a';
      expect(matches({ term: 1 }, SHAPE)).toBe(false);
      expect(schema.check({ type: 'PING', term: 1 })).toBe(false);
    } finally {
      delete prototype.polluted;
      delete prototype.text;
    }
  });
});
