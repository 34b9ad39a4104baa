import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandlerTimers, TIMER_DELAY_MS_MAX } from './timers.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('the host timers', () => {
  it('re-arms by name, tells a stale firing from the current one, and cancels', () => {
    vi.useFakeTimers();
    const fired: Array<[string, number]> = [];
    const timers = new HandlerTimers((name, token) => fired.push([name, token]));
    timers.set('a', 10);
    timers.set('a', 30); // replaces the first arming
    timers.set('b', 20);
    timers.cancel('b');
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([['a', 2]]);
    expect(timers.take('a', 1)).toBe(false); // an older arming's token
    expect(timers.take('a', 2)).toBe(true);
    expect(timers.take('a', 2)).toBe(false); // taken once only
  });

  it('treats a firing as stale once the timer was re-armed after it fired', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const timers = new HandlerTimers((_name, token) => fired.push(token));
    timers.set('tick', 5);
    vi.advanceTimersByTime(5); // fired, its handler not run yet
    timers.set('tick', 50);
    expect(timers.take('tick', fired[0])).toBe(false);
    timers.clear();
    vi.advanceTimersByTime(100);
    expect(fired).toHaveLength(1);
  });

  it('clamps a very long delay instead of firing at once, and refuses a negative one', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    const timers = new HandlerTimers((name) => fired.push(name));
    timers.set('far', TIMER_DELAY_MS_MAX * 4);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
    timers.clear();
    expect(() => timers.set('bad', -1)).toThrow('timer bad: delay must be >= 0 ms, got -1');
  });
});
