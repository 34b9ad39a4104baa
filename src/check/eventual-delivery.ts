import type { History } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { type CheckLedger, judged, type LedgerEnd, type OnlineChecker } from './ledger.ts';
import {
  describeMisses,
  findMisses,
  findMissesOnline,
  type MissReport,
  missesByNodeDetails,
  type OwedOrdinal,
  type OwedSubmission,
} from './liveness.ts';
import { failVerdict, passVerdict, skipVerdict, type Verdict } from './verdict.ts';
import {
  fatesOf,
  firstAcks,
  firstSubmits,
  hasLivenessPhase,
  livenessPhaseIn,
  NO_LIVENESS_PHASE_SUMMARY,
  nodeFates,
  type NodeFate,
  plural,
} from './views.ts';

/**
 * A submission is owed when its submitter stayed up after submitting it (so a correct protocol had every chance
 * to spread it), or when some node acked it to its client (a promise was made, whatever crashed later).
 */
function countedSubmissions(history: History, fates: ReadonlyMap<NodeId, NodeFate>): OwedSubmission[] {
  const acks = firstAcks(history);
  const submits = firstSubmits(history);
  const counted: OwedSubmission[] = [];
  for (const submit of submits.values()) {
    const lastCrash = fates.get(submit.node)?.lastCrash ?? null;
    const crashedAfter = lastCrash !== null && lastCrash.i > submit.i;
    if (!crashedAfter || acks.has(submit.id)) counted.push({ id: submit.id, reason: submit });
  }
  // An ack for an id nobody submitted is still a promise to a client; exactly-once judges where it came from.
  for (const [id, ack] of acks) {
    if (!submits.has(id)) counted.push({ id, reason: ack });
  }
  return counted;
}

export const eventualDeliveryChecker: OnlineChecker = {
  name: 'eventual-delivery',
  kind: 'liveness',
  description:
    'Judged only after a liveness phase. Every submission whose submitter never crashed after submitting it, and ' +
    'every acked one, is delivered at least once by every node that is up and not paused at the end.',
  check: (history) => judged(history, checkEventualDelivery, judgeEventualDeliveryOnline),
  judgeOnline: judgeEventualDeliveryOnline,
  judgeBatch: checkEventualDelivery,
};

function checkEventualDelivery(history: History): Verdict {
  if (!hasLivenessPhase(history)) return skipVerdict(eventualDeliveryChecker, NO_LIVENESS_PHASE_SUMMARY);
  const fates = nodeFates(history);
  const counted = countedSubmissions(history, fates);
  const report = findMisses(history, counted, fates);
  return eventualDeliveryVerdict(counted.length, report);
}

/** countedSubmissions over the ledger: first submits in submit order, then acks of ids never submitted. */
function countedOrdinals(ledger: CheckLedger, fates: ReadonlyMap<NodeId, NodeFate>): OwedOrdinal[] {
  const counted: OwedOrdinal[] = [];
  for (let k = 0; k < ledger.submitOrder.length; k += 1) {
    const ordinal = ledger.submitOrder.data[k];
    const submitPosition = ledger.submitPosition.data[ordinal] - 1;
    const lastCrash = fates.get(ledger.submitter.data[ordinal])?.lastCrash ?? null;
    const crashedAfter = lastCrash !== null && lastCrash.i > submitPosition;
    if (!crashedAfter || ledger.ackPosition.data[ordinal] !== 0)
      counted.push({ ordinal, reasonPosition: submitPosition });
  }
  for (let k = 0; k < ledger.ackOrder.length; k += 1) {
    const ordinal = ledger.ackOrder.data[k];
    if (ledger.submitPosition.data[ordinal] === 0)
      counted.push({ ordinal, reasonPosition: ledger.ackPosition.data[ordinal] - 1 });
  }
  return counted;
}

/** The online form: the ledger keeps submits, first acks and each node's delivered ids; fates come from lifecycle. */
function judgeEventualDeliveryOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  if (!livenessPhaseIn(ledger.lifecycle)) return skipVerdict(eventualDeliveryChecker, NO_LIVENESS_PHASE_SUMMARY);
  const fates = fatesOf(end.nodes, ledger.lifecycle);
  const counted = countedOrdinals(ledger, fates);
  return eventualDeliveryVerdict(counted.length, findMissesOnline(ledger, counted, fates, end.eventAt));
}

function eventualDeliveryVerdict(countedCount: number, report: MissReport): Verdict {
  const details = {
    countedSubmissions: countedCount,
    targetNodes: report.targets.length,
    missing: report.total,
    missingByNode: missesByNodeDetails(report),
  };
  if (report.first === null) {
    const summary =
      `all ${plural(report.targets.length, 'target node')} delivered all ` +
      `${plural(countedCount, 'counted submission')}`;
    return passVerdict(eventualDeliveryChecker, summary, details);
  }
  const missing = plural(report.total, 'missing delivery', 'missing deliveries');
  const summary = `${missing} after the liveness phase: ${describeMisses(report)}`;
  return failVerdict(eventualDeliveryChecker, summary, [report.first.owed.reason, report.first.lastCrash], details);
}
