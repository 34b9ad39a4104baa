import { invariant } from '../core/assert.ts';

/** setTimeout fires at once for delays past 2^31 - 1 ms; longer timers are clamped to it (about 24.8 days). */
export const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

/**
 * A node's named timers over real time: one per name, re-arming replaces it. A firing only queues work (with the
 * arming's token); the handler runs later, so by then the timer may have been re-armed or cancelled, and `take`
 * tells a current firing from a stale one.
 */
export class HandlerTimers {
  private readonly armed = new Map<string, { handle: NodeJS.Timeout; token: number }>();
  private nextToken = 1;

  constructor(private readonly fire: (name: string, token: number) => void) {}

  set(name: string, delayMs: number): void {
    invariant(Number.isFinite(delayMs) && delayMs >= 0, `timer ${name}: delay must be >= 0 ms, got ${delayMs}`);
    this.cancel(name);
    const token = this.nextToken;
    this.nextToken += 1;
    const handle = setTimeout(() => this.fire(name, token), Math.min(delayMs, TIMER_DELAY_MS_MAX));
    this.armed.set(name, { handle, token });
  }

  cancel(name: string): void {
    const timer = this.armed.get(name);
    if (timer !== undefined) clearTimeout(timer.handle);
    this.armed.delete(name);
  }

  /** True, and the timer is forgotten, when the firing with `token` is still the timer's current arming. */
  take(name: string, token: number): boolean {
    if (this.armed.get(name)?.token !== token) return false;
    this.armed.delete(name);
    return true;
  }

  /** Cancels every timer (a stop, a rebuild: a timer is volatile state). */
  clear(): void {
    for (const timer of this.armed.values()) clearTimeout(timer.handle);
    this.armed.clear();
  }
}
