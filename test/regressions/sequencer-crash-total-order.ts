import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer', nodes: 3, faults: ['crash'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 584
// Violated: total-order (nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2)
// Shrunk 95 times. Replay with --seed 1.
export default scenario({
  name: 'regression-sequencer-crash-total-order',
  description:
    'counterexample: total-order — nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2',
  cluster: {
    protocol: 'sequencer',
    nodes: 3,
  },
  network: {
    latency: {
      kind: 'uniform',
      minMs: 5,
      maxMs: 25,
    },
    fifo: true,
  },
  timeline: [
    {
      atMs: 0,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm1',
      },
    },
    {
      atMs: 1000,
      action: {
        do: 'crash',
        node: 3,
        during: {
          handler: 'persisting',
          cut: 1,
        },
      },
    },
    {
      atMs: 3525,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm3',
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
