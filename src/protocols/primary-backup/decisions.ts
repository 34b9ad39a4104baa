import type { NodeId } from '../../core/ids.ts';

/**
 * The pure decisions of the Bully election and of a backup's sequence check, apart from the node so that each
 * rule can be tested on its own.
 */

export type PbRole = 'primary' | 'backup';

/** The nodes a Bully candidate asks: only those with a higher id (higher id = higher priority). */
export function higherNodes(self: NodeId, nodes: readonly NodeId[]): NodeId[] {
  return nodes.filter((node) => node > self);
}

/**
 * A COORDINATOR from `from`. A backup follows whoever won, even a lower id: a restarted node joins the primary it
 * finds rather than bullying it (the seed's "reidentifica líder"). A primary yields only to a higher id; to a lower
 * one it repeats its own claim, so that two primaries (a healed partition) settle on the higher.
 */
export function onCoordinator(role: PbRole, self: NodeId, from: NodeId): 'adopt' | 'reassert' {
  if (role === 'backup') return 'adopt';
  return from > self ? 'adopt' : 'reassert';
}

/** A primary that hears another node claim to be primary (its heartbeat or its replication). */
export function onRivalPrimary(self: NodeId, rival: NodeId): 'step-down' | 'reassert' {
  return rival > self ? 'step-down' : 'reassert';
}

/**
 * An ELECTION from a lower node always gets an OK. A primary then tells the asker who leads; a backup runs its own
 * election, as Bully does (it may be the highest live node).
 */
export function onElection(role: PbRole): 'ok-and-coordinator' | 'ok-and-elect' {
  return role === 'primary' ? 'ok-and-coordinator' : 'ok-and-elect';
}

export type SeqVerdict = 'next' | 'gap' | 'stale';

/**
 * The backup's check of the expected sequence. "Entrega imediata (sem buffer)": nothing is held back, so a
 * number past the expected one is delivered at once and the missing ones are skipped (they are dropped if they
 * turn up later); a number at or below the last delivered one is stale and dropped.
 */
export function classifySeq(highestSeq: number, seq: number): SeqVerdict {
  if (seq <= highestSeq) return 'stale';
  return seq === highestSeq + 1 ? 'next' : 'gap';
}
