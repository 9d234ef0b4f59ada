/**
 * The rollback machine's vocabulary: its setup, the events the runner feeds it, the effects it
 * asks for, its state and its result. Types only, so the runner, the machine and the tests
 * share them without importing each other.
 */
import type { RollbackPlan, SkipReason } from '../incident/lifecycle.ts';
import type { IncidentState } from '../incident/state.ts';
import type { DecisionInput } from './decision-input.ts';
import type { LadderSpec, LadderState, LogEffect, StepEvent, Strategy } from './ladder-machine.ts';
export type RollbackOutcome =
  'rolled-back' | 'failed' | 'skipped' | 'dry-run' | 'awaiting-approval';

/**
 * Why a run that was asked to roll back did not: the action warns (or fails, for
 * `max-attempts`) and writes it to the `skip-reason` output. `not-asked`: the decision input
 * was not rollback, so nothing was asked.
 */
export type RollbackSkipReason = SkipReason | 'lock-held' | 'not-asked' | 'rejected' | 'paused';

export interface Version {
  deploymentId: number;
  ref: string;
  sha: string;
}
export interface Target {
  deploymentId: number | null;
  ref: string;
  sha: string;
}

/** What a run reports (the runner adds the pause switch as read). */
export interface MachineResult {
  result: RollbackOutcome;
  message: string;
  skipReason: RollbackSkipReason | null;
  incident: { number: number; url: string } | null;
  from: Version | null;
  target: Target | null;
  strategy: Strategy | null;
  deploymentId: number | null;
  steps: StepEvent[];
  plan: { id: string; name: string; strategy: string }[];
  dataLossWindow: { from: string; to: string } | null;
  /** The comment approval of the incident, when its decision asked for one. */
  approval?: IncidentState['approval'];
}

/** An incident as the machine needs it (the runner keeps the issue body). */
export interface Incident {
  number: number;
  url: string;
  state: IncidentState;
}

/** A deployment as the machine needs it. */
export interface Deployment {
  id: number;
  ref: string;
  sha: string;
  createdAt: string;
  ripcord: { incident: number } | null;
  names: { tag: string | null; version: string | null };
}

export interface PauseView {
  active: { issue: { number: number }; by: string; until: string; reason: string } | null;
}

/** Everything about the run that does not change while it runs. */
export interface RollbackSetup {
  environment: string;
  reason: string;
  /** As asked: `last-known-good`, a deployment id, a sha or a ref. */
  target: string;
  manual: boolean;
  commentOn?: number;
  run: { id: string; attempt: number; url: string | null };
  repository: string;
  decision: DecisionInput | null;
  /** The strategy chosen, the ladder from it, and every planned step in order. */
  strategy: Strategy;
  ladder: Omit<LadderSpec, 'done' | 'doneAt' | 'badDeployedAt'>;
  plan: { id: string; name: string; strategy: string }[];
  maxAttempts: number;
  cooldown: number;
  /** rollback.approvals names a rule for this decision (its approvals are asked for). */
  approvalRule: boolean;
}

export type RollbackEvent =
  /** The effects ran and answered nothing. */
  | { type: 'continue' }
  | { type: 'lock'; acquired: true; contended: boolean }
  | {
      type: 'lock';
      acquired: false;
      holder: string;
      runUrl: string | null;
      expiresAt: string | number;
      waitedMs: number;
    }
  | { type: 'read'; incident: Incident | null; current: Deployment | null; pause: PauseView | null }
  /** `again`: an incident changed since the read; this is the environment read anew. */
  | { type: 'revalidated'; again: { incident: Incident | null; current: Deployment | null } | null }
  | {
      type: 'approval';
      kind: 'approved' | 'waiting' | 'rejected';
      message: string;
      incident: Incident;
    }
  | { type: 'recordChecked'; bad: Deployment; target: Target; names: Deployment['names'] }
  | { type: 'target'; target: Deployment }
  | { type: 'approvalRequested'; message: string; incident: Incident }
  /** A new incident was created (a save answers `continue`: the issue keeps its number). */
  | { type: 'incidentWritten'; number: number; url: string }
  | { type: 'deploymentCreated'; id: number; sha: string }
  | { type: 'ran'; ok: boolean; detail: string };

export type DeploymentState = 'in_progress' | 'success' | 'failure';

/** The step context's data (strategies/steps/command-step.ts StepContext). */
export interface StepData {
  environment: string;
  targetRef: string;
  targetSha: string;
  targetTag?: string;
  targetVersion?: string;
  fromRef: string;
  fromSha: string;
  incident: number;
  reason: string;
  strategy: string;
  repository: string;
  runUrl?: string;
}

export type RollbackEffect =
  | { type: 'acquireLock' }
  /** Read the issues, the live deployment and the pause (`again`: the lock changed hands). */
  | { type: 'read'; again: boolean }
  /** Check that no incident changed since the read (and read again if one did). */
  | { type: 'revalidate' }
  | { type: 'checkApproval'; incident: number; escalated: string | null }
  | { type: 'requestApproval'; state: IncidentState; title: string; summary: string }
  /** The recorded target, checked against GitHub's deployments, and the bad deployment. */
  | { type: 'checkRecord'; incident: number; bad: number }
  /** The target asked for (`last-known-good` or as given), for a new incident. */
  | { type: 'resolveTarget' }
  | { type: 'createIncident'; state: IncidentState; title: string; summary: string }
  | { type: 'saveIncident'; incident: number; state: IncidentState; unchangedSinceRead?: boolean }
  | { type: 'comment'; incident: number; markdown: string }
  | { type: 'closeIssue'; incident: number }
  | {
      type: 'createDeployment';
      ref: string;
      sha: string;
      payload: { kind: 'rollback'; incident: number; from: Version; strategy: Strategy };
      description: string;
    }
  | { type: 'setStatus'; deployment: number; state: DeploymentState; description: string }
  | { type: 'markBad'; deployment: number; incident: number; reason: string }
  | { type: 'stepEvent'; event: StepEvent; incident: number; url: string }
  | {
      type: 'run';
      part: 'on' | 'climb' | 'off';
      rung: Strategy | null;
      stepId: string;
      context: StepData;
    }
  | LogEffect;

export type Phase =
  | 'locking'
  | 'reading'
  | 'revalidating'
  | 'approving'
  | 'superseding'
  | 'checking'
  | 'targeting'
  | 'asking'
  | 'opening'
  | 'deploying'
  | 'starting'
  | 'stepping'
  | 'finishing'
  | 'done';

export interface RollbackState {
  phase: Phase;
  incident: Incident | null;
  current: Deployment | null;
  plan: RollbackPlan | null;
  pause: PauseView | null;
  bad: Deployment | null;
  target: Target | null;
  names: Deployment['names'];
  /** The incident state this run is writing. */
  record: IncidentState | null;
  /** Re-reading the issue before a write keeps people's notes; right after a write, skipped. */
  justWritten: boolean;
  /**
   * The incident and state a run that stops with an error records its failure on: the last
   * state written (or, once the rollback deployment exists, with its id). `pendingOpened` is
   * the state the current batch makes it once effect `after` completed.
   */
  opened: { incident: number; state: IncidentState } | null;
  pendingOpened: { after: number; state: IncidentState } | null;
  ladder: LadderState | null;
  events: StepEvent[];
  /** Set when the ladder started: what earlier runs finished. */
  done: string[];
  doneAt: [string, string][];
  result: MachineResult | null;
}

export interface RollbackTransition {
  state: RollbackState;
  effects: RollbackEffect[];
}
