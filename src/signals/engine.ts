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
import { formatValue, type QuantityUnit } from '../policy/quantity.ts';
import type {
  AggregateTrigger,
  BaselineTrigger,
  BurnRateTrigger,
  MissingData,
  FailureLimit,
  ProbeTrigger,
  ThresholdTrigger,
  Trigger,
  TrendTrigger,
} from '../policy/schema.ts';
import { samplesOf, type ProbeResult, type RangeRequest, type SignalResult } from './signal.ts';
import type { Verdict, VerdictStatus } from './verdict.ts';
import {
  alignDown,
  instantValue,
  PROMETHEUS_2_42,
  sortSeries,
  windowAveragePair,
  windowValue,
  type ComparisonOp,
  type Semantics,
  type SortedSeries,
  type StepValue,
  type WindowFunction,
} from './promql.ts';

export interface EvaluationContext {
  /** Evaluation time, unix ms; aligned down to the step grid. */
  at: number;
  /** Evaluation interval, ms. */
  step: number;
  /** How far back an instant value may come from, ms. */
  lookback: number;
  /** When the deployment was created, unix ms: the end of the baseline window. */
  deployedAt?: number;
  /**
   * The Prometheus semantics to follow; Prometheus 2.42's unless given. Only the agreement test
   * passes others (deliberately wrong ones, to show promtool catches each).
   */
  semantics?: Semantics;
}

/** Charts read better with at least half an hour of context, whatever the trigger needs. */
const DISPLAY_SPAN = 30 * 60_000;
/** Bounds the walk back in time that finds since when a condition has held. */
const MAX_SINCE_STEPS = 5_000;

type Op = ComparisonOp;

// ---------------------------------------------------------------------------------------------
// Range

export function rangeFor(trigger: Trigger, ctx: EvaluationContext): RangeRequest {
  // A recorded probe series is read at the probe's own resolution: on the evaluation grid
  // (often 1m) "3 failures 20s apart" would need three minutes of failures instead of 40 s.
  const step = trigger.kind === 'probe' ? Math.min(ctx.step, trigger.interval) : ctx.step;
  const end = alignDown(ctx.at, step);
  const { span, lead } = requirements(trigger, ctx);
  let start = end - Math.max(DISPLAY_SPAN, span) - lead;
  if (trigger.kind === 'baseline' && ctx.deployedAt !== undefined) {
    start = Math.min(start, ctx.deployedAt - trigger.baseline_window);
  }
  return { query: trigger.query, start: alignDown(start, step), end, step };
}

/** `span`: how far back evaluation steps reach; `lead`: data needed before the first step. */
function requirements(trigger: Trigger, ctx: EvaluationContext): { span: number; lead: number } {
  switch (trigger.kind) {
    case 'threshold': {
      const limitSpan = trigger.failure_limit ? (trigger.failure_limit.of - 1) * ctx.step : 0;
      return { span: Math.max(trigger.for, limitSpan) + ctx.step, lead: ctx.lookback };
    }
    case 'aggregate':
      return { span: trigger.for + ctx.step, lead: trigger.window };
    case 'trend':
      return { span: trigger.window, lead: ctx.lookback };
    case 'baseline':
      return { span: 0, lead: trigger.window };
    case 'burn-rate':
      return { span: 0, lead: Math.max(...trigger.windows.map((w) => w.long)) };
    case 'probe':
      return {
        span: Math.max(trigger.failures, trigger.failure_limit?.of ?? 0) * trigger.interval,
        lead: ctx.lookback,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Shared judgement of one series

/** How one series fares; `missing` means it has no current value and does not take part. */
interface SeriesJudgement {
  status: VerdictStatus | 'missing';
  labels: Record<string, string>;
  value: number | null;
  since: number | null;
  /** Larger is worse: picks the series that becomes the evidence. */
  badness: number;
  /** The verdict sentence for this series, without the subject. */
  detail: string;
  points: { t: number; v: number | null }[];
  thresholdValue: number | null;
  /** Over the threshold now but not yet for the trigger's `for` (Prometheus' pending alert). */
  pending?: boolean;
  /** The condition already held at the start of the data read: `since` is a lower bound. */
  sinceBefore?: boolean;
}

/** How a kind reads one series: a value per step and the condition on it. */
interface Reading {
  valueAt: (t: number) => StepValue;
  /**
   * valueAt at two times, when the kind computes two faster than one each (burn rates: two
   * running means side by side). The timeline then fills its steps two at a time.
   */
  valuePairAt?: (tA: number, tB: number) => [StepValue, StepValue];
  holds: (v: number) => boolean;
  /** Words for "holds", e.g. "above 5%". */
  conditionText: string;
  format: (v: number) => string;
  badness: (v: number) => number;
  thresholdValue: number | null;
}

interface Timeline {
  end: number;
  step: number;
  at: (k: number) => StepValue;
  /**
   * Where the data read begins: the range asked for, or the series' first sample when the source
   * returned more. A step before it has no data because none was read, not because none exists.
   */
  dataStart: number;
}

/** Values at steps back from the end, computed on demand and kept, so walks stay linear. */
function timeline(
  reading: Reading,
  end: number,
  step: number,
  dataStart = Number.NEGATIVE_INFINITY,
): Timeline {
  const cache: StepValue[] = [];
  const pairAt = reading.valuePairAt;
  return {
    end,
    step,
    dataStart,
    at: (k) => {
      let v = cache[k];
      if (v === undefined) {
        if (pairAt === undefined) {
          v = reading.valueAt(end - k * step);
        } else {
          // The partner step is the next one the walks ask for: charts walk towards k = 0,
          // the walk back to `since` away from it.
          const j = k > 0 && cache[k - 1] === undefined ? k - 1 : k + 1;
          const [vk, vj] = pairAt(end - k * step, end - j * step);
          v = vk;
          if (cache[j] === undefined) cache[j] = vj;
        }
        cache[k] = v;
      }
      return v;
    },
  };
}

function chartPoints(line: Timeline, span: number): { t: number; v: number | null }[] {
  const steps = Math.floor(span / line.step);
  const points: { t: number; v: number | null }[] = [];
  for (let k = steps; k >= 0; k--) {
    const sv = line.at(k);
    points.push({ t: line.end - k * line.step, v: sv.state === 'value' ? sv.v : null });
  }
  return points;
}

/**
 * Prometheus' `for`: the condition held at every evaluation step from the step at or before
 * `end - holdFor` up to `end`. A step without a value resets a pending alert in Prometheus;
 * here it means the hold cannot be confirmed, which is inconclusive rather than healthy.
 */
function judgeHeld(
  reading: Reading,
  line: Timeline,
  holdFor: number,
  labels: Record<string, string>,
  semantics: Semantics = PROMETHEUS_2_42,
): SeriesJudgement {
  const base = { labels, thresholdValue: reading.thresholdValue, points: [] };
  const now = line.at(0);
  if (now.state === 'missing') {
    return missingJudgement(base);
  }
  if (now.state === 'unusable') return unusableJudgement(base, now, 'now');
  const value = now.v;
  const common = { ...base, value, badness: reading.badness(value) };
  const valueText = reading.format(value);
  if (!reading.holds(value)) {
    return {
      ...common,
      status: 'ok',
      since: null,
      detail: `is ${valueText}, not ${reading.conditionText}`,
    };
  }
  const holdSteps = semantics.holdSteps(holdFor, line.step);
  for (let k = 1; k <= holdSteps; k++) {
    const sv = line.at(k);
    const since = line.end - (k - 1) * line.step;
    if (sv.state === 'value' && reading.holds(sv.v)) continue;
    if (sv.state === 'value') {
      return {
        ...common,
        status: 'ok',
        pending: true,
        since,
        detail: `has been ${reading.conditionText} (now ${valueText}) since ${clock(since)}, not yet for the ${formatDuration(holdFor)} required (pending)`,
      };
    }
    const gap = sv.state === 'unusable' ? `a ${nonFinite(sv.v)} sample` : 'no data';
    return {
      ...common,
      status: 'inconclusive',
      since,
      detail: `is ${reading.conditionText} now (${valueText}) but has ${gap} at ${clock(line.end - k * line.step)}, so it cannot confirm the ${formatDuration(holdFor)} required`,
    };
  }
  const { since, before } = sinceHeld(reading, line, holdSteps);
  const held = holdFor > 0 ? `, longer than the ${formatDuration(holdFor)} required` : '';
  return {
    ...common,
    status: 'breached',
    since,
    sinceBefore: before,
    detail: `has been ${reading.conditionText} (now ${valueText}) since ${before ? 'before ' : ''}${clock(since)}${held}`,
  };
}

/**
 * The earliest step of the unbroken run of steps where the condition holds. `before`: the run
 * reaches back past the data that was read (or past the walk's bound), so it began earlier than
 * `since` and a reader must not take `since` for the start of the breach.
 */
/** The earlier of the range read for `trigger` and the series' first sample (see Timeline). */
function dataStart(trigger: Trigger, ctx: EvaluationContext, series: SortedSeries): number {
  return Math.min(rangeFor(trigger, ctx).start, series.times[0] ?? Number.POSITIVE_INFINITY);
}

function sinceHeld(
  reading: Reading,
  line: Timeline,
  from: number,
): { since: number; before: boolean } {
  let k = from + 1;
  let before = true;
  while (k < MAX_SINCE_STEPS) {
    const sv = line.at(k);
    if (sv.state === 'missing' && line.end - k * line.step < line.dataStart) break;
    if (sv.state !== 'value' || !reading.holds(sv.v)) {
      before = false;
      break;
    }
    k++;
  }
  return { since: line.end - (k - 1) * line.step, before };
}

/** A series with no value now: missing, never healthy (the trigger's missing_data decides). */
function missingJudgement(
  base: Pick<SeriesJudgement, 'labels' | 'thresholdValue' | 'points'>,
): SeriesJudgement {
  return {
    ...base,
    status: 'missing',
    value: null,
    since: null,
    badness: -Infinity,
    detail: 'has no data',
  };
}

function unusableJudgement(
  base: Pick<SeriesJudgement, 'labels' | 'thresholdValue' | 'points'>,
  sv: { v: number; t: number },
  when: string,
): SeriesJudgement {
  return {
    ...base,
    status: 'inconclusive',
    value: null,
    since: null,
    badness: Infinity,
    detail: `has a ${nonFinite(sv.v)} sample at ${clock(sv.t)} ${when === 'now' ? 'in its current value' : when}, which is not a usable value`,
  };
}

// ---------------------------------------------------------------------------------------------
// Verdict assembly

interface VerdictFrame {
  trigger: Trigger;
  source: string;
  query: string;
  threshold: string;
  thresholdValue: number | null;
  unit: QuantityUnit;
  /** How the verdict names what it measured, e.g. "error-rate" or "latency (p95 over 5m)". */
  subject: string;
}

function verdict(
  frame: VerdictFrame,
  fields: Partial<Verdict> & Pick<Verdict, 'status' | 'reason'>,
): Verdict {
  const value = fields.value ?? null;
  return {
    name: frame.trigger.name,
    kind: frame.trigger.kind,
    severity: frame.trigger.severity,
    value,
    valueText:
      value === null ? null : formatValue(value, frame.unit, frame.thresholdValue ?? undefined),
    threshold: frame.threshold,
    since: null,
    query: frame.query,
    source: frame.source,
    labels: {},
    points: [],
    thresholdValue: frame.thresholdValue,
    impact: frame.trigger.impact?.value ?? null,
    unit: frame.unit,
    ...fields,
  };
}

const STATUS_RANK: Record<SeriesJudgement['status'], number> = {
  breached: 3,
  inconclusive: 2,
  ok: 1,
  missing: 0,
};

function worstOf(judgements: SeriesJudgement[]): SeriesJudgement | undefined {
  let worst: SeriesJudgement | undefined;
  for (const j of judgements) {
    if (
      worst === undefined ||
      STATUS_RANK[j.status] > STATUS_RANK[worst.status] ||
      (STATUS_RANK[j.status] === STATUS_RANK[worst.status] && j.badness > worst.badness)
    ) {
      worst = j;
    }
  }
  return worst;
}

function combine(
  frame: VerdictFrame,
  judgements: SeriesJudgement[],
  missingData: MissingData,
  ctx: EvaluationContext,
): Verdict {
  const worst = worstOf(judgements);
  if (worst === undefined || worst.status === 'missing') {
    return noData(frame, missingData, ctx, worst?.points ?? []);
  }
  const present = judgements.filter((j) => j.status !== 'missing').length;
  const which = present > 1 ? ` (worst of ${present} series: ${labelText(worst.labels)})` : '';
  return verdict(frame, {
    status: worst.status,
    value: worst.value,
    since: worst.since === null ? null : iso(worst.since),
    ...(worst.pending ? { pending: true } : {}),
    ...(worst.sinceBefore ? { sinceBefore: true } : {}),
    labels: worst.labels,
    points: worst.points,
    thresholdValue: worst.thresholdValue,
    reason: `${frame.subject}${which} ${worst.detail}.`,
  });
}

function noData(
  frame: VerdictFrame,
  missingData: MissingData,
  ctx: EvaluationContext,
  points: Verdict['points'],
): Verdict {
  const end = alignDown(ctx.at, ctx.step);
  const what = `${frame.subject} has no data at ${clock(end)} (lookback ${formatDuration(ctx.lookback)})`;
  const reason =
    missingData === 'inconclusive'
      ? `${what}, so Ripcord cannot tell whether it is healthy.`
      : `${what}, which this policy reads as ${missingData} (missing_data: ${missingData}).`;
  return verdict(frame, { status: missingData, reason, points });
}

function failed(frame: VerdictFrame, why: string): Verdict {
  return verdict(frame, {
    status: 'inconclusive',
    reason: `${frame.subject} could not be evaluated: ${why}.`,
  });
}

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

// ---------------------------------------------------------------------------------------------
// threshold and aggregate

function levelReading(
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

function windowReader(
  series: SortedSeries,
  window: number,
  fn: WindowFunction,
  q: number,
  semantics: Semantics,
): (t: number) => StepValue {
  return (t) => windowValue(series, t, window, fn, q, semantics);
}

const OP_WORDS: Record<Op, string> = {
  '>': 'above',
  '>=': 'at or above',
  '<': 'below',
  '<=': 'at or below',
};

function judgeLevel(
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
function judgeLimit(
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

// ---------------------------------------------------------------------------------------------
// trend

function judgeTrend(
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

// ---------------------------------------------------------------------------------------------
// baseline

/**
 * `avg_over_time(query[window])` at t, with Prometheus' arithmetic: baseline and burn-rate
 * triggers are what a user would otherwise write as such rules, so they decide as those would.
 * Each step walks its window (as Prometheus does); a prefix-sum mean would be faster but
 * rounds differently, which decides the other way when a value sits on its limit.
 */
function meanOver(
  series: SortedSeries,
  t: number,
  window: number,
  semantics: Semantics | undefined,
): StepValue {
  return windowValue(series, t, window, 'avg', 0.5, semantics ?? PROMETHEUS_2_42);
}

function judgeBaseline(
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

function baselineReading(
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

function signedPercent(ratio: number): string {
  const text = formatValue(ratio, 'ratio');
  return ratio > 0 ? `+${text}` : text;
}

// ---------------------------------------------------------------------------------------------
// burn-rate

function evaluateBurnRate(
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
function judgeBurn(
  trigger: BurnRateTrigger,
  series: SortedSeries,
  ctx: EvaluationContext,
  end: number,
  budget: number,
): SeriesJudgement {
  const pairs = trigger.windows.map((pair) => {
    const burnAt = (t: number, window: number): StepValue => {
      const avg = meanOver(series, t, window, ctx.semantics);
      return avg.state === 'value' ? { state: 'value', v: avg.v / budget } : avg;
    };
    const burnPairAt = (tA: number, tB: number, window: number): [StepValue, StepValue] => {
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
function worse(a: StepValue, b: StepValue): StepValue {
  if (a.state !== 'value') return a;
  if (b.state !== 'value') return b;
  return { state: 'value', v: Math.min(a.v, b.v) };
}

// ---------------------------------------------------------------------------------------------
// probe

export function evaluateProbe(
  trigger: ProbeTrigger,
  history: ProbeResult[],
  ctx: EvaluationContext,
  sourceName: string,
): Verdict {
  const frame = probeFrame(trigger, sourceName);
  const results = history.filter((r) => r.t <= ctx.at).sort((a, b) => a.t - b.t);
  const points = results
    .filter((r) => r.t >= ctx.at - DISPLAY_SPAN)
    .map((r) => ({ t: r.t, v: r.ok ? 1 : 0 }));
  const last = results[results.length - 1];
  if (last === undefined) {
    return verdict(frame, {
      status: 'inconclusive',
      reason: `${trigger.name} has no probe results yet.`,
      points,
    });
  }
  const staleAfter = trigger.failures * trigger.interval + ctx.lookback;
  if (last.t < ctx.at - staleAfter) {
    return verdict(frame, {
      status: 'inconclusive',
      reason: `${trigger.name}'s latest probe result is from ${clock(last.t)}, older than ${formatDuration(staleAfter)}, so the prober may have stopped.`,
      points,
    });
  }
  if (trigger.failure_limit)
    return probeLimit(trigger, trigger.failure_limit, results, frame, points);
  const streak = failureStreak(results);
  const first = results[results.length - streak];
  const since = streak > 0 && first ? iso(first.t) : null;
  const value = streak;
  if (streak >= trigger.failures) {
    return verdict(frame, {
      status: 'breached',
      value,
      since,
      points,
      reason: `${trigger.name} failed ${streak} probes in a row since ${clock(first?.t ?? last.t)} (last: ${last.detail || 'failed'}).`,
    });
  }
  if (streak === results.length) {
    return verdict(frame, {
      status: 'inconclusive',
      value,
      since,
      points,
      reason: `${trigger.name} has only ${streak} probe result${streak === 1 ? '' : 's'}, all failed; ${trigger.failures} in a row are needed to decide.`,
    });
  }
  const tail =
    streak > 0
      ? `, then ${streak} failure${streak === 1 ? '' : 's'} (fewer than ${trigger.failures})`
      : '';
  return verdict(frame, {
    status: 'ok',
    value,
    since,
    points,
    reason: `${trigger.name} succeeded at ${clock((results[results.length - 1 - streak] ?? last).t)}${tail}.`,
  });
}

/** `failures` of the last `of` probes failed, in any order (Argo Rollouts' failureLimit). */
function probeLimit(
  trigger: ProbeTrigger,
  limit: FailureLimit,
  results: ProbeResult[],
  frame: VerdictFrame,
  points: { t: number; v: number | null }[],
): Verdict {
  const recent = results.slice(-limit.of);
  const failedOnes = recent.filter((r) => !r.ok);
  const value = failedOnes.length;
  const since = failedOnes[0] ? iso(failedOnes[0].t) : null;
  const tally = `${value} of its last ${recent.length} probe${recent.length === 1 ? '' : 's'} failed`;
  if (value >= limit.failures) {
    const last = failedOnes[failedOnes.length - 1];
    return verdict(frame, {
      status: 'breached',
      value,
      since,
      points,
      reason: `${trigger.name}: ${tally} since ${clock(failedOnes[0]?.t ?? 0)}, reaching the limit of ${limit.failures} of ${limit.of} (last failure: ${last?.detail || 'failed'}).`,
    });
  }
  if (value === recent.length) {
    return verdict(frame, {
      status: 'inconclusive',
      value,
      since,
      points,
      reason: `${trigger.name}: ${tally}, all of them; ${limit.failures} of ${limit.of} are needed to decide.`,
    });
  }
  return verdict(frame, {
    status: 'ok',
    value,
    since,
    points,
    reason: `${trigger.name}: ${tally}, below the limit of ${limit.failures} of ${limit.of}.`,
  });
}

function failureStreak(results: ProbeResult[]): number {
  let n = 0;
  for (let i = results.length - 1; i >= 0 && results[i]?.ok === false; i--) n++;
  return n;
}

/** A recorded 0/1 probe series (file sources): each sample is one probe; the worst series decides. */
function evaluateProbeSeries(
  trigger: ProbeTrigger,
  data: SignalResult,
  ctx: EvaluationContext,
  sourceName: string,
): Verdict {
  if (!data.ok)
    return failed(
      { ...probeFrame(trigger, sourceName), query: data.query || trigger.query },
      data.reason,
    );
  const verdicts = data.series.map((s) => ({
    labels: s.labels,
    verdict: evaluateProbe(
      trigger,
      samplesOf(s).map((p) => ({
        t: p.t,
        ok: p.v === 1,
        detail: p.v === 1 ? 'ok' : `probe value ${p.v}`,
      })),
      ctx,
      sourceName,
    ),
  }));
  let worst: { labels: Record<string, string>; verdict: Verdict } | undefined;
  for (const v of verdicts) {
    if (worst === undefined || STATUS_RANK[v.verdict.status] > STATUS_RANK[worst.verdict.status])
      worst = v;
  }
  if (worst === undefined) return evaluateProbe(trigger, [], ctx, sourceName);
  return { ...worst.verdict, labels: worst.labels, query: data.query || trigger.query };
}

function probeFrame(trigger: ProbeTrigger, sourceName: string): VerdictFrame {
  return {
    trigger,
    source: sourceName,
    query: trigger.query,
    threshold: trigger.failure_limit
      ? `${trigger.failure_limit.failures} failures in ${trigger.failure_limit.of} probes`
      : `${trigger.failures} consecutive failure${trigger.failures === 1 ? '' : 's'}`,
    thresholdValue: null,
    unit: 'number',
    subject: trigger.name,
  };
}

// ---------------------------------------------------------------------------------------------
// Text helpers

function iso(t: number): string {
  return new Date(t).toISOString();
}

/** "10:02 UTC": evidence is read during an incident, where the time of day is what matters. */
function clock(t: number): string {
  const text = new Date(t).toISOString();
  return `${t % 60_000 === 0 ? text.slice(11, 16) : text.slice(11, 19)} UTC`;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length > 0 ? `{${parts.join(', ')}}` : '{}';
}
