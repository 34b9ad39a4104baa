import { describe, expect, it } from 'vitest';
import { exactlyOnceChecker } from './exactly-once.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';

describe('exactly-once', () => {
  it('passes when each node delivers each submission once, a restarted node catching up', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1', 'hello');
    h.submit(2, 's2', 'world');
    h.deliverAll(1, ['s1', 's2']);
    h.deliverAll(2, ['s1', 's2']);
    h.deliver(3, 's1');
    h.crash(3);
    h.restart(3);
    h.deliver(3, 's2');
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.evidence).toEqual([]);
    expect(verdict.details).toMatchObject({ deliveries: 6, submissions: 2, duplicate: 0, created: 0, corrupted: 0 });
  });

  it('fails a duplicate delivery across a restart, with both deliveries as evidence', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.deliver(1, 's1');
    const first = h.at(100).deliver(2, 's1');
    h.at(200).crash(2);
    h.at(300).restart(2);
    const again = h.at(400).deliver(2, 's1');
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('node 2 delivered s1 twice (t=100 ms and t=400 ms, across a restart)');
    expect(verdict.evidence).toEqual([first, again]);
    expect(verdict.details).toMatchObject({ duplicate: 1, created: 0, corrupted: 0 });
  });

  it('fails a duplicate delivery without any crash and counts every repeat', () => {
    const h = historyBuilder([1]);
    h.submit(1, 's1');
    const first = h.deliver(1, 's1');
    const second = h.deliver(1, 's1');
    h.deliver(1, 's1');
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toMatch(/^node 1 delivered s1 twice \(t=0 ms and t=0 ms\) \(2 violations in all\)$/);
    expect(verdict.evidence).toEqual([first, second]);
    expect(verdict.details).toMatchObject({ duplicate: 2 });
  });

  it('fails the delivery of an id nobody submitted (creation)', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.deliver(2, 's1');
    const invented = h.deliver(2, 's9', { origin: 1, payload: 'ghost' });
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('node 2 delivered s9, which nobody submitted');
    expect(verdict.evidence).toEqual([invented]);
    expect(verdict.details).toMatchObject({ created: 1 });
  });

  it('fails a delivery that claims the wrong origin, with the submit as evidence', () => {
    const h = historyBuilder([1, 2, 3]);
    const submit = h.submit(1, 's1');
    const wrong = h.deliver(3, 's1', { origin: 2 });
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('node 3 delivered s1 as from node 2, but node 1 submitted it');
    expect(verdict.evidence).toEqual([submit, wrong]);
    expect(verdict.details).toMatchObject({ corrupted: 1 });
  });

  it('fails a delivery whose payload differs from the submitted one', () => {
    const h = historyBuilder([1, 2]);
    const submit = h.submit(1, 's1', 'transfer 10');
    h.deliver(1, 's1');
    const corrupted = h.deliver(2, 's1', { payload: 'transfer 1000' });
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('node 2 delivered s1 with payload "transfer 1000", submitted as "transfer 10"');
    expect(verdict.evidence).toEqual([submit, corrupted]);
  });

  it('reports the earliest violation first when there are several kinds', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    const invented = h.deliver(1, 'x', { origin: 2 });
    h.deliver(2, 's1');
    h.deliver(2, 's1');
    const verdict = exactlyOnceChecker.check(h.build());
    expect(verdict.evidence).toEqual([invented]);
    expect(verdict.summary).toContain('(2 violations in all)');
    expect(verdict.details).toMatchObject({ created: 1, duplicate: 1 });
  });
});
