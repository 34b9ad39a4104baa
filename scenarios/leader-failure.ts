import { at, crash, restart, scenario, submit } from 'tob-lab';

// Seed 004, "Scenario 2: Leader Failure and Recovery": start all three nodes (node 3 leads), send some
// messages, kill node 3, watch node 2 take over, send more, restart node 3: it rejoins as a follower and
// catches up. Promised: no message loss, ordering maintained across the leadership change.
export default scenario({
  name: 'leader-failure',
  source: 'seed 004, Scenario 2: Leader Failure and Recovery',
  description: 'Kill the sequencer leader; node 2 takes over; the old leader restarts and catches up.',
  cluster: { protocol: 'sequencer', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    at(3_000, submit(1, 'Hello from node 1'), submit(2, 'Hi from node 2'), submit(3, 'Node 3 says hi')),
    at(3_500, submit(1, 'Same order on every node?')),
    at(6_000, crash(3)),
    at(12_000, submit(1, 'Node 3 is gone, still chatting'), submit(2, 'Node 2 numbers these now')),
    at(12_200, submit(1, 'One more for the catch-up')),
    at(16_000, restart(3)),
    at(20_000, submit(3, 'Node 3 is back as a follower')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once', 'eventual-delivery', 'election-safety'],
    leaders: [
      { atMs: 5_000, node: 3 },
      { atMs: 11_000, node: 2 },
      { atMs: 22_000, node: 2 },
    ],
    // On raft node 3 may or may not be the leader when it dies (elections are randomized); either way nothing
    // is lost, the order holds and node 3 catches up.
    protocols: {
      raft: {
        pass: ['total-order', 'exactly-once', 'fifo-order', 'election-safety', 'eventual-delivery', 'durability'],
      },
    },
  },
});
