import type { NodeId } from '../core/ids.ts';
import { DeliveryTracker } from '../scenarios/progress.ts';
import type { NodeOutput } from './node-process.ts';

/**
 * What the launcher knows of a live run from the nodes' stdout lines, for the scenario's conditions (a leader is
 * elected, a node delivered N, everything is settled) and for the end of the liveness phase: the same delivery
 * tracker the simulator world feeds from its history, plus who leads, plus waiting for a condition in real time.
 */
export class ClusterProgress extends DeliveryTracker {
  private readonly leading = new Map<NodeId, boolean>();
  /** The term of each node's latest announcement (0 when it names none). */
  private readonly terms = new Map<NodeId, number>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly nodes: readonly NodeId[]) {
    super(nodes);
  }

  /** Takes one stdout line of a node and wakes whoever waits for a condition. */
  observe(node: NodeId, output: NodeOutput): void {
    const id = typeof output.id === 'string' ? output.id : null;
    if (output.type === 'submitted' && id !== null) this.submitted(id, node);
    else if (output.type === 'ack' && id !== null) this.ack(id);
    else if (output.type === 'deliver' && id !== null) this.deliver(node, id);
    else if (output.type === 'announce') {
      this.leading.set(node, output.role === 'leader' || output.role === 'primary');
      this.terms.set(node, typeof output.term === 'number' ? output.term : 0);
    } else return;
    this.wake();
  }

  /** The node is gone: it leads no more, and what it submitted without an ack is no longer owed. */
  override crashed(node: NodeId): void {
    this.leading.set(node, false);
    super.crashed(node);
    this.wake();
  }

  leaderTerm(node: NodeId): number | null {
    return this.leading.get(node) === true ? (this.terms.get(node) ?? 0) : null;
  }

  leads(node: NodeId | 'any'): boolean {
    return [...this.leading].some(([leader, leads]) => leads && (node === 'any' || leader === node));
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
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, deadlineMs - Date.now()),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
