import { afterAll, describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../../src/core/node.ts';
import { Holdback, type OrderKey } from '../../src/protocols/isis/holdback.ts';
import { isis } from '../../src/protocols/isis/index.ts';
import { differentialSearch, withPlantedBug, type PlantedSwitch } from './differential.ts';

/**
 * Planted bug: the ISIS holdback queue orders by final timestamp alone, so two messages that end with the same
 * timestamp sit in whatever order they arrived, which differs between nodes. The real queue breaks ties by
 * (proposer, submission id).
 */
const planted: PlantedSwitch = { on: false };
type Positioned = { entries(): readonly { key: OrderKey }[] };
const prototype = Holdback.prototype as unknown as Record<string, (this: Positioned, key: OrderKey) => number>;
const realPositionOf = prototype.positionOf;

function timestampOnlyPosition(this: Positioned, key: OrderKey): number {
  const sorted = this.entries();
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle].key.ts < key.ts) low = middle + 1;
    else high = middle;
  }
  return low;
}

prototype.positionOf = function positionOf(this: Positioned, key: OrderKey): number {
  return planted.on ? timestampOnlyPosition.call(this, key) : realPositionOf.call(this, key);
};
afterAll(() => {
  prototype.positionOf = realPositionOf;
});

describe('the property search catches an ISIS holdback queue with a non-unique tie-break', () => {
  it('finds nodes that disagree on the order where the real tie-break keeps one', () => {
    const original = isis as unknown as ProtocolDefinition;
    const mutant = withPlantedBug(original, planted, 'mutant-isis-tie-break');
    const finding = differentialSearch({
      mutant,
      original,
      faults: ['none'],
      properties: ['total-order'],
      runs: 500,
      seed: 42,
    });
    expect(finding, 'the tie-break mutant escaped 500 schedules').not.toBeNull();
    expect(finding!.property).toBe('total-order');
  });
});
