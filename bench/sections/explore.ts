import { explore, exploreScenario, type ExploreResult, type ExploreWorkload } from '../../src/explore/index.ts';
import { formatMs, nowMs, timed } from '../measure.ts';
import type { SectionResult } from '../report.ts';
import type { BenchContext } from './common.ts';

interface Workload {
  label: string;
  workload: ExploreWorkload;
  properties: string[];
  depthMax: number;
  quickDepthMax: number;
}

/** Bounds where the property holds, so every search runs to its bound and the three variants compare whole. */
const WORKLOADS: Workload[] = [
  {
    label: 'lamport, 2 submits',
    workload: { protocol: 'lamport', nodes: 3, submits: 2 },
    properties: ['total-order'],
    depthMax: 5,
    quickDepthMax: 4,
  },
  {
    label: 'isis, 2 submits, delivery bound 1 s',
    workload: { protocol: 'isis', nodes: 3, submits: 2, deliveryBoundMs: 1_000 },
    properties: ['total-order'],
    depthMax: 8,
    quickDepthMax: 6,
  },
  {
    label: 'lamport-all-peers, 2 submits',
    workload: { protocol: 'lamport-all-peers', nodes: 3, submits: 2 },
    properties: ['total-order'],
    depthMax: 6,
    quickDepthMax: 4,
  },
  {
    label: 'raft, 2 submits, crash, delivery bound 10 ms',
    workload: { protocol: 'raft', nodes: 3, submits: 2, faults: ['crash'], deliveryBoundMs: 10 },
    properties: ['total-order', 'election-safety'],
    depthMax: 12,
    quickDepthMax: 9,
  },
  {
    label: 'causal, 2 submits, crash',
    workload: { protocol: 'causal', nodes: 3, submits: 2, faults: ['crash'] },
    properties: ['causal-order'],
    depthMax: 30,
    quickDepthMax: 30,
  },
];

/** Transitions at most for the search without fingerprints (a tree search grows fast); past it the row says so. */
const TREE_STATES_MAX = 20_000;

/**
 * Section 7: the exhaustive explorer. Each workload is searched breadth-first three times to the same depth: with
 * fingerprints and the partial-order reduction, with fingerprints only, and as a plain tree search (neither).
 * States explored are re-executions of a prefix (one per transition taken); the reduction factors are the ratios
 * of those counts, and the unique states must agree (the reductions only merge and prune).
 */
export function benchExplore(context: BenchContext): SectionResult {
  const startMs = nowMs();
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const spec of WORKLOADS) {
    context.log(spec.label);
    const depthMax = context.quick ? spec.quickDepthMax : spec.depthMax;
    const scenario = exploreScenario(spec.workload);
    const run = (options: { fingerprints?: boolean; por?: boolean; statesMax?: number }) =>
      timed(() => explore({ scenario, seed: 1, properties: spec.properties, strategy: 'bfs', depthMax, ...options }));
    const full = run({});
    const fingerprintsOnly = run({ por: false });
    const tree = run({ fingerprints: false, por: false, statesMax: TREE_STATES_MAX });
    const rate = (result: { value: ExploreResult; wallMs: number }) =>
      ((result.value.statesExplored / result.wallMs) * 1000).toFixed(0);
    const treeText = tree.value.exhausted ? String(tree.value.statesExplored) : `> ${TREE_STATES_MAX}`;
    rows.push([
      spec.label,
      String(depthMax),
      String(full.value.uniqueStates),
      String(full.value.statesExplored),
      String(fingerprintsOnly.value.statesExplored),
      treeText,
      `${(tree.value.statesExplored / fingerprintsOnly.value.statesExplored).toFixed(2)}x${tree.value.exhausted ? '' : ' (at least)'}`,
      `${(fingerprintsOnly.value.statesExplored / full.value.statesExplored).toFixed(2)}x`,
      rate(full),
      formatMs(full.wallMs),
    ]);
    if (full.value.uniqueStates !== fingerprintsOnly.value.uniqueStates) {
      notes.push(
        `${spec.label}: the reduction saw ${full.value.uniqueStates} unique states, the search without it ${fingerprintsOnly.value.uniqueStates}: a bug in the reduction`,
      );
    }
  }
  return {
    id: 7,
    title: 'Exhaustive exploration (tob-lab explore)',
    method:
      'explore() breadth-first on each workload to the depth shown, three times: fingerprints + partial-order ' +
      'reduction (sleep sets), fingerprints only, and a tree search with neither (capped at ' +
      `${TREE_STATES_MAX} transitions). Each transition is one re-execution of its prefix from the start. The ` +
      'fingerprint factor is tree / fingerprints-only transitions, the reduction factor fingerprints-only / both; ' +
      'states/s is transitions per second with both on.',
    tables: [
      {
        headers: [
          'workload',
          'depth',
          'unique states',
          'transitions (both)',
          'transitions (fingerprints only)',
          'transitions (tree)',
          'fingerprint factor',
          'POR factor',
          'states/s',
          'wall',
        ],
        rows,
      },
    ],
    notes,
    plots: [],
    targets: [],
    wallMs: nowMs() - startMs,
  };
}
