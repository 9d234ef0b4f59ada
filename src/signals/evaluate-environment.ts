/**
 * The evaluate use-case: fetch what each trigger needs from its source and hand it to the pure
 * engine. Shared by the evaluate-triggers action, the CLI and the demo; the clock, the sources
 * and the logger come in as parameters.
 */
import { ConfigurationError, toError } from '../shared/errors.ts';
import { evaluateProbe, evaluateTrigger, rangeFor, type EvaluationContext } from './engine.ts';
import { decide } from './decide.ts';
import type { Logger } from '../shared/logger.ts';
import type { Environment, Policy, ProbeTrigger, Trigger } from '../policy/schema.ts';
import type { ProbeResult, SignalResult } from './signal.ts';
import type { Decision, Verdict } from './verdict.ts';
import type { SignalSource } from './factory.ts';

export interface EvaluateOptions {
  policy: Policy;
  environment: string;
  sources: Map<string, SignalSource>;
  at: number;
  /** Creation time of the deployment under watch: baseline triggers compare against the window before it. */
  deployedAt?: number;
  impactOverride?: number | null;
  logger: Logger;
  /** Probe results of earlier polls (watch mode), by trigger name; new results are appended. */
  probeHistory?: Map<string, ProbeResult[]>;
  /** Judge probe triggers on `probeHistory` alone (watch mode, right after a probe between polls). */
  skipProbing?: boolean;
}

export function environmentOf(policy: Policy, name: string): Environment {
  // hasOwn: "constructor" or "toString" must not find Object's own members.
  const env = Object.hasOwn(policy.environments, name) ? policy.environments[name] : undefined;
  if (!env) {
    const known = Object.keys(policy.environments);
    throw new ConfigurationError(
      `environment "${name}" is not in the policy; ${known.length > 0 ? `write one of ${known.join(', ')}` : 'add it under environments:'}`,
    );
  }
  return env;
}

/**
 * The environment to evaluate: one with no triggers cannot decide anything, and answering
 * `none` for it would be green and silent, so evaluating it is an error. (verify, notify and
 * a manual rollback use trigger-less environments, so the policy itself may hold one.)
 */
export function evaluableEnvironment(policy: Policy, name: string): Environment {
  const env = environmentOf(policy, name);
  if (env.triggers.length === 0) {
    throw new ConfigurationError(
      `environment "${name}" has no triggers, so there is nothing to evaluate; add triggers under environments.${name}.triggers`,
    );
  }
  return env;
}

export async function evaluateEnvironment(opts: EvaluateOptions): Promise<Decision> {
  const env = environmentOf(opts.policy, opts.environment);
  const ctx: EvaluationContext = {
    at: opts.at,
    step: env.step,
    lookback: env.lookback,
    ...(opts.deployedAt === undefined ? {} : { deployedAt: opts.deployedAt }),
  };
  // Every source hears every range first: recordings (often one file behind several sources)
  // then keep only what this evaluation time needs, in one parse.
  const requests = env.triggers.map((trigger) => rangeFor(trigger, ctx));
  if (env.impact) {
    requests.push({
      query: env.impact.query,
      start: ctx.at - ctx.lookback,
      end: ctx.at,
      step: ctx.step,
    });
  }
  for (const source of new Set(opts.sources.values())) source.plan?.(requests);
  const verdicts = await Promise.all(
    env.triggers.map((trigger) => evaluateOne(trigger, ctx, opts)),
  );
  const impact = opts.impactOverride ?? (await readImpact(env, ctx, opts, verdicts));
  return decide(opts.environment, env, verdicts, opts.at, impact);
}

async function evaluateOne(
  trigger: Trigger,
  ctx: EvaluationContext,
  opts: EvaluateOptions,
): Promise<Verdict> {
  const source = opts.sources.get(trigger.source);
  const missingData = opts.policy.sources[trigger.source]?.missing_data ?? 'inconclusive';
  if (!source) {
    // The policy loader rejects unknown sources; this guards sources that failed to build.
    const data: SignalResult = {
      ok: false,
      reason: `source "${trigger.source}" is not available`,
      query: trigger.query,
    };
    return evaluateTrigger(trigger, data, ctx, missingData, trigger.source);
  }
  try {
    if (trigger.kind === 'probe' && source.probe) {
      return await runProbe(trigger, source.probe.bind(source), ctx, opts);
    }
    const data = await source.fetchRange(rangeFor(trigger, ctx));
    if (trigger.kind === 'probe') {
      return evaluateProbe(trigger, probesFromSeries(data, ctx.at), ctx, trigger.source);
    }
    return evaluateTrigger(trigger, data, ctx, missingData, trigger.source);
  } catch (thrown) {
    // A source must never crash the run: an unexpected failure is an inconclusive verdict with its reason.
    const error = toError(thrown);
    if (error instanceof ConfigurationError) throw error;
    opts.logger.warning(`trigger ${trigger.name}: ${error.message}`);
    const data: SignalResult = { ok: false, reason: error.message, query: trigger.query };
    return evaluateTrigger(trigger, data, ctx, missingData, trigger.source);
  }
}

/** Runs the given probe triggers once at `opts.at` (watch mode, between polls) and judges each. */
export async function probeTriggers(
  opts: EvaluateOptions,
  triggers: readonly ProbeTrigger[],
): Promise<Verdict[]> {
  const env = environmentOf(opts.policy, opts.environment);
  const ctx: EvaluationContext = { at: opts.at, step: env.step, lookback: env.lookback };
  return Promise.all(triggers.map((t) => evaluateOne(t, ctx, opts)));
}

async function runProbe(
  trigger: ProbeTrigger,
  probe: NonNullable<SignalSource['probe']>,
  ctx: EvaluationContext,
  opts: EvaluateOptions,
): Promise<Verdict> {
  const history = opts.probeHistory?.get(trigger.name) ?? [];
  if (!opts.skipProbing) history.push(await probe(trigger.expect, ctx.at));
  // Only the last `failures` results decide; keep the history bounded across a long watch.
  const kept = history.slice(-Math.max(trigger.failures, trigger.failure_limit?.of ?? 1, 1) * 2);
  opts.probeHistory?.set(trigger.name, kept);
  return evaluateProbe(trigger, kept, ctx, trigger.source);
}

/** Recorded probes are a 0/1 series (probe_success): each sample is one probe. */
function probesFromSeries(data: SignalResult, at: number): ProbeResult[] {
  if (!data.ok) return [];
  const results: ProbeResult[] = [];
  for (const series of data.series) {
    series.times.forEach((t, i) => {
      const v = series.values[i] ?? NaN;
      if (t <= at)
        results.push({ t, ok: v > 0, detail: v > 0 ? 'probe succeeded' : 'probe failed' });
    });
  }
  return results.sort((a, b) => a.t - b.t);
}

async function readImpact(
  env: Environment,
  ctx: EvaluationContext,
  opts: EvaluateOptions,
  verdicts: Verdict[],
): Promise<number | null> {
  if (!env.impact || !verdicts.some((v) => v.status === 'breached')) return null;
  const source = opts.sources.get(env.impact.source);
  if (!source) return null;
  const data = await source.fetchRange({
    query: env.impact.query,
    start: ctx.at - ctx.lookback,
    end: ctx.at,
    step: ctx.step,
  });
  if (!data.ok) {
    opts.logger.warning(
      `impact query failed: ${data.reason}; the decision matrix uses the triggers' impact`,
    );
    return null;
  }
  let latest: number | null = null;
  for (const series of data.series) {
    // The latest finite sample at or before the evaluation time.
    for (let i = series.times.length - 1; i >= 0; i--) {
      const v = series.values[i] ?? NaN;
      if ((series.times[i] ?? Infinity) > ctx.at || !Number.isFinite(v)) continue;
      if (latest === null || v > latest) latest = v;
      break;
    }
  }
  return latest;
}
