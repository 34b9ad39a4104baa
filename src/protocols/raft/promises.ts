import type { PromiseTable } from '../../core/promises.ts';

const ALL = ['none', 'delay', 'loss', 'duplication', 'crash', 'crash-restart', 'partition', 'clock-drift'] as const;
const ALL_BUT_CRASH_RESTART = ALL.filter((fault) => fault !== 'crash-restart');

/**
 * What Raft promises, as property search measures it: the safety properties under every fault class the
 * generator has, and eventual delivery whenever the liveness phase (all faults healed, every node restarted)
 * leaves a connected majority, which it always does. Raft assumes stable storage: under storage faults (a torn
 * last record, a damaged one, writes lost before their sync) only what needs no lost record still holds.
 */
export const raftPromises: PromiseTable = {
  'total-order': {
    holds: [...ALL, 'storage'],
    note:
      "Entries are delivered in log order once committed by a majority of the current term; committed entries are in every later leader's log. " +
      'A node that loses its last record to a torn write restarts behind, and catches up from the leader (storage).',
  },
  'exactly-once': {
    holds: [...ALL],
    breaks: ['storage'],
    note:
      'Each origin numbers its submissions durably; a log holds each (origin, seq) once, applying skips any already applied, and the applied index is durable before delivery. ' +
      'A torn last record can be the applied index: the node applies, and delivers, that entry again (storage).',
  },
  'fifo-order': {
    holds: [...ALL_BUT_CRASH_RESTART],
    breaks: ['crash-restart', 'storage'],
    note:
      "A leader appends an origin's submission only right after its previous one; submissions are durable at their " +
      'origin and retried after a restart. But a submission whose record never reached the disk (a crash before ' +
      'the sync, a torn write) is gone while the next one goes through, and the checker counts the gap. (A ' +
      'submission handed to a paused node that crashes before resuming is no such gap: the node never read it, ' +
      'as a stopped process never reads its stdin, so it is not in the history.)',
  },
  'election-safety': {
    holds: [...ALL, 'storage'],
    note:
      'A leader needs votes from a majority, each node votes once per term, and the vote is durable before the reply. ' +
      'A torn vote could let a node vote twice in a term; search has not met it (storage held in the CI budget and at 5 nodes).',
  },
  'eventual-delivery': {
    holds: [...ALL],
    breaks: ['storage'],
    note:
      "Origins retry until they apply their own submissions (except those in their log in an entry of the current term, which that term's leader keeps and replicates); the liveness phase heals everything, so a majority elects a leader and catches every node up. " +
      'A follower that lost entries it acknowledged (a torn or damaged last record, cut at its restart) asks for them again, below its match index, ' +
      'and the leader brings that match index down and sends them (test/fixtures/raft-storage-lost-acknowledged.ts). ' +
      'But a record damaged before the last stops its node for good (the host refuses the restart): with a majority so stopped, ' +
      'the rest elect no leader and deliver nothing more (storage; test/regressions/raft-storage-eventual-delivery.ts).',
  },
  durability: {
    holds: [...ALL],
    breaks: ['storage'],
    note:
      'An origin acks once the entry is committed (on a majority) and applied. Under storage faults the majority that holds it can be ' +
      'stopped for good by damaged records (see eventual-delivery), and a node that never had it never gets it ' +
      '(storage; test/regressions/raft-storage-durability.ts). A follower that lost an acknowledged entry to a torn or damaged last ' +
      'record gets it again once it restarts. The leader may still have counted that follower, so until then the entry lives on fewer ' +
      'nodes than it counted.',
  },
};
