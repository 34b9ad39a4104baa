import { describe, expect, it } from 'vitest';
import { fifoOrderChecker } from './fifo-order.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';

describe('fifo-order', () => {
  it('passes when each origin is delivered in submit order, origins interleaved freely', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 'a1');
    h.submit(2, 'b1');
    h.submit(1, 'a2');
    h.submit(2, 'b2');
    h.deliverAll(1, ['a1', 'a2', 'b1', 'b2']);
    h.deliverAll(2, ['b1', 'a1', 'b2', 'a2']);
    h.deliverAll(3, ['b1', 'b2']);
    const verdict = fifoOrderChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toEqual({ deliveriesChecked: 10, violations: 0 });
  });

  it("fails a node that delivers an origin's second submission before its first", () => {
    const h = historyBuilder([1, 2]);
    const first = h.submit(1, 'a1');
    const second = h.submit(1, 'a2');
    h.deliverAll(1, ['a1', 'a2']);
    const early = h.deliver(2, 'a2');
    h.deliver(2, 'a1');
    const verdict = fifoOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('node 2 delivered a2 (2nd from node 1) before a1 (1st from node 1)');
    expect(verdict.evidence).toEqual([first, second, early]);
  });

  it('fails when the earlier submission is skipped altogether, naming the first one missing', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 'a1');
    const missing = h.submit(1, 'a2');
    const third = h.submit(1, 'a3');
    h.deliver(2, 'a1');
    const early = h.deliver(2, 'a3');
    const verdict = fifoOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toEqual([missing, third, early]);
    expect(verdict.summary).toContain('before a2 (2nd from node 1)');
  });

  it('passes a node that crashed and restarted and resumed where it stopped', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 'a1');
    h.submit(1, 'a2');
    h.deliver(2, 'a1');
    h.crash(2);
    h.restart(2);
    h.deliver(2, 'a2');
    expect(fifoOrderChecker.check(h.build()).status).toBe('pass');
  });

  it('uses the submit event as the origin, not what the delivery claims', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 'a1');
    h.submit(1, 'a2');
    h.deliver(3, 'a2', { origin: 2 });
    expect(fifoOrderChecker.check(h.build()).status).toBe('fail');
  });
});
