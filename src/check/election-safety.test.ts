import { describe, expect, it } from 'vitest';
import { electionSafetyChecker } from './election-safety.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';

describe('election-safety with terms', () => {
  it('passes one leader per term, a crash handing over to the next term', () => {
    const h = historyBuilder([1, 2, 3]);
    h.announce(3, { role: 'leader', term: 1, leader: 3 });
    h.announce(1, { role: 'follower', term: 1, leader: 3 });
    h.at(1000).crash(3);
    h.at(3500).announce(2, { role: 'candidate', term: 2 });
    h.announce(2, { role: 'leader', term: 2, leader: 2 });
    h.announce(2, { role: 'leader', term: 2, leader: 2 });
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toEqual({ leaderAnnouncements: 3, leaderTerms: 2, conflictingTerms: 0, splitBrainMs: 0 });
    expect(verdict.summary).toBe('one leader per term over 2 terms');
  });

  it('fails two nodes leading the same term, with both announcements as evidence', () => {
    const h = historyBuilder([1, 2, 3]);
    h.announce(3, { role: 'leader', term: 1 });
    const first = h.at(100).announce(1, { role: 'leader', term: 2 });
    const rival = h.at(200).announce(2, { role: 'leader', term: 2 });
    h.at(300).announce(3, { role: 'leader', term: 2 });
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('nodes 1 and 2 both announced leadership of term 2');
    expect(verdict.evidence).toEqual([first, rival]);
    expect(verdict.details).toMatchObject({ conflictingTerms: 1, leaderTerms: 2 });
  });

  it('measures split brain but passes it when terms tell the leaders apart', () => {
    const h = historyBuilder([1, 2, 3]);
    h.announce(3, { role: 'leader', term: 1 });
    h.at(100).announce(2, { role: 'leader', term: 2 });
    h.at(250).announce(3, { role: 'follower', term: 2, leader: 2 });
    h.at(900).log(1, 'quiet');
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toMatchObject({ splitBrainMs: 150 });
    expect(verdict.summary).toContain('overlapping leaders for 150 ms');
  });

  it('treats primary like leader', () => {
    const h = historyBuilder([1, 2]);
    const first = h.announce(1, { role: 'primary', term: 4 });
    const rival = h.announce(2, { role: 'leader', term: 4 });
    expect(electionSafetyChecker.check(h.build()).evidence).toEqual([first, rival]);
  });
});

describe('election-safety without terms', () => {
  it('fails split brain, with the overlapping announcements as evidence', () => {
    const h = historyBuilder([1, 2, 3]);
    const old = h.announce(3, { role: 'primary' });
    const usurper = h.at(100).announce(2, { role: 'primary' });
    h.at(400).announce(3, { role: 'backup', leader: 2 });
    h.at(1000).log(1, 'end');
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('split brain without terms: nodes 2 and 3 believed they led at once, 300 ms in all');
    expect(verdict.evidence).toEqual([old, usurper]);
    expect(verdict.details).toMatchObject({ splitBrainMs: 300, leaderTerms: 0 });
  });

  it('ends a belief at a crash, so a clean fail-over is no split brain', () => {
    const h = historyBuilder([1, 2, 3]);
    h.announce(3, { role: 'primary' });
    h.at(100).crash(3);
    h.announce(2, { role: 'primary' });
    h.at(500).restart(3);
    h.announce(3, { role: 'backup', leader: 2 });
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toMatchObject({ splitBrainMs: 0 });
  });

  it('runs a belief to the end of the history when nothing ends it', () => {
    const h = historyBuilder([1, 2]);
    h.announce(1, { role: 'primary' });
    h.at(50).announce(2, { role: 'primary' });
    h.at(200).log(1, 'still primary');
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.details).toMatchObject({ splitBrainMs: 150 });
  });

  it('counts time with two or more leaders once, however many overlap', () => {
    const h = historyBuilder([1, 2, 3]);
    h.announce(1, { role: 'leader' });
    h.at(100).announce(2, { role: 'leader' });
    h.at(200).announce(3, { role: 'leader' });
    h.at(300).log(1, 'end');
    expect(electionSafetyChecker.check(h.build()).details).toMatchObject({ splitBrainMs: 200 });
  });

  it('does not count a hand-over at one instant', () => {
    const h = historyBuilder([1, 2]);
    h.announce(1, { role: 'leader' });
    h.at(100).announce(2, { role: 'leader' });
    h.announce(1, { role: 'follower', leader: 2 });
    h.at(200).log(1, 'end');
    expect(electionSafetyChecker.check(h.build()).status).toBe('pass');
  });

  it('ignores followers naming different leaders: only self-belief counts', () => {
    const h = historyBuilder([1, 2, 3]);
    h.announce(1, { role: 'follower', leader: 2 });
    h.announce(3, { role: 'follower', leader: 1 });
    h.at(100).log(1, 'end');
    const verdict = electionSafetyChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.summary).toBe('no node announced itself leader or primary');
  });
});
