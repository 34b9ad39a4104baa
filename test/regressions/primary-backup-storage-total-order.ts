import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'primary-backup', nodes: 3, faults: ['storage'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 631
// Violated: total-order (node 1 delivered s1 before s2, node 2 the reverse (2 node pairs disagree))
// Shrunk 149 times. Replay with --seed 2147482611.
export default scenario({
  name: 'regression-primary-backup-storage-total-order',
  description:
    'counterexample: total-order — node 1 delivered s1 before s2, node 2 the reverse (2 node pairs disagree)',
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
        maxMs: 9,
      },
    },
    {
      from: 1,
      to: 3,
      latency: {
        kind: 'uniform',
        minMs: 58,
        maxMs: 73,
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
        payload: 'm2',
      },
    },
    {
      atMs: 0,
      action: {
        do: 'tear',
        node: 2,
      },
    },
    {
      atMs: 37,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm1',
      },
    },
    {
      atMs: 100,
      action: {
        do: 'restart',
        node: 2,
      },
    },
    {
      atMs: 101,
      action: {
        do: 'tear',
        node: 2,
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
