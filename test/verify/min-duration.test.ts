/**
 * Verification that holds for a minimum time (#13, seed 001: "monitor for 30 minutes before
 * declaring success"): the pure timing machine driven by a fake clock, and the policy check.
 */
import { describe, expect, test } from 'vitest';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import {
  nextAction,
  recordRound,
  startTiming,
  timingProblems,
  type RoundOutcome,
  type VerifyTiming,
} from '../../src/verify/timing.ts';

const M = 60_000;

function simulate(timing: VerifyTiming, outcomes: RoundOutcome[]) {
  let now = 0;
  let state = startTiming(timing, now);
  const checksAt: number[] = [];
  for (let guard = 0; guard < 1_000; guard++) {
    const action = nextAction(state, now);
    if (action.kind === 'done') return { ...action, checksAt, now };
    if (action.kind === 'wait') {
      now += action.ms;
      continue;
    }
    checksAt.push(now);
    state = recordRound(state, outcomes[checksAt.length - 1] ?? 'pass', now, now);
  }
  throw new Error('did not finish');
}

// Seed 001: checks every 5 minutes after a minute's settling, 3 passes in a row, 45m at most.
const seed001: VerifyTiming = {
  stabilization: 1 * M,
  interval: 5 * M,
  duration: 45 * M,
  successes: 3,
  failuresTolerated: 1,
  minDuration: 30 * M,
};

describe('verify min_duration', () => {
  test('without it, three passing rounds pass at 11 minutes', () => {
    const run = simulate({ ...seed001, minDuration: 0 }, []);
    expect(run).toMatchObject({ result: 'passed', now: 11 * M });
    expect(run.reason).toBe('3 consecutive passing rounds (3 required)');
  });

  test('with 30m, the same healthy service passes only at the first round 30 minutes in', () => {
    const run = simulate(seed001, []);
    expect(run.result).toBe('passed');
    expect(run.checksAt.map((t) => t / M)).toEqual([1, 6, 11, 16, 21, 26, 31]);
    expect(run.reason).toBe(
      '7 consecutive passing rounds (3 required), after watching for at least 30m',
    );
  });

  test('a regression at 20 minutes still fails it, which a plain 3-pass rule would have missed', () => {
    const outcomes: RoundOutcome[] = ['pass', 'pass', 'pass', 'pass', 'fail', 'fail'];
    expect(simulate(seed001, outcomes)).toMatchObject({ result: 'failed', now: 26 * M });
    expect(simulate({ ...seed001, minDuration: 0 }, outcomes)).toMatchObject({
      result: 'passed',
      now: 11 * M,
    });
  });

  test('the passing run must reach past the minimum: a failure at 26m restarts the count', () => {
    const outcomes: RoundOutcome[] = ['pass', 'pass', 'pass', 'pass', 'pass', 'fail'];
    const run = simulate(seed001, outcomes);
    // 31 and 36 pass, 41 is the third in a row.
    expect(run).toMatchObject({ result: 'passed', now: 41 * M });
  });

  test('when no round can start late enough, it ends inconclusive and says why', () => {
    // Rounds at 1, 8, 15, 22 and 29 minutes: none 30 minutes in; after 22 nothing can change.
    const run = simulate({ ...seed001, interval: 7 * M, duration: 30 * M }, []);
    expect(run.result).toBe('inconclusive');
    expect(run.reason).toBe(
      'not proven healthy: the last 4 rounds passed, but no round could run 30m after the start (min_duration) before the end',
    );
  });

  test('a minimum longer than the whole verification is refused', () => {
    expect(timingProblems({ ...seed001, minDuration: 50 * M })).toEqual([
      'min duration is longer than duration, so verification could never pass; raise duration',
    ]);
    const text = [
      'version: 1',
      'environments:',
      '  production:',
      '    verify: {duration: 45m, min_duration: 60m}',
      '',
    ].join('\n');
    const result = parsePolicy(text, 'p.yml');
    if (result.ok) throw new Error('expected a problem');
    expect(result.problems.map(formatProblem)).toEqual([
      'p.yml:4:43: environments.production.verify.min_duration: min_duration is longer than duration, so verification could never pass; raise duration to at least min_duration',
    ]);
  });
});
