import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer-retry-dedup', nodes: 3, faults: ['crash-restart'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 157
// Violated: total-order (node 1 delivered s5 before s4, node 2 the reverse (2 node pairs disagree))
// Shrunk 77 times. Replay with --seed 961107427.
export default scenario({
  name: 'regression-sequencer-retry-dedup-crash-restart-total-order',
  description:
    'counterexample: total-order — node 1 delivered s5 before s4, node 2 the reverse (2 node pairs disagree)',
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
        minMs: 4,
        maxMs: 4,
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
        minMs: 31,
        maxMs: 68,
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
        do: 'submit',
        node: 1,
        payload: 'm2',
      },
    },
    {
      atMs: 4190,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm9',
      },
    },
    {
      atMs: 4237,
      action: {
        do: 'crash',
        node: 2,
      },
    },
    {
      atMs: 4464,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm5',
      },
    },
    {
      atMs: 4464,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm6',
      },
    },
    {
      atMs: 4467,
      action: {
        do: 'crash',
        node: 3,
      },
    },
    {
      atMs: 5773,
      action: {
        do: 'restart',
        node: 2,
      },
    },
    {
      atMs: 9987,
      action: {
        do: 'crash',
        node: 2,
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
