import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { VectorClock } from './vector-clock.ts';
import {
  arrayOf,
  count,
  matches,
  messageSchema,
  NODE_ID_MAX,
  nodeId,
  oneOf,
  payload,
  storedCount,
  submissionId,
  type Shape,
} from '../shared/schema.ts';

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

/** A vector clock: one count per node of the cluster (its length is checked by the node, which knows the size). */
const vectorClock = arrayOf(count, NODE_ID_MAX, 1);

/**
 * One schema per message: what a host lets through to a handler. The clock's length depends on the cluster,
 * which this schema does not know; the node checks it against its own size on receipt.
 */
export const causalSchema = messageSchema({
  CHAT: { id: submissionId, origin: nodeId, payload, vc: vectorClock },
});

export function isCausalMessage(value: unknown): value is CausalMessage {
  return causalSchema.check(value);
}

const RECORD_SHAPE: Shape = {
  kind: oneOf('delivered'),
  id: submissionId,
  origin: nodeId,
  vc: arrayOf(storedCount, NODE_ID_MAX, 1),
};

export function isCausalRecord(value: unknown): value is CausalRecord {
  return matches(value, RECORD_SHAPE);
}
