import { at, scenario, submit } from 'tob-lab';

// Seed 003, part 3 (Lamport total order over gossip): a bootstrap node and two peers chat. The documented
// stability rule delivers the head of the holdback queue once its timestamp is below the local clock; a message
// with a smaller timestamp that is still on its way then lands after it. Concurrent chatting shows the orders
// diverge. Run it with --protocol lamport-all-peers to see the corrected rule keep one order.
export default scenario({
  name: 'lamport-chat',
  source: 'seed 003, part 3: bootstrap node and two peers chat with Lamport timestamps',
  description: 'Lamport holdback, documented rule: concurrent chat delivers in different orders on different nodes.',
  cluster: { protocol: 'lamport', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 400 }, fifo: true },
  timeline: [
    at(1_000, submit(1, 'bootstrap: welcome')),
    at(2_000, submit(2, 'node2 joined'), submit(3, 'node3 joined')),
    at(3_000, submit(1, 'hi all'), submit(2, 'hello!'), submit(3, 'hey')),
    at(3_040, submit(1, 'what is the plan?'), submit(3, 'lunch?')),
    at(4_000, submit(2, 'lunch it is'), submit(1, 'ok'), submit(3, 'see you')),
  ],
  expect: { fail: ['total-order'], pass: ['exactly-once'] },
});
