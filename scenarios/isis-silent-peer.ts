import { at, crash, scenario, submit } from 'tob-lab';

// Seed 000 (ISIS total order with Lamport clocks): peers chat and see every message in the same order; then one
// peer goes silent and the others go on once the proposal timeout (5 s) gives up waiting for its proposal.
export default scenario({
  name: 'isis-silent-peer',
  source: 'seed 000: three peers chat, one goes silent, the others go on after the proposal timeout',
  description: 'ISIS: three peers chat in one order; peer 3 goes silent and 1 and 2 carry on after 5 s.',
  cluster: { protocol: 'isis', nodes: 3, options: { proposalTimeoutMs: 5_000 } },
  network: { latency: { kind: 'uniform', minMs: 5, maxMs: 25 }, fifo: true },
  // Keep the safety phase running past the proposal timeout, so the fallback happens with p3 still silent.
  settleMs: 10_000,
  timeline: [
    at(1_000, submit(1, 'hello from p1'), submit(2, 'hello from p2'), submit(3, 'hello from p3')),
    at(1_010, submit(1, 'typing at the same time'), submit(2, 'me too')),
    at(2_000, submit(3, 'p3 signing off soon')),
    at(5_000, crash(3)),
    at(6_000, submit(1, 'is p3 still there?'), submit(2, 'p3 went quiet')),
  ],
  expect: {
    pass: ['total-order', 'exactly-once'],
    delivered: [
      // Everything sent while all three chat is delivered at once (well before the timeout) ...
      { atMs: 3_000, node: 1, atLeast: 6, atMost: 6 },
      { atMs: 3_000, node: 3, atLeast: 6, atMost: 6 },
      // ... the two messages sent after p3 went silent wait for the 5 s proposal timeout, then go through.
      { atMs: 10_900, node: 1, atLeast: 6, atMost: 6 },
      { atMs: 11_500, node: 1, atLeast: 8, atMost: 8 },
      { atMs: 11_500, node: 2, atLeast: 8, atMost: 8 },
    ],
  },
});
