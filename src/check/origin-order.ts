import { invariant } from '../core/assert.ts';
import type { History } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { firstSubmits, memoized, type SubmitEvent } from './views.ts';

/**
 * Submissions grouped by the node they were submitted at, in submit order. Causal and FIFO order both reduce to
 * "a prefix of each origin's submissions must be delivered first", so both checkers share this and the tracker.
 */
export interface OriginOrder {
  byOrigin: Map<NodeId, SubmitEvent[]>;
  /** The keys of byOrigin in its order; an origin's place here is its ordinal. */
  origins: NodeId[];
  ordinals: Map<NodeId, number>;
  /** Where each submitted id sits in its origin's list. The origin is the submit's node, never a delivery's claim. */
  position: Map<SubmissionId, { origin: NodeId; index: number; submit: SubmitEvent }>;
}

/** Shared by FIFO and causal order (memoized like the views), so a run builds it once. Read-only. */
export const originOrder = memoized((history: History): OriginOrder => {
  const byOrigin = new Map<NodeId, SubmitEvent[]>();
  const position: OriginOrder['position'] = new Map();
  for (const submit of firstSubmits(history).values()) {
    let list = byOrigin.get(submit.node);
    if (list === undefined) {
      list = [];
      byOrigin.set(submit.node, list);
    }
    position.set(submit.id, { origin: submit.node, index: list.length, submit });
    list.push(submit);
  }
  const origins = [...byOrigin.keys()];
  return { byOrigin, position, origins, ordinals: new Map(origins.map((origin, ordinal) => [origin, ordinal])) };
});

/** At one node: how long an unbroken prefix of each origin's submissions it has delivered so far. */
export class DeliveredPrefixes {
  private readonly delivered = new Map<NodeId, Uint8Array>();
  private readonly prefixLengths = new Map<NodeId, number>();

  /** Prefix lengths by origin ordinal (see OriginOrder.origins): what causal order reads per delivery. */
  readonly lengths: Int32Array;

  constructor(private readonly order: OriginOrder) {
    this.lengths = new Int32Array(order.origins.length);
  }

  /** Submissions 0..length-1 of `origin` are all delivered; the one at `length` (if any) is not. */
  prefixLength(origin: NodeId): number {
    return this.prefixLengths.get(origin) ?? 0;
  }

  markDelivered(origin: NodeId, index: number): void {
    const submits = this.order.byOrigin.get(origin);
    invariant(submits !== undefined, `node ${origin} has no submissions to deliver`);
    invariant(index >= 0 && index < submits.length, `submission ${index} of node ${origin} does not exist`);
    let flags = this.delivered.get(origin);
    if (flags === undefined) {
      flags = new Uint8Array(submits.length);
      this.delivered.set(origin, flags);
    }
    flags[index] = 1;
    let length = this.prefixLength(origin);
    while (length < flags.length && flags[length] === 1) length += 1;
    this.prefixLengths.set(origin, length);
    const ordinal = this.order.ordinals.get(origin);
    invariant(ordinal !== undefined, `node ${origin} has submissions but no ordinal`);
    this.lengths[ordinal] = length;
  }
}

/** "1st", "2nd", "3rd", "11th": for summaries that say which of an origin's submissions is meant. */
export function ordinal(position: number): string {
  const lastTwo = position % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${position}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][position % 10] ?? 'th';
  return `${position}${suffix}`;
}
