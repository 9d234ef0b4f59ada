/**
 * The verify checks, one evaluation each: HTTP probes (through the http source's probe, plus
 * response headers), metric checks (through the trigger engine), smoke commands (through the
 * command step) and "the flag is really off" (through the flag provider). `runChecksOnce` is
 * the entry staged recovery reuses for its gates; the timing loop lives in rounds.ts.
 *
 * A check never throws for a problem with the system under test: that is its result. It throws
 * a ConfigurationError only for a policy mistake (an unknown source or flag provider, a flag
 * that does not exist), which no amount of retrying fixes.
 */
import { formatDuration } from '../policy/duration.ts';
import { formatElapsed } from '../shared/time-format.ts';
import { evaluateTrigger, rangeFor, type EvaluationContext } from '../signals/engine.ts';
import { ConfigurationError, toError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { AggregateTrigger, BaselineTrigger, ThresholdTrigger } from '../policy/schema.ts';
import type {
  FlagOffCheck,
  MetricCheck,
  ProbeCheck,
  SmokeCheck,
  VerifyCheck,
} from '../policy/schema-verify.ts';
import type { RoundOutcome } from './timing.ts';
import type { SignalSource } from '../signals/factory.ts';
import { createHttpSource } from '../signals/sources/http.ts';
import type { FlagProvider } from '../rollback/flags/flag-provider.ts';
import {
  ripcordEnv,
  runCommandStep,
  type ExecFn,
  type StepContext,
} from '../rollback/steps/command-step.ts';

export type CheckStatus = RoundOutcome;

export interface CheckResult {
  name: string;
  type: VerifyCheck['type'];
  status: CheckStatus;
  /** One sentence: what was seen. */
  detail: string;
  /** The number worth a chart: latency (ms), the metric's value, the command's run time (ms), the rollout (%). */
  value: number | null;
  /** `value` with its unit, as tables show it (`17 ms`, `2.0 s`, `25%`, `0.9%`); null without a value. */
  valueText: string | null;
  /** When the check ran (unix ms, from the context's clock). */
  at: number;
}

export interface CheckContext {
  /** The Ripcord environment (flag environment by default; RIPCORD_ENVIRONMENT). */
  environment: string;
  now: () => number;
  logger: Logger;
  /** Built with createSources; metric checks name one. */
  sources: ReadonlyMap<string, SignalSource>;
  /** Built with createFlagProviders; flag-off checks name one. */
  flags: ReadonlyMap<string, FlagProvider>;
  /** The environment's evaluation step and lookback (metric checks). */
  step: number;
  lookback: number;
  /** Improved checks compare against the window before this time (the rollback or the deploy). */
  since?: number;
  /** What smoke commands get as RIPCORD_* variables. */
  stepContext?: Omit<StepContext, 'environment'>;
  /** Secret values to keep out of details. */
  secrets?: readonly string[];
  fetch?: typeof fetch;
  exec?: ExecFn;
}

/** Policy mistakes in the checks (unknown source, provider, duplicate name), all at once. */
export function checkProblems(
  checks: readonly VerifyCheck[],
  ctx: Pick<CheckContext, 'sources' | 'flags'>,
): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const check of checks) {
    if (names.has(check.name)) problems.push(`check "${check.name}" is defined twice`);
    names.add(check.name);
    if (check.type === 'metric' && !ctx.sources.has(check.source)) {
      const known = [...ctx.sources.keys()];
      problems.push(
        `check "${check.name}": source "${check.source}" is not defined; ${known.length > 0 ? `write one of ${known.join(', ')}` : 'add it under sources:'}`,
      );
    }
    if (check.type === 'flag-off' && !ctx.flags.has(check.provider)) {
      const known = [...ctx.flags.keys()];
      problems.push(
        `check "${check.name}": flag provider "${check.provider}" is not defined; ${known.length > 0 ? `write one of ${known.join(', ')}` : 'add it under flags:'}`,
      );
    }
  }
  return problems;
}

/**
 * One evaluation of every check, concurrently, in the order given. No timing, no retries:
 * staged recovery calls this at each gate; verify calls it once per round.
 */
export async function runChecksOnce(
  checks: readonly VerifyCheck[],
  ctx: CheckContext,
): Promise<CheckResult[]> {
  const problems = checkProblems(checks, ctx);
  if (problems.length > 0) {
    throw new ConfigurationError(
      `the verify checks have ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      problems,
    );
  }
  return Promise.all(checks.map((check) => runCheck(check, ctx)));
}

export async function runCheck(check: VerifyCheck, ctx: CheckContext): Promise<CheckResult> {
  const at = ctx.now();
  const result = (
    status: CheckStatus,
    detail: string,
    value: number | null = null,
    valueText: string | null = null,
  ): CheckResult => ({
    name: check.name,
    type: check.type,
    status,
    detail: redact(detail, ctx.secrets ?? []),
    value,
    valueText: valueText ?? valueWithUnit(check, value),
    at,
  });
  try {
    switch (check.type) {
      case 'probe':
        return await probeCheck(check, ctx, at, result);
      case 'metric':
        return await metricCheck(check, ctx, at, result);
      case 'smoke':
        return await smokeCheck(check, ctx, result);
      case 'flag-off':
        return await flagOffCheck(check, ctx, result);
    }
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof ConfigurationError) throw error;
    // Unexpected trouble reading the system is not evidence either way.
    ctx.logger.warning(`check ${check.name}: ${error.message}`);
    return result('inconclusive', `could not be evaluated: ${error.message}`);
  }
}

type Make = (
  status: CheckStatus,
  detail: string,
  value?: number | null,
  valueText?: string | null,
) => CheckResult;

/** The check's number with the unit its type measures in. */
function valueWithUnit(check: VerifyCheck, value: number | null): string | null {
  if (value === null) return null;
  switch (check.type) {
    case 'probe':
    case 'smoke':
      return formatElapsed(value);
    case 'flag-off':
      return (check.components ?? []).length > 0
        ? `${value} component${value === 1 ? '' : 's'} on`
        : `${value}%`;
    default:
      return String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// probe

async function probeCheck(
  check: ProbeCheck,
  ctx: CheckContext,
  at: number,
  make: Make,
): Promise<CheckResult> {
  const baseFetch = ctx.fetch ?? globalThis.fetch;
  let responseHeaders: Headers | null = null;
  // The http source's probe judges status, JSON fields and latency; wrapping its fetch lets
  // this check see the response headers too without a second request.
  const capturing: typeof fetch = async (input, init) => {
    const response = await baseFetch(input, init);
    responseHeaders = response.headers;
    return response;
  };
  const source = createHttpSource(
    check.name,
    { url: check.url, method: check.method, timeout: check.timeout, retries: 0 },
    {
      fetch: capturing,
      logger: ctx.logger,
      headers: lowerCaseKeys(check.headers),
      secrets: [...(ctx.secrets ?? [])],
      retryDelayMs: 0,
      now: ctx.now,
    },
  );
  const probe = await source.probe?.(
    { status: check.status, json: check.json, latency: check.latency },
    at,
  );
  if (!probe) return make('inconclusive', 'the http source cannot probe');
  const problems = probe.ok ? [] : [probe.detail];
  const headers = responseHeaders as Headers | null;
  if (headers !== null) {
    for (const [name, pattern] of Object.entries(check.expect_headers)) {
      const value = headers.get(name);
      if (value === null) problems.push(`header ${name} is missing`);
      else if (!new RegExp(`^(?:${pattern})$`).test(value))
        problems.push(`header ${name} is "${value}", expected /${pattern}/`);
    }
  }
  const latency = probe.latencyMs ?? null;
  if (problems.length === 0) return make('pass', probe.detail, latency);
  return make('fail', problems.join('; '), latency);
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) out[key.toLowerCase()] = value;
  return out;
}

// ---------------------------------------------------------------------------------------------
// metric

/**
 * A metric check is a trigger whose condition is the healthy one: "error ratio < 1% for 30m"
 * passes when the engine finds that condition held (its `breached`). The engine's `ok` splits
 * in two: the condition does not hold now (fail), or it holds but not yet for long enough
 * (inconclusive: not proven yet). An improved check is a baseline trigger: "lower" passes when
 * the current average dropped below the average before `since`.
 */
export function metricTrigger(
  check: MetricCheck,
): ThresholdTrigger | AggregateTrigger | BaselineTrigger {
  const common = {
    name: check.name,
    severity: 'critical' as const,
    source: check.source,
    query: check.query,
  };
  if (check.improved !== undefined) {
    return {
      ...common,
      kind: 'baseline',
      change: check.improved === 'lower' ? 'drop' : 'rise',
      by: check.by ?? { value: 0, unit: 'ratio', text: '0%' },
      window: check.window ?? 900_000,
      baseline_window: check.before,
    };
  }
  if (check.op === undefined || check.threshold === undefined) {
    throw new ConfigurationError(
      `check "${check.name}": an absolute metric check needs op and threshold`,
    );
  }
  if (check.aggregate !== undefined) {
    return {
      ...common,
      kind: 'aggregate',
      aggregate: check.aggregate,
      ...(check.quantile === undefined ? {} : { quantile: check.quantile }),
      window: check.window ?? 300_000,
      op: check.op,
      threshold: check.threshold,
      for: check.for,
    };
  }
  return { ...common, kind: 'threshold', op: check.op, threshold: check.threshold, for: check.for };
}

async function metricCheck(
  check: MetricCheck,
  ctx: CheckContext,
  at: number,
  make: Make,
): Promise<CheckResult> {
  const source = ctx.sources.get(check.source);
  if (!source)
    throw new ConfigurationError(`check "${check.name}": source "${check.source}" is not defined`);
  const trigger = metricTrigger(check);
  if (trigger.kind === 'baseline' && ctx.since === undefined) {
    return make(
      'inconclusive',
      'no "before" time: pass the rollback or deploy time (input since, or an incident) to compare with',
    );
  }
  const ectx: EvaluationContext = {
    at,
    step: ctx.step,
    lookback: ctx.lookback,
    ...(ctx.since === undefined ? {} : { deployedAt: ctx.since }),
  };
  const data = await source.fetchRange(rangeFor(trigger, ectx));
  // No data is never healthy, whatever the source's missing_data says for triggers.
  const verdict = evaluateTrigger(trigger, data, ectx, 'inconclusive', check.source);
  const reason = verdict.reason.replace(/\bpre-deploy baseline\b/g, 'value before');
  // The check's condition describes health (metricTrigger), so the evaluator's `breached`
  // (the condition held) is the check passing: the one place a trigger word is inverted.
  if (verdict.status === 'breached') return make('pass', reason, verdict.value, verdict.valueText);
  if (verdict.status === 'inconclusive')
    return make('inconclusive', reason, verdict.value, verdict.valueText);
  if (verdict.since !== null && trigger.kind !== 'baseline') {
    const held = at - Date.parse(verdict.since);
    return make(
      'inconclusive',
      `${check.name} has been healthy for ${formatDuration(Math.max(held, 0))}, not yet the ${formatDuration(check.for)} required: ${reason}`,
      verdict.value,
      verdict.valueText,
    );
  }
  return make('fail', reason, verdict.value, verdict.valueText);
}

// ---------------------------------------------------------------------------------------------
// smoke

async function smokeCheck(check: SmokeCheck, ctx: CheckContext, make: Make): Promise<CheckResult> {
  const outcome = await runCommandStep({
    command: check.command,
    env: {
      ...ripcordEnv({ ...ctx.stepContext, environment: ctx.environment }),
      RIPCORD_CHECK: check.name,
    },
    timeoutMs: check.timeout,
    logger: ctx.logger,
    ...(ctx.exec ? { exec: ctx.exec } : {}),
  });
  if (outcome.ok)
    return make('pass', `exited 0 in ${formatElapsed(outcome.durationMs)}`, outcome.durationMs);
  return make('fail', outcome.reason ?? 'command failed', outcome.durationMs);
}

// ---------------------------------------------------------------------------------------------
// flag-off

async function flagOffCheck(
  check: FlagOffCheck,
  ctx: CheckContext,
  make: Make,
): Promise<CheckResult> {
  const provider = ctx.flags.get(check.provider);
  if (!provider)
    throw new ConfigurationError(
      `check "${check.name}": flag provider "${check.provider}" is not defined`,
    );
  const environment = check.environment ?? ctx.environment;
  const components = check.components ?? [];
  const state = await provider.getState(
    check.flag,
    environment,
    components.length > 0 ? { components } : {},
  );
  const where = `${check.flag} in ${environment} (${provider.kind})`;
  if (components.length > 0) {
    const on: string[] = [];
    for (const component of components) {
      const c = state.components?.[component];
      if (!c) return make('inconclusive', `${where}: component ${component} was not reported`);
      if (servesAnyone(c)) on.push(`${component}${c.rollout === null ? '' : ` at ${c.rollout}%`}`);
    }
    if (on.length > 0)
      return make(
        'fail',
        `${where}: still on for ${on.join(', ')}`,
        on.length,
        `${on.length} of ${components.length} components on`,
      );
    return make(
      'pass',
      `${where}: components ${components.join(', ')} are off`,
      0,
      `0 of ${components.length} components on`,
    );
  }
  const rollout = state.enabled ? (state.rollout ?? 100) : 0;
  if (servesAnyone(state)) {
    return make(
      'fail',
      `${where} is still on${state.rollout === null ? '' : ` at ${state.rollout}%`}`,
      rollout,
    );
  }
  return make('pass', state.enabled ? `${where} is on but rolled out to 0%` : `${where} is off`, 0);
}

/** Switched on with no percentage (everyone), or with a percentage above zero. */
function servesAnyone(s: { enabled: boolean; rollout: number | null }): boolean {
  return s.enabled && (s.rollout === null || s.rollout > 0);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
