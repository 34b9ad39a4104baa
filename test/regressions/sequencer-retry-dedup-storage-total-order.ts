import { scenario } from 'tob-lab';

// Found by: searchViolation({ protocol: 'sequencer-retry-dedup', nodes: 3, faults: ['storage'], properties: ['total-order'], runs: 1000, seed: 20261121 }), case 318
// Violated: total-order (node 1 delivered s3 before s2, node 2 the reverse (2 node pairs disagree))
// Shrunk 90 times. Replay with --seed 364885213.
export default scenario({
  "name": "regression-sequencer-retry-dedup-storage-total-order",
  "description": "counterexample: total-order — node 1 delivered s3 before s2, node 2 the reverse (2 node pairs disagree)",
  "cluster": {
    "protocol": "sequencer-retry-dedup",
    "nodes": 3
  },
  "network": {
    "latency": {
      "kind": "uniform",
      "minMs": 5,
      "maxMs": 25
    },
    "fifo": true
  },
  "timeline": [
    {
      "atMs": 0,
      "action": {
        "do": "submit",
        "node": 1,
        "payload": "m3"
      }
    },
    {
      "atMs": 19,
      "action": {
        "do": "crash",
        "node": 2
      }
    },
    {
      "atMs": 1895,
      "action": {
        "do": "disk-full",
        "node": 3
      }
    },
    {
      "atMs": 3389,
      "action": {
        "do": "submit",
        "node": 1,
        "payload": "m1"
      }
    },
    {
      "atMs": 3389,
      "action": {
        "do": "submit",
        "node": 1,
        "payload": "m2"
      }
    },
    {
      "atMs": 5163,
      "action": {
        "do": "restart",
        "node": 2
      }
    },
    {
      "atMs": 5956,
      "action": {
        "do": "disk-ok",
        "node": 3
      }
    },
    {
      "atMs": 5956,
      "action": {
        "do": "restart",
        "node": 3
      }
    }
  ],
  "expect": {
    "fail": [
      "total-order"
    ]
  }
});
