import type { ProtocolDefinition } from '../../core/node.ts';
import { isSequencerMessage } from './messages.ts';
import { SequencerNode, type SequencerOptions } from './node.ts';
import { sequencerPromises } from './promises.ts';

export { sequencerRetryDedupPromises } from './promises.ts';

export type { SequencerOptions } from './node.ts';

/** Seed 004 documents heartbeat_interval_ms 800 and leader_timeout_ms 2500; the other values are ours. */
export const sequencerDefaults: SequencerOptions = {
  heartbeatIntervalMs: 800,
  leaderTimeoutMs: 2500,
  joinTimeoutMs: 1000,
  electionTimeoutMs: 1000,
  coordinatorTimeoutMs: 3000,
  catchupRetryMs: 1000,
  catchupBatchMax: 200,
  bufferMax: 10_000,
  pendingMax: 10_000,
  retryForwards: false,
  dedupSubmissions: false,
};

export const sequencer: ProtocolDefinition<SequencerOptions> = {
  name: 'sequencer',
  seeds: ['001', '004'],
  summary: 'Leader numbers every message; Bully election with terms; heartbeats; durable log; catch-up on rejoin.',
  defaults: sequencerDefaults,
  optionDocs: {
    heartbeatIntervalMs: 'how often the leader sends HEARTBEAT (seed 004: 800 ms)',
    leaderTimeoutMs: 'silence after which a follower suspects the leader (seed 004: 2500 ms)',
    joinTimeoutMs: 'how long a booting node waits for a leader to answer JOIN before it starts an election',
    electionTimeoutMs: 'how long a candidate waits for ELECTION_OK from a higher node before it leads',
    coordinatorTimeoutMs: 'after an ELECTION_OK, how long to wait for COORDINATOR before electing again',
    catchupRetryMs: 'how long to wait for a CATCHUP_RESP before asking again',
    catchupBatchMax: 'entries per CATCHUP_RESP at most',
    bufferMax: 'out-of-order entries kept while waiting for a gap to fill; beyond it they are refetched',
    pendingMax: 'submissions kept while no leader is known; beyond it new ones are dropped and logged',
    retryForwards: 'corrected variant: keep forwarded submissions until delivered and re-forward them to a new leader',
    dedupSubmissions: 'corrected variant: number and deliver each submission id once, whatever the duplicates',
  },
  promises: sequencerPromises,
  create: (config) => new SequencerNode(config.id, config.options),
  isMessage: isSequencerMessage,
};
