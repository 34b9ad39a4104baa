import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'raft', nodes: 3, faults: ['storage'], properties: ['eventual-delivery'], runs: 1000, seed: 20261121, shrinkRunsMax: 200 }), case 9
// Violated: eventual-delivery (1 missing delivery after the liveness phase: node 3 lacks s1)
// Shrunk 43 times. Replay with --seed 11.
// Node 3 acknowledged an entry, then lost it: the record holding it was damaged at rest and cut as torn at the
// restart. The leader's matchIndex for node 3 still covers the entry, and it never sends at or below a matched
// index (Raft assumes stable storage), so node 3 asks for it again on every heartbeat and never gets it.
export default scenario({
  name: 'regression-raft-storage-eventual-delivery',
  description: 'counterexample: eventual-delivery — 1 missing delivery after the liveness phase: node 3 lacks s1',
  cluster: {
    protocol: 'raft',
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
      atMs: 17940,
      action: {
        do: 'submit',
        node: 2,
        payload: 'm2',
      },
    },
    {
      atMs: 18007,
      action: {
        do: 'corrupt',
        node: 3,
        fromEnd: 0,
      },
    },
    {
      atMs: 18007,
      action: {
        do: 'crash',
        node: 3,
      },
    },
  ],
  expect: {
    fail: ['eventual-delivery'],
  },
});
