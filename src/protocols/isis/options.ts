export type IsisOptions = {
  proposalTimeoutMs: number;
  proposalRetentionMs: number;
  trackedProposalsMax: number;
  holdbackMax: number;
  deliveredIdsMax: number;
};

/**
 * Seed 000 documents the 5 s proposal timeout (`timeout = 5.0` in its main script) and that old proposal metadata is
 * cleared "to keep memory bounded", without numbers; the retention and the bounds are ours.
 */
export const isisDefaults: IsisOptions = {
  proposalTimeoutMs: 5000,
  proposalRetentionMs: 30_000,
  trackedProposalsMax: 1000,
  holdbackMax: 10_000,
  deliveredIdsMax: 100_000,
};

export const isisOptionDocs: Record<keyof IsisOptions, string> = {
  proposalTimeoutMs:
    'how long a sender waits for every proposal before it finalizes with those that arrived (seed 000: 5000 ms)',
  proposalRetentionMs:
    'how long a sender keeps the proposals of a finalized message, to recognise late ones; the cleanup timer runs this often (ours: 30000 ms)',
  trackedProposalsMax:
    'messages whose proposal state a sender keeps at most; past it the oldest finished ones are cleared, then the oldest open one is finalized early',
  holdbackMax: 'messages held waiting for delivery at most; past it new requests and finals are dropped and logged',
  deliveredIdsMax:
    'delivered ids remembered (and recovered after a restart) to refuse duplicates; the oldest are forgotten',
};

/** Checks the options once, at the boundary, with a message that says what to change. */
export function validateIsisOptions(options: IsisOptions): IsisOptions {
  for (const key of Object.keys(isisDefaults) as (keyof IsisOptions)[]) {
    const value: unknown = options[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      const got = JSON.stringify(value);
      throw new Error(`isis option ${key} must be a positive integer (${isisOptionDocs[key]}), got ${got}`);
    }
  }
  return options;
}
