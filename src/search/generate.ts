import fc from 'fast-check';
import type { NodeId } from '../core/ids.ts';
import type { JsonObject } from '../core/json.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import type { FaultClass } from '../core/promises.ts';
import { DEFAULT_LINK, type Latency, type LinkConfig } from '../sim/network.ts';
import type { Deviation } from '../sim/strategies.ts';
import { churnArbitrary } from './churn.ts';
import {
  scenario,
  type Action,
  type BatchWindow,
  type CrashPoint,
  type LinkLatency,
  type Scenario,
  type Step,
} from '../scenarios/dsl.ts';

/**
 * Fault schedules and workloads as fast-check arbitraries. Each generated step is plain data, so a failing case
 * prints, saves and replays as a scenario. Shapes are chosen to shrink well: arrays drop steps, times shrink
 * toward the start, node ids toward 1, magnitudes toward the mildest fault.
 */
export interface GenerateOptions {
  /** A shipped protocol's name, or a protocol object (in-process searches only: objects cannot go to workers). */
  protocol: string | ProtocolDefinition;
  nodes: number;
  faults: readonly FaultClass[];
  options?: JsonObject;
  /** Submissions at most (default 20). */
  submissionsMax?: number;
  /** Fault steps at most (default 6). */
  faultsMax?: number;
  /** Steps happen within [0, windowMs] of virtual time (default 20000). */
  windowMs?: number;
  network?: Partial<LinkConfig>;
  /**
   * Swarm testing (as the VOPR does): each case draws its own non-empty subset of `faults`, a weight per class and
   * its own bound on fault steps, so some cases hammer one fault and others mix a few, instead of every case
   * spreading the same mix thin.
   */
  swarm?: boolean;
  /** Whether cases may draw a static latency per directed link (default true); false keeps one network for all. */
  linkLatencies?: boolean;
  /**
   * Who orders the events of each case: 'latency' (the default: latency draws and time order), 'pct' (PCT with a
   * generated seed and depth) or 'drawn' (a generated list of deviations from the default order, which shrinks).
   */
  strategy?: OrderStrategy;
  /**
   * Leader churn (see churn.ts): each case is a chain of episodes that wait for a drawn node to lead and strike it
   * (isolate, crash, tear, pause), with submissions at the struck leader, instead of faults at random times.
   */
  churn?: boolean;
}

export { ORDER_STRATEGIES, isOrderStrategy, type OrderStrategy } from './strategies.ts';
import type { OrderStrategy } from './strategies.ts';

/** The order of a generated case, as data (absent: the default latency order). */
export type CaseOrder = { kind: 'pct'; seed: number; depth: number } | { kind: 'drawn'; deviations: Deviation[] };

/** PCT's k: change points fall among the first this many events of a run. */
export const PCT_STEPS_MAX = 1_000;
/** Drawn deviations fall among the first this many events, at most this many of them. */
export const DRAWN_STEPS_MAX = 1_000;
export const DRAWN_DEVIATIONS_MAX = 12;

/**
 * The event bound of a generated case. A case is a few seconds of virtual time and some tens of submissions:
 * tens of thousands of events even at 64 nodes. A protocol that floods the network (each message answered with
 * more than one) would otherwise run to the simulator's default of 5,000,000 events per case, some 12 s and 1 GB
 * each, and stall a search; at this bound the case stops in about 2 s, its report says it hit the bound, and what
 * the flood broke (usually eventual delivery) is found and shrunk as any violation is.
 */
export const GENERATED_MAX_EVENTS = 1_000_000;

export const GENERATED_NETWORK: Partial<LinkConfig> = {
  latency: { kind: 'uniform', minMs: 5, maxMs: 25 },
  fifo: true,
};

/** A generated case: the scenario and the run seed (both come from fast-check, so its seed fixes everything). */
export interface GeneratedCase {
  scenario: Scenario;
  seed: number;
  order?: CaseOrder;
}

export function caseArbitrary(options: GenerateOptions): fc.Arbitrary<GeneratedCase> {
  const order = orderArbitrary(options.strategy ?? 'latency');
  // The default strategy draws no order at all, so its cases are those of a search without strategies.
  if (order === null) return latencyCaseArbitrary(options);
  return fc
    .record({ generated: latencyCaseArbitrary(options), order })
    .map(({ generated, order: drawn }) => ({ ...generated, order: drawn }));
}

/**
 * PCT: a seed and a depth d from 1 to 3 (the paper finds most bugs at small depth). Drawn: up to
 * DRAWN_DEVIATIONS_MAX deviations, each at a take among the first DRAWN_STEPS_MAX and picking candidate 1 to 7
 * (modulo how many there are); shrinking drops deviations, moves them earlier and picks smaller.
 */
function orderArbitrary(strategy: OrderStrategy): fc.Arbitrary<CaseOrder> | null {
  switch (strategy) {
    case 'latency':
      return null;
    case 'pct':
      return fc
        .record({ seed: fc.integer({ min: 0, max: 0x7fffffff }), depth: fc.integer({ min: 1, max: 3 }) })
        .map(({ seed, depth }): CaseOrder => ({ kind: 'pct', seed, depth }));
    case 'drawn':
      return fc
        .array(fc.record({ at: fc.nat({ max: DRAWN_STEPS_MAX - 1 }), pick: fc.integer({ min: 1, max: 7 }) }), {
          maxLength: DRAWN_DEVIATIONS_MAX,
        })
        .map((deviations): CaseOrder => ({ kind: 'drawn', deviations }));
  }
}

function latencyCaseArbitrary(options: GenerateOptions): fc.Arbitrary<GeneratedCase> {
  return fc
    .record({
      // A churn chain brings its own submissions, at the leaders it strikes.
      workload: options.churn === true ? fc.constant<Step[]>([]) : workloadArbitrary(options),
      links:
        options.linkLatencies === false || options.nodes < 2
          ? fc.constant(undefined)
          : fc.option(linkLatenciesArbitrary(options.nodes), { nil: undefined, freq: 2 }),
      faults: faultsArbitrary(options),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    })
    .map(({ workload, links, faults, seed }) => ({ scenario: buildScenario(options, workload, faults, links), seed }));
}

function faultsArbitrary(options: GenerateOptions): fc.Arbitrary<Step[][]> {
  if (options.churn === true) {
    const churn = { nodes: options.nodes, faults: options.faults };
    const bounded = options.faultsMax === undefined ? churn : { ...churn, episodesMax: options.faultsMax };
    return churnArbitrary(bounded).map((steps) => [steps]);
  }
  return options.swarm === true ? swarmScheduleArbitrary(options) : faultScheduleArbitrary(options);
}

/**
 * A world where each directed link has its own static latency, unequal both ways: bugs that need one message to
 * overtake another across different paths (a proposal that does not advance the receiver's clock in ISIS) show
 * only there. Shrinks toward the uniform network (no links) and toward short, equal latencies.
 */
export function linkLatenciesArbitrary(nodes: number): fc.Arbitrary<LinkLatency[]> {
  const pairs: Array<[NodeId, NodeId]> = [];
  for (let from = 1; from <= nodes; from += 1)
    for (let to = 1; to <= nodes; to += 1) if (from !== to) pairs.push([from, to]);
  const latency = fc.record({ minMs: fc.integer({ min: 1, max: 60 }), spreadMs: fc.integer({ min: 0, max: 40 }) });
  return fc.array(latency, { minLength: pairs.length, maxLength: pairs.length }).map((drawn) =>
    drawn.map(({ minMs, spreadMs }, index): LinkLatency => {
      const [from, to] = pairs[index];
      return { from, to, latency: { kind: 'uniform', minMs, maxMs: minMs + spreadMs } };
    }),
  );
}

function buildScenario(
  options: GenerateOptions,
  workload: Step[],
  faults: Step[][],
  links: LinkLatency[] | undefined,
): Scenario {
  return scenario({
    name: `generated-${typeof options.protocol === 'string' ? options.protocol : options.protocol.name}-${options.faults.join('+') || 'none'}`,
    description: `generated: ${options.nodes} nodes, faults ${options.faults.join(', ') || 'none'}`,
    cluster: {
      protocol: options.protocol,
      nodes: options.nodes,
      ...(options.options ? { options: options.options } : {}),
    },
    network: { ...GENERATED_NETWORK, ...(options.network ?? {}) },
    ...(links === undefined ? {} : { links }),
    timeline: [...numberPayloads(workload), ...faults],
    maxEvents: GENERATED_MAX_EVENTS,
  });
}

/** Payloads name their order of generation, so a shrunk case stays readable ("m1", "m2", ...). */
function numberPayloads(steps: Step[]): Step[] {
  return steps.map((step, index) =>
    step.action.do === 'submit' ? { atMs: step.atMs, action: { ...step.action, payload: `m${index + 1}` } } : step,
  );
}

export function workloadArbitrary(options: GenerateOptions): fc.Arbitrary<Step[]> {
  const windowMs = options.windowMs ?? 20_000;
  const node = nodeArbitrary(options.nodes);
  const single = fc
    .record({ atMs: fc.integer({ min: 0, max: windowMs }), node })
    .map(({ atMs, node: at }): Step[] => [{ atMs, action: { do: 'submit', node: at, payload: '' } }]);
  // A burst: several nodes submit at the same virtual instant (concurrent messages).
  const burst = fc
    .record({
      atMs: fc.integer({ min: 0, max: windowMs }),
      nodes: fc.uniqueArray(node, { minLength: 2, maxLength: Math.max(2, options.nodes) }),
    })
    .map(({ atMs, nodes }): Step[] => nodes.map((at) => ({ atMs, action: { do: 'submit', node: at, payload: '' } })));
  // A rapid series: one node submits several messages a few milliseconds apart (someone typing fast).
  const series = fc
    .record({
      atMs: fc.integer({ min: 0, max: windowMs }),
      node,
      count: fc.integer({ min: 2, max: 5 }),
      gapMs: fc.integer({ min: 0, max: 50 }),
    })
    .map(({ atMs, node: at, count, gapMs }): Step[] =>
      Array.from({ length: count }, (_, index) => ({
        atMs: atMs + index * gapMs,
        action: { do: 'submit', node: at, payload: '' },
      })),
    );
  const groups =
    options.nodes >= 2
      ? fc.oneof({ weight: 3, arbitrary: single }, { weight: 1, arbitrary: burst }, { weight: 1, arbitrary: series })
      : fc.oneof({ weight: 3, arbitrary: single }, { weight: 1, arbitrary: series });
  return fc
    .array(groups, { minLength: 1, maxLength: options.submissionsMax ?? 20 })
    .map((steps) => steps.flat().slice(0, options.submissionsMax ?? 20));
}

export function faultScheduleArbitrary(options: GenerateOptions): fc.Arbitrary<Step[][]> {
  const kinds = options.faults.filter((fault) => fault !== 'none');
  if (kinds.length === 0) return fc.constant([]);
  const arbitraries = kinds.map((fault) => faultArbitrary(fault, options));
  return fc.array(fc.oneof(...arbitraries), { minLength: 1, maxLength: options.faultsMax ?? 6 });
}

/** Swarm testing: the classes, their weights and the number of fault steps are drawn per case. */
export function swarmScheduleArbitrary(options: GenerateOptions): fc.Arbitrary<Step[][]> {
  const kinds = options.faults.filter((fault) => fault !== 'none');
  if (kinds.length === 0) return fc.constant([]);
  const faultsMax = options.faultsMax ?? 6;
  const swarm = fc.record({
    chosen: fc.subarray(kinds, { minLength: 1 }),
    weights: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: kinds.length, maxLength: kinds.length }),
    stepsMax: fc.integer({ min: 1, max: faultsMax }),
  });
  return swarm.chain(({ chosen, weights, stepsMax }) => {
    const weighted = chosen.map((fault) => ({
      weight: weights[kinds.indexOf(fault)],
      arbitrary: faultArbitrary(fault, options),
    }));
    return fc.array(fc.oneof(...weighted), { minLength: 1, maxLength: stepsMax });
  });
}

/**
 * Where a generated crash falls: between handlers (none), or at a cut of the commit of the node's next (persisting)
 * batch, which is one handler or, as often, a group commit of a few handlers within a short window (BatchWindow).
 * Cuts reach past a batch's sends to its deliveries and acks.
 */
export function crashPointArbitrary(): fc.Arbitrary<CrashPoint | undefined> {
  const point = fc
    .record({
      handler: handlerArbitrary(),
      cut: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 10 }) },
        { weight: 1, arbitrary: fc.constant<'before-sync'>('before-sync') },
      ),
      batch: batchArbitrary(),
    })
    .map(withBatch);
  return fc.option(point, { nil: undefined, freq: 3 });
}

function handlerArbitrary(): fc.Arbitrary<CrashPoint['handler']> {
  return fc.constantFrom<CrashPoint['handler']>('persisting', 'next');
}

/** A group commit of 2..4 handlers arriving within 1..20 ms (a sync's time), or (as often) a batch of one. */
function batchArbitrary(): fc.Arbitrary<BatchWindow | undefined> {
  const window = fc.record({ handlers: fc.integer({ min: 2, max: 4 }), windowMs: fc.integer({ min: 1, max: 20 }) });
  return fc.option(window, { nil: undefined, freq: 2 });
}

/** The point without a `batch` key when it is a batch of one, so the scenario's source stays as it was. */
function withBatch(point: { handler: CrashPoint['handler']; cut: CrashPoint['cut']; batch?: BatchWindow }): CrashPoint {
  const { batch, ...rest } = point;
  return batch === undefined ? rest : { ...rest, batch };
}

function crashAction(node: NodeId, during: CrashPoint | undefined): Action {
  return during === undefined ? { do: 'crash', node } : { do: 'crash', node, during };
}

function nodeArbitrary(nodes: number): fc.Arbitrary<NodeId> {
  return fc.integer({ min: 1, max: nodes });
}

/** One fault of the class, as the steps that start it and (for windows) end it. */
export function faultArbitrary(fault: FaultClass, options: GenerateOptions): fc.Arbitrary<Step[]> {
  const windowMs = options.windowMs ?? 20_000;
  const atMs = fc.integer({ min: 0, max: windowMs });
  const durationMs = fc.integer({ min: 100, max: 10_000 });
  const node = nodeArbitrary(options.nodes);
  const baseLatency = (options.network?.latency ?? GENERATED_NETWORK.latency ?? DEFAULT_LINK.latency) as Latency;
  const window = (start: number, duration: number, begin: Action, end: Action): Step[] => [
    { atMs: start, action: begin },
    { atMs: start + duration, action: end },
  ];
  switch (fault) {
    case 'none':
      return fc.constant([]);
    case 'delay':
      return fc.oneof(
        fc
          .record({ atMs, durationMs, from: node, to: node, spikeMs: fc.integer({ min: 50, max: 3_000 }) })
          .map((f) =>
            window(
              f.atMs,
              f.durationMs,
              { do: 'link', from: f.from, to: f.to, change: { latency: { kind: 'constant', ms: f.spikeMs } } },
              { do: 'link', from: f.from, to: f.to, change: { latency: baseLatency } },
            ),
          ),
        fc
          .record({ atMs, durationMs, maxMs: fc.integer({ min: 50, max: 1_000 }) })
          .map((f) =>
            window(
              f.atMs,
              f.durationMs,
              { do: 'network', change: { fifo: false, latency: { kind: 'uniform', minMs: 1, maxMs: f.maxMs } } },
              { do: 'network', change: { fifo: true, latency: baseLatency } },
            ),
          ),
        fc
          .record({ atMs, durationMs, node })
          .map((f) => window(f.atMs, f.durationMs, { do: 'pause', node: f.node }, { do: 'resume', node: f.node })),
      );
    case 'loss':
      return fc
        .record({ atMs, durationMs, rate: fc.integer({ min: 5, max: 50 }) })
        .map((f) =>
          window(
            f.atMs,
            f.durationMs,
            { do: 'network', change: { lossRate: f.rate / 100 } },
            { do: 'network', change: { lossRate: 0 } },
          ),
        );
    case 'duplication':
      return fc
        .record({ atMs, durationMs, rate: fc.integer({ min: 5, max: 50 }) })
        .map((f) =>
          window(
            f.atMs,
            f.durationMs,
            { do: 'network', change: { duplicateRate: f.rate / 100 } },
            { do: 'network', change: { duplicateRate: 0 } },
          ),
        );
    case 'crash':
      return fc
        .record({ atMs, node, during: crashPointArbitrary() })
        .map((f): Step[] => [{ atMs: f.atMs, action: crashAction(f.node, f.during) }]);
    case 'crash-restart':
      return fc
        .record({ atMs, durationMs, node, during: crashPointArbitrary() })
        .map((f) => window(f.atMs, f.durationMs, crashAction(f.node, f.during), { do: 'restart', node: f.node }));
    case 'storage':
      return storageFaultArbitrary(options);
    case 'partition':
      return fc.oneof(
        fc
          .record({
            atMs,
            durationMs,
            sides: fc.array(fc.boolean(), { minLength: options.nodes, maxLength: options.nodes }),
          })
          .map((f) => {
            const left = f.sides.flatMap((side, index) => (side ? [index + 1] : []));
            const right = f.sides.flatMap((side, index) => (side ? [] : [index + 1]));
            return window(f.atMs, f.durationMs, { do: 'partition', groups: [left, right] }, { do: 'heal' });
          }),
        fc
          .record({ atMs, durationMs, from: node, to: node })
          .map((f) => window(f.atMs, f.durationMs, { do: 'cut', from: f.from, to: f.to }, { do: 'heal' })),
      );
    case 'clock-drift':
      return fc.oneof(
        fc
          .record({ atMs, node, ppm: fc.integer({ min: -200_000, max: 200_000 }) })
          .map((f): Step[] => [{ atMs: f.atMs, action: { do: 'drift', node: f.node, ppm: f.ppm } }]),
        fc
          .record({ atMs, node, deltaMs: fc.integer({ min: -10_000, max: 10_000 }) })
          .map((f): Step[] => [{ atMs: f.atMs, action: { do: 'clock-step', node: f.node, deltaMs: f.deltaMs } }]),
      );
  }
}

/**
 * Storage faults after TigerBeetle's model, each with the restart that makes the node read its log back: power
 * lost mid-write (a torn last record), a record damaged at rest (the last one reads as torn; an earlier one stops
 * the node for good), a crash before a handler's records were synced (lost writes), and a full disk for a while.
 * (Lost writes of a whole batch are crash points of the crash classes, which draw batches; this class keeps its
 * shape, so it generates the cases it generated before batches existed.)
 */
function storageFaultArbitrary(options: GenerateOptions): fc.Arbitrary<Step[]> {
  const windowMs = options.windowMs ?? 20_000;
  const atMs = fc.integer({ min: 0, max: windowMs });
  const durationMs = fc.integer({ min: 100, max: 10_000 });
  const node = nodeArbitrary(options.nodes);
  return fc.oneof(
    fc.record({ atMs, durationMs, node }).map(({ atMs: start, durationMs: duration, node: at }): Step[] => [
      { atMs: start, action: { do: 'tear', node: at } },
      { atMs: start + duration, action: { do: 'restart', node: at } },
    ]),
    fc.record({ atMs, durationMs, node, fromEnd: fc.integer({ min: 0, max: 4 }) }).map((f): Step[] => [
      { atMs: f.atMs, action: { do: 'corrupt', node: f.node, fromEnd: f.fromEnd } },
      { atMs: f.atMs, action: { do: 'crash', node: f.node } },
      { atMs: f.atMs + f.durationMs, action: { do: 'restart', node: f.node } },
    ]),
    fc.record({ atMs, durationMs, node, handler: handlerArbitrary() }).map((f): Step[] => [
      { atMs: f.atMs, action: { do: 'crash', node: f.node, during: { handler: f.handler, cut: 'before-sync' } } },
      { atMs: f.atMs + f.durationMs, action: { do: 'restart', node: f.node } },
    ]),
    fc.record({ atMs, durationMs, node }).map(({ atMs: start, durationMs: duration, node: at }): Step[] => [
      { atMs: start, action: { do: 'disk-full', node: at } },
      { atMs: start + duration, action: { do: 'disk-ok', node: at } },
      { atMs: start + duration, action: { do: 'restart', node: at } },
    ]),
  );
}
