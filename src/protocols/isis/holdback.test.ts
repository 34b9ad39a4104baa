import { describe, expect, it } from 'vitest';
import { compareKeys, Holdback, type HoldbackEntry } from './holdback.ts';

function entry(id: string, ts: number, proposer: number, final: boolean): HoldbackEntry {
  return { key: { ts, proposer, id }, final, origin: proposer, payload: id };
}

describe('isis order keys', () => {
  it('orders by timestamp, then proposer id, then submission id', () => {
    expect(compareKeys({ ts: 1, proposer: 3, id: 'z' }, { ts: 2, proposer: 1, id: 'a' })).toBeLessThan(0);
    expect(compareKeys({ ts: 2, proposer: 1, id: 'z' }, { ts: 2, proposer: 2, id: 'a' })).toBeLessThan(0);
    expect(compareKeys({ ts: 2, proposer: 2, id: 's1' }, { ts: 2, proposer: 2, id: 's2' })).toBeLessThan(0);
    expect(compareKeys({ ts: 2, proposer: 2, id: 's2' }, { ts: 2, proposer: 2, id: 's1' })).toBeGreaterThan(0);
    expect(compareKeys({ ts: 2, proposer: 2, id: 's1' }, { ts: 2, proposer: 2, id: 's1' })).toBe(0);
  });
});

describe('isis holdback queue', () => {
  it('keeps entries sorted by key whatever the insertion order', () => {
    const queue = new Holdback(10);
    queue.insert(entry('c', 5, 1, false));
    queue.insert(entry('a', 2, 3, false));
    queue.insert(entry('b', 2, 4, false));
    queue.insert(entry('d', 1, 2, true));
    expect(queue.entries().map((held) => held.key.id)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('delivers nothing behind a non-final head, then everything final once the head is final', () => {
    const queue = new Holdback(10);
    queue.insert(entry('a', 1, 1, false));
    queue.insert(entry('b', 2, 1, true));
    queue.insert(entry('c', 3, 1, true));
    expect(queue.takeDeliverable()).toEqual([]);
    queue.finalize('a', 1, 2);
    expect(queue.takeDeliverable().map((held) => held.key.id)).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('moves a finalized entry to its agreed place and stops at the next non-final one', () => {
    const queue = new Holdback(10);
    queue.insert(entry('a', 1, 1, false));
    queue.insert(entry('b', 2, 1, false));
    queue.insert(entry('c', 4, 1, true));
    queue.finalize('a', 3, 2);
    expect(queue.entries().map((held) => held.key.id)).toEqual(['b', 'a', 'c']);
    expect(queue.takeDeliverable()).toEqual([]);
    queue.finalize('b', 2, 3);
    expect(queue.takeDeliverable().map((held) => held.key.id)).toEqual(['b', 'a', 'c']);
  });

  it('refuses to go past its bound and to hold one id twice', () => {
    const queue = new Holdback(2);
    queue.insert(entry('a', 1, 1, false));
    expect(() => queue.insert(entry('a', 2, 1, false))).toThrow(/already held/);
    queue.insert(entry('b', 2, 1, false));
    expect(queue.full).toBe(true);
    expect(() => queue.insert(entry('c', 3, 1, false))).toThrow(/full/);
  });
});
