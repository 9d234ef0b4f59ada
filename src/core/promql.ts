/**
 * PromQL's instant-vector lookup and `*_over_time` functions over one series, as Prometheus 2.42
 * (the version Debian ships and the agreement tests run) computes them: closed intervals
 * `[t - lookback, t]` and `[t - window, t]`, and the same arithmetic for avg and quantile, so a
 * verdict near a threshold falls on the same side as Prometheus' alert.
 */
import type { Series } from './signal.ts';

/** The evaluated value of a series at one step. `unusable` keeps the NaN/Inf that made it so. */
export type StepValue =
  | { state: 'value'; v: number }
  | { state: 'missing' }
  | { state: 'unusable'; v: number; t: number };

export type WindowFunction = 'avg' | 'max' | 'min' | 'quantile';

/** A series with samples sorted by time in typed arrays, so lookups are binary searches. */
export interface SortedSeries {
  labels: Record<string, string>;
  times: Float64Array;
  values: Float64Array;
  /** Prefix sums and counts of non-finite values, built on first use by `fastMean`. */
  prefix?: { sums: Float64Array; bad: Int32Array };
}

const MISSING: StepValue = { state: 'missing' };

export function sortSeries(series: Series): SortedSeries {
  const { labels, times, values } = series;
  if (isSorted(times)) return { labels, times, values };
  const order = Array.from(times, (_, i) => i).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0));
  return {
    labels,
    times: Float64Array.from(order, (i) => times[i] ?? NaN),
    values: Float64Array.from(order, (i) => values[i] ?? NaN),
  };
}

function isSorted(times: Float64Array): boolean {
  for (let i = 1; i < times.length; i++) {
    if ((times[i] ?? 0) < (times[i - 1] ?? 0)) return false;
  }
  return true;
}

/** Index of the last sample at or before t, or -1. */
export function lastAtOrBefore(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? Infinity) <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Index of the first sample at or after t (times.length when none). */
export function firstAtOrAfter(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? Infinity) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The instant value at t: the latest sample in [t - lookback, t]. */
export function instantValue(series: SortedSeries, t: number, lookback: number): StepValue {
  const i = lastAtOrBefore(series.times, t);
  if (i < 0) return MISSING;
  const at = series.times[i] ?? -Infinity;
  if (at < t - lookback) return MISSING;
  const v = series.values[i] ?? NaN;
  return Number.isFinite(v) ? { state: 'value', v } : { state: 'unusable', v, t: at };
}

/** `<fn>_over_time(series[window])` evaluated at t, over samples in [t - window, t]. */
export function windowValue(
  series: SortedSeries,
  t: number,
  window: number,
  fn: WindowFunction,
  q = 0.5,
): StepValue {
  const lo = firstAtOrAfter(series.times, t - window);
  const hi = lastAtOrBefore(series.times, t);
  if (hi < lo) return MISSING;
  // Real Prometheus drops NaN staleness markers before this point; in recorded data a NaN or
  // Inf is a broken measurement, and an aggregate over it would hide that.
  for (let i = lo; i <= hi; i++) {
    const v = series.values[i] ?? NaN;
    if (!Number.isFinite(v)) return { state: 'unusable', v, t: series.times[i] ?? t };
  }
  const slice = series.values.subarray(lo, hi + 1);
  return { state: 'value', v: aggregate(slice, fn, q) };
}

/**
 * The mean over [t - window, t] in O(log n) from prefix sums. Rounding can differ from
 * Prometheus' in the last bits, so it serves the kinds Prometheus has no rule for (burn rate
 * and baseline over long windows), where walking every window would be quadratic.
 */
export function fastMean(series: SortedSeries, t: number, window: number): StepValue {
  const lo = firstAtOrAfter(series.times, t - window);
  const hi = lastAtOrBefore(series.times, t);
  if (hi < lo) return MISSING;
  const { sums, bad } = prefixOf(series);
  if ((bad[hi + 1] ?? 0) - (bad[lo] ?? 0) > 0) return windowValue(series, t, window, 'avg');
  return { state: 'value', v: ((sums[hi + 1] ?? 0) - (sums[lo] ?? 0)) / (hi - lo + 1) };
}

function prefixOf(series: SortedSeries): { sums: Float64Array; bad: Int32Array } {
  if (series.prefix) return series.prefix;
  const n = series.values.length;
  const sums = new Float64Array(n + 1);
  const bad = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = series.values[i] ?? NaN;
    const finite = Number.isFinite(v);
    sums[i + 1] = (sums[i] ?? 0) + (finite ? v : 0);
    bad[i + 1] = (bad[i] ?? 0) + (finite ? 0 : 1);
  }
  series.prefix = { sums, bad };
  return series.prefix;
}

function aggregate(values: Float64Array, fn: WindowFunction, q: number): number {
  switch (fn) {
    case 'avg':
      return avgOverTime(values);
    case 'max':
      return values.reduce((m, v) => (v > m ? v : m), -Infinity);
    case 'min':
      return values.reduce((m, v) => (v < m ? v : m), Infinity);
    case 'quantile':
      return quantile(q, values);
  }
}

/** Prometheus' incremental mean (it avoids overflow on large sums; kept for identical rounding). */
export function avgOverTime(values: ArrayLike<number>): number {
  let mean = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    count++;
    mean += (values[i] ?? 0) / count - mean / count;
  }
  return mean;
}

/** Prometheus' quantile: linear interpolation between the samples around rank q*(n-1). */
export function quantile(q: number, values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = scratchCopy(values).sort();
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (sorted[lower] ?? NaN) * (1 - weight) + (sorted[upper] ?? NaN) * weight;
}

let scratch = new Float64Array(64);

/** Quantiles run at every step of every series: reusing one buffer spares the allocations. */
function scratchCopy(values: ArrayLike<number>): Float64Array {
  if (scratch.length < values.length) scratch = new Float64Array(values.length * 2);
  const view = scratch.subarray(0, values.length);
  for (let i = 0; i < values.length; i++) view[i] = values[i] ?? NaN;
  return view;
}

/** Evaluation steps sit on multiples of `step` in unix time, like Prometheus rule evaluation. */
export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}
