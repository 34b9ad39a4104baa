import { invariant } from '../core/assert.ts';
import { historyIndex, type History } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { DeliveredPrefixes, type OriginOrder, originOrder } from './origin-order.ts';
import { type CheckLedger, judged, type LedgerEnd, type OnlineChecker } from './ledger.ts';
import { failVerdict, passVerdict, type Verdict } from './verdict.ts';
import { type DeliverEvent, idOrdinals, nodesOf, plural, type SubmitEvent } from './views.ts';

/**
 * Vector clocks computed from the history alone, never from the protocol's clocks (they are what is under test).
 * The relation is causal precedence between broadcasts as textbooks define it for causal broadcast: each node is
 * one process line through its events, across restarts, and a submission's past is everything its node had
 * submitted or delivered before it, closed over those messages' own pasts. A message a node has received but not
 * yet delivered (say, buffered until its own past arrives) is not part of that past: no protocol could honour a
 * dependency on a message that is itself still waiting, so counting raw receives would condemn every correct
 * causal broadcast that delivers its own submissions at once.
 */
function submitClocks(history: History, nodes: readonly NodeId[]): SubmitStamps {
  const slot = new Map(nodes.map((node, index) => [node, index]));
  const clocks = nodes.map(() => new Int32Array(nodes.length));
  const events = historyIndex(history).events;
  const stamps = new SubmitStamps(nodes.length, idOrdinals(history));
  for (const event of events) {
    if (event.type !== 'submit' && event.type !== 'deliver') continue;
    const own = slot.get(event.node);
    invariant(own !== undefined, `node ${event.node} acts but nodesOf() missed it`);
    const clock = clocks[own];
    if (event.type === 'deliver') {
      // A delivery with no recorded submit (a history cut short, a live log) just adds no knowledge.
      const carried = stamps.offsetOf(event.id);
      if (carried >= 0) {
        for (let index = 0; index < clock.length; index += 1)
          clock[index] = Math.max(clock[index], stamps.flat[carried + index]);
      }
      continue;
    }
    clock[own] += 1;
    if (stamps.offsetOf(event.id) < 0) stamps.add(event.id, clock);
  }
  return stamps;
}

/**
 * Each submitted id's vector clock, all in one flat array (one typed array per submission costs far more than
 * its few entries on runs of 10^5 submissions), at the id's ordinal (idOrdinals, shared with other checkers).
 */
class SubmitStamps {
  readonly flat: Int32Array;
  /** 1 where the id of that ordinal has been stamped (a delivered id may never have been submitted). */
  private readonly stamped: Uint8Array;

  constructor(
    readonly width: number,
    readonly ordinals: ReadonlyMap<SubmissionId, number>,
  ) {
    this.flat = new Int32Array(width * ordinals.size);
    this.stamped = new Uint8Array(ordinals.size);
  }

  get size(): number {
    return this.ordinals.size;
  }

  add(id: SubmissionId, clock: Int32Array): void {
    const ordinal = this.ordinals.get(id);
    invariant(ordinal !== undefined, `submitted id ${id} has no ordinal`);
    this.flat.set(clock, ordinal * this.width);
    this.stamped[ordinal] = 1;
  }

  /** Where the id's clock starts in `flat`, or -1 for an id never submitted. */
  offsetOf(id: SubmissionId): number {
    const ordinal = this.ordinals.get(id);
    return ordinal === undefined || this.stamped[ordinal] === 0 ? -1 : ordinal * this.width;
  }
}

/** First index in an ascending array whose value exceeds `value`: how many entries are <= value. */
function countAtMost(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface Violation {
  delivery: DeliverEvent;
  missing: SubmitEvent;
  submit: SubmitEvent;
}

/**
 * For submits, a -> b iff vc(a)[origin(a)] <= vc(b)[origin(a)]. An origin's submits carry strictly increasing
 * own-slot stamps, so b's predecessors from each origin are a prefix of that origin's submits, found by binary
 * search; b is safe to deliver when the node's delivered prefix of every origin covers that many.
 */
class CausalPast {
  private readonly ownStamps = new Map<NodeId, Int32Array>();
  /** Per id ordinal, how many of each origin's submits (by origin ordinal) it needs delivered first. */
  private readonly needed: Int32Array;
  /** Whether `needed` holds the id's row yet: it is filled on the id's first delivery. */
  private readonly computed: Uint8Array;

  constructor(
    private readonly order: OriginOrder,
    readonly stamps: SubmitStamps,
    private readonly slot: ReadonlyMap<NodeId, number>,
  ) {
    for (const [origin, submits] of order.byOrigin) {
      const own = this.slotOf(origin);
      this.ownStamps.set(
        origin,
        Int32Array.from(submits, (submit) => stamps.flat[this.offsetOf(submit.id) + own]),
      );
    }
    this.needed = new Int32Array(stamps.size * order.origins.length);
    this.computed = new Uint8Array(stamps.size);
  }

  /** The first predecessor of `id` (stamped as `ordinal`) that `prefixes` has not delivered, or null. */
  firstMissing(id: SubmissionId, ordinal: number, prefixes: DeliveredPrefixes): SubmitEvent | null {
    const origins = this.order.origins.length;
    if (this.computed[ordinal] === 0) this.computeNeeded(id, ordinal);
    const delivered = prefixes.lengths;
    const row = ordinal * origins;
    for (let origin = 0; origin < origins; origin += 1) {
      if (delivered[origin] >= this.needed[row + origin]) continue;
      const submits = this.order.byOrigin.get(this.order.origins[origin]);
      invariant(submits !== undefined, `origin ${this.order.origins[origin]} has no submits`);
      return submits[delivered[origin]];
    }
    return null;
  }

  /** Once per id rather than once per delivery: the binary searches are the costly part. */
  private computeNeeded(id: SubmissionId, ordinal: number): void {
    const position = this.order.position.get(id);
    invariant(position !== undefined, `${id} was never submitted`);
    const offset = ordinal * this.stamps.width;
    const row = ordinal * this.order.origins.length;
    this.order.origins.forEach((origin, index) => {
      const ownStamps = this.ownStamps.get(origin);
      invariant(ownStamps !== undefined, `no stamps for node ${origin}`);
      const stamp = this.stamps.flat[offset + this.slotOf(origin)];
      this.needed[row + index] = countAtMost(ownStamps, stamp) - (origin === position.origin ? 1 : 0);
    });
    this.computed[ordinal] = 1;
  }

  private offsetOf(id: SubmissionId): number {
    const offset = this.stamps.offsetOf(id);
    invariant(offset >= 0, `no vector clock for ${id}`);
    return offset;
  }

  private slotOf(node: NodeId): number {
    const index = this.slot.get(node);
    invariant(index !== undefined, `node ${node} has no vector-clock slot`);
    return index;
  }
}

function findViolations(history: History): { first: Violation | null; count: number; checked: number } {
  const nodes = nodesOf(history);
  const order = originOrder(history);
  const stamps = submitClocks(history, nodes);
  const past = new CausalPast(order, stamps, new Map(nodes.map((node, index) => [node, index])));
  const prefixes = new Map(nodes.map((node) => [node, new DeliveredPrefixes(order)]));
  // Per node, a flag per id ordinal: the id was delivered there already.
  const seen = new Map(nodes.map((node) => [node, new Uint8Array(stamps.size)]));
  let first: Violation | null = null;
  let count = 0;
  let checked = 0;
  for (const event of historyIndex(history).events) {
    if (event.type !== 'deliver') continue;
    const position = order.position.get(event.id);
    const delivered = seen.get(event.node);
    const nodePrefixes = prefixes.get(event.node);
    invariant(delivered !== undefined && nodePrefixes !== undefined, `node ${event.node} missing from nodesOf()`);
    // Unsubmitted ids are exactly-once's to report; repeats were judged at their first delivery.
    const ordinal = stamps.ordinals.get(event.id);
    if (position === undefined || ordinal === undefined || delivered[ordinal] === 1) continue;
    delivered[ordinal] = 1;
    checked += 1;
    const missing = past.firstMissing(event.id, ordinal, nodePrefixes);
    if (missing !== null) {
      count += 1;
      first ??= { delivery: event, missing, submit: position.submit };
    }
    nodePrefixes.markDelivered(position.origin, position.index);
  }
  return { first, count, checked };
}

export const causalOrderChecker: OnlineChecker = {
  name: 'causal-order',
  kind: 'safety',
  description:
    'If submission a causally precedes submission b (b was submitted at a node after it had submitted or delivered ' +
    'a, or something a precedes; read from the history itself, never the protocol clocks), no node delivers b ' +
    'before it has delivered a.',
  check: (history) => judged(history, checkCausalOrder, judgeCausalOrderOnline),
  judgeOnline: judgeCausalOrderOnline,
  judgeBatch: checkCausalOrder,
};

function checkCausalOrder(history: History): Verdict {
  const { first, count, checked } = findViolations(history);
  return causalVerdict(first, count, checked);
}

/** The online form: the ledger kept the vector clocks and judged each first delivery as it was recorded. */
function judgeCausalOrderOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  const found = ledger.causalFirst;
  const first: Violation | null =
    found === null
      ? null
      : {
          delivery: end.eventAt(found.deliveryPosition) as DeliverEvent,
          missing: end.eventAt(found.missingPosition) as SubmitEvent,
          submit: end.eventAt(found.submitPosition) as SubmitEvent,
        };
  return causalVerdict(first, ledger.causalViolations, ledger.orderChecked);
}

function causalVerdict(first: Violation | null, count: number, checked: number): Verdict {
  const details = { deliveriesChecked: checked, violations: count };
  if (first === null) {
    return passVerdict(
      causalOrderChecker,
      `${plural(checked, 'delivery', 'deliveries')} respect happened-before`,
      details,
    );
  }
  const { delivery, missing, submit } = first;
  const more = count > 1 ? ` (${plural(count, 'delivery', 'deliveries')} in all break causal order)` : '';
  const summary =
    `node ${delivery.node} delivered ${delivery.id} (submitted at node ${submit.node}) before ${missing.id} ` +
    `(submitted at node ${missing.node}), which happened before it${more}`;
  return failVerdict(causalOrderChecker, summary, [missing, submit, delivery], details);
}
