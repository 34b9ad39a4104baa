import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer-retry-dedup', nodes: 3, faults: ['crash-restart'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 171
// Violated: total-order (nodes 1 and 2 never crashed, yet their delivery #2 differs: s3 at node 1, s2 at node 2)
// Shrunk 69 times. Replay with --seed 1006503949.
export default scenario({
  name: 'regression-sequencer-retry-dedup-crash-restart-total-order',
  description:
    'counterexample: total-order — nodes 1 and 2 never crashed, yet their delivery #2 differs: s3 at node 1, s2 at node 2',
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
      atMs: 8647,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm2',
      },
    },
    {
      atMs: 8691,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm6',
      },
    },
    {
      atMs: 8705,
      action: {
        do: 'crash',
        node: 3,
        during: {
          handler: 'persisting',
          cut: 3,
        },
      },
    },
    {
      atMs: 8706,
      action: {
        do: 'submit',
        node: 3,
        payload: 'm1',
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
