export type PrimaryBackupOptions = {
  heartbeatIntervalMs: number;
  heartbeatJitterMs: number;
  primaryTimeoutMs: number;
  electionTimeoutMs: number;
  coordinatorTimeoutMs: number;
  idCacheMax: number;
  historyMax: number;
  syncBatchMax: number;
  pendingMax: number;
};

/**
 * Seed 003 documents two time scales that do not fit together: heartbeats every 30-40 s with a 60 s timeout
 * (constCS.py), and "eleição automática quando líder falha (2-5s)". The defaults keep the shape of the first
 * (a base interval plus a third of it as jitter, a timeout of a little under two of the longest gaps) at the
 * scale of the second: heartbeats every 1000-1333 ms, a 2500 ms timeout and a 1000 ms wait for OK put a new
 * primary in place 2.2-3.6 s after the old one dies, whenever in its heartbeat cycle it dies. A 2000 ms timeout
 * (60 s scaled like the interval) would let it happen as early as 1.7 s.
 */
export const primaryBackupDefaults: PrimaryBackupOptions = {
  heartbeatIntervalMs: 1000,
  heartbeatJitterMs: 333,
  primaryTimeoutMs: 2500,
  electionTimeoutMs: 1000,
  coordinatorTimeoutMs: 3000,
  idCacheMax: 10_000,
  historyMax: 10_000,
  syncBatchMax: 500,
  pendingMax: 1000,
};

export const primaryBackupOptionDocs: Record<keyof PrimaryBackupOptions, string> = {
  heartbeatIntervalMs:
    "base period of every node's HEARTBEAT (seed: 30 s; scaled down so elections take the documented 2-5 s)",
  heartbeatJitterMs:
    'random extra wait added to each heartbeat period, 0..this ms (seed: 30-40 s, i.e. a third of the base)',
  primaryTimeoutMs:
    'silence from the primary after which a backup suspects it and starts a Bully election; also how long a restarted node waits for the primary to answer DISCOVER or SYNC_REQ (seed: 60 s; ours: 2500 ms for a 2-5 s election)',
  electionTimeoutMs:
    'how long a candidate waits for an OK from a higher node before it becomes primary (seed: 2-5 s elections)',
  coordinatorTimeoutMs:
    'after an OK, how long to wait for COORDINATOR before electing again (not in the seed: Bully needs it)',
  idCacheMax: 'delivered ids remembered to refuse duplicates (seed: MSG_ID_CACHE_SIZE 10000); older ones are forgotten',
  historyMax: 'latest deliveries kept in memory to answer SYNC_REQ from a restarted node; older ones cannot be synced',
  syncBatchMax: 'entries per SYNC reply at most; the restarted node asks again for the rest',
  pendingMax:
    'submissions kept while no primary is known, and replications held while a restarted node syncs, at most; past it new ones are dropped and logged',
};

/** Checks the options once, at the boundary, with a message that says what to change. */
export function validatePrimaryBackupOptions(options: PrimaryBackupOptions): PrimaryBackupOptions {
  for (const key of Object.keys(primaryBackupDefaults) as (keyof PrimaryBackupOptions)[]) {
    const value: unknown = options[key];
    const least = key === 'heartbeatJitterMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
      throw new Error(
        `primary-backup option ${key} must be an integer >= ${least} (${primaryBackupOptionDocs[key]}), got ${JSON.stringify(value)}`,
      );
    }
  }
  if (options.primaryTimeoutMs <= options.heartbeatIntervalMs + options.heartbeatJitterMs) {
    throw new Error(
      `primary-backup option primaryTimeoutMs (${options.primaryTimeoutMs}) must exceed the longest heartbeat gap, ` +
        `heartbeatIntervalMs + heartbeatJitterMs (${options.heartbeatIntervalMs + options.heartbeatJitterMs}), or backups suspect a live primary`,
    );
  }
  return options;
}
