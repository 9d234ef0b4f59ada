/**
 * What a source hands to the trigger engine. Timestamps are unix milliseconds.
 *
 * `raw` series are samples as scraped (a recorded OpenMetrics file): the engine applies
 * Prometheus' lookback and `*_over_time` semantics to them itself.
 * `stepped` series are already evaluated at each step (a Prometheus `query_range` answer):
 * one value per step, so window aggregates behave like a PromQL subquery `avg_over_time((q)[w:step])`.
 */
export interface Sample {
  t: number;
  v: number;
}

/**
 * One series as columns: `times[i]` (unix ms) and `values[i]` belong together. Recordings reach
 * hundreds of millions of samples, so there is no object per sample; sources hand them sorted
 * by time, and the engine sorts any that are not.
 */
export interface Series {
  labels: Record<string, string>;
  times: Float64Array;
  values: Float64Array;
}

/** Columns from sample objects, in the given order (small answers: HTTP, Datadog, tests). */
export function seriesFromSamples(
  labels: Record<string, string>,
  samples: readonly Sample[],
): Series {
  const times = new Float64Array(samples.length);
  const values = new Float64Array(samples.length);
  samples.forEach((s, i) => {
    times[i] = s.t;
    values[i] = s.v;
  });
  return { labels, times, values };
}

/** The samples of a series as objects: for small series only (tests, charts, probes). */
export function samplesOf(series: Series): Sample[] {
  return Array.from(series.times, (t, i) => ({ t, v: series.values[i] ?? NaN }));
}

export type SignalKind = 'raw' | 'stepped';

/** A source answers with data, or with the reason it has none (never an exception). */
export type SignalResult =
  | { ok: true; kind: SignalKind; series: Series[]; query: string }
  | { ok: false; reason: string; query: string };

/** The time range a trigger needs to reach its verdict at `end`. */
export interface RangeRequest {
  query: string;
  start: number;
  end: number;
  step: number;
}

/** A probe result (HTTP health check): time, success, and why it failed. */
export interface ProbeResult {
  t: number;
  ok: boolean;
  detail: string;
  status?: number;
  latencyMs?: number;
}
