import type { PromiseTable } from '../../core/promises.ts';

/**
 * What seed 003 part 4 (default options) promises. "breaks" lists the fault classes under which the documented
 * design is known to fail the property; property search must show those failures.
 */
export const primaryBackupPromises: PromiseTable = {
  'total-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'partition', 'crash', 'storage'],
    note:
      'One primary numbers everything and replicas never deliver a lower seq after a higher one. No holdback: a ' +
      'lost or overtaken replication is skipped for good; and without terms a cut-off primary (or one that a long ' +
      'delay makes look dead) keeps numbering beside the new one. crash-restart is not promised: the Bully race of ' +
      'election-safety can let a second primary number a queued message (rare; random search seldom meets it). ' +
      'crash breaks it: a primary that dies mid-replication (REPLICATE reached one backup, not the other) leaves ' +
      'the backups holding different messages at one seq, and the next primary numbers on from its own log. ' +
      'storage faults come with the restart that reads the log back, and a restarted backup delivers the next ' +
      'seq at once, skipping the gap it missed while down, then the missed one later (a restart, not the torn ' +
      'record, is what breaks it; crash-restart is not promised either).',
  },
  'fifo-order': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'A backup forwards over one FIFO link and the primary numbers in arrival order; but a forward sent to a ' +
      'primary that dies (or is cut off) is lost while the next one, sent to its successor, is delivered.',
  },
  'exactly-once': {
    holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift'],
    breaks: ['storage'],
    note:
      "Primary and backups refuse an id they delivered (the seed's id cache, rebuilt from the durable log after a " +
      'restart); the cache forgets ids older than its last idCacheMax deliveries. A torn last record forgets ' +
      'the last id delivered, so a retried or re-replicated copy is delivered again (storage).',
  },
  'election-safety': {
    holds: ['none', 'duplication', 'crash', 'clock-drift'],
    breaks: ['delay', 'loss', 'partition', 'storage'],
    note:
      'No terms: a backup that stops hearing a live primary (partition, lost or long-delayed heartbeats and OKs) ' +
      'makes itself primary while the old one still believes it leads, until heartbeats meet again. crash-restart ' +
      'is not promised: a candidate whose ELECTION went to a crashed higher node leads when its timer ends, even if ' +
      'that node has restarted and won meanwhile (one latency of overlap; shown by a timed test, too rare for search).',
  },
  'eventual-delivery': {
    holds: ['none', 'duplication', 'clock-drift'],
    breaks: ['delay', 'loss', 'crash', 'crash-restart', 'partition', 'storage'],
    note:
      'Forwards are sent once (lost with a dying primary), gaps are skipped rather than refetched, and a new primary ' +
      'that missed the last replications reuses their seqs, which backups that had them drop as stale.',
  },
};
