import { describe, expect, it } from 'vitest';
import { runCheckers } from '../../check/index.ts';
import { deliveredIdsByNode, submittedIds, type History } from '../../core/history.ts';
import type { NodeId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { Simulator, type LinkConfig } from '../../sim/index.ts';
import { lamport } from './index.ts';

function agree(sequences: Map<NodeId, string[]>): boolean {
  const [first, ...rest] = [...sequences.values()].map((sequence) => sequence.join(','));
  return rest.every((sequence) => sequence === first);
}

/**
 * Every node submits in each of `rounds` rounds, at seeded offsets within the round, and the run goes on long
 * enough for a heartbeat to move the last origin's clock (30-40 s).
 */
function run(seed: number, nodeCount: number, options: JsonObject, network: Partial<LinkConfig> = {}): History {
  const sim = new Simulator({ seed, protocol: lamport, nodeCount, options, network });
  sim.start();
  for (let round = 0; round < 5; round += 1) {
    for (const node of sim.nodes) {
      const offsetMs = (seed * 7919 + node * 104_729 + round * 31) % 97;
      sim.schedule(round * 200 + offsetMs, () => sim.submit(node, `r${round} from ${node}`));
    }
  }
  sim.runUntil(60_000);
  sim.finish();
  return sim.history;
}

function expectEveryoneDeliversEverything(history: History, label: string): void {
  const submitted = submittedIds(history).sort();
  for (const [node, sequence] of deliveredIdsByNode(history)) {
    expect(sequence.slice().sort(), `${label}, node ${node}`).toEqual(submitted);
  }
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const ALL_PEERS = { stability: 'all-peers' };
/** FIFO links, but latency far wider than the 100 ms delivery check. */
const WIDE_LATENCY: Partial<LinkConfig> = { latency: { kind: 'uniform', minMs: 1, maxMs: 400 } };

describe('lamport in the simulator', () => {
  for (const nodeCount of [3, 5]) {
    it(`all-peers, fault-free, ${nodeCount} nodes submitting concurrently: everything, everywhere, one order`, () => {
      for (const seed of SEEDS.slice(0, 4)) {
        const history = run(seed, nodeCount, ALL_PEERS);
        expect(submittedIds(history)).toHaveLength(nodeCount * 5);
        expectEveryoneDeliversEverything(history, `seed ${seed}`);
        expect(agree(deliveredIdsByNode(history)), `seed ${seed}`).toBe(true);
      }
    });
  }

  it('documented, fault-free, 3 nodes (fanout reaches every peer): everything, everywhere, one order', () => {
    for (const seed of SEEDS.slice(0, 4)) {
      const history = run(seed, 3, {});
      expectEveryoneDeliversEverything(history, `seed ${seed}`);
      expect(agree(deliveredIdsByNode(history)), `seed ${seed}`).toBe(true);
    }
  });

  it('documented, fault-free, 5 nodes: the longer gossip paths already make nodes disagree on some seed', () => {
    const disagreeing = SEEDS.filter((seed) => !agree(deliveredIdsByNode(run(seed, 5, {}))));
    expect(disagreeing.length).toBeGreaterThan(0);
    for (const seed of disagreeing) {
      const history = run(seed, 5, ALL_PEERS);
      expectEveryoneDeliversEverything(history, `seed ${seed}`);
      expect(agree(deliveredIdsByNode(history)), `all-peers, seed ${seed}`).toBe(true);
    }
  });

  it('documented rule goes wrong under wide latency; the corrected rule agrees on the same seeds', () => {
    for (const nodeCount of [3, 5]) {
      const disagreeing = SEEDS.filter((seed) => !agree(deliveredIdsByNode(run(seed, nodeCount, {}, WIDE_LATENCY))));
      expect(disagreeing.length, `${nodeCount} nodes`).toBeGreaterThan(0);
      const [broken] = runCheckers(run(disagreeing[0], nodeCount, {}, WIDE_LATENCY), ['total-order']);
      expect(broken.status).toBe('fail');
      for (const seed of disagreeing) {
        const history = run(seed, nodeCount, ALL_PEERS, WIDE_LATENCY);
        expectEveryoneDeliversEverything(history, `${nodeCount} nodes, seed ${seed}`);
        expect(agree(deliveredIdsByNode(history)), `all-peers, ${nodeCount} nodes, seed ${seed}`).toBe(true);
        const verdicts = runCheckers(history, ['total-order', 'exactly-once', 'fifo-order']);
        expect(verdicts.map((verdict) => verdict.status)).toEqual(['pass', 'pass', 'pass']);
      }
    }
  });

  it('the corrected rule needs FIFO links: with reordering it too can disagree (as its promise table says)', () => {
    const reordering: Partial<LinkConfig> = { ...WIDE_LATENCY, fifo: false };
    const disagreeing = SEEDS.filter((seed) => !agree(deliveredIdsByNode(run(seed, 3, ALL_PEERS, reordering))));
    expect(disagreeing.length).toBeGreaterThan(0);
  });

  it('a crashed peer holds the all-peers queue only until the heartbeat timeout declares it dead', () => {
    const sim = new Simulator({ seed: 3, protocol: lamport, nodeCount: 3, options: ALL_PEERS });
    sim.start();
    sim.crash(3);
    sim.schedule(1_000, () => sim.submit(1, 'a'));
    sim.schedule(1_005, () => sim.submit(2, 'b'));
    sim.runUntil(59_000);
    expect(deliveredIdsByNode(sim.history).get(1)).toEqual([]);
    sim.runUntil(70_000);
    const sequences = deliveredIdsByNode(sim.history);
    expect(sequences.get(1)).toHaveLength(2);
    expect(sequences.get(2)).toEqual(sequences.get(1));
  });
});
