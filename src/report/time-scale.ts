import { invariant } from '../core/assert.ts';

/**
 * The vertical axis of the space-time diagram. Time flows down. Real runs mix millisecond message latencies with
 * seconds of quiet (heartbeat periods, timeouts), so a linear axis would draw every arrow flat. This scale is
 * linear within bursts of activity and caps idle gaps, marking each capped gap so no one mistakes it for a short
 * one; it never runs backwards.
 */
export interface TimeScaleOptions {
  /** Pixels per virtual millisecond inside bursts. */
  pxPerMs: number;
  /** Smallest step between two distinct instants, so events a microsecond apart stay apart. */
  stepPxMin: number;
  /** Largest step for a gap; longer gaps are drawn this tall and marked as shortened. */
  gapPxMax: number;
  /** Extra room per instant for markers stacked on one lane at that instant (rows - 1 of them). */
  rowPx: number;
  topPx: number;
}

export interface TimeBreak {
  /** Middle of the shortened gap. */
  y: number;
  gapMs: number;
}

export class TimeScale {
  readonly timesMs: number[];
  private readonly ys: number[];
  readonly breaks: TimeBreak[] = [];
  readonly heightPx: number;

  /** `rowsAt` says how many stacked rows each instant needs (1 when absent). */
  constructor(timesMs: readonly number[], rowsAt: ReadonlyMap<number, number>, options: TimeScaleOptions) {
    this.timesMs = [...new Set(timesMs)].sort((a, b) => a - b);
    this.ys = [];
    let y = options.topPx;
    let previousMs: number | null = null;
    let previousExtraPx = 0;
    for (const timeMs of this.timesMs) {
      if (previousMs !== null) {
        const linearPx = (timeMs - previousMs) * options.pxPerMs;
        const stepPx = Math.min(Math.max(linearPx, options.stepPxMin), options.gapPxMax);
        if (linearPx > options.gapPxMax)
          this.breaks.push({ y: y + previousExtraPx + stepPx / 2, gapMs: timeMs - previousMs });
        y += previousExtraPx + stepPx;
      }
      invariant(
        this.ys.length === 0 || y > this.ys[this.ys.length - 1],
        `the time axis runs backwards at ${timeMs} ms`,
      );
      this.ys.push(y);
      previousExtraPx = (Math.max(1, rowsAt.get(timeMs) ?? 1) - 1) * options.rowPx;
      previousMs = timeMs;
    }
    this.heightPx = y + previousExtraPx + options.topPx;
  }

  /** The y of an instant; between known instants it interpolates, beyond them it clamps. */
  y(timeMs: number): number {
    const times = this.timesMs;
    if (times.length === 0) return 0;
    if (timeMs <= times[0]) return this.ys[0];
    if (timeMs >= times[times.length - 1]) return this.ys[times.length - 1];
    let low = 0;
    let high = times.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if (times[middle] <= timeMs) low = middle;
      else high = middle;
    }
    if (times[low] === timeMs) return this.ys[low];
    const fraction = (timeMs - times[low]) / (times[high] - times[low]);
    return this.ys[low] + fraction * (this.ys[high] - this.ys[low]);
  }

  /** The first instant drawn below `yPx`, or null: where to cut a diagram that grew too tall. */
  firstTimeBelow(yPx: number): number | null {
    const index = this.ys.findIndex((y) => y > yPx);
    return index < 0 ? null : this.timesMs[index];
  }
}
