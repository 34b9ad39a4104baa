import { describe, expect, it } from 'vitest';
import { classifySeq, higherNodes, onCoordinator, onElection, onRivalPrimary } from './decisions.ts';

describe('Bully decisions', () => {
  it('asks only higher ids', () => {
    expect(higherNodes(2, [1, 2, 3, 4])).toEqual([3, 4]);
    expect(higherNodes(4, [1, 2, 3, 4])).toEqual([]);
  });

  it('lets a backup follow any announced primary, a primary yield only to a higher id', () => {
    expect(onCoordinator('backup', 3, 1)).toBe('adopt');
    expect(onCoordinator('backup', 1, 3)).toBe('adopt');
    expect(onCoordinator('primary', 2, 3)).toBe('adopt');
    expect(onCoordinator('primary', 3, 2)).toBe('reassert');
    expect(onRivalPrimary(2, 3)).toBe('step-down');
    expect(onRivalPrimary(3, 2)).toBe('reassert');
  });

  it('answers an ELECTION with OK, then leads the asker to the primary or runs its own election', () => {
    expect(onElection('primary')).toBe('ok-and-coordinator');
    expect(onElection('backup')).toBe('ok-and-elect');
  });
});

describe("the backup's sequence check", () => {
  it('delivers the expected seq, delivers past a gap, drops the past', () => {
    expect(classifySeq(4, 5)).toBe('next');
    expect(classifySeq(4, 7)).toBe('gap');
    expect(classifySeq(4, 4)).toBe('stale');
    expect(classifySeq(4, 2)).toBe('stale');
    expect(classifySeq(0, 1)).toBe('next');
  });
});
