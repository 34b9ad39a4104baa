import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAULT_CLASSES } from '../src/core/promises.ts';
import { protocolByName } from '../src/protocols/index.ts';
import { scenario, type Scenario } from '../src/scenarios/dsl.ts';
import { ScenarioError } from '../src/scenarios/errors.ts';
import { validateScenario } from '../src/scenarios/validate.ts';
import { caseArbitrary } from '../src/search/index.ts';

const sequencer = protocolByName('sequencer')!;
const sample = (faults: (typeof FAULT_CLASSES)[number][], swarm = false) =>
  fc.sample(caseArbitrary({ protocol: 'sequencer', nodes: 3, faults, swarm }), { numRuns: 200, seed: 7 });

describe('generated worlds', () => {
  it('every fault class generates scenarios the validator accepts', () => {
    for (const fault of FAULT_CLASSES)
      for (const generated of sample([fault]).slice(0, 40)) validateScenario(generated.scenario, sequencer);
  });

  it('crash classes draw crash points, both kinds of handler and every kind of cut', () => {
    const points = sample(['crash-restart']).flatMap((generated) =>
      generated.scenario.steps.flatMap((step) =>
        step.action.do === 'crash' && step.action.during !== undefined ? [step.action.during] : [],
      ),
    );
    expect(new Set(points.map((point) => point.handler))).toEqual(new Set(['next', 'persisting']));
    expect(points.some((point) => point.cut === 'before-sync')).toBe(true);
    expect(new Set(points.map((point) => point.cut)).size).toBeGreaterThan(4);
  });

  it('the storage class tears, corrupts, loses unsynced writes and fills disks, each with a restart', () => {
    const actions = sample(['storage']).flatMap((generated) => generated.scenario.steps.map((step) => step.action));
    const kinds = new Set(
      actions.map((action) =>
        action.do === 'crash' && action.during?.cut === 'before-sync' ? 'lost-write' : action.do,
      ),
    );
    for (const kind of ['tear', 'corrupt', 'lost-write', 'disk-full', 'disk-ok', 'restart'])
      expect(kinds).toContain(kind);
  });

  it('some worlds give each directed link its own latency, unequal each way', () => {
    const withLinks = sample(['none']).filter((generated) => generated.scenario.links !== undefined);
    expect(withLinks.length).toBeGreaterThan(20);
    expect(withLinks.length).toBeLessThan(180);
    const links = withLinks[0].scenario.links!;
    expect(links).toHaveLength(6);
    const unequal = withLinks.some((generated) => {
      const byPair = new Map(
        generated.scenario.links!.map((link) => [`${link.from}>${link.to}`, JSON.stringify(link.latency)]),
      );
      return byPair.get('1>2') !== byPair.get('2>1');
    });
    expect(unequal).toBe(true);
  });

  it('swarm testing draws a subset of the classes per case', () => {
    const classOf = (scenario: Scenario): string[] =>
      scenario.steps.flatMap((step) => {
        const action = step.action.do;
        if (action === 'partition' || action === 'cut' || action === 'heal') return ['partition'];
        if (action === 'network') return ['loss'];
        return [];
      });
    const mixes = sample(['partition', 'loss'], true).map((generated) => new Set(classOf(generated.scenario)));
    expect(mixes.some((mix) => mix.size === 1 && mix.has('partition'))).toBe(true);
    expect(mixes.some((mix) => mix.size === 1 && mix.has('loss'))).toBe(true);
    expect(mixes.some((mix) => mix.size === 2)).toBe(true);
  });
});

describe('the DSL refuses malformed new faults with a message that says what to change', () => {
  const base = { name: 'bad', cluster: { protocol: 'sequencer', nodes: 3 } };
  it('rejects a crash point with a bad cut, a negative fromEnd and a link to itself', () => {
    const badCut = scenario({
      ...base,
      timeline: [{ atMs: 0, action: { do: 'crash', node: 1, during: { handler: 'next', cut: -1 } } }],
    });
    expect(() => validateScenario(badCut, sequencer)).toThrow(/during.cut must be "before-sync" or a whole number/);
    const badFromEnd = scenario({ ...base, timeline: [{ atMs: 0, action: { do: 'corrupt', node: 1, fromEnd: -2 } }] });
    expect(() => validateScenario(badFromEnd, sequencer)).toThrow(ScenarioError);
    const selfLink = scenario({
      ...base,
      links: [{ from: 2, to: 2, latency: { kind: 'constant', ms: 5 } }],
      timeline: [],
    });
    expect(() => validateScenario(selfLink, sequencer)).toThrow(/a link joins two different nodes/);
  });
});
