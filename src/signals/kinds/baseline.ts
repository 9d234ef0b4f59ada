/** baseline triggers: now against the same series before the deployment. */
import { formatDuration } from '../../policy/duration.ts';
import { formatValue } from '../../policy/quantity.ts';
import type { BaselineTrigger } from '../../policy/schema.ts';
import {
  chartPoints,
  clock,
  dataStart,
  DISPLAY_SPAN,
  type EvaluationContext,
  judgeHeld,
  missingJudgement,
  type Reading,
  type SeriesJudgement,
  timeline,
  unusableJudgement,
} from '../judgement.ts';
import {
  type PointValue,
  PROMETHEUS_2_42,
  type Semantics,
  type SortedSeries,
  windowValue,
} from '../promql.ts';
// ---------------------------------------------------------------------------------------------
// baseline

/**
 * `avg_over_time(query[window])` at t, with Prometheus' arithmetic: baseline and burn-rate
 * triggers are what a user would otherwise write as such rules, so they decide as those would.
 * Each step walks its window (as Prometheus does); a prefix-sum mean would be faster but
 * rounds differently, which decides the other way when a value sits on its limit.
 */
export function meanOver(
  series: SortedSeries,
  t: number,
  window: number,
  semantics: Semantics | undefined,
): PointValue {
  return windowValue(series, t, window, 'avg', 0.5, semantics ?? PROMETHEUS_2_42);
}

export function judgeBaseline(
  trigger: BaselineTrigger,
  series: SortedSeries,
  ctx: EvaluationContext,
  end: number,
  deployedAt: number,
): SeriesJudgement {
  const before = meanOver(series, deployedAt, trigger.baseline_window, ctx.semantics);
  const reading0 = baselineReading(trigger, series, 0, ctx.semantics);
  const line0 = timeline(reading0, end, ctx.step);
  const span = Math.max(DISPLAY_SPAN, end - (deployedAt - trigger.baseline_window));
  const base = { labels: series.labels, thresholdValue: null, points: chartPoints(line0, span) };
  if (line0.at(0).state === 'missing') {
    return missingJudgement(base);
  }
  if (before.state === 'unusable') return unusableJudgement(base, before, 'in the baseline window');
  if (before.state === 'missing' || before.v === 0) {
    const why = before.state === 'missing' ? 'has no data' : 'averaged 0';
    return {
      ...base,
      status: 'inconclusive',
      value: null,
      since: null,
      badness: -Infinity,
      detail: `${why} in the ${formatDuration(trigger.baseline_window)} before the deployment (${clock(deployedAt)}), so there is no baseline to compare with`,
    };
  }
  const baseline = before.v;
  const reading = baselineReading(trigger, series, baseline, ctx.semantics);
  const line = timeline(reading, end, ctx.step, dataStart(trigger, ctx, series));
  const judgement = judgeHeld(reading, line, 0, series.labels);
  const current = judgement.value;
  const change =
    current === null
      ? ''
      : ` (${signedPercent(current / baseline - 1)} vs the baseline ${formatValue(baseline, 'number')})`;
  return { ...judgement, points: chartPoints(line, span), detail: `${judgement.detail}${change}` };
}

export function baselineReading(
  trigger: BaselineTrigger,
  series: SortedSeries,
  baseline: number,
  semantics: Semantics | undefined,
): Reading {
  const drop = trigger.change === 'drop';
  const limit = baseline * (drop ? 1 - trigger.by.value : 1 + trigger.by.value);
  return {
    valueAt: (t) => meanOver(series, t, trigger.window, semantics),
    holds: (semantics ?? PROMETHEUS_2_42).compare(drop ? '<' : '>', limit),
    conditionText: `${drop ? 'below' : 'above'} ${formatValue(limit, 'number')} (${trigger.by.text} ${drop ? 'under' : 'over'} the pre-deploy baseline)`,
    format: (v) => formatValue(v, 'number'),
    badness: drop ? (v) => -v / baseline : (v) => v / baseline,
    thresholdValue: limit,
  };
}

export function signedPercent(ratio: number): string {
  const text = formatValue(ratio, 'ratio');
  return ratio > 0 ? `+${text}` : text;
}
