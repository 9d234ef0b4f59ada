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
 * Prometheus' special cases for a mean that has become infinite. Over `values[from, to)`, so a
 * caller walking windows of one column passes bounds rather than a view per window.
 *
 * kahanSumInc is written out inline: this loop runs for every sample of every window of every
 * step (burn-rate charts: tens of millions per run), and the same operations in the same order
 * give the same bits without a call and two stores per sample.
 */
export function avgOverTime(values: ArrayLike<number>, from = 0, to = values.length): number {
  return avgContinue(values, from, to, 0, 0, 0);
}

/** avgOverTime's loop from sample `from` on, its state so far being `mean`, `c` and `count`. */
function avgContinue(
  values: ArrayLike<number>,
  from: number,
  to: number,
  mean: number,
  c: number,
  count: number,
): number {
  for (let i = from; i < to; i++) {
    const v = values[i] as number;
    count++;
    if (mean === Infinity || mean === -Infinity) {
      // Same-signed infinities cannot be subtracted, but the mean is right already.
      if (isInf(v) && mean > 0 === v > 0) continue;
      // A finite value cannot move an infinite mean; `Inf += x - Inf` would make it NaN.
      if (!isInf(v) && !Number.isNaN(v)) continue;
    }
    // kahanSumInc(v / count - mean / count, mean, c)
    const inc = v / count - mean / count;
    const t = mean + inc;
    if (Math.abs(mean) >= Math.abs(inc)) {
      c += mean - t + inc;
    } else {
      c += inc - t + mean;
    }
    mean = t;
  }
  if (isInf(mean)) return mean;
  return mean + c;
}

/**
 * avgOverTime over two windows of one column at once, `values[fromA, toA)` into out[0] and
 * `values[fromB, toB)` into out[1], each with exactly avgOverTime's operations in its order.
 * The running mean is one long chain of dependent divisions and additions, so one window keeps
 * the processor waiting on each step; two independent chains side by side take little longer
 * than one (about half the time per window measured here). While both run together the
 * infinite-mean special cases are left to avgOverTime: a mean that becomes infinite sends both
 * windows back to it, from the start.
 */
export function avgOverTimePair(
  values: ArrayLike<number>,
  fromA: number,
  toA: number,
  fromB: number,
  toB: number,
  out: Float64Array,
): void {
  const common = Math.min(toA - fromA, toB - fromB);
  let meanA = 0;
  let cA = 0;
  let meanB = 0;
  let cB = 0;
  let k = 0;
  for (; k < common; k++) {
    if (!(Math.abs(meanA) < Infinity && Math.abs(meanB) < Infinity)) break;
    const count = k + 1;
    const vA = values[fromA + k] as number;
    const vB = values[fromB + k] as number;
    const incA = vA / count - meanA / count;
    const incB = vB / count - meanB / count;
    const tA = meanA + incA;
    const tB = meanB + incB;
    if (Math.abs(meanA) >= Math.abs(incA)) {
      cA += meanA - tA + incA;
    } else {
      cA += incA - tA + meanA;
    }
    if (Math.abs(meanB) >= Math.abs(incB)) {
      cB += meanB - tB + incB;
    } else {
      cB += incB - tB + meanB;
    }
    meanA = tA;
    meanB = tB;
  }
  if (k < common || isInf(meanA) || isInf(meanB)) {
    out[0] = avgOverTime(values, fromA, toA);
    out[1] = avgOverTime(values, fromB, toB);
    return;
  }
  out[0] = avgContinue(values, fromA + k, toA, meanA, cA, k);
  out[1] = avgContinue(values, fromB + k, toB, meanB, cB, k);
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
