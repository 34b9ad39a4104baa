import type { NodeId, SubmissionId } from '../core/ids.ts';

/**
 * What is submitted, acknowledged and delivered where, for the scenario's conditions and for the end of the
 * liveness phase: the simulator world feeds it from its history, the live launcher from the nodes' stdout
 * lines. A submission stops being owed when its submitter crashes before anyone acknowledged it, as the
 * checkers count it.
 */
export class DeliveryTracker {
  private readonly submittedAt = new Map<SubmissionId, NodeId>();
  private readonly acked = new Set<SubmissionId>();
  private readonly deliveries = new Map<NodeId, number>();
  private readonly delivered = new Map<NodeId, Set<SubmissionId>>();

  constructor(nodes: readonly NodeId[]) {
    for (const node of nodes) this.delivered.set(node, new Set());
  }

  submitted(id: SubmissionId, node: NodeId): void {
    this.submittedAt.set(id, node);
  }

  ack(id: SubmissionId): void {
    this.acked.add(id);
  }

  deliver(node: NodeId, id: SubmissionId): void {
    this.delivered.get(node)?.add(id);
    this.deliveries.set(node, (this.deliveries.get(node) ?? 0) + 1);
  }

  /** What `node` submitted without an ack is no longer owed. */
  crashed(node: NodeId): void {
    for (const [id, submitter] of this.submittedAt) {
      if (submitter === node && !this.acked.has(id)) this.submittedAt.delete(id);
    }
  }

  /** Deliveries at `node` so far, repeats included. */
  deliveredCount(node: NodeId): number {
    return this.deliveries.get(node) ?? 0;
  }

  submittedCount(): number {
    return this.submittedAt.size;
  }

  /** Every owed submission is delivered at every node in `upNodes`. */
  complete(upNodes: Iterable<NodeId>): boolean {
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
}
