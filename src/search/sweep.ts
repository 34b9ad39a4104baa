import { Worker } from 'node:worker_threads';
import { invariant } from '../core/assert.ts';
import type { GeneratedCase } from './generate.ts';
import { protocolByName } from '../protocols/index.ts';
import { ScenarioError } from '../scenarios/errors.ts';
import { runScenario } from '../scenarios/runner.ts';
import { protocolModule, type ProtocolModule } from '../scenarios/user-module.ts';
import {
  caseSeed,
  firstViolation,
  searchViolation,
  shardIndices,
  type SearchOptions,
  type SearchResult,
  type Stall,
  type Violation,
} from './search.ts';

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

/** What a worker posts: a case started, a keep-alive while one runs or shrinks, a case's report, or done. */
export type WorkerMessage = { index: number; started: true } | { alive: true } | { loadError: string } | WorkerReport;

/** A worker sends a keep-alive at most this often while a case runs (sweep-worker.ts). */
export const KEEP_ALIVE_MS = 1_000;
/** The watchdog's default: a thread silent this long is stopped (SearchOptions.stallSeconds). */
export const STALL_SECONDS_DEFAULT = 60;

/**
 * Run from the TypeScript sources (tests, a checkout without a build), a worker starts through worker-boot.mjs,
 * which registers tsx first; the compiled package starts the compiled worker directly.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./worker-boot.mjs', import.meta.url)
  : new URL('./sweep-worker.js', import.meta.url);

function workerProtocol(protocol: SearchOptions['protocol'], workers: number): string | ProtocolModule {
  if (typeof protocol === 'string') return protocol;
  if (protocolByName(protocol.name) === protocol) return protocol.name;
  const module = protocolModule(protocol);
  if (module === undefined) {
    throw new ScenarioError(
      `protocol "${protocol.name}" is an object with no module path, and worker threads load protocols by path; ` +
        (workers === 1
          ? 'load it with loadProtocolModule(path) or pass its path to have it watched (stallSeconds), or leave stallSeconds out'
          : 'load it with loadProtocolModule(path), pass its path, or use one worker'),
    );
  }
  return module;
}

/**
 * The same search as searchViolation, over `workers` threads. Cases are dealt round-robin; the result is the
 * violation with the lowest case index, reported only once every lower index has run, so it is the very one a
 * single-threaded search would report. With one worker and no stallSeconds the search runs in this thread.
 *
 * The watchdog: a thread that sends nothing (no case started or finished, no keep-alive) for stallSeconds is
 * stopped, and its case counts as a stall. A stall outranks the failures of higher cases and is outranked by
 * those of lower ones, as in a single-threaded search that would have hung there: the other threads are told
 * to stop after it, finish the lower cases they hold, and the search ends.
 */
export async function sweep(options: SearchOptions, workers: number): Promise<SearchResult> {
  invariant(Number.isInteger(workers) && workers >= 1, `workers must be a whole number >= 1, got ${workers}`);
  if (workers === 1 && options.stallSeconds === undefined) return searchViolation(options);
  const stallSeconds = options.stallSeconds ?? STALL_SECONDS_DEFAULT;
  invariant(stallSeconds > 0, `stallSeconds must be above 0, got ${stallSeconds}`);
  const indices = shardIndices(options);
  const shares = Array.from({ length: workers }, (_, worker) =>
    indices.filter((_, position) => position % workers === worker),
  );
  // Functions cannot cross to a thread: the worker makes its own onCaseRun (its keep-alive).
  const { onRun, onCaseRun: _notSent, protocol, ...plain } = options;
  const protocolRef = workerProtocol(protocol, workers);
  const threads = shares.map(
    (share) =>
      new Worker(WORKER_URL, {
        workerData: { options: plain, protocol: protocolRef, indices: share } satisfies WorkerTask,
      }),
  );
  const outcome = await watched(threads, stallSeconds * 1000, options, onRun);
  const { best, done } = outcome;
  if (best === null) return { runs: done.size, violation: null };
  const runsToFind = [...done].filter((index) => index <= best.index).length;
  if (best.kind === 'stall') return { runs: runsToFind + 1, violation: null, stall: best.stall };
  return { runs: runsToFind, violation: replayed(best.report, protocol, runsToFind) };
}

/** The failure a search reports: the case with the lowest index that failed or stalled. */
type Finding =
  { kind: 'violation'; index: number; report: WorkerReport } | { kind: 'stall'; index: number; stall: Stall };

/** Each thread's case in progress, as the watchdog sees it. */
interface Watch {
  index: number | null;
  startedMs: number;
  heardMs: number;
}

/** Runs the threads to the end under the watchdog; resolves with the lowest failure and the cases finished. */
function watched(
  threads: Worker[],
  stallMs: number,
  options: SearchOptions,
  onRun: SearchOptions['onRun'],
): Promise<{ best: Finding | null; done: Set<number> }> {
  const done = new Set<number>();
  const watches: Watch[] = threads.map(() => ({ index: null, startedMs: 0, heardMs: 0 }));
  const finished = new Set<number>();
  let best: Finding | null = null;
  let failures = 0;
  const stopped: Array<Promise<number>> = [];
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      clearInterval(timer);
      void Promise.all(threads.map((thread) => thread.terminate())).finally(() => reject(error));
    };
    const end = (worker: number): void => {
      if (finished.has(worker)) return;
      finished.add(worker);
      watches[worker].index = null;
      stopped.push(threads[worker].terminate());
      if (finished.size < threads.length || failed) return;
      clearInterval(timer);
      // Resolved once every thread has stopped, so none outlives the search (a stalled one least of all).
      void Promise.all(stopped).then(() => resolve({ best, done }), reject);
    };
    const found = (finding: Finding): void => {
      failures += 1;
      if (best !== null && best.index < finding.index) return;
      best = finding;
      for (const other of threads) other.postMessage({ stopAfter: finding.index });
    };
    // Checked a few times per stall period, at most once a second; the timer keeps this thread's loop alive.
    const timer = setInterval(
      () => {
        for (const { worker, stall } of stalls(watches, stallMs, options.seed, Date.now())) {
          found({ kind: 'stall', index: stall.caseIndex, stall });
          onRun?.(failures);
          end(worker);
        }
      },
      Math.min(1_000, stallMs / 4),
    );
    threads.forEach((thread, worker) => {
      const watch = watches[worker];
      thread.on('error', fail);
      thread.on('exit', (code) => {
        if (!finished.has(worker)) fail(new Error(`a search thread stopped (exit code ${code}) before its cases ran`));
      });
      thread.on('message', (message: WorkerMessage) => {
        if (finished.has(worker)) return;
        watch.heardMs = Date.now();
        if ('alive' in message) return;
        if ('loadError' in message) {
          fail(new ScenarioError(message.loadError));
          return;
        }
        if ('started' in message) {
          [watch.index, watch.startedMs] = [message.index, watch.heardMs];
          return;
        }
        if (message.done === true) {
          end(worker);
          return;
        }
        watch.index = null;
        done.add(message.index);
        if (message.violation !== null) found({ kind: 'violation', index: message.index, report: message });
        onRun?.(failures);
      });
    });
  });
}

/** The threads silent for stallMs or longer in the middle of a case, with what is known of the case. */
function stalls(
  watches: readonly Watch[],
  stallMs: number,
  seed: number,
  nowMs: number,
): Array<{ worker: number; stall: Stall }> {
  return watches.flatMap((watch, worker) =>
    watch.index === null || nowMs - watch.heardMs < stallMs
      ? []
      : [
          {
            worker,
            stall: {
              caseIndex: watch.index,
              caseSeed: caseSeed(seed, watch.index),
              runningMs: nowMs - watch.startedMs,
              silentMs: nowMs - watch.heardMs,
            },
          },
        ],
  );
}

/** The worker's violation, replayed in this thread with the protocol object put back in its case. */
function replayed(report: WorkerReport, protocol: SearchOptions['protocol'], runsToFind: number): Violation {
  invariant(report.violation !== null, `case ${report.index} was reported as a violation without one`);
  const { property, shrinks, caseSeed: seed } = report.violation;
  // The worker sent the case with the protocol's name in place of the object; the object goes back in here.
  const shrunk = {
    ...report.violation.shrunk,
    scenario: {
      ...report.violation.shrunk.scenario,
      cluster: { ...report.violation.shrunk.scenario.cluster, protocol },
    },
  };
  const result = runScenario(shrunk.scenario, { seed: shrunk.seed });
  const verdict = firstViolation(result, [property]);
  invariant(verdict !== null, `case ${report.index} no longer fails ${property} when replayed in the main thread`);
  return { property, shrunk, result, verdict, shrinks, caseIndex: report.index, caseSeed: seed, runsToFind };
}
