/**
 * What the rollback machine writes down: the incident state a new incident starts with, the
 * lifecycle's view of incidents and deployments, the timeline comment, version names and the
 * decision's evidence. Pure functions of their arguments.
 */
import type { LifecycleDeployment, LifecycleIncident } from '../incident/lifecycle.ts';
import {
  type DecisionEvidence,
  INCIDENT_STATE_VERSION,
  type IncidentState,
  MAX_EVIDENCE,
} from '../incident/state.ts';
import { formatDuration } from '../policy/duration.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { DecisionInput } from './decision-input.ts';
import type { StepEvent, Strategy } from './ladder-machine.ts';
import type {
  Deployment,
  Incident,
  MachineResult,
  RollbackSetup,
  Target,
  Version,
} from './machine-types.ts';
export const SHA = /^[0-9a-f]{40}$/i;
export const iso = (ms: number): string => new Date(ms).toISOString();

export function lifecycleIncident(incident: Incident): LifecycleIncident {
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

export function lifecycleDeployment(d: Deployment): LifecycleDeployment {
  return {
    id: d.id,
    sha: d.sha,
    createdAt: d.createdAt,
    ripcordIncident: d.ripcord?.incident ?? null,
  };
}

/** An open incident that already rolled back: a re-run, a concurrent loser, or within the cooldown. */
export function alreadyHandled(
  setup: RollbackSetup,
  incident: Incident,
  now: number,
): MachineResult {
  const s = incident.state;
  const byThisRun = s.runs.some((r) => r.runId === setup.run.id);
  const since = s.lastRollbackAt ? `at ${s.lastRollbackAt}` : '';
  const cooling =
    s.lastRollbackAt && now - Date.parse(s.lastRollbackAt) < setup.cooldown
      ? ` (within the ${formatDuration(setup.cooldown)} cooldown)`
      : '';
  return {
    ...emptyMachineResult(),
    result: 'skipped',
    skipReason: 'already-rolled-back',
    incident: { number: incident.number, url: incident.url },
    from: { deploymentId: s.bad.deploymentId, ref: s.bad.ref, sha: s.bad.sha },
    target: s.target,
    strategy: (s.strategy as Strategy | null) ?? null,
    deploymentId: s.rollbackDeploymentId,
    message: byThisRun
      ? `This run already rolled ${setup.environment} back ${since} (incident #${incident.number}); nothing new to do.`
      : `${setup.environment} was already rolled back ${since}${cooling} by run ${s.runs[0]?.runId ?? 'unknown'} (incident #${incident.number}, status ${s.status}); this run did nothing.`,
  };
}

export function newState(
  setup: Pick<RollbackSetup, 'environment' | 'reason' | 'decision' | 'strategy'>,
  bad: Deployment,
  target: Target,
  at: string,
): IncidentState {
  const decision = setup.decision;
  return {
    version: INCIDENT_STATE_VERSION,
    environment: setup.environment,
    status: 'rolling-back',
    openedAt: at,
    updatedAt: at,
    reason: setup.reason,
    ...(decision
      ? {
          decision: {
            decision: decision.decision,
            severity: decision.severity,
            strategy: decision.strategy,
            approval: decision.approval,
            ...(decision.flag ? { flag: decision.flag } : {}),
            triggered: decision.triggered,
            summary: decision.summary,
            ...decisionEvidence(decision),
          },
        }
      : {}),
    bad: { deploymentId: bad.id, ref: bad.ref, sha: bad.sha, createdAt: bad.createdAt },
    target: { ...target, deploymentId: target.deploymentId || null },
    rollbackDeploymentId: null,
    strategy: setup.strategy,
    attempts: 0,
    lastRollbackAt: null,
    runs: [],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
}

export function startSummary(
  setup: RollbackSetup,
  bad: Deployment,
  target: { ref: string },
): string {
  const lines = [
    `Ripcord is rolling back **${escapeMarkdown(setup.environment)}** from \`${escapeMarkdown(bad.ref)}\` to \`${escapeMarkdown(target.ref)}\` with **${setup.strategy}**.`,
    '',
    `Reason: ${escapeMarkdown(setup.reason)}`,
  ];
  if (setup.decision?.summary)
    lines.push('', `Decision: ${escapeMarkdown(setup.decision.summary)}`);
  if (setup.run.url) lines.push('', `Run: ${setup.run.url}`);
  return lines.join('\n');
}

export function timelineComment(title: string, message: string, events: StepEvent[]): string {
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
export function versionNames(
  target: { ref: string },
  names: Deployment['names'],
): { targetTag?: string; targetVersion?: string } {
  const tag = names.tag ?? (SHA.test(target.ref) ? null : target.ref);
  const version = names.version ?? (tag ? tag.replace(/^v(?=\d)/, '') : null);
  return { ...(tag ? { targetTag: tag } : {}), ...(version ? { targetVersion: version } : {}) };
}

export function versionOf(d: { id: number; ref: string; sha: string }): Version {
  return { deploymentId: d.id, ref: d.ref, sha: d.sha };
}

export function describeVersion(d: { ref: string; sha: string } | null): string {
  return d ? `${d.ref} (${d.sha.slice(0, 7) || 'sha unknown'})` : 'nothing (no deployment found)';
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function emptyMachineResult(): MachineResult {
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
  };
}

/** The readings that made the decision, kept in the incident state for the report. */
export function decisionEvidence(d: DecisionInput): {
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
