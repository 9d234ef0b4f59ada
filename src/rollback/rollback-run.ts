/**
 * The rollback action's use case, on the services of the composition root
 * (src/actions/compose.ts): roll back (src/rollback/rollback.ts, called as it is), announce
 * it (rollback.started when the first step starts, never delaying it; completed or failed at
 * the end), and hand over to staged recovery by switching its schedule on. The action's run()
 * reads the inputs before and writes the outputs and summary after.
 */
import type { NotifyEvent, NotifyValues } from '../notify/templates.ts';
import { setRecoverySchedule, type ScheduleOutcome } from '../recovery/schedule.ts';
import type { IncidentRecord } from '../incident/store.ts';
import type { NotifyReport } from '../notify/dispatch.ts';
import type { StepEvent } from './ladder.ts';
import type { StrategyName } from './plan.ts';
import type { ActionServices } from '../actions/compose.ts';
import { decidingActor } from './authority.ts';
import type { DecisionInput } from './decision-input.ts';
import { rollback, type RollbackResult } from './rollback.ts';

export interface RollbackInputs {
  environment: string;
  strategy: 'auto' | StrategyName;
  target: string;
  dryRun: boolean;
  decision: DecisionInput | null;
  reason: string;
  /** The incident a `/ripcord approve|reject` comment is on; null for any other start. */
  byComment: IncidentRecord | null;
}

export interface RollbackRunOptions {
  /** Strategy steps shorten their polls in tests. */
  pollIntervalMs?: number;
  onStepEvent?: (event: StepEvent) => void;
}

export interface RollbackRun {
  result: RollbackResult;
  /** What the notifications of this run did, for the summary and the step's verdict. */
  reports: NotifyReport[];
  /** The recovery schedule switched on at the hand-over (recovery.workflow), if asked. */
  schedule: ScheduleOutcome | null;
  /** GitHub API calls this run asked for. */
  apiCalls: number;
}

export async function runRollback(
  inputs: RollbackInputs,
  services: ActionServices,
  options: RollbackRunOptions = {},
): Promise<RollbackRun> {
  const { io, deps, policy } = services;
  const { environment, decision, byComment } = inputs;
  const env = services.environment(environment);
  const gh = await services.github({ rateLimitWaitMs: env.rollback.rate_limit_wait });
  const { repository, runId, attempt, runUrl } = gh.context;
  const baseValues: NotifyValues = {
    reason: inputs.reason,
    ...services.root.runValues(),
    ...(decision && decision.triggered.length > 0
      ? { trigger: decision.triggered.join(', ') }
      : {}),
  };
  const send = (
    event: NotifyEvent,
    incident: { number: number; url: string } | null,
    values: NotifyValues,
  ): Promise<NotifyReport | null> =>
    gh.send({ event, environment, repository, incident, values: { ...baseValues, ...values } });
  // Started when the first step starts and awaited at the end, so it never delays the step.
  const pending: { started?: Promise<NotifyReport | null> } = {};
  const flagProvider = env.rollback.strategies['feature-flag']?.provider;
  const flags = services.flags(flagProvider ? [flagProvider] : []);

  io.phase('Roll back');
  const result = await rollback(
    {
      environment,
      reason: inputs.reason,
      strategy: inputs.strategy,
      target: inputs.target,
      dryRun: inputs.dryRun,
      decision,
      actor: decidingActor(deps.env),
      // Approvals, not the commenter's own authority, decide a comment-started run.
      manual:
        !byComment && (deps.env.GITHUB_EVENT_NAME === 'workflow_dispatch' || decision === null),
      run: { id: runId, attempt, url: runUrl },
      repository,
      ...(byComment ? { commentOn: byComment.number } : {}),
    },
    {
      policy,
      deployments: gh.deployments(),
      incidents: gh.incidents(),
      lock: gh.lock(environment, {
        leaseMs: env.rollback.lock.lease,
        waitMs: env.rollback.lock.wait,
      }),
      planDeps: {
        flags: flags.providers,
        octokit: gh.octokit(),
        repo: gh.repo,
        env: deps.env,
        logger: io,
        mask: (secret: string) => io.setSecret(secret),
        ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      },
      approvals: gh.approvals(),
      actorAccess: gh.actorAccess(env.rollback.authority),
      judgePause: (issues) => gh.judgePauses(issues, env.rollback.authority),
      commitExists: (sha) => gh.commitExists(sha),
      now: deps.now,
      sleep: deps.sleep,
      logger: io,
      onStepEvent: (event, incident) => {
        io.info(
          `${event.at} ${event.name}: ${event.status}${event.detail ? ` (${event.detail})` : ''}`,
        );
        options.onStepEvent?.(event);
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
      ? await setRecoverySchedule(gh.octokit(), gh.repo, env.recovery.workflow, 'enable')
      : null;
  if (schedule) {
    if (schedule.ok) io.info(schedule.message);
    // A warning, not a failed step: failing here would skip the verify step that follows.
    else io.warning(schedule.message);
  }
  return { result, reports, schedule, apiCalls: gh.client().totalRequests() };
}
