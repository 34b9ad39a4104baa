import type { NodeId, SubmissionId } from '../../core/ids.ts';
import {
  arrayOf,
  count,
  matches,
  messageSchema,
  nodeId,
  nullable,
  payload,
  submissionId,
  type Shape,
} from '../shared/schema.ts';

/** One sequenced chat message: what the leader broadcasts, what every node logs. */
export type Entry = {
  term: number;
  seq: number;
  id: SubmissionId;
  origin: NodeId;
  payload: string;
};

export type SequencerMessage =
  | { type: 'JOIN'; term: number }
  | { type: 'JOIN_ACK'; term: number; leader: NodeId | null; lastSeq: number }
  | { type: 'HEARTBEAT'; term: number; lastSeq: number }
  | { type: 'ELECTION'; term: number }
  | { type: 'ELECTION_OK'; term: number }
  | { type: 'COORDINATOR'; term: number; lastSeq: number }
  | { type: 'CHAT'; id: SubmissionId; origin: NodeId; payload: string }
  | ({ type: 'SEQ_CHAT' } & Entry)
  | { type: 'CATCHUP_REQ'; afterSeq: number }
  | { type: 'CATCHUP_RESP'; term: number; lastSeq: number; entries: Entry[] };

/** Durable records, one per line of the append-only log. */
export type SequencerRecord = { kind: 'term'; term: number } | EntryRecord;
export type EntryRecord = { kind: 'entry' } & Entry;

/** The fields of an entry, in the order a record lists them. Sequence numbers start at 1. */
export const ENTRY_SHAPE: Shape = {
  term: count,
  seq: (value) => count(value) && (value as number) >= 1,
  id: submissionId,
  origin: nodeId,
  payload,
};

/** Catch-up entries per response at most, whatever the catchupBatchMax option says (bytes cap them further). */
export const CATCHUP_ENTRIES_MAX = 10_000;

/** One schema per message: what a host lets through to a handler. */
export const sequencerSchema = messageSchema({
  JOIN: { term: count },
  JOIN_ACK: { term: count, leader: nullable(nodeId), lastSeq: count },
  HEARTBEAT: { term: count, lastSeq: count },
  ELECTION: { term: count },
  ELECTION_OK: { term: count },
  COORDINATOR: { term: count, lastSeq: count },
  CHAT: { id: submissionId, origin: nodeId, payload },
  SEQ_CHAT: ENTRY_SHAPE,
  CATCHUP_REQ: { afterSeq: count },
  CATCHUP_RESP: { term: count, lastSeq: count, entries: arrayOf((entry) => isEntry(entry), CATCHUP_ENTRIES_MAX) },
});

export function isEntry(value: unknown): value is Entry {
  return matches(value, ENTRY_SHAPE);
}

export function isSequencerMessage(value: unknown): value is SequencerMessage {
  return sequencerSchema.check(value);
}

/**
 * An entry built field by field from a checked one: extra keys of a message never reach the log. Written out
 * rather than spread or picked because it sits on the hot path of every delivery; the field order is ENTRY_SHAPE's,
 * so histories keep their bytes.
 */
export function entryOf(value: Entry): Entry {
  return { term: value.term, seq: value.seq, id: value.id, origin: value.origin, payload: value.payload };
}

export function entryRecord(entry: Entry): EntryRecord {
  return {
    kind: 'entry',
    term: entry.term,
    seq: entry.seq,
    id: entry.id,
    origin: entry.origin,
    payload: entry.payload,
  };
}
