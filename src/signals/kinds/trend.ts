/** trend triggers: the slope of a series over a window. */
import { formatDuration } from '../../policy/duration.ts';
import { formatValue } from '../../policy/quantity.ts';
import type { TrendTrigger } from '../../policy/schema.ts';
import {
  chartPoints,
  clock,
  DISPLAY_SPAN,
  type EvaluationContext,
  missingJudgement,
  type Reading,
  type SeriesJudgement,
  timeline,
  unusableJudgement,
} from '../judgement.ts';
import { instantValue, type SortedSeries } from '../promql.ts';
// ---------------------------------------------------------------------------------------------
// trend

export function judgeTrend(
  trigger: TrendTrigger,
  series: SortedSeries,
  ctx: EvaluationContext,
  end: number,
): SeriesJudgement {
  const unit = trigger.min_increase?.unit ?? trigger.tolerance?.unit ?? 'number';
  const fmt = (v: number): string => formatValue(v, unit);
  const reading: Reading = {
    valueAt: (t) => instantValue(series, t, ctx.lookback),
    holds: () => true,
    conditionText: '',
    format: fmt,
    badness: (v) => v,
    thresholdValue: null,
  };
  const line = timeline(reading, end, ctx.step);
  const points = chartPoints(line, Math.max(DISPLAY_SPAN, trigger.window));
  const base = { labels: series.labels, thresholdValue: null, points };
  const steps = Math.floor(trigger.window / ctx.step);
  const now = line.at(0);
  if (now.state === 'missing') return missingJudgement(base);
  const values: number[] = [];
  for (let k = steps; k >= 0; k--) {
    const sv = line.at(k);
    if (sv.state === 'unusable') return unusableJudgement(base, sv, 'inside the trend window');
    if (sv.state === 'missing') {
      return {
        ...base,
        status: 'inconclusive',
        value: null,
        since: null,
        badness: -Infinity,
        detail: `has no data at ${clock(end - k * ctx.step)}, so it cannot tell whether it grew over the whole ${formatDuration(trigger.window)}`,
      };
    }
    values.push(sv.v);
  }
  const tolerance = trigger.tolerance?.value ?? 0;
  const increase = (values[values.length - 1] ?? 0) - (values[0] ?? 0);
  const common = { ...base, value: increase, badness: increase };
  for (let i = 1; i < values.length; i++) {
    const dip = (values[i - 1] ?? 0) - (values[i] ?? 0);
    if (dip > tolerance) {
      const at = end - (steps - i) * ctx.step;
      return {
        ...common,
        status: 'ok',
        since: null,
        detail: `fell by ${fmt(dip)} at ${clock(at)}, so it is not growing steadily`,
      };
    }
  }
  const minIncrease = trigger.min_increase?.value ?? 0;
  const grew = `grew by ${fmt(increase)} over the last ${formatDuration(trigger.window)} without a dip`;
  if (increase > minIncrease) {
    const since = end - steps * ctx.step;
    const needed = trigger.min_increase ? ` (more than ${trigger.min_increase.text})` : '';
    return {
      ...common,
      status: 'breached',
      since,
      detail: `${grew}${needed} since ${clock(since)}`,
    };
  }
  const needed = trigger.min_increase ? `, not more than ${trigger.min_increase.text}` : '';
  return { ...common, status: 'ok', since: null, detail: `${grew}${needed}` };
}
