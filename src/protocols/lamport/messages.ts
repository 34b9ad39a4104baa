import { isNodeId, type NodeId, type SubmissionId } from '../../core/ids.ts';
import { isCount, isId } from '../shared/fields.ts';

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

/** Shape check of every message this protocol sends, so a host drops garbage before a handler sees it. */
export function isLamportMessage(value: unknown): value is LamportMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'CHAT':
      return (
        isId(message.id) &&
        isNodeId(message.origin) &&
        isCount(message.ts) &&
        typeof message.payload === 'string' &&
        isCount(message.clock)
      );
    case 'HEARTBEAT':
    case 'CLOCK':
      return isCount(message.clock);
    default:
      return false;
  }
}

export function isLamportRecord(value: unknown): value is LamportRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return record.kind === 'delivered' && isId(record.id) && isCount(record.ts) && isCount(record.clock);
}
