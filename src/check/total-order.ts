import type { History } from '../core/history.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import { type CheckLedger, judged, type LedgerEnd, type NodeLedger, type OnlineChecker } from './ledger.ts';
import { failVerdict, passVerdict, type Verdict } from './verdict.ts';
import { type DeliverEvent, fatesOf, firstDeliveriesByNode, type NodeFate, nodeFates, plural } from './views.ts';

interface PairwiseConflict {
  /** Node `first` delivered `earlier` then `later`; node `second` delivered them the other way round. */
  first: NodeId;
  second: NodeId;
  evidence: DeliverEvent[];
  earlierId: SubmissionId;
  laterId: SubmissionId;
}

interface PairwiseResult {
  conflict: PairwiseConflict | null;
  conflictingPairs: number;
  nodePairs: number;
  commonDeliveries: number;
}

/**
 * Walks one node's sequence through the other's position map: the ids both delivered must appear at increasing
 * positions. The first one that falls below the highest position seen so far is a reversed pair. O(length).
 */
function comparePair(
  firstNode: NodeId,
  firstSequence: readonly DeliverEvent[],
  secondNode: NodeId,
  secondSequence: readonly DeliverEvent[],
  secondPositions: ReadonlyMap<SubmissionId, number>,
): { conflict: PairwiseConflict | null; common: number } {
  let highest = -1;
  let highestEvent: DeliverEvent | null = null;
  let common = 0;
  for (const event of firstSequence) {
    const position = secondPositions.get(event.id);
    if (position === undefined) continue;
    common += 1;
    if (highestEvent !== null && position < highest) {
      const conflict: PairwiseConflict = {
        first: firstNode,
        second: secondNode,
        earlierId: highestEvent.id,
        laterId: event.id,
        evidence: [highestEvent, event, secondSequence[position], secondSequence[highest]],
      };
      return { conflict, common };
    }
    highest = position;
    highestEvent = event;
  }
  return { conflict: null, common };
}

/**
 * The common case in linear time: when every sequence is a prefix of the longest one, no two sequences disagree,
 * and two sequences share exactly the shorter one's ids (first deliveries never repeat an id). Returns null when
 * some sequence strays from the longest, and the pairwise walk must find out which pairs disagree.
 */
function prefixChain(sequences: ReadonlyMap<NodeId, DeliverEvent[]>): PairwiseResult | null {
  let reference: readonly DeliverEvent[] = [];
  for (const sequence of sequences.values()) if (sequence.length > reference.length) reference = sequence;
  for (const sequence of sequences.values()) {
    for (let index = 0; index < sequence.length; index += 1)
      if (sequence[index].id !== reference[index].id) return null;
  }
  // Sum over all pairs of the shorter length: the k-th shortest is the shorter one in (count - 1 - k) pairs.
  const lengths = [...sequences.values()].map((sequence) => sequence.length).sort((a, b) => a - b);
  let commonDeliveries = 0;
  lengths.forEach((length, rank) => (commonDeliveries += length * (lengths.length - 1 - rank)));
  const nodePairs = (lengths.length * (lengths.length - 1)) / 2;
  return { conflict: null, conflictingPairs: 0, nodePairs, commonDeliveries };
}

/** Every pair of nodes walked against each other: quadratic in nodes, so only when the prefix chain fails. */
function pairwise(sequences: ReadonlyMap<NodeId, DeliverEvent[]>): PairwiseResult {
  const nodes = [...sequences.keys()];
  const positions = new Map<NodeId, Map<SubmissionId, number>>();
  for (const [node, sequence] of sequences) {
    positions.set(node, new Map(sequence.map((event, index) => [event.id, index])));
  }
  const result: PairwiseResult = { conflict: null, conflictingPairs: 0, nodePairs: 0, commonDeliveries: 0 };
  for (let a = 0; a < nodes.length; a += 1) {
    for (let b = a + 1; b < nodes.length; b += 1) {
      const [first, second] = [nodes[a], nodes[b]];
      const compared = comparePair(
        first,
        sequences.get(first) ?? [],
        second,
        sequences.get(second) ?? [],
        positions.get(second) ?? new Map(),
      );
      result.nodePairs += 1;
      result.commonDeliveries += compared.common;
      if (compared.conflict === null) continue;
      result.conflictingPairs += 1;
      result.conflict ??= compared.conflict;
    }
  }
  return result;
}

interface PrefixConflict {
  node: NodeId;
  /** The longest never-crashed sequence, which every other one must be a prefix of. */
  reference: NodeId;
  position: number;
  evidence: DeliverEvent[];
}

/**
 * Sequences are pairwise prefixes of each other exactly when each one is a prefix of the longest, so comparing
 * every never-crashed node with the longest keeps this linear in the number of deliveries.
 */
function prefixConflict(
  sequences: ReadonlyMap<NodeId, DeliverEvent[]>,
  nodes: readonly NodeId[],
): PrefixConflict | null {
  let longest: NodeId | null = null;
  for (const node of nodes) {
    if (longest === null || (sequences.get(node)?.length ?? 0) > (sequences.get(longest)?.length ?? 0)) longest = node;
  }
  if (longest === null) return null;
  const reference = sequences.get(longest) ?? [];
  for (const node of nodes) {
    const sequence = sequences.get(node) ?? [];
    for (let index = 0; index < sequence.length; index += 1) {
      if (sequence[index].id === reference[index].id) continue;
      return { node, reference: longest, position: index, evidence: [sequence[index], reference[index]] };
    }
  }
  return null;
}

export const totalOrderChecker: OnlineChecker = {
  name: 'total-order',
  kind: 'safety',
  description:
    'Every two nodes deliver the submissions they both delivered in the same relative order (first delivery of ' +
    'each id, across restarts); and, for nodes that never crashed (nor joined late), one delivery sequence is a prefix of the other.',
  check: (history) => judged(history, judgeTotalOrderBatch, judgeTotalOrderOnline),
  judgeOnline: judgeTotalOrderOnline,
  judgeBatch: judgeTotalOrderBatch,
};

function judgeTotalOrderBatch(history: History): Verdict {
  return judgeTotalOrder(history, true);
}

/**
 * The checker, with the linear prefix-chain path on or off; exported so a differential test can hold the fast
 * path to the plain pairwise walk's verdicts.
 */
export function judgeTotalOrder(history: History, prefixFastPath: boolean): Verdict {
  const sequences = firstDeliveriesByNode(history);
  const result = (prefixFastPath ? prefixChain(sequences) : null) ?? pairwise(sequences);
  const fates = nodeFates(history);
  const neverCrashed = neverCrashedNodes(fates);
  const prefix = result.conflict === null ? prefixConflict(sequences, neverCrashed) : null;
  return totalOrderVerdict(result, prefix, neverCrashed.length);
}

function neverCrashedNodes(fates: ReadonlyMap<NodeId, NodeFate>): NodeId[] {
  return [...fates.values()].filter((fate) => fate.crashes === 0 && !fate.joinedLate).map((fate) => fate.node);
}

function totalOrderVerdict(result: PairwiseResult, prefix: PrefixConflict | null, neverCrashedCount: number): Verdict {
  const details = {
    nodePairs: result.nodePairs,
    commonDeliveries: result.commonDeliveries,
    neverCrashedNodes: neverCrashedCount,
  };
  if (result.conflict !== null) {
    const { first, second, earlierId, laterId, evidence } = result.conflict;
    const others = result.conflictingPairs > 1 ? ` (${plural(result.conflictingPairs, 'node pair')} disagree)` : '';
    const summary = `node ${first} delivered ${earlierId} before ${laterId}, node ${second} the reverse${others}`;
    return failVerdict(totalOrderChecker, summary, evidence, {
      form: 'pairwise',
      ...details,
      conflictingPairs: result.conflictingPairs,
    });
  }
  if (prefix !== null) {
    const [low, high] = [prefix.evidence[0], prefix.evidence[1]].sort((a, b) => a.node - b.node);
    const summary =
      `nodes ${low.node} and ${high.node} never crashed, yet their delivery #${prefix.position + 1} ` +
      `differs: ${low.id} at node ${low.node}, ${high.id} at node ${high.node}`;
    return failVerdict(totalOrderChecker, summary, prefix.evidence, { form: 'prefix', ...details });
  }
  const summary =
    `${plural(result.nodePairs, 'node pair')} agree on the order of ` +
    `${plural(result.commonDeliveries, 'common delivery', 'common deliveries')}` +
    `; the ${plural(neverCrashedCount, 'never-crashed node')} form one prefix chain`;
  return passVerdict(totalOrderChecker, summary, details);
}

/**
 * The online form: the same three steps (prefix chain, else the pairwise walk; then the never-crashed prefix
 * check) over the ledger's first-delivery sequences, which hold ordinals and positions rather than events.
 */
function judgeTotalOrderOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  const empty = new LedgerSequence(null);
  const sequences = end.nodes.map((node) => {
    const nodeLedger = ledger.nodes.find((candidate) => candidate.node === node);
    return { node, sequence: nodeLedger === undefined ? empty : new LedgerSequence(nodeLedger) };
  });
  const result = ledgerPrefixChain(sequences) ?? ledgerPairwise(ledger, end, sequences);
  const neverCrashed = neverCrashedNodes(fatesOf(end.nodes, ledger.lifecycle));
  const chained = sequences.filter((entry) => neverCrashed.includes(entry.node));
  const prefix = result.conflict === null ? ledgerPrefixConflict(end, chained) : null;
  return totalOrderVerdict(result, prefix, neverCrashed.length);
}

/** A node's first deliveries in the ledger: ordinals and positions (empty for a node that never delivered). */
class LedgerSequence {
  readonly length: number;
  readonly ordinals: Int32Array;
  readonly positions: Int32Array;

  constructor(readonly ledger: NodeLedger | null) {
    this.length = ledger?.sequence.length ?? 0;
    this.ordinals = ledger?.sequence.data ?? new Int32Array(0);
    this.positions = ledger?.sequencePositions.data ?? new Int32Array(0);
  }

  /** Where the node first delivered `ordinal` in its sequence, or -1. */
  indexOf(ordinal: number): number {
    return (this.ledger?.deliveredAt(ordinal) ?? 0) - 1;
  }
}

type NodeSequence = { node: NodeId; sequence: LedgerSequence };

function ledgerPrefixChain(sequences: readonly NodeSequence[]): PairwiseResult | null {
  let reference: LedgerSequence | null = null;
  for (const { sequence } of sequences)
    if (reference === null || sequence.length > reference.length) reference = sequence;
  for (const { sequence } of sequences) {
    for (let index = 0; index < sequence.length; index += 1)
      if (sequence.ordinals[index] !== reference?.ordinals[index]) return null;
  }
  const lengths = sequences.map(({ sequence }) => sequence.length).sort((a, b) => a - b);
  let commonDeliveries = 0;
  lengths.forEach((length, rank) => (commonDeliveries += length * (lengths.length - 1 - rank)));
  const nodePairs = (lengths.length * (lengths.length - 1)) / 2;
  return { conflict: null, conflictingPairs: 0, nodePairs, commonDeliveries };
}

function ledgerPairwise(ledger: CheckLedger, end: LedgerEnd, sequences: readonly NodeSequence[]): PairwiseResult {
  const result: PairwiseResult = { conflict: null, conflictingPairs: 0, nodePairs: 0, commonDeliveries: 0 };
  for (let a = 0; a < sequences.length; a += 1) {
    for (let b = a + 1; b < sequences.length; b += 1) {
      const [first, second] = [sequences[a], sequences[b]];
      let highest = -1;
      let highestIndex = -1;
      let common = 0;
      let conflict: PairwiseConflict | null = null;
      for (let index = 0; index < first.sequence.length; index += 1) {
        const position = second.sequence.indexOf(first.sequence.ordinals[index]);
        if (position < 0) continue;
        common += 1;
        if (highestIndex >= 0 && position < highest) {
          const at = (sequence: LedgerSequence, k: number) => end.eventAt(sequence.positions[k]) as DeliverEvent;
          conflict = {
            first: first.node,
            second: second.node,
            earlierId: ledger.ids[first.sequence.ordinals[highestIndex]],
            laterId: ledger.ids[first.sequence.ordinals[index]],
            evidence: [
              at(first.sequence, highestIndex),
              at(first.sequence, index),
              at(second.sequence, position),
              at(second.sequence, highest),
            ],
          };
          break;
        }
        highest = position;
        highestIndex = index;
      }
      result.nodePairs += 1;
      result.commonDeliveries += common;
      if (conflict === null) continue;
      result.conflictingPairs += 1;
      result.conflict ??= conflict;
    }
  }
  return result;
}

function ledgerPrefixConflict(end: LedgerEnd, sequences: readonly NodeSequence[]): PrefixConflict | null {
  let longest: NodeSequence | null = null;
  for (const entry of sequences)
    if (longest === null || entry.sequence.length > longest.sequence.length) longest = entry;
  if (longest === null) return null;
  const reference = longest.sequence;
  for (const { node, sequence } of sequences) {
    for (let index = 0; index < sequence.length; index += 1) {
      if (sequence.ordinals[index] === reference.ordinals[index]) continue;
      const evidence = [sequence.positions[index], reference.positions[index]].map(
        (position) => end.eventAt(position) as DeliverEvent,
      );
      return { node, reference: longest.node, position: index, evidence };
    }
  }
  return null;
}
