import { InvariantError } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';

/**
 * What a leader knows about each follower (figure 2, "volatile state on leaders"): the next index to send and the
 * highest index known to be replicated there. Rebuilt on every election.
 *
 * Asked on every reply and every entry the leader logs, so it is kept in arrays indexed by node id (ids are small
 * whole numbers) rather than maps, and the match indexes are also kept sorted, from the highest down: the index a
 * majority holds is then read at a fixed place instead of counted (the paper's "N such that a majority of
 * matchIndex[i] >= N").
 */
export class LeaderProgress {
  private readonly next: number[] = [];
  private readonly match: number[] = [];
  /** Every follower's match index, highest first: a permutation of `match` over the peers. */
  private readonly matchesDescending: number[] = [];

  constructor(peers: readonly NodeId[], lastIndex: number) {
    for (const peer of peers) {
      if (this.next[peer] !== undefined) throw new InvariantError(`node ${peer} is listed twice among the peers`);
      this.next[peer] = lastIndex + 1;
      this.match[peer] = 0;
      this.matchesDescending.push(0);
    }
  }

  nextIndex(peer: NodeId): number {
    const next = this.next[peer];
    if (next === undefined) throw notAPeer(peer);
    return next;
  }

  matchIndex(peer: NodeId): number {
    return this.match[peer] ?? 0;
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
    if (this.next[peer] === undefined) throw notAPeer(peer);
    this.next[peer] = next;
  }

  /** A success reply: the follower's log matches ours up to `index`. Replies may come late or twice. */
  matched(peer: NodeId, index: number): void {
    const next = this.nextIndex(peer);
    const before = this.match[peer] as number;
    if (index > before) {
      this.match[peer] = index;
      this.raiseSorted(before, index);
    }
    if (next <= index) this.next[peer] = index + 1;
  }

  /**
   * A failure reply: retry from `hint`, never past our log. A hint at or below the match index means the follower
   * no longer holds what it acknowledged: Raft assumes stable storage, and a torn or damaged last record, cut off at
   * the follower's restart, takes entries with it. Its match index comes down to what it still has, or it would
   * never be sent them again. (A reply from before an acknowledgement, arriving after it, lowers it too: the
   * entries go again and the next answer raises it; the commit index never comes down.)
   */
  retryFrom(peer: NodeId, hint: number, lastIndex: number): void {
    if (this.next[peer] === undefined) throw notAPeer(peer);
    const before = this.match[peer] as number;
    if (hint <= before) {
      const after = Math.max(0, hint - 1);
      this.match[peer] = after;
      this.lowerSorted(before, after);
    }
    this.next[peer] = Math.min(Math.max(this.matchIndex(peer) + 1, hint), lastIndex + 1);
  }

  /**
   * The highest index stored on a majority of the cluster, counting the leader's own log: the largest x that at
   * least floor(n/2) + 1 of the n indexes reach, i.e. the (floor(n/2) + 1)-th highest of the followers' match
   * indexes and the leader's own last index, read off the sorted match indexes.
   */
  majorityIndex(ownLastIndex: number, clusterSize: number): number {
    const sorted = this.matchesDescending;
    if (sorted.length + 1 !== clusterSize)
      throw new InvariantError(`progress covers ${sorted.length + 1} of ${clusterSize} nodes`);
    const rank = Math.floor(clusterSize / 2); // 0-based place of the answer among all n indexes, highest first
    // The followers' match indexes just above and at that place: the leader's own index falls before, between
    // or after them.
    const above = rank > 0 ? (sorted[rank - 1] as number) : Infinity;
    const at = rank < sorted.length ? (sorted[rank] as number) : -Infinity;
    if (ownLastIndex >= above) return above;
    return ownLastIndex > at ? ownLastIndex : at;
  }

  /** One follower's match index went from `before` down to `after`: move it down to its place in the sorted list. */
  private lowerSorted(before: number, after: number): void {
    const sorted = this.matchesDescending;
    // The first place holding `before`, then down past every index higher than `after`.
    let place = 0;
    while (place < sorted.length && (sorted[place] as number) > before) place += 1;
    if (sorted[place] !== before) throw new InvariantError(`match index ${before} is missing from the sorted list`);
    while (place < sorted.length - 1 && (sorted[place + 1] as number) > after) {
      sorted[place] = sorted[place + 1] as number;
      place += 1;
    }
    sorted[place] = after;
  }

  /** One follower's match index went from `before` up to `after`: move it up to its place in the sorted list. */
  private raiseSorted(before: number, after: number): void {
    const sorted = this.matchesDescending;
    // The last place holding `before`, then up past every index lower than `after`.
    let place = sorted.length - 1;
    while (place >= 0 && (sorted[place] as number) < before) place -= 1;
    if (sorted[place] !== before) throw new InvariantError(`match index ${before} is missing from the sorted list`);
    while (place > 0 && (sorted[place - 1] as number) < after) {
      sorted[place] = sorted[place - 1] as number;
      place -= 1;
    }
    sorted[place] = after;
  }
}

function notAPeer(peer: NodeId): InvariantError {
  return new InvariantError(`node ${peer} is not a peer`);
}
