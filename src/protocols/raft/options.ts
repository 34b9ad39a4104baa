export type RaftOptions = {
  heartbeatIntervalMs: number;
  electionTimeoutMsMin: number;
  electionTimeoutMsMax: number;
  preVote: boolean;
  forwardRetryMs: number;
  batchEntriesMax: number;
  batchBytesMax: number;
  payloadBytesMax: number;
  pendingMax: number;
};

/** Wire bounds that every message is checked against, whatever the options: a peer cannot ask for more. */
export const WIRE_ENTRIES_MAX = 4_096;
export const WIRE_PAYLOAD_BYTES_MAX = 64 * 1024;
/** Batches stay well below the live frame limit (1 MiB) even after JSON escaping of the payloads. */
export const WIRE_BATCH_BYTES_MAX = 512 * 1024;

/**
 * The paper's usual values (Ongaro and Ousterhout 2014, section 9.3: election timeouts drawn from 150-300 ms,
 * heartbeats well below them). The rest are ours: a follower re-sends submissions that are not yet committed
 * every forwardRetryMs, and batches are bounded by count and by encoded bytes, far below the live frame limit.
 */
export const raftDefaults: RaftOptions = {
  heartbeatIntervalMs: 50,
  electionTimeoutMsMin: 150,
  electionTimeoutMsMax: 300,
  preVote: true,
  forwardRetryMs: 300,
  batchEntriesMax: 64,
  batchBytesMax: 64 * 1024,
  payloadBytesMax: 16 * 1024,
  pendingMax: 10_000,
};

export const raftOptionDocs: Record<keyof RaftOptions, string> = {
  heartbeatIntervalMs:
    'how often the leader sends APPEND (empty or not) to every follower (paper: well below the election timeout; 50 ms); new entries go at once to a follower that has answered everything sent to it, otherwise with its next answer or this heartbeat, so a busy leader sends one APPEND per round trip or heartbeat, not one per entry',
  electionTimeoutMsMin:
    'shortest election timeout; each timeout is drawn uniformly from [min, max] (paper: 150 ms); also how long a (pre-)candidate waits before asking a silent peer again, once another peer has answered',
  electionTimeoutMsMax: 'longest election timeout (paper: 300 ms)',
  preVote:
    'ask for pre-votes before starting an election, so a node back from a partition does not depose a healthy leader (thesis 9.6)',
  forwardRetryMs:
    "how often a node re-sends to the leader it knows its submissions that are not yet applied, once they waited that long and are not in its log in an entry of the current term (that term's leader has those)",
  batchEntriesMax: 'log entries (or forwarded submissions) per message at most',
  batchBytesMax: `encoded bytes of entries per message at most (at least one entry is always sent; at most ${WIRE_BATCH_BYTES_MAX})`,
  payloadBytesMax: `bytes of one submission's payload at most, as it travels (UTF-8, JSON-escaped); a larger submission is refused and logged (at most ${WIRE_PAYLOAD_BYTES_MAX})`,
  pendingMax: 'submissions of this node waiting to be committed, at most; past it new ones are refused and logged',
};

function fail(name: keyof RaftOptions, what: string, value: unknown): never {
  throw new Error(`raft option ${name} must be ${what} (${raftOptionDocs[name]}), got ${JSON.stringify(value)}`);
}

function integerIn(options: RaftOptions, name: keyof RaftOptions, min: number, max: number): void {
  const value = options[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, `an integer from ${min} to ${max}`, value);
  }
}

/** Checks the options once, at the boundary, with a message that says what to change. */
export function validateRaftOptions(options: RaftOptions): RaftOptions {
  integerIn(options, 'heartbeatIntervalMs', 1, 60_000);
  integerIn(options, 'electionTimeoutMsMin', 1, 600_000);
  integerIn(options, 'electionTimeoutMsMax', options.electionTimeoutMsMin, 600_000);
  if (options.heartbeatIntervalMs >= options.electionTimeoutMsMin) {
    fail(
      'heartbeatIntervalMs',
      `below electionTimeoutMsMin (${options.electionTimeoutMsMin})`,
      options.heartbeatIntervalMs,
    );
  }
  if (typeof options.preVote !== 'boolean') fail('preVote', 'true or false', options.preVote);
  integerIn(options, 'forwardRetryMs', 1, 600_000);
  integerIn(options, 'batchEntriesMax', 1, WIRE_ENTRIES_MAX);
  integerIn(options, 'batchBytesMax', 1, WIRE_BATCH_BYTES_MAX);
  integerIn(options, 'payloadBytesMax', 0, WIRE_PAYLOAD_BYTES_MAX);
  integerIn(options, 'pendingMax', 1, 1_000_000);
  return options;
}
