import { at, scenario, submit } from 'tob-lab';

// Seed 002, example 1, "Simple Message Exchange": Node 0 "Hello" [1,0,0]; Node 1 "Hi" [1,1,0] after seeing it;
// Node 2 "Hey both!" [1,1,1] after seeing both. Here the nodes are numbered 1..3, so Node 0 is node 1.
// The seed's demo delays every send at random; sendDelayMsMax reproduces that, and causal order still holds.
export default scenario({
  name: 'causal-simple-exchange',
  source: 'seed 002, example scenario 1: Simple Message Exchange',
  description: 'Vector-clock causal broadcast: a reply chain keeps its causal order, with the clocks shown.',
  cluster: { protocol: 'causal', nodes: 3, options: { sendDelayMsMax: 200 } },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 50 }, fifo: false },
  timeline: [at(1_000, submit(1, 'Hello')), at(2_000, submit(2, 'Hi')), at(3_000, submit(3, 'Hey both!'))],
  expect: {
    pass: ['causal-order', 'fifo-order', 'exactly-once', 'eventual-delivery'],
    orders: [
      { payload: 'Hello', order: { vc: [1, 0, 0] } },
      { payload: 'Hi', order: { vc: [1, 1, 0] } },
      { payload: 'Hey both!', order: { vc: [1, 1, 1] } },
    ],
  },
});
