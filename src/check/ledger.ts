import { invariant } from '../core/assert.ts';
import { historyIndex, type DeliveryRecord, type History, type HistoryEvent } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import type { Checker, Verdict } from './verdict.ts';
import { endTimeMs, memoized, nodesOf } from './views.ts';

/**
 * What the checkers need to remember of a run, kept as it is recorded: the online form of the checkers. One pass
 * over the events the checkers read (submits, deliveries, acks, node fates) fills it, in history order, whether
 * the events come from a finished history or straight from the simulator in streaming mode; each checker then
 * judges from it (see `judgeOnline` in each checker's file) without reading the history again, except for the
 * handful of events it names as evidence, which it asks for by position.
 *
 * Memory is per submission and per node, in typed arrays, never per event: each id gets an ordinal (in order of
 * first appearance); per ordinal, where and by whom it was submitted, its payload and its vector clock; per node,
 * its first deliveries (ordinal and position, 8 bytes each: total order's pairwise walk needs the sequences when
 * the linear prefix chain fails) and, per ordinal, where in that sequence it delivered the id. Exactly-once needs
 * the delivered ids per node and the submitted payloads, so this grows with submissions times nodes; it is
 * bounded by that, not by the messages and timers that are most of a run.
 *
 * The online form judges exactly as the batch checkers do on every history in which each id's first submit comes
 * before every delivery of it (what the simulator records: a submission is recorded before any handler runs).
 * `inOrder` says whether that held; when it did not (a merged live history may show a delivery before its
 * submit), the batch checkers judge instead (see registry.ts), and streaming refuses.
 */

/** A growable list of 32-bit integers. */
export class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = value;
    this.length += 1;
  }

  /** Makes the list at least `length` long, new entries 0. */
  extend(length: number): void {
    if (length > this.data.length) this.grow(length);
    if (length > this.length) this.length = length;
  }

  private grow(needed: number): void {
    let capacity = this.data.length * 2;
    while (capacity < needed) capacity *= 2;
    const data = new Int32Array(capacity);
    data.set(this.data);
    this.data = data;
  }
}

/** Per node: its first deliveries, in order, and where each id sits among them. */
export class NodeLedger {
  /** The ordinals of the node's first deliveries, in delivery order, and their history positions. */
  readonly sequence = new IntList();
  readonly sequencePositions = new IntList();
  /** By id ordinal: 1 + the index in `sequence` of the node's first delivery of it, or 0 if it never delivered it. */
  readonly sequenceIndex = new IntList();
  /** By origin ordinal: how long an unbroken prefix of that origin's submissions the node has delivered. */
  prefix: Int32Array;
  /** The node's vector clock, by slot (see CheckLedger.slotOf). */
  clock: Int32Array;

  constructor(
    readonly node: NodeId,
    readonly slot: number,
    width: number,
  ) {
    this.prefix = new Int32Array(width);
    this.clock = new Int32Array(width);
  }

  /** 1 + the sequence index of the node's first delivery of `ordinal`, or 0. */
  deliveredAt(ordinal: number): number {
    return ordinal < this.sequenceIndex.length ? this.sequenceIndex.data[ordinal] : 0;
  }
}

/** Per origin (a node that submitted): its first submits, in submit order. */
export interface OriginLedger {
  node: NodeId;
  ordinals: IntList;
  /** The origin's own vector-clock entry at each of those submits: strictly increasing. */
  ownStamps: IntList;
}

/** The first exactly-once violation, by positions: the checker builds the words from the events at the end. */
export interface ExactlyOnceFirst {
  problem: 'duplicate' | 'created' | 'corrupted';
  /** duplicate: the first delivery; corrupted: the submit; created: -1. */
  earlierPosition: number;
  deliveryPosition: number;
}

/** The first FIFO or causal violation, by positions: the submission missing, the one delivered, the delivery. */
export interface OrderFirst {
  missingPosition: number;
  submitPosition: number;
  deliveryPosition: number;
  /** FIFO's summary counts within the origin: the missing one's and the delivered one's index. */
  missingIndex: number;
  submitIndex: number;
}

export class CheckLedger {
  /** Id ordinals: submit, deliver and ack ids, in order of first appearance. */
  readonly ordinals = new Map<SubmissionId, number>();
  readonly ids: SubmissionId[] = [];
  /** By ordinal: 1 + the position of the id's first submit (0: never submitted), the submitter, its payload. */
  readonly submitPosition = new IntList();
  readonly submitter = new IntList();
  readonly payloads: (string | undefined)[] = [];
  /** By ordinal: the origin ordinal and index within the origin's submits. */
  readonly originOrdinal = new IntList();
  readonly originIndex = new IntList();
  /** Distinct ids submitted, in first-submit order. */
  readonly submitOrder = new IntList();
  /** By ordinal: 1 + the position of the id's first ack (0: never acked); and the acked ordinals in first-ack order. */
  readonly ackPosition = new IntList();
  readonly ackOrder = new IntList();
  /** Announce, crash, restart, join, pause, resume, phase and refused-restart events: a handful a run, kept whole. */
  readonly lifecycle: HistoryEvent[] = [];

  readonly nodes: NodeLedger[] = [];
  private readonly slots = new Map<NodeId, NodeLedger>();
  /** The same ledgers by node id, for ids that fit a column (what a delivery's node is looked up by, fastest). */
  private readonly smallSlots: NodeLedger[] = [];
  /**
   * By the number of a column store's delivery record (see observeDelivery): 1 + the ordinal of its id, or 0 until
   * one of its deliveries is seen, so the nodes delivering an entry after the first skip the look-up of its id.
   */
  private readonly recordOrdinals = new IntList();
  readonly origins: OriginLedger[] = [];
  private readonly originOrdinals = new Map<NodeId, number>();
  /** Vector-clock slots and origins fit this width; it doubles (and the flat arrays are laid out again) when not. */
  width: number;
  /** By ordinal, `width` entries each: the id's vector clock at its first submit. */
  stamps: Int32Array;
  /** By ordinal, `width` entries each: how many of each origin's submits (by origin ordinal) it needs delivered first. */
  needed: Int32Array;
  /** By ordinal: 1 when `needed` holds the id's row (filled at its first delivery anywhere). */
  private neededReady = new Uint8Array(16);

  /** Whether every delivered id's first submit came before all its deliveries (see the class comment). */
  inOrder = true;

  // Exactly-once.
  deliveries = 0;
  readonly exactlyOnceCounts = { duplicate: 0, created: 0, corrupted: 0 };
  exactlyOnceFirst: ExactlyOnceFirst | null = null;
  // FIFO and causal order: first deliveries of submitted ids, judged; violations counted, the first kept.
  orderChecked = 0;
  fifoViolations = 0;
  fifoFirst: OrderFirst | null = null;
  causalViolations = 0;
  causalFirst: OrderFirst | null = null;

  constructor(nodes: readonly NodeId[] = []) {
    this.width = Math.max(4, nodes.length);
    this.stamps = new Int32Array(this.width * 16);
    this.needed = new Int32Array(this.width * 16);
    for (const node of nodes) this.nodeLedger(node);
  }

  /** Feeds one event, in history order; events of types checkers do not read are ignored. */
  observe(event: HistoryEvent): void {
    switch (event.type) {
      case 'deliver':
        this.deliver(event);
        return;
      case 'submit':
        this.submit(event);
        return;
      case 'ack': {
        const ordinal = this.ordinalOf(event.id);
        if (this.ackPosition.data[ordinal] !== 0) return;
        this.ackPosition.data[ordinal] = event.i + 1;
        this.ackOrder.push(ordinal);
        return;
      }
      case 'announce':
      case 'crash':
      case 'restart':
      case 'join':
      case 'pause':
      case 'resume':
      case 'phase':
        this.lifecycle.push(event);
        return;
      case 'storage':
        // A restart the host refused (a damaged log) leaves the node down: its fate needs it (see fatesOf).
        if (event.what === 'refused') this.lifecycle.push(event);
        return;
      default:
        return;
    }
  }

  /** The ledger of `node`, made on first sight (with a vector-clock slot of its own). */
  nodeLedger(node: NodeId): NodeLedger {
    let ledger = this.slots.get(node);
    if (ledger === undefined) {
      if (this.nodes.length === this.width) this.widen();
      ledger = new NodeLedger(node, this.nodes.length, this.width);
      this.nodes.push(ledger);
      this.slots.set(node, ledger);
      if ((node & 0xffff) === node) this.smallSlots[node] = ledger;
    }
    return ledger;
  }

  /** The id's ordinal, given on first sight; the per-ordinal lists grow with it. */
  ordinalOf(id: SubmissionId): number {
    let ordinal = this.ordinals.get(id);
    if (ordinal !== undefined) return ordinal;
    ordinal = this.ids.length;
    this.ordinals.set(id, ordinal);
    this.ids.push(id);
    this.payloads.push(undefined);
    const count = ordinal + 1;
    this.submitPosition.extend(count);
    this.submitter.extend(count);
    this.originOrdinal.extend(count);
    this.originIndex.extend(count);
    this.ackPosition.extend(count);
    if (count * this.width > this.stamps.length) {
      this.stamps = grown(this.stamps, count * this.width);
      this.needed = grown(this.needed, count * this.width);
      const ready = new Uint8Array(this.stamps.length / this.width);
      ready.set(this.neededReady);
      this.neededReady = ready;
    }
    return ordinal;
  }

  private submit(event: Extract<HistoryEvent, { type: 'submit' }>): void {
    const node = this.nodeLedger(event.node);
    // Every submit moves the submitter's own clock entry, a repeated id too (as the batch checker counts it).
    node.clock[node.slot] += 1;
    const known = this.ordinals.get(event.id);
    const ordinal = known ?? this.ordinalOf(event.id);
    if (this.submitPosition.data[ordinal] !== 0) return;
    // An id delivered before it was submitted: the batch checkers judge such a history, not this ledger.
    if (known !== undefined && this.anyDelivered(ordinal)) this.inOrder = false;
    this.submitPosition.data[ordinal] = event.i + 1;
    this.submitter.data[ordinal] = event.node;
    this.payloads[ordinal] = event.payload;
    this.submitOrder.push(ordinal);
    const origin = this.originOf(event.node);
    const originLedger = this.origins[origin];
    this.originOrdinal.data[ordinal] = origin;
    this.originIndex.data[ordinal] = originLedger.ordinals.length;
    originLedger.ordinals.push(ordinal);
    originLedger.ownStamps.push(node.clock[node.slot]);
    // The row is still all 0 (only the first submit writes it), and so is the clock past the slots in use.
    const clock = node.clock;
    const row = ordinal * this.width;
    for (let slot = 0; slot < this.nodes.length; slot += 1) this.stamps[row + slot] = clock[slot];
  }

  private anyDelivered(ordinal: number): boolean {
    return this.nodes.some((node) => node.deliveredAt(ordinal) !== 0);
  }

  private originOf(node: NodeId): number {
    let origin = this.originOrdinals.get(node);
    if (origin === undefined) {
      origin = this.origins.length;
      this.originOrdinals.set(node, origin);
      this.origins.push({ node, ordinals: new IntList(), ownStamps: new IntList() });
    }
    return origin;
  }

  private deliver(event: Extract<HistoryEvent, { type: 'deliver' }>): void {
    this.deliverOrdinal(this.nodeLedger(event.node), this.ordinalOf(event.id), event.origin, event.payload, event.i);
  }

  /**
   * Feeds one delivery stored as columns (see HistoryIndex.forEachIndexed), in history order like observe: what
   * observe does with the delivery event that `node`, `record` and `i` make, without that event being built.
   * `recordNumber` names the record, so an id is looked up once per entry rather than once per node.
   */
  observeDelivery(node: NodeId, record: DeliveryRecord, recordNumber: number, i: number): void {
    // The node first, then the id, as deliver does (either order would do: slots and ordinals are independent).
    const ledger = this.smallSlots[node] ?? this.nodeLedger(node);
    const known = recordNumber < this.recordOrdinals.length ? this.recordOrdinals.data[recordNumber] : 0;
    let ordinal = known - 1;
    if (known === 0) {
      ordinal = this.ordinalOf(record.id);
      this.recordOrdinals.extend(recordNumber + 1);
      this.recordOrdinals.data[recordNumber] = ordinal + 1;
    }
    this.deliverOrdinal(ledger, ordinal, record.origin, record.payload, i);
  }

  private deliverOrdinal(node: NodeLedger, ordinal: number, origin: NodeId, payload: string, i: number): void {
    this.deliveries += 1;
    const submitted = this.submitPosition.data[ordinal] !== 0;
    // Causal knowledge: a delivery carries the submission's clock into the node's (repeats and all).
    if (submitted) {
      const clock = node.clock;
      const offset = ordinal * this.width;
      for (let slot = 0; slot < this.nodes.length; slot += 1) {
        const stamp = this.stamps[offset + slot];
        if (stamp > clock[slot]) clock[slot] = stamp;
      }
    }
    const seen = node.sequenceIndex;
    if (ordinal >= seen.length) seen.extend(this.ids.length);
    const earlier = seen.data[ordinal];
    if (earlier !== 0) {
      const firstPosition = node.sequencePositions.data[earlier - 1];
      this.exactlyOnceViolation({ problem: 'duplicate', earlierPosition: firstPosition, deliveryPosition: i });
      return;
    }
    node.sequence.push(ordinal);
    node.sequencePositions.push(i);
    seen.data[ordinal] = node.sequence.length;
    if (!submitted) {
      this.exactlyOnceViolation({ problem: 'created', earlierPosition: -1, deliveryPosition: i });
      return;
    }
    const submitPosition = this.submitPosition.data[ordinal] - 1;
    if (this.submitter.data[ordinal] !== origin || this.payloads[ordinal] !== payload)
      this.exactlyOnceViolation({ problem: 'corrupted', earlierPosition: submitPosition, deliveryPosition: i });
    this.judgeOrder(node, ordinal, submitPosition, i);
  }

  private exactlyOnceViolation(violation: ExactlyOnceFirst): void {
    this.exactlyOnceCounts[violation.problem] += 1;
    this.exactlyOnceFirst ??= violation;
  }

  /** FIFO and causal order for a node's first delivery of a submitted id, then its prefixes move on. */
  private judgeOrder(node: NodeLedger, ordinal: number, submitPosition: number, deliveryPosition: number): void {
    this.orderChecked += 1;
    // Only a submitted id is judged: its origin was set with its submit.
    const origin = this.originOrdinal.data[ordinal];
    const index = this.originIndex.data[ordinal];
    const prefix = node.prefix;
    if (prefix[origin] < index) {
      this.fifoViolations += 1;
      this.fifoFirst ??= this.orderFirst(origin, prefix[origin], submitPosition, deliveryPosition, index);
    }
    const missing = this.firstCausallyMissing(ordinal, node);
    if (missing >= 0) {
      this.causalViolations += 1;
      this.causalFirst ??= this.orderFirst(missing, prefix[missing], submitPosition, deliveryPosition, index);
    }
    // The delivered prefix of the origin grows past this one and whatever was delivered ahead of it.
    const submits = this.origins[origin].ordinals;
    let length = prefix[origin];
    while (length < submits.length && node.deliveredAt(submits.data[length]) !== 0) length += 1;
    prefix[origin] = length;
  }

  private orderFirst(
    origin: number,
    missingIndex: number,
    submitPosition: number,
    deliveryPosition: number,
    submitIndex: number,
  ): OrderFirst {
    const missing = this.origins[origin].ordinals.data[missingIndex];
    return {
      missingPosition: this.submitPosition.data[missing] - 1,
      submitPosition,
      deliveryPosition,
      missingIndex,
      submitIndex,
    };
  }

  /**
   * The first origin (in origin order) of which the node has delivered fewer submissions than the id's causal
   * past holds, or -1. The past of each origin is a prefix of its submissions: those whose own clock entry is at
   * most the id's clock entry for that origin, minus the id itself.
   */
  private firstCausallyMissing(ordinal: number, node: NodeLedger): number {
    const row = ordinal * this.width;
    if (this.neededReady[ordinal] === 0) {
      const own = this.originOrdinals.get(this.submitter.data[ordinal]);
      for (let origin = 0; origin < this.origins.length; origin += 1) {
        const slot = this.slotOf(this.origins[origin].node);
        const count = countAtMost(this.origins[origin].ownStamps, this.stamps[row + slot]);
        this.needed[row + origin] = count - (origin === own ? 1 : 0);
      }
      this.neededReady[ordinal] = 1;
    }
    // Origins that first submitted after the row was filled are needed 0 times: the id cannot know of them.
    for (let origin = 0; origin < this.origins.length; origin += 1) {
      if (node.prefix[origin] < this.needed[row + origin]) return origin;
    }
    return -1;
  }

  private slotOf(node: NodeId): number {
    const ledger = this.slots.get(node);
    invariant(ledger !== undefined, `node ${node} has no ledger`);
    return ledger.slot;
  }

  /** Doubles the width of the vector clocks and origin rows, for a node beyond it. */
  private widen(): void {
    const width = this.width * 2;
    const rows = this.stamps.length / this.width;
    const relaid = (flat: Int32Array): Int32Array => {
      const wider = new Int32Array(rows * width);
      for (let row = 0; row < rows; row += 1)
        wider.set(flat.subarray(row * this.width, (row + 1) * this.width), row * width);
      return wider;
    };
    this.stamps = relaid(this.stamps);
    this.needed = relaid(this.needed);
    for (const node of this.nodes) {
      node.clock = grown(node.clock, width);
      node.prefix = grown(node.prefix, width);
    }
    this.width = width;
  }
}

/** How many entries of an ascending list are at most `value` (a binary search). */
function countAtMost(sorted: IntList, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted.data[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A copy of `array` at least `length` long (doubling), the rest 0. */
function grown(array: Int32Array, length: number): Int32Array {
  let capacity = Math.max(array.length, 1);
  while (capacity < length) capacity *= 2;
  const copy = new Int32Array(capacity);
  copy.set(array);
  return copy;
}

/** What an online checker needs besides the ledger when it gives its verdict at the end of a run. */
export interface LedgerEnd {
  /** Every node of the history, declared or seen acting (in any event), ascending. */
  nodes: readonly NodeId[];
  /** Virtual time of the last event. */
  endMs: number;
  /** The event at history position `i` (asked only for the few events a verdict shows as evidence). */
  eventAt(i: number): HistoryEvent;
}

/** The ledger of a finished history: one pass over its index, shared by every checker that judges it. */
export const historyLedger = memoized((history: History): CheckLedger => {
  const index = historyIndex(history);
  const ledger = new CheckLedger(history.nodes);
  // Deliveries straight from the column store when there is one: no event object per delivery is built.
  index.forEachIndexed(
    (event) => ledger.observe(event),
    (node, record, recordNumber, i) => ledger.observeDelivery(node, record, recordNumber, i),
  );
  return ledger;
});

export function historyEnd(history: History): LedgerEnd {
  return { nodes: nodesOf(history), endMs: endTimeMs(history), eventAt: (i) => eventAtPosition(history, i) };
}

/** The event whose `i` is `i`: at that index when positions are indices (a recorded history), else searched for. */
function eventAtPosition(history: History, i: number): HistoryEvent {
  const direct = history.events[i] as HistoryEvent | undefined;
  if (direct?.i === i) return direct;
  const found = historyIndex(history).events.find((event) => event.i === i);
  invariant(found !== undefined, `no event at position ${i}`);
  return found;
}

/**
 * A checker's verdict on a finished history: judged from the ledger (the online form) when the history allows it,
 * else by the batch form, which reads the history as a whole. Both give the same verdict where both apply
 * (src/check/online.test.ts holds them to it).
 */
export function judged(
  history: History,
  batch: (history: History) => Verdict,
  online: (ledger: CheckLedger, end: LedgerEnd) => Verdict,
): Verdict {
  const ledger = historyLedger(history);
  return ledger.inOrder ? online(ledger, historyEnd(history)) : batch(history);
}

/** A checker that can also judge from a ledger (every shipped checker can; streaming mode needs it). */
export interface OnlineChecker extends Checker {
  judgeOnline(ledger: CheckLedger, end: LedgerEnd): Verdict;
  /** The batch form, which reads the whole history (what `check` falls back to; tests compare the two). */
  judgeBatch(history: History): Verdict;
}
