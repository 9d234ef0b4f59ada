/**
 * The incident's machine-readable state, kept in the incident issue body as one HTML comment
 * holding versioned JSON:
 *
 *   <!-- ripcord:state
 *   {"version": 1, ...}
 *   -->
 *
 * GitHub is the database, so this block is the row: it is validated on every read, and a block
 * that a person broke by hand is reported with what is wrong and how to fix it, never reset.
 * Any change to the shape bumps `version`; objects are strict so a typo in a hand edit is
 * caught instead of silently dropped on the next save.
 */
import { z } from 'zod';
import { escapeMarkdown } from '../shared/markdown.ts';

export const INCIDENT_STATE_VERSION = 1;

const timestamp = z.iso.datetime({ offset: true });

export const incidentStatusSchema = z.enum([
  /** A decision whose approval names a rule: waiting for `/ripcord approve` comments. */
  'awaiting-approval',
  'rolling-back',
  'rolled-back',
  'rollback-failed',
  'verification-failed',
  'recovering',
  'recovered',
  'closed',
]);
export type IncidentStatus = z.infer<typeof incidentStatusSchema>;

export const stepStatusSchema = z.enum(['pending', 'running', 'done', 'failed', 'skipped']);
export type StepStatus = z.infer<typeof stepStatusSchema>;

export const incidentStepSchema = z.strictObject({
  /** Stable across runs (e.g. `feature-flag:disable`) so a re-run finds what is already done. */
  id: z.string().min(1),
  strategy: z.string().min(1),
  name: z.string(),
  status: stepStatusSchema,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  detail: z.string().nullable(),
});
export type IncidentStep = z.infer<typeof incidentStepSchema>;

export const incidentRunSchema = z.strictObject({
  runId: z.string().min(1),
  attempt: z.number().int().min(1),
  startedAt: timestamp,
});
export type IncidentRun = z.infer<typeof incidentRunSchema>;

/** At most this many trigger readings are kept with the decision (the issue body is capped). */
export const MAX_EVIDENCE = 40;

/**
 * One trigger's reading at the moment of the decision: what the incident report shows as the
 * evidence. Kept in the state because a later reading (a recovery gate, a verify round) says
 * how things are now, not why Ripcord acted.
 */
export const decisionEvidenceSchema = z.strictObject({
  name: z.string(),
  severity: z.enum(['critical', 'warning']),
  status: z.enum(['breached', 'ok', 'inconclusive']),
  value: z.number().nullable(),
  valueText: z.string().nullable(),
  threshold: z.string(),
  since: z.string().nullable(),
  reason: z.string(),
});
export type DecisionEvidence = z.infer<typeof decisionEvidenceSchema>;

const decisionFlagSchema = z.strictObject({
  mode: z.enum(['immediate', 'gradual', 'components']),
  steps: z.array(z.number().int().min(0).max(100)).min(1).optional(),
  step_wait: z.number().int().min(0).optional(),
  components: z.array(z.string().min(1)).min(1).optional(),
});

const approverSchema = z.strictObject({
  login: z.string().min(1),
  at: timestamp,
  /** The comment that carried the command; null for a rollback run by hand. */
  commentId: z.number().int().nullable(),
});

export const approvalRecordSchema = z.strictObject({
  rule: z.string().min(1),
  required: z.number().int().min(1),
  requestedAt: timestamp,
  status: z.enum(['waiting', 'approved', 'rejected']),
  approvers: z.array(approverSchema).max(50),
  rejectedBy: approverSchema.nullable(),
});
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;
/** At most this many checks are kept with the verification (the issue body is capped). */
export const MAX_VERIFICATION_CHECKS = 40;

/**
 * The last verification of the incident (after the rollback, or of a deploy): each check's
 * outcome, value and time, as the report shows them. Kept in the state because the report is
 * written later, by another job (staged recovery, `ripcord close`), that never saw the rounds.
 */
export const verificationRecordSchema = z.strictObject({
  mode: z.enum(['after-deploy', 'after-rollback']),
  result: z.enum(['passed', 'failed', 'inconclusive']),
  reason: z.string(),
  startedAt: timestamp,
  finishedAt: timestamp,
  rounds: z.number().int().min(0),
  checks: z
    .array(
      z.strictObject({
        name: z.string(),
        type: z.string(),
        status: z.enum(['pass', 'fail', 'inconclusive']),
        detail: z.string(),
        value: z.number().nullable(),
        /** The value with its unit (`0.4%`, `120ms`). */
        valueText: z.string().nullable(),
        /** When the check gave its last result. */
        at: timestamp.nullable(),
        /** Rounds the check ran in. */
        attempts: z.number().int().min(0),
      }),
    )
    .max(MAX_VERIFICATION_CHECKS),
});
export type VerificationRecord = z.infer<typeof verificationRecordSchema>;

export const incidentStateSchema = z.strictObject({
  version: z.literal(INCIDENT_STATE_VERSION),
  environment: z.string().min(1),
  status: incidentStatusSchema,
  openedAt: timestamp,
  updatedAt: timestamp,
  reason: z.string(),
  decision: z
    .strictObject({
      decision: z.enum(['rollback', 'warn', 'hold', 'none']),
      severity: z.enum(['critical', 'warning']).nullable(),
      strategy: z.string().nullable(),
      approval: z.string().nullable(),
      triggered: z.array(z.string()),
      summary: z.string(),
      /** When the decision was taken, and what each trigger read then: the report's evidence. */
      evaluatedAt: timestamp.optional(),
      evidence: z.array(decisionEvidenceSchema).max(MAX_EVIDENCE).optional(),
      /** The row's way of switching the flag, kept so an approved rollback runs it as decided. */
      flag: decisionFlagSchema.optional(),
    })
    .optional(),
  /**
   * The comment approval the decision asked for (rollback.approvals): the rule, when it was
   * asked (GitHub's time of Ripcord's request comment: only later comments count) and how it
   * ended. Absent on incidents that needed none.
   */
  approval: approvalRecordSchema.optional(),
  bad: z.strictObject({
    deploymentId: z.number().int(),
    ref: z.string(),
    sha: z.string(),
    createdAt: timestamp,
  }),
  target: z
    .strictObject({
      deploymentId: z.number().int().nullable(),
      ref: z.string(),
      sha: z.string(),
    })
    .nullable(),
  rollbackDeploymentId: z.number().int().nullable(),
  strategy: z.string().nullable(),
  attempts: z.number().int().min(0),
  lastRollbackAt: timestamp.nullable(),
  runs: z.array(incidentRunSchema),
  steps: z.array(incidentStepSchema),
  dataLossWindow: z.strictObject({ from: timestamp, to: timestamp }).nullable(),
  /** Reserved for staged recovery, which owns its shape. */
  recovery: z.record(z.string(), z.unknown()).nullable(),
  /** Optional so records written before it was kept still read. */
  verification: verificationRecordSchema.optional(),
});
export type IncidentState = z.infer<typeof incidentStateSchema>;

export type ExtractResult = { state: IncidentState } | { error: string } | { absent: true };

const OPEN = '<!-- ripcord:state';
const CLOSE = '-->';
const OPEN_PATTERN = /<!--\s*ripcord:state\b/g;
const SUMMARY_START =
  '<!-- ripcord:summary (generated from the state block; edits here are replaced) -->';
const SUMMARY_START_PATTERN = /<!--\s*ripcord:summary\b[^>]*-->/g;
const SUMMARY_END = '<!-- /ripcord:summary -->';
const SUMMARY_END_PATTERN = /<!--\s*\/ripcord:summary\s*-->/g;

const FIX =
  'Fix it by hand, or restore the block from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.';

/** Where a zod issue points, as a reader would write it: `steps[2].status`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(the whole block)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function validationProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * The block as written into the issue. `<`, `>` and `&` inside strings become JSON escapes so
 * no reason or detail can end the comment (`-->`) or open HTML; JSON.parse undoes them.
 */
export function renderStateBlock(state: IncidentState): string {
  const checked = incidentStateSchema.safeParse(state);
  if (!checked.success) {
    throw new Error(
      `Refusing to write an invalid incident state: ${validationProblems(checked.error).join('; ')}`,
    );
  }
  const json = JSON.stringify(checked.data, null, 2).replace(
    /[<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${OPEN}\n${json}\n${CLOSE}`;
}

interface BlockSpan {
  start: number;
  end: number;
  inner: string;
}

type Located = { span: BlockSpan } | { error: string } | { absent: true };

function locateBlock(body: string): Located {
  const opens = [...body.matchAll(OPEN_PATTERN)];
  const [first] = opens;
  if (first === undefined) return { absent: true };
  if (opens.length > 1) {
    return {
      error:
        `The incident issue body has ${opens.length} Ripcord state blocks ("${OPEN}"); it must have exactly one. ` +
        'Keep the current one and delete the others, or restore the body from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.',
    };
  }
  const innerStart = first.index + first[0].length;
  const close = body.indexOf(CLOSE, innerStart);
  if (close < 0) {
    return {
      error: `The Ripcord state block in the incident issue body is not closed: "${CLOSE}" is missing after "${OPEN}". ${FIX}`,
    };
  }
  return {
    span: { start: first.index, end: close + CLOSE.length, inner: body.slice(innerStart, close) },
  };
}

/** Parses the block's JSON and checks it against the schema; every failure says how to fix it. */
export function parseStateJson(text: string): { state: IncidentState } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { error: `The Ripcord state block is not valid JSON (${why}). ${FIX}` };
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'version' in raw) {
    const version = raw.version;
    if (typeof version === 'number' && version > INCIDENT_STATE_VERSION) {
      return {
        error:
          `The Ripcord state block has version ${version}: it was written by a newer Ripcord ` +
          `than this one, which reads version ${INCIDENT_STATE_VERSION}. ` +
          'Upgrade the Ripcord actions this workflow uses to the version that wrote it; do not edit the block.',
      };
    }
  }
  const parsed = incidentStateSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = validationProblems(parsed.error);
    return {
      error: `The Ripcord state block does not match state version ${INCIDENT_STATE_VERSION}: ${problems.join('; ')}. ${FIX}`,
    };
  }
  return { state: parsed.data };
}

export function extractStateBlock(body: string): ExtractResult {
  const located = locateBlock(body);
  if (!('span' in located)) return located;
  return parseStateJson(located.span.inner);
}

/**
 * Swaps the state block for a new one and leaves every other character of the body as it was
 * (people write in incident issues). A body without a block gets one appended.
 */
export function replaceStateBlock(body: string, state: IncidentState): string {
  const block = renderStateBlock(state);
  const located = locateBlock(body);
  if ('absent' in located) {
    return body === '' ? block : `${body.replace(/\s*$/, '')}\n\n${block}\n`;
  }
  // Which of several blocks is current, or where an unclosed one ends, cannot be known:
  // writing anyway would lose or duplicate state.
  if ('error' in located) throw new Error(located.error);
  return body.slice(0, located.span.start) + block + body.slice(located.span.end);
}

function describeVersion(v: { ref: string; sha: string; deploymentId: number | null }): string {
  const parts = [escapeMarkdown(v.ref)];
  if (v.sha !== '') parts.push(`@ ${escapeMarkdown(v.sha.slice(0, 12))}`);
  if (v.deploymentId !== null) parts.push(`(deployment ${v.deploymentId})`);
  return parts.join(' ');
}

const STATUS_TEXT: Record<IncidentStatus, string> = {
  'awaiting-approval': 'Waiting for approval',
  'rolling-back': 'Rolling back',
  'rolled-back': 'Rolled back',
  'rollback-failed': 'Rollback failed',
  'verification-failed': 'Rollback done, verification failed',
  recovering: 'Recovering in stages',
  recovered: 'Recovered',
  closed: 'Closed',
};

/** The facts a person scans first, rebuilt from the state on every save. Untrusted text escaped. */
export function renderStateSummary(state: IncidentState): string {
  const cell = (text: string | null | undefined): string =>
    text === null || text === undefined || text === '' ? '-' : escapeMarkdown(text);
  const rows: Array<[string, string]> = [
    ['Environment', cell(state.environment)],
    ['Status', STATUS_TEXT[state.status]],
    ['Reason', cell(state.reason)],
    ['Bad version', describeVersion(state.bad)],
    ['Target version', state.target ? describeVersion(state.target) : 'not chosen yet'],
    ['Strategy', cell(state.strategy)],
    ['Rollback attempts', String(state.attempts)],
    ['Opened', cell(state.openedAt)],
    ['Updated', cell(state.updatedAt)],
  ];
  if (state.rollbackDeploymentId !== null) {
    rows.push(['Rollback deployment', String(state.rollbackDeploymentId)]);
  }
  if (state.dataLossWindow) {
    rows.push([
      'Data-loss window',
      `${cell(state.dataLossWindow.from)} to ${cell(state.dataLossWindow.to)}`,
    ]);
  }
  if (state.decision) rows.push(['Decision', cell(state.decision.summary)]);
  if (state.approval) {
    const a = state.approval;
    const who = (list: readonly { login: string }[]): string =>
      list.map((p) => `\`${p.login.replace(/`/g, '')}\``).join(', ');
    rows.push([
      'Approval',
      `${cell(a.rule)}: ${a.status}, ${a.approvers.length} of ${a.required}${a.approvers.length > 0 ? ` (${who(a.approvers)})` : ''}${a.rejectedBy ? `; rejected by ${who([a.rejectedBy])}` : ''}`,
    ]);
  }
  const lines = ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
  if (state.steps.length > 0) {
    lines.push(
      '',
      '| Step | Strategy | Status | Started | Finished | Detail |',
      '|---|---|---|---|---|---|',
      ...state.steps.map(
        (s) =>
          `| ${cell(s.name || s.id)} | ${cell(s.strategy)} | ${s.status} | ${cell(s.startedAt)} | ${cell(s.finishedAt)} | ${cell(s.detail)} |`,
      ),
    );
  }
  return lines.join('\n');
}

/**
 * The whole issue body: the caller's summary (Markdown the caller built; it must already have
 * escaped what it quotes), the generated facts, and the state block.
 */
export function renderIncidentBody(state: IncidentState, summaryMarkdown: string): string {
  const intro = summaryMarkdown.trim();
  return [
    ...(intro === '' ? [] : [intro, '']),
    SUMMARY_START,
    renderStateSummary(state),
    SUMMARY_END,
    '',
    renderStateBlock(state),
    '',
  ].join('\n');
}

/**
 * What a save writes: the new state block, and the generated facts between their markers
 * rebuilt so they do not go stale. Text outside both is kept byte for byte; a body whose
 * markers were removed or duplicated by hand keeps its text and only gets the new block.
 */
export function refreshIncidentBody(body: string, state: IncidentState): string {
  const withBlock = replaceStateBlock(body, state);
  const starts = [...withBlock.matchAll(SUMMARY_START_PATTERN)];
  const ends = [...withBlock.matchAll(SUMMARY_END_PATTERN)];
  const start = starts[0];
  const end = ends[0];
  if (starts.length !== 1 || ends.length !== 1 || !start || !end || end.index < start.index) {
    return withBlock;
  }
  return (
    withBlock.slice(0, start.index + start[0].length) +
    `\n${renderStateSummary(state)}\n` +
    withBlock.slice(end.index)
  );
}

function iso(at: Date | number | string): string {
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a time: ${String(at)}`);
  return date.toISOString();
}

export function withStatus(
  state: IncidentState,
  status: IncidentStatus,
  at: Date | number | string,
): IncidentState {
  return { ...state, status, updatedAt: iso(at) };
}

/**
 * Adds steps that are not recorded yet (by id) as pending, keeping recorded ones as they are,
 * so planning the same strategy again in a re-run does not forget what already happened.
 */
export function planSteps(
  state: IncidentState,
  steps: ReadonlyArray<{ id: string; strategy: string; name: string }>,
  at: Date | number | string,
): IncidentState {
  const known = new Set(state.steps.map((s) => s.id));
  const added: IncidentStep[] = [];
  for (const s of steps) {
    if (known.has(s.id)) continue;
    known.add(s.id);
    added.push({ ...s, status: 'pending', startedAt: null, finishedAt: null, detail: null });
  }
  if (added.length === 0) return state;
  return { ...state, steps: [...state.steps, ...added], updatedAt: iso(at) };
}

/**
 * Records a step's progress. `running` (re)starts its clock; `done`, `failed` and `skipped`
 * stop it; `pending` clears both. Unknown ids throw: a step must be planned before it runs,
 * otherwise the record would not say which strategy it belonged to.
 */
export function markStep(
  state: IncidentState,
  stepId: string,
  status: StepStatus,
  detail: string | null,
  at: Date | number | string,
): IncidentState {
  const when = iso(at);
  const index = state.steps.findIndex((s) => s.id === stepId);
  const step = state.steps[index];
  if (!step) {
    throw new Error(
      `Incident step "${stepId}" is not in the incident state (known: ${state.steps.map((s) => s.id).join(', ') || 'none'}); plan it with planSteps first.`,
    );
  }
  const updated: IncidentStep =
    status === 'pending'
      ? { ...step, status, startedAt: null, finishedAt: null, detail }
      : status === 'running'
        ? { ...step, status, startedAt: when, finishedAt: null, detail }
        : { ...step, status, startedAt: step.startedAt ?? when, finishedAt: when, detail };
  const steps = [...state.steps];
  steps[index] = updated;
  return { ...state, steps, updatedAt: when };
}

export function hasRun(state: IncidentState, runId: string, attempt: number): boolean {
  return state.runs.some((r) => r.runId === runId && r.attempt === attempt);
}

/** Idempotent: a run attempt already recorded leaves the state unchanged (same object). */
export function addRun(
  state: IncidentState,
  runId: string,
  attempt: number,
  at: Date | number | string,
): IncidentState {
  if (hasRun(state, runId, attempt)) return state;
  const when = iso(at);
  return {
    ...state,
    runs: [...state.runs, { runId, attempt, startedAt: when }],
    updatedAt: when,
  };
}

/** Equal as stored: key order and absent optional fields do not matter. */
export function sameState(a: IncidentState, b: IncidentState): boolean {
  const canonical = (s: IncidentState): string => JSON.stringify(incidentStateSchema.parse(s));
  return canonical(a) === canonical(b);
}
