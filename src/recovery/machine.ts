/**
 * The staged-recovery state machine, pure: `(settings, state, event, now) -> {state, effects}`.
 * Scheduled runs come late, twice or not at all, so every decision is computed from the
 * timestamps recorded in the state, never from how many runs there were. The caller applies
 * the effects (flag, incident, comments) and then stores the new state; a transition that
 * returns `changed: false` needs no write and therefore no lock.
 *
 * The state lives in the incident's `recovery` block, validated with its own versioned schema,
 * so a hand edit that breaks it is reported instead of silently restarting the rollout.
 */
import { z } from 'zod';
import type { NotifyEvent } from '../notify/templates.ts';
import { outcomeLabels, type OutcomeLabel } from '../shared/outcome.ts';
import type { RecoveryPolicy } from '../policy/schema-recovery.ts';
import { plural } from '../shared/plural.ts';
import { formatUtc } from '../shared/time-format.ts';

export const RECOVERY_STATE_VERSION = 1;
const HISTORY_LIMIT = 40;

const timestamp = z.iso.datetime({ offset: true });

/** A gate reading as the recovery state spells it: `healthy`, `regressed`, `inconclusive`. */
export const gateResultSchema = z.enum(outcomeLabels('gate'));
export type GateResult = OutcomeLabel<'gate'>;

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
export interface RecoverySettings {
  stages: readonly { percent: number; dwell: number }[];
  autoProceed: boolean;
  maxAttempts: number;
  backoff: { base: number; max: number };
}

export function recoverySettingsOf(policy: RecoveryPolicy): RecoverySettings {
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

/** The notify events the machine raises: a subset of notify's events, under notify's names. */
export type RecoveryNotifyEvent = Extract<
  NotifyEvent,
  'recovery.stage' | 'recovery.completed' | 'recovery.aborted'
>;

export type WaitReason = 'dwell' | 'backoff' | 'approval' | 'gates';

export type RecoveryEffect =
  | { type: 'setPercent'; percent: number; stage: number }
  /** Back to 0%: the flag off and its rollout at 0 (or the command with RIPCORD_PERCENT=0). */
  | { type: 'rollbackAgain'; reason: string }
  | { type: 'markRecovered' }
  | { type: 'notify'; event: RecoveryNotifyEvent; message: string }
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
export function backoffDelay(settings: RecoverySettings, failedAttempt: number): number {
  const exponent = Math.max(0, failedAttempt - 1);
  // 2^exponent overflows to Infinity long after it passed any sane max; min() keeps it finite.
  return Math.min(settings.backoff.base * 2 ** Math.min(exponent, 52), settings.backoff.max);
}

/** When the current stage's dwell ends, or null when no stage is live. */
export function dwellEndsAt(settings: RecoverySettings, state: RecoveryState): number | null {
  const stage = settings.stages[state.stage];
  if (!stage || state.stageStartedAt === null) return null;
  return Date.parse(state.stageStartedAt) + stage.dwell;
}

export function transition(
  settings: RecoverySettings,
  state: RecoveryState,
  event: RecoveryEvent,
  now: number,
): Transition {
  checkSettings(settings);
  if (state.stage >= settings.stages.length) {
    throw new RangeError(
      `the recovery state is at stage ${state.stage + 1} but the policy has ${plural(settings.stages.length, 'stage')}; the stages changed during the recovery`,
    );
  }
  switch (event.type) {
    case 'status':
      return unchanged(state, describe(settings, state, now), waitFor(settings, state, now));
    case 'abort':
      return abort(settings, state, event, now);
    case 'proceed':
      return proceed(settings, state, event, now);
    case 'tick':
      return tick(settings, state, event, now);
  }
}

function tick(
  settings: RecoverySettings,
  state: RecoveryState,
  event: Extract<RecoveryEvent, { type: 'tick' }>,
  now: number,
): Transition {
  switch (state.status) {
    case 'recovered':
    case 'aborted':
      return unchanged(state, describe(settings, state, now), []);
    case 'pending':
      return settings.autoProceed
        ? startAttempt(settings, state, now, 'start')
        : awaitApproval(settings, state, now, 'recovery is ready to start');
    case 'backoff': {
      const at = state.nextAttemptAt === null ? now : Date.parse(state.nextAttemptAt);
      if (now < at)
        return unchanged(state, describe(settings, state, now), waitFor(settings, state, now));
      return settings.autoProceed
        ? startAttempt(settings, state, now, 'retry')
        : awaitApproval(settings, state, now, `attempt ${state.attempt} is ready to start`);
    }
    case 'running':
    case 'awaiting-approval': {
      if (state.stage < 0) {
        // Awaiting approval before the first stage: nothing is live, so nothing to gate; a
        // policy switched to auto_proceed since then starts it.
        if (settings.autoProceed) return startAttempt(settings, state, now, 'start');
        return unchanged(state, describe(settings, state, now), waitFor(settings, state, now));
      }
      const ends = dwellEndsAt(settings, state) ?? now;
      if (now < ends)
        return unchanged(state, describe(settings, state, now), waitFor(settings, state, now));
      if (event.gates === null) {
        return unchanged(state, `stage ${state.stage + 1} dwell is over: reading its gates`, [
          { type: 'evaluateGates' },
        ]);
      }
      return judge(settings, state, event.gates, event.detail ?? '', now, true);
    }
  }
}

/** The gates of a live stage whose dwell is over decide what happens next. */
function judge(
  settings: RecoverySettings,
  state: RecoveryState,
  gates: GateResult,
  detail: string,
  now: number,
  mayAdvance: boolean,
): Transition {
  const lastGate = { at: iso(now), result: gates, detail };
  if (gates === 'regressed') return regress(settings, state, detail, now);
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
  const last = state.stage === settings.stages.length - 1;
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
  if (!mayAdvance || !settings.autoProceed) {
    if (state.status === 'awaiting-approval') {
      return unchanged(state, describe(settings, state, now), [
        { type: 'wait', until: null, reason: 'approval' },
      ]);
    }
    return awaitApproval(
      settings,
      { ...state, lastGate },
      now,
      `stage ${state.stage + 1} (${state.percent}%) is healthy`,
    );
  }
  return advance(settings, { ...state, lastGate }, now, detail);
}

function proceed(
  settings: RecoverySettings,
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
    return startAttempt(settings, state, now, `proceed by ${event.actor}`);
  }
  const ends = dwellEndsAt(settings, state) ?? now;
  if (now < ends) {
    return unchanged(
      state,
      `proceed refused: stage ${state.stage + 1} (${state.percent}%) dwells until ${formatUtc(ends)}; stages are never cut short`,
      waitFor(settings, state, now),
    );
  }
  if (event.gates === null) {
    return unchanged(state, 'reading the gates before proceeding', [{ type: 'evaluateGates' }]);
  }
  if (event.gates !== 'healthy') {
    return judge(settings, state, event.gates, event.detail ?? '', now, false);
  }
  const lastGate = { at: iso(now), result: event.gates, detail: event.detail ?? '' };
  if (state.stage === settings.stages.length - 1) {
    return judge(settings, state, 'healthy', event.detail ?? '', now, true);
  }
  return advance(settings, { ...state, lastGate }, now, `proceed by ${event.actor}`);
}

function abort(
  settings: RecoverySettings,
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
  settings: RecoverySettings,
  state: RecoveryState,
  detail: string,
  now: number,
): Transition {
  const lastGate = { at: iso(now), result: 'regressed' as const, detail };
  const where = `stage ${state.stage + 1} (${state.percent}%) of attempt ${state.attempt} regressed${detail ? ` (${detail})` : ''}`;
  if (state.attempt >= settings.maxAttempts) {
    const reason = `${where}; max_attempts ${settings.maxAttempts} reached`;
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
  const next = now + backoffDelay(settings, state.attempt);
  const message = `${where}: rolled back again; attempt ${state.attempt + 1} of ${settings.maxAttempts} starts at ${formatUtc(next)}`;
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
  settings: RecoverySettings,
  state: RecoveryState,
  now: number,
  why: string,
): Transition {
  return advance(settings, { ...state, stage: -1, nextAttemptAt: null }, now, why);
}

/** Exactly one stage forward: never more, so no stage is ever skipped. */
function advance(
  settings: RecoverySettings,
  state: RecoveryState,
  now: number,
  why: string,
): Transition {
  const stage = state.stage + 1;
  const next = settings.stages[stage];
  if (!next)
    throw new RangeError(`no stage ${stage + 1}: the recovery has ${settings.stages.length}`);
  const until = now + next.dwell;
  const message = `attempt ${state.attempt}: stage ${stage + 1} of ${settings.stages.length}, ${next.percent}% (${why}); its gates are read after ${formatUtc(until)}`;
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
  settings: RecoverySettings,
  state: RecoveryState,
  now: number,
  why: string,
): Transition {
  const nextStage = settings.stages[state.stage + 1];
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
export function waitFor(
  settings: RecoverySettings,
  state: RecoveryState,
  now: number,
): RecoveryEffect[] {
  switch (state.status) {
    case 'recovered':
    case 'aborted':
      return [];
    case 'pending':
      return [{ type: 'wait', until: null, reason: settings.autoProceed ? 'gates' : 'approval' }];
    case 'backoff':
      return [{ type: 'wait', until: state.nextAttemptAt, reason: 'backoff' }];
    case 'awaiting-approval':
      return [{ type: 'wait', until: null, reason: 'approval' }];
    case 'running': {
      const ends = dwellEndsAt(settings, state);
      return ends !== null && now < ends
        ? [{ type: 'wait', until: iso(ends), reason: 'dwell' }]
        : [{ type: 'wait', until: null, reason: 'gates' }];
    }
  }
}

/** The state in one sentence. */
export function describe(settings: RecoverySettings, state: RecoveryState, now: number): string {
  const of = `stage ${state.stage + 1} of ${settings.stages.length} (${state.percent}%), attempt ${state.attempt}`;
  switch (state.status) {
    case 'pending':
      return 'recovery has not started';
    case 'recovered':
      return `recovered at 100% (attempt ${state.attempt})`;
    case 'aborted':
      return `recovery aborted: ${state.abortReason ?? 'no reason recorded'}`;
    case 'backoff':
      return `rolled back after a regression; attempt ${state.attempt} of ${settings.maxAttempts} starts at ${state.nextAttemptAt ? formatUtc(state.nextAttemptAt) : 'the next run'}`;
    case 'awaiting-approval':
      return state.stage < 0
        ? `attempt ${state.attempt} waits for proceed before its first stage`
        : `${of} is healthy and waits for proceed`;
    case 'running': {
      const ends = dwellEndsAt(settings, state);
      return ends !== null && now < ends
        ? `${of} dwells until ${formatUtc(ends)}`
        : `${of}: dwell over, gates due`;
    }
  }
}

function checkSettings(settings: RecoverySettings): void {
  // The policy schema guarantees this; settings built by hand (tests, the CLI) gets the same rules.
  const stages = settings.stages;
  if (stages.length === 0 || stages.at(-1)?.percent !== 100) {
    throw new RangeError('recovery settings need stages ending at 100%');
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
