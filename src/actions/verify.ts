/**
 * verify: the runner's inputs (checks from the policy or the `checks` input, timing from the
 * policy with input overrides) -> the verify use case (src/verify/verify-run.ts) -> the
 * outputs, the job summary and the step's verdict. The services are wired here.
 */
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../core/errors.ts';
import type { Environment, Policy } from '../core/policy-schema.ts';
import { checkSchema, CHECK_TYPES, type VerifyCheck } from '../core/policy-verify-schema.ts';
import { resolveSecrets } from '../core/secrets.ts';
import { parseBooleanInput, parseDurationInput, parseTime } from '../core/time-input.ts';
import { timingProblems, type VerifyTiming } from '../core/verify-timing.ts';
import { environmentOf } from '../evaluate/evaluate-environment.ts';
import { createGitHubClient } from '../github/client.ts';
import { createDeploymentStore } from '../github/deployments.ts';
import { createIncidentStore } from '../github/incident.ts';
import { notify, renderNotifySummary, type NotifyReport } from '../notify/dispatch.ts';
import { createCommentHistory } from '../notify/issue-comment.ts';
import { identityFor, type RipcordIdentity } from '../github/identity.ts';
import { pauseNotice } from '../rollback/pause.ts';
import { defaultPolicyPath, readPolicy } from '../policy/read-policy.ts';
import { createSources, type SignalSource } from '../sources/index.ts';
import { createFlagProviders } from '../strategies/flag-providers.ts';
import type { ExecFn } from '../strategies/steps/command-step.ts';
import {
  checksOutput,
  renderVerifySummary,
  VERIFY_MODES,
  type RecordResult,
  type VerifyMode,
  type VerifyOutcome,
} from '../verify/run-verify.ts';
import {
  verifyDeployment,
  type VerifyRequest,
  type VerifyRunResult,
  type VerifyServices,
} from '../verify/verify-run.ts';
import type { ActionIO } from './action-io.ts';
import { proposeIncidentReport } from './incident-report.ts';
import { runContext } from './run-context.ts';
import { metricLinkMarkdown, sourceLinksOf } from '../core/summary.ts';

export interface VerifyDepsIn {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Tests shorten Octokit's retry waits and source retries. */
  retryAfterBaseValue?: number;
  retryDelayMs?: number;
  exec?: ExecFn;
  fetch?: typeof fetch;
}

export interface VerifyActionResult {
  outcome: VerifyOutcome;
  record: RecordResult;
}

export async function run(io: ActionIO, deps: VerifyDepsIn): Promise<VerifyActionResult> {
  const inputs = await verifyInputs(io, deps.env);
  const { request, services } = wireVerify(io, deps, inputs);
  const result = await verifyDeployment(request, services);
  await writeVerifyOutputs(io, inputs, result);
  return { outcome: result.outcome, record: result.record };
}

/** The action's inputs, checked in the order a user fixes them, with the policy they name. */
interface VerifyInputs {
  environment: string;
  mode: VerifyMode;
  policyPath: string;
  policy: Policy;
  env: Environment;
  /** Who Ripcord writes as (the policy's github.bot_login, or RIPCORD_BOT_LOGIN). */
  identity: RipcordIdentity;
  /** The `checks` input, or else the policy's; never empty. */
  checks: VerifyCheck[];
  timing: VerifyTiming;
  failStep: boolean;
  deploymentId: number | null;
  incident: number | null;
  since: number | undefined;
}

async function verifyInputs(
  io: ActionIO,
  runnerEnv: Record<string, string | undefined>,
): Promise<VerifyInputs> {
  const environment = io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const mode = io.getInput('mode');
  if (!VERIFY_MODES.includes(mode as VerifyMode)) {
    throw new ConfigurationError(
      `input mode: ${mode ? `"${mode}" is not a mode` : 'is required'}; write ${VERIFY_MODES.join(' or ')}`,
    );
  }
  const policyPath = io.getInput('policy') || defaultPolicyPath;
  io.phase('Policy');
  const policy = await readPolicy(policyPath);
  const identity = identityFor(policy.github.bot_login, runnerEnv);
  const env = environmentOf(policy, environment);
  const checks = parseChecksInput(io.getInput('checks')) ?? env.verify.checks;
  if (checks.length === 0) {
    throw new ConfigurationError(
      `no checks to verify ${environment} with; add environments.${environment}.verify.checks to the policy or pass the checks input`,
    );
  }
  const timing = timingFrom(io, env.verify);
  const failStep = parseBooleanInput(
    io.getInput('fail-on-unverified') || 'true',
    'input fail-on-unverified',
  );
  const deploymentId = positiveInt(io.getInput('deployment-id'), 'deployment-id');
  const incident = positiveInt(io.getInput('incident'), 'incident');
  const sinceInput = io.getInput('since');
  const since = sinceInput ? parseTime(sinceInput, 'input since') : undefined;
  return {
    ...{ environment, mode: mode as VerifyMode, policyPath, policy, env, identity, checks },
    timing,
    ...{ failStep, deploymentId, incident, since },
  };
}

/**
 * The services the use case needs: the checks' secrets, the sources of metric checks and the
 * flag providers of flag-off checks (all masked before anything logs), GitHub's client and
 * stores, notify and the report.
 */
function wireVerify(
  io: ActionIO,
  deps: VerifyDepsIn,
  inputs: VerifyInputs,
): { request: VerifyRequest; services: VerifyServices } {
  const { environment, policy, policyPath, identity } = inputs;
  const { token, repository, owner, repo, serverUrl, runUrl } = runContext(
    io,
    deps.env,
    deps.now,
    'verify',
    'deployments and issues write',
  );
  // Secrets: only probe URLs and headers take ${NAME}; a smoke command keeps its own `$VARS`.
  const secrets = new Set<string>();
  const checks: VerifyCheck[] = inputs.checks.map((check) => {
    if (check.type !== 'probe') return check;
    const r = resolveSecrets(
      { url: check.url, headers: check.headers },
      deps.env,
      `verify.checks.${check.name}`,
    );
    for (const s of r.secrets) secrets.add(s);
    return { ...check, url: r.value.url, ...(r.value.headers ? { headers: r.value.headers } : {}) };
  });
  const retry = deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs };
  let sources = new Map<string, SignalSource>();
  if (checks.some((c) => c.type === 'metric')) {
    const built = createSources(policy, {
      ...{ env: deps.env, policyDir: dirname(resolve(policyPath)), logger: io, now: deps.now },
      ...retry,
    });
    sources = built.sources;
    for (const s of built.secrets) secrets.add(s);
  }
  const only = checks.flatMap((c) => (c.type === 'flag-off' ? [c.provider] : []));
  const flags = createFlagProviders(policy.flags, { env: deps.env, logger: io, only, ...retry });
  for (const s of flags.secrets) secrets.add(s);
  for (const s of secrets) io.setSecret(s);

  const client = createGitHubClient({
    token,
    baseUrl: deps.env.GITHUB_API_URL,
    logger: io,
    ...(deps.retryAfterBaseValue === undefined
      ? {}
      : { retryAfterBaseValue: deps.retryAfterBaseValue }),
  });
  const repoRef = { owner, repo };
  const incidents = createIncidentStore(client.octokit, repoRef, io, { identity });
  const notifyDeps = {
    ...{ policy: policy.notify, env: deps.env, incidents, logger: io, sleep: deps.sleep },
    history: createCommentHistory(client.octokit, repoRef, identity, io),
    mask: (secret: string) => io.setSecret(secret),
    now: deps.now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
  const actor = deps.env.GITHUB_ACTOR;
  return {
    request: {
      ...{ environment, mode: inputs.mode, env: inputs.env, policyPath, checks },
      ...{ timing: inputs.timing, deploymentId: inputs.deploymentId, incident: inputs.incident },
      since: inputs.since,
      run: { repository, serverUrl, runUrl, ...(actor ? { actor } : {}) },
    },
    services: {
      octokit: client.octokit,
      repo: repoRef,
      deployments: createDeploymentStore(client.octokit, repoRef, io),
      incidents,
      ...{ sources, flags: flags.providers, secrets: [...secrets] },
      ...(deps.exec ? { exec: deps.exec } : {}),
      notify: (n) => notify(n, notifyDeps),
      proposeReport: (r) => proposeIncidentReport(io, r),
      ...{ now: deps.now, sleep: deps.sleep, logger: io, phase: (name) => io.phase(name) },
    },
  };
}

/**
 * The outputs, the job summary (the pause first, then the checks with a link to each metric
 * in its own UI, then the channels notified) and the step's verdict: red when the verification
 * did not pass (unless fail-on-unverified is false), or when a required channel failed.
 */
async function writeVerifyOutputs(
  io: ActionIO,
  inputs: VerifyInputs,
  { outcome, record, incident, reportUrl, pause, notified }: VerifyRunResult,
): Promise<void> {
  io.setOutput('report-url', reportUrl);
  io.setOutput('result', outcome.result);
  io.setOutput('reason', outcome.reason);
  io.setOutput('checks', checksOutput(outcome));
  io.setOutput('rollback-recommended', String(record.rollbackRecommended));
  io.setOutput('escalate', String(record.escalate));
  io.setOutput('next-strategy', record.nextStrategy ?? '');
  io.setOutput('incident', incident ? String(incident.number) : '');
  const sourceLinks = sourceLinksOf(inputs.policy.sources);
  const notice = pauseNotice(pause);
  await io.appendSummary(
    (notice ? `${notice}\n\n` : '') +
      renderVerifySummary(inputs.environment, inputs.mode, outcome, record, {
        incident: incident ? { number: incident.number, url: incident.url } : null,
        links: inputs.checks.flatMap((c) => {
          if (c.type !== 'metric') return [];
          const link = metricLinkMarkdown({ query: c.query }, sourceLinks[c.source]);
          return link ? [{ name: c.name, link }] : [];
        }),
      }),
  );
  const notifyFailure = notified ? await reportNotification(io, notified) : null;
  if (inputs.failStep && outcome.result !== 'passed')
    io.setFailed(`verification ${outcome.result}: ${outcome.reason}. ${record.next}`);
  else if (notifyFailure) io.setFailed(notifyFailure);
}

/**
 * The notify action's verdict on the channels: a failed channel warns, a failed `required` one
 * fails the step (returned, so the verification's own failure keeps precedence).
 */
async function reportNotification(io: ActionIO, report: NotifyReport): Promise<string | null> {
  if (report.outcomes.length > 0) await io.appendSummary(renderNotifySummary(report));
  if (report.requiredFailed.length > 0)
    return `required notification channel${report.requiredFailed.length > 1 ? 's' : ''} failed: ${report.requiredFailed
      .map((o) => `${o.channel} (${o.detail ?? 'failed'})`)
      .join('; ')}`;
  if (report.failed.length > 0)
    io.warning(
      `notification channel${report.failed.length > 1 ? 's' : ''} failed: ${report.failed
        .map((o) => o.channel)
        .join(', ')}; see the job summary`,
    );
  return null;
}

function positiveInt(text: string, name: string): number | null {
  if (!text) return null;
  if (!/^\d+$/.test(text) || Number(text) <= 0)
    throw new ConfigurationError(`input ${name}: "${text}" is not a number; write it like 1234`);
  return Number(text);
}

/** The `checks` input: a YAML (or JSON) list in the policy's shape; null when empty. */
export function parseChecksInput(text: string): VerifyCheck[] | null {
  if (text.trim() === '') return null;
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (thrown) {
    throw new ConfigurationError(
      `input checks is not YAML: ${(thrown as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  const parsed = z.array(checkSchema).min(1).safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = `checks[${issue.path.map(String).join('].')}`.replace(/\]\.(\D)/g, '].$1');
    if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
      const index = issue.path[0];
      const item = Array.isArray(raw) && typeof index === 'number' ? (raw[index] as unknown) : null;
      const type =
        typeof item === 'object' && item !== null && 'type' in item ? String(item.type) : '';
      return `${where}: ${type ? `unknown check type "${type}"` : 'type is missing'}; write one of ${CHECK_TYPES.join(', ')}`;
    }
    return `${where}: ${issue.message}`;
  });
  throw new ConfigurationError(
    `input checks is not a valid list of checks (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`,
    problems,
  );
}

function timingFrom(
  io: ActionIO,
  policy: {
    stabilization: number;
    interval: number;
    duration: number;
    successes: number;
    failures_tolerated: number;
    min_duration: number;
  },
): VerifyTiming {
  const duration = (name: string, fallback: number) => {
    const text = io.getInput(name);
    return text ? parseDurationInput(text, `input ${name}`) : fallback;
  };
  const count = (name: string, fallback: number) => {
    const text = io.getInput(name);
    if (!text) return fallback;
    if (!/^\d+$/.test(text))
      throw new ConfigurationError(
        `input ${name}: "${text}" is not a whole number; write it like 3`,
      );
    return Number(text);
  };
  const timing: VerifyTiming = {
    stabilization: duration('stabilization', policy.stabilization),
    interval: duration('interval', policy.interval),
    duration: duration('duration', policy.duration),
    successes: count('successes', policy.successes),
    failuresTolerated: count('failures-tolerated', policy.failures_tolerated),
    minDuration: duration('min-duration', policy.min_duration),
  };
  const problems = timingProblems(timing);
  if (problems.length > 0)
    throw new ConfigurationError(`verify timing: ${problems.join('; ')}`, problems);
  return timing;
}
