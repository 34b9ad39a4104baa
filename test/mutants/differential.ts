import fc from 'fast-check';
import type { JsonObject } from '../../src/core/json.ts';
import type { ProtocolDefinition } from '../../src/core/node.ts';
import type { LinkConfig } from '../../src/sim/network.ts';
import type { FaultClass } from '../../src/core/promises.ts';
import type { Scenario } from '../../src/scenarios/index.ts';
import { caseArbitrary, type GeneratedCase, type OrderStrategy } from '../../src/search/index.ts';
import { pruneStepsWhile, runGenerated } from '../../src/search/search.ts';

/**
 * Differential property search: a case counts only when the mutant breaks a property that the original protocol
 * keeps on the very same schedule and seed. That ties what the checkers caught to the planted bug rather than to
 * a weakness the documented design already has under the same faults.
 */
export interface DifferentialOptions {
  mutant: ProtocolDefinition;
  original: ProtocolDefinition;
  faults: FaultClass[];
  properties: string[];
  runs: number;
  seed: number;
  nodes?: number;
  /** False: every case has one latency for all links (no per-link latencies drawn). */
  linkLatencies?: boolean;
  /** Who orders each case's events (default 'latency'); both sides of a case run under the same order. */
  strategy?: OrderStrategy;
  /** Bounds of the generated cases (the generator's defaults otherwise: 20 s, 20 submissions, 6 faults). */
  windowMs?: number;
  submissionsMax?: number;
  faultsMax?: number;
  /** Leader-churn worlds (src/search/churn.ts) instead of faults at random times. */
  churn?: boolean;
  /** Protocol options for both sides (say, election timeouts short enough that leaders churn). */
  options?: JsonObject;
  /** Network defaults for the generated cases (say, latencies long enough to widen a race). */
  network?: Partial<LinkConfig>;
}

/** What a case counts as when the mutant trips one of the node's own assertions and the original does not. */
export const INVARIANT = 'invariant';

export interface DifferentialFinding {
  property: string;
  shrunk: GeneratedCase;
  runsToFind: number;
  shrinks: number;
}

function withProtocol(scenario: Scenario, protocol: ProtocolDefinition): Scenario {
  return { ...scenario, cluster: { ...scenario.cluster, protocol } };
}

/** The case on `protocol`, under the case's own order if it has one (a fresh scheduler per run). */
function runOn(generated: GeneratedCase, protocol: ProtocolDefinition) {
  return runGenerated({ ...generated, scenario: withProtocol(generated.scenario, protocol) }).result;
}

/** The first property the mutant breaks and the original keeps on this case, or null. */
export function distinguishingProperty(generated: GeneratedCase, options: DifferentialOptions): string | null {
  const mutant = runOn(generated, options.mutant);
  if (options.properties.includes(INVARIANT) && mutant.protocolError !== null) {
    const original = runOn(generated, options.original);
    if (original.protocolError === null) return INVARIANT;
  }
  for (const property of options.properties) {
    if (mutant.verdicts.find((verdict) => verdict.checker === property)?.status !== 'fail') continue;
    const original = runOn(generated, options.original);
    if (original.verdicts.find((verdict) => verdict.checker === property)?.status === 'pass') return property;
  }
  return null;
}

/** The generator of a differential search: the same cases, in the same order, for the same options and seed. */
function arbitraryOf(options: DifferentialOptions): fc.Arbitrary<GeneratedCase> {
  return caseArbitrary({
    protocol: options.original,
    nodes: options.nodes ?? 3,
    faults: options.faults,
    ...(options.options === undefined ? {} : { options: options.options }),
    ...(options.network === undefined ? {} : { network: options.network }),
    ...(options.linkLatencies === undefined ? {} : { linkLatencies: options.linkLatencies }),
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
    ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    ...(options.submissionsMax === undefined ? {} : { submissionsMax: options.submissionsMax }),
    ...(options.faultsMax === undefined ? {} : { faultsMax: options.faultsMax }),
    ...(options.churn === undefined ? {} : { churn: options.churn }),
  });
}

/**
 * The original alone on the very cases a differential search with these options draws (the same generator and
 * seed, so the same cases in the same order): the first that breaks one of `properties` or trips an assertion of
 * the node's own, unshrunk, or null when all `runs` hold.
 */
export function originalViolation(options: DifferentialOptions): { generated: GeneratedCase; why: string } | null {
  let found: { generated: GeneratedCase; why: string } | null = null;
  const property = fc.property(arbitraryOf(options), (generated) => {
    if (found !== null) return true;
    const result = runOn(generated, options.original);
    const broken = result.verdicts.find(
      (verdict) => options.properties.includes(verdict.checker) && verdict.status === 'fail',
    );
    const why = result.protocolError ?? (broken === undefined ? null : `${broken.checker}: ${broken.summary}`);
    if (why !== null) found = { generated, why };
    return true;
  });
  fc.check(property, { numRuns: options.runs, seed: options.seed });
  return found;
}

export function differentialSearch(options: DifferentialOptions): DifferentialFinding | null {
  let runs = 0;
  let runsToFind = 0;
  let target: string | null = null;
  let shrinkRuns = 0;
  const arbitrary = arbitraryOf(options);
  const property = fc.property(arbitrary, (generated) => {
    if (target !== null && (shrinkRuns += 1) > 500) return true;
    runs += 1;
    const found = distinguishingProperty(generated, {
      ...options,
      properties: target === null ? options.properties : [target],
    });
    if (found !== null && target === null) {
      target = found;
      runsToFind = runs;
    }
    return found === null;
  });
  const details = fc.check(property, { numRuns: options.runs, seed: options.seed });
  if (!details.failed || details.counterexample === null || target === null) return null;
  const pruned = pruneDifferential(details.counterexample[0], { ...options, properties: [target] }, 300);
  return { property: target, shrunk: pruned.shrunk, runsToFind, shrinks: details.numShrinks + pruned.removed };
}

/**
 * After fast-check's shrinking, which keeps or drops a generated fault whole, each step is dropped in turn (last
 * first) while the mutant still breaks the property the original keeps: a leader-churn case strikes every node
 * that might lead, and only the blows that landed stay. Bounded by `runsMax` cases, so it is deterministic.
 */
function pruneDifferential(
  generated: GeneratedCase,
  options: DifferentialOptions,
  runsMax: number,
): { shrunk: GeneratedCase; removed: number } {
  return pruneStepsWhile(generated, (candidate) => distinguishingProperty(candidate, options) !== null, runsMax);
}

/** A switch that planted bugs consult: on only while a mutant node's handler runs. */
export interface PlantedSwitch {
  on: boolean;
}

/**
 * The protocol with every handler of every node run with `planted.on` set, so a bug planted behind the switch
 * (in a shared module or prototype) affects the mutant's nodes and never the original's, within one process.
 */
export function withPlantedBug(protocol: ProtocolDefinition, planted: PlantedSwitch, name: string): ProtocolDefinition {
  const during = <T>(run: () => T): T => {
    planted.on = true;
    try {
      return run();
    } finally {
      planted.on = false;
    }
  };
  return {
    ...protocol,
    name,
    create: (config) => {
      const node = during(() => protocol.create(config));
      return {
        start: (ctx, recovered) => during(() => node.start(ctx, recovered)),
        message: (ctx, from, message) => during(() => node.message(ctx, from, message)),
        timer: (ctx, timerName) => during(() => node.timer(ctx, timerName)),
        submit: (ctx, submission) => during(() => node.submit(ctx, submission)),
        status: () => node.status(),
      };
    },
  };
}
