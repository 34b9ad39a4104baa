import { historyIndex, type HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import type { NodeStatus } from '../core/node.ts';
import type { Simulator } from '../sim/simulator.ts';
import type { Action } from './dsl.ts';
import { DeliveryTracker } from './progress.ts';
import type { World } from './world.ts';

/** What a live view shows while a run goes on. */
export interface RunSnapshot {
  nowMs: number;
  phase: 'safety' | 'liveness';
  nodes: Array<{ id: NodeId; up: boolean; paused: boolean; status: NodeStatus | null; delivered: number }>;
  /** History events so far (the view picks the faults and elections it wants to show). */
  events: readonly HistoryEvent[];
}

/** What the simulator world hands the interpreter: nothing (done at once) or a run of the simulator in slices. */
export type SimPending = Generator<RunSnapshot, unknown> | void;

/**
 * The simulator as a world: actions are the simulator's methods, time passes by handling events, and the
 * conditions read the history. Time advances in slices of `chunkMs` of virtual time, with a snapshot after each,
 * so a view can draw the run as it goes; slicing only splits the simulator's loop, never changes the history.
 */
export class SimWorld implements World<SimPending> {
  readonly timelineScale = 1;
  phase: 'safety' | 'liveness' = 'safety';
  readonly progress: SimProgress;

  constructor(
    readonly sim: Simulator,
    private readonly chunkMs: number,
  ) {
    this.progress = new SimProgress(sim);
  }

  get nodes(): readonly NodeId[] {
    return this.sim.nodes;
  }

  nowMs(): number {
    return this.sim.now;
  }

  stopped(): boolean {
    return this.sim.boundHit !== null;
  }

  leads(node: NodeId | 'any'): boolean {
    return this.sim.nodes.some((id) => {
      if (node !== 'any' && id !== node) return false;
      const role = this.sim.status(id)?.role;
      return role === 'leader' || role === 'primary';
    });
  }

  leaderTerm(node: NodeId): number | null {
    const status = this.sim.status(node);
    return status !== null && (status.role === 'leader' || status.role === 'primary') ? (status.term ?? 0) : null;
  }

  deliveredCount(node: NodeId): number {
    return this.progress.deliveredCount(node);
  }

  settled(): boolean {
    return this.progress.complete();
  }

  perform(action: Action): void {
    performOnSimulator(this.sim, action);
  }

  *advanceTo(timeMs: number): Generator<RunSnapshot, void> {
    const sim = this.sim;
    do {
      sim.runUntil(Math.min(timeMs, sim.now + this.chunkMs));
      if (this.chunkMs !== Number.POSITIVE_INFINITY) yield this.snapshot();
    } while (sim.now < timeMs && sim.boundHit === null);
  }

  *waitFor(holds: () => boolean, deadlineMs: number): Generator<RunSnapshot, boolean> {
    const sim = this.sim;
    for (;;) {
      const sliceEndMs = Math.min(deadlineMs, sim.now + this.chunkMs);
      if (sim.runUntilCondition(holds, sliceEndMs)) return true;
      if (this.chunkMs !== Number.POSITIVE_INFINITY) yield this.snapshot();
      if (sim.now >= deadlineMs || sim.boundHit !== null) return holds();
    }
  }

  beginLiveness(): void {
    this.sim.beginLiveness();
    this.phase = 'liveness';
  }

  finish(): void {
    this.sim.finish();
  }

  narrate(): void {
    // Nobody watches a simulated run line by line; its history says it all.
  }

  snapshot(): RunSnapshot {
    const sim = this.sim;
    return {
      nowMs: sim.now,
      phase: this.phase,
      nodes: sim.nodes.map((id) => ({
        id,
        up: sim.isUp(id),
        paused: sim.isPaused(id),
        status: sim.status(id),
        delivered: this.progress.deliveredCount(id),
      })),
      events: sim.history.events,
    };
  }
}

/** Carries out one DSL action with the simulator's method of the same name. */
export function performOnSimulator(sim: Simulator, action: Action): void {
  switch (action.do) {
    case 'submit':
      sim.submit(action.node, action.payload);
      return;
    case 'burst':
      for (const node of action.nodes) sim.submit(node, `${action.payload} (node ${node})`);
      return;
    case 'join':
      return sim.join(action.node);
    case 'crash':
      return action.during === undefined ? sim.crash(action.node) : sim.crashDuring(action.node, action.during);
    case 'restart':
      return sim.restart(action.node);
    case 'pause':
      return sim.pause(action.node);
    case 'resume':
      return sim.resume(action.node);
    case 'partition':
      return sim.partition(action.groups);
    case 'cut':
      return sim.cut(action.from, action.to);
    case 'heal':
      return sim.heal();
    case 'hold':
      return sim.hold(action.from, action.to);
    case 'release':
      return sim.release(action.from, action.to);
    case 'drift':
      return sim.setDrift(action.node, action.ppm);
    case 'clock-step':
      return sim.stepClock(action.node, action.deltaMs);
    case 'network':
      return sim.setNetwork(action.change);
    case 'link':
      return sim.setLink(action.from, action.to, action.change);
    case 'tear':
      return sim.tear(action.node);
    case 'corrupt':
      return sim.corrupt(action.node, action.fromEnd);
    case 'disk-full':
    case 'disk-ok':
      return sim.setDiskFull(action.node, action.do === 'disk-full');
  }
}

/** The events that can change whether everything is delivered everywhere (who is up, what is owed, what arrived). */
const AFFECTS_COMPLETION: ReadonlySet<string> = new Set([
  'submit',
  'deliver',
  'ack',
  'crash',
  'restart',
  'join',
  'pause',
  'resume',
  'storage',
]);

/**
 * Feeds the delivery tracker from the simulator's history as it grows. Completion is asked after every event
 * of the liveness phase, so it is recomputed only after an event that can change it.
 */
class SimProgress {
  private scanned = 0;
  private readonly tracker: DeliveryTracker;
  private dirty = true;
  private lastComplete = false;

  constructor(private readonly sim: Simulator) {
    this.tracker = new DeliveryTracker(sim.nodes);
  }

  deliveredCount(node: NodeId): number {
    this.scan();
    return this.tracker.deliveredCount(node);
  }

  complete(): boolean {
    this.scan();
    if (!this.dirty) return this.lastComplete;
    this.dirty = false;
    this.lastComplete = this.tracker.complete(this.sim.nodes.filter((node) => this.sim.isUp(node)));
    return this.lastComplete;
  }

  private scan(): void {
    // The index holds every type that matters here and skips messages and timers, most of a run.
    const events = historyIndex(this.sim.history).events;
    for (; this.scanned < events.length; this.scanned += 1) {
      const event = events[this.scanned];
      if (AFFECTS_COMPLETION.has(event.type)) this.dirty = true;
      if (event.type === 'submit') this.tracker.submitted(event.id, event.node);
      else if (event.type === 'deliver') this.tracker.deliver(event.node, event.id);
      else if (event.type === 'ack') this.tracker.ack(event.id);
      else if (event.type === 'crash') this.tracker.crashed(event.node);
    }
  }
}

/** Runs an interpreter over the simulator world: each pending is run to its end, its snapshots passed on. */
export function* driveSimulator<R>(interpreter: Generator<SimPending, R, unknown>): Generator<RunSnapshot, R> {
  let answer: unknown;
  for (;;) {
    const next = interpreter.next(answer);
    if (next.done === true) return next.value;
    answer = next.value === undefined ? undefined : yield* next.value;
  }
}
