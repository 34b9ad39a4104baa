import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'causal', nodes: 3, faults: ['crash-restart'], properties: ['causal-order'], runs: 1000, seed: 20261121 }), case 1
// Violated: causal-order (node 3 delivered s2 (submitted at node 3) before s1 (submitted at node 3), which happened before it (3 deliveries in all break causal order))
// Shrunk 151 times. Replay with --seed 1052560837.
export default scenario({
  name: 'regression-causal-crash-restart-causal-order',
  description:
    'counterexample: causal-order — node 3 delivered s2 (submitted at node 3) before s1 (submitted at node 3), which happened before it (3 deliveries in all break causal order)',
  cluster: {
    protocol: 'causal',
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
      atMs: 6,
      action: {
        do: 'crash',
        node: 3,
        during: {
          handler: 'persisting',
          cut: 'before-sync',
        },
      },
    },
    {
      atMs: 9,
      action: {
        do: 'submit',
        node: 3,
        payload: 'm3',
      },
    },
    {
      atMs: 6826,
      action: {
        do: 'restart',
        node: 3,
      },
    },
    {
      atMs: 6827,
      action: {
        do: 'submit',
        node: 3,
        payload: 'm1',
      },
    },
  ],
  expect: {
    fail: ['causal-order'],
  },
});
