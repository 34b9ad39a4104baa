import { describe, expect, it } from 'vitest';
import type { History } from '../core/history.ts';
import { PROPERTIES } from '../core/promises.ts';
import { randomInt, randomStream } from '../core/rng.ts';
import { CHECKER_NAMES, CHECKERS, checkerByName, type CheckerName, runCheckers } from './index.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';

/** A correct run: a crash, a restart that catches up, a leader per term, an ack, a liveness phase. */
function correctHistory(): History {
  const h = historyBuilder([1, 2, 3]);
  h.announce(3, { role: 'leader', term: 1, leader: 3 });
  h.submit(1, 's1');
  h.transfer(1, 3);
  h.transfer(3, 2);
  h.submit(2, 's2');
  h.transfer(2, 3);
  for (const node of [1, 2, 3]) h.deliverAll(node, ['s1', 's2']);
  h.ack(2, 's2');
  h.at(100).crash(3);
  h.at(2600).announce(2, { role: 'leader', term: 2, leader: 2 });
  h.submit(1, 's3');
  h.deliverAll(1, ['s3']);
  h.deliverAll(2, ['s3']);
  h.phase('liveness');
  h.restart(3);
  h.announce(3, { role: 'follower', term: 2, leader: 2 });
  h.deliver(3, 's3');
  h.phase('end');
  return h.build();
}

describe('the checker registry', () => {
  it('has one checker per property, plus durability, with unique names', () => {
    expect(new Set(CHECKER_NAMES)).toEqual(new Set<CheckerName>([...PROPERTIES, 'durability']));
    expect(CHECKER_NAMES).toHaveLength(new Set(CHECKER_NAMES).size);
    for (const checker of CHECKERS) expect(checker.description.length).toBeGreaterThan(40);
  });

  it('finds checkers by name and nothing for an unknown name', () => {
    expect(checkerByName('causal-order')?.kind).toBe('safety');
    expect(checkerByName('durability')?.kind).toBe('liveness');
    expect(checkerByName('linearizability')).toBeUndefined();
  });

  it('passes a correct run on every checker, each verdict naming its checker', () => {
    const verdicts = runCheckers(correctHistory());
    expect(verdicts.map((verdict) => verdict.checker)).toEqual(CHECKER_NAMES);
    for (const verdict of verdicts) {
      expect({ checker: verdict.checker, status: verdict.status, evidence: verdict.evidence }).toEqual({
        checker: verdict.checker,
        status: 'pass',
        evidence: [],
      });
      expect(verdict.kind).toBe(checkerByName(verdict.checker)?.kind);
    }
  });

  it('runs only the named checkers, in the order named', () => {
    const verdicts = runCheckers(correctHistory(), ['durability', 'total-order']);
    expect(verdicts.map((verdict) => verdict.checker)).toEqual(['durability', 'total-order']);
  });

  it('rejects an unknown name with the list of known ones', () => {
    expect(() => runCheckers(correctHistory(), ['nope' as CheckerName])).toThrow(/unknown checker "nope".*total-order/);
  });
});

/**
 * A sequencer with random interleaving: node 1 orders every request, the others hold back until the next sequence
 * number. FIFO request links make it causal too, so every checker must pass it.
 */
function sequencerHistory(eventsMin: number, seed: number, holdBack: boolean): History {
  const nodes = [1, 2, 3, 4, 5];
  const h = historyBuilder(nodes);
  const random = randomStream(seed, 'checker-scale');
  const links = new Map<string, { from: number; to: number; msg: number | string; id: string; seq: number }[]>();
  const pending = new Map<number, Map<number, string>>(nodes.map((node) => [node, new Map()]));
  const nextSeq = new Map<number, number>(nodes.map((node) => [node, 0]));
  let sequenced = 0;
  const post = (from: number, to: number, id: string, seq: number): void => {
    const send = h.send(from, to);
    const key = `${from}-${to}`;
    const queue = links.get(key) ?? [];
    queue.push({ from, to, msg: send.msg, id, seq });
    links.set(key, queue);
  };
  const deliverReady = (node: number): void => {
    const waiting = pending.get(node) as Map<number, string>;
    for (let seq = nextSeq.get(node) as number; waiting.has(seq); seq += 1) {
      h.deliver(node, waiting.get(seq) as string);
      waiting.delete(seq);
      nextSeq.set(node, seq + 1);
    }
  };
  const handle = (message: { from: number; to: number; msg: number | string; id: string; seq: number }): void => {
    h.receive(message.to, message.from, message.msg);
    if (message.to === 1 && message.seq < 0) {
      const seq = sequenced++;
      h.deliver(1, message.id);
      for (const node of nodes.slice(1)) post(1, node, message.id, seq);
    } else if (holdBack) {
      pending.get(message.to)?.set(message.seq, message.id);
      deliverReady(message.to);
    } else {
      h.deliver(message.to, message.id);
    }
  };
  let submitted = 0;
  const step = (): void => {
    // Every queue is scanned per step: fine with 5 nodes (8 links), and the run stays deterministic.
    const busy = [...links.values()].filter((queue) => queue.length > 0);
    if (busy.length === 0 || (submitted * 20 < eventsMin && randomInt(random, 0, 3) === 0)) {
      const node = randomInt(random, 1, 5);
      const id = `s${++submitted}`;
      h.submit(node, id);
      if (node === 1) handle({ from: 1, to: 1, msg: `local-${id}`, id, seq: -1 });
      else post(node, 1, id, -1);
      return;
    }
    const queue = busy[randomInt(random, 0, busy.length - 1)];
    // Requests keep FIFO links (that is what makes the sequencer causal); ordered messages may overtake each
    // other, which only the hold-back queue repairs.
    const index = queue[0].seq < 0 ? 0 : randomInt(random, 0, queue.length - 1);
    handle(queue.splice(index, 1)[0]);
  };
  while (h.length < eventsMin || [...links.values()].some((queue) => queue.length > 0)) {
    h.after(1);
    step();
  }
  h.phase('liveness');
  return h.build();
}

describe('checkers at scale', () => {
  it('passes a correct run of about 10^5 events', () => {
    const history = sequencerHistory(100_000, 11, true);
    expect(history.events.length).toBeGreaterThanOrEqual(100_000);
    const failing = runCheckers(history).filter((verdict) => verdict.status !== 'pass');
    expect(failing).toEqual([]);
  });

  it('catches the same run without its hold-back queue', () => {
    const history = sequencerHistory(20_000, 11, false);
    const statuses = Object.fromEntries(runCheckers(history).map((verdict) => [verdict.checker, verdict.status]));
    expect(statuses).toMatchObject({
      'total-order': 'fail',
      'causal-order': 'fail',
      'fifo-order': 'fail',
      'exactly-once': 'pass',
      'eventual-delivery': 'pass',
    });
  });
});
