export type CausalOptions = {
  bufferMax: number;
  sendDelayMsMax: number;
};

/**
 * Seed 002 documents no numbers. Its demo delays every message randomly ("Messages are automatically delayed
 * randomly") so that buffering shows; here the simulated network already delays and reorders, so the extra
 * delay is off by default and `sendDelayMsMax` turns the demo's behaviour back on. The bound is ours.
 */
export const causalDefaults: CausalOptions = {
  bufferMax: 10_000,
  sendDelayMsMax: 0,
};

export const causalOptionDocs: Record<keyof CausalOptions, string> = {
  bufferMax:
    'messages held back waiting for their causal past, at most; past it an arriving message is dropped and logged, and never delivered (no retransmission)',
  sendDelayMsMax:
    'each send waits a uniform random 0..sendDelayMsMax ms before it leaves, like the seed 002 demo (0 = off, the default; the demo delayed messages)',
};

/** Checks the options once, at the boundary, with a message that says what to change. */
export function validateCausalOptions(options: CausalOptions): CausalOptions {
  const { bufferMax, sendDelayMsMax } = options;
  if (typeof bufferMax !== 'number' || !Number.isInteger(bufferMax) || bufferMax < 1) {
    throw new Error(
      `causal option bufferMax must be an integer >= 1 (${causalOptionDocs.bufferMax}), got ${JSON.stringify(bufferMax)}`,
    );
  }
  if (typeof sendDelayMsMax !== 'number' || !Number.isFinite(sendDelayMsMax) || sendDelayMsMax < 0) {
    throw new Error(
      `causal option sendDelayMsMax must be a number of ms >= 0 (${causalOptionDocs.sendDelayMsMax}), got ${JSON.stringify(sendDelayMsMax)}`,
    );
  }
  return options;
}
