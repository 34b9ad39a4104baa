import { invariant } from '../core/assert.ts';
import type { History } from '../core/history.ts';
import { type CheckLedger, judged, type LedgerEnd, type OnlineChecker } from './ledger.ts';
import { findMisses, findMissesOnline, type MissReport, missesByNodeDetails, type OwedSubmission } from './liveness.ts';
import { failVerdict, passVerdict, skipVerdict, type Verdict } from './verdict.ts';
import {
  type AckEvent,
  fatesOf,
  firstAcks,
  hasLivenessPhase,
  listIds,
  livenessPhaseIn,
  NO_LIVENESS_PHASE_SUMMARY,
  plural,
} from './views.ts';

export const durabilityChecker: OnlineChecker = {
  name: 'durability',
  kind: 'liveness',
  description:
    'Judged only after a liveness phase. Every submission that some node acked to its client as committed is ' +
    'delivered by every node that is up and not paused at the end: no crash loses an acknowledged write.',
  check: (history) => judged(history, checkDurability, judgeDurabilityOnline),
  judgeOnline: judgeDurabilityOnline,
  judgeBatch: checkDurability,
};

function checkDurability(history: History): Verdict {
  if (!hasLivenessPhase(history)) return skipVerdict(durabilityChecker, NO_LIVENESS_PHASE_SUMMARY);
  const acks = firstAcks(history);
  const acked: OwedSubmission[] = [...acks.values()].map((ack) => ({ id: ack.id, reason: ack }));
  const report = findMisses(history, acked);
  return durabilityVerdict(acked.length, report, (id) => acks.get(id));
}

/** The online form: the ledger keeps each id's first ack and each node's delivered ids. */
function judgeDurabilityOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  if (!livenessPhaseIn(ledger.lifecycle)) return skipVerdict(durabilityChecker, NO_LIVENESS_PHASE_SUMMARY);
  const acked = Array.from(ledger.ackOrder.data.subarray(0, ledger.ackOrder.length), (ordinal) => ({
    ordinal,
    reasonPosition: ledger.ackPosition.data[ordinal] - 1,
  }));
  const fates = fatesOf(end.nodes, ledger.lifecycle);
  const report = findMissesOnline(ledger, acked, fates, end.eventAt);
  const ackOf = (id: string): AckEvent | undefined => {
    const ordinal = ledger.ordinals.get(id);
    return ordinal === undefined ? undefined : (end.eventAt(ledger.ackPosition.data[ordinal] - 1) as AckEvent);
  };
  return durabilityVerdict(acked.length, report, ackOf);
}

function durabilityVerdict(
  ackedCount: number,
  report: MissReport,
  ackOf: (id: string) => AckEvent | undefined,
): Verdict {
  const lostIds = new Set([...report.byNode.values()].flat());
  const details = {
    ackedSubmissions: ackedCount,
    targetNodes: report.targets.length,
    lostSubmissions: lostIds.size,
    missingByNode: missesByNodeDetails(report),
  };
  if (report.first === null) {
    const summary =
      ackedCount === 0
        ? 'no submission was acked, so no commitment could be lost'
        : `every one of ${plural(report.targets.length, 'target node')} delivered all ` +
          `${plural(ackedCount, 'acked submission')}`;
    return passVerdict(durabilityChecker, summary, details);
  }
  const { node, owed, lastCrash } = report.first;
  const ack = ackOf(owed.id);
  invariant(ack !== undefined, `durability owes ${owed.id} without an ack`);
  const crashNote = lastCrash === null ? '' : ` (it last crashed at t=${lastCrash.t} ms)`;
  const more = lostIds.size > 1 ? `; lost in all: ${listIds([...lostIds])}` : '';
  const summary =
    `${owed.id} was acked by node ${ack.node} at t=${ack.t} ms ` +
    `but node ${node} never delivered it${crashNote}${more}`;
  return failVerdict(durabilityChecker, summary, [ack, lastCrash], details);
}
