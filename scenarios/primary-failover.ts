import { at, crash, scenario, submit } from 'tob-lab';

// Seed 003, part 4 (primary-backup with Bully election): the bootstrap node and two peers chat; the primary (the
// highest id, node 3) numbers and replicates every message. The primary fails; the README promises a new one is
// elected automatically within 2-5 s, and the chat goes on.
export default scenario({
  name: 'primary-failover',
  source: 'seed 003, part 4: bootstrap and two peers chat, the primary fails, a new one is elected in 2-5 s',
  description: 'Primary-backup: primary 3 fails, node 2 takes over within 2-5 s, ordering continues.',
  cluster: { protocol: 'primary-backup', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    at(3_000, submit(1, 'bootstrap here'), submit(2, 'node2 joined'), submit(3, 'node3 joined')),
    at(4_000, submit(1, 'Olá mundo!'), submit(2, 'hello')),
    at(6_000, crash(3)),
    at(12_000, submit(1, 'primary 3 is gone'), submit(2, 'node 2 numbers now')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once', 'election-safety'],
    elections: [{ afterMs: 6_000, node: 2, withinMs: [2_000, 5_000] }],
    leaders: [
      { atMs: 5_000, node: 3 },
      { atMs: 11_500, node: 2 },
    ],
    delivered: [
      { atMs: 13_000, node: 1, atLeast: 7, atMost: 7 },
      { atMs: 13_000, node: 2, atLeast: 7, atMost: 7 },
    ],
  },
});
