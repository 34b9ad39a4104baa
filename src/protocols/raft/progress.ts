import { invariant } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';

/**
 * What a leader knows about each follower (figure 2, "volatile state on leaders"): the next index to send and the
 * highest index known to be replicated there. Rebuilt on every election.
 */
export class LeaderProgress {
  private readonly next = new Map<NodeId, number>();
  private readonly match = new Map<NodeId, number>();
  /**
   * The last majorityIndex answer: a lower bound of the next one while match indexes and the leader's log only
   * grow (as within one term), so the next answer is found by climbing from it rather than by sorting.
   */
  private majorityFloor = 0;

  constructor(peers: readonly NodeId[], lastIndex: number) {
    for (const peer of peers) {
      this.next.set(peer, lastIndex + 1);
      this.match.set(peer, 0);
    }
  }

  nextIndex(peer: NodeId): number {
    const next = this.next.get(peer);
    invariant(next !== undefined, () => `node ${peer} is not a peer`);
    return next;
  }

  matchIndex(peer: NodeId): number {
    return this.match.get(peer) ?? 0;
  }

  /**
   * True when every entry sent to the follower is known to be there: no APPEND with entries is waiting for an
   * answer (or one was lost: then the heartbeat, which goes whatever this says, finds out). Derived from the
   * indexes themselves, so a lost message or answer can never leave it stuck.
   */
  isIdle(peer: NodeId): boolean {
    return this.matchIndex(peer) + 1 === this.nextIndex(peer);
  }

  /** Entries up to `next - 1` are on their way: send what follows next time (pipelining). */
  sent(peer: NodeId, next: number): void {
    this.next.set(peer, next);
  }

  /** A success reply: the follower's log matches ours up to `index`. Replies may come late or twice. */
  matched(peer: NodeId, index: number): void {
    const match = Math.max(this.matchIndex(peer), index);
    this.match.set(peer, match);
    this.next.set(peer, Math.max(this.nextIndex(peer), match + 1));
  }

  /** A failure reply: retry from `hint`, but never at or below what is known to match, never past our log. */
  retryFrom(peer: NodeId, hint: number, lastIndex: number): void {
    this.next.set(peer, Math.min(Math.max(this.matchIndex(peer) + 1, hint), lastIndex + 1));
  }

  /**
   * The highest index stored on a majority of the cluster, counting the leader's own log: the largest x that at
   * least floor(n/2) + 1 of the n indexes reach. Asked on every reply the leader gets, so it climbs from the last
   * answer (one pass over the followers when nothing moved) instead of sorting; when the last answer is no longer
   * held by a majority (indexes went down, which one term never does), it starts again from 0. Exact either way.
   */
  majorityIndex(ownLastIndex: number, clusterSize: number): number {
    invariant(
      this.match.size + 1 === clusterSize,
      () => `progress covers ${this.match.size + 1} of ${clusterSize} nodes`,
    );
    const need = Math.floor(clusterSize / 2) + 1;
    let index = this.majorityFloor;
    if (this.reaching(ownLastIndex, index) < need) index = 0;
    for (;;) {
      // The smallest index above the current answer that some node reaches: the only next candidate.
      let candidate = ownLastIndex > index ? ownLastIndex : Infinity;
      for (const match of this.match.values()) if (match > index && match < candidate) candidate = match;
      if (candidate === Infinity || this.reaching(ownLastIndex, candidate) < need) break;
      index = candidate;
    }
    this.majorityFloor = index;
    return index;
  }

  /** How many nodes (the leader's own log included) hold index `index`. */
  private reaching(ownLastIndex: number, index: number): number {
    let count = ownLastIndex >= index ? 1 : 0;
    for (const match of this.match.values()) if (match >= index) count += 1;
    return count;
  }
}
