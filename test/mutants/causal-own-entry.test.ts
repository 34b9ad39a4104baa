import { describe, expect, it, vi } from 'vitest';
import type { ProtocolDefinition } from '../../src/core/node.ts';
import { differentialSearch, withPlantedBug, type PlantedSwitch } from './differential.ts';

/**
 * Planted bug: the causal delivery check ignores the sender's own entry. It still waits for everything else the
 * sender had seen, but no longer for the sender's own earlier messages, so two messages from one sender can be
 * delivered out of order. The real check wants the sender's entry exactly one ahead of ours.
 *
 * The causal node also asserts that every delivery advances its origin by one, which stops this very bug at
 * run time (the search reports it as a protocol error). To test the checkers, the mutant also lacks that
 * assertion, as a codebase without it would.
 */
const planted: PlantedSwitch = vi.hoisted(() => ({ on: false }));
const GUARD = 'a causal delivery must advance its origin by one';

vi.mock('../../src/protocols/causal/vector-clock.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/protocols/causal/vector-clock.ts')>();
  const ignoringOwnEntry = (local: readonly number[], stamp: readonly number[], origin: number): boolean => {
    const own = original.slotOf(origin);
    if (stamp[own] <= local[own]) return false; // still refuses what it already has
    return stamp.every((entry, index) => index === own || entry <= local[index]);
  };
  return {
    ...original,
    isDeliverable: (local: readonly number[], stamp: readonly number[], origin: number) =>
      planted.on ? ignoringOwnEntry(local, stamp, origin) : original.isDeliverable(local, stamp, origin),
  };
});

vi.mock('../../src/core/assert.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/core/assert.ts')>();
  const realInvariant: (condition: unknown, message: string | (() => string)) => void = original.invariant;
  return {
    ...original,
    invariant: (condition: unknown, message: string | (() => string)) => {
      if (planted.on && !condition && (typeof message === 'function' ? message() : message).startsWith(GUARD)) return;
      realInvariant(condition, message);
    },
  };
});

const { causal } = await import('../../src/protocols/causal/index.ts');
const original = causal as unknown as ProtocolDefinition;
const mutant = withPlantedBug(original, planted, 'mutant-causal-own-entry');

describe("the property search catches a causal check that ignores the sender's own entry", () => {
  it("finds one sender's messages delivered out of order where the real check keeps them in order", () => {
    const finding = differentialSearch({
      mutant,
      original,
      faults: ['delay'],
      properties: ['causal-order', 'fifo-order'],
      runs: 500,
      seed: 42,
    });
    expect(finding, 'the own-entry mutant escaped 500 schedules').not.toBeNull();
    expect(['causal-order', 'fifo-order']).toContain(finding!.property);
  });
});
