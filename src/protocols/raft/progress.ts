import { invariant } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';

/**
 * What a leader knows about each follower (figure 2, "volatile state on leaders"): the next index to send and the
 * highest index known to be replicated there. Rebuilt on every election.
 */
export class LeaderProgress {
  private readonly next = new Map<NodeId, number>();
  private readonly match = new Map<NodeId, number>();

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

  /** The highest index stored on a majority of the cluster, counting the leader's own log. */
  majorityIndex(ownLastIndex: number, clusterSize: number): number {
    invariant(
      this.match.size + 1 === clusterSize,
      () => `progress covers ${this.match.size + 1} of ${clusterSize} nodes`,
    );
    // A typed array sorts numbers natively, ascending: on the leader's every reply, so no spread or comparator.
    const indexes = new Float64Array(clusterSize);
    indexes[0] = ownLastIndex;
    let k = 1;
    for (const match of this.match.values()) indexes[k++] = match;
    indexes.sort();
    return indexes[clusterSize - 1 - Math.floor(clusterSize / 2)];
  }
}
