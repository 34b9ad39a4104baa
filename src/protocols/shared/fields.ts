/**
 * Field checks for the protocols' message validators (`isMessage`), shared so that every protocol refuses the
 * same garbage the same way when a live host hands it a frame from the network.
 */

/** Submission ids are short strings; a longer one is garbage, not an id. */
export const ID_LENGTH_MAX = 256;

/** A whole number >= 0 that JSON carries exactly (sequence numbers, terms, clocks, counts). */
export const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export const isText = (value: unknown): value is string => typeof value === 'string';

export const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= ID_LENGTH_MAX;
