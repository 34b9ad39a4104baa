import { at, scenario, submit } from 'tob-lab';

// Seed 002, example 2, "Concurrent Messages": Node 0 "First" [1,0,0] and Node 1 "Also first" [0,1,0] are sent at
// the same moment. Neither happened before the other, so causal broadcast may deliver them in either order, and
// each sender sees its own first: causal order holds, total order does not (it is not promised).
export default scenario({
  name: 'causal-concurrent',
  source: 'seed 002, example scenario 2: Concurrent Messages',
  description: 'Vector-clock causal broadcast: concurrent messages, causal order kept, total order not.',
  cluster: { protocol: 'causal', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 50 }, fifo: true },
  timeline: [at(1_000, submit(1, 'First'), submit(2, 'Also first'))],
  expect: {
    pass: ['causal-order', 'exactly-once', 'eventual-delivery'],
    fail: ['total-order'],
    orders: [
      { payload: 'First', order: { vc: [1, 0, 0] } },
      { payload: 'Also first', order: { vc: [0, 1, 0] } },
    ],
  },
});
