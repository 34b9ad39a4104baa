import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer', nodes: 3, faults: ['crash-restart'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 164
// Violated: total-order (nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2)
// Shrunk 73 times. Replay with --seed 5.
export default scenario({
  name: 'regression-sequencer-crash-restart-total-order',
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
      atMs: 5781,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm6',
      },
    },
    {
      atMs: 5800,
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
      atMs: 8312,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm5',
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
