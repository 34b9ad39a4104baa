import type { NodeId, SubmissionId } from '../../core/ids.ts';
import {
  count,
  matches,
  messageSchema,
  nodeId,
  oneOf,
  payload,
  storedCount,
  submissionId,
  type Shape,
} from '../shared/schema.ts';

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

/** One schema per message: what a host lets through to a handler. */
export const isisSchema = messageSchema({
  REQUEST: { id: submissionId, origin: nodeId, payload, clock: count },
  PROPOSE: { id: submissionId, ts: count, proposer: nodeId },
  FINAL: { id: submissionId, origin: nodeId, payload, ts: count, proposer: nodeId },
});

export function isIsisMessage(value: unknown): value is IsisMessage {
  return isisSchema.check(value);
}

const RECORD_SHAPE: Shape = { kind: oneOf('delivered'), id: submissionId, ts: storedCount, clock: storedCount };

export function isIsisRecord(value: unknown): value is IsisRecord {
  return matches(value, RECORD_SHAPE);
}
