import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History } from '../core/history.ts';
import { causalOrderChecker } from './causal-order.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';
import { totalOrderChecker } from './total-order.ts';

describe('causal-order', () => {
  it('passes when every node delivers a submission after what it causally depends on', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 'a');
    h.deliver(1, 'a');
    h.transfer(1, 2);
    h.deliver(2, 'a');
    h.submit(2, 'b');
    h.deliverAll(3, ['a', 'b']);
    h.deliver(1, 'b');
    h.deliver(2, 'b');
    const verdict = causalOrderChecker.check(h.build());
    expect(verdict.status).toBe('pass');
    expect(verdict.details).toEqual({ deliveriesChecked: 6, violations: 0 });
  });

  it('fails a violation carried by a relay through a third node', () => {
    const h = historyBuilder([1, 2, 3, 4]);
    const a = h.submit(1, 'a');
    h.deliver(2, 'a');
    h.submit(2, 'c');
    h.deliverAll(3, ['a', 'c']);
    const b = h.submit(3, 'b');
    const early = h.deliver(4, 'b');
    h.deliver(4, 'a');
    const verdict = causalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.summary).toBe(
      'node 4 delivered b (submitted at node 3) before a (submitted at node 1), which happened before it',
    );
    expect(verdict.evidence).toEqual([a, b, early]);
    expect(verdict.details).toEqual({ deliveriesChecked: 5, violations: 1 });
  });

  it('fails when a dependency is never delivered at all', () => {
    const h = historyBuilder([1, 2, 3]);
    const a = h.submit(1, 'a');
    h.deliver(2, 'a');
    const b = h.submit(2, 'b');
    const early = h.deliver(3, 'b');
    const verdict = causalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toEqual([a, b, early]);
  });

  it('passes a concurrent pair delivered in different orders, which total order rejects', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 'a');
    h.submit(2, 'b');
    h.deliverAll(1, ['a', 'b']);
    h.deliverAll(2, ['b', 'a']);
    const history = h.build();
    expect(causalOrderChecker.check(history).status).toBe('pass');
    expect(totalOrderChecker.check(history).status).toBe('fail');
  });

  it('links a delivery only to what was submitted before it, not after', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 'x');
    h.deliver(2, 'x');
    h.submit(1, 'a');
    h.submit(2, 'b');
    h.deliverAll(3, ['x', 'b', 'a']);
    expect(causalOrderChecker.check(h.build()).status).toBe('pass');
  });

  it('counts no dependency on a message that was received but not yet delivered', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 'a');
    // Node 2 receives a's message (say, buffered while a's own past is missing) but has not delivered it.
    h.transfer(1, 2);
    h.submit(2, 'b');
    h.deliver(2, 'b');
    h.deliverAll(3, ['b', 'a']);
    expect(causalOrderChecker.check(h.build()).status).toBe('pass');
  });

  it('keeps a process line across a restart, so submissions before and after a crash are ordered', () => {
    const h = historyBuilder([1, 2]);
    const a = h.submit(1, 'a');
    h.crash(1);
    h.restart(1);
    const b = h.submit(1, 'b');
    const early = h.deliver(2, 'b');
    const verdict = causalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toEqual([a, b, early]);
  });

  it('follows a message delivered twice from its first delivery', () => {
    const h = historyBuilder([1, 2, 3]);
    h.submit(1, 'a');
    h.deliver(2, 'a');
    h.deliver(2, 'a');
    const b = h.submit(2, 'b');
    const early = h.deliver(3, 'b');
    const verdict = causalOrderChecker.check(h.build());
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence.at(-1)).toEqual(early);
    expect(verdict.evidence).toContainEqual(b);
  });

  it('reports a repeat of an already judged delivery only once', () => {
    const h = historyBuilder([1, 2]);
    h.submit(1, 'a');
    h.submit(1, 'b');
    h.deliverAll(2, ['b', 'b', 'a']);
    const verdict = causalOrderChecker.check(h.build());
    expect(verdict.details).toEqual({ deliveriesChecked: 2, violations: 1 });
  });

  it('ignores deliveries of ids nobody submitted (exactly-once reports those)', () => {
    const h = historyBuilder([1]);
    h.deliver(1, 'ghost', { origin: 1 });
    expect(causalOrderChecker.check(h.build()).status).toBe('pass');
  });
});

/** Causal precedence by explicit graph search: slow, obvious, and independent of the vector-clock shortcut. */
function oracleViolations(history: History): number {
  const events = history.events;
  const successors = new Map<number, number[]>();
  const link = (from: number, to: number): void => {
    successors.set(from, [...(successors.get(from) ?? []), to]);
  };
  const lastOnLine = new Map<number, number>();
  const submits = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'submit' && event.type !== 'deliver') continue;
    const previous = lastOnLine.get(event.node);
    if (previous !== undefined) link(previous, event.i);
    lastOnLine.set(event.node, event.i);
    if (event.type === 'submit' && !submits.has(event.id)) submits.set(event.id, event.i);
    if (event.type === 'deliver') {
      const submit = submits.get(event.id);
      if (submit !== undefined) link(submit, event.i);
    }
  }
  const submitAt = new Map<string, number>();
  for (const event of events) if (event.type === 'submit') submitAt.set(event.id, event.i);
  const reaches = (from: number, to: number): boolean => {
    const stack = [from];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const at = stack.pop() as number;
      if (at === to) return true;
      if (seen.has(at)) continue;
      seen.add(at);
      stack.push(...(successors.get(at) ?? []));
    }
    return false;
  };
  let violations = 0;
  const delivered = new Map<number, Set<string>>();
  for (const event of events) {
    if (event.type !== 'deliver') continue;
    const done = delivered.get(event.node) ?? new Set<string>();
    delivered.set(event.node, done);
    const target = submitAt.get(event.id);
    if (target === undefined || done.has(event.id)) continue;
    const missing = [...submitAt].some(([id, at]) => id !== event.id && !done.has(id) && reaches(at, target));
    if (missing) violations += 1;
    done.add(event.id);
  }
  return violations;
}

const step = fc.record({
  kind: fc.constantFrom('submit', 'send', 'receive', 'deliver', 'deliver', 'crash'),
  node: fc.integer({ min: 1, max: 3 }),
  other: fc.integer({ min: 1, max: 3 }),
  pick: fc.nat(),
});

function randomHistory(steps: readonly { kind: string; node: number; other: number; pick: number }[]): History {
  const h = historyBuilder([1, 2, 3]);
  const ids: string[] = [];
  const inFlight: { from: number; to: number; msg: number | string }[] = [];
  for (const { kind, node, other, pick } of steps) {
    h.after(1);
    if (kind === 'submit') {
      ids.push(`s${ids.length + 1}`);
      h.submit(node, ids[ids.length - 1]);
    } else if (kind === 'send') {
      const send = h.send(node, other);
      inFlight.push({ from: node, to: other, msg: send.msg });
    } else if (kind === 'receive' && inFlight.length > 0) {
      // Leaving the message in flight lets it be received again, as a duplicate would be.
      const message = inFlight[pick % inFlight.length];
      h.receive(message.to, message.from, message.msg);
    } else if (kind === 'deliver' && ids.length > 0) {
      h.deliver(node, ids[pick % ids.length]);
    } else if (kind === 'crash') {
      h.crash(node);
      h.restart(node);
    }
  }
  return h.build();
}

describe('causal-order against a brute-force oracle', () => {
  it('counts exactly the deliveries whose causal past is incomplete', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const history = randomHistory(steps);
        const expected = oracleViolations(history);
        const verdict = causalOrderChecker.check(history);
        expect(verdict.details?.violations).toBe(expected);
        expect(verdict.status).toBe(expected === 0 ? 'pass' : 'fail');
      }),
      { seed: 20240611, numRuns: 400 },
    );
  });
});
