import { invariant } from '../core/assert.ts';
import { historyIndex, type History, type HistoryEvent } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { type CheckLedger, judged, type LedgerEnd, type OnlineChecker } from './ledger.ts';
import { failVerdict, passVerdict, type Verdict } from './verdict.ts';
import { type DeliverEvent, firstSubmits, idOrdinals, type SubmitEvent } from './views.ts';

type Problem = 'duplicate' | 'created' | 'corrupted';

interface Violation {
  problem: Problem;
  summary: string;
  evidence: (HistoryEvent | undefined)[];
}

interface FirstDelivery {
  event: DeliverEvent;
  /** How many times the node had crashed when it first delivered the id: tells a restart duplicate apart. */
  crashesBefore: number;
}

function duplicateViolation(first: FirstDelivery, again: DeliverEvent, crashesNow: number): Violation {
  const restarts = crashesNow - first.crashesBefore;
  const across = restarts === 0 ? '' : `, across ${restarts === 1 ? 'a restart' : `${restarts} restarts`}`;
  return {
    problem: 'duplicate',
    summary: `node ${again.node} delivered ${again.id} twice (t=${first.event.t} ms and t=${again.t} ms${across})`,
    evidence: [first.event, again],
  };
}

/** A delivery must match a submission: same id, the origin it was submitted at, the same payload. */
function integrityViolation(delivery: DeliverEvent, submit: SubmitEvent | undefined): Violation | null {
  if (submit === undefined) {
    return {
      problem: 'created',
      summary: `node ${delivery.node} delivered ${delivery.id}, which nobody submitted`,
      evidence: [delivery],
    };
  }
  if (submit.node !== delivery.origin) {
    return {
      problem: 'corrupted',
      summary:
        `node ${delivery.node} delivered ${delivery.id} as from node ${delivery.origin}, ` +
        `but node ${submit.node} submitted it`,
      evidence: [submit, delivery],
    };
  }
  if (submit.payload !== delivery.payload) {
    return {
      problem: 'corrupted',
      summary:
        `node ${delivery.node} delivered ${delivery.id} with payload ${JSON.stringify(delivery.payload)}, ` +
        `submitted as ${JSON.stringify(submit.payload)}`,
      evidence: [submit, delivery],
    };
  }
  return null;
}

export const exactlyOnceChecker: OnlineChecker = {
  name: 'exactly-once',
  kind: 'safety',
  description:
    'No node delivers the same submission twice, across its crashes and restarts; and every delivery matches a ' +
    'submit event with the same id, origin node and payload (no creation, no corruption).',
  check: (history) => judged(history, checkExactlyOnce, judgeExactlyOnceOnline),
  judgeOnline: judgeExactlyOnceOnline,
  judgeBatch: checkExactlyOnce,
};

/** Counts every violation but keeps only the first, so a badly broken run still gives a short verdict. */
class Tally {
  readonly counts: Record<Problem, number> = { duplicate: 0, created: 0, corrupted: 0 };
  first: Violation | null = null;

  record(violation: Violation | null): void {
    if (violation === null) return;
    this.counts[violation.problem] += 1;
    this.first ??= violation;
  }

  get total(): number {
    return this.counts.duplicate + this.counts.created + this.counts.corrupted;
  }
}

function checkExactlyOnce(history: History): Verdict {
  const submits = firstSubmits(history);
  const ordinals = idOrdinals(history);
  // Per node, by id ordinal: the first delivery and how many crashes the node had had by then.
  const delivered = new Map<NodeId, { events: (DeliverEvent | undefined)[]; crashesBefore: Int32Array }>();
  const crashes = new Map<NodeId, number>();
  const tally = new Tally();
  let deliveries = 0;
  for (const event of historyIndex(history).events) {
    if (event.type === 'crash') crashes.set(event.node, (crashes.get(event.node) ?? 0) + 1);
    if (event.type !== 'deliver') continue;
    deliveries += 1;
    let byId = delivered.get(event.node);
    if (byId === undefined) {
      byId = {
        events: new Array<DeliverEvent | undefined>(ordinals.size),
        crashesBefore: new Int32Array(ordinals.size),
      };
      delivered.set(event.node, byId);
    }
    const ordinal = ordinals.get(event.id);
    invariant(ordinal !== undefined, `delivered id ${event.id} has no ordinal`);
    const crashesNow = crashes.get(event.node) ?? 0;
    const firstEvent = byId.events[ordinal];
    if (firstEvent !== undefined) {
      tally.record(
        duplicateViolation({ event: firstEvent, crashesBefore: byId.crashesBefore[ordinal] }, event, crashesNow),
      );
      continue;
    }
    byId.events[ordinal] = event;
    byId.crashesBefore[ordinal] = crashesNow;
    tally.record(integrityViolation(event, submits.get(event.id)));
  }
  return exactlyOnceVerdict(deliveries, submits.size, tally);
}

function exactlyOnceVerdict(deliveries: number, submissions: number, tally: Tally): Verdict {
  const details = { deliveries, submissions, ...tally.counts };
  if (tally.first === null) {
    const summary = `${deliveries} deliveries, each once per node and each matching its submission`;
    return passVerdict(exactlyOnceChecker, summary, details);
  }
  const more = tally.total > 1 ? ` (${tally.total} violations in all)` : '';
  return failVerdict(exactlyOnceChecker, tally.first.summary + more, tally.first.evidence, details);
}

/** The online form: the ledger counted the violations as they were recorded; the first one is put in words here. */
function judgeExactlyOnceOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  const tally = new Tally();
  Object.assign(tally.counts, ledger.exactlyOnceCounts);
  const first = ledger.exactlyOnceFirst;
  if (first !== null) {
    const delivery = end.eventAt(first.deliveryPosition) as DeliverEvent;
    if (first.problem === 'duplicate') {
      const crashesBefore = (position: number) =>
        ledger.lifecycle.filter((event) => event.type === 'crash' && event.node === delivery.node && event.i < position)
          .length;
      const earlier = {
        event: end.eventAt(first.earlierPosition) as DeliverEvent,
        crashesBefore: crashesBefore(first.earlierPosition),
      };
      tally.first = duplicateViolation(earlier, delivery, crashesBefore(first.deliveryPosition));
    } else {
      const submit = first.earlierPosition < 0 ? undefined : (end.eventAt(first.earlierPosition) as SubmitEvent);
      tally.first = integrityViolation(delivery, submit);
      invariant(tally.first?.problem === first.problem, 'the ledger and the checker agree on the first violation');
    }
  }
  return exactlyOnceVerdict(ledger.deliveries, ledger.submitOrder.length, tally);
}
