import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer-retry-dedup', nodes: 3, faults: ['crash-restart'], properties: ['durability'], runs: 1000, seed: 20261121 }), case 17
// Violated: durability (s2 was acked by node 1 at t=3233.68 ms but node 3 never delivered it (it last crashed at t=1100.324 ms))
// Shrunk 138 times. Replay with --seed 0.
export default scenario({
  name: 'regression-sequencer-retry-dedup-crash-restart-durability',
  description:
    'counterexample: durability — s2 was acked by node 1 at t=3233.68 ms but node 3 never delivered it (it last crashed at t=1100.324 ms)',
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
      atMs: 1000,
      action: {
        do: 'crash',
        node: 3,
        during: {
          handler: 'persisting',
          cut: 0,
        },
      },
    },
    {
      atMs: 1085,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm2',
      },
    },
    {
      atMs: 1085,
      action: {
        do: 'crash',
        node: 1,
      },
    },
    {
      atMs: 1185,
      action: {
        do: 'restart',
        node: 1,
      },
    },
    {
      atMs: 1186,
      action: {
        do: 'submit',
        node: 1,
        payload: 'm1',
      },
    },
  ],
  expect: {
    fail: ['durability'],
  },
});
