import { isNodeId, type NodeId, type SubmissionId } from '../../core/ids.ts';
import { isCount, isText } from '../shared/fields.ts';

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
export type SequencerRecord = { kind: 'term'; term: number } | ({ kind: 'entry' } & Entry);

export function isEntry(value: Record<string, unknown>): boolean {
  return (
    isCount(value.term) && isCount(value.seq) && isText(value.id) && isNodeId(value.origin) && isText(value.payload)
  );
}

/** Shape check of every message type, so a host can drop anything else before a handler sees it. */
export function isSequencerMessage(value: unknown): value is SequencerMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'JOIN':
    case 'ELECTION':
    case 'ELECTION_OK':
      return isCount(message.term);
    case 'JOIN_ACK':
      return (
        isCount(message.term) && isCount(message.lastSeq) && (message.leader === null || isNodeId(message.leader))
      );
    case 'HEARTBEAT':
    case 'COORDINATOR':
      return isCount(message.term) && isCount(message.lastSeq);
    case 'CHAT':
      return isText(message.id) && isNodeId(message.origin) && isText(message.payload);
    case 'SEQ_CHAT':
      return isEntry(message);
    case 'CATCHUP_REQ':
      return isCount(message.afterSeq);
    case 'CATCHUP_RESP':
      return (
        isCount(message.term) &&
        isCount(message.lastSeq) &&
        Array.isArray(message.entries) &&
        message.entries.every((entry) => entry !== null && typeof entry === 'object' && isEntry(entry))
      );
    default:
      return false;
  }
}
