import { describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../src/core/node.ts';
import { runScenario } from '../src/scenarios/index.ts';
import { searchViolation } from '../src/search/index.ts';
import { probe } from './support/probe.ts';

/** A protocol whose node throws on its third submission: an invariant of its own, broken. */
const fragile: ProtocolDefinition = {
  ...probe,
  name: 'fragile',
  create: () => {
    let submissions = 0;
    return {
      start: () => {},
      message: () => {},
      timer: () => {},
      submit: () => {
        submissions += 1;
        if (submissions === 3) throw new Error('third submission: invariant broken');
      },
      status: () => ({ role: 'peer', delivered: 0 }),
    };
  },
};

describe('property search', () => {
  it('reports a protocol that throws as a protocol-error violation, shrunk to three submissions at one node', () => {
    const result = searchViolation({
      protocol: fragile,
      nodes: 2,
      faults: ['none'],
      properties: ['total-order'],
      runs: 100,
      seed: 3,
    });
    expect(result.violation?.property).toBe('protocol-error');
    expect(result.violation?.verdict.summary).toMatch(/third submission: invariant broken/);
    const submits = result.violation!.shrunk.scenario.steps.filter((step) => step.action.do === 'submit');
    expect(submits).toHaveLength(3);
    const replay = runScenario(result.violation!.shrunk.scenario, { seed: result.violation!.shrunk.seed });
    expect(replay.exitCode).toBe(1);
    expect(replay.protocolError).toMatch(/third submission/);
  });

  it('finds nothing in a protocol that keeps its promises', () => {
    const result = searchViolation({
      protocol: 'sequencer',
      nodes: 3,
      faults: ['none'],
      properties: ['total-order'],
      runs: 50,
      seed: 3,
    });
    expect(result.violation).toBeNull();
    expect(result.runs).toBe(50);
  });
});
