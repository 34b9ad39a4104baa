/** What every section gets from the driver. */
export interface BenchContext {
  /** Fewer rounds and smaller workloads: a smoke run of the whole bench in well under a minute. */
  quick: boolean;
  /** Progress lines for the person waiting (stderr, so that stdout stays the table). */
  log(text: string): void;
  /** Wall time left before the bench's hard limit; child processes never get longer than this. */
  remainingMs(): number;
}

/** A child's time limit: its own, or what is left of the bench's budget, whichever is shorter (never below 1 s). */
export function childTimeoutMs(context: BenchContext, ownMs: number): number {
  return Math.max(1_000, Math.min(ownMs, context.remainingMs()));
}

/** The verdict on a "higher is better" target: how far above or below the goal the measurement is. */
export function judgeAtLeast(measured: number, goal: number): { met: boolean; margin: string } {
  if (measured >= goal) return { met: true, margin: `${(measured / goal).toFixed(2)}x the goal` };
  return {
    met: false,
    margin: `${(goal / measured).toFixed(1)}x short (${((100 * measured) / goal).toFixed(0)} % of the goal)`,
  };
}
