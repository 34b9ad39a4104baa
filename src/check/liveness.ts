import type { History, HistoryEvent } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import type { CheckLedger } from './ledger.ts';
import { deliveredIdsByNode, listIds, nodeFates, type NodeFate, targetNodes } from './views.ts';

/**
 * What eventual delivery and durability share: a list of ids that every target node owes, and a search for the
 * ones it does not have at the end of the run.
 */
export interface OwedSubmission {
  id: SubmissionId;
  /** The event that makes the id owed (its submit, or its ack): the first evidence of a miss. */
  reason: HistoryEvent;
}

export interface Miss {
  node: NodeId;
  owed: OwedSubmission;
  /** The node's last crash, if it ever crashed: the usual suspect for a lost delivery. */
  lastCrash: HistoryEvent | null;
}

export interface MissReport {
  targets: NodeId[];
  first: Miss | null;
  total: number;
  /** Missing ids per node, in owed order; only nodes with at least one miss. */
  byNode: Map<NodeId, SubmissionId[]>;
}

/** Owed ids are visited in the order given, so the first miss reported is the earliest owed one. */
export function findMisses(
  history: History,
  owed: readonly OwedSubmission[],
  fates?: Map<NodeId, NodeFate>,
): MissReport {
  const nodeFate = fates ?? nodeFates(history);
  const targets = targetNodes(nodeFate);
  const delivered = deliveredIdsByNode(history);
  const report: MissReport = { targets, first: null, total: 0, byNode: new Map() };
  for (const submission of owed) {
    for (const node of targets) {
      if (delivered.get(node)?.has(submission.id)) continue;
      report.total += 1;
      const missing = report.byNode.get(node) ?? [];
      missing.push(submission.id);
      report.byNode.set(node, missing);
      report.first ??= { node, owed: submission, lastCrash: nodeFate.get(node)?.lastCrash ?? null };
    }
  }
  return report;
}

/** An owed id in the ledger's terms: its ordinal, and the position of the event that makes it owed. */
export interface OwedOrdinal {
  ordinal: number;
  reasonPosition: number;
}

/**
 * findMisses over the ledger: the same walk (owed ids in the order given, target nodes in fate order), reading a
 * node's deliveries from its first-delivery index. `reasonAt` turns the first miss's reason into its event.
 */
export function findMissesOnline(
  ledger: CheckLedger,
  owed: readonly OwedOrdinal[],
  fates: ReadonlyMap<NodeId, NodeFate>,
  reasonAt: (position: number) => HistoryEvent,
): MissReport {
  const targets = targetNodes(fates);
  const targetLedgers = targets.map((node) => ledger.nodes.find((candidate) => candidate.node === node));
  const report: MissReport = { targets, first: null, total: 0, byNode: new Map() };
  for (const { ordinal, reasonPosition } of owed) {
    targets.forEach((node, index) => {
      if ((targetLedgers[index]?.deliveredAt(ordinal) ?? 0) !== 0) return;
      const id = ledger.ids[ordinal];
      report.total += 1;
      const missing = report.byNode.get(node) ?? [];
      missing.push(id);
      report.byNode.set(node, missing);
      if (report.first === null) {
        const owedSubmission = { id, reason: reasonAt(reasonPosition) };
        report.first = { node, owed: owedSubmission, lastCrash: fates.get(node)?.lastCrash ?? null };
      }
    });
  }
  return report;
}

/** "node 2 lacks s4, s5; node 3 lacks s9". */
export function describeMisses(report: MissReport): string {
  return [...report.byNode.entries()].map(([node, ids]) => `node ${node} lacks ${listIds(ids)}`).join('; ');
}

export function missesByNodeDetails(report: MissReport): { [node: string]: number } {
  const counts: { [node: string]: number } = {};
  for (const [node, ids] of report.byNode) counts[String(node)] = ids.length;
  return counts;
}
