/**
 * staged-recovery: wire the runner's inputs to one recovery run (a scheduled tick, or a
 * person's proceed / abort / status), then write the outputs and a job summary: the plan with
 * the current stage marked, the gate evidence, and what happens next and when.
 */
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../../shared/errors.ts';
import { formatDuration } from '../../policy/duration.ts';
import { escapeMarkdown } from '../../shared/markdown.ts';
import { createGitHubClient } from '../../github/client.ts';
import { createIncidentStore, type IncidentStore } from '../../incident/store.ts';
import {
  judgePauses,
  NO_PAUSE,
  pauseNotice,
  settlePause,
  type PauseState,
} from '../../rollback/pause.ts';
import { notify, renderNotifySummary, type NotifyReport } from '../../notify/dispatch.ts';
import { createCommentHistory } from '../../notify/channels/issue-comment.ts';
import { createEnvironmentLock } from '../../incident/lock.ts';
import { identityFor } from '../../github/identity.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import { decidingActor, readActorAccess } from '../../rollback/authority.ts';
import { environmentOf, evaluateEnvironment } from '../../signals/evaluate-environment.ts';
import {
  combineGates,
  gateEvidence,
  gateFromVerdicts,
  percentDriver,
  runRecovery,
  type GateReader,
  type GateReading,
  type RecoveryCommand,
  type RecoveryResult,
} from '../../recovery/run-recovery.ts';
import { resolveSecrets } from '../../policy/secrets.ts';
import type { VerifyCheck } from '../../policy/schema-verify.ts';
import type { Verdict } from '../../signals/verdict.ts';
import { createSources } from '../../signals/factory.ts';
import { runChecksOnce, type CheckResult } from '../../verify/checks.ts';
import { createFlagProviders } from '../../rollback/flags/providers.ts';
import type { ActionIO } from '../action-io.ts';
import { ignoredCheckpoint, recoveryCheckpoint } from '../../recovery/checkpoint.ts';
import { proposeIncidentReport } from '../../incident/propose-report.ts';
import { runContext } from '../run-context.ts';
import { setRecoverySchedule, type ScheduleOutcome } from '../../recovery/schedule.ts';
import { metricLinkMarkdown, sourceLinksOf, type SourceLinks } from '../../signals/summary.ts';
import { formatUtc } from '../../shared/time-format.ts';

export interface StagedRecoveryDeps {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Tests shorten Octokit's retry waits. */
  retryAfterBaseValue?: number;
  lockPollMs?: number;
  /** Seam for extra gates (the verify checks); `recovery.gates.verify` needs it. */
  verifyGates?: GateReader;
  fetch?: typeof fetch;
}

const COMMANDS: readonly RecoveryCommand[] = ['tick', 'proceed', 'abort', 'status'];

/** Outcomes after which no tick has anything left to do: the schedule can go. */
const SCHEDULE_DONE: readonly RecoveryResult['outcome'][] = ['no-incident', 'recovered', 'aborted'];

export async function run(io: ActionIO, deps: StagedRecoveryDeps): Promise<RecoveryResult> {
  // An `issue_comment` run: `/ripcord proceed` (or approve) passes a manual checkpoint.
  const checkpoint = await recoveryCheckpoint(
    io,
    deps.env,
    io.getInput('policy') || defaultPolicyPath,
  );
  if (checkpoint.kind === 'ignore') return ignoredCheckpoint(io, checkpoint);
  const environment =
    checkpoint.kind === 'proceed' ? checkpoint.environment : io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const commandInput =
    checkpoint.kind === 'proceed'
      ? 'proceed'
      : (io.getInput('command') || 'tick').trim().toLowerCase();
  if (!COMMANDS.includes(commandInput as RecoveryCommand)) {
    throw new ConfigurationError(
      `input command: "${commandInput}" is not a command; write one of ${COMMANDS.join(', ')} (empty means tick)`,
    );
  }
  const command = commandInput as RecoveryCommand;
  const policyPath = io.getInput('policy') || defaultPolicyPath;
  const { token, repository, owner, repo, runId, attempt, serverUrl, runUrl } = runContext(
    io,
    deps.env,
    deps.now,
    'staged-recovery',
    'issues and contents write',
  );

  io.phase('Policy');
  const policy = await readPolicy(policyPath);
  const identity = identityFor(policy.github.bot_login, deps.env);
  const env = environmentOf(policy, environment);
  if (env.recovery.gates.verify && !deps.verifyGates && env.verify.checks.length === 0) {
    throw new ConfigurationError(
      `environments.${environment}.recovery.gates.verify: environments.${environment}.verify.checks is empty, so there is nothing to gate the stages with; add checks there or set gates.verify to false`,
    );
  }
  // Probe URLs and headers take ${NAME} secrets, as in the verify action; resolved up front so
  // a missing secret fails before any stage moves.
  const verifySecrets = new Set<string>();
  const verifyChecks: VerifyCheck[] =
    env.recovery.gates.verify && !deps.verifyGates
      ? env.verify.checks
          // "The flag is really off" proves a rollback; during recovery the flag is meant to be
          // on again, so as a stage gate it would roll back every first stage.
          .filter((check) => check.type !== 'flag-off')
          .map((check) => {
            if (check.type !== 'probe') return check;
            const r = resolveSecrets(
              { url: check.url, headers: check.headers },
              deps.env,
              `environments.${environment}.verify.checks.${check.name}`,
            );
            for (const secret of r.secrets) verifySecrets.add(secret);
            return {
              ...check,
              url: r.value.url,
              ...(r.value.headers ? { headers: r.value.headers } : {}),
            };
          })
      : [];
  for (const secret of verifySecrets) io.setSecret(secret);
  const client = createGitHubClient({
    token,
    baseUrl: deps.env.GITHUB_API_URL,
    logger: io,
    ...(deps.retryAfterBaseValue === undefined
      ? {}
      : { retryAfterBaseValue: deps.retryAfterBaseValue }),
  });
  const repoRef = { owner, repo };
  const wantedFlag =
    env.recovery.command === undefined
      ? (env.recovery.flag?.provider ?? env.rollback.strategies['feature-flag']?.provider)
      : undefined;
  const flags = createFlagProviders(policy.flags, {
    env: deps.env,
    logger: io,
    only: [
      ...(wantedFlag ? [wantedFlag] : []),
      ...verifyChecks.flatMap((c) => (c.type === 'flag-off' ? [c.provider] : [])),
    ],
  });
  for (const secret of flags.secrets) io.setSecret(secret);
  const driver = percentDriver(env, {
    environment,
    flags: flags.providers,
    repository,
    logger: io,
  });
  // Sources (and their secrets) are built only when a gate is read: a waiting tick needs none.
  const gates: GateReader = async (at, since) => {
    const { sources, secrets } = createSources(policy, {
      env: deps.env,
      policyDir: dirname(resolve(policyPath)),
      logger: io,
    });
    for (const secret of secrets) io.setSecret(secret);
    const verifyGates: GateReader | undefined =
      deps.verifyGates ??
      (verifyChecks.length > 0
        ? async (_at, stageSince) =>
            gateFromChecks(
              await runChecksOnce(verifyChecks, {
                environment,
                now: deps.now,
                logger: io,
                sources,
                flags: flags.providers,
                step: env.step,
                lookback: env.lookback,
                ...(stageSince === null ? {} : { since: stageSince }),
                stepContext: { repository, ...(runUrl ? { runUrl } : {}) },
                secrets: [...verifySecrets, ...secrets],
              }),
            )
        : undefined);
    const readings: GateReading[] = [];
    if (env.recovery.gates.triggers && env.triggers.length > 0) {
      const decision = await evaluateEnvironment({
        policy,
        environment,
        sources,
        at,
        ...(since === null ? {} : { deployedAt: since }),
        logger: io,
      });
      readings.push(gateFromVerdicts(decision.triggers));
    }
    if (env.recovery.gates.verify && verifyGates) readings.push(await verifyGates(at, since));
    return combineGates(readings);
  };

  const store = createIncidentStore(client.octokit, repoRef, io, { identity });
  // The pause switch, for the summary: the tick's first incident read lists the environment's
  // issues by its one label (incident and pause issues together, the same single request as
  // before), and the pause issues are judged beside the rest of the tick. A pause does not stop
  // the recovery (it stops automatic rollbacks; docs/architecture.md), so it is only shown.
  let pauseRead: Promise<PauseState> | null = null;
  const incidents: IncidentStore = {
    ...store,
    async findOpen(name) {
      if (pauseRead) return store.findOpen(name);
      const read = store.readEnvironment(name, deps.now());
      pauseRead = settlePause(
        read.then((r) =>
          r.pauseIssues.length > 0
            ? judgePauses(
                client.octokit,
                repoRef,
                r.pauseIssues,
                env.rollback.authority,
                deps.now(),
              )
            : NO_PAUSE,
        ),
      );
      return (await read).incident;
    },
  };
  const history = createCommentHistory(client.octokit, repoRef, identity, io);
  const reports: NotifyReport[] = [];

  const manual = command === 'proceed' || command === 'abort';
  io.phase('Recover');
  const result = await runRecovery(
    {
      environment,
      command,
      actor: checkpoint.kind === 'proceed' ? checkpoint.actor : decidingActor(deps.env),
      ...(io.getInput('reason') ? { reason: io.getInput('reason') } : {}),
      run: { id: runId, attempt, url: runUrl },
    },
    {
      policy,
      incidents,
      lock: createEnvironmentLock(client.octokit, repoRef, environment, {
        holder: `run ${runId} attempt ${attempt}`,
        identity,
        runUrl,
        leaseMs: env.rollback.lock.lease,
        // A scheduled tick that finds the lock taken leaves the work to its holder; a person's
        // command waits for it.
        waitMs: manual ? env.rollback.lock.wait : 0,
        ...(deps.lockPollMs === undefined ? {} : { pollMs: deps.lockPollMs }),
        now: deps.now,
        sleep: deps.sleep,
        logger: io,
      }),
      gates,
      driver,
      actorAccess: (actor) =>
        readActorAccess(
          client.octokit,
          repoRef,
          actor,
          env.recovery.approval ?? env.rollback.authority,
        ),
      now: deps.now,
      logger: io,
      notify: async (n) => {
        const report = await notify(
          {
            event: n.event,
            environment,
            repository,
            incident: n.incident,
            values: {
              status: n.state.status,
              ...(n.state.stage >= 0 ? { stage: `${n.state.stage + 1}: ${n.state.percent}%` } : {}),
              next_steps: [n.message, ...n.lines].join('\n'),
              ...(runUrl ? { run_url: runUrl } : {}),
              deployment_url: `${serverUrl}/${repository}/deployments`,
              ...(deps.env.GITHUB_ACTOR ? { actor: deps.env.GITHUB_ACTOR } : {}),
            },
          },
          {
            policy: policy.notify,
            env: deps.env,
            incidents,
            history,
            logger: io,
            mask: (secret) => io.setSecret(secret),
            sleep: deps.sleep,
            now: deps.now,
            ...(deps.fetch ? { fetch: deps.fetch } : {}),
          },
        ).catch((thrown: unknown) => {
          // The transition is already saved; a notification problem must not undo the tick.
          io.warning(
            `could not send ${n.event}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          );
          return null;
        });
        if (report) reports.push(report);
        return report?.recorded ?? false;
      },
    },
  );

  io.phase('Report, outputs and summary');
  let reportUrl = '';
  if (result.incident && result.applied.some((e) => e.type === 'markRecovered')) {
    // The incident is recovered: a repository that refuses bot pull requests must not turn
    // that red (the report goes on the incident instead).
    reportUrl = await proposeIncidentReport(io, {
      identity,
      octokit: client.octokit,
      repo: repoRef,
      incident: { number: result.incident.number, store: incidents },
      evidence: result.gates?.verdicts,
      recoveryTime: env.recovery_time ?? {},
      serverUrl,
      now: new Date(deps.now()),
    });
  }

  // The tick that finds nothing left to recover switches the schedule off (recovery.workflow);
  // the next rollback switches it on again. A run that did nothing (skipped, waiting) keeps it.
  const schedule =
    env.recovery.workflow && SCHEDULE_DONE.includes(result.outcome)
      ? await setRecoverySchedule(client.octokit, repoRef, env.recovery.workflow, 'disable')
      : null;
  if (schedule) {
    if (schedule.ok) io.info(schedule.message);
    else io.warning(schedule.message);
  }

  io.info(result.message);
  const s = result.state;
  io.setOutput('outcome', result.outcome);
  io.setOutput('status', s?.status ?? '');
  io.setOutput('stage', s && s.stage >= 0 ? String(s.stage + 1) : '0');
  io.setOutput('percentage', s ? String(s.percent) : '');
  io.setOutput('next-action', result.next.action);
  io.setOutput('next-at', result.next.at ?? '');
  io.setOutput('incident', result.incident ? String(result.incident.number) : '');
  io.setOutput('message', result.message);
  io.setOutput('report-pr', reportUrl);
  await io.appendSummary(
    renderRecoverySummary(environment, result, client.totalRequests(), {
      pause: pauseRead ? await pauseRead : null,
      schedule,
      workflow: env.recovery.workflow ?? null,
      links: sourceLinksOf(policy.sources),
    }),
  );
  if (reportUrl) await io.appendSummary(`Incident report: ${reportUrl}\n`);
  for (const r of reports)
    if (r.outcomes.length > 0) await io.appendSummary(renderNotifySummary(r));
  const required = reports.flatMap((r) => r.requiredFailed);
  const failed = reports.flatMap((r) => r.failed);
  if (required.length > 0)
    io.setFailed(
      `required notification channel${required.length > 1 ? 's' : ''} failed: ${required
        .map((o) => `${o.channel} (${o.detail ?? 'failed'})`)
        .join('; ')}`,
    );
  else if (failed.length > 0)
    io.warning(
      `notification channel${failed.length > 1 ? 's' : ''} failed: ${failed
        .map((o) => o.channel)
        .join(', ')}; see the job summary`,
    );
  return result;
}

/**
 * The verify checks as gate verdicts, all critical: a failed check regresses the stage, an
 * inconclusive one holds it (gateFromVerdicts), as the verify action would judge the round.
 */
export function gateFromChecks(results: readonly CheckResult[]): GateReading {
  const verdicts: Verdict[] = results.map((r) => ({
    name: `verify: ${r.name}`,
    kind: r.type,
    severity: 'critical',
    status: r.status === 'pass' ? 'ok' : r.status === 'fail' ? 'breached' : 'inconclusive',
    value: r.value,
    // With its unit (`17 ms`), as the verify summary shows it: a bare 17 says nothing.
    valueText: r.valueText ?? (r.value === null ? null : String(r.value)),
    threshold: 'check passes',
    since: null,
    reason: r.detail,
    query: '',
    source: r.type,
    labels: {},
    points: [],
    thresholdValue: null,
    impact: null,
  }));
  return gateFromVerdicts(verdicts);
}

const HEADLINE: Record<RecoveryResult['outcome'], string> = {
  'no-incident': '💤 No open incident',
  'not-ready': '⏸️ Not ready to recover',
  waiting: '⏳ Waiting',
  held: '✋ Holding (gates inconclusive)',
  advanced: '⏫ Advanced',
  'awaiting-approval': '🙋 Waiting for proceed',
  'rolled-back-again': '⏪ Regressed: rolled back again',
  recovered: '✅ Recovered',
  aborted: '🛑 Recovery aborted',
  skipped: '⏭️ Another run is on it',
  status: 'ℹ️ Status',
};

export interface RecoverySummaryExtras {
  /** What this run did to the recovery schedule (recovery.workflow), if anything. */
  schedule?: ScheduleOutcome | null;
  /** recovery.workflow, named in the next steps. */
  workflow?: string | null;
  /** The policy's sources, to link each gate's metric in its own UI. */
  links?: SourceLinks;
  /** The pause switch as read (null: not read, as when no incident was looked for). */
  pause?: PauseState | null;
}

const NEXT_ACTION: Record<RecoveryResult['next']['action'], string> = {
  dwell: 'read the gates when the stage has dwelt',
  gates: 'read the gates',
  approval: 'wait for someone to run `proceed`',
  backoff: 'start the next attempt',
  none: 'nothing',
};

export function renderRecoverySummary(
  environment: string,
  r: RecoveryResult,
  apiCalls: number,
  extras: RecoverySummaryExtras = {},
): string {
  const notice = pauseNotice(extras.pause ?? null);
  const lines = [
    `## ${HEADLINE[r.outcome]}: ${escapeMarkdown(environment)} staged recovery`,
    '',
    ...(notice ? [notice, ''] : []),
    ...(extras.pause?.active && r.incident
      ? [
          'The pause stops automatic rollbacks, not this recovery: its stages go on as planned (run `abort` to stop it).',
          '',
        ]
      : []),
    escapeMarkdown(r.message),
    '',
  ];
  if (r.incident) lines.push(`Incident: [#${r.incident.number}](${r.incident.url})`, '');
  const s = r.state;
  lines.push('| | Stage | Percentage | Dwell |', '| --- | --- | --- | --- |');
  r.plan.stages.forEach((stage, i) => {
    const current = s !== null && s.stage === i && s.status !== 'recovered';
    const passed = s !== null && (i < s.stage || s.status === 'recovered');
    const mark = current ? '👉' : passed ? '✔️' : '';
    lines.push(
      `| ${mark} | ${i + 1} | ${stage.percent}% | ${stage.dwell > 0 ? formatDuration(stage.dwell) : '-'} |`,
    );
  });
  lines.push('');
  if (s) {
    lines.push(
      `Attempt ${s.attempt} of ${r.plan.maxAttempts}, status ${s.status}, live ${s.percent}%.`,
      '',
    );
  }
  const next =
    r.next.action === 'none'
      ? 'Nothing more to do.'
      : `Next: ${NEXT_ACTION[r.next.action]}${r.next.at ? ` at ${formatUtc(r.next.at)}` : ' on the next run'}.`;
  lines.push(next, '');
  if (r.gates) lines.push(gateEvidence(r.gates), '');
  else if (s?.lastGate)
    lines.push(
      `Last gates: **${s.lastGate.result}** at ${formatUtc(s.lastGate.at)}${s.lastGate.detail ? ` (${escapeMarkdown(s.lastGate.detail)})` : ''}`,
      '',
    );
  if (extras.schedule)
    lines.push(`${extras.schedule.ok ? '' : '⚠️ '}${escapeMarkdown(extras.schedule.message)}`, '');
  lines.push(...recoveryNextSteps(environment, r, extras), '');
  lines.push(`GitHub API calls: ${apiCalls}.`);
  return lines.join('\n') + '\n';
}

/** How to stop, unblock or follow the recovery, and where each gate's metric lives. */
function recoveryNextSteps(
  environment: string,
  r: RecoveryResult,
  extras: RecoverySummaryExtras,
): string[] {
  const env = escapeMarkdown(environment);
  const workflow = escapeMarkdown(extras.workflow ?? 'staged-recovery');
  const steps = ['### What to do next', ''];
  const live = [
    'waiting',
    'held',
    'advanced',
    'awaiting-approval',
    'rolled-back-again',
    'skipped',
    'status',
  ];
  if (r.incident) steps.push(`- Follow [incident #${r.incident.number}](${r.incident.url}).`);
  if (r.outcome === 'awaiting-approval')
    steps.push(`- To go on, run the ${workflow} workflow with command \`proceed\`.`);
  if (r.incident && live.includes(r.outcome))
    steps.push(
      `- To stop the recovery (back to 0%), run the ${workflow} workflow with command \`abort\` and a reason.`,
    );
  if (r.outcome === 'not-ready' || r.outcome === 'skipped')
    steps.push(
      `- If a run died holding the lock: \`ripcord status --environment ${env}\`, then \`ripcord unlock --environment ${env} --reason "..."\`.`,
    );
  if (r.outcome === 'no-incident' || r.outcome === 'recovered' || r.outcome === 'aborted')
    steps.push('- Nothing: no recovery is in progress.');
  for (const v of r.gates?.verdicts ?? []) {
    const link = metricLinkMarkdown(v, extras.links?.[v.source]);
    if (link) steps.push(`- See ${escapeMarkdown(v.name)} where it is measured: ${link}.`);
  }
  return steps;
}
