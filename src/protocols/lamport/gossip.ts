import type { NodeId } from '../../core/ids.ts';

/**
 * Up to `count` distinct peers chosen uniformly with the node's seeded stream (a partial Fisher-Yates shuffle),
 * returned in ascending id order so a history reads the same however the choice was drawn.
 */
export function pickPeers(candidates: readonly NodeId[], count: number, random: () => number): NodeId[] {
  const pool = candidates.slice();
  const take = Math.min(count, pool.length);
  for (let index = 0; index < take; index += 1) {
    const other = index + Math.floor(random() * (pool.length - index));
    [pool[index], pool[other]] = [pool[other], pool[index]];
  }
  return pool.slice(0, take).sort((a, b) => a - b);
}
