import { after, at, crash, restart, scenario, submit } from 'tob-lab';

// Seed 004, "Scenario 3: Network Partition Healing", as its steps describe it: send messages, stop node 1
// temporarily, send more (node 1 misses these), restart node 1, which requests catch-up. Promised: node 1
// receives all missed messages in order. (scenarios/partition-real.ts cuts the network instead of stopping the
// node, and shows what the sequencer does then.)
export default scenario({
  name: 'partition-healing',
  source: 'seed 004, Scenario 3: Network Partition Healing',
  description: 'Sequencer: node 1 is stopped, misses messages, restarts and catches up in order.',
  cluster: { protocol: 'sequencer', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    at(2_000, submit(1, 'before the outage'), submit(2, 'all three here')),
    at(3_000, crash(1)),
    after(500, submit(2, 'node 1 misses this'), submit(3, 'and this')),
    after(500, submit(3, 'and this too')),
    at(8_000, restart(1)),
    after(2_000, submit(1, 'node 1 is back')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once', 'eventual-delivery', 'election-safety'],
    delivered: [{ atMs: 9_000, node: 1, atLeast: 5, atMost: 5 }],
  },
});
