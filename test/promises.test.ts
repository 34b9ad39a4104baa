import { describe, expect, it } from 'vitest';
import { FAULT_CLASSES, PROPERTIES, type FaultClass, type Property } from '../src/core/promises.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { formatVerdict } from '../src/report/text.ts';
import { describeAction, runScenario } from '../src/scenarios/index.ts';
import { searchViolation, type Violation } from '../src/search/index.ts';

/**
 * Every protocol is held to its promise table: what it promises holds over a few hundred generated schedules per
 * fault class, and what the table says the documented design breaks, property search does break.
 */
const RUNS_PER_FAULT_CLASS = 200;
const RUNS_TO_FIND_MAX = 1_000;
/**
 * A known weakness needs to be shown, and its shrunk case to replay, not shrunk to the last step (test/regressions
 * keeps well-shrunk ones): so the shrink budget is below the search's default (1000). A failing case of a liveness
 * property runs its liveness phase to the bound on every shrink attempt (for raft about 50 s of heartbeats), so
 * it gets less still. What is found does not change; only how far it is shrunk.
 */
const SHRINK_RUNS_WEAKNESS = { safety: 100, liveness: 25 };
const LIVENESS: readonly string[] = ['eventual-delivery', 'durability'];
const NODES = 3;

function explain(violation: Violation): string {
  const steps = violation.shrunk.scenario.steps.map((step) => `    ${step.atMs} ms: ${describeAction(step.action)}`);
  return [
    `seed ${violation.shrunk.seed}, ${violation.shrinks} shrinks:`,
    ...steps,
    formatVerdict(violation.verdict),
  ].join('\n');
}

function promisedUnder(protocol: (typeof PROTOCOLS)[number], fault: FaultClass): Property[] {
  return PROPERTIES.filter((property) => protocol.promises[property]?.holds.includes(fault));
}

for (const protocol of PROTOCOLS) {
  describe(`${protocol.name}: promises hold`, () => {
    for (const fault of FAULT_CLASSES) {
      const properties = promisedUnder(protocol, fault);
      if (properties.length === 0) continue;
      it(`${properties.join(', ')} under ${fault} (${RUNS_PER_FAULT_CLASS} runs)`, () => {
        const result = searchViolation({
          protocol: protocol.name,
          nodes: NODES,
          faults: [fault],
          properties,
          runs: RUNS_PER_FAULT_CLASS,
          seed: 20261121,
        });
        if (result.violation !== null) expect.fail(`broken promise:\n${explain(result.violation)}`);
        expect(result.runs).toBe(RUNS_PER_FAULT_CLASS);
      });
    }
  });

  // A protocol that breaks nothing it promises (raft, the reference) has no weaknesses to show.
  const knownWeaknesses = PROPERTIES.some((property) => (protocol.promises[property]?.breaks ?? []).length > 0);
  if (!knownWeaknesses) continue;
  describe(`${protocol.name}: known weaknesses are shown`, () => {
    for (const property of PROPERTIES) {
      for (const fault of protocol.promises[property]?.breaks ?? []) {
        it(`${property} breaks under ${fault}`, () => {
          const result = searchViolation({
            protocol: protocol.name,
            nodes: NODES,
            faults: [fault],
            properties: [property],
            runs: RUNS_TO_FIND_MAX,
            seed: 20261121,
            shrinkRunsMax: LIVENESS.includes(property) ? SHRINK_RUNS_WEAKNESS.liveness : SHRINK_RUNS_WEAKNESS.safety,
          });
          if (result.violation === null)
            expect.fail(`no ${property} violation under ${fault} in ${RUNS_TO_FIND_MAX} runs`);
          const { shrunk, result: run, verdict } = result.violation;
          expect(verdict.checker).toBe(property);
          // The shrunk schedule replays to the same violation and the same history.
          const replay = runScenario(shrunk.scenario, { seed: shrunk.seed });
          expect(replay.hash).toBe(run.hash);
          expect(replay.verdicts.find((candidate) => candidate.checker === property)?.status).toBe('fail');
        });
      }
    }
  });
}

describe('promise tables', () => {
  it('never list a fault class as both held and broken', () => {
    for (const protocol of PROTOCOLS) {
      for (const property of PROPERTIES) {
        const entry = protocol.promises[property];
        const both = entry?.holds.filter((fault) => entry.breaks?.includes(fault)) ?? [];
        expect(both, `${protocol.name} ${property}`).toEqual([]);
      }
    }
  });
});
