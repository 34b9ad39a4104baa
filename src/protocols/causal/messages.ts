import { isNodeId, type NodeId, type SubmissionId } from '../../core/ids.ts';
import type { VectorClock } from './vector-clock.ts';
import { isCount } from '../shared/fields.ts';

/**
 * The only message of seed 002: a chat message stamped with its sender's vector clock right after the sender
 * counted it. `origin` is always the sender (nothing is relayed); it travels so a receiver never trusts the link.
 */
export type CausalMessage = { type: 'CHAT'; id: SubmissionId; origin: NodeId; payload: string; vc: VectorClock };

/**
 * One durable record per delivery: the delivered id and the clock it carried. After a restart the node's clock
 * is the entry-wise max of those stamps (its own submissions included), so nothing is delivered twice and its own
 * counter never repeats.
 */
export type CausalRecord = { kind: 'delivered'; id: SubmissionId; origin: NodeId; vc: VectorClock };

function isClockShape(value: unknown): value is VectorClock {
  return Array.isArray(value) && value.length >= 1 && value.every(isCount);
}

/**
 * Shape check for what a host may hand to a node. The clock's length depends on the cluster, which this
 * function does not know; the node checks it against its own size on receipt.
 */
export function isCausalMessage(value: unknown): value is CausalMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  return (
    message.type === 'CHAT' &&
    typeof message.id === 'string' &&
    isNodeId(message.origin) &&
    typeof message.payload === 'string' &&
    isClockShape(message.vc)
  );
}

export function isCausalRecord(value: unknown): value is CausalRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    record.kind === 'delivered' && typeof record.id === 'string' && isNodeId(record.origin) && isClockShape(record.vc)
  );
}
