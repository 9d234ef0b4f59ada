/**
 * The rollback as a pure machine: `transition(setup, state, event, now) -> {state, effects}`.
 * No I/O, no clock reads: the runner (rollback.ts) performs the effects (the lock, GitHub reads
 * and writes, the strategy steps, logs) one batch at a time and feeds what they answered back
 * as the next event, with the time. It used to be one imperative function with mutable records;
 * as a machine every decision (what the lifecycle allows, which step runs next, what is
 * recorded before and after it, what a crash leaves behind) is testable without GitHub, and the
 * properties in test/rollback/machine.test.ts check re-runs, a crash after every effect and
 * two runs racing for the lock, as test/recovery/machine.test.ts does for staged recovery.
 *
 * What survives a crash is the incident state (the issue's state block) and the deployments:
 * a restarted run reads them and the machine decides from them alone, so an effect is repeated
 * only when its completion was not recorded yet (a step recorded `done` never runs again).
 *
 * The ladder (rungs of strategies, maintenance around them, the data-loss window) is a machine
 * of its own (ladder-machine.ts), which ladder.ts runs for callers that need only the
 * steps, and which the rollback machine embeds.
 *
 * Pure: imports only pure modules (the incident state and lifecycle, formatting).
 */
import { assertMove, planRollback, type RollbackPlan } from '../incident/lifecycle.ts';
import { addRun, type IncidentState, markStep, planSteps, withStatus } from '../incident/state.ts';
import { formatDuration } from '../policy/duration.ts';
import { ConfigurationError } from '../shared/errors.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import { formatUtc } from '../shared/time-format.ts';
import {
  ladderCleanup,
  type LadderEffect,
  type LadderEvent,
  type LadderResult,
  type LadderSpec,
  type LadderState,
  ladderTransition,
  startLadder,
  type Strategy,
} from './ladder-machine.ts';
import {
  alreadyHandled,
  emptyMachineResult,
  iso,
  lifecycleDeployment,
  lifecycleIncident,
  newState,
  startSummary,
  timelineComment,
  truncate,
  versionNames,
  versionOf,
} from './machine-records.ts';
import type {
  Deployment,
  Incident,
  MachineResult,
  RollbackEffect,
  RollbackEvent,
  RollbackSetup,
  RollbackState,
  RollbackTransition,
  StepData,
  Target,
} from './machine-types.ts';

// One entry point for the runner and tests: the machine, its types and its records.
export type * from './machine-types.ts';
export { describeVersion, emptyMachineResult, newState, versionOf } from './machine-records.ts';

export type { LadderResult, StepEvent, StepSpec, Strategy } from './ladder-machine.ts';

/** The first transition: ask for the environment's lock. */
export function startRollback(): RollbackTransition {
  return {
    state: {
      phase: 'locking',
      incident: null,
      current: null,
      plan: null,
      pause: null,
      bad: null,
      target: null,
      names: { tag: null, version: null },
      record: null,
      justWritten: false,
      opened: null,
      pendingOpened: null,
      ladder: null,
      events: [],
      done: [],
      doneAt: [],
      result: null,
    },
    effects: [{ type: 'acquireLock' }],
  };
}

export function isDone(state: RollbackState): boolean {
  return state.phase === 'done';
}

/** The ladder of a run, with what its incident recorded done before. */
export function ladderSpec(setup: RollbackSetup, state: RollbackState): LadderSpec {
  return {
    ...setup.ladder,
    done: new Set(state.done),
    doneAt: new Map(state.doneAt),
    ...(state.bad ? { badDeployedAt: state.bad.createdAt } : {}),
  };
}

export function transition(
  setup: RollbackSetup,
  previous: RollbackState,
  event: RollbackEvent,
  now: number,
): RollbackTransition {
  // The batch before this event completed: what it wrote is now what a failure is recorded on.
  const state: RollbackState = previous.pendingOpened
    ? {
        ...previous,
        opened: { incident: previous.opened?.incident ?? 0, state: previous.pendingOpened.state },
        pendingOpened: null,
      }
    : previous;
  const at = iso(now);
  switch (state.phase) {
    case 'locking': {
      if (event.type !== 'lock') break;
      if (!event.acquired)
        return finish(state, {
          ...emptyMachineResult(),
          result: 'skipped',
          skipReason: 'lock-held',
          message: `Another run holds the ${setup.environment} lock (${event.holder}${event.runUrl ? `, ${event.runUrl}` : ''}, until ${formatUtc(event.expiresAt)}); it is rolling back, so this run did nothing. Waited ${formatDuration(event.waitedMs)}.`,
        });
      return {
        state: { ...state, phase: 'reading' },
        effects: [{ type: 'read', again: event.contended }],
      };
    }
    case 'reading': {
      if (event.type !== 'read') break;
      const read = {
        ...state,
        incident: event.incident,
        current: event.current,
        pause: event.pause,
        plan: rollbackPlan(setup, event.incident, event.current),
      };
      const p = event.pause?.active;
      // An automatic rollback of a paused environment is skipped before anything is written;
      // one a person asked for runs: a pause is for unattended runs.
      if (p && !setup.manual)
        return finish(read, {
          ...emptyMachineResult(),
          result: 'skipped',
          skipReason: 'paused',
          message: `Automatic rollback of ${setup.environment} is paused until ${p.until} by ${p.by} (#${p.issue.number}: ${p.reason}); nothing was rolled back. Close #${p.issue.number} to resume, or roll back by hand (workflow_dispatch), which a pause does not stop.`,
        });
      return { state: { ...read, phase: 'revalidating' }, effects: [{ type: 'revalidate' }] };
    }
    case 'revalidating': {
      if (event.type !== 'revalidated') break;
      const read = event.again
        ? {
            ...state,
            ...event.again,
            plan: rollbackPlan(setup, event.again.incident, event.again.current),
          }
        : state;
      return afterRead(setup, read, now);
    }
    case 'approving': {
      if (event.type !== 'approval') break;
      const ref = { number: event.incident.number, url: event.incident.url };
      if (event.kind !== 'approved')
        return finish(state, {
          ...emptyMachineResult(),
          result: event.kind === 'waiting' ? 'awaiting-approval' : 'skipped',
          skipReason: event.kind === 'rejected' ? 'rejected' : null,
          message: event.message,
          incident: ref,
          approval: event.incident.state.approval,
        });
      return afterApproval(setup, { ...state, incident: event.incident }, now);
    }
    case 'superseding':
      if (event.type !== 'continue') break;
      return afterSupersede(setup, state, now);
    case 'checking':
      if (event.type !== 'recordChecked') break;
      return open(
        setup,
        { ...state, bad: event.bad, target: event.target, names: event.names },
        now,
      );
    case 'targeting': {
      if (event.type !== 'target') break;
      const bad = state.bad as Deployment;
      const found = event.target;
      const target = { deploymentId: found.id, ref: found.ref, sha: found.sha };
      const record = newState(setup, bad, target, at);
      const next = { ...state, target, names: found.names, record };
      if (setup.manual || !setup.approvalRule) return open(setup, next, now);
      return {
        state: { ...next, phase: 'asking' },
        effects: [
          {
            type: 'requestApproval',
            state: record,
            title: `Rollback of ${setup.environment} awaits approval: ${truncate(setup.reason, 60)}`,
            summary: startSummary(setup, bad, target).replace(
              /^Ripcord is rolling back/,
              'Ripcord asks to roll back',
            ),
          },
        ],
      };
    }
    case 'asking':
      if (event.type !== 'approvalRequested') break;
      return finish(state, {
        ...emptyMachineResult(),
        result: 'awaiting-approval',
        message: event.message,
        incident: { number: event.incident.number, url: event.incident.url },
        from: versionOf(state.bad as Deployment),
        target: state.target,
        strategy: setup.strategy,
        plan: setup.plan,
        approval: event.incident.state.approval,
      });
    case 'opening': {
      // A new incident answers with its number; a saved one keeps its own.
      const written =
        event.type === 'incidentWritten'
          ? event
          : event.type === 'continue'
            ? state.incident
            : null;
      if (!written) break;
      const record = state.record as IncidentState;
      const incident = { number: written.number, url: written.url, state: record };
      const next = {
        ...state,
        incident,
        justWritten: true,
        opened: { incident: incident.number, state: record },
      };
      if (record.rollbackDeploymentId === null) {
        const target = state.target as Target;
        const bad = state.bad as Deployment;
        return {
          state: { ...next, phase: 'deploying' },
          effects: [
            {
              type: 'createDeployment',
              ref: target.ref || target.sha,
              sha: target.sha,
              payload: {
                kind: 'rollback',
                incident: incident.number,
                from: versionOf(bad),
                strategy: setup.strategy,
              },
              description: `Ripcord rollback to ${target.ref} (incident #${incident.number})`,
            },
          ],
        };
      }
      return {
        state: { ...next, phase: 'starting' },
        effects: [
          {
            type: 'setStatus',
            deployment: record.rollbackDeploymentId,
            state: 'in_progress',
            description: `Resuming the rollback with ${setup.strategy}`,
          },
        ],
      };
    }
    case 'deploying': {
      if (event.type !== 'deploymentCreated') break;
      // An explicit ref is resolved to its sha by GitHub when the deployment is created.
      const target = state.target as Target;
      const resolved = target.sha ? target : { ...target, sha: event.sha };
      const record = {
        ...(state.record as IncidentState),
        rollbackDeploymentId: event.id,
        target: resolved,
      };
      // No save of its own: the first step's `running` record (or, when the ladder stops
      // before recording, the failure record or the final save) writes this state, deployment
      // id included, in the same update. A run that dies before that write leaves the incident
      // as a crash right after creating the deployment always did: rolling-back, resumed next.
      return {
        state: {
          ...state,
          phase: 'starting',
          target: resolved,
          record,
          pendingOpened: { after: 0, state: record },
        },
        effects: [
          {
            type: 'setStatus',
            deployment: event.id,
            state: 'in_progress',
            description: `Rolling back with ${setup.strategy}`,
          },
        ],
      };
    }
    case 'starting': {
      if (event.type !== 'continue') break;
      const record = state.record as IncidentState;
      const ready: RollbackState = {
        ...state,
        phase: 'stepping',
        done: record.steps.filter((s) => s.status === 'done').map((s) => s.id),
        doneAt: record.steps.filter((s) => s.finishedAt).map((s) => [s.id, s.finishedAt ?? '']),
      };
      const spec = ladderSpec(setup, ready);
      return fromLadder(setup, ready, startLadder(spec, now));
    }
    case 'stepping': {
      if (event.type !== 'continue' && event.type !== 'ran') break;
      const spec = ladderSpec(setup, state);
      const ladderEvent: LadderEvent = event.type === 'ran' ? event : { type: 'next' };
      return fromLadder(
        setup,
        state,
        ladderTransition(spec, state.ladder as LadderState, ladderEvent, now),
      );
    }
    case 'finishing':
      if (event.type !== 'continue') break;
      return finished(setup, state, at);
    case 'done':
      return { state, effects: [] };
  }
  throw new Error(`rollback machine: event ${event.type} does not apply in phase ${state.phase}`);
}

/** The lifecycle's plan for the incident and live deployment read. */
export function rollbackPlan(
  setup: Pick<RollbackSetup, 'maxAttempts' | 'run'>,
  incident: Incident | null,
  current: Deployment | null,
): RollbackPlan {
  return planRollback({
    incident: incident ? lifecycleIncident(incident) : null,
    current: current ? lifecycleDeployment(current) : null,
    maxAttempts: setup.maxAttempts,
    runId: setup.run.id,
  });
}

/**
 * Whether a run with this plan will open a new incident and so needs the target looked up:
 * the runner starts that lookup beside the other reads.
 */
export function needsTarget(
  setup: Pick<RollbackSetup, 'cooldown'>,
  incident: Incident | null,
  current: Deployment | null,
  plan: RollbackPlan,
  now: number,
): boolean {
  const reopens =
    !incident || !incident.state.target || plan.kind === 'open' || plan.kind === 'supersede';
  const coolingDown =
    current?.ripcord != null && now - Date.parse(current.createdAt) < setup.cooldown;
  return current !== null && plan.kind !== 'skip' && reopens && !coolingDown;
}

function afterRead(setup: RollbackSetup, state: RollbackState, now: number): RollbackTransition {
  const { incident } = state;
  const plan = state.plan as RollbackPlan;
  if (
    setup.commentOn !== undefined &&
    (incident?.number !== setup.commentOn || plan.kind !== 'approval')
  )
    return finish(state, {
      ...emptyMachineResult(),
      result: 'skipped',
      skipReason: 'not-asked',
      message: `Incident #${setup.commentOn} is not waiting for a rollback approval${incident?.number === setup.commentOn ? ` (status ${incident.state.status})` : ''}: the comment changes nothing.`,
    });
  if (incident && plan.kind === 'approval') {
    const escalated =
      !setup.manual &&
      setup.commentOn === undefined &&
      setup.decision?.decision === 'rollback' &&
      !setup.approvalRule
        ? setup.decision.summary || 'the decision needs no approval'
        : null;
    return {
      state: { ...state, phase: 'approving' },
      effects: [{ type: 'checkApproval', incident: incident.number, escalated }],
    };
  }
  return afterApproval(setup, state, now);
}

function afterApproval(
  setup: RollbackSetup,
  state: RollbackState,
  now: number,
): RollbackTransition {
  const { incident } = state;
  const plan = state.plan as RollbackPlan;
  if (incident && plan.kind === 'skip') {
    const s = incident.state;
    if (plan.reason === 'max-attempts')
      return finish(state, {
        ...emptyMachineResult(),
        result: 'failed',
        skipReason: 'max-attempts',
        incident: { number: incident.number, url: incident.url },
        from: { deploymentId: s.bad.deploymentId, ref: s.bad.ref, sha: s.bad.sha },
        message: `Incident #${incident.number} has failed ${s.attempts} rollback attempts (status ${s.status}, max_attempts ${setup.maxAttempts}); Ripcord will not try again on its own and ${setup.environment} may still run the bad version. Roll back by hand, then close the incident (npx ripcord close ${incident.number} --reason ...).`,
      });
    return finish(state, alreadyHandled(setup, incident, now));
  }
  if (incident && (plan.kind === 'supersede' || plan.kind === 'open')) {
    // The open incident is over for this run's purposes: a closed-but-open issue (a close that
    // crashed half-way), or an incident whose rollback a newer deploy replaced. One open
    // incident per environment stays true: the new one opens after this.
    const reason = plan.kind === 'supersede' ? plan.reason : null;
    const effects: RollbackEffect[] = [];
    if (incident.state.status !== 'closed') {
      assertMove(incident.state.status, 'closed', 'rollback');
      effects.push(
        {
          type: 'saveIncident',
          incident: incident.number,
          state: withStatus(incident.state, 'closed', iso(now)),
        },
        {
          type: 'comment',
          incident: incident.number,
          markdown: `### Superseded\n\n${escapeMarkdown(reason ?? '')}. Ripcord closes this incident and opens a new one for the new deployment.`,
        },
        {
          type: 'log',
          level: 'warning',
          message: `incident #${incident.number} superseded: ${reason ?? ''}`,
        },
      );
    }
    effects.push({ type: 'closeIssue', incident: incident.number });
    return { state: { ...state, incident: null, phase: 'superseding' }, effects };
  }
  return afterSupersede(setup, state, now);
}

function afterSupersede(
  setup: RollbackSetup,
  state: RollbackState,
  now: number,
): RollbackTransition {
  const { incident, current } = state;
  const plan = state.plan as RollbackPlan;
  if (incident && incident.state.target) {
    // Resuming a run that stopped half-way, or retrying a failed one: the record decides, but
    // only a target that is a successful deployment of this environment is deployed.
    let record = incident.state;
    if (plan.kind === 'retry' && record.status !== 'rollback-failed') {
      // A verification that failed, or the bad version live again: the steps that ran did not
      // help, so the retry runs them (or the next rung) again instead of finding them done.
      record = { ...record, steps: [], rollbackDeploymentId: null };
    }
    return {
      state: { ...state, record, phase: 'checking' },
      effects: [{ type: 'checkRecord', incident: incident.number, bad: record.bad.deploymentId }],
    };
  }
  if (!current) {
    throw new ConfigurationError(
      `${setup.environment} has no deployments in ${setup.repository}; there is nothing to roll back`,
    );
  }
  if (current.ripcord && now - Date.parse(current.createdAt) < setup.cooldown) {
    return finish(state, {
      ...emptyMachineResult(),
      result: 'skipped',
      skipReason: 'cooldown',
      message: `${setup.environment} was rolled back by Ripcord at ${formatUtc(current.createdAt)} (incident #${current.ripcord.incident}), within the ${formatDuration(setup.cooldown)} cooldown; not rolling back again.`,
    });
  }
  return {
    state: { ...state, bad: current, phase: 'targeting' },
    effects: [{ type: 'resolveTarget' }],
  };
}

/** The incident moves to rolling-back, records this run and the planned steps, and is written. */
function open(setup: RollbackSetup, state: RollbackState, now: number): RollbackTransition {
  const at = iso(now);
  const { incident } = state;
  assertMove(incident ? incident.state.status : null, 'rolling-back', 'rollback');
  const plan = state.plan as RollbackPlan;
  let record = addRun(state.record as IncidentState, setup.run.id, setup.run.attempt, at);
  record = {
    ...record,
    status: 'rolling-back',
    strategy: setup.strategy,
    attempts: record.attempts + (plan.kind === 'retry' || record.attempts === 0 ? 1 : 0),
  };
  record = planSteps(record, setup.plan, at);
  const bad = state.bad as Deployment;
  const target = state.target as Target;
  return {
    state: { ...state, record, phase: 'opening' },
    effects: [
      incident
        ? { type: 'saveIncident', incident: incident.number, state: record }
        : {
            type: 'createIncident',
            state: record,
            title: `Rollback of ${setup.environment}: ${truncate(setup.reason, 80)}`,
            summary: startSummary(setup, bad, target),
          },
    ],
  };
}

/** The ladder's effects, with each step event recorded on the incident. */
function fromLadder(
  setup: RollbackSetup,
  state: RollbackState,
  step: { state: LadderState; effects: LadderEffect[] },
): RollbackTransition {
  const incident = state.incident as Incident;
  let record = state.record as IncidentState;
  let justWritten = state.justWritten;
  let pendingOpened = state.pendingOpened;
  const events = [...state.events];
  const effects: RollbackEffect[] = [];
  for (const e of step.effects) {
    if (e.type === 'record') {
      events.push(e.event);
      record = markStep(record, e.event.stepId, e.event.status, e.event.detail, e.event.at);
      effects.push({
        type: 'saveIncident',
        incident: incident.number,
        state: record,
        unchangedSinceRead: justWritten,
      });
      pendingOpened = { after: effects.length - 1, state: record };
      justWritten = false;
      effects.push({
        type: 'stepEvent',
        event: e.event,
        incident: incident.number,
        url: incident.url,
      });
    } else if (e.type === 'run') {
      effects.push({ ...e, context: stepData(setup, state, e.rung) });
    } else {
      effects.push(e);
    }
  }
  return {
    state: {
      ...state,
      phase: step.state.part === 'finished' ? 'finishing' : 'stepping',
      ladder: step.state,
      record,
      justWritten,
      pendingOpened,
      events,
    },
    effects,
  };
}

function stepData(setup: RollbackSetup, state: RollbackState, rung: Strategy | null): StepData {
  const target = state.target as Target;
  const bad = state.bad as Deployment;
  return {
    environment: setup.environment,
    targetRef: target.ref,
    targetSha: target.sha,
    ...versionNames(target, state.names),
    fromRef: bad.ref,
    fromSha: bad.sha,
    incident: (state.incident as Incident).number,
    reason: setup.reason,
    // RIPCORD_STRATEGY: the rung's for a strategy step, the run's for a maintenance step.
    strategy: rung ?? setup.strategy,
    repository: setup.repository,
    ...(setup.run.url ? { runUrl: setup.run.url } : {}),
  };
}

function finished(setup: RollbackSetup, state: RollbackState, at: string): RollbackTransition {
  const ladder = (state.ladder as LadderState).result as LadderResult;
  const incident = state.incident as Incident;
  const bad = state.bad as Deployment;
  const target = state.target as Target;
  const from = versionOf(bad);
  const deployment = (state.record as IncidentState).rollbackDeploymentId as number;
  const base = {
    ...emptyMachineResult(),
    incident: { number: incident.number, url: incident.url },
    from,
    target,
    strategy: ladder.strategy,
    deploymentId: deployment,
    steps: state.events,
    plan: setup.plan,
    dataLossWindow: ladder.dataLossWindow,
  };
  const ok = ladder.ok;
  const record: IncidentState = {
    ...withStatus(state.record as IncidentState, ok ? 'rolled-back' : 'rollback-failed', at),
    strategy: ladder.strategy,
    ...(ok ? { lastRollbackAt: at } : {}),
    dataLossWindow: ladder.dataLossWindow,
  };
  const message = ok
    ? `Rolled back ${setup.environment} from ${from.ref} (${from.sha.slice(0, 7)}) to ${target.ref} (${target.sha.slice(0, 7)}) with ${ladder.tried.join(' then ')}; incident #${incident.number}.`
    : `Rollback of ${setup.environment} failed after trying ${ladder.tried.join(', ')}: ${ladder.failure ?? 'unknown reason'}. Incident #${incident.number} records every step; fix the cause and run the rollback again (it resumes), or roll back by hand.`;
  const effects: RollbackEffect[] = [
    ok
      ? {
          type: 'setStatus',
          deployment,
          state: 'success',
          description: `Rolled back to ${target.ref} with ${ladder.strategy ?? setup.strategy}`,
        }
      : {
          type: 'setStatus',
          deployment,
          state: 'failure',
          description: `Rollback failed: ${ladder.failure ?? 'unknown'}`,
        },
    // Only a rollback that restored the known-good version marks the bad one.
    ...(ok
      ? [
          {
            type: 'markBad',
            deployment: bad.id,
            incident: incident.number,
            reason: setup.reason,
          } as const,
        ]
      : []),
    { type: 'saveIncident', incident: incident.number, state: record },
    {
      type: 'comment',
      incident: incident.number,
      markdown: timelineComment(
        ok ? 'Rollback completed' : 'Rollback failed',
        message,
        state.events,
      ),
    },
  ];
  return finishWith(
    { ...state, record },
    { ...base, result: ok ? 'rolled-back' : 'failed', message, ...approvalOf(record) },
    effects,
  );
}

function approvalOf(state: IncidentState): { approval?: IncidentState['approval'] } {
  return state.approval ? { approval: state.approval } : {};
}

function finish(state: RollbackState, result: MachineResult): RollbackTransition {
  return finishWith(state, result, []);
}

function finishWith(
  state: RollbackState,
  result: MachineResult,
  effects: RollbackEffect[],
): RollbackTransition {
  return { state: { ...state, phase: 'done', result }, effects };
}

/**
 * A run that stops with an error after touching the incident (a token without a permission,
 * a target GitHub refuses) records why on it, so nothing is left looking as if it were still
 * rolling back; a ladder stopped mid-climb first takes users out of maintenance. `completed`:
 * how many effects of the last batch ran before the error. Best effort: the original error is
 * what the step reports.
 */
export function abortEffects(
  setup: RollbackSetup,
  state: RollbackState,
  completed: number,
  message: string,
  now: number,
): RollbackEffect[] {
  const effects: RollbackEffect[] = [];
  if (state.phase === 'stepping' && state.ladder) {
    for (const e of ladderCleanup(ladderSpec(setup, state), state.ladder))
      if (e.type === 'run') effects.push({ ...e, context: stepData(setup, state, null) });
  }
  const opened =
    state.pendingOpened && completed > state.pendingOpened.after
      ? { incident: state.opened?.incident ?? 0, state: state.pendingOpened.state }
      : state.opened;
  if (!opened || opened.state.status !== 'rolling-back') return effects;
  effects.push(
    {
      type: 'saveIncident',
      incident: opened.incident,
      state: withStatus(opened.state, 'rollback-failed', iso(now)),
    },
    {
      type: 'comment',
      incident: opened.incident,
      markdown: `### Rollback stopped\n\n${escapeMarkdown(message)}\n\nFix the cause and run the rollback again: it resumes from the steps recorded here.`,
    },
  );
  return effects;
}
