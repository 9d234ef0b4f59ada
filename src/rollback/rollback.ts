/**
 * The rollback use-case: find the known-good version, execute the chosen strategy exactly once
 * under the environment lock, and leave the whole record in GitHub (deployments, the incident
 * issue and its timeline). GitHub, the clock and the strategy executors come in as parameters.
 */
import { ConfigurationError, toError } from '../shared/errors.ts';
import { formatDuration } from '../policy/duration.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { Logger } from '../shared/logger.ts';
import type { Policy } from '../policy/schema.ts';
import type { FeatureFlagStrategy, RollbackPolicy } from '../policy/schema-rollback.ts';
import {
  addRun,
  INCIDENT_STATE_VERSION,
  MAX_EVIDENCE,
  markStep,
  planSteps,
  withStatus,
  type DecisionEvidence,
  type IncidentState,
} from '../incident/state.ts';
import { isKnownGood, type DeploymentRecord, type DeploymentStore } from '../github/deployments.ts';
import {
  assertMove,
  planRollback,
  type LifecycleDeployment,
  type LifecycleIncident,
  type RollbackPlan,
  type SkipReason,
} from '../incident/lifecycle.ts';
import type { EnvironmentIssues, IncidentRecord, IncidentStore } from '../incident/store.ts';
import type { AcquireResult } from '../incident/lock.ts';
import { executeLadder, type LadderResult, type StepEvent } from './ladder.ts';
import {
  ladderFrom,
  planMaintenance,
  planStrategy,
  type PlanDeps,
  type PlannedStep,
  type StrategyName,
} from './plan.ts';
import { environmentOf } from '../signals/evaluate-environment.ts';
import { assertMayRollBack, type ActorAccess } from './authority.ts';
import { checkApproval, requestApproval, ruleFor } from './approval-gate.ts';
import type { ApprovalGateway } from '../incident/approval-comments.ts';
import type { DecisionInput } from './decision-input.ts';
import { formatUtc } from '../shared/time-format.ts';
import type { PauseIssue } from '../incident/store.ts';
import { NO_PAUSE, settlePause, type PauseState } from './pause.ts';

export type RollbackOutcome =
  'rolled-back' | 'failed' | 'skipped' | 'dry-run' | 'awaiting-approval';

export interface RollbackRequest {
  environment: string;
  reason: string;
  strategy: 'auto' | StrategyName;
  /** `last-known-good`, a deployment id (digits), a 40-hex sha, or a ref. */
  target: string;
  dryRun: boolean;
  decision: DecisionInput | null;
  actor: string;
  /** A person pressed the button (workflow_dispatch): authority is checked. */
  manual: boolean;
  run: { id: string; attempt: number; url: string | null };
  repository: string;
  /**
   * Started by a comment on this incident (`/ripcord approve` or `reject`): act only when it
   * is the open incident and it awaits approval; never open a new one.
   */
  commentOn?: number;
}

export interface RollbackDeps {
  policy: Policy;
  deployments: DeploymentStore;
  incidents: IncidentStore;
  lock: { acquire(): Promise<AcquireResult> };
  planDeps: PlanDeps;
  actorAccess: (actor: string) => Promise<ActorAccess>;
  /**
   * Judges the pause issues found with the incident (who labelled them, until when); null or
   * absent: no pause switch.
   */
  judgePause?: (issues: readonly PauseIssue[]) => Promise<PauseState>;
  /** Whether the repository has this commit: an explicit sha target is checked before anything is written. */
  commitExists: (sha: string) => Promise<boolean>;
  /** Comment approvals (rollback.approvals); needed only when a decision names a rule. */
  approvals?: ApprovalGateway;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /**
   * Told of each step as it starts and ends (logs, the bench's time-to-first-step, and the
   * rollback.started notification, which needs the incident the step belongs to).
   */
  onStepEvent?: (event: StepEvent, incident: { number: number; url: string }) => void;
}

/**
 * Why a run that was asked to roll back did not: the action warns (or fails, for
 * `max-attempts`) and writes it to the `skip-reason` output. `not-asked`: the decision input
 * was not rollback, so nothing was asked.
 */
export type RollbackSkipReason = SkipReason | 'lock-held' | 'not-asked' | 'rejected' | 'paused';

export interface RollbackResult {
  result: RollbackOutcome;
  message: string;
  skipReason: RollbackSkipReason | null;
  incident: { number: number; url: string } | null;
  from: { deploymentId: number; ref: string; sha: string } | null;
  target: { deploymentId: number | null; ref: string; sha: string } | null;
  strategy: StrategyName | null;
  deploymentId: number | null;
  steps: StepEvent[];
  plan: { id: string; name: string; strategy: string }[];
  dataLossWindow: { from: string; to: string } | null;
  /** The comment approval of the incident, when its decision asked for one. */
  approval?: IncidentState['approval'];
  /** The pause switch as read (active, or ignored labels), for the summary; null when not read. */
  pause?: PauseState | null;
}

const SHA = /^[0-9a-f]{40}$/i;

export async function rollback(req: RollbackRequest, deps: RollbackDeps): Promise<RollbackResult> {
  const env = environmentOf(deps.policy, req.environment);
  const policy = env.rollback;
  const base = emptyResult();

  if (req.manual) {
    assertMayRollBack(req.actor, await deps.actorAccess(req.actor), policy.authority);
  }
  if (req.strategy === 'auto' && req.decision && req.decision.decision !== 'rollback') {
    return {
      ...base,
      result: 'skipped',
      skipReason: 'not-asked',
      message: req.decision.teamDecision
        ? `The decision is a team decision, not an automatic rollback${req.decision.ask && req.decision.ask.length > 0 ? ` (asking ${req.decision.ask.join(', ')})` : ''}: nothing rolled back. To roll back, run the rollback by hand with a strategy.`
        : `The decision is ${req.decision.decision}, not rollback: nothing to do.`,
    };
  }
  const strategy = chooseStrategy(req, env.default_strategy);
  const rungs = ladderFrom(strategy, policy);
  const planned = withDecisionFlag(policy, req);
  // Plan every rung before anything changes, so a policy mistake fails first and cleanly.
  const plans = new Map<StrategyName, PlannedStep[]>(
    rungs.map((s) => [s, planStrategy(s, req.environment, planned, deps.planDeps)]),
  );
  const maintenance = planMaintenance(strategy, req.environment, policy, deps.planDeps);

  if (req.dryRun) {
    // The pause is read beside the deployments, for the summary; its failure is shown there.
    const pauseRead = deps.judgePause ? settlePause(dryRunPause(req, deps, deps.judgePause)) : null;
    const bad = await deps.deployments.current(req.environment);
    const target = bad ? await resolveTarget(req, bad, deps) : null;
    const pause = pauseRead ? await pauseRead : null;
    // As pausedResult: only an automatic rollback is paused.
    const p = req.manual ? null : pause?.active;
    return {
      ...base,
      result: 'dry-run',
      pause,
      message: `${p ? `Automatic rollback of ${req.environment} is paused until ${p.until} by ${p.by} (#${p.issue.number}: ${p.reason}): this run would do nothing. Without the pause: ` : ''}Dry run: would roll back ${req.environment} from ${describe(bad)} to ${describe(target)} with ${rungs.join(' then ')}${!req.manual && ruleFor(policy.approvals, req.decision) ? ` once approval rule ${req.decision?.approval ?? ''} has its approvals` : ''}; nothing was changed.`,
      from: bad ? versionOf(bad) : null,
      target: target ? { deploymentId: target.id, ref: target.ref, sha: target.sha } : null,
      strategy,
      plan: planList(plans, maintenance),
    };
  }

  const opened: Opened = { incident: null, state: null, pause: null };
  // The reads start alongside the lock instead of after it: the lock takes three writes one
  // after another (tree, commit, ref), and the incident list, the deployments and the target
  // lookup fit in that time. Reading before holding the lock is safe because underLock trusts
  // these reads only when the lock was free when asked for (not contended) and, before any
  // write, one list of the environment's issues `since` the read shows that no Ripcord run
  // wrote an incident in between (every run that mutates the environment under the lock writes
  // its incident before releasing it). Deployment statuses are written by deploy pipelines
  // without the lock, so a read under the lock would be no fresher.
  // The lock's three writes are the longest chain: its first request goes out first.
  const acquiring = deps.lock.acquire();
  const early = startReads(req, deps);
  const acquired = await acquiring;
  if (!acquired.acquired) {
    return {
      ...base,
      result: 'skipped',
      skipReason: 'lock-held',
      message: `Another run holds the ${req.environment} lock (${acquired.heldBy.holder}${acquired.heldBy.runUrl ? `, ${acquired.heldBy.runUrl}` : ''}, until ${formatUtc(acquired.heldBy.expiresAt)}); it is rolling back, so this run did nothing. Waited ${formatDuration(acquired.waitedMs)}.`,
    };
  }
  // Renewed while held: a step longer than the lease must not let a second run in.
  acquired.lock.keepAlive();
  try {
    const result = await underLock(req, deps, strategy, rungs, plans, maintenance, opened, {
      early,
      contended: acquired.contended,
    });
    return { ...result, pause: opened.pause };
  } catch (thrown) {
    await recordAbort(opened, thrown, deps);
    throw thrown;
  } finally {
    await acquired.lock
      .release()
      .catch((e: unknown) =>
        deps.logger.warning(`could not release the lock: ${toError(e).message}`),
      );
  }
}

/** A lookup whose failure matters only if its answer is used. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function settled<T>(s: Settled<T>): T {
  if (s.ok) return s.value;
  throw s.error;
}

/** What a rollback reads before it writes: issues (incident, pauses), the live deployment, the target. */
interface EnvironmentState {
  issues: EnvironmentIssues;
  current: DeploymentRecord | null;
  /** The known-good target, looked up only when a new incident will need one. */
  target: Settled<DeploymentRecord> | null;
  pause?: PauseState | null;
}

/** The reads a plan needs (issues, live deployment), ready before the target lookup ends. */
interface BasicReads {
  issues: EnvironmentIssues;
  current: DeploymentRecord | null;
  plan: RollbackPlan;
}

interface Reads {
  basics: Promise<BasicReads>;
  full: Promise<EnvironmentState>;
}

/**
 * The reads in as few round trips as they allow: the issue list, and the deployments with the
 * newest one's statuses, side by side (`basics`); then, only when the run will open a new
 * incident, the target, while the pause issues' authors are checked from the list (`full`).
 */
function startReads(req: RollbackRequest, deps: RollbackDeps): Reads {
  const policy = environmentOf(deps.policy, req.environment).rollback;
  const issuesRead = deps.incidents.readEnvironment(req.environment, deps.now());
  // The pause issues are judged as soon as the list is in, beside the deployment reads.
  const pauseRead = issuesRead.then((i) =>
    deps.judgePause && i.pauseIssues.length > 0
      ? deps.judgePause(i.pauseIssues)
      : { active: null, ignored: [] },
  );
  const basics = Promise.all([issuesRead, deps.deployments.current(req.environment)]).then(
    ([issues, current]): BasicReads => ({
      issues,
      current,
      plan: planRollback({
        incident: issues.incident ? lifecycleIncident(issues.incident) : null,
        current: current ? lifecycleDeployment(current) : null,
        maxAttempts: policy.max_attempts,
        runId: req.run.id,
      }),
    }),
  );
  const full = basics.then(async ({ issues, current, plan }): Promise<EnvironmentState> => {
    const reopens =
      !issues.incident ||
      !issues.incident.state.target ||
      plan.kind === 'open' ||
      plan.kind === 'supersede';
    const coolingDown =
      current?.ripcord != null && deps.now() - Date.parse(current.createdAt) < policy.cooldown;
    const needsTarget = current !== null && plan.kind !== 'skip' && reopens && !coolingDown;
    const [target, pause] = await Promise.all([
      needsTarget ? settle(resolveTarget(req, current, deps)) : null,
      pauseRead,
    ]);
    return { issues, current, target, pause };
  });
  // Awaited later (or never, when the lock is lost or contended): no unhandled rejections.
  for (const p of [pauseRead, basics, full]) p.catch(() => undefined);
  return { basics, full };
}

/** The incident this run opened or resumed, so an error after that point is recorded on it. */
interface Opened {
  incident: IncidentRecord | null;
  state: IncidentState | null;
  /** The pause switch as read, for the summary. */
  pause?: PauseState | null;
}

/**
 * A run that stops with an error after touching the incident (a token without a permission,
 * a target GitHub refuses) records why on it, so nothing is left looking as if it were still
 * rolling back. Best effort: the original error is what the step reports.
 */
async function recordAbort(opened: Opened, thrown: unknown, deps: RollbackDeps): Promise<void> {
  if (!opened.incident || !opened.state || opened.state.status !== 'rolling-back') return;
  const message = toError(thrown).message;
  try {
    const state = withStatus(opened.state, 'rollback-failed', new Date(deps.now()).toISOString());
    await deps.incidents.save(opened.incident, state);
    await deps.incidents.comment(
      opened.incident.number,
      `### Rollback stopped\n\n${escapeMarkdown(message)}\n\nFix the cause and run the rollback again: it resumes from the steps recorded here.`,
    );
  } catch (e) {
    deps.logger.warning(
      `could not record the failure on incident #${opened.incident.number}: ${toError(e).message}`,
    );
  }
}

async function underLock(
  req: RollbackRequest,
  deps: RollbackDeps,
  strategy: StrategyName,
  rungs: StrategyName[],
  plans: Map<StrategyName, PlannedStep[]>,
  maintenance: Maintenance,
  opened: Opened,
  reads: { early: Reads; contended: boolean },
): Promise<RollbackResult> {
  const env = environmentOf(deps.policy, req.environment);
  const policy = env.rollback;
  const now = () => new Date(deps.now()).toISOString();
  // The lock changed hands while this run asked for it: what was read before is not trusted.
  const fresh = reads.contended ? startReads(req, deps) : reads.early;
  const basics = await fresh.basics;
  // A skip writes nothing, and the states it comes from (rolled back, out of attempts, in the
  // cooldown) are left only through a new deployment, which no lock orders; anything that
  // writes first checks that no incident changed since the read. The check starts as soon as
  // the plan is known, beside the target lookup.
  const revalidation =
    !reads.contended && basics.plan.kind !== 'skip'
      ? deps.incidents.changedSince(req.environment, basics.issues)
      : null;
  revalidation?.catch(() => undefined);
  let read = await fresh.full;
  opened.pause = read.pause;
  const paused = pausedResult(req, read.pause ?? null);
  if (paused) return paused;
  let plan = basics.plan;
  if (revalidation && (await revalidation)) {
    deps.logger.info(
      `an incident of ${req.environment} changed while this run took the lock; reading again`,
    );
    const again = startReads(req, deps);
    plan = (await again.basics).plan;
    read = await again.full;
  }
  let incident = read.issues.incident;
  // The live deployment is read once: the lifecycle needs it to tell a new incident from the
  // open one, and a new incident needs it as its bad deployment.
  const current = read.current;

  if (
    req.commentOn !== undefined &&
    (incident?.number !== req.commentOn || plan.kind !== 'approval')
  )
    return {
      ...emptyResult(),
      result: 'skipped',
      skipReason: 'not-asked',
      message: `Incident #${req.commentOn} is not waiting for a rollback approval${incident?.number === req.commentOn ? ` (status ${incident.state.status})` : ''}: the comment changes nothing.`,
    };
  if (incident && plan.kind === 'approval') {
    const escalated =
      !req.manual &&
      req.commentOn === undefined &&
      req.decision?.decision === 'rollback' &&
      ruleFor(policy.approvals, req.decision) === null
        ? req.decision.summary || 'the decision needs no approval'
        : null;
    const gate = await checkApproval(
      incident,
      policy.approvals,
      policy.authority,
      req.manual ? req.actor : null,
      deps,
      escalated,
    );
    const ref = { number: gate.incident.number, url: gate.incident.url };
    if (gate.kind !== 'approved')
      return {
        ...emptyResult(),
        result: gate.kind === 'waiting' ? 'awaiting-approval' : 'skipped',
        skipReason: gate.kind === 'rejected' ? 'rejected' : null,
        message: gate.message,
        incident: ref,
        approval: gate.incident.state.approval,
      };
    incident = gate.incident;
  }
  if (incident && plan.kind === 'skip') {
    if (plan.reason === 'max-attempts') {
      return {
        ...emptyResult(),
        result: 'failed',
        skipReason: 'max-attempts',
        incident: { number: incident.number, url: incident.url },
        from: {
          deploymentId: incident.state.bad.deploymentId,
          ref: incident.state.bad.ref,
          sha: incident.state.bad.sha,
        },
        message: `Incident #${incident.number} has failed ${incident.state.attempts} rollback attempts (status ${incident.state.status}, max_attempts ${policy.max_attempts}); Ripcord will not try again on its own and ${req.environment} may still run the bad version. Roll back by hand, then close the incident (npx ripcord close ${incident.number} --reason ...).`,
      };
    }
    return alreadyHandled(req, incident, deps.now(), policy.cooldown);
  }
  if (incident && (plan.kind === 'supersede' || plan.kind === 'open')) {
    // The open incident is over for this run's purposes: a closed-but-open issue (a close that
    // crashed half-way), or an incident whose rollback a newer deploy replaced.
    await supersede(incident, plan.kind === 'supersede' ? plan.reason : null, deps, now());
    incident = null;
  }

  let state: IncidentState;
  let bad: DeploymentRecord;
  let target: { deploymentId: number | null; ref: string; sha: string };
  let names: DeploymentRecord['names'];
  if (incident && incident.state.target) {
    // Resuming a run that stopped half-way, or retrying a failed one: the record decides, but
    // only a target that is a successful deployment of this environment is deployed.
    state = incident.state;
    if (plan.kind === 'retry' && state.status !== 'rollback-failed') {
      // A verification that failed, or the bad version live again: the steps that ran did not
      // help, so the retry runs them (or the next rung) again instead of finding them done.
      state = { ...state, steps: [], rollbackDeploymentId: null };
    }
    bad = await deps.deployments.get(state.bad.deploymentId);
    ({ target, names } = await checkedRecordTarget(incident, req, deps));
  } else {
    if (!current) {
      throw new ConfigurationError(
        `${req.environment} has no deployments in ${req.repository}; there is nothing to roll back`,
      );
    }
    if (current.ripcord && deps.now() - Date.parse(current.createdAt) < policy.cooldown) {
      return {
        ...emptyResult(),
        result: 'skipped',
        skipReason: 'cooldown',
        message: `${req.environment} was rolled back by Ripcord at ${formatUtc(current.createdAt)} (incident #${current.ripcord.incident}), within the ${formatDuration(policy.cooldown)} cooldown; not rolling back again.`,
      };
    }
    bad = current;
    const found = read.target ? settled(read.target) : await resolveTarget(req, bad, deps);
    target = { deploymentId: found.id, ref: found.ref, sha: found.sha };
    names = found.names;
    state = newState(req, bad, target, strategy, now());
    const wanted = req.manual ? null : ruleFor(policy.approvals, req.decision);
    if (wanted) {
      const asked = await requestApproval(
        state,
        `Rollback of ${req.environment} awaits approval: ${truncate(req.reason, 60)}`,
        startSummary(req, bad, target, strategy).replace(
          /^Ripcord is rolling back/,
          'Ripcord asks to roll back',
        ),
        wanted,
        deps,
        req.decision?.ask ?? [],
      );
      return {
        ...emptyResult(),
        result: 'awaiting-approval',
        message: asked.message,
        incident: { number: asked.incident.number, url: asked.incident.url },
        from: versionOf(bad),
        target,
        strategy,
        plan: planList(plans, maintenance),
        approval: asked.incident.state.approval,
      };
    }
  }

  assertMove(incident ? incident.state.status : null, 'rolling-back', 'rollback');
  state = addRun(state, req.run.id, req.run.attempt, now());
  state = {
    ...state,
    status: 'rolling-back',
    strategy,
    attempts: state.attempts + (plan.kind === 'retry' || state.attempts === 0 ? 1 : 0),
  };
  state = planSteps(state, planList(plans, maintenance), now());
  // Re-reading the issue before each write keeps notes people add during the incident; right
  // after this run wrote it there is nothing new to keep, so the next write skips the read.
  let justWritten = false;
  if (!incident) {
    incident = await deps.incidents.create(
      state,
      `Rollback of ${req.environment}: ${truncate(req.reason, 80)}`,
      startSummary(req, bad, target, strategy),
      { fast: true },
    );
    justWritten = true;
  } else {
    incident = await deps.incidents.save(incident, state);
    justWritten = true;
  }

  opened.incident = incident;
  opened.state = state;

  let rollbackDeploymentId = state.rollbackDeploymentId;
  if (rollbackDeploymentId === null) {
    const created = await deps.deployments.createRollbackDeployment({
      environment: req.environment,
      ref: target.ref || target.sha,
      sha: target.sha,
      payload: { kind: 'rollback', incident: incident.number, from: versionOf(bad), strategy },
      description: `Ripcord rollback to ${target.ref} (incident #${incident.number})`,
    });
    rollbackDeploymentId = created.id;
    // An explicit ref is resolved to its sha by GitHub when the deployment is created.
    if (!target.sha) target = { ...target, sha: created.sha };
    state = { ...state, rollbackDeploymentId, target };
    await deps.deployments.setStatus(
      created.id,
      'in_progress',
      `Rolling back with ${strategy}`,
      logUrl(req),
    );
    // No save of its own: the first step's `running` record (or, when the ladder stops before
    // recording, recordAbort or the final save) writes this state, deployment id included, in
    // the same update. A run that dies before that write leaves the incident as a crash right
    // after creating the deployment always did: rolling-back, resumed by the next run.
    opened.state = state;
  } else {
    await deps.deployments.setStatus(
      rollbackDeploymentId,
      'in_progress',
      `Resuming the rollback with ${strategy}`,
      logUrl(req),
    );
  }

  const events: StepEvent[] = [];
  const incidentNumber = incident.number;
  let record = incident;
  const done = new Set(state.steps.filter((s) => s.status === 'done').map((s) => s.id));
  const doneAt = new Map(
    state.steps.filter((s) => s.finishedAt).map((s) => [s.id, s.finishedAt ?? '']),
  );
  const ladder: LadderResult = await executeLadder({
    rungs,
    plan: (s) => plans.get(s) ?? [],
    ...(maintenance ? { maintenance } : {}),
    done,
    doneAt,
    badDeployedAt: bad.createdAt,
    ctx: {
      step: {
        environment: req.environment,
        targetRef: target.ref,
        targetSha: target.sha,
        ...versionNames(target, names),
        fromRef: bad.ref,
        fromSha: bad.sha,
        incident: incidentNumber,
        reason: req.reason,
        strategy,
        repository: req.repository,
        ...(req.run.url ? { runUrl: req.run.url } : {}),
      },
      logger: deps.logger,
      now: deps.now,
      sleep: deps.sleep,
    },
    record: async (event) => {
      events.push(event);
      state = markStep(state, event.stepId, event.status, event.detail, event.at);
      record = await deps.incidents.save(record, state, { unchangedSinceRead: justWritten });
      opened.incident = record;
      opened.state = state;
      justWritten = false;
      deps.onStepEvent?.(event, { number: incidentNumber, url: record.url });
    },
  });

  const finished = now();
  const from = versionOf(bad);
  if (ladder.ok) {
    state = {
      ...withStatus(state, 'rolled-back', finished),
      strategy: ladder.strategy,
      lastRollbackAt: finished,
      dataLossWindow: ladder.dataLossWindow,
    };
    await deps.deployments.setStatus(
      rollbackDeploymentId,
      'success',
      `Rolled back to ${target.ref} with ${ladder.strategy ?? strategy}`,
      logUrl(req),
    );
    await deps.deployments.markBad(bad, incidentNumber, req.reason);
    record = await deps.incidents.save(record, state);
    const message = `Rolled back ${req.environment} from ${from.ref} (${from.sha.slice(0, 7)}) to ${target.ref} (${target.sha.slice(0, 7)}) with ${ladder.tried.join(' then ')}; incident #${incidentNumber}.`;
    await deps.incidents.comment(
      incidentNumber,
      timelineComment('Rollback completed', message, events),
    );
    return {
      ...emptyResult(),
      result: 'rolled-back',
      message,
      ...(state.approval ? { approval: state.approval } : {}),
      incident: { number: incidentNumber, url: record.url },
      from,
      target,
      strategy: ladder.strategy,
      deploymentId: rollbackDeploymentId,
      steps: events,
      plan: planList(plans, maintenance),
      dataLossWindow: ladder.dataLossWindow,
    };
  }
  state = {
    ...withStatus(state, 'rollback-failed', finished),
    strategy: ladder.strategy,
    dataLossWindow: ladder.dataLossWindow,
  };
  await deps.deployments.setStatus(
    rollbackDeploymentId,
    'failure',
    `Rollback failed: ${ladder.failure ?? 'unknown'}`,
    logUrl(req),
  );
  record = await deps.incidents.save(record, state);
  const message = `Rollback of ${req.environment} failed after trying ${ladder.tried.join(', ')}: ${ladder.failure ?? 'unknown reason'}. Incident #${incidentNumber} records every step; fix the cause and run the rollback again (it resumes), or roll back by hand.`;
  await deps.incidents.comment(incidentNumber, timelineComment('Rollback failed', message, events));
  return {
    ...emptyResult(),
    result: 'failed',
    message,
    ...(state.approval ? { approval: state.approval } : {}),
    incident: { number: incidentNumber, url: record.url },
    from,
    target,
    strategy: ladder.strategy,
    deploymentId: rollbackDeploymentId,
    steps: events,
    plan: planList(plans, maintenance),
    dataLossWindow: ladder.dataLossWindow,
  };
}

function lifecycleIncident(incident: IncidentRecord): LifecycleIncident {
  const s = incident.state;
  return {
    number: incident.number,
    status: s.status,
    attempts: s.attempts,
    bad: { deploymentId: s.bad.deploymentId, sha: s.bad.sha },
    lastRollbackAt: s.lastRollbackAt,
    rollbackDeploymentId: s.rollbackDeploymentId,
    runIds: s.runs.map((r) => r.runId),
  };
}

function lifecycleDeployment(d: DeploymentRecord): LifecycleDeployment {
  return {
    id: d.id,
    sha: d.sha,
    createdAt: d.createdAt,
    ripcordIncident: d.ripcord?.incident ?? null,
  };
}

/**
 * Closes an open incident this run will not continue: a newer deploy replaced its rollback
 * (`reason`), or its status is already `closed` (a close that stopped before closing the issue).
 * One open incident per environment stays true: the new one opens after this.
 */
async function supersede(
  incident: IncidentRecord,
  reason: string | null,
  deps: RollbackDeps,
  at: string,
): Promise<void> {
  if (incident.state.status !== 'closed') {
    assertMove(incident.state.status, 'closed', 'rollback');
    await deps.incidents.save(incident, withStatus(incident.state, 'closed', at));
    await deps.incidents.comment(
      incident.number,
      `### Superseded\n\n${escapeMarkdown(reason ?? '')}. Ripcord closes this incident and opens a new one for the new deployment.`,
    );
    deps.logger.warning(`incident #${incident.number} superseded: ${reason ?? ''}`);
  }
  await deps.incidents.close(incident.number, 'completed');
}

/**
 * The target recorded on an incident is deployed only when it is a successful deployment of
 * the environment (the state block is Ripcord's, but a deployment can have failed since, and a
 * record is never trusted further than GitHub's own history confirms it). A target without a
 * deployment (an explicit ref a person asked for) is accepted when Ripcord's own rollback
 * deployment for this incident already carries it, or the person asks for it again.
 */
async function checkedRecordTarget(
  incident: IncidentRecord,
  req: RollbackRequest,
  deps: RollbackDeps,
): Promise<{
  target: { deploymentId: number | null; ref: string; sha: string };
  names: DeploymentRecord['names'];
}> {
  const target = incident.state.target;
  const env = incident.state.environment;
  const refuse = (why: string): never => {
    throw new ConfigurationError(
      `incident #${incident.number} records target ${target?.ref ?? '?'} (${target?.sha.slice(0, 7) || 'sha unknown'}), but ${why}; Ripcord only rolls back to a successful deployment of ${env}.`,
      [
        `Close incident #${incident.number} (npx ripcord close ${incident.number} --reason ...) and run the rollback again, or run it with input target set to a known-good version.`,
      ],
    );
  };
  if (!target) return refuse('it has none');
  if (target.deploymentId !== null) {
    const d = await deps.deployments.get(target.deploymentId);
    if (d.environment.toLowerCase() !== env.toLowerCase())
      return refuse(`deployment ${d.id} is of environment ${d.environment}`);
    if (target.sha && d.sha !== target.sha)
      return refuse(`deployment ${d.id} deployed ${d.sha.slice(0, 7)}, not that sha`);
    if (!isKnownGood(d))
      return refuse(
        `deployment ${d.id} is not known-good (latest status ${d.latestState ?? 'none'}${d.markedBad ? ', rolled back by Ripcord' : ''})`,
      );
    return { target: { ...target, sha: target.sha || d.sha }, names: d.names };
  }
  const asked = req.target.trim();
  const named = { tag: SHA.test(target.ref) ? null : target.ref, version: null };
  if (asked !== '' && (asked === target.ref || asked.toLowerCase() === target.sha))
    return { target, names: named };
  if (incident.state.rollbackDeploymentId !== null) {
    const r = await deps.deployments.get(incident.state.rollbackDeploymentId);
    if (r.ripcord?.incident === incident.number && (!target.sha || r.sha === target.sha))
      return { target: { ...target, sha: target.sha || r.sha }, names: named };
  }
  return refuse('it is not a deployment of the environment');
}

/** An open incident that already rolled back: a re-run, a concurrent loser, or within the cooldown. */
function alreadyHandled(
  req: RollbackRequest,
  incident: IncidentRecord,
  now: number,
  cooldown: number,
): RollbackResult {
  const s = incident.state;
  const byThisRun = s.runs.some((r) => r.runId === req.run.id);
  const since = s.lastRollbackAt ? `at ${s.lastRollbackAt}` : '';
  const cooling =
    s.lastRollbackAt && now - Date.parse(s.lastRollbackAt) < cooldown
      ? ` (within the ${formatDuration(cooldown)} cooldown)`
      : '';
  return {
    ...emptyResult(),
    result: 'skipped',
    skipReason: 'already-rolled-back',
    incident: { number: incident.number, url: incident.url },
    from: { deploymentId: s.bad.deploymentId, ref: s.bad.ref, sha: s.bad.sha },
    target: s.target,
    strategy: (s.strategy as StrategyName | null) ?? null,
    deploymentId: s.rollbackDeploymentId,
    message: byThisRun
      ? `This run already rolled ${req.environment} back ${since} (incident #${incident.number}); nothing new to do.`
      : `${req.environment} was already rolled back ${since}${cooling} by run ${s.runs[0]?.runId ?? 'unknown'} (incident #${incident.number}, status ${s.status}); this run did nothing.`,
  };
}

/**
 * The decision row's way of switching the flag (`flag: {mode: gradual, steps: [25, 0]}`)
 * replaces those keys of rollback.strategies.feature-flag, so one flag serves "immediate off
 * for critical, gradual for less critical" (seed 000). Only an automatic choice takes it: an
 * operator who names a strategy gets the policy's own feature-flag configuration.
 */
function withDecisionFlag(policy: RollbackPolicy, req: RollbackRequest): RollbackPolicy {
  const flag = req.strategy === 'auto' ? req.decision?.flag : null;
  const base = policy.strategies['feature-flag'];
  if (!flag || !base || req.decision?.strategy !== 'feature-flag') return policy;
  const merged: FeatureFlagStrategy = {
    ...base,
    mode: flag.mode,
    ...(flag.steps ? { steps: flag.steps } : {}),
    ...(flag.step_wait !== undefined ? { step_wait: flag.step_wait } : {}),
    ...(flag.components ? { components: flag.components } : {}),
  };
  return { ...policy, strategies: { ...policy.strategies, 'feature-flag': merged } };
}

function chooseStrategy(req: RollbackRequest, fallback: StrategyName): StrategyName {
  if (req.strategy !== 'auto') return req.strategy;
  return req.decision?.strategy ?? fallback;
}

async function resolveTarget(
  req: RollbackRequest,
  bad: DeploymentRecord,
  deps: RollbackDeps,
): Promise<DeploymentRecord> {
  const t = req.target.trim() || 'last-known-good';
  if (t === 'last-known-good') {
    const good = await deps.deployments.findLastKnownGood(req.environment, bad);
    if (!good) {
      throw new ConfigurationError(
        `no known-good deployment of ${req.environment} older than ${bad.ref} (${bad.sha.slice(0, 7)}): none succeeded before it. Pass input target with a ref, sha or deployment id to roll back to`,
      );
    }
    return good;
  }
  if (/^\d+$/.test(t)) {
    const d = await deps.deployments.get(Number(t));
    if (d.environment.toLowerCase() !== req.environment.toLowerCase() || !isKnownGood(d)) {
      throw new ConfigurationError(
        `target deployment ${d.id} (${d.ref}) is ${d.environment.toLowerCase() !== req.environment.toLowerCase() ? `a deployment of ${d.environment}, not ${req.environment}` : `not known-good (latest status ${d.latestState ?? 'none'}${d.markedBad ? ', rolled back by Ripcord' : ''})`}; Ripcord rolls back only to a successful deployment of ${req.environment}. Pass another deployment id, a ref or sha, or last-known-good`,
      );
    }
    return d;
  }
  if (SHA.test(t) && !(await deps.commitExists(t.toLowerCase()))) {
    throw new ConfigurationError(
      `target sha ${t} is not a commit of ${req.repository}; pass a sha from the repository's history, a tag, or last-known-good`,
    );
  }
  // A ref name: GitHub checks it exists when the rollback deployment is created.
  return {
    ...bad,
    id: 0,
    ref: t,
    sha: SHA.test(t) ? t.toLowerCase() : '',
    ripcord: null,
    names: { tag: SHA.test(t) ? null : t, version: null },
    createdAt: bad.createdAt,
  };
}

function newState(
  req: RollbackRequest,
  bad: DeploymentRecord,
  target: { deploymentId: number | null; ref: string; sha: string },
  strategy: StrategyName,
  at: string,
): IncidentState {
  return {
    version: INCIDENT_STATE_VERSION,
    environment: req.environment,
    status: 'rolling-back',
    openedAt: at,
    updatedAt: at,
    reason: req.reason,
    ...(req.decision
      ? {
          decision: {
            decision: req.decision.decision,
            severity: req.decision.severity,
            strategy: req.decision.strategy,
            approval: req.decision.approval,
            ...(req.decision.flag ? { flag: req.decision.flag } : {}),
            triggered: req.decision.triggered,
            summary: req.decision.summary,
            ...decisionEvidence(req.decision),
          },
        }
      : {}),
    bad: { deploymentId: bad.id, ref: bad.ref, sha: bad.sha, createdAt: bad.createdAt },
    target: { ...target, deploymentId: target.deploymentId || null },
    rollbackDeploymentId: null,
    strategy,
    attempts: 0,
    lastRollbackAt: null,
    runs: [],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
}

function startSummary(
  req: RollbackRequest,
  bad: DeploymentRecord,
  target: { ref: string; sha: string },
  strategy: StrategyName,
): string {
  const lines = [
    `Ripcord is rolling back **${escapeMarkdown(req.environment)}** from \`${escapeMarkdown(bad.ref)}\` to \`${escapeMarkdown(target.ref)}\` with **${strategy}**.`,
    '',
    `Reason: ${escapeMarkdown(req.reason)}`,
  ];
  if (req.decision?.summary) lines.push('', `Decision: ${escapeMarkdown(req.decision.summary)}`);
  if (req.run.url) lines.push('', `Run: ${req.run.url}`);
  return lines.join('\n');
}

function timelineComment(title: string, message: string, events: StepEvent[]): string {
  const rows = events
    .filter((e) => e.status !== 'running')
    .map(
      (e) =>
        `| ${e.at} | ${escapeMarkdown(e.name)} | ${e.status} | ${escapeMarkdown(e.detail ?? '')} |`,
    );
  return [
    `### ${title}`,
    '',
    escapeMarkdown(message),
    ...(rows.length > 0
      ? ['', '| Time | Step | Result | Detail |', '| --- | --- | --- | --- |', ...rows]
      : []),
  ].join('\n');
}

/**
 * `{{target_tag}}` and `{{target_version}}` for a redeploy's inputs: the known-good deployment's
 * payload names, else its ref when that is a name and not a sha (`v1.2.0` -> version `1.2.0`).
 */
function versionNames(
  target: { ref: string },
  names: DeploymentRecord['names'],
): { targetTag?: string; targetVersion?: string } {
  const tag = names.tag ?? (SHA.test(target.ref) ? null : target.ref);
  const version = names.version ?? (tag ? tag.replace(/^v(?=\d)/, '') : null);
  return { ...(tag ? { targetTag: tag } : {}), ...(version ? { targetVersion: version } : {}) };
}

function versionOf(d: DeploymentRecord) {
  return { deploymentId: d.id, ref: d.ref, sha: d.sha };
}

function describe(d: { ref: string; sha: string } | null): string {
  return d ? `${d.ref} (${d.sha.slice(0, 7) || 'sha unknown'})` : 'nothing (no deployment found)';
}

function logUrl(req: RollbackRequest): { logUrl?: string } {
  return req.run.url ? { logUrl: req.run.url } : {};
}

type Maintenance = { on: PlannedStep; off: PlannedStep } | null;

function planList(plans: Map<StrategyName, PlannedStep[]>, maintenance: Maintenance) {
  const steps = [...plans.values()].flat();
  const all = maintenance ? [maintenance.on, ...steps, maintenance.off] : steps;
  return all.map((s) => ({ id: s.id, name: s.name, strategy: s.strategy }));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function emptyResult(): RollbackResult {
  return {
    result: 'skipped',
    message: '',
    skipReason: null,
    incident: null,
    from: null,
    target: null,
    strategy: null,
    deploymentId: null,
    steps: [],
    plan: [],
    dataLossWindow: null,
    pause: null,
  };
}

/** A dry run's pause: the environment's issue list (as a real run reads it), then judged. */
async function dryRunPause(
  req: RollbackRequest,
  deps: RollbackDeps,
  judge: NonNullable<RollbackDeps['judgePause']>,
): Promise<PauseState> {
  const { pauseIssues } = await deps.incidents.readEnvironment(req.environment, deps.now());
  return pauseIssues.length > 0 ? judge(pauseIssues) : NO_PAUSE;
}

/**
 * An automatic rollback of a paused environment is skipped before anything is written; one a
 * person asked for (workflow_dispatch, or no decision) runs: a pause is for unattended runs.
 */
function pausedResult(req: RollbackRequest, pause: PauseState | null): RollbackResult | null {
  const p = pause?.active;
  if (!p || req.manual) return null;
  return {
    ...emptyResult(),
    result: 'skipped',
    skipReason: 'paused',
    pause,
    message: `Automatic rollback of ${req.environment} is paused until ${p.until} by ${p.by} (#${p.issue.number}: ${p.reason}); nothing was rolled back. Close #${p.issue.number} to resume, or roll back by hand (workflow_dispatch), which a pause does not stop.`,
  };
}

/** The readings that made the decision, kept in the incident state for the report. */
function decisionEvidence(d: DecisionInput): {
  evaluatedAt?: string;
  evidence?: DecisionEvidence[];
} {
  const evidence = (d.triggers ?? []).slice(0, MAX_EVIDENCE).map((t) => ({
    name: t.name,
    severity: t.severity,
    status: t.status,
    value: t.value,
    valueText: t.valueText,
    threshold: t.threshold,
    since: t.since,
    reason: t.reason,
  }));
  return {
    ...(d.evaluatedAt ? { evaluatedAt: d.evaluatedAt } : {}),
    ...(evidence.length > 0 ? { evidence } : {}),
  };
}
