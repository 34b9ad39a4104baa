import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer-retry-dedup', nodes: 3, faults: ['crash'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 684
// Violated: total-order (nodes 1 and 2 never crashed, yet their delivery #1 differs: s2 at node 1, s1 at node 2)
// Shrunk 49 times. Replay with --seed 1559755262.
export default scenario({
  name: 'regression-sequencer-retry-dedup-crash-total-order',
  description:
    'counterexample: total-order — nodes 1 and 2 never crashed, yet their delivery #1 differs: s2 at node 1, s1 at node 2',
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
        minMs: 11,
        maxMs: 12,
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
        minMs: 9,
        maxMs: 12,
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
      atMs: 1000,
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
      atMs: 3400,
      action: {
        do: 'submit',
        node: 2,
        payload: 'm1',
      },
    },
    {
      atMs: 3400,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm2',
      },
    },
  ],
  expect: {
    fail: ['total-order'],
  },
});
