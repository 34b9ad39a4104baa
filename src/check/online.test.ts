import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyIndex, type History } from '../core/history.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { FAULT_CLASSES } from '../core/promises.ts';
import { caseArbitrary } from '../search/generate.ts';
import { runGenerated } from '../search/search.ts';
import { Simulator } from '../sim/simulator.ts';
import { historyBuilder } from '../../test/support/history-builder.ts';
import { lamportOffByOne } from '../../test/mutants/lamport-stability-off-by-one.ts';
import { forgetsVoteOnRestart } from '../../test/mutants/raft-mutants.ts';
import { redeliversLogAfterRestart, reusesSeqAfterFailover } from '../../test/mutants/sequencer-mutants.ts';
import { CheckLedger, historyEnd, historyLedger } from './ledger.ts';
import { OnlineCheckers } from './online.ts';
import { CHECKERS, runCheckers } from './registry.ts';
import { protocolByName } from '../protocols/index.ts';

/**
 * The online form of every checker (a ledger fed event by event, as in streaming mode) against the batch form
 * (the whole history read at once), on histories of every protocol and some mutants under every fault class,
 * and on hand-made histories full of duplicates, forged deliveries, crashes and rival leaders: the same status,
 * summary, evidence and details, violation or not.
 */

/** Per checker, how many histories it failed and passed on: the comparison must have seen both. */
type Outcomes = Map<string, { pass: number; fail: number }>;

function compare(history: History, outcomes: Outcomes): void {
  const ledger = historyLedger(history);
  expect(ledger.inOrder).toBe(true);
  const end = historyEnd(history);
  // A recorded history's ledger reads deliveries from the column store without events; fed the events, it agrees.
  const fromEvents = new CheckLedger(history.nodes);
  for (const event of historyIndex(history).events) fromEvents.observe(event);
  for (const checker of CHECKERS) {
    const online = checker.judgeOnline(ledger, end);
    expect(online, checker.name).toEqual(checker.judgeBatch(history));
    expect(checker.judgeOnline(fromEvents, end), checker.name).toEqual(online);
    const counts = outcomes.get(checker.name) ?? { pass: 0, fail: 0 };
    if (online.status === 'fail') counts.fail += 1;
    if (online.status === 'pass') counts.pass += 1;
    outcomes.set(checker.name, counts);
  }
}

function shipped(name: string): ProtocolDefinition {
  const protocol = protocolByName(name);
  if (protocol === undefined) throw new Error(`no protocol ${name}`);
  return protocol;
}

const ALL_FAULTS = FAULT_CLASSES.filter((fault) => fault !== 'none');

describe('online checkers against the batch checkers', () => {
  it('give the same verdicts on generated runs of every protocol and of mutants, under every fault class', () => {
    const outcomes: Outcomes = new Map();
    const protocols: ProtocolDefinition[] = [
      ...['sequencer', 'isis', 'lamport', 'causal', 'primary-backup', 'raft'].map(shipped),
      lamportOffByOne,
      forgetsVoteOnRestart,
      redeliversLogAfterRestart,
      reusesSeqAfterFailover,
    ];
    for (const protocol of protocols) {
      const arbitrary = caseArbitrary({ protocol, nodes: 4, faults: ALL_FAULTS, submissionsMax: 12 });
      fc.assert(
        fc.property(arbitrary, (generated) => compare(runGenerated(generated).result.history, outcomes)),
        { numRuns: 25, seed: 42 },
      );
    }
    // Every ordering and delivery checker must have been seen to fail as well as pass, or the comparison proved little.
    for (const name of ['total-order', 'exactly-once', 'causal-order', 'fifo-order', 'eventual-delivery']) {
      expect(outcomes.get(name)?.fail, name).toBeGreaterThan(3);
      expect(outcomes.get(name)?.pass, name).toBeGreaterThan(3);
    }
  });

  it('give the same verdicts on hand-made histories with duplicates, forgeries, crashes, refused restarts and rival leaders', () => {
    const outcomes: Outcomes = new Map();
    const step = fc.record({
      kind: fc.constantFrom(
        'submit',
        'deliver',
        'deliver',
        'deliver',
        'deliver-forged',
        'deliver-unsubmitted',
        'ack',
        'crash',
        'restart',
        'refused',
        'lead',
        'lead',
      ),
      node: fc.integer({ min: 1, max: 4 }),
      pick: fc.integer({ min: 0, max: 999 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), fc.boolean(), (steps, liveness) => {
        const h = historyBuilder([1, 2, 3, 4]);
        const submitted: string[] = [];
        for (const { kind, node, pick } of steps) {
          h.after(pick % 3);
          const id = submitted[pick % Math.max(1, submitted.length)];
          if (kind === 'submit' || id === undefined) {
            submitted.push(`s${submitted.length + 1}`);
            h.submit(node, submitted[submitted.length - 1]);
          } else if (kind === 'deliver') h.deliver(node, id);
          else if (kind === 'deliver-forged')
            h.deliver(node, id, pick % 2 === 0 ? { payload: 'forged' } : { origin: (pick % 4) + 1 });
          else if (kind === 'deliver-unsubmitted') h.deliver(node, `x${pick % 3}`, { origin: 1 });
          else if (kind === 'ack') h.ack(node, pick % 5 === 0 ? `x${pick % 3}` : id);
          else if (kind === 'crash') h.crash(node);
          else if (kind === 'restart') h.restart(node);
          // A restart the host refused (a damaged log): the node stays down.
          else if (kind === 'refused') h.restart(node) && h.refused(node, pick % 4);
          else h.announce(node, pick % 5 === 0 ? { role: 'follower' } : { role: 'leader', term: pick % 4 });
        }
        if (liveness) h.phase('liveness');
        compare(h.build(), outcomes);
      }),
      { numRuns: 400, seed: 15 },
    );
    for (const name of ['total-order', 'exactly-once', 'causal-order', 'fifo-order', 'election-safety']) {
      expect(outcomes.get(name)?.fail, name).toBeGreaterThan(5);
      expect(outcomes.get(name)?.pass, name).toBeGreaterThan(10);
    }
    expect(outcomes.get('durability')?.fail).toBeGreaterThan(5);
    expect(outcomes.get('eventual-delivery')?.fail).toBeGreaterThan(5);
  });

  it('fed straight from a streaming simulator, give the verdicts of the recorded run of the same seed', () => {
    for (const name of ['sequencer', 'lamport', 'causal']) {
      const protocol = shipped(name);
      const drive = (sim: Simulator) => {
        sim.start();
        for (let step = 1; step <= 40; step += 1) {
          sim.runUntil(step * 30);
          sim.submit((step % 4) + 1, `m${step}`);
          if (step === 12) sim.crash(3);
          if (step === 25) sim.restart(3);
        }
        sim.beginLiveness();
        sim.runUntil(20_000);
        sim.finish();
      };
      const network = { lossRate: 0.05, duplicateRate: 0.1 };
      const recorded = new Simulator({ seed: 5, protocol, nodeCount: 4, network });
      drive(recorded);
      const online = new OnlineCheckers([1, 2, 3, 4]);
      const streamed = new Simulator({ seed: 5, protocol, nodeCount: 4, network, stream: online.observe });
      drive(streamed);
      expect(online.events).toBe(recorded.history.events.length);
      const verdicts = online.verdicts((i) => recorded.history.events[i]);
      expect(verdicts).toEqual(runCheckers(recorded.history));
      expect(verdicts.map((verdict) => verdict.checker)).toEqual(CHECKERS.map((checker) => checker.name));
    }
  });

  it('refuse a history with a delivery before its submit, which the batch checkers judge instead', () => {
    const h = historyBuilder([1, 2]);
    h.deliver(2, 's1', { origin: 1, payload: 'payload of s1' });
    h.submit(1, 's1');
    h.deliver(1, 's1');
    const history = h.build();
    expect(historyLedger(history).inOrder).toBe(false);
    expect(runCheckers(history)).toEqual(CHECKERS.map((checker) => checker.judgeBatch(history)));
    const online = new OnlineCheckers([1, 2]);
    for (const event of history.events) online.observe(event);
    expect(() => online.verdicts((i) => history.events[i])).toThrow(/before any delivery/);
  });
});
