import { Worker } from 'node:worker_threads';
import { invariant } from '../core/assert.ts';
import type { GeneratedCase } from './generate.ts';
import { protocolByName } from '../protocols/index.ts';
import { ScenarioError } from '../scenarios/errors.ts';
import { runScenario } from '../scenarios/runner.ts';
import { protocolModule, type ProtocolModule } from '../scenarios/user-module.ts';
import { firstViolation, searchViolation, shardIndices, type SearchOptions, type SearchResult } from './search.ts';

export interface WorkerTask {
  options: Omit<SearchOptions, 'onRun' | 'protocol'>;
  /** A shipped protocol by name, or the user's module by path: functions cannot cross to a thread. */
  protocol: string | ProtocolModule;
  indices: number[];
}

export interface WorkerReport {
  index: number;
  violation: { property: string; shrunk: GeneratedCase; shrinks: number; caseSeed: number } | null;
  done?: boolean;
}

/**
 * Run from the TypeScript sources (tests, a checkout without a build), a worker starts through worker-boot.mjs,
 * which registers tsx first; the compiled package starts the compiled worker directly.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./worker-boot.mjs', import.meta.url)
  : new URL('./sweep-worker.js', import.meta.url);

function workerProtocol(protocol: SearchOptions['protocol']): string | ProtocolModule {
  if (typeof protocol === 'string') return protocol;
  if (protocolByName(protocol.name) === protocol) return protocol.name;
  const module = protocolModule(protocol);
  if (module === undefined) {
    throw new ScenarioError(
      `protocol "${protocol.name}" is an object with no module path, and worker threads load protocols by path; ` +
        'load it with loadProtocolModule(path), pass its path, or use one worker',
    );
  }
  return module;
}

/**
 * The same search as searchViolation, over `workers` threads. Cases are dealt round-robin; the result is the
 * violation with the lowest case index, reported only once every lower index has run, so it is the very one a
 * single-threaded search would report.
 */
export async function sweep(options: SearchOptions, workers: number): Promise<SearchResult> {
  invariant(Number.isInteger(workers) && workers >= 1, `workers must be a whole number >= 1, got ${workers}`);
  if (workers === 1) return searchViolation(options);
  const indices = shardIndices(options);
  const shares = Array.from({ length: workers }, (_, worker) =>
    indices.filter((_, position) => position % workers === worker),
  );
  const { onRun, protocol, ...plain } = options;
  const protocolRef = workerProtocol(protocol);
  const done = new Set<number>();
  let best: WorkerReport | null = null;
  let failures = 0;
  const threads = shares.map(
    (share) =>
      new Worker(WORKER_URL, {
        workerData: { options: plain, protocol: protocolRef, indices: share } satisfies WorkerTask,
      }),
  );
  await Promise.all(
    threads.map(
      (thread) =>
        new Promise<void>((resolve, reject) => {
          thread.on('error', reject);
          thread.on('message', (report: WorkerReport) => {
            if (report.done === true) {
              void thread.terminate().then(() => resolve());
              return;
            }
            done.add(report.index);
            if (report.violation !== null) {
              failures += 1;
              if (best === null || report.index < best.index) {
                best = report;
                for (const other of threads) other.postMessage({ stopAfter: report.index });
              }
            }
            onRun?.(failures);
          });
        }),
    ),
  );
  const found = best as WorkerReport | null;
  if (found === null || found.violation === null) return { runs: done.size, violation: null };
  const { property, shrinks, caseSeed } = found.violation;
  // The worker sent the case with the protocol's name in place of the object; the object goes back in here.
  const shrunk = {
    ...found.violation.shrunk,
    scenario: { ...found.violation.shrunk.scenario, cluster: { ...found.violation.shrunk.scenario.cluster, protocol } },
  };
  const result = runScenario(shrunk.scenario, { seed: shrunk.seed });
  const verdict = firstViolation(result, [property]);
  invariant(verdict !== null, `case ${found.index} no longer fails ${property} when replayed in the main thread`);
  const runsToFind = [...done].filter((index) => index <= found.index).length;
  return {
    runs: runsToFind,
    violation: { property, shrunk, result, verdict, shrinks, caseIndex: found.index, caseSeed, runsToFind },
  };
}
