export type SequencerOptions = {
  heartbeatIntervalMs: number;
  leaderTimeoutMs: number;
  joinTimeoutMs: number;
  electionTimeoutMs: number;
  coordinatorTimeoutMs: number;
  catchupRetryMs: number;
  catchupBatchMax: number;
  bufferMax: number;
  pendingMax: number;
  retryForwards: boolean;
  dedupSubmissions: boolean;
};

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

export const sequencerOptionDocs: Record<keyof SequencerOptions, string> = {
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
};

const FLAGS: ReadonlySet<keyof SequencerOptions> = new Set(['retryForwards', 'dedupSubmissions']);

/**
 * Checks the options once, at the boundary, with a message that says what to change: durations and bounds are
 * positive integers (a zero heartbeat interval would spin the leader), the corrected variants are booleans.
 */
export function validateSequencerOptions(options: SequencerOptions): SequencerOptions {
  for (const key of Object.keys(sequencerDefaults) as (keyof SequencerOptions)[]) {
    const value: unknown = options[key];
    const got = JSON.stringify(value);
    if (FLAGS.has(key)) {
      if (typeof value !== 'boolean') throw new Error(`sequencer option ${key} must be true or false (${sequencerOptionDocs[key]}), got ${got}`);
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`sequencer option ${key} must be a positive integer (${sequencerOptionDocs[key]}), got ${got}`);
    }
  }
  return options;
}
