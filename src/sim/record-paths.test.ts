import { describe, expect, it } from 'vitest';
import { historyIndex, historyToJsonl, type HistoryEvent } from '../core/history.ts';
import { PROTOCOLS } from '../protocols/index.ts';
import { Simulator } from './simulator.ts';

/**
 * The simulator records its frequent events by fast paths (columns for messages, timers, persists, deliveries,
 * submits and acks) outside the debug switch, and through stampEvent, with its field checks, under it
 * (TOB_LAB_FREEZE=1, on for this suite). Both must give the same bytes, or the pinned hashes, made under the
 * switch, would not hold for users. This runs every protocol both ways, through crashes, a partition and
 * submissions, and compares.
 */
function run(protocolName: string, freezeMessages: boolean, stream?: (event: HistoryEvent) => void): Simulator {
  const protocol = PROTOCOLS.find((candidate) => candidate.name === protocolName);
  if (protocol === undefined) throw new Error(`no protocol ${protocolName}`);
  const sim = new Simulator({ seed: 11, protocol, nodeCount: 4, freezeMessages, stream });
  sim.start();
  for (let step = 1; step <= 120; step += 1) {
    sim.runUntil(step * 25);
    if (step === 40) sim.crash(2);
    if (step === 55)
      sim.partition([
        [1, 2],
        [3, 4],
      ]);
    if (step === 70) sim.heal();
    if (step === 80) sim.restart(2);
    sim.submit(1 + (step % 4), `m${step}`);
  }
  sim.beginLiveness();
  sim.runUntil(6_000);
  sim.finish();
  return sim;
}

describe('the fast recording paths give the bytes stampEvent gives', () => {
  for (const { name } of PROTOCOLS) {
    it(name, () => {
      const fastSim = run(name, false);
      const checkedSim = run(name, true);
      const fast = historyToJsonl(fastSim.history);
      expect(fast).toBe(historyToJsonl(checkedSim.history));
      // The checkers' index reads the same events either way (submits and acks come from columns on the fast path).
      const indexed = (sim: Simulator) => {
        const index = historyIndex(sim.history);
        return JSON.stringify([index.submits, index.acks, index.lifecycle, index.events, [...index.actingNodes]]);
      };
      expect(indexed(fastSim)).toBe(indexed(checkedSim));
      expect(fast.split('\n').some((line) => line.includes('"type":"deliver"'))).toBe(true);
      // Streaming stamps every event with stampEvent: the same lines again.
      const streamed: string[] = [];
      run(name, false, (event) => streamed.push(JSON.stringify(event)));
      expect(fast.split('\n').slice(1, -1)).toEqual(streamed);
    });
  }
});
