import { invariant } from './assert.ts';

/**
 * Nodes are numbered 1..N. The seeds use the number as the election priority (higher wins), so ids are
 * integers rather than opaque strings.
 */
export type NodeId = number;

/** The host's unique id for one submission; every delivery carries it so checkers never trust protocol ids. */
export type SubmissionId = string;

export function isNodeId(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** Ids 1..count, in order. */
export function nodeIds(count: number): NodeId[] {
  invariant(Number.isInteger(count) && count >= 1, `a cluster needs at least one node, got ${count}`);
  return Array.from({ length: count }, (_, index) => index + 1);
}

export function compareNodeIds(a: NodeId, b: NodeId): number {
  return a - b;
}
