import { describe, expect, it } from 'vitest';
import { BoundedSet } from './bounded-set.ts';

describe("a bounded set (the seeds' id caches)", () => {
  it('forgets the oldest id past its limit; adding a known id does not refresh it', () => {
    const cache = new BoundedSet<string>(2);
    cache.add('a');
    cache.add('b');
    cache.add('a');
    cache.add('c');
    expect(cache.size).toBe(2);
    expect(cache.has('a')).toBe(false);
    expect(cache.has('b')).toBe(true);
    expect(cache.has('c')).toBe(true);
  });

  it('refuses a limit below 1', () => {
    expect(() => new BoundedSet(0)).toThrow(/limit >= 1/);
  });
});
