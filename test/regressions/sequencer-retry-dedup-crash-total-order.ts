import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer-retry-dedup', nodes: 3, faults: ['crash'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 584
// Violated: total-order (nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2)
// Shrunk 81 times. Replay with --seed 0.
export default scenario({
  name: 'regression-sequencer-retry-dedup-crash-total-order',
  description:
    'counterexample: total-order — nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2',
  cluster: {
    protocol: 'sequencer-retry-dedup',
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
      atMs: 0,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm2',
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
  ],
  expect: {
    fail: ['total-order'],
  },
});
