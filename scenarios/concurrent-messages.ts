import { after, burst, leaderElected, scenario, when } from 'tob-lab';

// Seed 004, "Scenario 4: Concurrent Messages": clients on different nodes send at the same moment, again and
// again. Promised: all nodes agree on a single total order.
export default scenario({
  name: 'concurrent-messages',
  source: 'seed 004, Scenario 4: Concurrent Messages',
  description: 'Sequencer: rounds of simultaneous messages from every node end in one order everywhere.',
  cluster: { protocol: 'sequencer', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 40 }, fifo: true },
  timeline: [
    when(leaderElected(), burst([1, 2, 3], 'round 1')),
    after(10, burst([1, 2, 3], 'round 2')),
    after(10, burst([3, 2, 1], 'round 3')),
    after(500, burst([1, 2, 3], 'round 4')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once', 'fifo-order', 'eventual-delivery'],
    delivered: [
      { atMs: 4_000, node: 1, atLeast: 12, atMost: 12 },
      { atMs: 4_000, node: 2, atLeast: 12, atMost: 12 },
      { atMs: 4_000, node: 3, atLeast: 12, atMost: 12 },
    ],
  },
});
