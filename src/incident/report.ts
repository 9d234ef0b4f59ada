/**
 * The incident report: a Markdown file for `docs/incidents/`, rendered from what the incident
 * recorded (its state block), the trigger evidence and the verification results. Pure: the
 * same inputs give the same bytes (no clock reads, `generatedAt` is a parameter), so a re-run
 * can tell "nothing changed" from a real update and leave the pull request alone.
 */
import { z } from 'zod';
import { recoveryStateSchema, type RecoveryState } from '../recovery/machine.ts';
import type { IncidentState, IncidentStatus, VerificationRecord } from './state.ts';
import { escapeMarkdown, mermaidLabel } from '../shared/markdown.ts';
import { renderChart } from '../signals/summary.ts';
import type { Verdict } from '../signals/verdict.ts';

export interface VerificationCheck {
  name: string;
  /** e.g. `http`, `metric`, `command`. */
  kind?: string | undefined;
  status: 'passed' | 'failed' | 'inconclusive' | 'skipped';
  detail?: string | null | undefined;
  /** When the check gave its final result (ISO 8601). */
  at?: string | null | undefined;
  attempts?: number | null | undefined;
}

export interface IncidentReportInput {
  state: IncidentState;
  incident: { number: number; url: string };
  repo: { owner: string; repo: string };
  /** `https://github.com` or the GitHub Enterprise Server URL (GITHUB_SERVER_URL). */
  serverUrl: string;
  /** ISO 8601; the only place the render time appears (see GENERATED_LINE). */
  generatedAt: string;
  evidence?: readonly Verdict[] | undefined;
  /** Used only when the record keeps no verification (records written before it did). */
  verification?: readonly VerificationCheck[] | undefined;
  /** The environment's `recovery_time` (ms per severity): detection -> restored is measured against it. */
  recoveryTime?: RecoveryObjectives | undefined;
}

export interface RecoveryObjectives {
  critical?: number | undefined;
  warning?: number | undefined;
}

/**
 * Detection -> restored against the recovery-time objective of the incident's severity.
 * Detection is the decision's time (when Ripcord decided to roll back; the incident's opening
 * for a rollback by hand). Restored is when the rollback completed, the known-good version
 * live again: the moment users got it back. A verification proves it but does not restore
 * anything, and its waits (stabilisation, min_duration) are the policy's choice, so they are
 * not counted; a failed verification means nothing was restored.
 */
export interface RecoveryMeasure {
  severity: 'critical' | 'warning' | null;
  objective: number | null;
  detectedAt: string;
  restoredAt: string | null;
  /** ms from detection to restored, null when not restored. */
  took: number | null;
  /** met, missed, not restored yet, or not measured (no severity or no objective). */
  outcome: 'met' | 'missed' | 'not-restored' | 'no-objective';
  /** The first breached trigger's first bad sample, when the decision kept it. */
  firstBadAt: string | null;
  sentence: string;
}
/**
 * Staged recovery owns the shape of `state.recovery`; the report reads the parts it knows
 * and ignores the rest, so a new field there never breaks a report.
 */
const looseTime = z.string().nullable().optional();
const recoveryStageSchema = z.looseObject({
  name: z.string().optional(),
  percent: z.number().optional(),
  status: z.string().optional(),
  startedAt: looseTime,
  finishedAt: looseTime,
  completedAt: looseTime,
});
const recoverySchema = z.looseObject({
  status: z.string().optional(),
  startedAt: looseTime,
  completedAt: looseTime,
  stages: z.array(recoveryStageSchema).optional(),
});
export type RecoveryView = z.infer<typeof recoverySchema>;

/** Read from the record, or null when absent or in a shape this version does not know. */
export function recoveryOf(state: IncidentState): RecoveryView | null {
  if (state.recovery === null) return null;
  const machine = recoveryStateSchema.safeParse(state.recovery);
  if (machine.success) return fromMachine(machine.data);
  const parsed = recoverySchema.safeParse(state.recovery);
  return parsed.success ? parsed.data : null;
}

/**
 * The staged-recovery machine records a history of transitions; the report wants stages with
 * start and end times: each percentage that went live is a stage, ending when the next began.
 */
function fromMachine(r: RecoveryState): RecoveryView {
  const live = r.history.filter((h, i, all) => h.percent > 0 && h.percent !== all[i - 1]?.percent);
  const completedAt = r.status === 'recovered' ? (r.history.at(-1)?.at ?? r.updatedAt) : null;
  return {
    status: r.status,
    startedAt: r.history[0]?.at ?? null,
    completedAt,
    stages: live.map((h, i) => ({
      percent: h.percent,
      status: live[i + 1] || completedAt ? 'done' : r.status,
      startedAt: h.at,
      finishedAt: live[i + 1]?.at ?? completedAt,
    })),
  };
}

export function reportBranch(incidentNumber: number): string {
  return `ripcord/incident-${incidentNumber}`;
}

/** Lower-case, other characters as `-`: an environment name is free text, a path is not. */
function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'environment' : s.slice(0, 60);
}

/** `docs/incidents/<date>-<environment>-incident-<n>.md`, dated by when the incident opened (UTC). */
export function reportPath(state: IncidentState, incidentNumber: number): string {
  return `docs/incidents/${state.openedAt.slice(0, 10)}-${slug(state.environment)}-incident-${incidentNumber}.md`;
}

export function reportTitle(state: IncidentState, incidentNumber: number): string {
  const env = state.environment.replace(/[\r\n]+/g, ' ');
  return `Incident report: ${env} incident #${incidentNumber} (${state.openedAt.slice(0, 10)})`;
}

/**
 * The one line that changes on every render. Comparing reports without it
 * (`comparableReport`) keeps a re-run from committing a new timestamp and nothing else.
 */
const GENERATED_PREFIX = '_Generated by Ripcord at ';
export function comparableReport(markdown: string): string {
  return markdown
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((line) => !line.startsWith(GENERATED_PREFIX))
    .join('\n');
}

const RCA_HEADING = '## Root-cause analysis';
const FOOTER_RULE = '\n---\n';

/**
 * People fill in the root-cause sections on the report's branch; a later render (the record
 * changed) must not wipe them. Keeps `existing`'s section from its heading to the footer.
 */
export function keepHumanSections(existing: string | null, next: string): string {
  if (existing === null) return next;
  const span = (text: string): { start: number; end: number } | null => {
    const start = text.indexOf(`\n${RCA_HEADING}\n`);
    const end = text.lastIndexOf(FOOTER_RULE);
    return start < 0 || end < start ? null : { start, end };
  };
  const old = span(existing.replace(/\r\n/g, '\n'));
  const fresh = span(next);
  if (!old || !fresh) return next;
  const kept = existing.replace(/\r\n/g, '\n').slice(old.start, old.end);
  return next.slice(0, fresh.start) + kept + next.slice(fresh.end);
}

export function isResolved(status: IncidentStatus, issueOpen: boolean): boolean {
  return status === 'recovered' || status === 'closed' || !issueOpen;
}

const STATUS_TEXT: Record<IncidentStatus, string> = {
  'awaiting-approval': 'waiting for approval',
  'rolling-back': 'rolling back',
  'rolled-back': 'rolled back',
  'rollback-failed': 'rollback failed',
  'verification-failed': 'rolled back, verification failed',
  recovering: 'recovering in stages',
  recovered: 'recovered',
  closed: 'closed',
};

const CHECK_ICON: Record<VerificationCheck['status'], string> = {
  passed: '🟢 passed',
  failed: '🔴 failed',
  inconclusive: '🟡 inconclusive',
  skipped: '⚪ skipped',
};

const VERDICT_ICON: Record<Verdict['status'], string> = {
  breached: '🔴 breached',
  ok: '🟢 ok',
  inconclusive: '🟡 inconclusive',
};

function ms(at: string | null | undefined): number | null {
  if (at === null || at === undefined) return null;
  const t = Date.parse(at);
  return Number.isNaN(t) ? null : t;
}

/** `2024-05-01 10:12:30 UTC`: one format, whatever precision the record used. */
function when(at: string | null | undefined): string {
  const t = ms(at);
  if (t === null) return '-';
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDuration(
  fromIso: string | null | undefined,
  toIso: string | null | undefined,
): string | null {
  const a = ms(fromIso);
  const b = ms(toIso);
  if (a === null || b === null || b < a) return null;
  return formatSpan(b - a);
}

/** `1m 30s`, `2h 5m`: a span of milliseconds to the second. */
export function formatSpan(spanMs: number): string {
  let s = Math.round(spanMs / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d > 0) parts.push(`${d}d`);
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}

function cell(text: string | null | undefined): string {
  return text === null || text === undefined || text === '' ? '-' : escapeMarkdown(text);
}

function isSha(sha: string): boolean {
  return /^[0-9a-f]{7,64}$/i.test(sha);
}

interface Links {
  server: string;
  repo: { owner: string; repo: string };
}

function commitLink(links: Links, sha: string): string {
  if (!isSha(sha)) return sha === '' ? '-' : escapeMarkdown(sha);
  const { owner, repo } = links.repo;
  const url = `${links.server}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/commit/${sha.toLowerCase()}`;
  return `[\`${sha.slice(0, 12).toLowerCase()}\`](${url})`;
}

interface TimelineEvent {
  at: string;
  what: string;
}

function timelineEvents(
  input: IncidentReportInput,
  recovery: RecoveryView | null,
): TimelineEvent[] {
  const { state } = input;
  const events: TimelineEvent[] = [];
  const push = (at: string | null | undefined, what: string): void => {
    if (ms(at) !== null && at) events.push({ at, what });
  };
  push(
    state.bad.createdAt,
    `Deployed ${escapeMarkdown(state.bad.ref)} (deployment ${state.bad.deploymentId})`,
  );
  // The breach start comes from the decision's own readings when they were kept.
  for (const v of state.decision?.evidence ?? input.evidence ?? []) {
    if (v.status === 'breached')
      push(
        v.since,
        `Trigger ${escapeMarkdown(v.name)} started breaching (${escapeMarkdown(v.threshold)})`,
      );
  }
  const decided = state.decision
    ? `Detected; decision: ${state.decision.decision}${state.decision.severity ? ` (${state.decision.severity})` : ''}`
    : `Detected; rollback requested: ${escapeMarkdown(state.reason)}`;
  push(state.openedAt, `${decided}; incident opened`);
  for (const step of state.steps) {
    const name = escapeMarkdown(step.name || step.id);
    push(step.startedAt, `Step started: ${name}`);
    push(step.finishedAt, `Step ${step.status}: ${name}`);
  }
  push(
    state.lastRollbackAt,
    `Rollback done${state.target ? `: ${escapeMarkdown(state.target.ref)} is live` : ''}`,
  );
  const v = state.verification;
  if (v) {
    push(v.startedAt, `Verification (${v.mode}) started`);
    push(v.finishedAt, `Verification ${v.result}: ${escapeMarkdown(v.reason)}`);
  } else {
    for (const check of input.verification ?? []) {
      push(check.at, `Verification ${check.status}: ${escapeMarkdown(check.name)}`);
    }
  }
  if (recovery) {
    push(recovery.startedAt, 'Staged recovery started');
    for (const [i, stage] of (recovery.stages ?? []).entries()) {
      const label = stageLabel(stage, i);
      push(stage.startedAt, `Recovery stage ${label} started`);
      push(
        stage.finishedAt ?? stage.completedAt,
        `Recovery stage ${label} ${stage.status ? escapeMarkdown(stage.status) : 'finished'}`,
      );
    }
    push(recovery.completedAt, 'Recovered: the change is back at 100%');
  }
  // Stable sort: equal times keep the order above, which is the order things happen in.
  return events
    .map((e, i) => ({ e, i, t: ms(e.at) ?? 0 }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map(({ e }) => e);
}

const RECORDED_ICON: Record<VerificationRecord['checks'][number]['status'], string> = {
  pass: '🟢 passed',
  fail: '🔴 failed',
  inconclusive: '🟡 inconclusive',
};

const RESULT_TEXT: Record<VerificationRecord['result'], string> = {
  passed: '**passed**',
  failed: '**failed**',
  inconclusive: '**inconclusive**',
};

/** The recorded verification: the overall result, then each check's last result with its value. */
function renderVerification(v: VerificationRecord): string[] {
  const what = v.mode === 'after-rollback' ? 'after the rollback' : 'after the deploy';
  const lines = [
    `Verification ${what} ${RESULT_TEXT[v.result]} at ${when(v.finishedAt)}: ${escapeMarkdown(v.reason)} (${v.rounds} round${v.rounds === 1 ? '' : 's'} from ${when(v.startedAt)}, ${formatDuration(v.startedAt, v.finishedAt) ?? '-'}).`,
    '',
  ];
  if (v.checks.length === 0) return [...lines, '_No checks ran._', ''];
  lines.push(
    '| Check | Type | Result | Value | Rounds | At | Detail |',
    '|---|---|---|---|---|---|---|',
  );
  for (const c of v.checks) {
    lines.push(
      `| ${cell(c.name)} | ${cell(c.type)} | ${RECORDED_ICON[c.status]} | ${cell(c.valueText)} | ${c.attempts} | ${when(c.at)} | ${cell(c.detail)} |`,
    );
  }
  lines.push('');
  return lines;
}

function stageLabel(stage: z.infer<typeof recoveryStageSchema>, index: number): string {
  if (stage.name !== undefined && stage.name !== '') return escapeMarkdown(stage.name);
  if (stage.percent !== undefined) return `${stage.percent}%`;
  return String(index + 1);
}

/** Gantt task names end at `:` and comments start at `#` or `%%`. */
function ganttName(text: string): string {
  return (
    mermaidLabel(text)
      .replace(/[:;#]|%%/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || 'step'
  );
}

/**
 * A Gantt chart of the phases (dateFormat `x` is milliseconds since the epoch, so no time zone
 * or format ambiguity). Null when fewer than two phases have both ends.
 */
function renderGantt(input: IncidentReportInput, recovery: RecoveryView | null): string | null {
  const { state } = input;
  const rows: Array<{ section: string; name: string; from: number; to: number; tag: string }> = [];
  const add = (
    section: string,
    name: string,
    from: string | null | undefined,
    to: string | null | undefined,
    tag = '',
  ): void => {
    const a = ms(from);
    const b = ms(to);
    if (a !== null && b !== null && b >= a)
      rows.push({ section, name, from: a, to: Math.max(b, a + 1000), tag });
  };
  add('Detection', 'Bad version live until detected', state.bad.createdAt, state.openedAt, 'crit');
  add('Rollback', 'Rollback', state.openedAt, state.lastRollbackAt, 'active');
  for (const step of state.steps) {
    add(
      'Rollback',
      step.name || step.id,
      step.startedAt,
      step.finishedAt,
      step.status === 'failed' ? 'crit' : 'done',
    );
  }
  if (state.dataLossWindow)
    add('Data', 'Data-loss window', state.dataLossWindow.from, state.dataLossWindow.to, 'crit');
  for (const [i, stage] of (recovery?.stages ?? []).entries()) {
    const label =
      stage.name ?? (stage.percent !== undefined ? `${stage.percent}%` : `stage ${i + 1}`);
    add(
      'Recovery',
      `Stage ${label}`,
      stage.startedAt,
      stage.finishedAt ?? stage.completedAt,
      'done',
    );
  }
  if (rows.length < 2) return null;
  const lines = [
    '```mermaid',
    'gantt',
    `  title ${ganttName(`Incident ${input.incident.number} (${state.environment})`)}`,
    '  dateFormat x',
    '  axisFormat %H:%M',
  ];
  let section = '';
  rows.forEach((r, i) => {
    if (r.section !== section) {
      section = r.section;
      lines.push(`  section ${section}`);
    }
    const tags = r.tag === '' ? '' : `${r.tag}, `;
    lines.push(`  ${ganttName(r.name)} :${tags}t${i}, ${r.from}, ${r.to}`);
  });
  lines.push('```');
  return lines.join('\n');
}

function headline(input: IncidentReportInput): string {
  const { state } = input;
  const env = escapeMarkdown(state.environment);
  const bad = escapeMarkdown(state.bad.ref);
  if (state.target && state.lastRollbackAt) {
    return `${env} was rolled back from ${bad} to ${escapeMarkdown(state.target.ref)}`;
  }
  return `${env}: rollback of ${bad} (${STATUS_TEXT[state.status]})`;
}

export function measureRecovery(
  state: IncidentState,
  objectives: RecoveryObjectives,
): RecoveryMeasure {
  const severity = state.decision?.severity ?? null;
  const detectedAt = state.decision?.evaluatedAt ?? state.openedAt;
  const v = state.verification;
  const failedVerification = v?.mode === 'after-rollback' && v.result === 'failed';
  const restoredAt = failedVerification ? null : state.lastRollbackAt;
  const a = ms(detectedAt);
  const b = ms(restoredAt);
  const took = a !== null && b !== null && b >= a ? b - a : null;
  const objective = severity === null ? null : (objectives[severity] ?? null);
  const bad = (state.decision?.evidence ?? [])
    .filter((e) => e.status === 'breached' && ms(e.since) !== null)
    .map((e) => e.since as string)
    .sort((x, y) => (ms(x) ?? 0) - (ms(y) ?? 0));
  const firstBadAt = bad[0] ?? null;
  const proof =
    v?.mode === 'after-rollback'
      ? v.result === 'passed'
        ? `, verified ${when(v.finishedAt)}`
        : v.result === 'inconclusive'
          ? ', verification inconclusive'
          : ''
      : ', not verified';
  let outcome: RecoveryMeasure['outcome'];
  let sentence: string;
  if (objective === null) {
    outcome = 'no-objective';
    sentence =
      severity === null
        ? 'Not measured against a recovery-time objective: a rollback by hand has no severity.'
        : `Not measured: the policy sets no recovery_time.${severity}.`;
    if (took !== null) sentence += ` Detection to restored took ${formatSpan(took)}${proof}.`;
  } else if (took === null) {
    outcome = 'not-restored';
    sentence = failedVerification
      ? `Objective ${formatSpan(objective)} (${severity}): not restored, the verification after the rollback failed.`
      : `Objective ${formatSpan(objective)} (${severity}): not restored yet, the rollback has not completed.`;
  } else if (took <= objective) {
    outcome = 'met';
    sentence = `Objective ${formatSpan(objective)} (${severity}): **met**, ${formatSpan(took)} from detection to restored, ${formatSpan(objective - took)} to spare${proof}.`;
  } else {
    outcome = 'missed';
    sentence = `Objective ${formatSpan(objective)} (${severity}): **missed by ${formatSpan(took - objective)}**, ${formatSpan(took)} from detection to restored${proof}.`;
  }
  const fromBad = formatDuration(firstBadAt, restoredAt);
  if (firstBadAt !== null && fromBad !== null)
    sentence += ` From the first bad sample (${when(firstBadAt)}) it was ${fromBad}, the span \`ripcord validate\` checks the policy's worst case against.`;
  return {
    severity,
    objective,
    detectedAt,
    restoredAt,
    took,
    outcome,
    firstBadAt,
    sentence,
  };
}

const MEASURE_TEXT: Record<RecoveryMeasure['outcome'], string> = {
  met: 'met',
  missed: 'missed',
  'not-restored': 'not restored',
  'no-objective': 'no objective',
};

export function renderIncidentReport(input: IncidentReportInput): string {
  const { state, incident } = input;
  const links: Links = { server: input.serverUrl.replace(/\/+$/, ''), repo: input.repo };
  const recovery = recoveryOf(state);
  const lines: string[] = [];
  const out = (...l: string[]): void => {
    lines.push(...l);
  };

  out(`# Incident #${incident.number}: ${headline(input)}`, '');
  out(`<!-- ripcord:incident-report incident=${incident.number} -->`, '');

  // Summary
  const ttd = formatDuration(state.bad.createdAt, state.openedAt);
  const ttr = formatDuration(state.openedAt, state.lastRollbackAt);
  const ttRecover = formatDuration(state.openedAt, recovery?.completedAt);
  out('## Summary', '');
  const sentence = [
    `On ${when(state.openedAt)}, Ripcord opened [incident #${incident.number}](${incident.url}) for **${escapeMarkdown(state.environment)}**: ${escapeMarkdown(state.reason.replace(/\.\s*$/, ''))}.`,
  ];
  // The rollback's reason defaults to the decision's summary: say it once.
  if (state.decision && state.decision.summary.trim() !== state.reason.trim()) {
    sentence.push(escapeMarkdown(state.decision.summary));
  }
  if (state.lastRollbackAt && state.target) {
    sentence.push(
      `${escapeMarkdown(state.target.ref)} was live again ${ttr ?? 'after an unknown time'} after detection.`,
    );
  }
  if (recovery?.completedAt && ttRecover) {
    sentence.push(`The change was fully recovered ${ttRecover} after detection.`);
  }
  out(sentence.join(' '), '');
  out('| | |', '|---|---|');
  out(`| Environment | ${cell(state.environment)} |`);
  out(`| Status | ${STATUS_TEXT[state.status]} |`);
  if (state.decision?.severity) out(`| Severity | ${state.decision.severity} |`);
  out(`| Strategy | ${cell(state.strategy ?? state.decision?.strategy)} |`);
  out(`| Rollback attempts | ${state.attempts} |`);
  out(`| Time to detect | ${ttd ?? '-'} |`);
  out(`| Time to roll back | ${ttr ?? '-'} |`);
  out(`| Time to recover | ${ttRecover ?? (recovery ? 'recovery not completed' : '-')} |`);
  if (state.dataLossWindow) {
    out(
      `| Data-loss window | ${formatDuration(state.dataLossWindow.from, state.dataLossWindow.to) ?? '-'} |`,
    );
  }
  const rto = input.recoveryTime ? measureRecovery(state, input.recoveryTime) : null;
  if (rto) {
    const objective = rto.objective === null ? '' : `, objective ${formatSpan(rto.objective)}`;
    const took = rto.took === null ? '-' : formatSpan(rto.took);
    const by =
      rto.outcome === 'missed' && rto.took !== null && rto.objective !== null
        ? ` by ${formatSpan(rto.took - rto.objective)}`
        : '';
    out(
      `| Recovery time (${rto.severity ?? 'no severity'}${objective}) | ${took}: ${MEASURE_TEXT[rto.outcome]}${by} |`,
    );
  }
  out('');
  if (rto) out(`**Recovery time.** ${rto.sentence}`, '');

  // Timeline
  out('## Timeline', '');
  const gantt = renderGantt(input, recovery);
  if (gantt) out(gantt, '');
  out('| Time (UTC) | Event |', '|---|---|');
  for (const e of timelineEvents(input, recovery)) out(`| ${when(e.at)} | ${e.what} |`);
  out('');
  out('| Measure | From | To | Duration |', '|---|---|---|---|');
  out(
    `| Time to detect | deploy ${when(state.bad.createdAt)} | detection ${when(state.openedAt)} | ${ttd ?? '-'} |`,
  );
  out(
    `| Time to roll back | detection ${when(state.openedAt)} | rollback done ${when(state.lastRollbackAt)} | ${ttr ?? '-'} |`,
  );
  out(
    `| Time to recover | detection ${when(state.openedAt)} | recovered ${when(recovery?.completedAt)} | ${ttRecover ?? '-'} |`,
  );
  if (rto) {
    out(
      `| Detection to restored | decision ${when(rto.detectedAt)} | restored ${when(rto.restoredAt)} | ${rto.took === null ? '-' : formatSpan(rto.took)} (${MEASURE_TEXT[rto.outcome]}${rto.objective === null ? '' : ` against ${formatSpan(rto.objective)}`}) |`,
    );
  }
  out('');

  // Trigger and evidence
  out('## Trigger and evidence', '');
  if (state.decision) {
    out(
      `Decision: **${state.decision.decision}**${state.decision.severity ? ` (${state.decision.severity})` : ''}; triggered by ${state.decision.triggered.length > 0 ? state.decision.triggered.map((t) => escapeMarkdown(t)).join(', ') : 'nothing (manual)'}.`,
    );
    if (state.decision.approval) out('', `Approval: ${escapeMarkdown(state.decision.approval)}.`);
    if (state.approval) out('', approvalLine(state.approval));
    out('');
  } else {
    out(`Rolled back by hand: ${escapeMarkdown(state.reason)}.`, '');
  }
  const evidence = [...(input.evidence ?? [])];
  // The readings that made the decision come first: later readings (recovery gates) say how
  // things are now, which is not why Ripcord acted.
  const atDecision = state.decision?.evidence ?? [];
  const evidenceRow = (v: {
    name: string;
    severity: string;
    status: Verdict['status'];
    valueText: string | null;
    threshold: string;
    since: string | null;
    reason: string;
  }): string =>
    `| ${cell(v.name)} | ${v.severity} | ${VERDICT_ICON[v.status]} | ${cell(v.valueText)} | ${cell(v.threshold)} | ${when(v.since)} | ${cell(v.reason)} |`;
  const evidenceHeader = [
    '| Trigger | Severity | Status | Value | Threshold | Since | Reason |',
    '|---|---|---|---|---|---|---|',
  ];
  if (atDecision.length > 0) {
    out(
      `Readings at the moment of decision${state.decision?.evaluatedAt ? ` (${when(state.decision.evaluatedAt)})` : ''}:`,
      '',
      ...evidenceHeader,
    );
    for (const v of atDecision) out(evidenceRow(v));
    out('');
  }
  if (evidence.length === 0) {
    if (atDecision.length === 0) out('_No trigger evidence was recorded with this report._', '');
  } else {
    if (atDecision.length > 0) out('Latest readings (when this report was written):', '');
    out(...evidenceHeader);
    for (const v of evidence) out(evidenceRow(v));
    out('');
    for (const v of evidence.filter((t) => t.status === 'breached')) {
      out(`### ${escapeMarkdown(v.name)}`, '');
      const chart = renderChart(v);
      if (chart) out(chart, '');
      // A code span shows HTML as text; a backtick or newline would end it, and the zero-width
      // space after @ costs nothing where mentions are inert and stops a ping where they are not.
      out(
        `Query (${escapeMarkdown(v.source)}): \`${v.query
          .replace(/`/g, "'")
          .replace(/\r?\n/g, ' ')
          .replace(/@/g, '@\u200b')}\``,
        '',
      );
    }
  }

  // Versions
  out('## Versions', '');
  out('| | Ref | Commit | Deployment | Deployed |', '|---|---|---|---|---|');
  out(
    `| Bad | ${cell(state.bad.ref)} | ${commitLink(links, state.bad.sha)} | ${state.bad.deploymentId} | ${when(state.bad.createdAt)} |`,
  );
  if (state.target) {
    out(
      `| Known-good (rolled back to) | ${cell(state.target.ref)} | ${commitLink(links, state.target.sha)} | ${state.target.deploymentId ?? '-'} | - |`,
    );
  } else {
    out('| Known-good | none chosen | - | - | - |');
  }
  if (state.rollbackDeploymentId !== null)
    out('', `Rollback deployment: ${state.rollbackDeploymentId}.`);
  if (state.target && isSha(state.bad.sha) && isSha(state.target.sha)) {
    const { owner, repo } = input.repo;
    out(
      '',
      `Changes rolled back: [${state.target.sha.slice(0, 12)}...${state.bad.sha.slice(0, 12)}](${links.server}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/compare/${state.target.sha}...${state.bad.sha}).`,
    );
  }
  out('');

  // Strategy and steps
  out('## Strategy and steps taken', '');
  out(`Strategy: **${cell(state.strategy)}**.`, '');
  if (state.steps.length === 0) {
    out('_No steps were recorded._', '');
  } else {
    out(
      '| # | Step | Strategy | Status | Started | Finished | Took | Detail |',
      '|---|---|---|---|---|---|---|---|',
    );
    state.steps.forEach((s, i) => {
      out(
        `| ${i + 1} | ${cell(s.name || s.id)} | ${cell(s.strategy)} | ${s.status} | ${when(s.startedAt)} | ${when(s.finishedAt)} | ${formatDuration(s.startedAt, s.finishedAt) ?? '-'} | ${cell(s.detail)} |`,
      );
    });
    out('');
  }

  // Verification
  out('## Verification', '');
  const recorded = state.verification;
  const checks = recorded ? [] : (input.verification ?? []);
  if (recorded) {
    out(...renderVerification(recorded));
  } else if (checks.length === 0) {
    out('_No verification results were recorded with this report._', '');
  } else {
    out('| Check | Kind | Result | Attempts | At | Detail |', '|---|---|---|---|---|---|');
    for (const c of checks) {
      out(
        `| ${cell(c.name)} | ${cell(c.kind)} | ${CHECK_ICON[c.status]} | ${c.attempts ?? '-'} | ${when(c.at)} | ${cell(c.detail)} |`,
      );
    }
    out('');
  }

  // Data loss
  if (state.dataLossWindow) {
    const { from, to } = state.dataLossWindow;
    out('## Data-loss window', '');
    out(
      `Data was restored to its state at ${when(from)}. Writes between **${when(from)}** and **${when(to)}** (${formatDuration(from, to) ?? '-'}) are not in the restored data: find them (logs, queues, the backup taken before the restore) and replay or reconcile them.`,
      '',
    );
  }

  // Recovery
  if (state.recovery !== null) {
    out('## Recovery', '');
    if (!recovery) {
      out(
        '_The recovery record has a shape this version of Ripcord does not read; see the incident issue._',
        '',
      );
    } else {
      out(
        `Status: ${cell(recovery.status ?? (recovery.completedAt ? 'completed' : 'in progress'))}.`,
        '',
      );
      const stages = recovery.stages ?? [];
      if (stages.length > 0) {
        out('| Stage | Status | Started | Finished | Took |', '|---|---|---|---|---|');
        stages.forEach((st, i) => {
          const end = st.finishedAt ?? st.completedAt;
          out(
            `| ${stageLabel(st, i)} | ${cell(st.status)} | ${when(st.startedAt)} | ${when(end)} | ${formatDuration(st.startedAt, end) ?? '-'} |`,
          );
        });
        out('');
      }
    }
  }

  // Analysis for people
  const todo = '_To be filled in._';
  out(RCA_HEADING, '');
  out(
    '<!-- Ripcord fills in the facts above; the sections below are for the people who handled the incident. -->',
    '',
  );
  out('### What happened and why', '', todo, '');
  out('### Contributing factors', '', todo, '');
  out('### What went well', '', todo, '');
  out('### What to improve', '', todo, '');
  out('### Action items', '');
  out(`- [ ] Find and fix the defect in ${escapeMarkdown(state.bad.ref)}`);
  out('- [ ] Add a test or check that would have caught it before deploy');
  if (state.dataLossWindow) out('- [ ] Reconcile the writes from the data-loss window');
  out('- [ ] Review the triggers and thresholds that detected it (earlier? fewer false alarms?)');
  out('');
  out('### Prevention', '', todo, '');
  out('---', '');
  out(
    `${GENERATED_PREFIX}${when(input.generatedAt)} from [incident #${incident.number}](${incident.url}) (record updated ${when(state.updatedAt)})._`,
  );
  return `${lines.join('\n')}\n`;
}

/** Who approved (or rejected) a comment-approved rollback, logins in code spans (no pings). */
function approvalLine(a: NonNullable<IncidentState['approval']>): string {
  const who = (list: readonly { login: string; at: string }[]): string =>
    list.map((p) => `\`${p.login.replace(/`/g, '')}\` (${p.at})`).join(', ');
  return `Approval rule ${escapeMarkdown(a.rule)}: ${a.status}, ${a.approvers.length} of ${a.required} approvals${a.approvers.length > 0 ? ` by ${who(a.approvers)}` : ''}${a.rejectedBy ? `; rejected by ${who([a.rejectedBy])}` : ''}; asked at ${a.requestedAt}.`;
}
