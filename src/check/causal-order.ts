import { invariant } from '../core/assert.ts';
import { historyIndex, type History } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { DeliveredPrefixes, type OriginOrder, originOrder } from './origin-order.ts';
import { type Checker, failVerdict, passVerdict, type Verdict } from './verdict.ts';
import { type DeliverEvent, nodesOf, plural, type SubmitEvent } from './views.ts';

/**
 * Vector clocks computed from the history alone, never from the protocol's clocks (they are what is under test).
 * The relation is causal precedence between broadcasts as textbooks define it for causal broadcast: each node is
 * one process line through its events, across restarts, and a submission's past is everything its node had
 * submitted or delivered before it, closed over those messages' own pasts. A message a node has received but not
 * yet delivered (say, buffered until its own past arrives) is not part of that past: no protocol could honour a
 * dependency on a message that is itself still waiting, so counting raw receives would condemn every correct
 * causal broadcast that delivers its own submissions at once.
 */
function submitClocks(history: History, nodes: readonly NodeId[]): Map<SubmissionId, Int32Array> {
  const slot = new Map(nodes.map((node, index) => [node, index]));
  const clocks = nodes.map(() => new Int32Array(nodes.length));
  const stamps = new Map<SubmissionId, Int32Array>();
  for (const event of historyIndex(history).events) {
    if (event.type !== 'submit' && event.type !== 'deliver') continue;
    const own = slot.get(event.node);
    invariant(own !== undefined, `node ${event.node} acts but nodesOf() missed it`);
    const clock = clocks[own];
    if (event.type === 'deliver') {
      // A delivery with no recorded submit (a history cut short, a live log) just adds no knowledge.
      const carried = stamps.get(event.id);
      if (carried !== undefined) {
        for (let index = 0; index < clock.length; index += 1) clock[index] = Math.max(clock[index], carried[index]);
      }
      continue;
    }
    clock[own] += 1;
    if (!stamps.has(event.id)) stamps.set(event.id, clock.slice());
  }
  return stamps;
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
  /** Per id, how many of each origin's submits (by ordinal) it needs delivered first; computed on first use. */
  private readonly neededById = new Map<SubmissionId, Int32Array>();

  constructor(
    private readonly order: OriginOrder,
    private readonly stamps: ReadonlyMap<SubmissionId, Int32Array>,
    private readonly slot: ReadonlyMap<NodeId, number>,
  ) {
    for (const [origin, submits] of order.byOrigin) {
      const own = this.slotOf(origin);
      this.ownStamps.set(origin, Int32Array.from(submits, (submit) => this.stampOf(submit.id)[own]));
    }
  }

  /** The first predecessor of `id` that `prefixes` has not delivered, or null when its whole causal past is. */
  firstMissing(id: SubmissionId, prefixes: DeliveredPrefixes): SubmitEvent | null {
    const needed = this.neededOf(id);
    const delivered = prefixes.lengths;
    for (let ordinal = 0; ordinal < needed.length; ordinal += 1) {
      if (delivered[ordinal] >= needed[ordinal]) continue;
      const submits = this.order.byOrigin.get(this.order.origins[ordinal]);
      invariant(submits !== undefined, `origin ${this.order.origins[ordinal]} has no submits`);
      return submits[delivered[ordinal]];
    }
    return null;
  }

  /** Once per id rather than once per delivery: the binary searches are the costly part. */
  private neededOf(id: SubmissionId): Int32Array {
    const cached = this.neededById.get(id);
    if (cached !== undefined) return cached;
    const position = this.order.position.get(id);
    invariant(position !== undefined, `${id} was never submitted`);
    const stamp = this.stampOf(id);
    const needed = new Int32Array(this.order.origins.length);
    this.order.origins.forEach((origin, ordinal) => {
      const ownStamps = this.ownStamps.get(origin);
      invariant(ownStamps !== undefined, `no stamps for node ${origin}`);
      needed[ordinal] = countAtMost(ownStamps, stamp[this.slotOf(origin)]) - (origin === position.origin ? 1 : 0);
    });
    this.neededById.set(id, needed);
    return needed;
  }

  private stampOf(id: SubmissionId): Int32Array {
    const stamp = this.stamps.get(id);
    invariant(stamp !== undefined, `no vector clock for ${id}`);
    return stamp;
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
  const past = new CausalPast(order, submitClocks(history, nodes), new Map(nodes.map((node, index) => [node, index])));
  const prefixes = new Map(nodes.map((node) => [node, new DeliveredPrefixes(order)]));
  const seen = new Map(nodes.map((node) => [node, new Set<SubmissionId>()]));
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
    if (position === undefined || delivered.has(event.id)) continue;
    delivered.add(event.id);
    checked += 1;
    const missing = past.firstMissing(event.id, nodePrefixes);
    if (missing !== null) {
      count += 1;
      first ??= { delivery: event, missing, submit: position.submit };
    }
    nodePrefixes.markDelivered(position.origin, position.index);
  }
  return { first, count, checked };
}

export const causalOrderChecker: Checker = {
  name: 'causal-order',
  kind: 'safety',
  description:
    'If submission a causally precedes submission b (b was submitted at a node after it had submitted or delivered ' +
    'a, or something a precedes; read from the history itself, never the protocol clocks), no node delivers b ' +
    'before it has delivered a.',
  check: checkCausalOrder,
};

function checkCausalOrder(history: History): Verdict {
  const { first, count, checked } = findViolations(history);
  const details = { deliveriesChecked: checked, violations: count };
  if (first === null) {
    return passVerdict(causalOrderChecker, `${plural(checked, 'delivery', 'deliveries')} respect happened-before`, details);
  }
  const { delivery, missing, submit } = first;
  const more = count > 1 ? ` (${plural(count, 'delivery', 'deliveries')} in all break causal order)` : '';
  const summary =
    `node ${delivery.node} delivered ${delivery.id} (submitted at node ${submit.node}) before ${missing.id} ` +
    `(submitted at node ${missing.node}), which happened before it${more}`;
  return failVerdict(causalOrderChecker, summary, [missing, submit, delivery], details);
}
