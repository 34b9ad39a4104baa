import { describe, expect, it } from 'vitest';
import type { NodeId } from '../core/ids.ts';
import {
  after,
  at,
  crash,
  deliveredAtLeast,
  scenario,
  submit,
  when,
  within,
  type Action,
  type Scenario,
} from './dsl.ts';
import { interpretRun, type InterpretedRun } from './interpreter.ts';
import type { World } from './world.ts';

/**
 * A world on paper: it keeps a clock and a log of what the interpreter asked, and delivers one message per
 * node every 100 ms of its clock. Waits are answered at once, so the interpreter's own arithmetic shows.
 */
class PaperWorld implements World<void> {
  readonly nodes: readonly NodeId[] = [1, 2];
  readonly log: string[] = [];
  private now = 0;
  private endOfWait = true;

  constructor(readonly timelineScale: number) {}

  nowMs(): number {
    return this.now;
  }
  stopped(): boolean {
    return false;
  }
  leads(): boolean {
    return false;
  }
  leaderTerm(): number | null {
    return null;
  }
  deliveredCount(): number {
    return Math.floor(this.now / 100);
  }
  settled(): boolean {
    return this.now >= 1_000;
  }
  perform(action: Action): void {
    this.log.push(`${this.now} ${action.do}`);
  }
  advanceTo(timeMs: number): void {
    this.log.push(`${this.now} advance to ${timeMs}`);
    this.now = Math.max(this.now, timeMs);
  }
  /** Jumps to the first 10 ms step where `holds()`, or to the deadline; the driver hands back the answer. */
  waitFor(holds: () => boolean, deadlineMs: number): void {
    this.log.push(`${this.now} wait until ${deadlineMs}`);
    while (!holds() && this.now < deadlineMs) this.now = Math.min(deadlineMs, this.now + 10);
    this.endOfWait = holds();
  }
  beginLiveness(): void {
    this.log.push(`${this.now} liveness`);
  }
  finish(): void {
    this.log.push(`${this.now} finish`);
  }
  narrate(line: string): void {
    this.log.push(`${this.now} say ${line}`);
  }
  answer(): boolean {
    return this.endOfWait;
  }
}

function interpret(world: PaperWorld, spec: Scenario): InterpretedRun {
  const run = interpretRun(world, spec, { livenessMs: 3_000, quietMs: 200 });
  for (let step = run.next(); ; step = run.next(world.answer())) if (step.done === true) return step.value;
}

const timeline = scenario({
  name: 'paper',
  cluster: { protocol: 'isis', nodes: 2 },
  settleMs: 400,
  timeline: [
    at(1_000, submit(1, 'a')),
    after(500, crash(2)),
    within(250, when(deliveredAtLeast(2, 50), submit(1, 'never'))),
    when(deliveredAtLeast(1, 16), submit(2, 'b')),
  ],
});

describe('the scenario interpreter', () => {
  it('runs the timeline, the settle time and the liveness phase on any world, in that order', () => {
    const world = new PaperWorld(1);
    const run = interpret(world, timeline);
    expect(run.skipped.map((skip) => skip.index)).toEqual([2]);
    expect(run.safetyEndMs).toBe(2_150);
    expect(world.log).toEqual([
      '0 advance to 1000',
      '1000 submit',
      '1000 advance to 1500',
      '1500 crash',
      '1500 wait until 1750',
      '1750 say skipped step 3: the condition did not hold (when node 2 delivered 50)',
      '1750 wait until 61750',
      '1750 submit',
      '1750 advance to 2150',
      '2150 liveness',
      '2150 wait until 5150',
      '2150 say every message is delivered at every node that is up',
      '2150 advance to 2350',
      '2350 finish',
    ]);
  });

  it("squeezes timeline points and gaps by the world's timeline scale, never a condition's timeout", () => {
    const world = new PaperWorld(4);
    const run = interpret(world, timeline);
    expect(world.log.slice(0, 5)).toEqual([
      '0 advance to 250',
      '250 submit',
      '250 advance to 375',
      '375 crash',
      '375 wait until 625',
    ]);
    // The last condition holds at 1605 ms (10 ms steps from 625); the settle time, 400 ms, is squeezed to 100.
    expect(run.safetyEndMs).toBe(1_605 + 400 / 4);
  });
});
