import { describe, expect, it } from 'vitest';
import { eventualDeliveryChecker } from './eventual-delivery.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';

describe('eventual-delivery', () => {
  it('skips, saying why, when the history has no liveness phase', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.status).toBe('skip');
    expect(verdict.summary).toContain('no liveness phase');
    expect(verdict.kind).toBe('liveness');
  });

  it('passes when a crashed node restarts in the liveness phase and catches up', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1');
    h.submit(2, 's2');
    h.deliverAll(1, ['s1', 's2']);
    h.deliverAll(2, ['s1', 's2']);
    h.deliver(3, 's1');
    h.crash(3);
    h.phase('liveness');
    h.restart(3);
    h.deliver(3, 's2');
    h.phase('end');
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toEqual({ countedSubmissions: 2, targetNodes: 3, missing: 0, missingByNode: {} });
  });

  it("fails a target node that never delivers, with the submit and the node's last crash", () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1');
    const lost = h.submit(1, 's2');
    h.deliverAll(1, ['s1', 's2']);
    h.deliverAll(2, ['s1', 's2']);
    h.crash(3);
    h.restart(3);
    const lastCrash = h.crash(3);
    h.phase('liveness');
    h.restart(3);
    h.deliver(3, 's1');
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('1 missing delivery after the liveness phase: node 3 lacks s2');
    expect(verdict.evidence).toEqual([lost, lastCrash]);
    expect(verdict.details).toMatchObject({ missing: 1, missingByNode: { '3': 1 } });
  });

  it('names every node that misses something and keeps evidence to the earliest miss', () => {
    const h = historyBuilder([1, 2, 3]);
    const first = h.submit(1, 's1');
    h.submit(1, 's2');
    h.deliverAll(1, ['s1', 's2']);
    h.deliver(3, 's2');
    h.phase('liveness');
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.summary).toBe('3 missing deliveries after the liveness phase: node 2 lacks s1, s2; node 3 lacks s1');
    expect(verdict.evidence).toEqual([first]);
  });

  it('does not count a submission whose submitter crashed after it and that nobody acked', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.crash(1);
    h.phase('liveness');
    h.restart(1);
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toMatchObject({ countedSubmissions: 0 });
  });

  it('counts an acked submission even when its submitter crashed', () => {
    const h = historyBuilder([1, 2]);
    const submit = h.submit(1, 's1');
    h.deliver(1, 's1');
    h.ack(1, 's1');
    h.crash(1);
    h.phase('liveness');
    h.restart(1);
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toEqual([submit]);
    expect(verdict.summary).toContain('node 2 lacks s1');
  });

  it('counts an ack for an id without a submit, with the ack as evidence', () => {
    const h = historyBuilder([1, 2]);
    const ack = h.ack(1, 'phantom');
    h.phase('liveness');
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toEqual([ack]);
  });

  it('holds only nodes that are up and not paused at the end to account', () => {
    const h = historyBuilder([1, 2, 3, 4]);
    h.submit(1, 's1');
    h.deliver(1, 's1');
    h.crash(2);
    h.pause(3);
    h.pause(4);
    h.phase('liveness');
    h.resume(4);
    const verdict = eventualDeliveryChecker.check(h.build());
    expect(verdict.details).toMatchObject({ targetNodes: 2, missing: 1, missingByNode: { '4': 1 } });
  });
});
