import { describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../../src/core/node.ts';
import type { FaultClass } from '../../src/core/promises.ts';
import { raft } from '../../src/protocols/raft/index.ts';
import { describeAction } from '../../src/scenarios/index.ts';
import { differentialSearch, distinguishingProperty } from './differential.ts';
import { commitsEarlierTermByCount, forgetsVoteOnRestart, votesWithoutUpToDateCheck } from './raft-mutants.ts';

const original = raft as unknown as ProtocolDefinition;
const ALL = ['total-order', 'exactly-once', 'fifo-order', 'election-safety', 'eventual-delivery', 'durability'];

const cases: Array<{ mutant: ProtocolDefinition; faults: FaultClass[]; nodes: number }> = [
  { mutant: commitsEarlierTermByCount, faults: ['crash-restart', 'partition', 'loss'], nodes: 5 },
  { mutant: votesWithoutUpToDateCheck, faults: ['crash-restart', 'partition', 'loss'], nodes: 3 },
  { mutant: forgetsVoteOnRestart, faults: ['crash-restart'], nodes: 3 },
];

describe('the property search catches every raft mutant', () => {
  for (const { mutant, faults, nodes } of cases) {
    it(`${mutant.name} (faults ${faults.join(', ')}, ${nodes} nodes)`, () => {
      const finding = differentialSearch({ mutant, original, faults, properties: ALL, runs: 1_000, seed: 42, nodes });
      expect(finding, `${mutant.name} escaped 1000 generated schedules`).not.toBeNull();
      expect(distinguishingProperty(finding!.shrunk, { mutant, original, faults, properties: [finding!.property], runs: 1, seed: 0 })).toBe(finding!.property);
      console.log(
        `${mutant.name}: ${finding!.property} after ${finding!.runsToFind} runs, ${finding!.shrunk.scenario.steps.length} steps:\n` +
          finding!.shrunk.scenario.steps.map((step) => `  ${step.atMs} ms ${describeAction(step.action)}`).join('\n'),
      );
    });
  }
});
