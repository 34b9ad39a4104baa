import { after, at, heal, partition, scenario, submit } from 'tob-lab';

// Seed 004's "Network Partition Healing" with a real partition instead of a stopped node: node 1 is cut off
// from 2 and 3 while everyone keeps chatting. The sequencer has no quorum, so node 1 elects itself on its side
// and numbers its own messages with the same sequence numbers the majority uses. After the heal the logs stay
// divergent: the README's split-brain window, made visible. This demo exists to show the failure. Run it with
// --protocol raft for the contrast: node 1 cannot commit alone, the majority goes on, one order after the heal
// (`npm run compare -- partition-real` prints both side by side).
export default scenario({
  name: 'partition-real',
  source: 'seed 004, Scenario 3, with a real partition (the README lists a split-brain window as a limitation)',
  description: 'Sequencer under a real partition: both sides number messages; total order breaks.',
  cluster: { protocol: 'sequencer', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    at(2_000, submit(1, 'before the partition')),
    at(3_000, partition([1], [2, 3])),
    at(8_000, submit(1, 'node 1 alone'), submit(2, 'majority side')),
    after(200, submit(3, 'majority again')),
    at(12_000, heal()),
    after(3_000, submit(2, 'after the heal')),
  ],
  expect: {
    fail: ['total-order'],
    pass: ['exactly-once'],
    // Raft needs a majority to commit: node 1 alone delivers nothing new while cut off (its message waits), the
    // majority side goes on, and after the heal every node has all five in one order.
    protocols: {
      raft: {
        pass: ['total-order', 'exactly-once', 'fifo-order', 'election-safety', 'eventual-delivery', 'durability'],
        delivered: [
          { atMs: 11_900, node: 1, atLeast: 1, atMost: 1 },
          { atMs: 11_900, node: 2, atLeast: 3, atMost: 3 },
          { atMs: 11_900, node: 3, atLeast: 3, atMost: 3 },
          { atMs: 20_000, node: 1, atLeast: 5, atMost: 5 },
        ],
      },
    },
  },
});
