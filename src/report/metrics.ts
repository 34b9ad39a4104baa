import type { DropReason, History, MessageRef } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { messageTypeOf, nodeIntervals, runEndMs, type Interval } from './intervals.ts';

/** Quantiles of a set of latencies, by the nearest-rank method (every value reported is one that occurred). */
export interface LatencyStats {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One delivery and how long after its submission it came. */
export interface DeliveryLatency {
  /** The deliver event's position in the history. */
  i: number;
  node: NodeId;
  id: SubmissionId;
  origin: NodeId;
  submitMs: number;
  deliverMs: number;
  latencyMs: number;
}

export interface MessageCounts {
  sends: number;
  submits: number;
  /** Sends per submitted message; null without submissions. */
  perSubmit: number | null;
  /** By the body's `type` field (untyped bodies count as "(untyped)"), most sent first. */
  byType: Array<{ type: string; sends: number; perSubmit: number | null }>;
}

export interface Election {
  i: number;
  atMs: number;
  node: NodeId;
  role: 'leader' | 'primary';
  term: number | null;
}

export interface NodeDowntime {
  node: NodeId;
  crashes: number;
  downMs: number;
  pauses: number;
  pausedMs: number;
  /** False when the node was down at the end of the run. */
  upAtEnd: boolean;
}

export interface RunMetrics {
  durationMs: number;
  deliveries: number;
  latency: { overall: LatencyStats | null; byNode: Record<string, LatencyStats | null> };
  messages: MessageCounts;
  elections: Election[];
  /** Null for protocols that never announce a leader or primary. */
  leaderless: { totalMs: number; intervals: Interval[] } | null;
  downtime: NodeDowntime[];
  drops: { total: number; byReason: Partial<Record<DropReason, number>> };
  /** Copies the network made, and receives of a message already received once (by the same node). */
  duplicates: { total: number; receivedAgain: number };
  /** Messages neither received nor dropped by the end (still on the wire, or held). */
  inFlightAtEnd: number;
}

/** Virtual times are in ms with microsecond steps; rounding keeps 3.011 - 3.000 from printing as 0.01100000001. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The nearest-rank quantile: the smallest value with at least q of the values at or below it. */
export function quantile(sortedAscending: readonly number[], q: number): number {
  if (sortedAscending.length === 0) throw new RangeError('the quantile of no values is undefined');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`a quantile lies in [0, 1], got ${q}`);
  const rank = Math.max(1, Math.ceil(q * sortedAscending.length));
  return sortedAscending[rank - 1];
}

export function latencyStats(values: readonly number[]): LatencyStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    meanMs: roundMs(sum / sorted.length),
    p50Ms: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1],
  };
}

/** Submit -> deliver time for every delivery whose submission is in the history, in history order. */
export function deliveryLatencies(history: History): DeliveryLatency[] {
  const submittedMs = new Map<SubmissionId, number>();
  const latencies: DeliveryLatency[] = [];
  for (const event of history.events) {
    if (event.type === 'submit') submittedMs.set(event.id, event.t);
    if (event.type !== 'deliver') continue;
    const submitMs = submittedMs.get(event.id);
    if (submitMs === undefined) continue;
    latencies.push({
      i: event.i,
      node: event.node,
      id: event.id,
      origin: event.origin,
      submitMs,
      deliverMs: event.t,
      latencyMs: roundMs(event.t - submitMs),
    });
  }
  return latencies;
}

export function messageCounts(history: History): MessageCounts {
  let sends = 0;
  let submits = 0;
  const byType = new Map<string, number>();
  for (const event of history.events) {
    if (event.type === 'submit') submits += 1;
    if (event.type !== 'send') continue;
    sends += 1;
    const type = messageTypeOf(event.body) ?? '(untyped)';
    byType.set(type, (byType.get(type) ?? 0) + 1);
  }
  const per = (count: number): number | null => (submits === 0 ? null : Math.round((count / submits) * 100) / 100);
  return {
    sends,
    submits,
    perSubmit: per(sends),
    byType: [...byType]
      .sort(([typeA, a], [typeB, b]) => b - a || typeA.localeCompare(typeB))
      .map(([type, count]) => ({ type, sends: count, perSubmit: per(count) })),
  };
}

/** Every announcement of a node taking the lead (as leader or primary), in order. */
export function elections(history: History): Election[] {
  const found: Election[] = [];
  for (const event of history.events) {
    if (event.type !== 'announce') continue;
    if (event.role !== 'leader' && event.role !== 'primary') continue;
    found.push({ i: event.i, atMs: event.t, node: event.node, role: event.role, term: event.term ?? null });
  }
  return found;
}

/**
 * The stretches of the run during which no node that is up believes it leads (by its own latest announcement),
 * from time 0 to the end. Null when no node ever announced itself leader or primary.
 */
export function leaderlessTime(history: History): { totalMs: number; intervals: Interval[] } | null {
  if (elections(history).length === 0) return null;
  const leading = new Set<NodeId>();
  const intervals: Interval[] = [];
  let since: number | null = 0;
  for (const event of history.events) {
    if (event.type === 'announce') {
      if (event.role === 'leader' || event.role === 'primary') leading.add(event.node);
      else leading.delete(event.node);
    } else if (event.type === 'crash') leading.delete(event.node);
    else continue;
    if (leading.size === 0 && since === null) since = event.t;
    if (leading.size > 0 && since !== null) {
      if (event.t > since) intervals.push({ startMs: since, endMs: event.t, closed: true });
      since = null;
    }
  }
  const endMs = runEndMs(history);
  if (since !== null && endMs > since) intervals.push({ startMs: since, endMs, closed: false });
  const totalMs = roundMs(intervals.reduce((total, interval) => total + interval.endMs - interval.startMs, 0));
  return { totalMs, intervals };
}

/** Per node: crashes and time down (crash -> restart, or to the end), pauses and time paused. */
export function downtime(history: History): NodeDowntime[] {
  const intervals = nodeIntervals(history);
  return history.nodes.map((node) => {
    const down = intervals.filter((interval) => interval.node === node && interval.kind === 'down');
    const paused = intervals.filter((interval) => interval.node === node && interval.kind === 'paused');
    const total = (list: Interval[]): number =>
      roundMs(list.reduce((sum, interval) => sum + interval.endMs - interval.startMs, 0));
    return {
      node,
      crashes: down.length,
      downMs: total(down),
      pauses: paused.length,
      pausedMs: total(paused),
      upAtEnd: down.every((interval) => interval.closed),
    };
  });
}

export function dropsByReason(history: History): { total: number; byReason: Partial<Record<DropReason, number>> } {
  const byReason: Partial<Record<DropReason, number>> = {};
  let total = 0;
  for (const event of history.events) {
    if (event.type !== 'drop') continue;
    total += 1;
    byReason[event.reason] = (byReason[event.reason] ?? 0) + 1;
  }
  return { total, byReason };
}

export function duplicates(history: History): { total: number; receivedAgain: number } {
  const { duplicates: total, receivedAgain } = flightTallies(history);
  return { total, receivedAgain };
}

/** Received or dropped copies of one message, packed in one number: receives below this, drops times it above. */
const DROP_UNIT = 2 ** 26;

/**
 * What computeMetrics needs of the messages' fates, in one pass with one number per message: duplications made,
 * receives past the first, and messages neither received nor dropped by the end. messageFlights gives the same
 * figures but keeps an object per message, which a run of millions of messages (a protocol that floods the
 * network until the event bound stops it) cannot afford.
 */
export function flightTallies(history: History): { duplicates: number; receivedAgain: number; inFlightAtEnd: number } {
  const fates = new Map<MessageRef, number>();
  let duplicates = 0;
  for (const event of history.events) {
    if (event.type === 'send') fates.set(event.msg, 0);
    else if (event.type === 'receive' || event.type === 'drop' || event.type === 'duplicate') {
      const fate = fates.get(event.msg);
      if (fate === undefined) continue;
      if (event.type === 'receive') fates.set(event.msg, fate + 1);
      else if (event.type === 'drop') fates.set(event.msg, fate + DROP_UNIT);
      else duplicates += 1;
    }
  }
  let receivedAgain = 0;
  let inFlightAtEnd = 0;
  for (const fate of fates.values()) {
    const receives = fate % DROP_UNIT;
    if (receives > 1) receivedAgain += receives - 1;
    if (fate === 0) inFlightAtEnd += 1;
  }
  return { duplicates, receivedAgain, inFlightAtEnd };
}

export function computeMetrics(history: History): RunMetrics {
  const latencies = deliveryLatencies(history);
  const byNode: Record<string, LatencyStats | null> = {};
  for (const node of history.nodes) {
    byNode[node] = latencyStats(
      latencies.filter((latency) => latency.node === node).map((latency) => latency.latencyMs),
    );
  }
  const tallies = flightTallies(history);
  return {
    durationMs: runEndMs(history),
    deliveries: history.events.filter((event) => event.type === 'deliver').length,
    latency: { overall: latencyStats(latencies.map((latency) => latency.latencyMs)), byNode },
    messages: messageCounts(history),
    elections: elections(history),
    leaderless: leaderlessTime(history),
    downtime: downtime(history),
    drops: dropsByReason(history),
    duplicates: { total: tallies.duplicates, receivedAgain: tallies.receivedAgain },
    inFlightAtEnd: tallies.inFlightAtEnd,
  };
}

/**
 * How many of `timesMs` fall in each of `buckets` equal slices of [startMs, endMs] (the last slice includes its
 * end). Bounded by `buckets`, whatever the number of times.
 */
export function bucketCounts(timesMs: readonly number[], startMs: number, endMs: number, buckets: number): number[] {
  if (!Number.isInteger(buckets) || buckets < 1)
    throw new RangeError(`buckets must be a whole number >= 1, got ${buckets}`);
  const counts = new Array<number>(buckets).fill(0);
  const spanMs = Math.max(endMs - startMs, Number.EPSILON);
  for (const timeMs of timesMs) {
    if (timeMs < startMs || timeMs > endMs) continue;
    counts[Math.min(buckets - 1, Math.floor(((timeMs - startMs) / spanMs) * buckets))] += 1;
  }
  return counts;
}
