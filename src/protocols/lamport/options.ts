export type Stability = 'documented' | 'all-peers';

export type LamportOptions = {
  fanout: number;
  dedupCacheSize: number;
  deliveryCheckIntervalMs: number;
  heartbeatIntervalMs: number;
  heartbeatJitterMs: number;
  heartbeatTimeoutMs: number;
  holdbackMax: number;
  stability: Stability;
};

/**
 * Seed 003 (constCS.py and the README, part 3) documents PROPAGATION_FANOUT 3, MSG_ID_CACHE_SIZE 10000,
 * DELIVERY_CHECK_INTERVAL 100 ms, HEARTBEAT_INTERVAL 30 s "with jitter" (30-40 s) and HEARTBEAT_TIMEOUT 60 s.
 * The holdback bound is ours.
 */
export const lamportDefaults: LamportOptions = {
  fanout: 3,
  dedupCacheSize: 10_000,
  deliveryCheckIntervalMs: 100,
  heartbeatIntervalMs: 30_000,
  heartbeatJitterMs: 10_000,
  heartbeatTimeoutMs: 60_000,
  holdbackMax: 10_000,
  stability: 'documented',
};

export const lamportOptionDocs: Record<keyof LamportOptions, string> = {
  fanout: 'peers an origin, and every first-time receiver, forwards a message to (seed 003: PROPAGATION_FANOUT 3)',
  dedupCacheSize:
    'message ids remembered to drop duplicates; the oldest are forgotten (seed 003: MSG_ID_CACHE_SIZE 10000)',
  deliveryCheckIntervalMs: 'how often the holdback queue is checked for stable messages (seed 003: 100 ms)',
  heartbeatIntervalMs: 'base interval between heartbeats to every peer (seed 003: HEARTBEAT_INTERVAL 30000 ms)',
  heartbeatJitterMs: 'random extra added to each heartbeat interval (seed 003: heartbeats every 30-40 s, so 10000 ms)',
  heartbeatTimeoutMs: 'silence after which a peer is considered dead (seed 003: HEARTBEAT_TIMEOUT 60000 ms)',
  holdbackMax: 'messages held waiting for delivery at most; past it new ones are dropped and logged (ours)',
  stability:
    "'documented': deliver the head when its ts < the local clock (seed 003, unsafe); 'all-peers': only once every live peer has sent a clock >= the head's ts (corrected, needs FIFO links)",
};

const STABILITY_RULES: readonly Stability[] = ['documented', 'all-peers'];

/** Checks the options once, at the boundary, with a message that says what to change. */
export function validateLamportOptions(options: LamportOptions): LamportOptions {
  const positive: (keyof LamportOptions)[] = [
    'fanout',
    'dedupCacheSize',
    'deliveryCheckIntervalMs',
    'heartbeatIntervalMs',
    'heartbeatTimeoutMs',
    'holdbackMax',
  ];
  for (const key of positive) {
    const value: unknown = options[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      const got = JSON.stringify(value);
      throw new Error(`lamport option ${key} must be a positive integer (${lamportOptionDocs[key]}), got ${got}`);
    }
  }
  const jitter: unknown = options.heartbeatJitterMs;
  if (typeof jitter !== 'number' || !Number.isInteger(jitter) || jitter < 0) {
    throw new Error(`lamport option heartbeatJitterMs must be an integer >= 0, got ${JSON.stringify(jitter)}`);
  }
  if (!STABILITY_RULES.includes(options.stability)) {
    const got = JSON.stringify(options.stability);
    throw new Error(`lamport option stability must be 'documented' or 'all-peers', got ${got}`);
  }
  return options;
}
