import { invariant } from '../core/assert.ts';
import { historyIndex, type History } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { DeliveredPrefixes, ordinal, originOrder } from './origin-order.ts';
import { type CheckLedger, judged, type LedgerEnd, type OnlineChecker } from './ledger.ts';
import { failVerdict, passVerdict, type Verdict } from './verdict.ts';
import { type DeliverEvent, idOrdinals, plural, type SubmitEvent } from './views.ts';

interface Violation {
  delivery: DeliverEvent;
  /** The earlier submission of the same origin that the node had not delivered yet. */
  missing: SubmitEvent;
  missingIndex: number;
  submit: SubmitEvent;
  submitIndex: number;
}

export const fifoOrderChecker: OnlineChecker = {
  name: 'fifo-order',
  kind: 'safety',
  description:
    'For two submissions at the same node, a submitted before b, no node delivers b before it has delivered a ' +
    '(delivery sequences run across restarts).',
  check: (history) => judged(history, checkFifoOrder, judgeFifoOrderOnline),
  judgeOnline: judgeFifoOrderOnline,
  judgeBatch: checkFifoOrder,
};

function checkFifoOrder(history: History): Verdict {
  const order = originOrder(history);
  const prefixes = new Map<NodeId, DeliveredPrefixes>();
  const ordinals = idOrdinals(history);
  const seen = new Map<NodeId, Uint8Array>();
  let first: Violation | null = null;
  let count = 0;
  let checked = 0;
  for (const event of historyIndex(history).events) {
    if (event.type !== 'deliver') continue;
    const position = order.position.get(event.id);
    if (position === undefined) continue;
    if (!prefixes.has(event.node)) {
      prefixes.set(event.node, new DeliveredPrefixes(order));
      seen.set(event.node, new Uint8Array(ordinals.size));
    }
    const nodePrefixes = prefixes.get(event.node);
    const delivered = seen.get(event.node);
    invariant(nodePrefixes !== undefined && delivered !== undefined, 'per-node trackers exist once created');
    const idOrdinal = ordinals.get(event.id);
    invariant(idOrdinal !== undefined, `delivered id ${event.id} has no ordinal`);
    if (delivered[idOrdinal] === 1) continue;
    delivered[idOrdinal] = 1;
    checked += 1;
    const prefix = nodePrefixes.prefixLength(position.origin);
    if (prefix < position.index) {
      count += 1;
      const missing = order.byOrigin.get(position.origin)?.[prefix];
      invariant(missing !== undefined, `node ${position.origin} has a submission at ${prefix}`);
      first ??= {
        delivery: event,
        missing,
        missingIndex: prefix,
        submit: position.submit,
        submitIndex: position.index,
      };
    }
    nodePrefixes.markDelivered(position.origin, position.index);
  }
  return fifoVerdict(first, count, checked);
}

/** The online form: the ledger judged each first delivery as it was recorded. */
function judgeFifoOrderOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  const found = ledger.fifoFirst;
  const first: Violation | null =
    found === null
      ? null
      : {
          delivery: end.eventAt(found.deliveryPosition) as DeliverEvent,
          missing: end.eventAt(found.missingPosition) as SubmitEvent,
          missingIndex: found.missingIndex,
          submit: end.eventAt(found.submitPosition) as SubmitEvent,
          submitIndex: found.submitIndex,
        };
  return fifoVerdict(first, ledger.fifoViolations, ledger.orderChecked);
}

function fifoVerdict(first: Violation | null, count: number, checked: number): Verdict {
  const details = { deliveriesChecked: checked, violations: count };
  if (first === null) {
    const summary = `${plural(checked, 'delivery', 'deliveries')} follow their origin's submit order`;
    return passVerdict(fifoOrderChecker, summary, details);
  }
  const { delivery, missing, submit } = first;
  const more = count > 1 ? ` (${plural(count, 'delivery', 'deliveries')} in all out of FIFO order)` : '';
  const summary =
    `node ${delivery.node} delivered ${delivery.id} (${ordinal(first.submitIndex + 1)} from node ${submit.node}) ` +
    `before ${missing.id} (${ordinal(first.missingIndex + 1)} from node ${submit.node})${more}`;
  return failVerdict(fifoOrderChecker, summary, [missing, submit, delivery], details);
}
