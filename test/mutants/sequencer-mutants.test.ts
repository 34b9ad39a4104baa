import { describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../../src/core/node.ts';
import type { FaultClass } from '../../src/core/promises.ts';
import { sequencer } from '../../src/protocols/sequencer/index.ts';
import { describeAction } from '../../src/scenarios/index.ts';
import { differentialSearch, distinguishingProperty } from './differential.ts';
import { acceptsAnyCoordinator, redeliversLogAfterRestart, reusesSeqAfterFailover } from './sequencer-mutants.ts';

const original = sequencer as unknown as ProtocolDefinition;
const ALL = [
  'total-order',
  'exactly-once',
  'causal-order',
  'fifo-order',
  'election-safety',
  'eventual-delivery',
  'durability',
];

const cases: Array<{ mutant: ProtocolDefinition; faults: FaultClass[] }> = [
  { mutant: reusesSeqAfterFailover, faults: ['crash', 'crash-restart'] },
  { mutant: redeliversLogAfterRestart, faults: ['crash-restart'] },
  { mutant: acceptsAnyCoordinator, faults: ['partition', 'delay', 'loss', 'crash-restart'] },
];

describe('the property search catches every sequencer mutant', () => {
  for (const { mutant, faults } of cases) {
    it(`${mutant.name} (faults ${faults.join(', ')})`, () => {
      const finding = differentialSearch({ mutant, original, faults, properties: ALL, runs: 1_000, seed: 42 });
      expect(finding, `${mutant.name} escaped 1000 generated schedules`).not.toBeNull();
      // The shrunk schedule still tells the two apart on replay.
      expect(
        distinguishingProperty(finding!.shrunk, {
          mutant,
          original,
          faults,
          properties: [finding!.property],
          runs: 1,
          seed: 0,
        }),
      ).toBe(finding!.property);
      console.log(
        `${mutant.name}: ${finding!.property} after ${finding!.runsToFind} runs, ${finding!.shrunk.scenario.steps.length} steps:\n` +
          finding!.shrunk.scenario.steps.map((step) => `  ${step.atMs} ms ${describeAction(step.action)}`).join('\n'),
      );
    });
  }
});
