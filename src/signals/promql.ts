/**
 * PromQL's instant-vector lookup and `*_over_time` window selection over one series, as
 * Prometheus 2.42 (the version Debian ships and the agreement tests run) does them: closed
 * intervals `[t - lookback, t]` and `[t - window, t]`, then the arithmetic of
 * window-functions.ts (ported from the same version), so a verdict near a threshold falls on the
 * same side as Prometheus' alert.
 *
 * The choices that Prometheus versions differ on, or that a careless port gets wrong, are one
 * `Semantics` value: Prometheus 2.42's is the default, and the agreement test hands the engine
 * deliberately wrong ones to prove that promtool notices each.
 */
import type { Series } from './signal.ts';
import {
  avgOverTime,
  avgOverTimePair,
  maxOverTime,
  minOverTime,
  quantileOverTime,
} from './window-functions.ts';

/** The evaluated value of a series at one step. `unusable` keeps the NaN/Inf that made it so. */
export type StepValue =
  | { state: 'value'; v: number }
  | { state: 'missing' }
  | { state: 'unusable'; v: number; t: number };

export type WindowFunction = 'avg' | 'max' | 'min' | 'quantile';

export type ComparisonOp = '>' | '>=' | '<' | '<=';

/** A series with samples sorted by time in typed arrays, so lookups are binary searches. */
export interface SortedSeries {
  labels: Record<string, string>;
  times: Float64Array;
  values: Float64Array;
}

/** What a Prometheus version does at the edges where versions (and careless ports) differ. */
export interface Semantics {
  /**
   * Whether a sample exactly at `t - window` is in `<fn>_over_time(x[window])` at t. Prometheus
   * 2.x: yes, `[t - window, t]` (engine.go, matrixIterSlice: `t >= mint`); 3.x: no.
   */
  windowIncludesStart: boolean;
  /**
   * Whether a sample exactly `lookback` old is still the instant value. Prometheus 2.x: yes,
   * `[t - lookback, t]` (engine.go, vectorSelectorSingle: dropped only when `t < refTime -
   * lookbackDelta`); 3.x: no.
   */
  lookbackIncludesStart: boolean;
  /** avg_over_time's arithmetic (window-functions.ts: 2.42's Kahan-compensated running mean). */
  avg: (values: ArrayLike<number>) => number;
  /**
   * How many evaluation steps before the current one the condition must also have held for an
   * alert with this `for` to fire. Prometheus (rules/alerting.go, AlertingRule.Eval): firing
   * once `ts - ActiveAt >= holdDuration`, ActiveAt being the first step of the run.
   */
  holdSteps: (holdFor: number, step: number) => number;
  /** A comparison operator against a constant, as PromQL's filtering comparison reads it. */
  compare: (op: ComparisonOp, limit: number) => (v: number) => boolean;
}

export const PROMETHEUS_2_42: Semantics = Object.freeze({
  windowIncludesStart: true,
  lookbackIncludesStart: true,
  avg: avgOverTime,
  holdSteps: (holdFor: number, step: number) => Math.ceil(holdFor / step),
  compare: (op: ComparisonOp, limit: number): ((v: number) => boolean) => {
    switch (op) {
      case '>':
        return (v) => v > limit;
      case '>=':
        return (v) => v >= limit;
      case '<':
        return (v) => v < limit;
      case '<=':
        return (v) => v <= limit;
    }
  },
});

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

/** The instant value at t: the latest sample in [t - lookback, t] (Prometheus 2.x). */
export function instantValue(
  series: SortedSeries,
  t: number,
  lookback: number,
  semantics: Semantics = PROMETHEUS_2_42,
): StepValue {
  const i = lastAtOrBefore(series.times, t);
  if (i < 0) return MISSING;
  const at = series.times[i] ?? -Infinity;
  if (semantics.lookbackIncludesStart ? at < t - lookback : at <= t - lookback) return MISSING;
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
  semantics: Semantics = PROMETHEUS_2_42,
): StepValue {
  const start = t - window;
  const lo = semantics.windowIncludesStart
    ? firstAtOrAfter(series.times, start)
    : lastAtOrBefore(series.times, start) + 1;
  const hi = lastAtOrBefore(series.times, t);
  if (hi < lo) return MISSING;
  // The common case reads the column in place, and a finite mean vouches that every sample
  // was finite (a NaN or Inf leaves it NaN or infinite): no separate pass looking for them.
  const fastAvg = fn === 'avg' && semantics.avg === avgOverTime;
  if (fastAvg) {
    const v = avgOverTime(series.values, lo, hi + 1);
    if (Number.isFinite(v)) return { state: 'value', v };
  }
  // Real Prometheus drops NaN staleness markers before this point; in recorded data a NaN or
  // Inf is a broken measurement, and an aggregate over it would hide that.
  for (let i = lo; i <= hi; i++) {
    const v = series.values[i] ?? NaN;
    if (!Number.isFinite(v)) return { state: 'unusable', v, t: series.times[i] ?? t };
  }
  if (fastAvg) return { state: 'value', v: avgOverTime(series.values, lo, hi + 1) };
  const slice = series.values.subarray(lo, hi + 1);
  return { state: 'value', v: aggregate(slice, fn, q, semantics) };
}

const pairOut = new Float64Array(2);

/**
 * `avg_over_time(series[window])` at two times, as two windowValue calls return it, the two
 * means computed side by side (avgOverTimePair); windows that are empty or hold a NaN or Inf
 * go through windowValue.
 */
export function windowAveragePair(
  series: SortedSeries,
  tA: number,
  tB: number,
  window: number,
  semantics: Semantics = PROMETHEUS_2_42,
): [StepValue, StepValue] {
  if (semantics.avg !== avgOverTime) {
    return [
      windowValue(series, tA, window, 'avg', 0.5, semantics),
      windowValue(series, tB, window, 'avg', 0.5, semantics),
    ];
  }
  const times = series.times;
  const values = series.values;
  const loA = semantics.windowIncludesStart
    ? firstAtOrAfter(times, tA - window)
    : lastAtOrBefore(times, tA - window) + 1;
  const hiA = lastAtOrBefore(times, tA);
  const loB = semantics.windowIncludesStart
    ? firstAtOrAfter(times, tB - window)
    : lastAtOrBefore(times, tB - window) + 1;
  const hiB = lastAtOrBefore(times, tB);
  if (hiA >= loA && hiB >= loB) {
    avgOverTimePair(values, loA, hiA + 1, loB, hiB + 1, pairOut);
    const a = pairOut[0] as number;
    const b = pairOut[1] as number;
    // A NaN or ±Inf sample leaves the mean NaN or infinite, so two finite means vouch for
    // every sample: no separate pass looking for them.
    if (Number.isFinite(a) && Number.isFinite(b)) {
      return [
        { state: 'value', v: a },
        { state: 'value', v: b },
      ];
    }
  }
  return [
    windowValue(series, tA, window, 'avg', 0.5, semantics),
    windowValue(series, tB, window, 'avg', 0.5, semantics),
  ];
}

function aggregate(
  values: Float64Array,
  fn: WindowFunction,
  q: number,
  semantics: Semantics,
): number {
  switch (fn) {
    case 'avg':
      return semantics.avg(values);
    case 'max':
      return maxOverTime(values);
    case 'min':
      return minOverTime(values);
    case 'quantile':
      return quantileOverTime(q, values);
  }
}

/** Evaluation steps sit on multiples of `step` in unix time, like Prometheus rule evaluation. */
export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}
