import { invariant } from '../core/assert.ts';
import type { History } from '../core/history.ts';
import { findMisses, missesByNodeDetails, type OwedSubmission } from './liveness.ts';
import { type Checker, failVerdict, passVerdict, skipVerdict, type Verdict } from './verdict.ts';
import { firstAcks, hasLivenessPhase, listIds, NO_LIVENESS_PHASE_SUMMARY, plural } from './views.ts';

export const durabilityChecker: Checker = {
  name: 'durability',
  kind: 'liveness',
  description:
    'Judged only after a liveness phase. Every submission that some node acked to its client as committed is ' +
    'delivered by every node that is up and not paused at the end: no crash loses an acknowledged write.',
  check: checkDurability,
};

function checkDurability(history: History): Verdict {
  if (!hasLivenessPhase(history)) return skipVerdict(durabilityChecker, NO_LIVENESS_PHASE_SUMMARY);
  const acks = firstAcks(history);
  const acked: OwedSubmission[] = [...acks.values()].map((ack) => ({ id: ack.id, reason: ack }));
  const report = findMisses(history, acked);
  const lostIds = new Set([...report.byNode.values()].flat());
  const details = {
    ackedSubmissions: acked.length,
    targetNodes: report.targets.length,
    lostSubmissions: lostIds.size,
    missingByNode: missesByNodeDetails(report),
  };
  if (report.first === null) {
    const summary =
      acked.length === 0
        ? 'no submission was acked, so no commitment could be lost'
        : `every one of ${plural(report.targets.length, 'target node')} delivered all ` +
          `${plural(acked.length, 'acked submission')}`;
    return passVerdict(durabilityChecker, summary, details);
  }
  const { node, owed, lastCrash } = report.first;
  const ack = acks.get(owed.id);
  invariant(ack !== undefined, `durability owes ${owed.id} without an ack`);
  const crashNote = lastCrash === null ? '' : ` (it last crashed at t=${lastCrash.t} ms)`;
  const more = lostIds.size > 1 ? `; lost in all: ${listIds([...lostIds])}` : '';
  const summary =
    `${owed.id} was acked by node ${ack.node} at t=${ack.t} ms ` +
    `but node ${node} never delivered it${crashNote}${more}`;
  return failVerdict(durabilityChecker, summary, [ack, lastCrash], details);
}
