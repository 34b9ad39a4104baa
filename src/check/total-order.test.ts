import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History } from '../core/history.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';
import { totalOrderChecker } from './total-order.ts';

describe('total-order', () => {
  it('passes when every node delivers in one order and lagging nodes hold a prefix', () => {
    const h = historyBuilder([1, 2, 3]);
    for (const id of ['s1', 's2', 's3']) h.submit(1, id);
    h.deliverAll(1, ['s1', 's2', 's3']);
    h.deliverAll(2, ['s1', 's2', 's3']);
    h.deliverAll(3, ['s1', 's2']);
    const verdict = totalOrderChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.evidence).toEqual([]);
    expect(verdict.details).toMatchObject({ nodePairs: 3, commonDeliveries: 3 + 2 + 2, neverCrashedNodes: 3 });
  });

  it('fails the pairwise form with the four deliveries of a reversed pair', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 's1');
    h.submit(2, 's2');
    const oneFirst = h.deliver(1, 's1');
    const oneSecond = h.deliver(1, 's2');
    const twoFirst = h.deliver(2, 's2');
    const twoSecond = h.deliver(2, 's1');
    h.deliverAll(3, ['s1', 's2']);
    const verdict = totalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.details).toMatchObject({ form: 'pairwise', conflictingPairs: 2 });
    expect(verdict.summary).toMatch(/^node 1 delivered s1 before s2, node 2 the reverse/);
    expect(verdict.evidence).toEqual([oneFirst, oneSecond, twoFirst, twoSecond]);
  });

  it('names the one pair that disagrees among many nodes', () => {
    const h = historyBuilder([1, 2, 3, 4]);
    for (const id of ['a', 'b', 'c', 'd']) h.submit(1, id);
    h.deliverAll(1, ['a', 'b']);
    h.deliverAll(2, ['a', 'b']);
    h.crash(3);
    h.restart(3);
    const three = h.deliverAll(3, ['c', 'd']);
    h.crash(4);
    h.restart(4);
    const four = h.deliverAll(4, ['d', 'c']);
    const verdict = totalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe('node 3 delivered c before d, node 4 the reverse');
    expect(verdict.details).toMatchObject({ form: 'pairwise', conflictingPairs: 1, nodePairs: 6, commonDeliveries: 4 });
    expect(verdict.evidence).toEqual([...three, ...four]);
  });

  it('judges first deliveries only, so a repeated delivery is no reordering', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.submit(1, 's2');
    h.deliverAll(1, ['s1', 's2', 's1']);
    h.deliverAll(2, ['s1', 's2']);
    expect(totalOrderChecker.check(h.build()).status).toBe('pass');
  });

  it('fails the prefix form when a never-crashed node skipped a delivery', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.submit(1, 's2');
    const oneFirst = h.deliver(1, 's1');
    h.deliver(1, 's2');
    const twoFirst = h.deliver(2, 's2');
    const verdict = totalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.details).toMatchObject({ form: 'prefix' });
    expect(verdict.summary).toBe(
      'nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2',
    );
    expect(verdict.evidence).toEqual([oneFirst, twoFirst]);
  });

  it('fails the prefix form when two never-crashed nodes of equal length diverge at the end', () => {
    const h = historyBuilder([1, 2]);
    for (const id of ['s1', 's2', 's3']) h.submit(1, id);
    h.deliverAll(1, ['s1', 's2']);
    const twoSecond = h.deliverAll(2, ['s1', 's3'])[1];
    const verdict = totalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.details).toMatchObject({ form: 'prefix' });
    expect(verdict.evidence.map((event) => event.i)).toContain(twoSecond.i);
  });

  it('does not hold a node that crashed to the prefix form', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 's1');
    h.submit(1, 's2');
    h.deliverAll(1, ['s1', 's2']);
    h.crash(2);
    h.restart(2);
    h.deliver(2, 's2');
    const verdict = totalOrderChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toMatchObject({ neverCrashedNodes: 1 });
  });

  it('passes a node that crashed, restarted and caught up in the same order', () => {
    const h = historyBuilder([1, 2, 3]);
    for (const id of ['s1', 's2', 's3']) h.submit(2, id);
    h.deliverAll(1, ['s1', 's2', 's3']);
    h.deliverAll(2, ['s1', 's2', 's3']);
    h.deliver(3, 's1');
    h.crash(3);
    h.restart(3);
    h.deliverAll(3, ['s2', 's3']);
    expect(totalOrderChecker.check(h.build()).status).toBe('pass');
  });

  it('passes an empty history', () => {
    expect(totalOrderChecker.check({ nodes: [1, 2], events: [] }).status).toBe('pass');
  });
});

/** Both forms by brute force over every pair of ids: slow and obviously right. */
function oracleForm(history: History): 'pairwise' | 'prefix' | null {
  const sequences = new Map<number, string[]>();
  const crashed = new Set<number>();
  for (const event of history.events) {
    if (event.type === 'crash') crashed.add(event.node);
    if (event.type !== 'deliver') continue;
    const sequence = sequences.get(event.node) ?? [];
    if (!sequence.includes(event.id)) sequence.push(event.id);
    sequences.set(event.node, sequence);
  }
  const nodes = [...sequences.keys()];
  for (const a of nodes) {
    for (const b of nodes) {
      const [left, right] = [sequences.get(a) ?? [], sequences.get(b) ?? []];
      for (const x of left) {
        for (const y of left) {
          const both = right.includes(x) && right.includes(y);
          if (both && left.indexOf(x) < left.indexOf(y) && right.indexOf(x) > right.indexOf(y)) return 'pairwise';
        }
      }
    }
  }
  for (const a of nodes.filter((node) => !crashed.has(node))) {
    for (const b of nodes.filter((node) => !crashed.has(node))) {
      const [left, right] = [sequences.get(a) ?? [], sequences.get(b) ?? []];
      const shorter = left.length <= right.length ? left : right;
      const longer = shorter === left ? right : left;
      if (shorter.some((id, index) => longer[index] !== id)) return 'prefix';
    }
  }
  return null;
}

describe('total-order against a brute-force oracle', () => {
  const step = fc.record({
    kind: fc.constantFrom('deliver', 'deliver', 'deliver', 'crash'),
    node: fc.integer({ min: 1, max: 4 }),
    pick: fc.integer({ min: 0, max: 5 }),
  });

  it('fails exactly when some pair is reversed or a never-crashed node breaks the prefix chain', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const h = historyBuilder([1, 2, 3, 4]);
        for (let index = 0; index < 6; index += 1) h.submit(1, `s${index}`);
        for (const { kind, node, pick } of steps) {
          if (kind === 'crash') h.crash(node);
          else h.deliver(node, `s${pick}`);
        }
        const history = h.build();
        const form = oracleForm(history);
        const verdict = totalOrderChecker.check(history);
        expect(verdict.status).toBe(form === null ? 'pass' : 'fail');
        if (form !== null) expect(verdict.details?.form).toBe(form);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
