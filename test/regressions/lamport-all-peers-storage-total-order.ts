import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'lamport-all-peers', nodes: 3, faults: ['storage'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 425
// Violated: total-order (node 2 delivered s4 before s3, node 3 the reverse)
// Shrunk 134 times. Replay with --seed 25.
export default scenario({
  name: 'regression-lamport-all-peers-storage-total-order',
  description: 'counterexample: total-order — node 2 delivered s4 before s3, node 3 the reverse',
  cluster: {
    protocol: 'lamport-all-peers',
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
        minMs: 6,
        maxMs: 33,
      },
    },
    {
      from: 1,
      to: 3,
      latency: {
        kind: 'uniform',
        minMs: 8,
        maxMs: 8,
      },
    },
    {
      from: 2,
      to: 1,
      latency: {
        kind: 'uniform',
        minMs: 1,
        maxMs: 9,
      },
    },
    {
      from: 2,
      to: 3,
      latency: {
        kind: 'uniform',
        minMs: 5,
        maxMs: 9,
      },
    },
    {
      from: 3,
      to: 1,
      latency: {
        kind: 'uniform',
        minMs: 6,
        maxMs: 41,
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
      atMs: 6136,
      action: {
        do: 'crash',
        node: 2,
        during: {
          handler: 'persisting',
          cut: 'before-sync',
        },
      },
    },
    {
      atMs: 13261,
      action: {
        do: 'submit',
        node: 2,
        payload: 'm2',
      },
    },
    {
      atMs: 13261,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm3',
      },
    },
    {
      atMs: 13300,
      action: {
        do: 'restart',
        node: 2,
      },
    },
    {
      atMs: 13357,
      action: {
        do: 'crash',
        node: 1,
      },
    },
    {
      atMs: 13358,
      action: {
        do: 'submit',
        node: 2,
        payload: 'm1',
      },
    },
    {
      atMs: 14781,
      action: {
        do: 'restart',
        node: 1,
      },
    },
    {
      atMs: 14798,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm4',
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
