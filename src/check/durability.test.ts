import { describe, expect, it } from 'vitest';
import { durabilityChecker } from './durability.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';

describe('durability', () => {
  it('skips without a liveness phase', () => {
    const h = historyBuilder([1]);
    h.submit(1, 's1');
    h.ack(1, 's1');
    const verdict = durabilityChecker.check(h.build());
    expect(verdict.status).toBe('skip');
    expect(verdict.summary).toContain('no liveness phase');
  });

  it('passes when every acked submission survives crashes on every target node', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1');
    h.deliverAll(1, ['s1']);
    h.deliverAll(2, ['s1']);
    h.ack(1, 's1');
    h.crash(1);
    h.crash(3);
    h.phase('liveness');
    h.restart(1);
    h.restart(3);
    h.deliver(3, 's1');
    const verdict = durabilityChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toMatchObject({ ackedSubmissions: 1, targetNodes: 3, lostSubmissions: 0 });
  });

  it('does not hold a node whose restart the host refused (a damaged log) to deliveries: it is down at the end', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1');
    h.deliverAll(1, ['s1']);
    h.deliverAll(3, ['s1']);
    h.ack(1, 's1');
    h.crash(2);
    h.phase('liveness');
    h.restart(2);
    h.refused(2, 3);
    const verdict = durabilityChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toMatchObject({ ackedSubmissions: 1, targetNodes: 2 });
  });

  it("fails an acked submission a target node never delivers, with the ack and that node's last crash", () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1');
    h.deliver(1, 's1');
    const ack = h.at(1200).ack(1, 's1');
    const crash = h.at(1300).crash(2);
    h.phase('liveness');
    h.restart(2);
    h.deliver(3, 's1');
    const verdict = durabilityChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe(
      's1 was acked by node 1 at t=1200 ms but node 2 never delivered it (it last crashed at t=1300 ms)',
    );
    expect(verdict.evidence).toEqual([ack, crash]);
    expect(verdict.details).toMatchObject({ lostSubmissions: 1, missingByNode: { '2': 1 } });
  });

  it('ignores unacked submissions, which only eventual delivery owes', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.phase('liveness');
    const verdict = durabilityChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.summary).toBe('no submission was acked, so no commitment could be lost');
  });

  it('lists every lost id when several are lost', () => {
    const h = historyBuilder([1, 2]);
    for (const id of ['s1', 's2']) {
      h.submit(1, id);
      h.deliver(1, id);
      h.ack(1, id);
    }
    h.phase('liveness');
    const verdict = durabilityChecker.check(h.build());
    expect(verdict.summary).toContain('lost in all: s1, s2');
    expect(verdict.evidence).toHaveLength(1);
  });
});
