/**
 * The timing of a verification as a pure state machine: wait out the stabilisation delay, run
 * a round of checks every interval, and stop as soon as the outcome is certain. The caller owns
 * the clock: it asks `nextAction(state, now)` what to do, sleeps or runs a round, and reports
 * the round with `recordRound`. Nothing here reads a clock, so tables of rounds test it.
 *
 * Rules:
 * - `successes` consecutive passing rounds pass the verification.
 * - More than `failuresTolerated` consecutive failing rounds fail it.
 * - An inconclusive round (no data, a source down) is never a success: it breaks a run of
 *   successes, but it is not evidence of failure either, so it neither breaks nor extends a run
 *   of failures.
 * - Rounds start at `start + stabilization`, then every `interval` (a round that overran starts
 *   the next one at once), up to `start + duration`. With no rounds left, it is inconclusive.
 * - `minDuration` ("monitor for 30 minutes before declaring success", seed 001): a run of
 *   passing rounds passes only once a round that started at least `minDuration` after the start
 *   ends it; until then rounds go on, and failing rounds still fail it. Reached from the round's
 *   start (when the evidence was taken), not its end, so a slow round does not shorten it.
 * - Certainty: it stops early when neither passing nor failing can still be reached in the
 *   rounds left (inconclusive); while failing is still reachable it keeps going, because
 *   "failed" and "inconclusive" lead to different actions (escalation vs a person looking).
 */

export interface VerifyTiming {
  stabilization: number;
  interval: number;
  /** Total time from the start, stabilisation included. */
  duration: number;
  successes: number;
  failuresTolerated: number;
  /** The least time from the start before it may pass; 0 when omitted. */
  minDuration?: number;
}

export type RoundOutcome = 'pass' | 'fail' | 'inconclusive';
export type VerifyResult = 'passed' | 'failed' | 'inconclusive';

export interface TimingState {
  timing: VerifyTiming;
  startedAt: number;
  /** When the next round is due. */
  nextAt: number;
  rounds: RoundOutcome[];
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  done: { result: VerifyResult; reason: string } | null;
}

export type TimingAction =
  | { kind: 'wait'; ms: number }
  | { kind: 'check' }
  | { kind: 'done'; result: VerifyResult; reason: string };

/** Problems with a timing, in words; empty when it is usable. */
export function timingProblems(t: VerifyTiming): string[] {
  const problems: string[] = [];
  if (!(t.interval > 0)) problems.push('interval must be positive');
  if (!(t.stabilization >= 0)) problems.push('stabilization cannot be negative');
  if (!(t.duration >= t.stabilization))
    problems.push('duration includes the stabilization delay, so it cannot be shorter');
  if (!(Number.isInteger(t.successes) && t.successes >= 1))
    problems.push('successes must be a whole number of at least 1');
  if (!(Number.isInteger(t.failuresTolerated) && t.failuresTolerated >= 0))
    problems.push('failures tolerated must be a whole number of at least 0');
  const min = t.minDuration ?? 0;
  if (!(min >= 0)) problems.push('min duration cannot be negative');
  else if (min > t.duration)
    problems.push(
      'min duration is longer than duration, so verification could never pass; raise duration',
    );
  return problems;
}

export function startTiming(timing: VerifyTiming, now: number): TimingState {
  const problems = timingProblems(timing);
  if (problems.length > 0) throw new RangeError(`invalid verify timing: ${problems.join('; ')}`);
  return {
    timing,
    startedAt: now,
    nextAt: now + timing.stabilization,
    rounds: [],
    consecutiveSuccesses: 0,
    consecutiveFailures: 0,
    done: null,
  };
}

function deadline(state: TimingState): number {
  return state.startedAt + state.timing.duration;
}

/** Rounds that can still run, the next one included. */
export function roundsLeft(state: TimingState): number {
  const end = deadline(state);
  if (state.nextAt > end) return 0;
  return Math.floor((end - state.nextAt) / state.timing.interval) + 1;
}

export function nextAction(state: TimingState, now: number): TimingAction {
  if (state.done) return { kind: 'done', ...state.done };
  if (roundsLeft(state) === 0) return { kind: 'done', ...endOfTime(state) };
  if (now < state.nextAt) return { kind: 'wait', ms: state.nextAt - now };
  return { kind: 'check' };
}

/** Records one round that started at `startedAt` and finished at `now`. */
export function recordRound(
  state: TimingState,
  outcome: RoundOutcome,
  startedAt: number,
  now: number,
): TimingState {
  if (state.done) return state;
  const t = state.timing;
  const consecutiveSuccesses = outcome === 'pass' ? state.consecutiveSuccesses + 1 : 0;
  const consecutiveFailures =
    outcome === 'fail'
      ? state.consecutiveFailures + 1
      : outcome === 'pass'
        ? 0
        : state.consecutiveFailures;
  const next: TimingState = {
    ...state,
    rounds: [...state.rounds, outcome],
    consecutiveSuccesses,
    consecutiveFailures,
    nextAt: Math.max(startedAt + t.interval, now),
  };
  const n = next.rounds.length;
  const min = t.minDuration ?? 0;
  const heldLongEnough = startedAt - state.startedAt >= min;
  if (consecutiveSuccesses >= t.successes && heldLongEnough) {
    return {
      ...next,
      done: {
        result: 'passed',
        reason: `${consecutiveSuccesses} consecutive passing round${plural(consecutiveSuccesses)} (${t.successes} required)${min > 0 ? `, after watching for at least ${minutes(min)}` : ''}`,
      },
    };
  }
  if (consecutiveFailures > t.failuresTolerated) {
    return {
      ...next,
      done: {
        result: 'failed',
        reason: `${consecutiveFailures} consecutive failing round${plural(consecutiveFailures)} (${t.failuresTolerated} tolerated)`,
      },
    };
  }
  const left = roundsLeft(next);
  // The last round that can still run must start late enough for the minimum time.
  const lastRoundAt = next.nextAt + Math.max(left - 1, 0) * t.interval;
  const canPass =
    consecutiveSuccesses + left >= t.successes &&
    (min === 0 || (left > 0 && lastRoundAt - state.startedAt >= min));
  // Inconclusive rounds keep a run of failures alive, so only the failures still missing count.
  const canFail = consecutiveFailures + left > t.failuresTolerated;
  if (!canPass && !canFail) {
    return { ...next, done: endOfTime(next, n) };
  }
  return next;
}

function endOfTime(
  state: TimingState,
  n = state.rounds.length,
): { result: VerifyResult; reason: string } {
  const t = state.timing;
  if (n === 0) {
    return { result: 'inconclusive', reason: 'no round of checks could run before the end' };
  }
  const min = t.minDuration ?? 0;
  if (min > 0 && state.consecutiveSuccesses >= t.successes) {
    return {
      result: 'inconclusive',
      reason: `not proven healthy: the last ${state.consecutiveSuccesses} round${plural(state.consecutiveSuccesses)} passed, but no round could run ${minutes(min)} after the start (min_duration) before the end`,
    };
  }
  const inconclusive = state.rounds.filter((r) => r === 'inconclusive').length;
  const why =
    inconclusive === n
      ? `every round was inconclusive (${n} round${plural(n)})`
      : `at most ${maxRun(state.rounds, 'pass')} consecutive passing round${plural(maxRun(state.rounds, 'pass'))} of the ${t.successes} required in ${n} round${plural(n)}${inconclusive > 0 ? `, ${inconclusive} inconclusive` : ''}`;
  return { result: 'inconclusive', reason: `not proven healthy: ${why}` };
}

function maxRun(rounds: readonly RoundOutcome[], outcome: RoundOutcome): number {
  let best = 0;
  let run = 0;
  for (const r of rounds) {
    run = r === outcome ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** `30m`, `90s`: enough for a reason line without importing the duration formatter. */
function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** Outcome of one round from its checks: any failure fails it; any inconclusive makes it so. */
export function roundOutcome(statuses: readonly RoundOutcome[]): RoundOutcome {
  if (statuses.length === 0) return 'inconclusive';
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}
