import { describe, expect, test } from 'vitest';
import {
  nextAction,
  recordRound,
  roundOutcome,
  startTiming,
  timingProblems,
  type RoundOutcome,
  type VerifyTiming,
} from '../../src/verify/timing.ts';

const S = 1_000;

/** Drives the machine with a fake clock; each round takes `roundMs`. Returns what happened. */
function simulate(timing: VerifyTiming, outcomes: RoundOutcome[], roundMs = 0) {
  let now = 0;
  let state = startTiming(timing, now);
  const checksAt: number[] = [];
  for (let guard = 0; guard < 1_000; guard++) {
    const action = nextAction(state, now);
    if (action.kind === 'done') return { ...action, checksAt, rounds: state.rounds.length, now };
    if (action.kind === 'wait') {
      now += action.ms;
      continue;
    }
    checksAt.push(now);
    const started = now;
    now += roundMs;
    state = recordRound(state, outcomes[checksAt.length - 1] ?? 'pass', started, now);
  }
  throw new Error('did not finish');
}

const base: VerifyTiming = {
  stabilization: 60 * S,
  interval: 30 * S,
  duration: 300 * S,
  successes: 3,
  failuresTolerated: 1,
};

describe('verify timing', () => {
  test.each([
    // name, timing overrides, outcomes, result, rounds run, time of the end
    ['passes after 3 successes', {}, ['pass', 'pass', 'pass'], 'passed', 3, 120 * S],
    [
      'a success run restarts after a failure',
      {},
      ['pass', 'fail', 'pass', 'pass', 'pass'],
      'passed',
      5,
      180 * S,
    ],
    ['one failure is tolerated', {}, ['fail', 'pass', 'pass', 'pass'], 'passed', 4, 150 * S],
    ['two failures in a row fail at once', {}, ['pass', 'fail', 'fail'], 'failed', 3, 120 * S],
    [
      'no tolerance: the first failure fails',
      { failuresTolerated: 0 },
      ['fail'],
      'failed',
      1,
      60 * S,
    ],
    [
      'inconclusive breaks a success run',
      {},
      ['pass', 'pass', 'inconclusive', 'pass', 'pass', 'pass'],
      'passed',
      6,
      210 * S,
    ],
    [
      'inconclusive does not break a failure run',
      {},
      ['fail', 'inconclusive', 'fail'],
      'failed',
      3,
      120 * S,
    ],
    [
      'all inconclusive: stops once nothing can be decided',
      {},
      Array<RoundOutcome>(9).fill('inconclusive'),
      'inconclusive',
      8,
      270 * S,
    ],
    ['one success required', { successes: 1 }, ['pass'], 'passed', 1, 60 * S],
    [
      'stops early once neither outcome can be reached',
      { successes: 5, failuresTolerated: 2, duration: 180 * S },
      ['pass', 'pass', 'inconclusive', 'pass', 'pass'],
      'inconclusive',
      3,
      120 * S,
    ],
    [
      'alternating never passes nor fails: inconclusive at the end',
      {},
      ['pass', 'fail', 'pass', 'fail', 'pass', 'fail', 'pass', 'fail', 'pass'],
      'inconclusive',
      9,
      300 * S,
    ],
  ] as const)('%s', (_name, overrides, outcomes, result, rounds, end) => {
    const outcome = simulate({ ...base, ...overrides }, [...outcomes]);
    expect(outcome.result).toBe(result);
    expect(outcome.rounds).toBe(rounds);
    expect(outcome.checksAt.at(-1) ?? outcome.now).toBe(end);
  });

  test('the first round waits out the stabilisation delay, then every interval', () => {
    const { checksAt } = simulate(base, ['pass', 'pass', 'pass']);
    expect(checksAt).toEqual([60 * S, 90 * S, 120 * S]);
  });

  test('a round that overruns the interval starts the next one at once', () => {
    const { checksAt } = simulate(base, ['pass', 'pass', 'pass'], 45 * S);
    expect(checksAt).toEqual([60 * S, 105 * S, 150 * S]);
  });

  test('duration ends a verification short of successes as inconclusive, with the reason', () => {
    const outcome = simulate({ ...base, duration: 150 * S, successes: 4 }, [
      'pass',
      'pass',
      'pass',
      'inconclusive',
    ]);
    expect(outcome.result).toBe('inconclusive');
    expect(outcome.reason).toBe(
      'not proven healthy: at most 3 consecutive passing rounds of the 4 required in 4 rounds, 1 inconclusive',
    );
  });

  test('a duration equal to the stabilisation still runs one round', () => {
    const outcome = simulate({ ...base, duration: 60 * S, successes: 1 }, ['pass']);
    expect(outcome.result).toBe('passed');
  });

  test('failure reasons say how many failed and how many were tolerated', () => {
    const outcome = simulate(base, ['fail', 'fail']);
    expect(outcome.reason).toBe('2 consecutive failing rounds (1 tolerated)');
  });

  test('bad timings are refused with every problem', () => {
    expect(
      timingProblems({
        ...base,
        interval: 0,
        duration: 10 * S,
        successes: 0,
        failuresTolerated: -1,
      }),
    ).toEqual([
      'interval must be positive',
      'duration includes the stabilization delay, so it cannot be shorter',
      'successes must be a whole number of at least 1',
      'failures tolerated must be a whole number of at least 0',
    ]);
    expect(() => startTiming({ ...base, interval: 0 }, 0)).toThrow(/interval must be positive/);
  });

  test('round outcome: any failure fails, then any inconclusive, no checks is inconclusive', () => {
    expect(roundOutcome(['pass', 'inconclusive', 'fail'])).toBe('fail');
    expect(roundOutcome(['pass', 'inconclusive'])).toBe('inconclusive');
    expect(roundOutcome(['pass', 'pass'])).toBe('pass');
    expect(roundOutcome([])).toBe('inconclusive');
  });
});
