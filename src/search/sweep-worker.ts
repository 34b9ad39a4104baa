import { parentPort, workerData } from 'node:worker_threads';
import { invariant } from '../core/assert.ts';
import { runCase, type SearchOptions } from './search.ts';
import type { GeneratedCase } from './generate.ts';
import { KEEP_ALIVE_MS, type WorkerMessage, type WorkerReport, type WorkerTask } from './sweep.ts';
import { loadProtocolModule } from '../scenarios/user-module.ts';
import { ScenarioError } from '../scenarios/errors.ts';

/** A case as it can cross back to the main thread: the protocol by name (the main thread puts its object back). */
function withProtocolName(generated: GeneratedCase): GeneratedCase {
  const named = generated.scenario.cluster.protocol;
  const protocol = typeof named === 'string' ? named : named.name;
  return { ...generated, scenario: { ...generated.scenario, cluster: { ...generated.scenario.cluster, protocol } } };
}

/** Runs its share of the sweep's case indices in increasing order, reporting each, until told to stop. */
const port = parentPort;
invariant(port !== null, 'sweep-worker.ts runs only as a worker thread');
const task = workerData as WorkerTask;
let stopBelowOrAt = Number.POSITIVE_INFINITY;
port.on('message', (message: { stopAfter: number }) => {
  stopBelowOrAt = Math.min(stopBelowOrAt, message.stopAfter);
});

/**
 * The user's protocol comes by path and loads here, as it did in the main thread. A module this thread cannot
 * load (the main thread's loader may be more lenient, as under a test runner) is the user's error: it goes back
 * as a message, since an error crossing threads loses its class and would read as a bug of tob-lab.
 */
async function loadedProtocol(): Promise<SearchOptions['protocol'] | null> {
  if (typeof task.protocol === 'string') return task.protocol;
  try {
    return await loadProtocolModule(task.protocol.path, process.cwd());
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    port?.postMessage({ loadError: error.message } satisfies WorkerMessage);
    return null;
  }
}
const protocol = await loadedProtocol();
// The keep-alive: the clock is read once a run (a run takes a millisecond or so), a message sent once a second.
let heardMs = 0;
const keepAlive = (): void => {
  const nowMs = Date.now();
  if (nowMs - heardMs < KEEP_ALIVE_MS) return;
  heardMs = nowMs;
  port.postMessage({ alive: true } satisfies WorkerMessage);
};
/** Runs this thread's share of the cases, each announced as it starts and reported as it ends, then says done. */
async function runShare(options: SearchOptions): Promise<void> {
  for (const index of task.indices) {
    // Yield so a stop message can arrive between cases.
    await new Promise((resolve) => setImmediate(resolve));
    if (index > stopBelowOrAt) break;
    heardMs = Date.now();
    port?.postMessage({ index, started: true } satisfies WorkerMessage);
    const violation = runCase(options, index);
    const report: WorkerReport =
      violation === null
        ? { index, violation: null }
        : {
            index,
            violation: {
              property: violation.property,
              shrunk: withProtocolName(violation.shrunk),
              shrinks: violation.shrinks,
              caseSeed: violation.caseSeed,
            },
          };
    port?.postMessage(report);
  }
  port?.postMessage({ index: -1, violation: null, done: true } satisfies WorkerReport);
}

// Without a protocol this thread waits to be terminated: the main thread ends the search on the load error.
if (protocol !== null) await runShare({ ...task.options, protocol, onCaseRun: keepAlive });
