/**
 * The staged-recovery machine: examples for the rules people read in the docs, then property
 * tests over random plans, gate outcomes, late, skipped, duplicated and concurrent ticks.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  backoffDelay,
  initialRecoveryState,
  isTerminal,
  parseRecoveryState,
  transition,
  type GateResult,
  type RecoveryEffect,
  type RecoveryPlan,
  type RecoveryState,
} from '../../src/recovery/machine.ts';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = Date.parse('2026-11-24T10:00:00Z');

const PLAN: RecoveryPlan = {
  stages: [
    { percent: 5, dwell: 30 * MIN },
    { percent: 25, dwell: H },
    { percent: 50, dwell: 2 * H },
    { percent: 100, dwell: 0 },
  ],
  autoProceed: true,
  maxAttempts: 3,
  backoff: { base: 15 * MIN, max: 4 * H },
};

/** One tick as the use-case runs it: decide, read the gates only when asked, decide again. */
function tickWith(
  plan: RecoveryPlan,
  state: RecoveryState,
  now: number,
  gates: (s: RecoveryState) => GateResult,
) {
  const first = transition(plan, state, { type: 'tick', gates: null }, now);
  if (!first.effects.some((e) => e.type === 'evaluateGates')) return first;
  return transition(plan, state, { type: 'tick', gates: gates(state) }, now);
}

const kinds = (effects: RecoveryEffect[]) =>
  effects.filter((e) => e.type !== 'notify').map((e) => e.type);

describe('recovery machine: examples', () => {
  test('an orderly healthy recovery walks 5, 25, 50, 100 and waits out every dwell', () => {
    let s = initialRecoveryState(T0);
    const percents: number[] = [];
    let now = T0;
    for (let i = 0; i < 200 && !isTerminal(s); i++, now += 5 * MIN) {
      const t = tickWith(PLAN, s, now, () => 'healthy');
      for (const e of t.effects) if (e.type === 'setPercent') percents.push(e.percent);
      s = t.state;
    }
    expect(percents).toEqual([5, 25, 50, 100]);
    expect(s.status).toBe('recovered');
    // 30m + 1h + 2h of dwell, each read on the next 5-minute tick at or after its end.
    expect(now - T0).toBeGreaterThanOrEqual(3.5 * H);
  });

  test('while a dwell runs a tick changes nothing and says until when', () => {
    const started = transition(PLAN, initialRecoveryState(T0), { type: 'tick', gates: null }, T0);
    expect(kinds(started.effects)).toEqual(['setPercent', 'wait']);
    const t = transition(PLAN, started.state, { type: 'tick', gates: null }, T0 + 10 * MIN);
    expect(t.changed).toBe(false);
    expect(t.state).toBe(started.state);
    expect(t.effects).toEqual([
      { type: 'wait', until: new Date(T0 + 30 * MIN).toISOString(), reason: 'dwell' },
    ]);
    const due = transition(PLAN, started.state, { type: 'tick', gates: null }, T0 + 30 * MIN);
    expect(due.effects).toEqual([{ type: 'evaluateGates' }]);
  });

  test('a regression rolls back again and backs off exponentially up to max_attempts', () => {
    let s = initialRecoveryState(T0);
    let now = T0;
    const delays: number[] = [];
    const effects: string[] = [];
    for (let i = 0; i < 500 && !isTerminal(s); i++, now += MIN) {
      const before = s;
      const t = tickWith(PLAN, s, now, (x) => (x.percent >= 25 ? 'regressed' : 'healthy'));
      effects.push(...kinds(t.effects).filter((k) => k !== 'wait'));
      s = t.state;
      if (s.status === 'backoff' && before.status !== 'backoff') {
        delays.push(Date.parse(s.nextAttemptAt ?? '') - now);
      }
    }
    expect(delays).toEqual([15 * MIN, 30 * MIN]);
    expect(s.status).toBe('aborted');
    expect(s.percent).toBe(0);
    expect(s.abortReason).toMatch(/max_attempts 3 reached/);
    expect(effects).toEqual([
      ...['setPercent', 'setPercent', 'rollbackAgain'],
      ...['setPercent', 'setPercent', 'rollbackAgain'],
      ...['setPercent', 'setPercent', 'rollbackAgain'],
    ]);
    expect(backoffDelay(PLAN, 10)).toBe(4 * H);
    expect(backoffDelay(PLAN, 5000)).toBe(4 * H);
  });

  test('auto_proceed false stops after each healthy stage until proceed; proceed never cuts a dwell', () => {
    const plan = { ...PLAN, autoProceed: false };
    let s = tickWith(plan, initialRecoveryState(T0), T0, () => 'healthy').state;
    expect(s.status).toBe('awaiting-approval');
    expect(s.percent).toBe(0);
    s = transition(plan, s, { type: 'proceed', actor: 'alice', gates: null }, T0 + MIN).state;
    expect(s).toMatchObject({ status: 'running', stage: 0, percent: 5 });
    const early = transition(
      plan,
      s,
      { type: 'proceed', actor: 'alice', gates: 'healthy' },
      T0 + 2 * MIN,
    );
    expect(early.changed).toBe(false);
    expect(early.message).toMatch(/dwells until .*never cut short/);
    s = tickWith(plan, s, T0 + 31 * MIN, () => 'healthy').state;
    expect(s).toMatchObject({ status: 'awaiting-approval', stage: 0, percent: 5 });
    // Further healthy ticks while waiting write nothing.
    expect(tickWith(plan, s, T0 + 40 * MIN, () => 'healthy').changed).toBe(false);
    const held = transition(
      plan,
      s,
      { type: 'proceed', actor: 'a', gates: 'inconclusive' },
      T0 + 41 * MIN,
    );
    expect(held.state.percent).toBe(5);
    const go = transition(
      plan,
      s,
      { type: 'proceed', actor: 'a', gates: 'healthy' },
      T0 + 42 * MIN,
    );
    expect(go.state).toMatchObject({ status: 'running', stage: 1, percent: 25 });
  });

  test('abort works at any time, rolls back only what is live, and is final', () => {
    const s = tickWith(PLAN, initialRecoveryState(T0), T0, () => 'healthy').state;
    const a = transition(PLAN, s, { type: 'abort', actor: 'bob', reason: 'pager' }, T0 + MIN);
    expect(kinds(a.effects)).toEqual(['rollbackAgain']);
    expect(a.state).toMatchObject({
      status: 'aborted',
      percent: 0,
      abortReason: 'aborted by bob: pager',
    });
    const again = transition(PLAN, a.state, { type: 'tick', gates: 'healthy' }, T0 + H);
    expect(again.changed).toBe(false);
    const fromPending = transition(
      PLAN,
      initialRecoveryState(T0),
      { type: 'abort', actor: 'b' },
      T0,
    );
    expect(kinds(fromPending.effects)).toEqual([]);
  });

  test('a hand-edited recovery block is an error naming the field, and a newer version says upgrade', () => {
    const good = initialRecoveryState(T0);
    expect(parseRecoveryState(JSON.parse(JSON.stringify(good)))).toEqual({ state: good });
    const bad = parseRecoveryState({ ...good, percent: 'five', extra: 1 });
    expect('error' in bad && bad.error).toMatch(/recovery\.percent: .*number/);
    expect('error' in bad && bad.error).toMatch(/extra/);
    const newer = parseRecoveryState({ ...good, version: 2 });
    expect('error' in newer && newer.error).toMatch(/newer Ripcord/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const planArb: fc.Arbitrary<RecoveryPlan> = fc
  .record({
    percents: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }),
    dwells: fc.array(fc.integer({ min: 0, max: 180 }), { minLength: 5, maxLength: 5 }),
    maxAttempts: fc.integer({ min: 1, max: 4 }),
    base: fc.integer({ min: 1, max: 60 }),
    factor: fc.integer({ min: 1, max: 8 }),
  })
  .map(({ percents, dwells, maxAttempts, base, factor }) => {
    const ps = [...percents.sort((a, b) => a - b), 100];
    return {
      stages: ps.map((percent, i) => ({ percent, dwell: (dwells[i] ?? 0) * MIN })),
      autoProceed: true,
      maxAttempts,
      backoff: { base: base * MIN, max: base * factor * MIN },
    };
  });

/** Gate outcome per (attempt, stage): the world's truth, independent of when it is read. */
const oracleArb = fc
  .array(fc.constantFrom<GateResult>('healthy', 'healthy', 'regressed'), {
    minLength: 25,
    maxLength: 25,
  })
  .map(
    (table) =>
      (s: RecoveryState): GateResult =>
        table[(s.attempt * 5 + s.stage) % 25] ?? 'healthy',
  );

interface TickGroup {
  /** Minutes since the previous group: late ticks, skipped schedules. */
  gap: number;
  /** Runs at the same moment: all read the same state; one wins the lock. */
  runs: number;
  winner: number;
  /** Metrics down for this group: every gate read is inconclusive. */
  noisy: boolean;
}

const groupsArb = fc.array(
  fc.record({
    gap: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 400 }),
    ),
    runs: fc.integer({ min: 1, max: 3 }),
    winner: fc.nat(),
    noisy: fc.boolean(),
  }),
  { maxLength: 60 },
);

type Trace = string[];

function traceOf(effects: RecoveryEffect[]): Trace {
  const out: Trace = [];
  for (const e of effects) {
    if (e.type === 'setPercent') out.push(`set ${e.percent}`);
    if (e.type === 'rollbackAgain') out.push('rollback');
    if (e.type === 'markRecovered') out.push('recovered');
  }
  return out;
}

/**
 * Mirrors the use-case: each run reads the stored state without the lock and decides; a run
 * whose decision changes something takes the lock, re-reads, and acts only if the state is
 * still the one it decided on. A run that lost the lock does nothing.
 */
function runGroups(
  plan: RecoveryPlan,
  oracle: (s: RecoveryState) => GateResult,
  groups: TickGroup[],
  start: number,
): { state: RecoveryState; trace: Trace; now: number } {
  let stored = initialRecoveryState(start);
  let now = start;
  const trace: Trace = [];
  for (const g of groups) {
    now += g.gap * MIN;
    const read = stored;
    const decisions = Array.from({ length: g.runs }, () =>
      tickWith(plan, read, now, (s) => (g.noisy ? 'inconclusive' : oracle(s))),
    );
    const order = decisions.map((_, i) => (i + g.winner) % g.runs);
    for (const i of order) {
      const d = decisions[i];
      if (!d?.changed) continue;
      // Under the lock: the stored state moved since this run read it -> it does nothing.
      if (stored !== read) continue;
      trace.push(...traceOf(d.effects));
      stored = d.state;
    }
  }
  return { state: stored, trace, now };
}

/** Keeps ticking every 5 minutes with clean gates until the recovery ends. */
function finish(
  plan: RecoveryPlan,
  oracle: (s: RecoveryState) => GateResult,
  from: { state: RecoveryState; trace: Trace; now: number },
) {
  let { state, now } = from;
  const trace = [...from.trace];
  for (let i = 0; i < 5000 && !isTerminal(state); i++) {
    now += 5 * MIN;
    const t = tickWith(plan, state, now, oracle);
    trace.push(...traceOf(t.effects));
    state = t.state;
  }
  return { state, trace };
}

const orderly = (plan: RecoveryPlan, oracle: (s: RecoveryState) => GateResult) =>
  finish(plan, oracle, { state: initialRecoveryState(T0), trace: [], now: T0 - 5 * MIN });

describe('recovery machine: properties', () => {
  test('late, skipped, duplicated, concurrent and noisy ticks give the same result as one orderly run', () => {
    fc.assert(
      fc.property(planArb, oracleArb, groupsArb, (plan, oracle, groups) => {
        const chaotic = finish(plan, oracle, runGroups(plan, oracle, groups, T0));
        const reference = orderly(plan, oracle);
        expect(chaotic.trace).toEqual(reference.trace);
        expect(chaotic.state.status).toBe(reference.state.status);
        expect(chaotic.state.attempt).toBe(reference.state.attempt);
        expect(chaotic.state.percent).toBe(reference.state.percent);
      }),
      { numRuns: 400 },
    );
  });

  test('never skips a stage: within an attempt the percentages are the stages in order from the first', () => {
    fc.assert(
      fc.property(planArb, oracleArb, groupsArb, (plan, oracle, groups) => {
        const { trace } = finish(plan, oracle, runGroups(plan, oracle, groups, T0));
        let expected = 0;
        for (const step of trace) {
          if (step === 'rollback') expected = 0;
          else if (step.startsWith('set ')) {
            expect(step).toBe(`set ${plan.stages[expected]?.percent}`);
            expected += 1;
          } else {
            expect(step).toBe('recovered');
            expect(expected).toBe(plan.stages.length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('never advances on an inconclusive gate, whatever the state and time', () => {
    fc.assert(
      fc.property(
        planArb,
        oracleArb,
        groupsArb,
        fc.integer({ min: 0, max: 600 }),
        fc.boolean(),
        (plan, oracle, groups, later, manual) => {
          const { state, now } = runGroups(plan, oracle, groups, T0);
          const at = now + later * MIN;
          const event = manual
            ? ({ type: 'proceed', actor: 'a', gates: 'inconclusive' } as const)
            : ({ type: 'tick', gates: 'inconclusive' } as const);
          const live = state.status === 'running' || state.status === 'awaiting-approval';
          const t = transition(plan, state, event, at);
          if (live && state.stage >= 0) {
            expect(t.effects.some((e) => e.type === 'setPercent')).toBe(false);
            expect(t.state.percent).toBe(state.percent);
            expect(t.state.stage).toBe(state.stage);
            expect(t.state.status).toBe(state.status);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('every step ends in recovered, aborted or a wait, and every recovery ends', () => {
    const autoOrNot = planArb.chain((p) =>
      fc.boolean().map((auto) => ({ ...p, autoProceed: auto })),
    );
    const gate = fc.constantFrom<GateResult>('healthy', 'regressed', 'inconclusive');
    fc.assert(
      fc.property(
        autoOrNot,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), gate, fc.nat(9))),
        (plan, steps) => {
          let s = initialRecoveryState(T0);
          let now = T0;
          let proceeds = 0;
          let sets = 0;
          for (const [gap, g, pick] of steps) {
            now += gap * MIN;
            const event =
              pick === 0
                ? ({ type: 'abort', actor: 'a' } as const)
                : pick < 3
                  ? ({ type: 'proceed', actor: 'a', gates: g } as const)
                  : ({ type: 'tick', gates: g } as const);
            const t = transition(plan, s, event, now);
            if (event.type === 'proceed' && t.changed) proceeds += 1;
            sets += t.effects.filter((e) => e.type === 'setPercent').length;
            expect(
              isTerminal(t.state) || t.effects.some((e) => e.type === 'wait') || !t.changed,
            ).toBe(true);
            if (t.state.status === 'aborted') expect(t.state.percent).toBe(0);
            s = t.state;
          }
          // Without auto_proceed nothing rises but by a person's proceed.
          if (!plan.autoProceed) expect(sets).toBeLessThanOrEqual(proceeds);
          const end = finish({ ...plan, autoProceed: true }, () => 'healthy', {
            state: s,
            trace: [],
            now,
          });
          expect(isTerminal(end.state)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('state always round-trips through its schema (what the incident block stores)', () => {
    fc.assert(
      fc.property(planArb, oracleArb, groupsArb, (plan, oracle, groups) => {
        const { state } = runGroups(plan, oracle, groups, T0);
        expect(parseRecoveryState(JSON.parse(JSON.stringify(state)))).toEqual({ state });
      }),
      { numRuns: 100 },
    );
  });
});
