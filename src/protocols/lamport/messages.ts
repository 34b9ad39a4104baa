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

/**
 * A chat message as seed 003 spreads it: `ts` and `origin` are fixed by the origin; `clock` is the Lamport clock
 * of whoever sent this copy (the origin or a forwarder), which the 'all-peers' stability rule needs.
 */
export type LamportChat = {
  type: 'CHAT';
  id: SubmissionId;
  origin: NodeId;
  ts: number;
  payload: string;
  clock: number;
};
/** Liveness, and (not said in the seed) the sender's clock, so a quiet cluster still moves clocks forward. */
export type LamportHeartbeat = { type: 'HEARTBEAT'; clock: number };
/** 'all-peers' only: sent to everyone after a first receipt, so every node learns how far the others are. */
export type LamportClock = { type: 'CLOCK'; clock: number };
export type LamportMessage = LamportChat | LamportHeartbeat | LamportClock;

/** One durable line per delivery, with the clock at that moment (seed 003 saves history and clock). */
export type LamportRecord = { kind: 'delivered'; id: SubmissionId; ts: number; clock: number };

/** One schema per message: what a host lets through to a handler. */
export const lamportSchema = messageSchema({
  CHAT: { id: submissionId, origin: nodeId, ts: count, payload, clock: count },
  HEARTBEAT: { clock: count },
  CLOCK: { clock: count },
});

export function isLamportMessage(value: unknown): value is LamportMessage {
  return lamportSchema.check(value);
}

const RECORD_SHAPE: Shape = { kind: oneOf('delivered'), id: submissionId, ts: storedCount, clock: storedCount };

export function isLamportRecord(value: unknown): value is LamportRecord {
  return matches(value, RECORD_SHAPE);
}
