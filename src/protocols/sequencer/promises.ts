import type { PromiseTable } from '../../core/promises.ts';

/**
 * What the documented sequencer (default options) promises, as property search measured it. "breaks" lists the
 * fault classes under which the seeds' design is known to fail the property; the tests must show each failure.
 * The fault classes are those of src/search/generate.ts ("delay" includes paused processes).
 */
export const sequencerPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'duplication', 'crash', 'crash-restart', 'clock-drift'],
    breaks: ['delay', 'loss', 'partition'],
    note:
      'No quorum: whenever two nodes lead at once (both sides of a partition, a paused node that wakes up as ' +
      'candidate, candidates whose ELECTION or OK was lost) both number messages from the same seq, and ' +
      'followers keep whichever arrived first.',
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'crash', 'crash-restart', 'partition', 'clock-drift'],
    breaks: ['duplication'],
    note: 'Duplicates are recognised by (term, seq) only, so a duplicated CHAT is numbered, and delivered, twice.',
  },
  'causal-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'partition'],
    note:
      'A node submits only what it has delivered after, and the leader numbers in arrival order, so causal order ' +
      'follows from total order while no forward is lost; a lost forward breaks it like FIFO.',
  },
  'fifo-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'partition'],
    note: 'A forwarded CHAT that is lost (or dies with the leader) is never retried, while later ones go through.',
  },
  'election-safety': {
    holds: ['none', 'duplication', 'crash', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash-restart', 'partition'],
    note:
      'Terms are not agreed by a quorum: candidates cut off from each other pick the same new term, and a node ' +
      'that restarts without having heard of a term a crashed leader used picks it again.',
  },
  'eventual-delivery': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'crash-restart', 'partition'],
    note:
      'A CHAT forwarded to a leader that dies (or is lost on the way) is never retried (option retryForwards ' +
      'fixes that); after a partition the logs stay divergent.',
  },
};

/** The variant with retryForwards and dedupSubmissions on, as property search measured it. */
export const sequencerRetryDedupPromises: PromiseTable = {};
