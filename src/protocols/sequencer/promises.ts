import type { PromiseTable } from '../../core/promises.ts';

/**
 * What the documented sequencer (default options) promises, as property search measured it. "breaks" lists the
 * fault classes under which the seeds' design is known to fail the property; the tests must show each failure.
 * The fault classes are those of src/search/generate.ts ("delay" includes paused processes).
 */
export const sequencerPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'duplication', 'clock-drift', 'storage'],
    breaks: ['delay', 'loss', 'partition', 'crash', 'crash-restart'],
    note:
      'No quorum: whenever two nodes lead at once (both sides of a partition, a paused node that wakes up as ' +
      'candidate, candidates whose ELECTION or OK was lost) both number messages from the same seq, and ' +
      'followers keep whichever arrived first. crash: a leader that dies in the middle of its SEQ_CHAT broadcast ' +
      '(one follower has the entry, the other not) leaves the next leader to number another message at that seq. ' +
      'crash-restart: a leader that synced an entry and died before its SEQ_CHAT left comes back with a seq the ' +
      'next leader reused (what kill -9 showed live). storage held in the CI budget and the sweep at 5 nodes.',
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'crash', 'crash-restart', 'partition', 'clock-drift'],
    breaks: ['duplication', 'storage'],
    note:
      'Duplicates are recognised by (term, seq) only, so a duplicated CHAT is numbered, and delivered, twice. A ' +
      'torn last record forgets a delivered entry, which catch-up then delivers again (storage).',
  },
  'causal-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'partition', 'storage'],
    note:
      'A node submits only what it has delivered after, and the leader numbers in arrival order, so causal order ' +
      'follows from total order while no forward is lost; a lost forward breaks it like FIFO.',
  },
  'fifo-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'partition', 'storage'],
    note: 'A forwarded CHAT that is lost (or dies with the leader) is never retried, while later ones go through.',
  },
  'election-safety': {
    holds: ['none', 'duplication', 'crash', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash-restart', 'partition', 'storage'],
    note:
      'Terms are not agreed by a quorum: candidates cut off from each other pick the same new term, and a node ' +
      'that restarts without having heard of a term a crashed leader used picks it again. crash holds: a new ' +
      "leader's announcement leaves after every send of its commit (the live commit order), so a leader whose " +
      'COORDINATOR broadcast a crash cut short never announced itself; with no restart and no lost message, every ' +
      'live node hears of the term before it could pick it (3 nodes: 1,000 + 2 x 5,000 cases; 5 nodes: 3,000).',
  },
  'eventual-delivery': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'A CHAT forwarded to a leader that dies (or is lost on the way) is never retried (option retryForwards ' +
      'fixes that); after a partition the logs stay divergent.',
  },
  durability: {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'An ack means the leader (or the origin) synced and delivered the entry, not that anyone else has it: a ' +
      'leader that dies before its SEQ_CHAT leaves, or whose seq a second leader reuses, loses acked messages.',
  },
};

/** The variant with retryForwards and dedupSubmissions on, as property search measured it. */
export const sequencerRetryDedupPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'partition', 'crash', 'crash-restart', 'storage'],
    note:
      'The corrections retry and deduplicate forwards; they add no quorum. A leader that dies mid-broadcast, or ' +
      'synced an entry and died before its SEQ_CHAT left, leaves a seq the next leader reuses; a retried forward ' +
      'can be numbered at two seqs by two leaders; a torn last entry is a seq forgotten and numbered again ' +
      '(counterexamples in test/regressions, at 3 and 5 nodes).',
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift'],
    breaks: ['storage'],
    note: 'dedupSubmissions delivers each id once, as long as the record that says it was delivered survives.',
  },
  'causal-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note: 'A retried forward is numbered after later submissions that went through first.',
  },
  'fifo-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note: 'As causal-order: retrying restores delivery, not the order of submission.',
  },
  'election-safety': sequencerPromises['election-safety'],
  'eventual-delivery': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note: 'Retries reach a new leader, but logs that diverged (two leaders, a reused seq) never converge.',
  },
  durability: {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'As the documented design: a leader that synced, delivered and acked an entry and died before its SEQ_CHAT ' +
      'left takes it down with it; the next leader reuses the seq (tob-lab check --options, issue 11).',
  },
};
