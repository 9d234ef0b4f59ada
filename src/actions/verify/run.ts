/**
 * verify: wire the runner's inputs to the verify use-case (checks from the policy or the
 * `checks` input, timing from the policy with input overrides), then write the outputs, the
 * job summary, and the outcome on the deployment and the incident.
 */
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatDuration } from '../../policy/duration.ts';
import { ConfigurationError } from '../../shared/errors.ts';
import { checkSchema, CHECK_TYPES, type VerifyCheck } from '../../policy/schema-verify.ts';
import { resolveSecrets } from '../../policy/secrets.ts';
import { parseBooleanInput, parseDurationInput, parseTime } from '../../shared/time-input.ts';
import { timingProblems, type VerifyTiming } from '../../verify/timing.ts';
import { environmentOf } from '../../signals/evaluate-environment.ts';
import { createGitHubClient } from '../../github/client.ts';
import { createDeploymentStore } from '../../github/deployments.ts';
import { createIncidentStore, type IncidentRecord } from '../../incident/store.ts';
import { notify, renderNotifySummary, type NotifyReport } from '../../notify/dispatch.ts';
import { createCommentHistory } from '../../notify/channels/issue-comment.ts';
import { identityFor } from '../../github/identity.ts';
import {
  judgePauses,
  NO_PAUSE,
  pauseNotice,
  readPause,
  settlePause,
  type PauseState,
} from '../../rollback/pause.ts';
import { defaultPolicyPath, environmentDeclares, readPolicy } from '../../policy/read.ts';
import { createSources, type SignalSource } from '../../signals/factory.ts';
import { createFlagProviders } from '../../rollback/flags/providers.ts';
import type { ExecFn } from '../../rollback/steps/command-step.ts';
import type { CheckContext } from '../../verify/checks.ts';
import {
  checksOutput,
  recordVerification,
  renderVerifySummary,
  verifyChecks,
  VERIFY_MODES,
  type RecordResult,
  type VerifyMode,
  type VerifyOutcome,
} from '../../verify/run-verify.ts';
import type { ActionIO } from '../action-io.ts';
import { proposeIncidentReport } from '../../incident/propose-report.ts';
import { runContext } from '../run-context.ts';
import { metricLinkMarkdown, sourceLinksOf } from '../../signals/summary.ts';

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
  const environment = io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const modeInput = io.getInput('mode');
  if (!VERIFY_MODES.includes(modeInput as VerifyMode)) {
    throw new ConfigurationError(
      `input mode: ${modeInput ? `"${modeInput}" is not a mode` : 'is required'}; write ${VERIFY_MODES.join(' or ')}`,
    );
  }
  const mode = modeInput as VerifyMode;
  const policyPath = io.getInput('policy') || defaultPolicyPath;
  io.phase('Policy');
  const policy = await readPolicy(policyPath);
  const identity = identityFor(policy.github.bot_login, deps.env);
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
  const deploymentInput = positiveInt(io.getInput('deployment-id'), 'deployment-id');
  const incidentInput = positiveInt(io.getInput('incident'), 'incident');
  const sinceInput = io.getInput('since');
  let since = sinceInput ? parseTime(sinceInput, 'input since') : undefined;

  const { token, repository, owner, repo, serverUrl, runUrl } = runContext(
    io,
    deps.env,
    deps.now,
    'verify',
    'deployments and issues write',
  );

  // Secrets: only probe URLs and headers take ${NAME}; a smoke command keeps its own `$VARS`.
  const secrets = new Set<string>();
  const resolved: VerifyCheck[] = checks.map((check) => {
    if (check.type !== 'probe') return check;
    const r = resolveSecrets(
      { url: check.url, headers: check.headers },
      deps.env,
      `verify.checks.${check.name}`,
    );
    for (const s of r.secrets) secrets.add(s);
    return { ...check, url: r.value.url, ...(r.value.headers ? { headers: r.value.headers } : {}) };
  });
  let sources = new Map<string, SignalSource>();
  if (resolved.some((c) => c.type === 'metric')) {
    const built = createSources(policy, {
      env: deps.env,
      policyDir: dirname(resolve(policyPath)),
      logger: io,
      now: deps.now,
      ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }),
    });
    sources = built.sources;
    for (const s of built.secrets) secrets.add(s);
  }
  const providersUsed = resolved.flatMap((c) => (c.type === 'flag-off' ? [c.provider] : []));
  const flags = createFlagProviders(policy.flags, {
    env: deps.env,
    logger: io,
    only: providersUsed,
    ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }),
  });
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
  const deployments = createDeploymentStore(client.octokit, repoRef, io);
  const incidents = createIncidentStore(client.octokit, repoRef, io, {
    identity,
  });

  // The pause switch, for the summary. After a rollback, the open incident is read from the
  // environment's one-label list, which holds the pause issues too (the same single request);
  // otherwise one list of its own. Either way it is judged beside the checks and awaited only
  // at the summary, and a failed read is shown there, never fails the step.
  const authority = env.rollback.authority;
  let pauseRead: Promise<PauseState>;
  let incident: IncidentRecord | null = null;
  if (incidentInput === null && mode === 'after-rollback') {
    const read = incidents.readEnvironment(environment, deps.now());
    pauseRead = settlePause(
      read.then((r) =>
        r.pauseIssues.length > 0
          ? judgePauses(client.octokit, repoRef, r.pauseIssues, authority, deps.now())
          : NO_PAUSE,
      ),
    );
    incident = (await read).incident;
  } else {
    pauseRead = settlePause(readPause(client.octokit, repoRef, environment, authority, deps.now()));
    if (incidentInput !== null) incident = await incidents.get(incidentInput);
  }
  if (mode === 'after-rollback' && !incident)
    io.warning(
      `no open incident for ${environment}: the outcome is recorded on the deployment only`,
    );

  let deploymentId = deploymentInput ?? incident?.state.rollbackDeploymentId ?? null;
  let deployedAt: number | undefined;
  if (deploymentId === null && mode === 'after-deploy') {
    const current = await deployments.current(environment);
    deploymentId = current?.id ?? null;
    if (current) deployedAt = Date.parse(current.createdAt);
  }
  if (since === undefined) {
    if (mode === 'after-rollback' && incident?.state.lastRollbackAt)
      since = Date.parse(incident.state.lastRollbackAt);
    else if (mode === 'after-deploy') {
      if (deployedAt === undefined && deploymentId !== null && needsSince(resolved))
        deployedAt = Date.parse((await deployments.get(deploymentId)).createdAt);
      since = deployedAt;
    }
  }

  const ctx: CheckContext = {
    environment,
    now: deps.now,
    logger: io,
    sources,
    flags: flags.providers,
    step: env.step,
    lookback: env.lookback,
    ...(since === undefined ? {} : { since }),
    stepContext: {
      ...(incident ? { incident: incident.number } : {}),
      ...(incident?.state.target
        ? { targetRef: incident.state.target.ref, targetSha: incident.state.target.sha }
        : {}),
      ...(incident ? { fromRef: incident.state.bad.ref, fromSha: incident.state.bad.sha } : {}),
      ...(incident?.state.strategy ? { strategy: incident.state.strategy } : {}),
      repository,
      ...(runUrl ? { runUrl } : {}),
    },
    secrets: [...secrets],
    ...(deps.exec ? { exec: deps.exec } : {}),
  };

  io.phase('Verify');
  io.info(
    `verifying ${environment} (${mode}): ${resolved.length} check${resolved.length === 1 ? '' : 's'}, ${describeTiming(timing)}`,
  );
  const outcome = await verifyChecks({
    checks: resolved,
    timing,
    ctx,
    sleep: deps.sleep,
    onRound: (round, results, roundResult) => {
      io.info(`round ${round}: ${roundResult}`);
      for (const r of results) io.info(`  ${r.name}: ${r.status}: ${r.detail}`);
    },
  });
  io.info(`verification ${outcome.result}: ${outcome.reason}`);

  io.phase('Incident and report');
  const record = await recordVerification(
    {
      mode,
      environment,
      outcome,
      deploymentId,
      incident,
      rollback: env.rollback,
      escalate: env.verify.escalate,
      runUrl,
      resolveOnPass:
        mode === 'after-rollback' &&
        !(await environmentDeclares(policyPath, environment, 'recovery')),
    },
    { deployments, incidents, now: deps.now, logger: io },
  );
  let reportUrl = '';
  if (record.resolved && incident) {
    // As at the end of a staged recovery: the incident is over, so its report is proposed.
    reportUrl = await proposeIncidentReport(io, {
      octokit: client.octokit,
      repo: repoRef,
      incident: { number: incident.number, store: incidents },
      verification: outcome.checks.map((c) => ({
        name: c.name,
        kind: c.type,
        status: c.status === 'pass' ? 'passed' : c.status === 'fail' ? 'failed' : 'inconclusive',
        detail: c.detail,
      })),
      recoveryTime: env.recovery_time ?? {},
      serverUrl,
      now: new Date(deps.now()),
    });
  }
  io.setOutput('report-url', reportUrl);

  io.phase('Outputs, summary and notifications');
  io.setOutput('result', outcome.result);
  io.setOutput('reason', outcome.reason);
  io.setOutput('checks', checksOutput(outcome));
  io.setOutput('rollback-recommended', String(record.rollbackRecommended));
  io.setOutput('escalate', String(record.escalate));
  io.setOutput('next-strategy', record.nextStrategy ?? '');
  io.setOutput('incident', incident ? String(incident.number) : '');
  const sourceLinks = sourceLinksOf(policy.sources);
  const pause = pauseNotice(await pauseRead);
  await io.appendSummary(
    (pause ? `${pause}\n\n` : '') +
      renderVerifySummary(environment, mode, outcome, record, {
        incident: incident ? { number: incident.number, url: incident.url } : null,
        links: checks.flatMap((c) => {
          if (c.type !== 'metric') return [];
          const link = metricLinkMarkdown({ query: c.query }, sourceLinks[c.source]);
          return link ? [{ name: c.name, link }] : [];
        }),
      }),
  );

  let notifyFailure: string | null = null;
  if (outcome.result === 'failed') {
    const report = await notify(
      {
        event: 'verify.failed',
        environment,
        repository,
        incident: incident ? { number: incident.number, url: incident.url } : null,
        values: {
          reason: outcome.reason,
          ...(incident ? { status: 'verification-failed', from: incident.state.bad.ref } : {}),
          ...(incident?.state.target ? { to: incident.state.target.ref } : {}),
          ...(incident?.state.strategy ? { strategy: incident.state.strategy } : {}),
          next_steps: record.next,
          ...(runUrl ? { run_url: runUrl } : {}),
          deployment_url: `${serverUrl}/${repository}/deployments`,
          ...(deps.env.GITHUB_ACTOR ? { actor: deps.env.GITHUB_ACTOR } : {}),
        },
      },
      {
        policy: policy.notify,
        env: deps.env,
        incidents,
        history: createCommentHistory(client.octokit, repoRef, identity, io),
        logger: io,
        mask: (secret) => io.setSecret(secret),
        sleep: deps.sleep,
        now: deps.now,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      },
    ).catch((thrown: unknown) => {
      // The verification's outcome is already recorded; a notification problem must not hide it.
      io.warning(
        `could not send verify.failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      );
      return null;
    });
    if (report) notifyFailure = await reportNotification(io, report);
  }
  if (failStep && outcome.result !== 'passed')
    io.setFailed(`verification ${outcome.result}: ${outcome.reason}. ${record.next}`);
  else if (notifyFailure) io.setFailed(notifyFailure);
  return { outcome, record };
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

function needsSince(checks: readonly VerifyCheck[]): boolean {
  return checks.some((c) => c.type === 'metric' && c.improved !== undefined);
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

function describeTiming(t: VerifyTiming): string {
  const d = formatDuration;
  return `stabilization ${d(t.stabilization)}, every ${d(t.interval)} for up to ${d(t.duration)}, ${t.successes} consecutive success${t.successes === 1 ? '' : 'es'}, ${t.failuresTolerated} failure${t.failuresTolerated === 1 ? '' : 's'} tolerated${t.minDuration ? `, passing no sooner than ${d(t.minDuration)}` : ''}`;
}
