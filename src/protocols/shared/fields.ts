/**
 * Single-field checks, kept for protocols not yet written against the schemas of ./schema.ts (which every
 * shipped protocol uses: one strict schema per message). They share the schema's bounds.
 */
import { count, ID_LENGTH_MAX, submissionId } from './schema.ts';

export { ID_LENGTH_MAX };

/** A whole number in 0..COUNT_MAX (sequence numbers, terms, clocks, counts). */
export const isCount = (value: unknown): value is number => count(value);

export const isText = (value: unknown): value is string => typeof value === 'string';

export const isId = (value: unknown): value is string => submissionId(value);
