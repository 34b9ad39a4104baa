import { invariant } from '../../core/assert.ts';
import type { SubmissionId } from '../../core/ids.ts';
import { forwardedBytes, type Forwarded } from './messages.ts';

/**
 * This node's own submissions that are not applied yet, numbered 1, 2, 3... in submit order. The numbers are
 * durable (each submission is persisted before it leaves), so after a restart the node retries what it had and
 * numbers new submissions after them: the leader appends an origin's submissions only in number order, which is
 * what keeps FIFO order across lost forwards, leader changes and restarts.
 */
export class Outbox {
  private readonly pending = new Map<number, Forwarded>();
  private seqLast = 0;

  get size(): number {
    return this.pending.size;
  }

  add(id: SubmissionId, payload: string): Forwarded {
    const submission: Forwarded = { seq: this.seqLast + 1, id, payload };
    this.restore(submission);
    return submission;
  }

  /** A submission read back from the durable log at start. */
  restore(submission: Forwarded): void {
    invariant(submission.seq === this.seqLast + 1, () => `submission seq ${submission.seq} after ${this.seqLast}`);
    this.seqLast = submission.seq;
    this.pending.set(submission.seq, submission);
  }

  /** Everything up to `seq` is applied: it needs no more retries. */
  applied(seq: number): void {
    for (const pendingSeq of this.pending.keys()) {
      if (pendingSeq > seq) break;
      this.pending.delete(pendingSeq);
    }
  }

  /** The seq of the last submission numbered here (0 before the first). */
  get lastSeq(): number {
    return this.seqLast;
  }

  /**
   * The oldest pending submissions numbered in (afterSeq, uptoSeq], in seq order, bounded like a log batch
   * (always at least one, if any).
   */
  batch(countMax: number, bytesMax: number, afterSeq = 0, uptoSeq = Infinity): Forwarded[] {
    const batch: Forwarded[] = [];
    let bytes = 0;
    for (const submission of this.pending.values()) {
      if (submission.seq <= afterSeq) continue;
      if (batch.length >= countMax || submission.seq > uptoSeq) break;
      const size = forwardedBytes(submission);
      if (batch.length > 0 && bytes + size > bytesMax) break;
      batch.push(submission);
      bytes += size;
    }
    return batch;
  }
}
