/**
 * rollback: wire the runner's inputs and context to the rollback use-case, then write the
 * outputs and a job summary (what happened, from which version to which, the steps, the API
 * calls used).
 */
import { ConfigurationError } from '../../shared/errors.ts';
import { escapeMarkdown } from '../../shared/markdown.ts';
import { parseBooleanInput } from '../../shared/time-input.ts';
import { createGitHubClient } from '../../github/client.ts';
import { createDeploymentStore } from '../../github/deployments.ts';
import { createIncidentStore } from '../../incident/store.ts';
import type { NotifyEvent, NotifyValues } from '../../notify/templates.ts';
import { notify, renderNotifySummary, type NotifyReport } from '../../notify/dispatch.ts';
import { createCommentHistory } from '../../notify/channels/issue-comment.ts';
import { createEnvironmentLock } from '../../incident/lock.ts';
import { identityFor } from '../../github/identity.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import { parseDecisionInput } from '../../rollback/decision-input.ts';
import { decidingActor, readActorAccess } from '../../rollback/authority.ts';
import { judgePauses, pauseNotice } from '../../rollback/pause.ts';
import { rollback, type RollbackResult } from '../../rollback/rollback.ts';
import { createFlagProviders } from '../../rollback/flags/providers.ts';
import { STRATEGIES, type StrategyName } from '../../rollback/plan.ts';
import type { StepEvent } from '../../rollback/ladder.ts';
import { environmentOf } from '../../signals/evaluate-environment.ts';
import type { ActionIO } from '../action-io.ts';
import { runContext } from '../run-context.ts';
import { requestStatus } from '../../github/repo-ref.ts';
import { createApprovalGateway } from '../../incident/approval-comments.ts';
import { decisionFromState } from '../../rollback/approval-gate.ts';
import { approvalSummary, commentStart, ignoredComment } from '../comment-command.ts';
import { setRecoverySchedule, type ScheduleOutcome } from '../../recovery/schedule.ts';
import { metricLinkMarkdown, sourceLinksOf } from '../../signals/summary.ts';
import { formatUtc } from '../../shared/time-format.ts';

export interface RollbackDepsIn {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Tests shorten Octokit's retry waits. */
  retryAfterBaseValue?: number;
  pollIntervalMs?: number;
  lockPollMs?: number;
  onStepEvent?: (event: StepEvent) => void;
  fetch?: typeof fetch;
}

export async function run(io: ActionIO, deps: RollbackDepsIn): Promise<RollbackResult> {
  const policyPath = io.getInput('policy') || defaultPolicyPath;
  // An `issue_comment` run (/ripcord approve|reject) acts on the incident the comment is on.
  const started = await commentStart(io, deps.env, policyPath, ['approve', 'reject']);
  if (started.kind === 'ignore') return ignoredComment(io, started);
  const byComment = started.kind === 'command' ? started.incident : null;
  const environment = byComment
    ? byComment.state.environment
    : required(io, 'environment', 'production');
  const strategyInput = io.getInput('strategy') || 'auto';
  if (strategyInput !== 'auto' && !STRATEGIES.includes(strategyInput as StrategyName)) {
    throw new ConfigurationError(
      `input strategy: "${strategyInput}" is not a strategy; write auto or one of ${STRATEGIES.join(', ')}`,
    );
  }
  const decision = byComment
    ? decisionFromState(byComment.state)
    : parseDecisionInput(io.getInput('decision'));
  const dryRun = parseBooleanInput(io.getInput('dry-run'), 'input dry-run');
  const reason = io.getInput('reason') || decision?.summary || byComment?.state.reason || '';
  if (!reason)
    throw new ConfigurationError(
      'input reason is required when no decision is given; say why you roll back',
    );
  const { token, repository, owner, repo, runId, attempt, serverUrl, runUrl } = runContext(
    io,
    deps.env,
    deps.now,
    'rollback',
    'deployments, issues and contents write',
  );

  io.phase('Policy');
  const policy = await readPolicy(policyPath);
  const identity = identityFor(policy.github.bot_login, deps.env);
  const env = environmentOf(policy, environment);
  const client = createGitHubClient({
    token,
    baseUrl: deps.env.GITHUB_API_URL,
    logger: io,
    maxRateLimitWaitMs: env.rollback.rate_limit_wait,
    ...(deps.retryAfterBaseValue === undefined
      ? {}
      : { retryAfterBaseValue: deps.retryAfterBaseValue }),
  });
  const repoRef = { owner, repo };
  const incidents = createIncidentStore(client.octokit, repoRef, io, {
    identity,
  });
  const notifyDeps = {
    policy: policy.notify,
    env: deps.env,
    incidents,
    history: createCommentHistory(client.octokit, repoRef, identity, io),
    logger: io,
    mask: (secret: string) => io.setSecret(secret),
    sleep: deps.sleep,
    now: deps.now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
  const baseValues: NotifyValues = {
    reason,
    ...(runUrl ? { run_url: runUrl } : {}),
    deployment_url: `${serverUrl}/${repository}/deployments`,
    ...(deps.env.GITHUB_ACTOR ? { actor: deps.env.GITHUB_ACTOR } : {}),
    ...(decision && decision.triggered.length > 0
      ? { trigger: decision.triggered.join(', ') }
      : {}),
  };
  const send = (
    event: NotifyEvent,
    incident: { number: number; url: string } | null,
    values: NotifyValues,
  ): Promise<NotifyReport | null> =>
    notify(
      { event, environment, repository, incident, values: { ...baseValues, ...values } },
      notifyDeps,
    ).catch((thrown: unknown) => {
      // A notification must never turn a rollback red; notify() reports channel failures itself.
      io.warning(
        `could not send ${event}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      );
      return null;
    });
  // Started when the first step starts and awaited at the end, so it never delays the step.
  const pending: { started?: Promise<NotifyReport | null> } = {};
  const flagProvider = env.rollback.strategies['feature-flag']?.provider;
  const flags = createFlagProviders(policy.flags, {
    env: deps.env,
    logger: io,
    only: flagProvider ? [flagProvider] : [],
  });
  for (const secret of flags.secrets) io.setSecret(secret);

  // Approvals, not the commenter's own authority, decide a comment-started run.
  const manual =
    !byComment && (deps.env.GITHUB_EVENT_NAME === 'workflow_dispatch' || decision === null);

  io.phase('Roll back');
  const result = await rollback(
    {
      environment,
      reason,
      strategy: strategyInput as 'auto' | StrategyName,
      target: io.getInput('target') || 'last-known-good',
      dryRun,
      decision,
      actor: decidingActor(deps.env),
      manual,
      run: { id: runId, attempt, url: runUrl },
      repository,
      ...(byComment ? { commentOn: byComment.number } : {}),
    },
    {
      policy,
      deployments: createDeploymentStore(client.octokit, repoRef, io),
      incidents,
      lock: createEnvironmentLock(client.octokit, repoRef, environment, {
        holder: `run ${runId} attempt ${attempt}`,
        identity,
        runUrl,
        leaseMs: env.rollback.lock.lease,
        waitMs: env.rollback.lock.wait,
        ...(deps.lockPollMs === undefined ? {} : { pollMs: deps.lockPollMs }),
        now: deps.now,
        sleep: deps.sleep,
        logger: io,
      }),
      planDeps: {
        flags: flags.providers,
        octokit: client.octokit,
        repo: repoRef,
        env: deps.env,
        logger: io,
        mask: (secret: string) => io.setSecret(secret),
        ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
      },
      approvals: createApprovalGateway(client.octokit, repoRef, identity, io),
      actorAccess: (actor) =>
        readActorAccess(client.octokit, repoRef, actor, env.rollback.authority),
      judgePause: (issues) =>
        judgePauses(client.octokit, repoRef, issues, env.rollback.authority, deps.now()),
      commitExists: async (sha) => {
        try {
          await client.octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
          return true;
        } catch (e) {
          if (requestStatus(e) === 404 || requestStatus(e) === 422) return false;
          throw e;
        }
      },
      now: deps.now,
      sleep: deps.sleep,
      logger: io,
      onStepEvent: (event, incident) => {
        io.info(
          `${event.at} ${event.name}: ${event.status}${event.detail ? ` (${event.detail})` : ''}`,
        );
        deps.onStepEvent?.(event);
        if (event.status === 'running' && pending.started === undefined)
          pending.started = send('rollback.started', incident, {
            status: 'rolling-back',
            strategy: event.strategy,
          });
      },
    },
  );

  io.phase('Notifications and summary');
  const reports: NotifyReport[] = [];
  const startedReport = await pending.started;
  if (startedReport) reports.push(startedReport);
  if (result.result === 'rolled-back' || result.result === 'failed') {
    const finished = await send(
      result.result === 'rolled-back' ? 'rollback.completed' : 'rollback.failed',
      result.incident,
      {
        status: result.result === 'rolled-back' ? 'rolled-back' : 'rollback-failed',
        ...(result.strategy ? { strategy: result.strategy } : {}),
        ...(result.from ? { from: result.from.ref } : {}),
        ...(result.target ? { to: result.target.ref } : {}),
      },
    );
    if (finished) reports.push(finished);
  }

  // The hand-over to staged recovery switches its schedule on (recovery.workflow): after the
  // rollback, never before its first step. A re-run finding the rollback done repeats it, so
  // fixing a missing `actions: write` and re-running is enough.
  const schedule =
    env.recovery.workflow &&
    (result.result === 'rolled-back' || result.skipReason === 'already-rolled-back')
      ? await setRecoverySchedule(client.octokit, repoRef, env.recovery.workflow, 'enable')
      : null;
  if (schedule) {
    if (schedule.ok) io.info(schedule.message);
    // A warning, not a failed step: failing here would skip the verify step that follows.
    else io.warning(schedule.message);
  }

  io.info(result.message);
  io.setOutput('result', result.result);
  io.setOutput('environment', environment);
  io.setOutput('incident', result.incident ? String(result.incident.number) : '');
  io.setOutput('target-ref', result.target?.ref ?? '');
  io.setOutput('target-sha', result.target?.sha ?? '');
  io.setOutput('strategy', result.strategy ?? '');
  io.setOutput('deployment-id', result.deploymentId ? String(result.deploymentId) : '');
  io.setOutput('message', result.message);
  io.setOutput('skip-reason', result.skipReason ?? '');
  io.setOutput('approvers', (result.approval?.approvers ?? []).map((a) => a.login).join(','));
  const links = sourceLinksOf(policy.sources);
  await io.appendSummary(
    renderRollbackSummary(environment, result, client.totalRequests(), {
      schedule,
      metrics: (decision?.triggers ?? [])
        .filter((t) => t.status === 'breached')
        .flatMap((t) => {
          const link = metricLinkMarkdown(
            { query: typeof t['query'] === 'string' ? t['query'] : '' },
            links[typeof t['source'] === 'string' ? t['source'] : ''],
          );
          return link ? [{ name: t.name, link }] : [];
        }),
    }),
  );
  const notifyFailure = await reportNotifications(io, reports);
  // Asked to roll back and did not: never a silent green step. Skipping because Ripcord's own
  // rollback is live (or another run is doing it) warns; the failed cases fail below. A pause
  // warns too: a person allowed to roll back chose it for this window, and a red step on every
  // deploy during planned maintenance would teach people to ignore red.
  if (result.result === 'skipped' && result.skipReason !== 'not-asked')
    io.warning(`Ripcord did not roll back ${environment}: ${result.message}`);
  if (result.result === 'awaiting-approval')
    io.warning(`Ripcord did not roll back ${environment} yet: ${result.message}`);
  if (result.result === 'failed') io.setFailed(result.message);
  else if (notifyFailure) io.setFailed(notifyFailure);
  return result;
}

/**
 * The job-summary sections for what was routed, and the step's verdict on the channels: the
 * same as the notify action's (a failed channel warns, a failed `required` one fails the step).
 * Returns the failure message for the caller to set, so its own failure keeps precedence.
 */
export async function reportNotifications(
  io: ActionIO,
  reports: readonly NotifyReport[],
): Promise<string | null> {
  for (const r of reports)
    if (r.outcomes.length > 0) await io.appendSummary(renderNotifySummary(r));
  const failed = reports.flatMap((r) => r.failed);
  const required = reports.flatMap((r) => r.requiredFailed);
  if (required.length > 0)
    return `required notification channel${required.length > 1 ? 's' : ''} failed: ${required
      .map((o) => `${o.channel} (${o.detail ?? 'failed'})`)
      .join('; ')}`;
  if (failed.length > 0)
    io.warning(
      `notification channel${failed.length > 1 ? 's' : ''} failed: ${failed
        .map((o) => o.channel)
        .join(', ')}; see the job summary`,
    );
  return null;
}

function required(io: ActionIO, name: string, example: string): string {
  const value = io.getInput(name);
  if (!value)
    throw new ConfigurationError(`input ${name} is required; set \`${name}: ${example}\``);
  return value;
}

const HEADLINE: Record<RollbackResult['result'], string> = {
  'rolled-back': '⏪ Rolled back',
  failed: '❌ Rollback failed',
  skipped: '⏭️ Nothing to do',
  'dry-run': '🧪 Dry run',
  'awaiting-approval': '🙋 Waiting for approval',
};

export interface RollbackSummaryExtras {
  /** The recovery schedule switched on at the hand-over (recovery.workflow), if asked. */
  schedule?: ScheduleOutcome | null;
  /** The breached triggers of the decision, linked to their metric in the source's own UI. */
  metrics?: { name: string; link: string }[];
}

export function renderRollbackSummary(
  environment: string,
  r: RollbackResult,
  apiCalls: number,
  extras: RollbackSummaryExtras = {},
): string {
  const notice = pauseNotice(r.pause ?? null);
  const lines = [
    `## ${r.skipReason === 'paused' ? '⏸️ Paused' : HEADLINE[r.result]}: ${escapeMarkdown(environment)}`,
    '',
    ...(notice ? [notice, ''] : []),
    escapeMarkdown(r.message),
    '',
  ];
  if (r.skipReason && r.skipReason !== 'not-asked')
    lines.push(
      `**Not rolled back** (\`${r.skipReason}\`): a rollback was asked for and this run did not do one.`,
      '',
    );
  if (r.from || r.target) {
    lines.push('| | Ref | Sha | Deployment |', '| --- | --- | --- | --- |');
    if (r.from)
      lines.push(
        `| From (bad) | ${escapeMarkdown(r.from.ref)} | \`${r.from.sha.slice(0, 7)}\` | ${r.from.deploymentId} |`,
      );
    if (r.target)
      lines.push(
        `| To (known good) | ${escapeMarkdown(r.target.ref)} | \`${r.target.sha.slice(0, 7)}\` | ${r.target.deploymentId ?? '—'} |`,
      );
    lines.push('');
  }
  if (r.incident) lines.push(`Incident: [#${r.incident.number}](${r.incident.url})`, '');
  if (r.approval) lines.push(approvalSummary(r.approval), '');
  const finished = r.steps.filter((e) => e.status !== 'running');
  if (finished.length > 0) {
    lines.push('| Time | Step | Result | Detail |', '| --- | --- | --- | --- |');
    for (const e of finished)
      lines.push(
        `| ${formatUtc(e.at)} | ${escapeMarkdown(e.name)} | ${e.status} | ${escapeMarkdown(e.detail ?? '')} |`,
      );
    lines.push('');
  } else if (r.plan.length > 0) {
    lines.push(
      'Planned steps:',
      '',
      ...r.plan.map((s) => `1. ${escapeMarkdown(s.name)} (${s.strategy})`),
      '',
    );
  }
  if (r.dataLossWindow)
    lines.push(
      `Data-loss window: writes between ${formatUtc(r.dataLossWindow.from)} and ${formatUtc(r.dataLossWindow.to)} may be lost.`,
      '',
    );
  if (extras.schedule)
    lines.push(`${extras.schedule.ok ? '' : '⚠️ '}${escapeMarkdown(extras.schedule.message)}`, '');
  lines.push(...rollbackNextSteps(environment, r, extras), '');
  lines.push(`GitHub API calls: ${apiCalls}.`);
  return lines.join('\n') + '\n';
}

/** What a person does next after this run: the summary never ends on the result alone. */
function rollbackNextSteps(
  environment: string,
  r: RollbackResult,
  extras: RollbackSummaryExtras,
): string[] {
  const env = escapeMarkdown(environment);
  const steps = ['### What to do next', ''];
  const incident = r.incident ? `[incident #${r.incident.number}](${r.incident.url})` : null;
  switch (r.result) {
    case 'rolled-back':
      steps.push(
        `- Follow ${incident ?? 'the incident issue'}: verification, recovery and the report are recorded there.`,
        extras.schedule?.ok
          ? `- Staged recovery brings the change back in stages on its schedule. To stop it, run the ${escapeMarkdown(extras.schedule.workflow)} workflow with command \`abort\` and a reason.`
          : '- To stop the staged recovery from bringing the change back, run the staged-recovery workflow with command `abort` and a reason.',
      );
      break;
    case 'failed':
      steps.push(
        `- See the failed step above and ${incident ?? 'the incident issue'}; fix the cause and re-run this job: the rollback resumes after the steps that are done, it does not repeat them.`,
        `- If the environment is still broken meanwhile, roll back by hand (the manual rollback workflow, with a \`strategy\` that does not use the failing step).`,
      );
      break;
    case 'skipped':
      steps.push(
        r.skipReason === 'not-asked'
          ? '- Nothing: no rollback was asked for.'
          : `- Check ${incident ?? `the open incident of ${env}`}: it says which run rolled back, and when.`,
      );
      break;
    case 'dry-run':
      steps.push('- Nothing was changed. Run again without `dry-run` to roll back.');
      break;
  }
  if (r.result !== 'dry-run' && r.skipReason !== 'not-asked')
    steps.push(
      `- If a run died holding the lock: \`ripcord status --environment ${env}\`, then \`ripcord unlock --environment ${env} --reason "..."\`.`,
    );
  for (const m of extras.metrics ?? [])
    steps.push(`- See ${escapeMarkdown(m.name)} where it is measured: ${m.link}.`);
  return steps;
}
