/** burn-rate triggers: an error budget spent too fast over a long and a short window at once. */
import { formatDuration } from '../../policy/duration.ts';
import { formatValue } from '../../policy/quantity.ts';
import type { BurnRateTrigger, MissingData } from '../../policy/schema.ts';
import {
  chartPoints,
  combine,
  dataStart,
  DISPLAY_SPAN,
  type EvaluationContext,
  failed,
  judgeHeld,
  missingJudgement,
  type Reading,
  type SeriesJudgement,
  timeline,
  type VerdictFrame,
  worstOf,
} from '../judgement.ts';
import {
  type PointValue,
  PROMETHEUS_2_42,
  type SortedSeries,
  windowAveragePair,
} from '../promql.ts';
import type { Verdict } from '../verdict.ts';
import { meanOver } from './baseline.ts';
// ---------------------------------------------------------------------------------------------
// burn-rate

export function evaluateBurnRate(
  frame: VerdictFrame,
  trigger: BurnRateTrigger,
  series: SortedSeries[],
  ctx: EvaluationContext,
  end: number,
  missingData: MissingData,
): Verdict {
  const budget = 1 - trigger.objective.value;
  if (!(budget > 0))
    return failed(
      frame,
      `the objective ${trigger.objective.text} leaves no error budget; write it below 100%`,
    );
  const judgements = series.map((s) => judgeBurn(trigger, s, ctx, end, budget));
  return combine(frame, judgements, missingData, ctx);
}

/** Each pair breaches when both windows burn faster than its factor: the smaller burn decides. */
export function judgeBurn(
  trigger: BurnRateTrigger,
  series: SortedSeries,
  ctx: EvaluationContext,
  end: number,
  budget: number,
): SeriesJudgement {
  const pairs = trigger.windows.map((pair) => {
    const burnAt = (t: number, window: number): PointValue => {
      const avg = meanOver(series, t, window, ctx.semantics);
      return avg.state === 'value' ? { state: 'value', v: avg.v / budget } : avg;
    };
    const burnPairAt = (tA: number, tB: number, window: number): [PointValue, PointValue] => {
      const [a, b] = windowAveragePair(series, tA, tB, window, ctx.semantics);
      return [
        a.state === 'value' ? { state: 'value', v: a.v / budget } : a,
        b.state === 'value' ? { state: 'value', v: b.v / budget } : b,
      ];
    };
    const reading: Reading = {
      valueAt: (t) => worse(burnAt(t, pair.long), burnAt(t, pair.short)),
      valuePairAt: (tA, tB) => {
        const [longA, longB] = burnPairAt(tA, tB, pair.long);
        const [shortA, shortB] = burnPairAt(tA, tB, pair.short);
        return [worse(longA, shortA), worse(longB, shortB)];
      },
      holds: (ctx.semantics ?? PROMETHEUS_2_42).compare('>', pair.factor),
      conditionText: `burning faster than ${pair.factor}x over both ${formatDuration(pair.long)} and ${formatDuration(pair.short)}`,
      format: (v) => `${formatValue(v, 'number')}x`,
      badness: (v) => v / pair.factor,
      thresholdValue: pair.factor,
    };
    const line = timeline(reading, end, ctx.step, dataStart(trigger, ctx, series));
    const judgement = judgeHeld(reading, line, 0, series.labels);
    const long = burnAt(end, pair.long);
    const short = burnAt(end, pair.short);
    const rates =
      long.state === 'value' && short.state === 'value'
        ? `${formatValue(long.v, 'number')}x over ${formatDuration(pair.long)}, ${formatValue(short.v, 'number')}x over ${formatDuration(pair.short)}`
        : '';
    return { ...judgement, points: chartPoints(line, DISPLAY_SPAN), rates };
  });
  const worst = worstOf(pairs);
  if (worst === undefined) {
    return missingJudgement({ labels: series.labels, points: [], thresholdValue: null });
  }
  const allRates = pairs.map((p) => p.rates).filter((r) => r !== '');
  const rates = allRates.length > 0 ? ` (burn rates: ${allRates.join('; ')})` : '';
  return { ...worst, detail: `${worst.detail}${rates}` };
}

/** The smaller burn of a pair; missing or unusable if either window is. */
export function worse(a: PointValue, b: PointValue): PointValue {
  if (a.state !== 'value') return a;
  if (b.state !== 'value') return b;
  return { state: 'value', v: Math.min(a.v, b.v) };
}
