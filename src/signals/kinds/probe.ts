/** probe triggers: consecutive failed health checks, from probe results or a recorded probe series. */
import { formatDuration } from '../../policy/duration.ts';
import type { FailureLimit, ProbeTrigger } from '../../policy/schema.ts';
import {
  clock,
  DISPLAY_SPAN,
  type EvaluationContext,
  failed,
  iso,
  STATUS_RANK,
  verdict,
  type VerdictFrame,
} from '../judgement.ts';
import { type ProbeResult, samplesOf, type SignalResult } from '../signal.ts';
import type { Verdict } from '../verdict.ts';
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
export function probeLimit(
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

export function failureStreak(results: ProbeResult[]): number {
  let n = 0;
  for (let i = results.length - 1; i >= 0 && results[i]?.ok === false; i--) n++;
  return n;
}

/** A recorded 0/1 probe series (file sources): each sample is one probe; the worst series decides. */
export function evaluateProbeSeries(
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

export function probeFrame(trigger: ProbeTrigger, sourceName: string): VerdictFrame {
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
