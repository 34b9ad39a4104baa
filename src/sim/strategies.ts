import { invariant } from '../core/assert.ts';
import type { NodeId } from '../core/ids.ts';
import { randomStream, type RandomStream } from '../core/rng.ts';
import type { PendingEvent, Scheduler, SchedulerView } from './scheduler.ts';

/**
 * One event a strategy may fire next. `chain` is who handles it: the receiving node of a message, the node of a
 * timer, or 0 for a scheduled callback (a timeline step: a submission or a fault). `neutral` is true when firing it
 * does not move the clock (it is due now or earlier).
 */
export interface Candidate {
  event: PendingEvent;
  chain: NodeId | 0;
  neutral: boolean;
  /**
   * Where it comes from, as PCT's "thread": a message its link ("1>2": a link delivers in order, like a thread
   * runs in program order), a timer its node and name, a callback the timeline.
   */
  source: string;
}

/**
 * The choice model every strategy but the default shares. Enabled, at any point of a run:
 * - every pending message that is first on its link, when the link is FIFO (a strategy never reorders what a
 *   FIFO link carries); every pending message, when it is not;
 * - the timers due first among timers (timers keep their time order), in any order among themselves;
 * - the timeline callbacks (steps run as events) due first among callbacks, in any order among themselves: a step
 *   may fire at any point after its time, late if need be, so a fault can fall anywhere among the events.
 * So messages may arrive at any point relative to timers, faults and each other (an asynchronous network, FIFO
 * per link when the link says so), while time passes only as timers and steps fall due. With a delivery bound
 * (`deliveryBoundMs`), the network is synchronous enough: a timer or step due more than the bound after a pending
 * message was due waits for that message to arrive first (so a protocol's timeouts longer than the bound never
 * fire on a message merely slow). Candidates are sorted by
 * (due time, insertion order), so candidate 0 is what the default strategy would fire: choosing it is no
 * deviation. Stale timers (re-armed or cancelled) are dropped unfired: they would do nothing.
 *
 * A choice is made at a `peek` and kept until the take, even if events are added meanwhile (a timeline step run
 * between the peek and the take), unless it was candidate 0: the default is chosen again, as the default strategy
 * would. So with no deviation a run is the default strategy's run, event for event, and a run replays from the
 * list of the events taken (their `seq`s), which the scheduler records as it goes.
 */
export interface ChoiceModel {
  /** Messages arrive at most this long after they are due, in virtual ms (default: no bound). */
  deliveryBoundMs?: number;
}

export abstract class ChoiceScheduler implements Scheduler {
  protected view: SchedulerView | null = null;
  private readonly deliveryBoundMs: number;
  private readonly pending = new Map<number, PendingEvent>();
  private committed: Candidate | undefined;
  /** The `seq` of every event taken, in order: the run's schedule, replayable with ReplayScheduler. */
  readonly taken: number[] = [];
  /** How many takes were not candidate 0 (the default order). */
  deviations = 0;
  /** Takes up to and including the last deviation: the schedule past it is the default order. */
  lastDeviation = 0;
  private committedWasDefault = true;

  constructor(model: ChoiceModel = {}) {
    this.deliveryBoundMs = model.deliveryBoundMs ?? Number.POSITIVE_INFINITY;
    invariant(this.deliveryBoundMs >= 0, () => `the delivery bound must be >= 0 ms, got ${this.deliveryBoundMs}`);
  }

  get size(): number {
    return this.pending.size;
  }

  attach(view: SchedulerView): void {
    this.view = view;
  }

  add(event: PendingEvent): void {
    this.pending.set(event.seq, event);
    if (this.committedWasDefault) this.committed = undefined;
  }

  peek(): PendingEvent | undefined {
    if (this.committed === undefined) {
      const candidates = this.candidates();
      if (candidates.length === 0) return undefined;
      this.committed = this.choose(candidates, this.taken.length);
      invariant(candidates.includes(this.committed), 'a strategy chose an event that is not a candidate');
      this.committedWasDefault = this.committed === candidates[0];
    }
    return this.committed.event;
  }

  take(): PendingEvent | undefined {
    const event = this.peek();
    if (event === undefined) return undefined;
    this.pending.delete(event.seq);
    this.committed = undefined;
    this.taken.push(event.seq);
    this.onTake(event, this.taken.length - 1);
    if (!this.committedWasDefault) {
      this.deviations += 1;
      this.lastDeviation = this.taken.length;
    }
    return event;
  }

  /**
   * What a saved counterexample needs to replay this run: the events taken up to the last deviation. A run that
   * ended on a choice never taken (an event past the run's end chosen over one still due, which then starves)
   * needs the whole list and that last choice too, or the replay would fire the starved event before the end.
   */
  schedule(): number[] {
    if (this.committed !== undefined && !this.committedWasDefault) return [...this.taken, this.committed.event.seq];
    return this.taken.slice(0, this.lastDeviation);
  }

  /**
   * Picks one of `candidates` (never empty) for take number `step` (0-based). It may be asked again for the same
   * step when events were added after it chose candidate 0, so it must not change its own state: that is onTake's.
   */
  protected abstract choose(candidates: readonly Candidate[], step: number): Candidate;

  /** Called with each event taken, `step` being its number (0-based). */
  protected onTake(_event: PendingEvent, _step: number): void {}

  /** The enabled events, by the model above, sorted by (time, seq). */
  protected candidates(): Candidate[] {
    const view = this.view;
    invariant(view !== null, 'a choice scheduler must be attached to a simulator before the run');
    let firstTimerMs = Number.POSITIVE_INFINITY;
    let firstCallbackMs = Number.POSITIVE_INFINITY;
    let firstMessageMs = Number.POSITIVE_INFINITY;
    for (const event of this.pending.values()) {
      if (!view.isLive(event)) this.pending.delete(event.seq);
      else if (event.kind === 'timer') firstTimerMs = Math.min(firstTimerMs, event.time);
      else if (event.kind === 'callback') firstCallbackMs = Math.min(firstCallbackMs, event.time);
      else firstMessageMs = Math.min(firstMessageMs, event.time);
    }
    // Past the delivery bound of the oldest pending message, nothing due later may fire before it.
    const latestMs = firstMessageMs + this.deliveryBoundMs;
    if (firstTimerMs > latestMs) firstTimerMs = Number.NaN;
    if (firstCallbackMs > latestMs) firstCallbackMs = Number.NaN;
    const now = view.now();
    const heads = new Set<string>();
    const result: Candidate[] = [];
    // The map iterates in insertion order, which is seq order: the first message seen on a link is its head.
    for (const event of this.pending.values()) {
      if (event.kind === 'message') {
        if (view.isFifo(event.from, event.to)) {
          const link = `${event.from}>${event.to}`;
          if (heads.has(link)) continue;
          heads.add(link);
        }
        result.push({ event, chain: event.to, neutral: event.time <= now, source: sourceOf(event) });
      } else if (event.time === (event.kind === 'timer' ? firstTimerMs : firstCallbackMs)) {
        const chain = event.kind === 'timer' ? event.node : 0;
        result.push({ event, chain, neutral: event.time <= now, source: sourceOf(event) });
      }
    }
    return result.sort((a, b) => a.event.time - b.event.time || a.event.seq - b.event.seq);
  }

  /** Every live pending event (for state fingerprints), in seq order. */
  protected pendingEvents(): PendingEvent[] {
    return [...this.pending.values()];
  }
}

/** See Candidate.source. */
function sourceOf(event: PendingEvent): string {
  switch (event.kind) {
    case 'message':
      return `${event.from}>${event.to}`;
    case 'timer':
      return `${event.node}:${event.name}`;
    case 'callback':
      return 'timeline';
  }
}

/** Thrown when a saved schedule names an event that is not enabled: the run no longer follows the schedule. */
export class ScheduleDivergence extends Error {
  constructor(step: number, seq: number) {
    super(
      `the schedule diverged at step ${step + 1}: event #${seq} is not enabled there (the protocol, its options or ` +
        'the scenario changed since the schedule was saved)',
    );
    this.name = 'ScheduleDivergence';
  }
}

/** Fires the events a saved schedule lists (by seq), in order, then the default order. */
export class ReplayScheduler extends ChoiceScheduler {
  constructor(
    private readonly order: readonly number[],
    model: ChoiceModel = {},
  ) {
    super(model);
  }

  protected choose(candidates: readonly Candidate[], step: number): Candidate {
    if (step >= this.order.length) return candidates[0];
    // Not there yet: a timeline step is still to run and will create it. Until then the run chose the default,
    // which is chosen again after the step (see ChoiceScheduler); `onTake` checks the event taken.
    return candidates.find((candidate) => candidate.event.seq === this.order[step]) ?? candidates[0];
  }

  protected override onTake(event: PendingEvent, step: number): void {
    if (step < this.order.length && event.seq !== this.order[step])
      throw new ScheduleDivergence(step, this.order[step]);
  }
}

/** A departure from the default order: at take `at`, candidate number `pick` (modulo how many there are). */
export interface Deviation {
  at: number;
  pick: number;
}

/**
 * The order drawn as data: the default order except at the listed takes. A search that generates the list (see
 * src/search) shrinks it like any value: fewer deviations, earlier ones, smaller picks, toward the default order.
 */
export class DrawnScheduler extends ChoiceScheduler {
  private readonly picks = new Map<number, number>();

  constructor(deviations: readonly Deviation[], model: ChoiceModel = {}) {
    super(model);
    // The first deviation listed for a take wins, so shrinking a duplicate away never changes the run.
    for (const { at, pick } of deviations) if (!this.picks.has(at)) this.picks.set(at, pick);
  }

  protected choose(candidates: readonly Candidate[], step: number): Candidate {
    const pick = this.picks.get(step);
    return pick === undefined ? candidates[0] : candidates[pick % candidates.length];
  }
}

export interface PctOptions extends ChoiceModel {
  seed: number;
  /** The bug depth d targeted: d - 1 priority change points (default 3). */
  depth?: number;
  /** The run length k the change points are drawn over, in takes (default 200). */
  stepsMax?: number;
}

/**
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte: "A randomized scheduler with probabilistic guarantees of
 * finding bugs", ASPLOS 2010), with the sources of events as the threads: each directed link, each timer of each
 * node, and the timeline (see Candidate.source). Each source gets a random priority from d upward on first sight
 * (the timeline the highest, so steps run first until a change point lowers it);
 * d - 1 change points are drawn from 1..k; at every take the enabled event of the highest-priority source fires
 * (within a source, the default order), and at the i-th change point the source that just fired drops to
 * priority d - i, below every initial one. For a run of at most k takes among n sources, a bug that needs d
 * ordering constraints is hit with probability at least 1 / (n * k^(d-1)) per run (the paper's bound, which
 * holds when k bounds the run's length; past k no priority changes).
 */
export class PctScheduler extends ChoiceScheduler {
  private readonly random: RandomStream;
  private readonly depth: number;
  private readonly priority = new Map<string, number>();
  private readonly changeAt = new Map<number, number>();

  constructor(options: PctOptions) {
    super(options);
    this.depth = options.depth ?? 3;
    const stepsMax = options.stepsMax ?? 200;
    invariant(this.depth >= 1 && stepsMax >= 1, 'PCT needs depth >= 1 and stepsMax >= 1');
    this.random = randomStream(options.seed, 'pct');
    for (let change = 1; change < this.depth && this.changeAt.size < Math.min(this.depth - 1, stepsMax);) {
      const step = 1 + Math.floor(this.random.next() * stepsMax);
      if (this.changeAt.has(step)) continue;
      this.changeAt.set(step, this.depth - change);
      change += 1;
    }
  }

  protected choose(candidates: readonly Candidate[], step: number): Candidate {
    let best = candidates[0];
    for (const candidate of candidates) {
      if (this.priorityOf(candidate.source) > this.priorityOf(best.source)) best = candidate;
    }
    return best;
  }

  protected override onTake(event: PendingEvent, step: number): void {
    const lowered = this.changeAt.get(step + 1);
    if (lowered !== undefined) this.priority.set(sourceOf(event), lowered);
  }

  private priorityOf(source: string): number {
    let priority = this.priority.get(source);
    if (priority === undefined) {
      // Distinct with probability 1, and all above the change-point priorities 1..d-1. The timeline starts above
      // every other source, so the workload is under way before the nodes race; a change point lowers it like any
      // other, which is how a fault comes to fall late.
      priority = source === 'timeline' ? this.depth + 1 : this.depth + this.random.next();
      this.priority.set(source, priority);
    }
    return priority;
  }
}
