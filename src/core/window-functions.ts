/**
 * PromQL's `*_over_time` arithmetic, ported line for line from Prometheus v2.42.0
 * (`promql/functions.go`, `promql/quantile.go`), the version Debian ships and the agreement
 * test runs as `promtool test rules`. A verdict near a threshold must fall on the same side as
 * Prometheus' alert, so "about the same" is not enough: the order of operations, the
 * compensation terms and the Inf/NaN special cases are Prometheus', and so is every bit of the
 * result. Prometheus 3 computes avg_over_time differently (a Kahan-compensated sum divided by the
 * count, falling back to this incremental mean only on overflow); Ripcord follows 2.42, see
 * docs/architecture.md, "Semantics the engine follows".
 *
 * Pure functions over the samples already selected for one window, oldest first, as
 * `ArrayLike<number>` so callers can pass typed-array columns or plain arrays without copying.
 * Which samples belong to a window (the boundaries) is promql.ts' business, not this module's.
 */

/**
 * One step of Kahan-Babuska-Neumaier summation: `kahanSumInc` in promql/functions.go (v2.42.0).
 * Returns the new sum and compensation through `out` so a hot loop allocates nothing.
 */
function kahanSumInc(inc: number, sum: number, c: number, out: Float64Array): void {
  const t = sum + inc;
  // Neumaier's improvement: swap when the next term is larger than the sum.
  if (Math.abs(sum) >= Math.abs(inc)) {
    c += sum - t + inc;
  } else {
    c += inc - t + sum;
  }
  out[0] = t;
  out[1] = c;
}

const pair = new Float64Array(2);

/**
 * `avg_over_time`: funcAvgOverTime in promql/functions.go (v2.42.0). An incremental mean (it
 * never forms the sum, so it cannot overflow) whose increments are Kahan-summed, with
 * Prometheus' special cases for a mean that has become infinite.
 */
export function avgOverTime(values: ArrayLike<number>): number {
  let mean = 0;
  let count = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    count++;
    if (isInf(mean)) {
      // Same-signed infinities cannot be subtracted, but the mean is right already.
      if (isInf(v) && mean > 0 === v > 0) continue;
      // A finite value cannot move an infinite mean; `Inf += x - Inf` would make it NaN.
      if (!isInf(v) && !Number.isNaN(v)) continue;
    }
    kahanSumInc(v / count - mean / count, mean, c, pair);
    mean = pair[0] as number;
    c = pair[1] as number;
  }
  if (isInf(mean)) return mean;
  return mean + c;
}

/** `sum_over_time`: funcSumOverTime in promql/functions.go (v2.42.0), Kahan-Neumaier summed. */
export function sumOverTime(values: ArrayLike<number>): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    kahanSumInc(values[i] as number, sum, c, pair);
    sum = pair[0] as number;
    c = pair[1] as number;
  }
  if (isInf(sum)) return sum;
  return sum + c;
}

/** `count_over_time`: funcCountOverTime in promql/functions.go (v2.42.0). */
export function countOverTime(values: ArrayLike<number>): number {
  return values.length;
}

/**
 * `max_over_time`: funcMaxOverTime in promql/functions.go (v2.42.0). A NaN is replaced by the
 * next value, so NaN wins only when every value is NaN. Empty windows have no result in
 * Prometheus (the series drops out); here they are NaN, and callers never pass one.
 */
export function maxOverTime(values: ArrayLike<number>): number {
  let max = values.length > 0 ? (values[0] as number) : NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > max || Number.isNaN(max)) max = v;
  }
  return max;
}

/** `min_over_time`: funcMinOverTime in promql/functions.go (v2.42.0); NaN as in maxOverTime. */
export function minOverTime(values: ArrayLike<number>): number {
  let min = values.length > 0 ? (values[0] as number) : NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min || Number.isNaN(min)) min = v;
  }
  return min;
}

/** `last_over_time`: funcLastOverTime in promql/functions.go (v2.42.0). */
export function lastOverTime(values: ArrayLike<number>): number {
  return values.length > 0 ? (values[values.length - 1] as number) : NaN;
}

/**
 * `quantile_over_time`: funcQuantileOverTime in promql/functions.go, which calls `quantile` in
 * promql/quantile.go (v2.42.0): sort, then interpolate linearly between the samples around rank
 * q*(n-1), as `lower*(1-weight) + upper*weight` (that exact expression: it rounds differently
 * from `lower + (upper-lower)*weight`). Prometheus' sort puts NaN first; so does this one.
 */
export function quantileOverTime(q: number, values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = sortedCopy(values);
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return (sorted[lowerIndex] as number) * (1 - weight) + (sorted[upperIndex] as number) * weight;
}

let scratch = new Float64Array(64);

/**
 * Quantiles run at every step of every series: one reused buffer spares the allocations.
 * Float64Array#sort orders numerically and puts NaN last; Prometheus' `Less` puts NaN first,
 * so NaNs are moved to the front (their count is all that matters: NaN == NaN bitwise here).
 */
function sortedCopy(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (scratch.length < n) scratch = new Float64Array(n * 2);
  const view = scratch.subarray(0, n);
  let nans = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) nans++;
    else view[k++] = v;
  }
  view.subarray(0, k).sort();
  if (nans > 0) {
    view.copyWithin(nans, 0, k);
    view.fill(NaN, 0, nans);
  }
  return view;
}

function isInf(v: number): boolean {
  return v === Infinity || v === -Infinity;
}
