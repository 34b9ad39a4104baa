import { invariant } from '../../core/assert.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';

/** A receiver proposes one above both its clock and anything it proposed before (seed 000's rule). */
export function proposeTimestamp(clock: number, highestProposal: number): number {
  return Math.max(clock, highestProposal) + 1;
}

export interface FinalChoice {
  ts: number;
  proposer: NodeId;
}

/**
 * The agreed timestamp is the largest proposal. Among equal proposals the highest node id wins: every node put
 * the message at (its proposal, itself) while waiting, and the agreed key must not sort before any of those.
 */
export function chooseFinal(proposals: ReadonlyMap<NodeId, number>): FinalChoice {
  invariant(proposals.size > 0, 'a final timestamp needs at least one proposal (the sender always proposes)');
  let best: FinalChoice | null = null;
  for (const [proposer, ts] of proposals) {
    if (best === null || ts > best.ts || (ts === best.ts && proposer > best.proposer)) best = { ts, proposer };
  }
  return best as FinalChoice;
}

export interface OpenCollection {
  id: SubmissionId;
  origin: NodeId;
  payload: string;
  startedAtMs: number;
  proposals: Map<NodeId, number>;
}

export type RecordOutcome = 'recorded' | 'duplicate' | 'late' | 'unknown';

/**
 * The sender's side of proposal collection: open collections (waiting for proposals) and the choices it made
 * recently, kept for `retentionMs` so that a proposal arriving after the timeout is recognised as late rather
 * than unknown. Both together stay under `maxTracked` entries.
 */
export class ProposalTracker {
  private readonly open = new Map<SubmissionId, OpenCollection>();
  /** Finished collections, oldest first (Map keeps insertion order). */
  private readonly finished = new Map<SubmissionId, { choice: FinalChoice; finishedAtMs: number }>();

  constructor(
    readonly retentionMs: number,
    readonly maxTracked: number,
  ) {
    invariant(maxTracked >= 1, `trackedProposalsMax must be >= 1, got ${maxTracked}`);
  }

  get openCount(): number {
    return this.open.size;
  }

  get finishedCount(): number {
    return this.finished.size;
  }

  /**
   * Forgets the oldest finished collections while the bound is reached. False when that is not enough: every
   * tracked entry is still open, and one must be closed before another can start.
   */
  makeRoom(): boolean {
    while (this.open.size + this.finished.size >= this.maxTracked && this.finished.size > 0) {
      const oldest = this.finished.keys().next().value as SubmissionId;
      this.finished.delete(oldest);
    }
    return this.open.size + this.finished.size < this.maxTracked;
  }

  /** The collection that has waited longest, which the node finalizes early when it must make room. */
  oldestOpen(): OpenCollection | undefined {
    return this.open.values().next().value;
  }

  get(id: SubmissionId): OpenCollection | undefined {
    return this.open.get(id);
  }

  start(collection: OpenCollection): void {
    invariant(!this.open.has(collection.id), `proposals for ${collection.id} are already being collected`);
    invariant(this.makeRoom(), 'no room for another proposal collection; close the oldest open one first');
    this.open.set(collection.id, collection);
  }

  record(id: SubmissionId, proposer: NodeId, ts: number): RecordOutcome {
    const collection = this.open.get(id);
    if (collection === undefined) return this.finished.has(id) ? 'late' : 'unknown';
    if (collection.proposals.has(proposer)) return 'duplicate';
    collection.proposals.set(proposer, ts);
    return 'recorded';
  }

  /** Ends the collection and returns the agreed timestamp from the proposals that arrived. */
  close(id: SubmissionId, nowMs: number): { collection: OpenCollection; choice: FinalChoice } {
    const collection = this.open.get(id);
    invariant(collection !== undefined, `no open proposal collection for ${id}`);
    this.open.delete(id);
    const choice = chooseFinal(collection.proposals);
    this.finished.set(id, { choice, finishedAtMs: nowMs });
    return { collection, choice };
  }

  /** The periodic cleanup: forgets finished collections older than the retention. Returns how many. */
  sweep(nowMs: number): number {
    let removed = 0;
    for (const [id, done] of this.finished) {
      // A clock stepped backwards makes the age negative; such entries simply wait for a later sweep.
      if (nowMs - done.finishedAtMs < this.retentionMs) continue;
      this.finished.delete(id);
      removed += 1;
    }
    return removed;
  }
}
