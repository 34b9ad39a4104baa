import type { PromiseTable } from '../../core/promises.ts';

/**
 * What the documented sequencer (default options) promises. "breaks" lists the fault classes under which the
 * seeds' design is known to fail the property; property search must show those failures.
 */
export const sequencerPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'delay', 'duplication', 'crash', 'crash-restart', 'clock-drift'],
    breaks: ['partition'],
    note: 'No quorum: both sides of a partition elect a leader and number messages from the same seq; after the heal the logs stay divergent.',
  },
  'fifo-order': {
    holds: ['none', 'delay', 'crash', 'crash-restart', 'clock-drift'],
    note: 'A follower forwards over one FIFO link and the leader numbers in arrival order.',
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'crash', 'crash-restart', 'clock-drift'],
    breaks: ['duplication'],
    note: 'Duplicates are recognised by (term, seq) only, so a duplicated CHAT is numbered, and delivered, twice.',
  },
  'election-safety': {
    holds: ['none', 'delay', 'duplication', 'crash', 'crash-restart', 'clock-drift'],
    breaks: ['partition'],
    note: 'Bully asks only the nodes it can reach: candidates cut off from each other pick the same new term.',
  },
  'eventual-delivery': {
    holds: ['none', 'delay', 'duplication', 'clock-drift'],
    breaks: ['crash', 'partition'],
    note: 'A CHAT forwarded to a leader that dies before numbering it is lost (option retryForwards fixes it).',
  },
};
