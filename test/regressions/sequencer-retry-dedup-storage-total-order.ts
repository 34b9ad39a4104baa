import { at, crash, restart, scenario, submit, tear } from 'tob-lab';

// Re-found after retryForwards became a backed-off timer (the earlier counterexample no longer broke the order).
// Found by: npx tob-lab check --protocol sequencer --options '{"retryForwards":true,"dedupSubmissions":true}' --faults storage --runs 3000 --seed 7 --nodes 3 --properties total-order --strict
// Violated: total-order (node 1 delivered s3 before s4, node 2 the reverse (2 node pairs disagree))
// Shrunk 99 times. Replay with --seed 1195195208; the same seed gives the same history.
export default scenario({
  name: 'regression-sequencer-retry-dedup-storage-total-order',
  description:
    'counterexample: total-order — node 1 delivered s3 before s4, node 2 the reverse (2 node pairs disagree)',
  cluster: { protocol: 'sequencer', nodes: 3, options: { retryForwards: true, dedupSubmissions: true } },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  links: [
    { from: 1, to: 2, latency: { kind: 'uniform', minMs: 1, maxMs: 1 } },
    { from: 1, to: 3, latency: { kind: 'uniform', minMs: 50, maxMs: 67 } },
    { from: 2, to: 1, latency: { kind: 'uniform', minMs: 1, maxMs: 1 } },
    { from: 2, to: 3, latency: { kind: 'uniform', minMs: 1, maxMs: 1 } },
    { from: 3, to: 1, latency: { kind: 'uniform', minMs: 1, maxMs: 1 } },
    { from: 3, to: 2, latency: { kind: 'uniform', minMs: 1, maxMs: 1 } },
  ],
  timeline: [
    at(0, submit(1, 'm2'), submit(1, 'm5')),
    at(2791, tear(2)),
    at(2947, submit(1, 'm3')),
    at(3840, submit(1, 'm1')),
    at(3898, restart(2)),
    at(3900, crash(3)),
    at(6904, crash(2)),
  ],
  expect: { fail: ['total-order'] },
});
