/**
 * What every trigger kind shares: the evaluation context, how one series is judged against a
 * condition held for a duration (Prometheus alerting semantics), and how the judgements of all
 * series become one verdict with its evidence. Pure: the time comes in the context.
 */
import { formatDuration } from '../policy/duration.ts';
import { formatValue, type QuantityUnit } from '../policy/quantity.ts';
import type { MissingData, Trigger } from '../policy/schema.ts';
import {
  alignDown,
  type ComparisonOp,
  type PointValue,
  PROMETHEUS_2_42,
  type Semantics,
  type SortedSeries,
} from './promql.ts';
import type { RangeRequest } from './signal.ts';
import type { Verdict, VerdictStatus } from './verdict.ts';
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
export const DISPLAY_SPAN = 30 * 60_000;
/** Bounds the walk back in time that finds since when a condition has held. */
export const MAX_SINCE_STEPS = 5_000;

export type Op = ComparisonOp;

// ---------------------------------------------------------------------------------------------
// Shared judgement of one series

/** How one series fares; `missing` means it has no current value and does not take part. */
export interface SeriesJudgement {
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
export interface Reading {
  valueAt: (t: number) => PointValue;
  /**
   * valueAt at two times, when the kind computes two faster than one each (burn rates: two
   * running means side by side). The timeline then fills its steps two at a time.
   */
  valuePairAt?: (tA: number, tB: number) => [PointValue, PointValue];
  holds: (v: number) => boolean;
  /** Words for "holds", e.g. "above 5%". */
  conditionText: string;
  format: (v: number) => string;
  badness: (v: number) => number;
  thresholdValue: number | null;
}

export interface Timeline {
  end: number;
  step: number;
  at: (k: number) => PointValue;
  /**
   * Where the data read begins: the range asked for, or the series' first sample when the source
   * returned more. A step before it has no data because none was read, not because none exists.
   */
  dataStart: number;
}

/** Values at steps back from the end, computed on demand and kept, so walks stay linear. */
export function timeline(
  reading: Reading,
  end: number,
  step: number,
  dataStart = Number.NEGATIVE_INFINITY,
): Timeline {
  const cache: PointValue[] = [];
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

export function chartPoints(line: Timeline, span: number): { t: number; v: number | null }[] {
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
export function judgeHeld(
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
export function dataStart(trigger: Trigger, ctx: EvaluationContext, series: SortedSeries): number {
  return Math.min(rangeFor(trigger, ctx).start, series.times[0] ?? Number.POSITIVE_INFINITY);
}

export function sinceHeld(
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
export function missingJudgement(
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

export function unusableJudgement(
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

export interface VerdictFrame {
  trigger: Trigger;
  source: string;
  query: string;
  threshold: string;
  thresholdValue: number | null;
  unit: QuantityUnit;
  /** How the verdict names what it measured, e.g. "error-rate" or "latency (p95 over 5m)". */
  subject: string;
}

export function verdict(
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

export const STATUS_RANK: Record<SeriesJudgement['status'], number> = {
  breached: 3,
  inconclusive: 2,
  ok: 1,
  missing: 0,
};

export function worstOf(judgements: SeriesJudgement[]): SeriesJudgement | undefined {
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

export function combine(
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

export function noData(
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

export function failed(frame: VerdictFrame, why: string): Verdict {
  return verdict(frame, {
    status: 'inconclusive',
    reason: `${frame.subject} could not be evaluated: ${why}.`,
  });
}

// ---------------------------------------------------------------------------------------------
// Text helpers

export function iso(t: number): string {
  return new Date(t).toISOString();
}

/** "10:02 UTC": evidence is read during an incident, where the time of day is what matters. */
export function clock(t: number): string {
  const text = new Date(t).toISOString();
  return `${t % 60_000 === 0 ? text.slice(11, 16) : text.slice(11, 19)} UTC`;
}

export function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

export function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length > 0 ? `{${parts.join(', ')}}` : '{}';
}

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
export function requirements(
  trigger: Trigger,
  ctx: EvaluationContext,
): { span: number; lead: number } {
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
