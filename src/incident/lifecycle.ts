/**
 * The incident lifecycle as one table: which status an incident may move to, and which run
 * (rollback, verify, staged recovery, `ripcord close`) may move it there. Rollback, verify,
 * recovery and close all ask this module before they write a status, so a new rule is added
 * here once instead of in four `switch`es that drift apart.
 *
 * Why it exists: an open incident that had rolled back used to make every later rollback
 * "already handled", so a second bad deploy a week later was `skipped` and production stayed
 * on it with a green step. `planRollback` decides what a rollback run does about the open
 * incident and the live deployment; a breach on a deployment newer than the incident's own
 * rollback is a new incident, never "already handled".
 *
 * Pure: no I/O, no clock reads; the caller passes what it read from GitHub and the time.
 */
import { incidentStatusSchema, type IncidentStatus } from './state.ts';

/** Who moves an incident: the four kinds of run that write its state block. */
export type LifecycleActor = 'rollback' | 'verify' | 'recovery' | 'close';

export interface LifecycleTransition {
  /** `null`: no open incident yet (the rollback opens one). */
  from: IncidentStatus | null;
  to: IncidentStatus;
  by: LifecycleActor;
  /** When, in the words of the architecture document. */
  when: string;
}

/** Every status but `closed`: derived, so a new status cannot be left out of the table. */
const OPEN_STATUSES: readonly IncidentStatus[] = incidentStatusSchema.options.filter(
  (s) => s !== 'closed',
);

/** The whole lifecycle. docs/architecture.md renders the same rows. */
export const INCIDENT_LIFECYCLE: readonly LifecycleTransition[] = [
  { from: null, to: 'rolling-back', by: 'rollback', when: 'a rollback starts; the incident opens' },
  {
    from: null,
    to: 'awaiting-approval',
    by: 'rollback',
    when: 'a decision whose approval names a rule (rollback.approvals): the incident opens and asks for `/ripcord approve`',
  },
  {
    from: 'awaiting-approval',
    to: 'awaiting-approval',
    by: 'rollback',
    when: 'a run counts the approvals and they are not enough yet',
  },
  {
    from: 'awaiting-approval',
    to: 'rolling-back',
    by: 'rollback',
    when: 'the rule has its approvals (or a person with rollback.authority runs the rollback by hand): the rollback runs',
  },
  {
    from: 'awaiting-approval',
    to: 'closed',
    by: 'rollback',
    when: '`/ripcord reject` by a person the rule names: no rollback',
  },
  {
    from: 'rolling-back',
    to: 'rolling-back',
    by: 'rollback',
    when: 'a re-run or a later run resumes a rollback that stopped half-way (crash, cancel)',
  },
  {
    from: 'rolling-back',
    to: 'rolled-back',
    by: 'rollback',
    when: 'the strategy ladder succeeded',
  },
  {
    from: 'rolling-back',
    to: 'rollback-failed',
    by: 'rollback',
    when: 'every rung failed, or an error stopped the run',
  },
  {
    from: 'rollback-failed',
    to: 'rolling-back',
    by: 'rollback',
    when: 'a rollback is asked for again while attempts < max_attempts',
  },
  {
    from: 'verification-failed',
    to: 'rolling-back',
    by: 'rollback',
    when: 'a rollback is asked for again (escalation to the next strategy) while attempts < max_attempts',
  },
  ...(['rolled-back', 'recovering', 'recovered'] as const).map((from): LifecycleTransition => ({
    from,
    to: 'rolling-back',
    by: 'rollback',
    when: "the incident's bad deployment is live again: roll back again",
  })),
  {
    from: 'rolled-back',
    to: 'verification-failed',
    by: 'verify',
    when: 'verification after the rollback failed',
  },
  {
    from: 'verification-failed',
    to: 'rolled-back',
    by: 'verify',
    when: 'a later verification after the rollback passed',
  },
  {
    from: 'rolled-back',
    to: 'closed',
    by: 'verify',
    when: 'verification after the rollback passed and the environment has no recovery section: the incident is resolved',
  },
  {
    from: 'verification-failed',
    to: 'closed',
    by: 'verify',
    when: 'as above, after an earlier failed verification',
  },
  { from: 'rolled-back', to: 'recovering', by: 'recovery', when: 'the first stage starts' },
  { from: 'rolled-back', to: 'rolled-back', by: 'recovery', when: 'waiting (backoff, approval)' },
  { from: 'recovering', to: 'recovering', by: 'recovery', when: 'a stage advances' },
  {
    from: 'recovering',
    to: 'rolled-back',
    by: 'recovery',
    when: 'a regression rolls the change back to 0% (or recovery is aborted)',
  },
  { from: 'recovering', to: 'recovered', by: 'recovery', when: '100% held; the issue is closed' },
  { from: 'rolled-back', to: 'recovered', by: 'recovery', when: 'a one-stage plan completed' },
  ...OPEN_STATUSES.map((from): LifecycleTransition => ({
    from,
    to: 'closed',
    by: 'close',
    when: 'a person closes the incident by hand (`ripcord close`)',
  })),
  ...OPEN_STATUSES.map((from): LifecycleTransition => ({
    from,
    to: 'closed',
    by: 'rollback',
    when: 'a breach on a deployment newer than the incident supersedes it (a new incident opens)',
  })),
];

export function mayMove(
  from: IncidentStatus | null,
  to: IncidentStatus,
  by: LifecycleActor,
): boolean {
  return INCIDENT_LIFECYCLE.some((t) => t.from === from && t.to === to && t.by === by);
}

/**
 * Throws when a run is about to write a move the table does not allow: a programming error
 * (the caller should have asked `planRollback` or checked the status), never a user's.
 */
export function assertMove(
  from: IncidentStatus | null,
  to: IncidentStatus,
  by: LifecycleActor,
): void {
  if (!mayMove(from, to, by)) {
    throw new Error(
      `incident lifecycle: ${by} may not move an incident from ${from ?? '(none)'} to ${to}; see INCIDENT_LIFECYCLE in src/incident/lifecycle.ts`,
    );
  }
}

/** What a rollback run knows about the open incident. */
export interface LifecycleIncident {
  number: number;
  status: IncidentStatus;
  attempts: number;
  bad: { deploymentId: number; sha: string };
  lastRollbackAt: string | null;
  rollbackDeploymentId: number | null;
  /** Run ids recorded on the incident (a re-run of one of them is not a new request). */
  runIds: readonly string[];
}

/** What a rollback run knows about the environment's newest deployment. */
export interface LifecycleDeployment {
  id: number;
  sha: string;
  createdAt: string;
  /** The incident number in `payload.ripcord` when Ripcord created it (a rollback deployment). */
  ripcordIncident: number | null;
}

export type RollbackPlan =
  /** No open incident: open one against the live deployment. */
  | { kind: 'open' }
  /** The open incident is half-way (`rolling-back`): continue from its record. */
  | { kind: 'resume' }
  /** The open incident failed (rollback or verification): try again from its record. */
  | { kind: 'retry' }
  /** The open incident waits for comment approvals: count them, then roll back, close or wait. */
  | { kind: 'approval' }
  /**
   * The live deployment is newer than everything the open incident knows: close that incident
   * as superseded and open a new one against the live deployment.
   */
  | { kind: 'supersede'; reason: string }
  /**
   * Do nothing. `production` says what the live deployment is: `rolled-back` (Ripcord's own
   * rollback is live, so the step may stay green with a warning) or `bad` (the step fails).
   */
  | { kind: 'skip'; production: 'rolled-back' | 'bad'; reason: SkipReason };

export type SkipReason = 'already-rolled-back' | 'max-attempts' | 'cooldown';

export interface PlanRollbackInput {
  incident: LifecycleIncident | null;
  /** The environment's newest deployment; null when it has none. */
  current: LifecycleDeployment | null;
  maxAttempts: number;
  runId: string;
}

/**
 * Is `current` a deploy that happened after the incident's rollback? Ripcord's own rollback
 * deployments are not, nor are deployments created while the rollback ran (GitHub creates one
 * for every `environment:` job a redeploy dispatches): only what was created after the
 * rollback finished, and is not the incident's bad deployment itself, is new.
 */
export function isNewerThanIncident(
  incident: LifecycleIncident,
  current: LifecycleDeployment,
): boolean {
  if (current.id === incident.bad.deploymentId) return false;
  if (current.id === incident.rollbackDeploymentId) return false;
  if (current.ripcordIncident === incident.number) return false;
  if (current.ripcordIncident !== null) {
    // Another incident's rollback deployment: a newer incident than this one rolled back.
    return current.ripcordIncident > incident.number;
  }
  if (incident.lastRollbackAt === null) return false;
  const created = Date.parse(current.createdAt);
  const rolledBack = Date.parse(incident.lastRollbackAt);
  return !Number.isNaN(created) && !Number.isNaN(rolledBack) && created > rolledBack;
}

/**
 * What a rollback run does, given the open incident (or none) and the live deployment.
 * The cooldown check on a live Ripcord rollback deployment with no open incident is the
 * caller's (it needs the policy's cooldown and the clock); everything about the incident is here.
 */
export function planRollback(input: PlanRollbackInput): RollbackPlan {
  const { incident, current } = input;
  if (!incident || incident.status === 'closed') return { kind: 'open' };
  if (current && isNewerThanIncident(incident, current)) {
    return {
      kind: 'supersede',
      reason: `deployment ${current.id} (${current.sha.slice(0, 7)}) was deployed at ${current.createdAt}, after incident #${incident.number} rolled back${incident.lastRollbackAt ? ` at ${incident.lastRollbackAt}` : ''}: it is a new incident`,
    };
  }
  const liveIsBad = current !== null && current.id === incident.bad.deploymentId;
  switch (incident.status) {
    case 'awaiting-approval':
      // Nothing was rolled back yet, so any other live deployment replaced the one asked about.
      if (current && current.id !== incident.bad.deploymentId)
        return {
          kind: 'supersede',
          reason: `deployment ${current.id} (${current.sha.slice(0, 7)}) replaced the bad deployment while the rollback of incident #${incident.number} waited for approval`,
        };
      return { kind: 'approval' };
    case 'rolling-back':
      return { kind: 'resume' };
    case 'rollback-failed':
    case 'verification-failed':
      if (incident.attempts >= input.maxAttempts) {
        return { kind: 'skip', production: 'bad', reason: 'max-attempts' };
      }
      return { kind: 'retry' };
    case 'rolled-back':
    case 'recovering':
    case 'recovered':
      // Ripcord's rollback is live (or the bad deployment is, when a person redeployed it by
      // hand without a new deployment, which GitHub does not allow; kept for safety).
      return liveIsBad
        ? { kind: 'retry' }
        : { kind: 'skip', production: 'rolled-back', reason: 'already-rolled-back' };
  }
}
