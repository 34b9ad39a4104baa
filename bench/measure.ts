import { invariant } from '../src/core/assert.ts';

/** Wall-clock milliseconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `work` and returns its result with the wall time it took, in ms. */
export function timed<T>(work: () => T): { value: T; wallMs: number } {
  const startMs = nowMs();
  const value = work();
  return { value, wallMs: nowMs() - startMs };
}

export async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number }> {
  const startMs = nowMs();
  const value = await work();
  return { value, wallMs: nowMs() - startMs };
}

/** The value below which `fraction` of the samples fall (nearest rank); samples need not be sorted. */
export function percentile(samples: readonly number[], fraction: number): number {
  invariant(samples.length > 0, 'a percentile of no samples');
  invariant(fraction >= 0 && fraction <= 1, `a percentile fraction is in [0, 1], got ${fraction}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

export function median(samples: readonly number[]): number {
  invariant(samples.length > 0, 'a median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** 1234567 -> "1.23 M", 12345 -> "12.3 k": rates and counts that people can read at a glance. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toPrecision(3)} G`;
  if (magnitude >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toPrecision(3)} k`;
  if (magnitude >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

export function formatMs(valueMs: number): string {
  if (valueMs >= 10_000) return `${(valueMs / 1000).toFixed(1)} s`;
  if (valueMs >= 100) return `${valueMs.toFixed(0)} ms`;
  return `${valueMs.toFixed(1)} ms`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

/** A ratio as "1.50x", "0.740" or "0.021 (1/48)": small fractions with their inverse, which reads directly. */
export function formatRatio(ratio: number): string {
  if (!(ratio > 0)) return String(ratio);
  if (ratio >= 1) return `${ratio.toFixed(2)}x`;
  return ratio >= 0.5 ? ratio.toFixed(3) : `${ratio.toFixed(3)} (1/${(1 / ratio).toFixed(0)})`;
}
