import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { NodeOutput } from './cluster-node.ts';

/**
 * What the launcher knows of a live run from the nodes' stdout lines, for the scenario's conditions (a leader is
 * elected, a node delivered N, everything is settled) and for the end of the liveness phase. It mirrors the
 * simulator runner's delivery progress: a submission stops being owed when its submitter crashes before anyone
 * acknowledged it.
 */
export class ClusterProgress {
  private readonly submittedAt = new Map<SubmissionId, NodeId>();
  private readonly acked = new Set<SubmissionId>();
  private readonly deliveries = new Map<NodeId, number>();
  private readonly delivered = new Map<NodeId, Set<SubmissionId>>();
  private readonly leading = new Map<NodeId, boolean>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly nodes: readonly NodeId[]) {
    for (const node of nodes) this.delivered.set(node, new Set());
  }

  /** Takes one stdout line of a node and wakes whoever waits for a condition. */
  observe(node: NodeId, output: NodeOutput): void {
    const id = typeof output.id === 'string' ? output.id : null;
    if (output.type === 'submitted' && id !== null) this.submittedAt.set(id, node);
    else if (output.type === 'ack' && id !== null) this.acked.add(id);
    else if (output.type === 'deliver' && id !== null) {
      this.delivered.get(node)?.add(id);
      this.deliveries.set(node, (this.deliveries.get(node) ?? 0) + 1);
    } else if (output.type === 'announce') {
      this.leading.set(node, output.role === 'leader' || output.role === 'primary');
    } else return;
    this.wake();
  }

  /** The node is gone: it leads no more, and what it submitted without an ack is no longer owed. */
  crashed(node: NodeId): void {
    this.leading.set(node, false);
    for (const [id, submitter] of this.submittedAt) {
      if (submitter === node && !this.acked.has(id)) this.submittedAt.delete(id);
    }
    this.wake();
  }

  deliveredCount(node: NodeId): number {
    return this.deliveries.get(node) ?? 0;
  }

  submittedCount(): number {
    return this.submittedAt.size;
  }

  leads(node: NodeId | 'any'): boolean {
    return [...this.leading].some(([leader, leads]) => leads && (node === 'any' || leader === node));
  }

  /** Every owed submission is delivered at every node in `upNodes`. */
  complete(upNodes: readonly NodeId[]): boolean {
    for (const node of upNodes) {
      const delivered = this.delivered.get(node);
      if (delivered === undefined) continue;
      for (const id of this.submittedAt.keys()) if (!delivered.has(id)) return false;
    }
    return true;
  }

  /** Ids still missing somewhere, for the report when the liveness phase ends without them. */
  missing(upNodes: readonly NodeId[]): Map<NodeId, SubmissionId[]> {
    const missing = new Map<NodeId, SubmissionId[]>();
    for (const node of upNodes) {
      const delivered = this.delivered.get(node) ?? new Set<SubmissionId>();
      const ids = [...this.submittedAt.keys()].filter((id) => !delivered.has(id));
      if (ids.length > 0) missing.set(node, ids);
    }
    return missing;
  }

  /**
   * Resolves true as soon as `holds()` does, false when `deadlineMs` (epoch ms) passes; rejects when `signal`
   * aborts. The predicate is checked on every line a node prints, and at the deadline.
   */
  waitFor(holds: () => boolean, deadlineMs: number, signal: AbortSignal): Promise<boolean> {
    if (holds()) return Promise.resolve(true);
    return new Promise<boolean>((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const check = () => {
        if (holds()) finish(() => resolve(true));
      };
      const onAbort = () => finish(() => reject(signal.reason));
      const timer = setTimeout(() => finish(() => resolve(holds())), Math.max(0, deadlineMs - Date.now()));
      if (signal.aborted) return onAbort();
      this.waiters.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Lets waiters re-check after a change that is not a stdout line (a restart, a heal). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Sleeps until `deadlineMs` (epoch ms); rejects when `signal` aborts. */
export function sleepUntil(deadlineMs: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, deadlineMs - Date.now()));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
