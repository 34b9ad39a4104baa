import { describe, expect, it } from 'vitest';
import { chooseFinal, proposeTimestamp, ProposalTracker } from './proposals.ts';

function collection(id: string, startedAtMs = 0) {
  return { id, origin: 1, payload: id, startedAtMs, proposals: new Map<number, number>() };
}

describe('isis proposals', () => {
  it('proposes one above the larger of the clock and the highest earlier proposal', () => {
    expect(proposeTimestamp(0, 0)).toBe(1);
    expect(proposeTimestamp(7, 3)).toBe(8);
    expect(proposeTimestamp(3, 7)).toBe(8);
  });

  it('takes the largest proposal as final, ties going to the highest proposer id', () => {
    expect(
      chooseFinal(
        new Map([
          [1, 4],
          [2, 9],
          [3, 6],
        ]),
      ),
    ).toEqual({ ts: 9, proposer: 2 });
    expect(
      chooseFinal(
        new Map([
          [3, 9],
          [1, 9],
          [2, 4],
        ]),
      ),
    ).toEqual({ ts: 9, proposer: 3 });
    expect(() => chooseFinal(new Map())).toThrow(/at least one proposal/);
  });

  it('records each proposer once and recognises proposals that come after the close as late', () => {
    const tracker = new ProposalTracker(30_000, 10);
    tracker.start(collection('s1'));
    expect(tracker.record('s1', 1, 3)).toBe('recorded');
    expect(tracker.record('s1', 1, 5)).toBe('duplicate');
    expect(tracker.record('s1', 2, 4)).toBe('recorded');
    expect(tracker.close('s1', 100).choice).toEqual({ ts: 4, proposer: 2 });
    expect(tracker.record('s1', 3, 9)).toBe('late');
    expect(tracker.record('s9', 3, 9)).toBe('unknown');
  });

  it('forgets finished collections once they are older than the retention', () => {
    const tracker = new ProposalTracker(30_000, 10);
    tracker.start(collection('s1'));
    tracker.record('s1', 1, 1);
    tracker.close('s1', 1_000);
    expect(tracker.sweep(30_999)).toBe(0);
    expect(tracker.finishedCount).toBe(1);
    expect(tracker.sweep(31_000)).toBe(1);
    expect(tracker.finishedCount).toBe(0);
    expect(tracker.record('s1', 2, 5)).toBe('unknown');
  });

  it('stays under its bound: finished entries go first, then it reports that only open ones are left', () => {
    const tracker = new ProposalTracker(30_000, 2);
    tracker.start(collection('s1'));
    tracker.record('s1', 1, 1);
    tracker.close('s1', 0);
    tracker.start(collection('s2'));
    expect(tracker.makeRoom()).toBe(true);
    tracker.start(collection('s3'));
    expect(tracker.finishedCount).toBe(0);
    expect(tracker.openCount).toBe(2);
    expect(tracker.makeRoom()).toBe(false);
    expect(tracker.oldestOpen()?.id).toBe('s2');
    expect(() => tracker.start(collection('s4'))).toThrow(/no room/);
  });
});
