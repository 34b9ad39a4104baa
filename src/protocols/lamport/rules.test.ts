import { describe, expect, it } from 'vitest';
import { randomStream } from '../../core/rng.ts';
import { pickPeers } from './gossip.ts';
import { compareHeld, type HeldMessage, LamportHoldback } from './holdback.ts';
import { stableAllPeers, stableDocumented } from './stability.ts';

function held(id: string, ts: number, origin: number): HeldMessage {
  return { id, ts, origin, payload: id };
}

describe('lamport holdback', () => {
  it('orders by (ts, origin), then submission id', () => {
    expect(compareHeld(held('z', 1, 9), held('a', 2, 1))).toBeLessThan(0);
    expect(compareHeld(held('z', 2, 1), held('a', 2, 2))).toBeLessThan(0);
    expect(compareHeld(held('s1', 2, 2), held('s2', 2, 2))).toBeLessThan(0);
    expect(compareHeld(held('s2', 2, 2), held('s1', 2, 2))).toBeGreaterThan(0);
  });

  it('keeps messages sorted and releases the head only while the rule holds', () => {
    const queue = new LamportHoldback(10);
    for (const message of [held('c', 3, 1), held('b', 2, 2), held('a', 2, 1), held('d', 7, 1)]) queue.insert(message);
    expect(queue.entries().map((message) => message.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.takeWhile((head) => head.ts < 3).map((message) => message.id)).toEqual(['a', 'b']);
    expect(queue.head()?.id).toBe('c');
    expect(queue.takeWhile(() => false)).toEqual([]);
    expect(queue.size).toBe(2);
  });

  it('refuses duplicates and stays under its bound', () => {
    const queue = new LamportHoldback(2);
    queue.insert(held('a', 1, 1));
    expect(() => queue.insert(held('a', 1, 1))).toThrow(/already held/);
    queue.insert(held('b', 1, 2));
    expect(queue.full).toBe(true);
    expect(() => queue.insert(held('c', 0, 1))).toThrow(/full/);
  });
});

describe('lamport stability rules', () => {
  it('documented: the head goes once its ts is below the local clock', () => {
    expect(stableDocumented(4, 5)).toBe(true);
    expect(stableDocumented(5, 5)).toBe(false);
    expect(stableDocumented(6, 5)).toBe(false);
  });

  it('all-peers: the head goes once every live peer has sent a clock at least its ts', () => {
    const heard = new Map([
      [2, 7],
      [3, 4],
    ]);
    expect(stableAllPeers(4, [2, 3], heard)).toBe(true);
    expect(stableAllPeers(5, [2, 3], heard)).toBe(false);
    // A dead peer no longer counts; a live peer never heard from blocks everything.
    expect(stableAllPeers(5, [2], heard)).toBe(true);
    expect(stableAllPeers(0, [2, 3, 4], heard)).toBe(false);
    expect(stableAllPeers(9, [], heard)).toBe(true);
  });
});

describe('lamport gossip targets', () => {
  it('picks `count` distinct candidates, all of them when there are fewer, in ascending order', () => {
    const stream = randomStream(1, 'gossip');
    const random = () => stream.next();
    const seen = new Set<string>();
    for (let round = 0; round < 50; round += 1) {
      const picked = pickPeers([2, 3, 4, 5, 6], 3, random);
      expect(picked).toHaveLength(3);
      expect(new Set(picked).size).toBe(3);
      expect(picked).toEqual(picked.slice().sort((a, b) => a - b));
      for (const peer of picked) expect([2, 3, 4, 5, 6]).toContain(peer);
      seen.add(picked.join(','));
    }
    // Uniform over the 10 possible triples: 50 draws see more than one of them.
    expect(seen.size).toBeGreaterThan(3);
    expect(pickPeers([4, 2], 3, random)).toEqual([2, 4]);
    expect(pickPeers([], 3, random)).toEqual([]);
  });
});
