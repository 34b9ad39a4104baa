import { invariant } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';

/**
 * A vector clock as seed 002 keeps it: one counter per node. Nodes are numbered 1..N, so node k's counter sits at
 * index k - 1 (the seed's "Node 0" is our node 1). Clocks are plain arrays so they travel as JSON unchanged.
 */
export type VectorClock = number[];

export function zeroClock(size: number): VectorClock {
  invariant(Number.isInteger(size) && size >= 1, `a vector clock needs at least one entry, got ${size}`);
  return new Array<number>(size).fill(0);
}

export function slotOf(node: NodeId): number {
  invariant(Number.isInteger(node) && node >= 1, `node ids start at 1, got ${node}`);
  return node - 1;
}

/** True when `value` is a clock with `size` non-negative integer entries. */
export function isClockOfSize(value: unknown, size: number): value is VectorClock {
  return (
    Array.isArray(value) &&
    value.length === size &&
    value.every((entry) => typeof entry === 'number' && Number.isInteger(entry) && entry >= 0)
  );
}

/**
 * The causal delivery rule: a message from `origin` stamped `stamp` may be delivered at a node whose clock is
 * `local` when it is the next message from its origin (origin's entry exactly one ahead) and everything else it
 * had seen when it was sent has already been delivered here (every other entry no greater than ours).
 */
export function isDeliverable(local: readonly number[], stamp: readonly number[], origin: NodeId): boolean {
  invariant(local.length === stamp.length, `clock sizes differ: ${local.length} and ${stamp.length}`);
  const own = slotOf(origin);
  if (stamp[own] !== local[own] + 1) return false;
  for (let index = 0; index < local.length; index += 1) {
    if (index !== own && stamp[index] > local[index]) return false;
  }
  return true;
}

/** Entry-wise maximum, as a new array. */
export function mergeClocks(a: readonly number[], b: readonly number[]): VectorClock {
  invariant(a.length === b.length, `clock sizes differ: ${a.length} and ${b.length}`);
  return a.map((entry, index) => Math.max(entry, b[index]));
}

export type ClockRelation = 'before' | 'after' | 'equal' | 'concurrent';

/** How clock `a` relates to clock `b` in the happened-before order the clocks encode. */
export function compareClocks(a: readonly number[], b: readonly number[]): ClockRelation {
  invariant(a.length === b.length, `clock sizes differ: ${a.length} and ${b.length}`);
  let someLess = false;
  let someGreater = false;
  for (let index = 0; index < a.length; index += 1) {
    if (a[index] < b[index]) someLess = true;
    if (a[index] > b[index]) someGreater = true;
  }
  if (someLess && someGreater) return 'concurrent';
  if (someLess) return 'before';
  if (someGreater) return 'after';
  return 'equal';
}
