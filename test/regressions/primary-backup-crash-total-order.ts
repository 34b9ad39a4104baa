import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'primary-backup', nodes: 3, faults: ['crash'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 161
// Violated: total-order (nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2)
// Shrunk 56 times. Replay with --seed 0.
export default scenario({
  name: 'regression-primary-backup-crash-total-order',
  description:
    'counterexample: total-order — nodes 1 and 2 never crashed, yet their delivery #1 differs: s1 at node 1, s2 at node 2',
  cluster: {
    protocol: 'primary-backup',
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
  links: [
    {
      from: 1,
      to: 2,
      latency: {
        kind: 'uniform',
        minMs: 1,
        maxMs: 1,
      },
    },
    {
      from: 1,
      to: 3,
      latency: {
        kind: 'uniform',
        minMs: 59,
        maxMs: 80,
      },
    },
    {
      from: 2,
      to: 1,
      latency: {
        kind: 'uniform',
        minMs: 1,
        maxMs: 1,
      },
    },
    {
      from: 2,
      to: 3,
      latency: {
        kind: 'uniform',
        minMs: 1,
        maxMs: 1,
      },
    },
    {
      from: 3,
      to: 1,
      latency: {
        kind: 'uniform',
        minMs: 1,
        maxMs: 1,
      },
    },
    {
      from: 3,
      to: 2,
      latency: {
        kind: 'uniform',
        minMs: 1,
        maxMs: 1,
      },
    },
  ],
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
        do: 'crash',
        node: 3,
        during: {
          handler: 'persisting',
          cut: 2,
        },
      },
    },
    {
      atMs: 2502,
      action: {
        do: 'submit',
        node: 2,
        payload: 'm3',
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
