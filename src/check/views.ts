import { invariant } from '../core/assert.ts';
import { historyIndex, type EventOf, type History, type HistoryEvent } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';

/**
 * Read-only views of a history that several checkers share. Each is one pass over the events checkers read
 * (`historyIndex`: submits, deliveries, acks and node fates, not the messages and timers that are most of a run).
 */

export type SubmitEvent = EventOf<'submit'>;
export type DeliverEvent = EventOf<'deliver'>;
export type CrashEvent = EventOf<'crash'>;
export type AckEvent = EventOf<'ack'>;

/**
 * Remembers a view per history while the history does not grow, so that checkers run one after another share one
 * pass (a property search runs every checker on every run).
 */
export function memoized<T>(compute: (history: History) => T): (history: History) => T {
  const cache = new WeakMap<History, { length: number; value: T }>();
  return (history) => {
    const cached = cache.get(history);
    if (cached !== undefined && cached.length === history.events.length) return cached.value;
    const value = compute(history);
    cache.set(history, { length: history.events.length, value });
    return value;
  };
}

/** Every node the history mentions, declared or seen acting, ascending. */
export const nodesOf = memoized((history: History): NodeId[] => {
  const nodes = new Set<NodeId>(history.nodes);
  for (const node of historyIndex(history).actingNodes) nodes.add(node);
  return [...nodes].sort((a, b) => a - b);
});

/**
 * A number for every id submitted or delivered, in order of first appearance, so that what a node has delivered
 * can be a flag array rather than a set of strings (the checkers' main cost on long runs).
 */
export const idOrdinals = memoized((history: History): Map<SubmissionId, number> => {
  const ordinals = new Map<SubmissionId, number>();
  for (const event of historyIndex(history).events) {
    if ((event.type === 'submit' || event.type === 'deliver') && !ordinals.has(event.id))
      ordinals.set(event.id, ordinals.size);
  }
  return ordinals;
});

/**
 * Each node's first delivery of each id, in history order, across crashes and restarts. Ordering checkers judge
 * these; a second delivery of the same id is exactly-once's business, not an ordering fact.
 */
export const firstDeliveriesByNode: (history: History) => Map<NodeId, DeliverEvent[]> = memoized(
  (history: History): Map<NodeId, DeliverEvent[]> => {
    const nodes = nodesOf(history);
    const ordinals = idOrdinals(history);
    const sequences = new Map<NodeId, DeliverEvent[]>(nodes.map((node) => [node, []]));
    const seen = new Map<NodeId, Uint8Array>(nodes.map((node) => [node, new Uint8Array(ordinals.size)]));
    for (const event of historyIndex(history).events) {
      if (event.type !== 'deliver') continue;
      const delivered = seen.get(event.node);
      const ordinal = ordinals.get(event.id);
      invariant(delivered !== undefined, `node ${event.node} delivers but nodesOf() missed it`);
      invariant(ordinal !== undefined, `delivered id ${event.id} has no ordinal`);
      if (delivered[ordinal] === 1) continue;
      delivered[ordinal] = 1;
      sequences.get(event.node)?.push(event);
    }
    return sequences;
  },
);

/** The first submit event of every id; the host makes ids unique, so later ones would be a host bug. Read-only. */
export const firstSubmits: (history: History) => Map<SubmissionId, SubmitEvent> = memoized(
  (history: History): Map<SubmissionId, SubmitEvent> => {
    const submits = new Map<SubmissionId, SubmitEvent>();
    for (const event of historyIndex(history).submits) {
      if (!submits.has(event.id)) submits.set(event.id, event);
    }
    return submits;
  },
);

/** The first ack event of every id, in history order. */
export function firstAcks(history: History): Map<SubmissionId, AckEvent> {
  const acks = new Map<SubmissionId, AckEvent>();
  for (const event of historyIndex(history).acks) {
    if (!acks.has(event.id)) acks.set(event.id, event);
  }
  return acks;
}

/** What became of a node by the end of the run. */
export interface NodeFate {
  node: NodeId;
  crashes: number;
  lastCrash: CrashEvent | null;
  /** Never crashed, or its last crash was followed by a restart. */
  upAtEnd: boolean;
  /** Its last pause/resume event is a pause. */
  pausedAtEnd: boolean;
  /** It booted after the run began (a `join` event): like a restarted node, it missed what came before. */
  joinedLate: boolean;
}

/** Callers get the shared map: treat it as read-only. */
export const nodeFates = memoized((history: History): Map<NodeId, NodeFate> =>
  fatesOf(nodesOf(history), historyIndex(history).lifecycle),
);

/** The fates of `nodes` after the lifecycle events (announce, crash, restart, join, pause, resume, phase) given. */
export function fatesOf(nodes: readonly NodeId[], lifecycle: readonly HistoryEvent[]): Map<NodeId, NodeFate> {
  const fates = new Map<NodeId, NodeFate>();
  for (const node of nodes) {
    fates.set(node, { node, crashes: 0, lastCrash: null, upAtEnd: true, pausedAtEnd: false, joinedLate: false });
  }
  for (const event of lifecycle) {
    if (!('node' in event)) continue;
    const fate = fates.get(event.node);
    invariant(fate !== undefined, `node ${event.node} acts but nodesOf() missed it`);
    if (event.type === 'crash') {
      fate.crashes += 1;
      fate.lastCrash = event;
      fate.upAtEnd = false;
    } else if (event.type === 'restart') {
      fate.upAtEnd = true;
    } else if (event.type === 'storage' && event.what === 'refused') {
      // The restart before it never came up: the host found its log damaged before the end and stopped.
      fate.upAtEnd = false;
    } else if (event.type === 'pause') {
      fate.pausedAtEnd = true;
    } else if (event.type === 'resume') {
      fate.pausedAtEnd = false;
    } else if (event.type === 'join') {
      fate.joinedLate = true;
    }
  }
  return fates;
}

/** The nodes a liveness checker holds to account: up and running when the history ends. */
export function targetNodes(fates: ReadonlyMap<NodeId, NodeFate>): NodeId[] {
  return [...fates.values()].filter((fate) => fate.upAtEnd && !fate.pausedAtEnd).map((fate) => fate.node);
}

export function hasLivenessPhase(history: History): boolean {
  return livenessPhaseIn(historyIndex(history).lifecycle);
}

export function livenessPhaseIn(lifecycle: readonly HistoryEvent[]): boolean {
  return lifecycle.some((event) => event.type === 'phase' && event.phase === 'liveness');
}

export const NO_LIVENESS_PHASE_SUMMARY =
  'not judged: the history has no liveness phase, so faults may never have healed and a missing delivery proves nothing';

/** The ids delivered at least once by each node, across its restarts. */
export function deliveredIdsByNode(history: History): Map<NodeId, Set<SubmissionId>> {
  const delivered = new Map<NodeId, Set<SubmissionId>>(nodesOf(history).map((node) => [node, new Set()]));
  for (const event of historyIndex(history).events) {
    if (event.type === 'deliver') delivered.get(event.node)?.add(event.id);
  }
  return delivered;
}

/** Virtual time of the last event, or 0 for an empty history. */
export function endTimeMs(history: History): number {
  const last = history.events[history.events.length - 1];
  return last === undefined ? 0 : last.t;
}

/** "s1, s2, s3 and 4 more": keeps summaries to one line however many ids are involved. */
export function listIds(ids: readonly string[], shownMax = 4): string {
  if (ids.length <= shownMax) return ids.join(', ');
  return `${ids.slice(0, shownMax).join(', ')} and ${ids.length - shownMax} more`;
}

export function plural(count: number, noun: string, nounPlural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nounPlural}`;
}
