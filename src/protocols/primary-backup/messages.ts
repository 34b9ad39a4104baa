import { isNodeId, type NodeId, type SubmissionId } from '../../core/ids.ts';
import { isCount, isText } from '../shared/fields.ts';

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

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function isEntry(value: unknown): value is Entry {
  return (
    isObject(value) &&
    isText(value.id) &&
    isNodeId(value.origin) &&
    isText(value.payload) &&
    isCount(value.seq) &&
    value.seq >= 1 &&
    isNodeId(value.primary)
  );
}

/** Shape check of every message type, so a host can drop anything else before a handler sees it. */
export function isPrimaryBackupMessage(value: unknown): value is PrimaryBackupMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'HEARTBEAT':
      return value.leader === null || isNodeId(value.leader);
    case 'FORWARD':
      return isText(value.id) && isNodeId(value.origin) && isText(value.payload) && isCount(value.hops);
    case 'REPLICATE':
      return isEntry(value);
    case 'ELECTION':
    case 'OK':
    case 'DISCOVER':
      return true;
    case 'COORDINATOR':
      return isCount(value.lastSeq);
    case 'SYNC_REQ':
      return isCount(value.fromSeq);
    case 'SYNC':
      return Array.isArray(value.entries) && value.entries.every(isEntry) && typeof value.more === 'boolean';
    default:
      return false;
  }
}

export function isPrimaryBackupRecord(value: unknown): value is PrimaryBackupRecord {
  if (!isObject(value)) return false;
  if (value.kind === 'boot') return true;
  return value.kind === 'delivered' && isEntry(value);
}
