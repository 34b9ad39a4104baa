import type { PromiseTable } from '../../core/promises.ts';

const ALL = ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift'] as const;

/**
 * What Raft promises, as property search measures it: the safety properties under every fault class the
 * generator has, and eventual delivery whenever the liveness phase (all faults healed, every node restarted)
 * leaves a connected majority, which it always does.
 */
export const raftPromises: PromiseTable = {
  'total-order': {
    holds: [...ALL],
    note: "Entries are delivered in log order once committed by a majority of the current term; committed entries are in every later leader's log.",
  },
  'exactly-once': {
    holds: [...ALL],
    note: 'Each origin numbers its submissions durably; a log holds each (origin, seq) once, applying skips any already applied, and the applied index is durable before delivery.',
  },
  'fifo-order': {
    holds: [...ALL],
    note:
      "A leader appends an origin's submission only right after its previous one; submissions are durable at their " +
      'origin and retried after a restart. (With pauses and crashes mixed, a submission handed to a paused node that ' +
      'crashes before resuming is lost before the node ever sees it, and the checker still counts it.)',
  },
  'election-safety': {
    holds: [...ALL],
    note: 'A leader needs votes from a majority, each node votes once per term, and the vote is durable before the reply.',
  },
  'eventual-delivery': {
    holds: [...ALL],
    note: 'Origins retry until they apply their own submissions; the liveness phase heals everything, so a majority elects a leader and catches every node up.',
  },
};
