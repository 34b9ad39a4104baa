import type { PromiseTable } from '../../core/promises.ts';

/**
 * What seed 002's causal broadcast (default options) promises. "breaks" lists the fault classes under which the
 * documented design is known to fail the property; property search must show those failures.
 */
export const causalPromises: PromiseTable = {
  'causal-order': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'partition', 'clock-drift'],
    breaks: ['crash-restart', 'storage'],
    note:
      'A message waits until every message its sender had delivered before sending it is delivered here; faults ' +
      'can only make it wait longer. Causality is what the sender had delivered, not merely received. But a ' +
      'submission lost to a crash before its record was synced (a crash point, or a torn write) leaves a gap: the ' +
      'restarted sender numbers its next message past nothing, and it is delivered without its predecessor.',
  },
  'fifo-order': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'partition', 'clock-drift'],
    breaks: ['crash-restart', 'storage'],
    note: "The sender's own entry must be exactly one ahead, so a sender's messages are delivered in send order.",
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift', 'storage'],
    note:
      'A copy whose sender entry is not ahead of ours is dropped; the clock is rebuilt from the durable delivery ' +
      'records after a restart, so nothing delivered before it is delivered again.',
  },
  'total-order': {
    holds: [],
    breaks: ['none'],
    note: 'Causal, not total: concurrent messages (seed 002: [1,0,0] and [0,1,0]) are delivered in arrival order, which differs between nodes.',
  },
  'eventual-delivery': {
    holds: ['none', 'delay', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'No acks and no retransmission: a message lost, cut off by a partition or sent to a node while it was down ' +
      "never arrives, and every later message of its sender then waits in that receiver's buffer for good.",
  },
};
