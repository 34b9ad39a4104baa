import type { PromiseTable } from '../../core/promises.ts';

/**
 * What the documented ISIS of seed 000 (default options) promises. "breaks" lists the fault classes under which
 * the seed's design is known to fail the property; property search must show those failures.
 */
export const isisPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'partition', 'crash', 'crash-restart', 'storage'],
    note:
      "Safe while every node's proposal is counted. The 5 s timeout fallback finalizes without a slow, paused or cut-off " +
      'peer, whose late proposal is ignored: the final can land below messages that peer already delivered. A crashed ' +
      'node restarted (at the latest in the liveness phase) has lost its holdback queue and delivers FINALs as they come.',
  },
  'fifo-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'partition', 'crash', 'crash-restart', 'storage'],
    note:
      "Over FIFO links every node proposes more for a sender's later message, so its final is larger. A proposal left " +
      "out by the timeout (slow or crashed peer) can make an earlier message's final the larger one.",
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift', 'storage'],
    note:
      'A message is held once per id and delivered ids are persisted and recovered, so duplicates and restarts never ' +
      'deliver twice (ids older than deliveredIdsMax deliveries are forgotten).',
  },
  'eventual-delivery': {
    holds: ['none', 'delay', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'No retransmission and no recovery: a lost FINAL, or a sender that crashes between REQUEST and FINAL, leaves a ' +
      'non-final message at the head of the holdback queue for good, and nothing behind it is delivered.',
  },
};
