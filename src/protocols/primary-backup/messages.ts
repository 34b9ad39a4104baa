import type { NodeId, SubmissionId } from '../../core/ids.ts';
import {
  arrayOf,
  boolean,
  count,
  COUNT_MAX,
  integer,
  matches,
  messageSchema,
  NODE_ID_MAX,
  nodeId,
  nullable,
  oneOf,
  payload,
  pick,
  submissionId,
  type Shape,
} from '../shared/schema.ts';

/** One sequenced message, as the primary numbers it and every replica records it (seed: seq_number, leader_id). */
export type Entry = {
  id: SubmissionId;
  origin: NodeId;
  payload: string;
  seq: number;
  /** The node that assigned `seq`. */
  primary: NodeId;
};

/** A submission on its way to the primary; `hops` bounds re-forwarding between nodes that disagree on who leads. */
export type Forward = { id: SubmissionId; origin: NodeId; payload: string; hops: number };

/**
 * The messages of seed 003 part 4, one per RPC it documents (replicated chat, forwarded chat, election,
 * coordinator, heartbeat) plus the replica synchronisation it describes for a (re)joining node.
 */
export type PrimaryBackupMessage =
  /** Liveness, and the sender's belief about the primary (a primary names itself). */
  | { type: 'HEARTBEAT'; leader: NodeId | null }
  | ({ type: 'FORWARD' } & Forward)
  | ({ type: 'REPLICATE' } & Entry)
  | { type: 'ELECTION' }
  | { type: 'OK' }
  /** "I am the primary"; lastSeq is where its numbering stands, for people reading the history. */
  | { type: 'COORDINATOR'; lastSeq: number }
  /** A restarted node asking who the primary is; only the primary answers, with COORDINATOR. */
  | { type: 'DISCOVER' }
  | { type: 'SYNC_REQ'; fromSeq: number }
  | { type: 'SYNC'; entries: Entry[]; more: boolean };

/** The durable log: a boot marker (so a restart is told from a first boot) and one record per delivery. */
export type PrimaryBackupRecord = { kind: 'boot' } | ({ kind: 'delivered' } & Entry);

/** Entries per SYNC at most, whatever syncBatchMax says (bytes cap them further). */
export const SYNC_ENTRIES_MAX = 10_000;

/** The fields of an entry, in the order records list them. */
export const ENTRY_SHAPE: Shape = {
  id: submissionId,
  origin: nodeId,
  payload,
  seq: integer(1, COUNT_MAX),
  primary: nodeId,
};

export function isEntry(value: unknown): value is Entry {
  return matches(value, ENTRY_SHAPE);
}

/** An entry built field by field from a checked one: extra keys of a message never reach the log. */
export function entryFields(value: Entry): Entry {
  return pick<Entry>(value, ENTRY_SHAPE);
}

/** One schema per message: what a host lets through to a handler. */
export const primaryBackupSchema = messageSchema({
  HEARTBEAT: { leader: nullable(nodeId) },
  FORWARD: { id: submissionId, origin: nodeId, payload, hops: integer(0, NODE_ID_MAX) },
  REPLICATE: ENTRY_SHAPE,
  ELECTION: {},
  OK: {},
  COORDINATOR: { lastSeq: count },
  DISCOVER: {},
  SYNC_REQ: { fromSeq: count },
  SYNC: { entries: arrayOf(isEntry, SYNC_ENTRIES_MAX), more: boolean },
});

export function isPrimaryBackupMessage(value: unknown): value is PrimaryBackupMessage {
  return primaryBackupSchema.check(value);
}

const RECORD_SHAPES: Shape[] = [{ kind: oneOf('boot') }, { kind: oneOf('delivered'), ...ENTRY_SHAPE }];

export function isPrimaryBackupRecord(value: unknown): value is PrimaryBackupRecord {
  return RECORD_SHAPES.some((shape) => matches(value, shape));
}
