/**
 * The trigger engine: from the data a source returned, a verdict per trigger with its evidence.
 * Pure: the evaluation time comes in through the context, never from a clock.
 *
 * Every kind but probe reduces to the same shape: a value per series at each evaluation step
 * (instant value, window aggregate, baseline average, burn rate) and a condition on it, held
 * for a duration with Prometheus alerting semantics. Each series is judged on its own; the
 * trigger breaches when any series does, and the worst series is the evidence.
 */
import { formatDuration } from '../policy/duration.ts';
import type {
  AggregateTrigger,
  FailureLimit,
  MissingData,
  ProbeTrigger,
  Trigger,
} from '../policy/schema.ts';
import { combine, type EvaluationContext, failed, type VerdictFrame } from './judgement.ts';
import { judgeBaseline } from './kinds/baseline.ts';
import { evaluateBurnRate } from './kinds/burn-rate.ts';
import { judgeLevel } from './kinds/level.ts';
import { evaluateProbeSeries } from './kinds/probe.ts';
import { judgeTrend } from './kinds/trend.ts';
import { alignDown, sortSeries } from './promql.ts';
import type { SignalResult } from './signal.ts';
import type { Verdict } from './verdict.ts';

// The engine is the one entry point: callers need not know which file judges which kind.
export { evaluateProbe } from './kinds/probe.ts';
export { rangeFor } from './judgement.ts';
export type { EvaluationContext } from './judgement.ts';

// ---------------------------------------------------------------------------------------------
// Entry point

export function evaluateTrigger(
  trigger: Trigger,
  data: SignalResult,
  ctx: EvaluationContext,
  missingData: MissingData,
  sourceName: string,
): Verdict {
  if (trigger.kind === 'probe') return evaluateProbeSeries(trigger, data, ctx, sourceName);
  const frame = frameFor(trigger, sourceName, data.query || trigger.query);
  if (!data.ok) return failed(frame, data.reason);
  const series = data.series.map(sortSeries);
  const end = alignDown(ctx.at, ctx.step);
  switch (trigger.kind) {
    case 'threshold':
    case 'aggregate':
      return combine(
        frame,
        series.map((s) => judgeLevel(trigger, s, ctx, end)),
        missingData,
        ctx,
      );
    case 'trend':
      return combine(
        frame,
        series.map((s) => judgeTrend(trigger, s, ctx, end)),
        missingData,
        ctx,
      );
    case 'baseline':
      if (ctx.deployedAt === undefined) {
        return failed(
          frame,
          'no baseline: pass the deployment time so the pre-deploy window is known',
        );
      }
      return combine(
        frame,
        series.map((s) => judgeBaseline(trigger, s, ctx, end, ctx.deployedAt ?? 0)),
        missingData,
        ctx,
      );
    case 'burn-rate':
      return evaluateBurnRate(frame, trigger, series, ctx, end, missingData);
  }
}

function frameFor(
  trigger: Exclude<Trigger, ProbeTrigger>,
  source: string,
  query: string,
): VerdictFrame {
  const common = { trigger, source, query };
  switch (trigger.kind) {
    case 'threshold':
      return {
        ...common,
        threshold: `${trigger.op} ${trigger.threshold.text}${forText(trigger.for)}${limitText(trigger.failure_limit)}`,
        thresholdValue: trigger.threshold.value,
        unit: trigger.threshold.unit,
        subject: trigger.name,
      };
    case 'aggregate': {
      const agg = `${aggregateName(trigger)} over ${formatDuration(trigger.window)}`;
      return {
        ...common,
        threshold: `${agg} ${trigger.op} ${trigger.threshold.text}${forText(trigger.for)}`,
        thresholdValue: trigger.threshold.value,
        unit: trigger.threshold.unit,
        subject: `${trigger.name} (${agg})`,
      };
    }
    case 'trend': {
      const by = trigger.min_increase ? ` by more than ${trigger.min_increase.text}` : '';
      const dips = trigger.tolerance ? `, dips up to ${trigger.tolerance.text} tolerated` : '';
      return {
        ...common,
        threshold: `rising over ${formatDuration(trigger.window)}${by}${dips}`,
        thresholdValue: null,
        unit: trigger.min_increase?.unit ?? trigger.tolerance?.unit ?? 'number',
        subject: trigger.name,
      };
    }
    case 'baseline':
      return {
        ...common,
        threshold: `${trigger.change} of more than ${trigger.by.text} vs the ${formatDuration(trigger.baseline_window)} before the deployment (avg over ${formatDuration(trigger.window)})`,
        thresholdValue: null,
        unit: 'number',
        subject: `${trigger.name} (avg over ${formatDuration(trigger.window)})`,
      };
    case 'burn-rate':
      return {
        ...common,
        threshold: `${trigger.windows
          .map(
            (w) =>
              `burn rate > ${w.factor}x over ${formatDuration(w.long)} and ${formatDuration(w.short)}`,
          )
          .join(' or ')} (objective ${trigger.objective.text})`,
        thresholdValue: trigger.windows[0]?.factor ?? null,
        unit: 'number',
        subject: `${trigger.name} burn rate`,
      };
  }
}

function limitText(limit: FailureLimit | undefined): string {
  return limit ? ` in ${limit.failures} of ${limit.of} evaluations` : '';
}

function forText(holdFor: number): string {
  return holdFor > 0 ? ` for ${formatDuration(holdFor)}` : '';
}

function aggregateName(trigger: AggregateTrigger): string {
  if (trigger.aggregate !== 'quantile') return trigger.aggregate;
  const q = trigger.quantile ?? 0.5;
  const pct = q * 100;
  return Number.isInteger(pct) ? `p${pct}` : `quantile ${q}`;
}
