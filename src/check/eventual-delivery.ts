import type { History } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { describeMisses, findMisses, missesByNodeDetails, type OwedSubmission } from './liveness.ts';
import { type Checker, failVerdict, passVerdict, skipVerdict, type Verdict } from './verdict.ts';
import {
  firstAcks,
  firstSubmits,
  hasLivenessPhase,
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

export const eventualDeliveryChecker: Checker = {
  name: 'eventual-delivery',
  kind: 'liveness',
  description:
    'Judged only after a liveness phase. Every submission whose submitter never crashed after submitting it, and ' +
    'every acked one, is delivered at least once by every node that is up and not paused at the end.',
  check: checkEventualDelivery,
};

function checkEventualDelivery(history: History): Verdict {
  if (!hasLivenessPhase(history)) return skipVerdict(eventualDeliveryChecker, NO_LIVENESS_PHASE_SUMMARY);
  const fates = nodeFates(history);
  const counted = countedSubmissions(history, fates);
  const report = findMisses(history, counted, fates);
  const details = {
    countedSubmissions: counted.length,
    targetNodes: report.targets.length,
    missing: report.total,
    missingByNode: missesByNodeDetails(report),
  };
  if (report.first === null) {
    const summary =
      `all ${plural(report.targets.length, 'target node')} delivered all ` +
      `${plural(counted.length, 'counted submission')}`;
    return passVerdict(eventualDeliveryChecker, summary, details);
  }
  const missing = plural(report.total, 'missing delivery', 'missing deliveries');
  const summary = `${missing} after the liveness phase: ${describeMisses(report)}`;
  return failVerdict(eventualDeliveryChecker, summary, [report.first.owed.reason, report.first.lastCrash], details);
}
