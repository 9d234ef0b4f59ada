/**
 * The staged-recovery state machine, pure: `(plan, state, event, now) -> {state, effects}`.
 * Scheduled runs come late, twice or not at all, so every decision is computed from the
 * timestamps recorded in the state, never from how many runs there were. The caller applies
 * the effects (flag, incident, comments) and then stores the new state; a transition that
 * returns `changed: false` needs no write and therefore no lock.
 *
 * The state lives in the incident's `recovery` block, validated with its own versioned schema,
 * so a hand edit that breaks it is reported instead of silently restarting the rollout.
 */
import { z } from 'zod';
import type { RecoveryPolicy } from '../policy/schema-recovery.ts';
import { plural } from '../shared/plural.ts';
import { formatUtc } from '../shared/time-format.ts';

export const RECOVERY_STATE_VERSION = 1;
const HISTORY_LIMIT = 40;

const timestamp = z.iso.datetime({ offset: true });

export const gateResultSchema = z.enum(['healthy', 'regressed', 'inconclusive']);
export type GateResult = z.infer<typeof gateResultSchema>;

export const recoveryStatusSchema = z.enum([
  /** Not started yet (the incident was only rolled back). */
  'pending',
  /** A stage is live: its dwell runs, then its gates are read. */
  'running',
  /** auto_proceed is off: waiting for someone to run `proceed`. */
  'awaiting-approval',
  /** The last attempt regressed and was rolled back; the next starts at `nextAttemptAt`. */
  'backoff',
  'recovered',
  'aborted',
]);
export type RecoveryStatus = z.infer<typeof recoveryStatusSchema>;

export const recoveryStateSchema = z.strictObject({
  version: z.literal(RECOVERY_STATE_VERSION),
  status: recoveryStatusSchema,
  /** Index into the policy's stages; -1 before the first stage of an attempt. */
  stage: z.number().int().min(-1),
  /** The percentage live now (0 when rolled back). */
  percent: z.number().int().min(0).max(100),
  attempt: z.number().int().min(1),
  /** When the current stage's percentage went live: its dwell counts from here. */
  stageStartedAt: timestamp.nullable(),
  nextAttemptAt: timestamp.nullable(),
  lastGate: z
    .strictObject({ at: timestamp, result: gateResultSchema, detail: z.string() })
    .nullable(),
  abortReason: z.string().nullable(),
  updatedAt: timestamp,
  history: z.array(
    z.strictObject({
      at: timestamp,
      event: z.string(),
      attempt: z.number().int(),
      stage: z.number().int(),
      percent: z.number().int(),
      detail: z.string(),
    }),
  ),
});
export type RecoveryState = z.infer<typeof recoveryStateSchema>;

/** The policy as the machine needs it (durations in ms). */
export interface RecoveryPlan {
  stages: readonly { percent: number; dwell: number }[];
  autoProceed: boolean;
  maxAttempts: number;
  backoff: { base: number; max: number };
}

export function planOf(policy: RecoveryPolicy): RecoveryPlan {
  return {
    stages: policy.stages,
    autoProceed: policy.auto_proceed,
    maxAttempts: policy.max_attempts,
    backoff: policy.backoff,
  };
}

export type RecoveryEvent =
  /** `gates` null: the caller has not read them (yet); the machine asks when it needs them. */
  | { type: 'tick'; gates: GateResult | null; detail?: string }
  | { type: 'proceed'; actor: string; gates: GateResult | null; detail?: string }
  | { type: 'abort'; actor: string; reason?: string }
  | { type: 'status' };

export type NotifyEvent = 'recovery.stage' | 'recovery.completed' | 'recovery.aborted';

export type WaitReason = 'dwell' | 'backoff' | 'approval' | 'gates';

export type RecoveryEffect =
  | { type: 'setPercent'; percent: number; stage: number }
  /** Back to 0%: the flag off and its rollout at 0 (or the command with RIPCORD_PERCENT=0). */
  | { type: 'rollbackAgain'; reason: string }
  | { type: 'markRecovered' }
  | { type: 'notify'; event: NotifyEvent; message: string }
  /** The gates of the current stage must be read before the machine can decide. */
  | { type: 'evaluateGates' }
  /** Nothing more to do until `until` (null: the next run, whenever it comes). */
  | { type: 'wait'; until: string | null; reason: WaitReason };

export interface Transition {
  state: RecoveryState;
  effects: RecoveryEffect[];
  /** False when the state is the one passed in: nothing to write, no lock needed. */
  changed: boolean;
  /** One sentence for people: what happened or why nothing did. */
  message: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function initialRecoveryState(now: number): RecoveryState {
  return {
    version: RECOVERY_STATE_VERSION,
    status: 'pending',
    stage: -1,
    percent: 0,
    attempt: 1,
    stageStartedAt: null,
    nextAttemptAt: null,
    lastGate: null,
    abortReason: null,
    updatedAt: iso(now),
    history: [],
  };
}

export function isTerminal(state: RecoveryState): boolean {
  return state.status === 'recovered' || state.status === 'aborted';
}

/** Wait before attempt n+1 after attempt n regressed: base * 2^(n-1), capped. */
export function backoffDelay(plan: RecoveryPlan, failedAttempt: number): number {
  const exponent = Math.max(0, failedAttempt - 1);
  // 2^exponent overflows to Infinity long after it passed any sane max; min() keeps it finite.
  return Math.min(plan.backoff.base * 2 ** Math.min(exponent, 52), plan.backoff.max);
}

/** When the current stage's dwell ends, or null when no stage is live. */
export function dwellEndsAt(plan: RecoveryPlan, state: RecoveryState): number | null {
  const stage = plan.stages[state.stage];
  if (!stage || state.stageStartedAt === null) return null;
  return Date.parse(state.stageStartedAt) + stage.dwell;
}

export function transition(
  plan: RecoveryPlan,
  state: RecoveryState,
  event: RecoveryEvent,
  now: number,
): Transition {
  checkPlan(plan);
  if (state.stage >= plan.stages.length) {
    throw new RangeError(
      `the recovery state is at stage ${state.stage + 1} but the policy has ${plural(plan.stages.length, 'stage')}; the stages changed during the recovery`,
    );
  }
  switch (event.type) {
    case 'status':
      return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
    case 'abort':
      return abort(plan, state, event, now);
    case 'proceed':
      return proceed(plan, state, event, now);
    case 'tick':
      return tick(plan, state, event, now);
  }
}

function tick(
  plan: RecoveryPlan,
  state: RecoveryState,
  event: Extract<RecoveryEvent, { type: 'tick' }>,
  now: number,
): Transition {
  switch (state.status) {
    case 'recovered':
    case 'aborted':
      return unchanged(state, describe(plan, state, now), []);
    case 'pending':
      return plan.autoProceed
        ? startAttempt(plan, state, now, 'start')
        : awaitApproval(plan, state, now, 'recovery is ready to start');
    case 'backoff': {
      const at = state.nextAttemptAt === null ? now : Date.parse(state.nextAttemptAt);
      if (now < at) return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
      return plan.autoProceed
        ? startAttempt(plan, state, now, 'retry')
        : awaitApproval(plan, state, now, `attempt ${state.attempt} is ready to start`);
    }
    case 'running':
    case 'awaiting-approval': {
      if (state.stage < 0) {
        // Awaiting approval before the first stage: nothing is live, so nothing to gate; a
        // policy switched to auto_proceed since then starts it.
        if (plan.autoProceed) return startAttempt(plan, state, now, 'start');
        return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
      }
      const ends = dwellEndsAt(plan, state) ?? now;
      if (now < ends)
        return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
      if (event.gates === null) {
        return unchanged(state, `stage ${state.stage + 1} dwell is over: reading its gates`, [
          { type: 'evaluateGates' },
        ]);
      }
      return judge(plan, state, event.gates, event.detail ?? '', now, true);
    }
  }
}

/** The gates of a live stage whose dwell is over decide what happens next. */
function judge(
  plan: RecoveryPlan,
  state: RecoveryState,
  gates: GateResult,
  detail: string,
  now: number,
  mayAdvance: boolean,
): Transition {
  const lastGate = { at: iso(now), result: gates, detail };
  if (gates === 'regressed') return regress(plan, state, detail, now);
  if (gates === 'inconclusive') {
    // Holding does not need a write when it was already holding: costs stay flat while metrics are down.
    const message = `stage ${state.stage + 1} (${state.percent}%) holds: its gates are inconclusive${detail ? ` (${detail})` : ''}; it never advances on missing data`;
    if (state.lastGate?.result === 'inconclusive') {
      return unchanged(state, message, [{ type: 'wait', until: null, reason: 'gates' }]);
    }
    return changedTo({ ...state, lastGate }, 'held', detail, now, message, [
      { type: 'wait', until: null, reason: 'gates' },
    ]);
  }
  const last = state.stage === plan.stages.length - 1;
  if (last) {
    const message = `${state.percent}% held healthy for its dwell: recovered (attempt ${state.attempt})`;
    return changedTo(
      { ...state, status: 'recovered', lastGate, nextAttemptAt: null },
      'recovered',
      detail,
      now,
      message,
      [{ type: 'markRecovered' }, { type: 'notify', event: 'recovery.completed', message }],
    );
  }
  if (!mayAdvance || !plan.autoProceed) {
    if (state.status === 'awaiting-approval') {
      return unchanged(state, describe(plan, state, now), [
        { type: 'wait', until: null, reason: 'approval' },
      ]);
    }
    return awaitApproval(
      plan,
      { ...state, lastGate },
      now,
      `stage ${state.stage + 1} (${state.percent}%) is healthy`,
    );
  }
  return advance(plan, { ...state, lastGate }, now, detail);
}

function proceed(
  plan: RecoveryPlan,
  state: RecoveryState,
  event: Extract<RecoveryEvent, { type: 'proceed' }>,
  now: number,
): Transition {
  if (isTerminal(state)) {
    return unchanged(
      state,
      `proceed does nothing: the recovery is ${state.status}${state.abortReason ? ` (${state.abortReason})` : ''}`,
      [],
    );
  }
  if (state.status === 'pending' || state.status === 'backoff' || state.stage < 0) {
    // Nothing is live, so there is nothing to gate: a person may start (or retry early).
    return startAttempt(plan, state, now, `proceed by ${event.actor}`);
  }
  const ends = dwellEndsAt(plan, state) ?? now;
  if (now < ends) {
    return unchanged(
      state,
      `proceed refused: stage ${state.stage + 1} (${state.percent}%) dwells until ${formatUtc(ends)}; stages are never cut short`,
      waitFor(plan, state, now),
    );
  }
  if (event.gates === null) {
    return unchanged(state, 'reading the gates before proceeding', [{ type: 'evaluateGates' }]);
  }
  if (event.gates !== 'healthy') {
    return judge(plan, state, event.gates, event.detail ?? '', now, false);
  }
  const lastGate = { at: iso(now), result: event.gates, detail: event.detail ?? '' };
  if (state.stage === plan.stages.length - 1) {
    return judge(plan, state, 'healthy', event.detail ?? '', now, true);
  }
  return advance(plan, { ...state, lastGate }, now, `proceed by ${event.actor}`);
}

function abort(
  plan: RecoveryPlan,
  state: RecoveryState,
  event: Extract<RecoveryEvent, { type: 'abort' }>,
  now: number,
): Transition {
  if (isTerminal(state)) {
    return unchanged(state, `abort does nothing: the recovery is already ${state.status}`, []);
  }
  const reason = `aborted by ${event.actor}${event.reason ? `: ${event.reason}` : ''}`;
  const message = `recovery ${reason}; the change stays rolled back`;
  const effects: RecoveryEffect[] = [];
  if (state.percent > 0) effects.push({ type: 'rollbackAgain', reason });
  effects.push({ type: 'notify', event: 'recovery.aborted', message });
  return changedTo(
    {
      ...state,
      status: 'aborted',
      percent: 0,
      abortReason: reason,
      nextAttemptAt: null,
      stageStartedAt: null,
    },
    'aborted',
    reason,
    now,
    message,
    effects,
  );
}

function regress(
  plan: RecoveryPlan,
  state: RecoveryState,
  detail: string,
  now: number,
): Transition {
  const lastGate = { at: iso(now), result: 'regressed' as const, detail };
  const where = `stage ${state.stage + 1} (${state.percent}%) of attempt ${state.attempt} regressed${detail ? ` (${detail})` : ''}`;
  if (state.attempt >= plan.maxAttempts) {
    const reason = `${where}; max_attempts ${plan.maxAttempts} reached`;
    const message = `${reason}: rolled back again and stopped trying`;
    return changedTo(
      {
        ...state,
        status: 'aborted',
        percent: 0,
        lastGate,
        abortReason: reason,
        stageStartedAt: null,
        nextAttemptAt: null,
      },
      'regressed',
      detail,
      now,
      message,
      [
        { type: 'rollbackAgain', reason: where },
        { type: 'notify', event: 'recovery.aborted', message },
      ],
    );
  }
  const next = now + backoffDelay(plan, state.attempt);
  const message = `${where}: rolled back again; attempt ${state.attempt + 1} of ${plan.maxAttempts} starts at ${formatUtc(next)}`;
  return changedTo(
    {
      ...state,
      status: 'backoff',
      stage: -1,
      percent: 0,
      attempt: state.attempt + 1,
      lastGate,
      stageStartedAt: null,
      nextAttemptAt: iso(next),
    },
    'regressed',
    detail,
    now,
    message,
    [
      { type: 'rollbackAgain', reason: where },
      { type: 'notify', event: 'recovery.aborted', message },
      { type: 'wait', until: iso(next), reason: 'backoff' },
    ],
  );
}

function startAttempt(
  plan: RecoveryPlan,
  state: RecoveryState,
  now: number,
  why: string,
): Transition {
  return advance(plan, { ...state, stage: -1, nextAttemptAt: null }, now, why);
}

/** Exactly one stage forward: never more, so no stage is ever skipped. */
function advance(plan: RecoveryPlan, state: RecoveryState, now: number, why: string): Transition {
  const stage = state.stage + 1;
  const next = plan.stages[stage];
  if (!next) throw new RangeError(`no stage ${stage + 1}: the plan has ${plan.stages.length}`);
  const until = now + next.dwell;
  const message = `attempt ${state.attempt}: stage ${stage + 1} of ${plan.stages.length}, ${next.percent}% (${why}); its gates are read after ${formatUtc(until)}`;
  return changedTo(
    { ...state, status: 'running', stage, percent: next.percent, stageStartedAt: iso(now) },
    'stage',
    why,
    now,
    message,
    [
      { type: 'setPercent', percent: next.percent, stage },
      { type: 'notify', event: 'recovery.stage', message },
      { type: 'wait', until: iso(until), reason: 'dwell' },
    ],
  );
}

function awaitApproval(
  plan: RecoveryPlan,
  state: RecoveryState,
  now: number,
  why: string,
): Transition {
  const nextStage = plan.stages[state.stage + 1];
  const message = `${why}; waiting for someone with the approval permission to run proceed${nextStage ? ` (next: ${nextStage.percent}%)` : ''}`;
  return changedTo(
    { ...state, status: 'awaiting-approval', nextAttemptAt: null },
    'awaiting-approval',
    why,
    now,
    message,
    [
      { type: 'notify', event: 'recovery.stage', message },
      { type: 'wait', until: null, reason: 'approval' },
    ],
  );
}

function changedTo(
  state: RecoveryState,
  event: string,
  detail: string,
  now: number,
  message: string,
  effects: RecoveryEffect[],
): Transition {
  const entry = {
    at: iso(now),
    event,
    attempt: state.attempt,
    stage: state.stage,
    percent: state.percent,
    detail,
  };
  return {
    state: {
      ...state,
      updatedAt: iso(now),
      history: [...state.history, entry].slice(-HISTORY_LIMIT),
    },
    effects,
    changed: true,
    message,
  };
}

function unchanged(state: RecoveryState, message: string, effects: RecoveryEffect[]): Transition {
  return { state, effects, changed: false, message };
}

/** What the recovery waits for now, as a wait effect (empty when it is over). */
export function waitFor(plan: RecoveryPlan, state: RecoveryState, now: number): RecoveryEffect[] {
  switch (state.status) {
    case 'recovered':
    case 'aborted':
      return [];
    case 'pending':
      return [{ type: 'wait', until: null, reason: plan.autoProceed ? 'gates' : 'approval' }];
    case 'backoff':
      return [{ type: 'wait', until: state.nextAttemptAt, reason: 'backoff' }];
    case 'awaiting-approval':
      return [{ type: 'wait', until: null, reason: 'approval' }];
    case 'running': {
      const ends = dwellEndsAt(plan, state);
      return ends !== null && now < ends
        ? [{ type: 'wait', until: iso(ends), reason: 'dwell' }]
        : [{ type: 'wait', until: null, reason: 'gates' }];
    }
  }
}

/** The state in one sentence. */
export function describe(plan: RecoveryPlan, state: RecoveryState, now: number): string {
  const of = `stage ${state.stage + 1} of ${plan.stages.length} (${state.percent}%), attempt ${state.attempt}`;
  switch (state.status) {
    case 'pending':
      return 'recovery has not started';
    case 'recovered':
      return `recovered at 100% (attempt ${state.attempt})`;
    case 'aborted':
      return `recovery aborted: ${state.abortReason ?? 'no reason recorded'}`;
    case 'backoff':
      return `rolled back after a regression; attempt ${state.attempt} of ${plan.maxAttempts} starts at ${state.nextAttemptAt ? formatUtc(state.nextAttemptAt) : 'the next run'}`;
    case 'awaiting-approval':
      return state.stage < 0
        ? `attempt ${state.attempt} waits for proceed before its first stage`
        : `${of} is healthy and waits for proceed`;
    case 'running': {
      const ends = dwellEndsAt(plan, state);
      return ends !== null && now < ends
        ? `${of} dwells until ${formatUtc(ends)}`
        : `${of}: dwell over, gates due`;
    }
  }
}

function checkPlan(plan: RecoveryPlan): void {
  // The policy schema guarantees this; a plan built by hand (tests, the CLI) gets the same rules.
  const stages = plan.stages;
  if (stages.length === 0 || stages.at(-1)?.percent !== 100) {
    throw new RangeError('a recovery plan needs stages ending at 100%');
  }
  for (let i = 1; i < stages.length; i++) {
    const a = stages[i - 1];
    const b = stages[i];
    if (a && b && b.percent <= a.percent) {
      throw new RangeError(`stages must increase: ${b.percent} after ${a.percent}`);
    }
  }
}

/** The recovery block as stored, or every problem with it (a hand edit) and how to fix it. */
export function parseRecoveryState(raw: unknown): { state: RecoveryState } | { error: string } {
  if (typeof raw === 'object' && raw !== null && 'version' in raw) {
    const version = (raw as { version: unknown }).version;
    if (typeof version === 'number' && version > RECOVERY_STATE_VERSION) {
      return {
        error: `the recovery block has version ${version}, written by a newer Ripcord than this one (which reads ${RECOVERY_STATE_VERSION}); upgrade the staged-recovery action`,
      };
    }
  }
  const parsed = recoveryStateSchema.safeParse(raw);
  if (parsed.success) return { state: parsed.data };
  const problems = parsed.error.issues.map(
    (i) => `recovery.${i.path.map(String).join('.') || '(block)'}: ${i.message}`,
  );
  return { error: problems.join('; ') };
}
