import { InvariantError } from '../../core/assert.ts';
import type { SubmissionId } from '../../core/ids.ts';
import { forwardedBytes, type Forwarded } from './messages.ts';

/**
 * This node's own submissions that are not applied yet, numbered 1, 2, 3... in submit order. The numbers are
 * durable (each submission is persisted before it leaves), so after a restart the node retries what it had and
 * numbers new submissions after them: the leader appends an origin's submissions only in number order, which is
 * what keeps FIFO order across lost forwards, leader changes and restarts.
 *
 * Submissions are applied in number order, so the pending ones are always the consecutive numbers after the last
 * applied one: a queue, kept in an array from `head` on, whose position k holds number `firstSeq + k - head`.
 */
export class Outbox {
  private pending: Forwarded[] = [];
  private head = 0;
  private seqLast = 0;

  get size(): number {
    return this.pending.length - this.head;
  }

  add(id: SubmissionId, payload: string): Forwarded {
    const submission: Forwarded = { seq: this.seqLast + 1, id, payload };
    this.restore(submission);
    return submission;
  }

  /** A submission read back from the durable log at start. */
  restore(submission: Forwarded): void {
    if (submission.seq !== this.seqLast + 1)
      throw new InvariantError(`submission seq ${submission.seq} after ${this.seqLast}`);
    this.seqLast = submission.seq;
    this.pending.push(submission);
  }

  /** Everything up to `seq` is applied: it needs no more retries. */
  applied(seq: number): void {
    const drop = Math.min(seq - this.firstSeq + 1, this.size);
    if (drop <= 0) return;
    this.head += drop;
    // Reclaim the applied prefix once it is most of the array, so that the queue stays as long as what it holds.
    if (this.head >= 64 && this.head * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** The seq of the last submission numbered here (0 before the first). */
  get lastSeq(): number {
    return this.seqLast;
  }

  /** The seq of the oldest pending submission (lastSeq + 1 when none is pending). */
  private get firstSeq(): number {
    return this.seqLast - this.size + 1;
  }

  /**
   * The oldest pending submissions numbered in (afterSeq, uptoSeq], in seq order, bounded like a log batch
   * (always at least one, if any).
   */
  batch(countMax: number, bytesMax: number, afterSeq = 0, uptoSeq = Infinity): Forwarded[] {
    const batch: Forwarded[] = [];
    let bytes = 0;
    const start = this.head + Math.max(0, afterSeq - this.firstSeq + 1);
    for (let k = start; k < this.pending.length; k += 1) {
      const submission = this.pending[k] as Forwarded;
      if (batch.length >= countMax || submission.seq > uptoSeq) break;
      const size = forwardedBytes(submission);
      if (batch.length > 0 && bytes + size > bytesMax) break;
      batch.push(submission);
      bytes += size;
    }
    return batch;
  }
}
