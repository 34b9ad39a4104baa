import { invariant } from '../core/assert.ts';

/**
 * A node's local clock: piecewise linear in virtual time. Drift changes the rate from now on; a step jumps the
 * reading. Timers measure durations on this clock, so a fast clock fires them early in virtual time.
 */
export class DriftingClock {
  private anchorVirtualMs = 0;
  private anchorLocalMs = 0;
  private rate = 1;
  driftPpm = 0;
  offsetMs = 0;

  read(virtualMs: number): number {
    return this.anchorLocalMs + (virtualMs - this.anchorVirtualMs) * this.rate;
  }

  /** Virtual duration that passes while this clock advances by `localMs`. */
  virtualDuration(localMs: number): number {
    return localMs / this.rate;
  }

  setDrift(virtualMs: number, driftPpm: number): void {
    invariant(driftPpm > -1_000_000, `drift must keep the clock moving forward, got ${driftPpm} ppm`);
    this.anchorLocalMs = this.read(virtualMs);
    this.anchorVirtualMs = virtualMs;
    this.driftPpm = driftPpm;
    this.rate = 1 + driftPpm / 1_000_000;
  }

  step(virtualMs: number, deltaMs: number): void {
    this.anchorLocalMs = this.read(virtualMs) + deltaMs;
    this.anchorVirtualMs = virtualMs;
    this.offsetMs += deltaMs;
  }
}
