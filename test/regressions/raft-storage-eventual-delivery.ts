import { at, corrupt, crash, scenario, submit, tear } from 'tob-lab';

// Found by: searchViolation({ protocol: 'raft', nodes: 3, faults: ['storage'], properties: ['eventual-delivery'], runs: 1000, seed: 20261121, shrinkRunsMax: 200 }), case 51
// Violated: eventual-delivery (1 missing delivery after the liveness phase: node 1 lacks s2)
// Shrunk 54 times. Replay with --seed 2147483621; the same seed gives the same history.
// Nodes 2 and 3 each end up with a record damaged before their last one, so the host refuses their restarts (it
// never reads past damage) and they stay down through the liveness phase: node 1 is left alone, a minority,
// elects no leader, and never gets s2, which nodes 2 and 3 committed (and node 2 acked) before. Raft needs a
// majority up with its storage; no retry can stand in for it. (Raft's other storage break, a follower that lost
// acknowledged entries and was never sent them again, is fixed: test/fixtures/raft-storage-lost-acknowledged.ts.)
export default scenario({
  name: 'regression-raft-storage-eventual-delivery',
  description: 'counterexample: eventual-delivery — 1 missing delivery after the liveness phase: node 1 lacks s2',
  cluster: { protocol: 'raft', nodes: 3 },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  timeline: [
    at(0, submit(1, 'm2')),
    at(1612, tear(3)),
    at(10265, submit(2, 'm1')),
    at(10316, crash(1, { handler: 'next', cut: 'before-sync' })),
    at(12677, corrupt(2, 4), crash(2)),
    at(13088, corrupt(3, 4)),
  ],
  expect: { fail: ['eventual-delivery'] },
});
