import { afterAll, describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../../src/core/node.ts';
import { isis } from '../../src/protocols/isis/index.ts';
import { IsisNode } from '../../src/protocols/isis/node.ts';
import { runScenario } from '../../src/scenarios/index.ts';
import { searchViolation } from '../../src/search/index.ts';
import { withPlantedBug, type PlantedSwitch } from './differential.ts';

/**
 * Planted bug: a FINAL does not advance the receiver's Lamport clock, so a node's next proposal can fall below
 * the final timestamp of a message it already delivered, and the new message may be ordered before it elsewhere.
 * With one latency for every link, finals and the requests after them arrive in step and the bug hides; it takes
 * links of unequal, asymmetric speed (a request overtaking a final across another path), which only the per-link
 * latencies of generated worlds provide.
 */
const planted: PlantedSwitch = { on: false };
type Observing = { observe(ts: number): void };
const prototype = IsisNode.prototype as unknown as Record<string, (this: Observing, ...args: unknown[]) => void>;
const realApplyFinal = prototype.applyFinal;

prototype.applyFinal = function applyFinal(this: Observing, ...args: unknown[]): void {
  if (!planted.on) return realApplyFinal.apply(this, args);
  const self = this as unknown as Partial<Observing>;
  self.observe = () => {};
  try {
    realApplyFinal.apply(this, args);
  } finally {
    delete self.observe;
  }
};
afterAll(() => {
  prototype.applyFinal = realApplyFinal;
});

const mutant = withPlantedBug(isis as unknown as ProtocolDefinition, planted, 'mutant-isis-final-clock');
const totalOrder = (scenario: Parameters<typeof runScenario>[0], seed: number) =>
  runScenario({ ...scenario, cluster: { ...scenario.cluster, protocol: mutant } }, { seed }).verdicts.find(
    (verdict) => verdict.checker === 'total-order',
  )?.status;

describe('the property search catches an ISIS final that does not advance the clock', () => {
  it('finds it fault-free in a world of unequal links; the shrunk case needs those links', () => {
    const result = searchViolation({
      protocol: mutant,
      nodes: 3,
      faults: ['none'],
      properties: ['total-order'],
      runs: 1_000,
      seed: 42,
    });
    expect(result.violation, 'the final-clock mutant escaped 1000 fault-free schedules').not.toBeNull();
    const { scenario, seed } = result.violation!.shrunk;
    expect(result.violation!.property).toBe('total-order');
    expect(scenario.links, 'shrinking kept the per-link latencies').toBeDefined();
    expect(totalOrder(scenario, seed)).toBe('fail');
    const { links: _links, ...uniform } = scenario;
    expect(totalOrder(uniform, seed)).toBe('pass');
    // The original keeps total order on the very same case.
    expect(
      runScenario(scenario, { seed, protocol: 'isis' }).verdicts.find((verdict) => verdict.checker === 'total-order')
        ?.status,
    ).toBe('pass');
  });

  it('escapes a search whose worlds have one latency for all links', () => {
    const result = searchViolation({
      protocol: mutant,
      nodes: 3,
      faults: ['none'],
      properties: ['total-order'],
      runs: 500,
      seed: 42,
      linkLatencies: false,
    });
    expect(result.violation).toBeNull();
    expect(result.runs).toBe(500);
  });
});
