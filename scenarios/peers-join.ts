import { after, at, join, leaderElected, scenario, submit, when } from 'tob-lab';

// Seed 001 (peer-to-peer chat with a sequencer): the bootstrap peer starts first, the second and third join one
// after another (each seeded with the bootstrap), and they chat; every peer shows the messages in the same order
// with sequence numbers. A joining peer asks who leads before bullying, so peer 1 keeps leading even though 2 and
// 3 have a higher priority.
export default scenario({
  name: 'peers-join',
  source: 'seed 001: three peers join one after another and chat',
  description: 'Sequencer: peers 2 and 3 join a running peer 1, then all three chat in one order.',
  cluster: { protocol: 'sequencer', nodes: 3, joinLater: [2, 3] },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    when(leaderElected(1), submit(1, 'peer_1> Hello from peer 1!')),
    at(4_000, join(2)),
    after(1_500, submit(2, 'peer_2> Hi from peer 2!')),
    at(7_000, join(3)),
    after(1_500, submit(3, 'peer_3> Peer 3 says hi!')),
    after(100, submit(1, 'peer_1> welcome both')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once', 'fifo-order', 'election-safety', 'eventual-delivery'],
    leaders: [{ atMs: 10_000, node: 1 }],
  },
});
