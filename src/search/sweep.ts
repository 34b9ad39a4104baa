import { Worker } from 'node:worker_threads';
import { invariant } from '../core/assert.ts';
import type { GeneratedCase } from './generate.ts';
import { runScenario } from '../scenarios/runner.ts';
import { firstViolation, searchViolation, shardIndices, type SearchOptions, type SearchResult } from './search.ts';

export interface WorkerTask {
  options: Omit<SearchOptions, 'onRun'>;
  indices: number[];
}

export interface WorkerReport {
  index: number;
  violation: { property: string; shrunk: GeneratedCase; shrinks: number; caseSeed: number } | null;
  done?: boolean;
}

const WORKER_URL = new URL('./worker-boot.mjs', import.meta.url);

/**
 * The same search as searchViolation, over `workers` threads. Cases are dealt round-robin; the result is the
 * violation with the lowest case index, reported only once every lower index has run, so it is the very one a
 * single-threaded search would report.
 */
export async function sweep(options: SearchOptions, workers: number): Promise<SearchResult> {
  invariant(Number.isInteger(workers) && workers >= 1, `workers must be a whole number >= 1, got ${workers}`);
  if (workers === 1) return searchViolation(options);
  const indices = shardIndices(options);
  const shares = Array.from({ length: workers }, (_, worker) => indices.filter((_, position) => position % workers === worker));
  const { onRun, ...plain } = options;
  const done = new Set<number>();
  let best: WorkerReport | null = null;
  let failures = 0;
  const threads = shares.map((share) => new Worker(WORKER_URL, { workerData: { options: plain, indices: share } satisfies WorkerTask }));
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
  const { shrunk, property, shrinks, caseSeed } = found.violation;
  const result = runScenario(shrunk.scenario, { seed: shrunk.seed });
  const verdict = firstViolation(result, [property]);
  invariant(verdict !== null, `case ${found.index} no longer fails ${property} when replayed in the main thread`);
  const runsToFind = [...done].filter((index) => index <= found.index).length;
  return {
    runs: runsToFind,
    violation: { property, shrunk, result, verdict, shrinks, caseIndex: found.index, caseSeed, runsToFind },
  };
}
