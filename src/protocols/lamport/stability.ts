import type { NodeId } from '../../core/ids.ts';

/**
 * Seed 003's rule: the head is stable once its timestamp is below the local clock. Unsafe: the clock says what
 * this node has seen, not what others have sent, so a message with a smaller ts that is still on its way (delayed,
 * reordered, or taking a longer gossip path) arrives after larger ones were delivered.
 */
export function stableDocumented(headTs: number, clock: number): boolean {
  return headTs < clock;
}

/**
 * The corrected rule: every live peer has sent this node a clock value >= the head's ts. A node's own next
 * message gets a ts above its clock, so over FIFO links, with every origin sending to every peer directly, no
 * message that sorts before the head can still arrive from that peer. A peer never heard from blocks the head
 * until the heartbeat timeout declares it dead.
 */
export function stableAllPeers(
  headTs: number,
  livePeers: readonly NodeId[],
  heardClock: ReadonlyMap<NodeId, number>,
): boolean {
  return livePeers.every((peer) => (heardClock.get(peer) ?? -1) >= headTs);
}
