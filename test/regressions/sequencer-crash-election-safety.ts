import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer', nodes: 3, faults: ['crash'], properties: ['election-safety'], runs: 1000, seed: 20261121 }), case 154
// Violated: election-safety (nodes 3 and 2 both announced leadership of term 1)
// Shrunk 18 times. Replay with --seed 0.
export default scenario({
  name: 'regression-sequencer-crash-election-safety',
  description: 'counterexample: election-safety — nodes 3 and 2 both announced leadership of term 1',
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
  ],
  expect: {
    fail: ['election-safety'],
  },
});
