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
  /** With retryForwards: first wait before undelivered forwards are sent again; doubles up to 8x, resets on progress. */
  forwardRetryMs: number;
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
  forwardRetryMs: 1000,
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
  forwardRetryMs:
    'with retryForwards: wait before re-sending undelivered forwards to the leader; doubles (up to 8x) while none is delivered',
  dedupSubmissions: 'corrected variant: number and deliver each submission id once, whatever the duplicates',
};

const FLAGS: ReadonlySet<keyof SequencerOptions> = new Set(['retryForwards', 'dedupSubmissions']);

/**
 * Valid ranges of the numeric options, inclusive: beyond them a node cannot work (a zero heartbeat interval would
 * spin the leader, a batch of zero entries never catches up, a timer past an hour is a typo).
 */
export const SEQUENCER_OPTION_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  heartbeatIntervalMs: [1, 600_000],
  leaderTimeoutMs: [2, 3_600_000],
  joinTimeoutMs: [1, 3_600_000],
  electionTimeoutMs: [1, 3_600_000],
  coordinatorTimeoutMs: [1, 3_600_000],
  catchupRetryMs: [1, 3_600_000],
  catchupBatchMax: [1, 10_000],
  bufferMax: [1, 1_000_000],
  pendingMax: [1, 1_000_000],
  forwardRetryMs: [1, 3_600_000],
};

/**
 * Checks the options once, at the boundary, with a message that says what to change: durations and bounds are
 * integers in their range, the corrected variants are booleans, and a follower must wait longer than a heartbeat.
 */
export function validateSequencerOptions(options: SequencerOptions): SequencerOptions {
  for (const key of Object.keys(sequencerDefaults) as (keyof SequencerOptions)[]) {
    const value: unknown = options[key];
    const got = JSON.stringify(value);
    if (FLAGS.has(key)) {
      if (typeof value !== 'boolean')
        throw new Error(`sequencer option ${key} must be true or false (${sequencerOptionDocs[key]}), got ${got}`);
      continue;
    }
    const [least, most] = SEQUENCER_OPTION_RANGES[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < least || value > most) {
      throw new Error(
        `sequencer option ${key} must be an integer from ${least} to ${most} (${sequencerOptionDocs[key]}), got ${got}`,
      );
    }
  }
  if (options.leaderTimeoutMs <= options.heartbeatIntervalMs) {
    throw new Error(
      `sequencer option leaderTimeoutMs (${options.leaderTimeoutMs}) must exceed heartbeatIntervalMs (${options.heartbeatIntervalMs}), ` +
        'or followers suspect a live leader between two heartbeats',
    );
  }
  return options;
}
