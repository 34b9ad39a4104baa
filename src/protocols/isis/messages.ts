import { isNodeId, type NodeId, type SubmissionId } from '../../core/ids.ts';
import { isCount, isId, isText } from '../shared/fields.ts';

/** The sender asks every peer for a proposed timestamp; `clock` is the sender's Lamport clock. */
export type IsisRequest = { type: 'REQUEST'; id: SubmissionId; origin: NodeId; payload: string; clock: number };
/** A peer's proposed timestamp for one message, sent back to its sender. */
export type IsisProposal = { type: 'PROPOSE'; id: SubmissionId; ts: number; proposer: NodeId };
/**
 * The agreed timestamp. It carries the payload too, so a node whose REQUEST was lost or is still on its way can
 * still place (and deliver) the message.
 */
export type IsisFinal = {
  type: 'FINAL';
  id: SubmissionId;
  origin: NodeId;
  payload: string;
  ts: number;
  proposer: NodeId;
};
export type IsisMessage = IsisRequest | IsisProposal | IsisFinal;

/** What a node writes to its durable log: one line per delivery, with the clock at that moment. */
export type IsisRecord = { kind: 'delivered'; id: SubmissionId; ts: number; clock: number };

/** Shape check of every ISIS message, so a host drops garbage before a handler sees it. */
export function isIsisMessage(value: unknown): value is IsisMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'REQUEST':
      return isId(message.id) && isNodeId(message.origin) && isText(message.payload) && isCount(message.clock);
    case 'PROPOSE':
      return isId(message.id) && isCount(message.ts) && isNodeId(message.proposer);
    case 'FINAL':
      return (
        isId(message.id) &&
        isNodeId(message.origin) &&
        isText(message.payload) &&
        isCount(message.ts) &&
        isNodeId(message.proposer)
      );
    default:
      return false;
  }
}

export function isIsisRecord(value: unknown): value is IsisRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return record.kind === 'delivered' && isId(record.id) && isCount(record.ts) && isCount(record.clock);
}
