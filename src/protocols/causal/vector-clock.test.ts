import { describe, expect, it } from 'vitest';
import { compareClocks, isClockOfSize, isDeliverable, mergeClocks, slotOf, zeroClock } from './vector-clock.ts';

describe('vector clocks', () => {
  it('puts node k at index k - 1', () => {
    expect(slotOf(1)).toBe(0);
    expect(slotOf(3)).toBe(2);
    expect(() => slotOf(0)).toThrow(/start at 1/);
    expect(zeroClock(3)).toEqual([0, 0, 0]);
  });

  it('delivers the next message of its origin whose other entries we have seen', () => {
    // Seed 002, "simple message exchange": node 3 has delivered nothing yet.
    expect(isDeliverable([0, 0, 0], [1, 0, 0], 1)).toBe(true);
    expect(isDeliverable([1, 0, 0], [1, 1, 0], 2)).toBe(true);
    expect(isDeliverable([1, 1, 0], [1, 1, 1], 3)).toBe(true);
  });

  it('holds back a message whose causal past is not delivered', () => {
    // "Hi" [1,1,0] arrives before "Hello" [1,0,0].
    expect(isDeliverable([0, 0, 0], [1, 1, 0], 2)).toBe(false);
    // A gap in the origin's own messages.
    expect(isDeliverable([0, 0, 0], [2, 0, 0], 1)).toBe(false);
  });

  it('refuses what was already delivered', () => {
    expect(isDeliverable([1, 0, 0], [1, 0, 0], 1)).toBe(false);
    expect(isDeliverable([2, 0, 0], [1, 0, 0], 1)).toBe(false);
  });

  it('ignores entries where the receiver is ahead', () => {
    expect(isDeliverable([0, 0, 5], [0, 1, 2], 2)).toBe(true);
  });

  it('merges entry-wise and tells the order of clocks', () => {
    expect(mergeClocks([1, 0, 3], [0, 2, 1])).toEqual([1, 2, 3]);
    expect(compareClocks([1, 0, 0], [1, 1, 0])).toBe('before');
    expect(compareClocks([1, 1, 1], [1, 1, 0])).toBe('after');
    expect(compareClocks([1, 0, 0], [0, 1, 0])).toBe('concurrent');
    expect(compareClocks([2, 1], [2, 1])).toBe('equal');
    expect(() => mergeClocks([1], [1, 2])).toThrow(/sizes differ/);
  });

  it('checks a clock against the cluster size', () => {
    expect(isClockOfSize([0, 1, 2], 3)).toBe(true);
    expect(isClockOfSize([0, 1], 3)).toBe(false);
    expect(isClockOfSize([0, -1, 2], 3)).toBe(false);
    expect(isClockOfSize([0, 1.5, 2], 3)).toBe(false);
    expect(isClockOfSize('0,1,2', 3)).toBe(false);
  });
});
