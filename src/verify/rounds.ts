/**
 * The verify use-case: run the checks round after round under the timing state machine, then
 * record the outcome in GitHub (a deployment status, a comment on the incident, the incident
 * marked verification-failed after a failed rollback) and say what comes next: a rollback
 * after a failed deploy, the next rung of the ladder after a failed rollback.
 */
import { formatDuration } from '../policy/duration.ts';
import { formatElapsed } from '../shared/time-format.ts';
import { MAX_VERIFICATION_CHECKS, withStatus, type VerificationRecord } from '../incident/state.ts';
import { mayMove } from '../incident/lifecycle.ts';
import type { Logger } from '../shared/logger.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { RollbackPolicy } from '../policy/schema-rollback.ts';
import type { VerifyCheck } from '../policy/schema-verify.ts';
import {
  nextAction,
  recordRound,
  roundOutcome,
  startTiming,
  type RoundOutcome,
  type VerifyResult,
  type VerifyTiming,
} from './timing.ts';
import type { DeploymentState, DeploymentStore } from '../github/deployments.ts';
import type { IncidentRecord, IncidentStore } from '../incident/store.ts';
import { ladderFrom, STRATEGIES, type StrategyName } from '../rollback/plan.ts';
import { runChecksOnce, type CheckContext, type CheckResult, type CheckStatus } from './checks.ts';

export type VerifyMode = 'after-deploy' | 'after-rollback';
export const VERIFY_MODES: readonly VerifyMode[] = ['after-deploy', 'after-rollback'];

export interface CheckReport {
  name: string;
  type: VerifyCheck['type'];
  /** The check's status in the last round. */
  status: CheckStatus;
  detail: string;
  /** The last round's value with its unit, and when that round ran (unix ms). */
  valueText: string | null;
  at: number | null;
  history: { at: number; status: CheckStatus; value: number | null }[];
}

export interface VerifyOutcome {
  result: VerifyResult;
  reason: string;
  rounds: RoundOutcome[];
  checks: CheckReport[];
  startedAt: number;
  finishedAt: number;
}

export interface VerifyLoopOptions {
  checks: readonly VerifyCheck[];
  timing: VerifyTiming;
  ctx: CheckContext;
  sleep: (ms: number) => Promise<void>;
  onRound?: (round: number, results: CheckResult[], outcome: RoundOutcome) => void;
}

/** Rounds of runChecksOnce until the timing machine says the outcome is certain. */
export async function verifyChecks(opts: VerifyLoopOptions): Promise<VerifyOutcome> {
  const { ctx } = opts;
  const startedAt = ctx.now();
  let state = startTiming(opts.timing, startedAt);
  const reports = new Map<string, CheckReport>(
    opts.checks.map((c) => [
      c.name,
      {
        name: c.name,
        type: c.type,
        status: 'inconclusive',
        detail: 'not run',
        valueText: null,
        at: null,
        history: [],
      },
    ]),
  );
  for (;;) {
    const action = nextAction(state, ctx.now());
    if (action.kind === 'done') {
      return {
        result: action.result,
        reason: action.reason,
        rounds: state.rounds,
        checks: [...reports.values()],
        startedAt,
        finishedAt: ctx.now(),
      };
    }
    if (action.kind === 'wait') {
      await opts.sleep(action.ms);
      continue;
    }
    const roundStart = ctx.now();
    const results = await runChecksOnce(opts.checks, ctx);
    for (const r of results) {
      const report = reports.get(r.name);
      if (!report) continue;
      report.status = r.status;
      report.detail = r.detail;
      report.valueText = r.valueText;
      report.at = r.at;
      report.history.push({ at: r.at, status: r.status, value: r.value });
    }
    const outcome = roundOutcome(results.map((r) => r.status));
    opts.onRound?.(state.rounds.length + 1, results, outcome);
    state = recordRound(state, outcome, roundStart, ctx.now());
  }
}

// ---------------------------------------------------------------------------------------------
// Recording the outcome

export interface RecordInput {
  mode: VerifyMode;
  environment: string;
  outcome: VerifyOutcome;
  /** The deployment to put the status on, when known. */
  deploymentId: number | null;
  incident: IncidentRecord | null;
  rollback: RollbackPolicy;
  escalate: boolean;
  runUrl: string | null;
  /**
   * The environment has no recovery section: a passed verification after the rollback is the
   * end of the incident (closed, report proposed), since no staged recovery will come to end it.
   */
  resolveOnPass?: boolean;
}

export interface RecordDeps {
  deployments: DeploymentStore;
  incidents: IncidentStore;
  now: () => number;
  logger: Logger;
}

export interface RecordResult {
  rollbackRecommended: boolean;
  escalate: boolean;
  nextStrategy: StrategyName | null;
  /** What happened next, in one sentence. */
  next: string;
  /** This verification resolved (closed) the incident: the caller proposes the report. */
  resolved: boolean;
}

const DEPLOYMENT_STATE: Record<VerifyResult, DeploymentState> = {
  passed: 'success',
  failed: 'failure',
  // GitHub's `error` says "could not tell", which is what inconclusive means; never success.
  inconclusive: 'error',
};

export async function recordVerification(
  input: RecordInput,
  deps: RecordDeps,
): Promise<RecordResult> {
  const { outcome, mode, incident } = input;
  const failed = outcome.result === 'failed';
  let nextStrategy: StrategyName | null = null;
  if (failed && mode === 'after-rollback' && input.escalate && incident) {
    const ran = incident.state.strategy;
    if (ran !== null && (STRATEGIES as readonly string[]).includes(ran)) {
      nextStrategy = ladderFrom(ran as StrategyName, input.rollback)[1] ?? null;
    }
  }
  const result: RecordResult = {
    rollbackRecommended: failed && mode === 'after-deploy',
    escalate: nextStrategy !== null,
    nextStrategy,
    next: nextSentence(input, nextStrategy),
    resolved: false,
  };

  if (input.deploymentId !== null) {
    await deps.deployments.setStatus(
      input.deploymentId,
      DEPLOYMENT_STATE[outcome.result],
      `Verification ${outcome.result} (${mode}): ${oneLine(outcome.reason)}`,
      {
        ...(input.runUrl === null ? {} : { logUrl: input.runUrl }),
        // A passed rollback must not make the bad deployment look inactive-after-success.
        autoInactive: false,
      },
    );
  } else {
    deps.logger.warning(
      'no deployment to record the verification on; pass deployment-id, or run after a rollback with an incident',
    );
  }

  if (incident) {
    // The rounds may have taken half an hour: build on the record as it is now, not as read.
    const current = await deps.incidents.get(incident.number);
    const from = current.state.status;
    const passed = outcome.result === 'passed' && mode === 'after-rollback';
    // Which move, if any, is the lifecycle table's (src/incident/lifecycle.ts).
    const to =
      failed && mode === 'after-rollback'
        ? 'verification-failed'
        : passed && input.resolveOnPass
          ? 'closed'
          : passed
            ? 'rolled-back'
            : null;
    const move = to !== null && to !== from && mayMove(from, to, 'verify') ? to : null;
    if (move === 'closed') {
      result.resolved = true;
      result.next =
        'The rollback is verified and the environment has no staged recovery: the incident is resolved and closed.';
    }
    // The checks go into the record whatever the move: the report, written later by another
    // job, shows them.
    const recorded = { ...current.state, verification: verificationRecord(input) };
    await deps.incidents.save(
      current,
      move !== null
        ? withStatus(recorded, move, deps.now())
        : { ...recorded, updatedAt: new Date(deps.now()).toISOString() },
    );
    if (move === null && to !== null && to !== from) {
      deps.logger.warning(
        `incident #${incident.number} is ${from}; a verification ${outcome.result} after the rollback does not move it to ${to}`,
      );
    }
    await deps.incidents.comment(incident.number, renderIncidentComment(input, result));
    if (move === 'closed') await deps.incidents.close(incident.number, 'completed');
  }
  return result;
}

/** What the incident keeps of a verification: the last result of each check, with its unit. */
export function verificationRecord(
  input: Pick<RecordInput, 'mode' | 'outcome'>,
): VerificationRecord {
  const o = input.outcome;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    mode: input.mode,
    result: o.result,
    reason: clip(o.reason, 500),
    startedAt: iso(o.startedAt),
    finishedAt: iso(o.finishedAt),
    rounds: o.rounds.length,
    checks: o.checks.slice(0, MAX_VERIFICATION_CHECKS).map((c) => ({
      name: clip(c.name, 100),
      type: c.type,
      status: c.status,
      detail: clip(c.detail, 300),
      value: finite(c.history.at(-1)?.value),
      valueText: c.valueText === null ? null : clip(c.valueText, 40),
      at: c.at === null ? null : iso(c.at),
      attempts: c.history.length,
    })),
  };
}

function finite(v: number | null | undefined): number | null {
  return v !== null && v !== undefined && Number.isFinite(v) ? v : null;
}

/** The issue body is capped at 65,536 characters: a long detail is cut, not the save refused. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function nextSentence(input: RecordInput, nextStrategy: StrategyName | null): string {
  const { outcome, mode } = input;
  if (outcome.result === 'passed')
    return mode === 'after-rollback' ? 'The rollback is verified.' : 'The deploy is verified.';
  if (outcome.result === 'inconclusive')
    return 'Nothing was decided automatically: look at the checks, then verify again or act by hand.';
  if (mode === 'after-deploy') return 'A rollback is recommended.';
  if (nextStrategy) return `Escalating: the next strategy of the ladder is ${nextStrategy}.`;
  return 'The incident is marked verification-failed; no further strategy is allowed by the policy, so a person has to act.';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const ICON: Record<CheckStatus, string> = { pass: '✅', fail: '❌', inconclusive: '❔' };
const HEADLINE: Record<VerifyResult, string> = {
  passed: '✅ Verification passed',
  failed: '❌ Verification failed',
  inconclusive: '❔ Verification inconclusive',
};

function renderIncidentComment(input: RecordInput, result: RecordResult): string {
  const o = input.outcome;
  const lines = [
    `### ${HEADLINE[o.result]} (${input.mode})`,
    '',
    `${escapeMarkdown(o.reason)}. ${escapeMarkdown(result.next)}`,
    '',
    '| Check | Result | Detail |',
    '| --- | --- | --- |',
    ...o.checks.map(
      (c) =>
        `| ${escapeMarkdown(c.name)} | ${ICON[c.status]} ${c.status} | ${escapeMarkdown(c.detail)} |`,
    ),
    '',
    `${o.rounds.length} round${o.rounds.length === 1 ? '' : 's'} in ${formatElapsed(o.finishedAt - o.startedAt)}${input.runUrl ? ` ([run](${input.runUrl}))` : ''}.`,
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Job summary

const BARS = '▁▂▃▄▅▆▇█';

/** Values as block characters scaled between their min and max; a gap for no value. */
export function sparkline(values: readonly (number | null)[]): string {
  const numbers = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (numbers.length === 0) return values.map(() => '·').join('');
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return '·';
      if (max === min) return BARS[3];
      return BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))];
    })
    .join('');
}

export interface VerifySummaryExtras {
  incident?: { number: number; url: string } | null;
  /** Metric checks linked to their metric in the source's own UI. */
  links?: { name: string; link: string }[];
}

export function renderVerifySummary(
  environment: string,
  mode: VerifyMode,
  outcome: VerifyOutcome,
  record: RecordResult | null,
  extras: VerifySummaryExtras = {},
): string {
  const lines = [
    `## ${HEADLINE[outcome.result]}: ${escapeMarkdown(environment)} (${mode})`,
    '',
    `**Why:** ${escapeMarkdown(outcome.reason)}.${record ? ` ${escapeMarkdown(record.next)}` : ''}`,
    '',
    '| Check | Type | Result | History | Value | Last |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of outcome.checks) {
    const marks = c.history.map((h) => ICON[h.status]).join('');
    const spark = sparkline(c.history.map((h) => h.value));
    lines.push(
      `| ${escapeMarkdown(c.name)} | ${c.type} | ${ICON[c.status]} ${c.status} | \`${spark}\` ${marks} | ${escapeMarkdown(c.valueText ?? '—')} | ${escapeMarkdown(c.detail)} |`,
    );
  }
  lines.push(
    '',
    roundsText(
      outcome.rounds.map((r) => ICON[r]),
      outcome.finishedAt - outcome.startedAt,
    ),
    '',
    ...verifyNextSteps(environment, outcome, extras),
  );
  return lines.join('\n') + '\n';
}

/** What a person does after this verification: the summary never ends on the verdict alone. */
function verifyNextSteps(
  environment: string,
  outcome: VerifyOutcome,
  extras: VerifySummaryExtras,
): string[] {
  const env = escapeMarkdown(environment);
  const steps = ['### What to do next', ''];
  if (extras.incident)
    steps.push(`- Follow [incident #${extras.incident.number}](${extras.incident.url}).`);
  if (outcome.result === 'passed') steps.push('- Nothing: every check passed.');
  else
    steps.push(
      `- Look at the failing checks above; to roll back (again) by hand, run the rollback workflow (workflow_dispatch) for ${env}.`,
      `- If a run died holding the lock: \`ripcord status --environment ${env}\`, then \`ripcord unlock --environment ${env} --reason "..."\`.`,
    );
  for (const l of extras.links ?? [])
    steps.push(`- See ${escapeMarkdown(l.name)} where it is measured: ${l.link}.`);
  return steps;
}

/** "3 rounds (✅✅✅) over 2.0 s": a count, the marks, and the time in a unit a person reads. */
export function roundsText(marks: string[], elapsedMs: number): string {
  if (marks.length === 0) return 'No round ran.';
  const count = `${marks.length} round${marks.length === 1 ? '' : 's'}`;
  const elapsed =
    elapsedMs < 60_000
      ? `${(elapsedMs / 1000).toFixed(1)} s`
      : formatDuration(Math.round(elapsedMs / 1000) * 1000);
  return `${count} (${marks.join('')}) over ${elapsed}.`;
}

/** The `checks` output: per-check results as JSON. */
export function checksOutput(outcome: VerifyOutcome): string {
  return JSON.stringify(
    outcome.checks.map((c) => ({
      name: c.name,
      type: c.type,
      status: c.status,
      detail: c.detail,
      history: c.history.map((h) => ({
        at: new Date(h.at).toISOString(),
        status: h.status,
        value: h.value,
      })),
    })),
  );
}
