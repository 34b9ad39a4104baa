import { invariant } from '../core/assert.ts';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import type { RandomStream } from '../core/rng.ts';

/** How long a message takes on a link, in virtual milliseconds. */
export type Latency =
  | { kind: 'constant'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number; floorMs?: number };

export interface LinkConfig {
  latency: Latency;
  /** Probability in [0, 1] that a message is lost. */
  lossRate: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  duplicateRate: number;
  /** FIFO links never reorder (TCP-like); unordered links let a later message overtake (datagram-like). */
  fifo: boolean;
}

export const DEFAULT_LINK: LinkConfig = {
  latency: { kind: 'uniform', minMs: 5, maxMs: 25 },
  lossRate: 0,
  duplicateRate: 0,
  fifo: true,
};

export function validateLatency(latency: Latency): string | null {
  switch (latency.kind) {
    case 'constant':
      return latency.ms >= 0 ? null : 'constant latency needs ms >= 0';
    case 'uniform':
      if (!(latency.minMs >= 0)) return 'uniform latency needs minMs >= 0';
      return latency.maxMs >= latency.minMs ? null : 'uniform latency needs maxMs >= minMs';
    case 'exponential':
      if (!(latency.meanMs > 0)) return 'exponential latency needs meanMs > 0';
      return (latency.floorMs ?? 0) >= 0 ? null : 'exponential latency needs floorMs >= 0';
    default:
      return `unknown latency kind ${JSON.stringify((latency as { kind: unknown }).kind)}`;
  }
}

/** Checks a (partial) link configuration; returns a message naming what to change, or null when it is valid. */
export function validateLink(change: Partial<LinkConfig>): string | null {
  if (change.latency !== undefined) {
    const problem = validateLatency(change.latency);
    if (problem !== null) return problem;
  }
  for (const key of ['lossRate', 'duplicateRate'] as const) {
    const value = change[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) return `${key} must be between 0 and 1, got ${value}`;
  }
  return null;
}

/** A latency drawn from `latency`. Small, so that the simulator's send path inlines it (and boxes no number). */
export function sampleLatency(latency: Latency, random: RandomStream): number {
  if (latency.kind === 'uniform') return latency.minMs + random.next() * (latency.maxMs - latency.minMs);
  return latency.kind === 'constant' ? latency.ms : sampleExponential(latency, random);
}

function sampleExponential(latency: Extract<Latency, { kind: 'exponential' }>, random: RandomStream): number {
  // 1 - u is in (0, 1], so the logarithm is finite.
  const sample = -latency.meanMs * Math.log(1 - random.next());
  return Math.max(latency.floorMs ?? 0, sample);
}

/** Rounds to microseconds so that histories stay readable; the rounding is deterministic. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Partitions and one-way cuts: which directed links are blocked right now, and why. */
export class Reachability {
  private groupOfNode: Map<NodeId, number> | null = null;
  private readonly cuts = new Set<number>();
  private readonly held = new Set<number>();

  partition(groups: readonly (readonly NodeId[])[]): void {
    const groupOfNode = new Map<NodeId, number>();
    groups.forEach((group, index) => {
      for (const node of group) {
        invariant(!groupOfNode.has(node), `node ${node} is in two partition groups`);
        groupOfNode.set(node, index);
      }
    });
    this.groupOfNode = groupOfNode;
  }

  cut(from: NodeId, to: NodeId): void {
    this.cuts.add(linkKey(from, to));
  }

  hold(from: NodeId, to: NodeId): void {
    this.held.add(linkKey(from, to));
  }

  release(from: NodeId, to: NodeId): void {
    this.held.delete(linkKey(from, to));
  }

  isHeld(from: NodeId, to: NodeId): boolean {
    return this.held.size > 0 && this.held.has(linkKey(from, to));
  }

  heldLinks(): Array<[NodeId, NodeId]> {
    return [...this.held].sort((a, b) => a - b).map(splitLinkKey);
  }

  /** Groups, cuts and holds as plain data, for state fingerprints. */
  stateMaterial(): Json {
    const groups = this.groupOfNode === null ? null : [...this.groupOfNode].sort((a, b) => a[0] - b[0]);
    return { groups, cuts: [...this.cuts].sort((a, b) => a - b), held: [...this.held].sort((a, b) => a - b) };
  }

  /** Removes partitions and cuts (holds are released separately, since they keep messages). */
  heal(): void {
    this.groupOfNode = null;
    this.cuts.clear();
  }

  /** Why a message from `from` to `to` cannot pass now, or null when it can. */
  blocked(from: NodeId, to: NodeId): 'partition' | 'cut' | null {
    if (this.groupOfNode !== null) {
      // Nodes named in no group form one more group together.
      const fromGroup = this.groupOfNode.get(from) ?? -1;
      const toGroup = this.groupOfNode.get(to) ?? -1;
      if (fromGroup !== toGroup) return 'partition';
    }
    if (this.cuts.size > 0 && this.cuts.has(linkKey(from, to))) return 'cut';
    return null;
  }
}

/** Directed link as one number; node ids stay far below 2^20 in any run we can simulate. */
export function linkKey(from: NodeId, to: NodeId): number {
  return from * 1_048_576 + to;
}

function splitLinkKey(key: number): [NodeId, NodeId] {
  return [Math.floor(key / 1_048_576), key % 1_048_576];
}
