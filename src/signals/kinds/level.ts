/** threshold and aggregate triggers: a level (instant value or window aggregate) against a limit. */
import { formatValue } from '../../policy/quantity.ts';
import type { AggregateTrigger, FailureLimit, ThresholdTrigger } from '../../policy/schema.ts';
import {
  chartPoints,
  dataStart,
  DISPLAY_SPAN,
  type EvaluationContext,
  judgeHeld,
  missingJudgement,
  type Op,
  type Reading,
  type SeriesJudgement,
  type Timeline,
  timeline,
} from '../judgement.ts';
import {
  instantValue,
  type PointValue,
  PROMETHEUS_2_42,
  type Semantics,
  type SortedSeries,
  type WindowFunction,
  windowValue,
} from '../promql.ts';
// ---------------------------------------------------------------------------------------------
// threshold and aggregate

export function levelReading(
  trigger: ThresholdTrigger | AggregateTrigger,
  series: SortedSeries,
  ctx: EvaluationContext,
): Reading {
  const limit = trigger.threshold.value;
  const unit = trigger.threshold.unit;
  const semantics = ctx.semantics ?? PROMETHEUS_2_42;
  const valueAt =
    trigger.kind === 'threshold'
      ? (t: number) => instantValue(series, t, ctx.lookback, semantics)
      : windowReader(series, trigger.window, trigger.aggregate, trigger.quantile ?? 0.5, semantics);
  return {
    valueAt,
    holds: semantics.compare(trigger.op, limit),
    conditionText: `${OP_WORDS[trigger.op]} ${trigger.threshold.text}`,
    format: (v) => formatValue(v, unit, limit),
    badness: trigger.op.startsWith('>') ? (v) => v : (v) => -v,
    thresholdValue: limit,
  };
}

export function windowReader(
  series: SortedSeries,
  window: number,
  fn: WindowFunction,
  q: number,
  semantics: Semantics,
): (t: number) => PointValue {
  return (t) => windowValue(series, t, window, fn, q, semantics);
}

export const OP_WORDS: Record<Op, string> = {
  '>': 'above',
  '>=': 'at or above',
  '<': 'below',
  '<=': 'at or below',
};

export function judgeLevel(
  trigger: ThresholdTrigger | AggregateTrigger,
  series: SortedSeries,
  ctx: EvaluationContext,
  end: number,
): SeriesJudgement {
  const reading = levelReading(trigger, series, ctx);
  const line = timeline(reading, end, ctx.step, dataStart(trigger, ctx, series));
  const limit = trigger.kind === 'threshold' ? trigger.failure_limit : undefined;
  const judgement = limit
    ? judgeLimit(reading, line, limit, series.labels)
    : judgeHeld(reading, line, trigger.for, series.labels, ctx.semantics);
  const span = Math.max(DISPLAY_SPAN, trigger.for, limit ? (limit.of - 1) * ctx.step : 0);
  return { ...judgement, points: chartPoints(line, span) };
}

/**
 * Argo Rollouts' failure limit over the last `of` evaluation steps: breached once `failures` of
 * them held the condition, wherever they fall, so a flapping signal that never holds for a whole
 * `for` still rolls back. A step without a usable value is neither: when the unknown steps could
 * decide it either way the verdict is inconclusive, never ok.
 */
export function judgeLimit(
  reading: Reading,
  line: Timeline,
  limit: FailureLimit,
  labels: Record<string, string>,
): SeriesJudgement {
  const base = { labels, thresholdValue: reading.thresholdValue, points: [] };
  let held = 0;
  let unknown = 0;
  let earliest: number | null = null;
  for (let k = 0; k < limit.of; k++) {
    const sv = line.at(k);
    if (sv.state !== 'value') unknown++;
    else if (reading.holds(sv.v)) {
      held++;
      earliest = line.end - k * line.step;
    }
  }
  const now = line.at(0);
  if (unknown === limit.of && now.state === 'missing') {
    return missingJudgement(base);
  }
  const value = now.state === 'value' ? now.v : null;
  const valueText = value === null ? 'no value now' : `now ${reading.format(value)}`;
  const common = {
    ...base,
    value,
    badness: value === null ? Infinity : reading.badness(value),
  };
  const tally = `${held} of the last ${limit.of} evaluations ${reading.conditionText} (${valueText})`;
  if (held >= limit.failures) {
    return {
      ...common,
      status: 'breached',
      since: earliest,
      detail: `was ${tally}, reaching the limit of ${limit.failures}`,
    };
  }
  if (held + unknown >= limit.failures) {
    return {
      ...common,
      status: 'inconclusive',
      since: earliest,
      detail: `was ${tally}, and ${unknown} step${unknown === 1 ? ' has' : 's have'} no usable value, so the limit of ${limit.failures} cannot be ruled out`,
    };
  }
  return {
    ...common,
    status: 'ok',
    since: earliest,
    detail: `was ${tally}, below the limit of ${limit.failures}`,
  };
}
