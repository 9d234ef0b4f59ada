/**
 * The rollback's approval gate for decisions whose `approval` names a rule under
 * rollback.approvals (seed 002: "a consensus of at least two senior engineers is required to
 * initiate a rollback"). Kept out of rollback.ts so the use case gains two small hooks only:
 *
 * - `requestApproval`: instead of rolling back, open the incident as `awaiting-approval` and
 *   ask in a comment who may approve, how many are needed and the exact command;
 * - `checkApproval`: a later run (the `issue_comment` workflow, a re-evaluation, a re-run)
 *   counts the approvals on the incident: enough, and the rollback goes on exactly as an
 *   automatic one (lock, ladder, record); a reject closes the incident; else it keeps waiting.
 *
 * A person with rollback.authority who runs the rollback by hand does not need the rule: the
 * runbook's primary decision makers decide alone, the consensus is for "in their absence".
 */
import { ConfigurationError } from '../shared/errors.ts';
import { formatDuration } from '../policy/duration.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { ApprovalRule, RollbackPolicy } from '../policy/schema-rollback.ts';
import { withStatus, type ApprovalRecord, type IncidentState } from '../incident/state.ts';
import { assertMove } from '../incident/lifecycle.ts';
import type { ApprovalGateway } from '../incident/approval-comments.ts';
import type { IncidentRecord, IncidentStore } from '../incident/store.ts';
import type { Logger } from '../shared/logger.ts';
import { MENTION } from '../policy/schema.ts';
import { commandLine, describeIgnored, loginText, type Tally } from './approvals.ts';
import type { DecisionInput } from './decision-input.ts';

export interface GateDeps {
  incidents: IncidentStore;
  approvals?: ApprovalGateway | undefined;
  now: () => number;
  logger: Logger;
}

/** The rule a decision asks for, when its approval names one; null for none and other names. */
export function ruleFor(
  approvals: Record<string, ApprovalRule>,
  decision: DecisionInput | null,
): { name: string; rule: ApprovalRule } | null {
  const name = decision?.approval;
  if (!name || name === 'none' || !Object.hasOwn(approvals, name)) return null;
  const rule = approvals[name];
  return rule ? { name, rule } : null;
}

/** Who may approve under `rule`, in words (logins and teams in code spans: nobody is pinged). */
export function whoMayApprove(rule: ApprovalRule): string {
  const parts = [
    ...(rule.teams.length > 0
      ? [`members of ${rule.teams.map((t) => loginText(t)).join(', ')}`]
      : []),
    ...(rule.users.length > 0 ? [rule.users.map((u) => loginText(u)).join(', ')] : []),
    ...(rule.permission
      ? [`people with the ${rule.permission} permission (or higher) on the repository`]
      : []),
  ];
  return parts.join('; or ');
}

function gatewayOf(deps: GateDeps): ApprovalGateway {
  if (!deps.approvals)
    throw new Error(
      'rollback: a decision needs comment approvals but no approval gateway was given',
    );
  return deps.approvals;
}

/**
 * Opens the incident as awaiting-approval and asks for the approvals. Returns the record;
 * the caller reports the outcome. `state` is the incident state a rollback would start with.
 */
export async function requestApproval(
  state: IncidentState,
  title: string,
  summary: string,
  wanted: { name: string; rule: ApprovalRule },
  deps: GateDeps,
  /** The row's `ask` mentions: the one place the request may ping people (the policy chose them). */
  ask: readonly string[] = [],
): Promise<{ incident: IncidentRecord; message: string }> {
  const gateway = gatewayOf(deps);
  const at = new Date(deps.now()).toISOString();
  assertMove(null, 'awaiting-approval', 'rollback');
  // The decision input is the workflow's to give; only well-formed mentions are written.
  const mentions = ask.filter((m) => MENTION.test(m));
  const asked: IncidentState = {
    ...withStatus(state, 'awaiting-approval', at),
    approval: {
      rule: wanted.name,
      required: wanted.rule.required,
      requestedAt: at,
      status: 'waiting',
      approvers: [],
      rejectedBy: null,
    },
  };
  let incident = await deps.incidents.create(asked, title, summary, { fast: true });
  const { rule } = wanted;
  const message = `Rolling back ${state.environment} needs ${rule.required} approval${rule.required === 1 ? '' : 's'} (rule ${wanted.name}) by distinct people: ${whoMayApprove(rule)}.`;
  const requestedAt = await gateway.request(
    incident.number,
    [
      `### Approval needed: ${rule.required} of ${whoMayApprove(rule)}`,
      '',
      ...(mentions.length > 0 ? [`Asking ${mentions.join(' ')}.`, ''] : []),
      escapeMarkdown(
        `Ripcord decided to roll back ${state.environment} from ${state.bad.ref} to ${state.target?.ref ?? 'the last known-good version'}${state.strategy ? ` with ${state.strategy}` : ''}, and the decision asks for approval rule ${wanted.name}. Nothing has been rolled back yet.`,
      ),
      '',
      `To approve, comment with this line on its own (a reason may follow on the same line):`,
      '',
      '```',
      commandLine('approve'),
      '```',
      '',
      `To refuse (no rollback; the incident closes), comment \`${commandLine('reject')}\`.`,
      '',
      'A person who may roll back alone (rollback.authority) decides alone: one approval from them is enough, as running the rollback by hand would be.',
      '',
      `Counted: comments written after this one, not edited, by ${rule.required} distinct people who pass the rule (checked with GitHub's permission and team APIs). Quoted or code-block commands, bots and edited comments do not count.`,
    ].join('\n'),
  );
  incident = await deps.incidents.save(
    incident,
    { ...asked, approval: { ...(asked.approval as ApprovalRecord), requestedAt } },
    { unchangedSinceRead: true },
  );
  return { incident, message };
}

export type GateOutcome =
  | { kind: 'approved'; incident: IncidentRecord }
  | { kind: 'waiting'; incident: IncidentRecord; message: string; tally: Tally }
  | { kind: 'rejected'; incident: IncidentRecord; message: string };

/**
 * Counts the approvals of an awaiting-approval incident and records what changed. `byHand`:
 * a person who passed rollback.authority runs the rollback (workflow_dispatch), which
 * approves it. `escalated`: a later automatic decision that needs no approval rule (the
 * breach grew into a row that rolls back at once, or a GitHub Environment's reviewers already
 * approved the job) carries its summary: waiting would block the rollback it asks for.
 */
export async function checkApproval(
  incident: IncidentRecord,
  approvals: Record<string, ApprovalRule>,
  authority: RollbackPolicy['authority'],
  byHand: string | null,
  deps: GateDeps,
  escalated: string | null = null,
): Promise<GateOutcome> {
  const state = incident.state;
  const record = state.approval;
  const at = new Date(deps.now()).toISOString();
  if (!record)
    throw new ConfigurationError(
      `incident #${incident.number} is awaiting approval but its state block has no approval record; close it (npx ripcord close ${incident.number} --reason ...) and let the next evaluation ask again`,
    );
  if (byHand !== null) {
    const approved = approvedState(state, record, [{ login: byHand, at, commentId: null }]);
    const saved = await deps.incidents.save(incident, approved);
    await deps.incidents.comment(
      incident.number,
      `### Approved by hand\n\n${loginText(byHand)} ran the rollback with rollback.authority; the ${escapeMarkdown(record.rule)} approvals are not needed.`,
    );
    return { kind: 'approved', incident: saved };
  }
  if (escalated !== null) {
    const saved = await deps.incidents.save(incident, approvedState(state, record, []));
    await deps.incidents.comment(
      incident.number,
      `### No longer waiting

A later decision rolls back without the ${escapeMarkdown(record.rule)} approvals: ${escapeMarkdown(escalated)}`,
    );
    return { kind: 'approved', incident: saved };
  }
  const rule = Object.hasOwn(approvals, record.rule) ? approvals[record.rule] : undefined;
  if (!rule)
    throw new ConfigurationError(
      `incident #${incident.number} waits for approval rule "${record.rule}", which rollback.approvals of ${state.environment} no longer has; put the rule back, or close the incident (npx ripcord close ${incident.number} --reason ...)`,
    );
  const counted = await gatewayOf(deps).count(
    incident.number,
    rule,
    record.requestedAt,
    ['approve', 'reject'],
    deps.now(),
    authority,
  );
  const approvers = counted.approvers.map((v) => ({
    login: v.login,
    at: v.at,
    commentId: v.commentId,
  }));
  if (counted.ignored.length > 0)
    deps.logger.info(`ignored approval comments: ${describeIgnored(counted.ignored)}`);
  if (counted.status === 'approved') {
    const approved = approvedState(state, record, approvers);
    // Recorded before anything moves: the approvers are on the incident even if the run dies.
    const saved = await deps.incidents.save(incident, approved);
    await deps.incidents.comment(
      incident.number,
      counted.decidedAlone
        ? `### Approved\n\n${loginText(counted.decidedAlone.login)} approved with rollback.authority, which decides alone (the ${escapeMarkdown(record.rule)} consensus is for when none of them is there): Ripcord rolls back now.`
        : `### Approved\n\n${approvers.map((a) => loginText(a.login)).join(' and ')} approved (${approvers.length} of ${record.required}, rule ${escapeMarkdown(record.rule)}): Ripcord rolls back now.`,
    );
    return { kind: 'approved', incident: saved };
  }
  if (counted.status === 'rejected' && counted.rejectedBy) {
    const by = counted.rejectedBy;
    assertMove(state.status, 'closed', 'rollback');
    const closed: IncidentState = {
      ...withStatus(state, 'closed', at),
      approval: {
        ...record,
        status: 'rejected',
        approvers,
        rejectedBy: { login: by.login, at: by.at, commentId: by.commentId },
      },
    };
    const saved = await deps.incidents.save(incident, closed);
    const message = `${by.login} rejected the rollback of ${state.environment} (incident #${incident.number}, rule ${record.rule}): nothing was rolled back, and the incident is closed.`;
    await deps.incidents.comment(
      incident.number,
      `### Rejected\n\n${loginText(by.login)} rejected the rollback: nothing was rolled back. Ripcord closes this incident; a new breach asks again.`,
    );
    await deps.incidents.close(incident.number, 'not_planned');
    return { kind: 'rejected', incident: { ...saved, open: false }, message };
  }
  const message = `Incident #${incident.number} waits for approval: ${approvers.length} of ${record.required} (rule ${record.rule}${approvers.length > 0 ? `; approved by ${approvers.map((a) => a.login).join(', ')}` : ''}), waiting ${formatDuration(counted.waitedMs)}. Who may approve: ${whoMayApprove(rule).replace(/`/g, '')}; they comment ${commandLine('approve')} on the incident.`;
  let saved = incident;
  const before = record.approvers.map((a) => a.login).join(',');
  if (approvers.map((a) => a.login).join(',') !== before) {
    assertMove(state.status, 'awaiting-approval', 'rollback');
    saved = await deps.incidents.save(incident, {
      ...withStatus(state, 'awaiting-approval', at),
      approval: { ...record, approvers },
    });
    await deps.incidents.comment(
      incident.number,
      `### ${approvers.length} of ${record.required} approvals\n\nApproved by ${approvers.map((a) => loginText(a.login)).join(', ') || 'nobody yet'}; ${counted.missing} more needed (${whoMayApprove(rule)}, comment \`${commandLine('approve')}\`).`,
    );
  }
  return { kind: 'waiting', incident: saved, message, tally: counted };
}

function approvedState(
  state: IncidentState,
  record: ApprovalRecord,
  approvers: ApprovalRecord['approvers'],
): IncidentState {
  return { ...state, approval: { ...record, status: 'approved', approvers } };
}

/**
 * The decision an awaiting-approval incident recorded, as the rollback input it came from, so
 * the run an approval comment starts rolls back with the row's strategy and flag.
 */
export function decisionFromState(state: IncidentState): DecisionInput | null {
  const d = state.decision;
  if (!d) return null;
  return {
    decision: d.decision,
    environment: state.environment,
    severity: d.severity,
    strategy: (d.strategy ?? null) as DecisionInput['strategy'],
    approval: d.approval,
    ...(d.flag ? { flag: d.flag } : {}),
    triggered: d.triggered,
    summary: d.summary,
    ...(d.evaluatedAt ? { evaluatedAt: d.evaluatedAt } : {}),
    ...(d.evidence ? { triggers: d.evidence } : {}),
  };
}
