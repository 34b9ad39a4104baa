import { after, at, leaderElected, scenario, submit, when } from 'tob-lab';

// Seed 004, "Scenario 1: Normal Operation": start all three nodes, send messages from a client on any node, and
// every node shows them with the same sequence numbers.
export default scenario({
  name: 'normal-operation',
  source: 'seed 004, Scenario 1: Normal Operation',
  description: 'Sequencer, no faults: messages from every node get one order, the same sequence numbers everywhere.',
  cluster: { protocol: 'sequencer', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    // The seed's node 3 leads by priority; any leader will do, so the same timeline also runs on raft.
    when(leaderElected(), submit(1, 'Hello from client!')),
    after(200, submit(1, 'This message will have the same order on all nodes')),
    after(200, submit(2, 'hi from node 2'), submit(3, 'and node 3')),
    at(5_000, submit(2, 'still the same order?')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once', 'causal-order', 'fifo-order', 'election-safety', 'eventual-delivery'],
    leaders: [{ atMs: 5_000, node: 3 }],
    // Raft elects whichever node times out first, so who leads is not expected; the order is.
    protocols: {
      raft: {
        pass: [
          'total-order',
          'exactly-once',
          'causal-order',
          'fifo-order',
          'election-safety',
          'eventual-delivery',
          'durability',
        ],
      },
    },
  },
});
