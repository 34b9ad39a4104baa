import type { PromiseTable } from '../../core/promises.ts';

/**
 * What the documented design of seed 003 part 3 (default options, stability 'documented') promises. "breaks"
 * lists the fault classes under which it is known to fail the property; property search must show those failures.
 */
export const lamportPromises: PromiseTable = {
  'total-order': {
    holds: [],
    breaks: ['none', 'delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'The rule "deliver the head once its ts < local clock" does not wait for the others: a message with a smaller ts ' +
      'that is delayed, reordered or on a longer gossip path arrives after larger ones were delivered. Fault-free runs ' +
      'of more than fanout + 1 nodes already disagree (two-hop gossip). stability: all-peers fixes it (lamportAllPeersPromises).',
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift', 'storage'],
    note:
      'The id cache drops duplicates and delivered ids are persisted and recovered; a copy older than dedupCacheSize ' +
      'newer messages would be taken as new.',
  },
  'eventual-delivery': {
    holds: [],
    breaks: ['loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'Gossip sends each copy once: a lost copy or a node that was down misses the message for good (no anti-entropy). ' +
      'And an origin delivers its own last message only once some clock reaches it, in a quiet cluster the next ' +
      "heartbeat, 30-40 s away: longer than the lab's 30 s liveness phase, so even fault-free runs can miss it.",
  },
};

/** The corrected variant, options `{ stability: 'all-peers' }`. */
export const lamportAllPeersPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'duplication', 'crash', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash-restart', 'partition', 'storage'],
    note:
      "Needs FIFO links and full dissemination (the origin sends to every peer): then a clock >= the head's ts from every " +
      'live peer means nothing smaller can still come. Reordering links (delay) or a lost copy break that; so does a peer ' +
      'judged dead while it is not (partition) and a restart, which forgets the clock it advertised. A crash, even one that cuts a ' +
      "handler's broadcast short, is safe here because a crashed peer is no longer waited for. Storage faults come " +
      'with the restart that reads the log back, and break it as crash-restart does.',
  },
  'fifo-order': {
    holds: ['none', 'duplication', 'crash', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash-restart', 'partition', 'storage'],
    note: 'An origin stamps its messages with increasing ts and the total order is by ts, under the same conditions.',
  },
  'exactly-once': lamportPromises['exactly-once'],
  'eventual-delivery': {
    holds: ['none', 'delay', 'duplication', 'clock-drift'],
    breaks: ['loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note: 'As the documented variant; a peer that is never heard from again holds the queue until the 60 s heartbeat timeout.',
  },
};
