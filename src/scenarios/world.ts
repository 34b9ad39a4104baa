import type { NodeId } from '../core/ids.ts';
import type { Action } from './dsl.ts';

/**
 * A world a scenario runs in: the simulator (virtual time, synchronous) or a live cluster of processes (real
 * time, asynchronous). The interpreter (interpreter.ts) reads the time and the conditions straight from it, and
 * asks it to act or to let time pass; each of those calls returns a `Pending` that the world's own driver
 * carries out: nothing (`void`) when the world did it at once, else a generator of snapshots (simulator) or a
 * promise (live). The driver hands the pending's result back to the interpreter (whether a wait's condition held).
 *
 * Times are the world's history clock in ms since the run started: virtual ms in the simulator, real ms in a
 * live cluster. `timelineScale` says how much faster than that clock the scenario's timeline runs: the
 * interpreter divides timeline points and gaps (`at`, `after`, `settleMs`) by it, never protocol durations (a
 * condition's timeout, the liveness bound), since a live node's timers run in real time whatever the speed.
 */
export interface World<Pending> {
  readonly nodes: readonly NodeId[];
  readonly timelineScale: number;
  nowMs(): number;
  /** The run cannot go on (a simulator bound was hit): the timeline stops where it is. */
  stopped(): boolean;

  // Conditions a step can wait for.
  /** Some node that is `node` (or any, for 'any') leads by its own latest announcement and is up. */
  leads(node: NodeId | 'any'): boolean;
  /** The term `node` leads in by its own latest announcement, if it leads and is up; null otherwise. */
  leaderTerm(node: NodeId): number | null;
  /** Deliveries at `node` so far, repeats included. */
  deliveredCount(node: NodeId): number;
  /** Every submission still owed is delivered at every node that is up. */
  settled(): boolean;

  perform(action: Action): Pending;
  /** Lets time pass up to `timeMs` (at once if it is already past). */
  advanceTo(timeMs: number): Pending;
  /** Lets time pass until `holds()` or until `deadlineMs`; the pending's result is whether `holds()` held. */
  waitFor(holds: () => boolean, deadlineMs: number): Pending;
  /** Every fault healed, every node up: what is still undelivered from now on is a liveness failure. */
  beginLiveness(): Pending;
  finish(): Pending;
  /** A line for a person watching (the live launcher prints it; the simulator has no one watching). */
  narrate(line: string): void;
}
