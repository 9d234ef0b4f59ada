/**
 * The strategy ladder as a pure machine: each rung is a strategy of ordered steps; a failed
 * step ends its strategy and, when there is a next rung, the rollback escalates to it;
 * `rollback.maintenance` goes on before the first rung and off after the last one tried.
 * `(spec, state, event, now) -> {state, effects}`: the effects are step records, step runs and
 * log lines, performed by a runner (ladder.ts on its own, or the rollback runner
 * through the rollback machine, machine.ts, which records each event on the incident).
 *
 * Each transition records at most one step event, so every record is written with its own
 * time after the one before it was stored, and a `running` record is stored before its step
 * runs: the timeline is never behind what was done by more than the step in flight. Steps
 * recorded `done` by an earlier run are recorded `skipped` and never run again.
 *
 * Pure: no I/O, no clock reads.
 */

import type { StrategyName } from '../policy/schema.ts';

/** A rung of the ladder: one of the policy's strategies. */
export type Strategy = StrategyName;
/** Who a step belongs to: a strategy, or `rollback.maintenance` around the whole ladder. */
export type StepOwner = Strategy | 'maintenance';

export interface StepEvent {
  stepId: string;
  strategy: StepOwner;
  name: string;
  status: 'running' | 'done' | 'failed' | 'skipped';
  /** ISO 8601. */
  at: string;
  detail: string | null;
}

export interface LadderResult {
  ok: boolean;
  /** The strategy that succeeded, or the last one tried; null when there were no rungs. */
  strategy: Strategy | null;
  tried: Strategy[];
  /** Every failure on the way up, one per strategy tried, in order; null on success. */
  failure: string | null;
  /**
   * From the bad deployment to the end of the data restore: writes made in between are lost.
   * Set whenever a data restore finished, even when a later step failed.
   */
  dataLossWindow: { from: string; to: string } | null;
}

/** A planned step as the machine sees it: what it is, never how it runs. */
export interface StepSpec {
  id: string;
  strategy: StepOwner;
  name: string;
  restoresData?: boolean;
  whenNotRun?: string;
}

export interface LadderSpec {
  rungs: readonly Strategy[];
  steps: (rung: Strategy) => readonly StepSpec[];
  maintenance: { on: StepSpec; off: StepSpec } | null;
  /** Step ids recorded `done` by earlier runs: recorded `skipped`, never run again. */
  done: ReadonlySet<string>;
  doneAt?: ReadonlyMap<string, string>;
  /** When the bad deployment was created (ISO): the start of the data-loss window. */
  badDeployedAt?: string;
}

type LogLevel = 'info' | 'warning' | 'error';
export type LogEffect = { type: 'log'; level: LogLevel; message: string };

export type LadderEffect =
  | { type: 'record'; event: StepEvent }
  /** Run one step; `rung` set: its strategy is the context's (a maintenance step keeps the run's). */
  | { type: 'run'; part: 'on' | 'climb' | 'off'; rung: Strategy | null; stepId: string }
  | LogEffect;

/** `next`: the effects ran; `ran`: the step of the last `run` effect ended (raw detail). */
export type LadderEvent = { type: 'next' } | { type: 'ran'; ok: boolean; detail: string };

export interface LadderState {
  part: 'on' | 'climb' | 'off' | 'finished';
  /** Maintenance `on` ended (its record may still be in flight: the climb starts next). */
  onEnded: boolean;
  rung: number;
  step: number;
  rungStarted: boolean;
  tried: Strategy[];
  failures: string[];
  restoredAt: string | null;
  restoreTimeUnknown: boolean;
  climb: LadderResult | null;
  result: LadderResult | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const oneLine = (detail: string): string => detail.replace(/\s*\n\s*/g, '; ');

function uniqueRungs(spec: LadderSpec): Strategy[] {
  return spec.rungs.filter((rung, i) => spec.rungs.indexOf(rung) === i);
}

export function startLadder(
  spec: LadderSpec,
  now: number,
): { state: LadderState; effects: LadderEffect[] } {
  const state: LadderState = {
    part: spec.maintenance ? 'on' : 'climb',
    onEnded: false,
    rung: 0,
    step: 0,
    rungStarted: false,
    tried: [],
    failures: [],
    restoredAt: null,
    restoreTimeUnknown: false,
    climb: null,
    result: null,
  };
  return ladderTransition(spec, state, { type: 'next' }, now);
}

/**
 * One move of the ladder. Each transition records at most one step event (so every record
 * is written with its own time, after the one before it was stored), then the step's run.
 */
export function ladderTransition(
  spec: LadderSpec,
  state: LadderState,
  event: LadderEvent,
  now: number,
): { state: LadderState; effects: LadderEffect[] } {
  const s: LadderState = { ...state, tried: [...state.tried], failures: [...state.failures] };
  const effects: LadderEffect[] = [];
  const log = (level: LogLevel, message: string) => effects.push({ type: 'log', level, message });
  const rungs = uniqueRungs(spec);
  const record = (
    step: StepSpec,
    strategy: StepOwner,
    status: StepEvent['status'],
    detail: string | null,
  ) =>
    effects.push({
      type: 'record',
      event: { stepId: step.id, strategy, name: step.name, status, at: iso(now), detail },
    });

  const window = (): LadderResult['dataLossWindow'] => {
    if (s.restoredAt === null) {
      if (s.restoreTimeUnknown)
        log(
          'warning',
          'data was restored in an earlier run whose finish time is not known; the data-loss window is not reported',
        );
      return null;
    }
    if (spec.badDeployedAt === undefined) {
      log(
        'warning',
        `data was restored at ${s.restoredAt}, but the bad deployment's time is not known; the data-loss window is not reported`,
      );
      return null;
    }
    return { from: spec.badDeployedAt, to: s.restoredAt };
  };
  const climbEnded = (result: LadderResult) => {
    s.climb = result;
    if (spec.maintenance) {
      s.part = 'off';
    } else {
      s.result = result;
      s.part = 'finished';
    }
  };
  const offEnded = (ok: boolean, detail: string) => {
    const climb = s.climb as LadderResult;
    s.part = 'finished';
    if (ok) {
      s.result = climb;
      return;
    }
    const failure = `maintenance mode is still on: "${spec.maintenance?.off.name ?? ''}" failed: ${detail}; switch it off by hand or re-run the rollback`;
    log('error', failure);
    s.result = {
      ...climb,
      ok: false,
      failure: climb.failure === null ? failure : `${climb.failure} | ${failure}`,
    };
  };
  const rungFailed = (strategy: Strategy, failure: string) => {
    log('error', failure);
    s.failures.push(failure);
    const next = rungs[s.rung + 1];
    if (next) log('warning', `escalating from ${strategy} to ${next}`);
    s.rung += 1;
    s.step = 0;
    s.rungStarted = false;
  };

  if (event.type === 'ran') {
    const detail = oneLine(event.detail);
    if (s.part === 'on' && spec.maintenance) {
      record(
        spec.maintenance.on,
        spec.maintenance.on.strategy,
        event.ok ? 'done' : 'failed',
        detail,
      );
      if (!event.ok)
        log(
          'warning',
          `maintenance mode could not be switched on (${detail}); rolling back anyway, since restoring service matters more than the maintenance page`,
        );
      s.onEnded = true;
    } else if (s.part === 'off' && spec.maintenance) {
      record(
        spec.maintenance.off,
        spec.maintenance.off.strategy,
        event.ok ? 'done' : 'failed',
        detail,
      );
      offEnded(event.ok, detail);
    } else {
      const strategy = rungs[s.rung] as Strategy;
      const steps = spec.steps(strategy);
      const step = steps[s.step] as StepSpec;
      record(step, strategy, event.ok ? 'done' : 'failed', detail);
      if (event.ok) {
        if (step.restoresData) s.restoredAt = iso(now);
        s.step += 1;
      } else {
        const notRun = steps
          .slice(s.step + 1)
          .map((x) => x.whenNotRun)
          .filter((note): note is string => note !== undefined);
        rungFailed(
          strategy,
          `${strategy} failed at "${step.name}": ${detail}${notRun.length > 0 ? `; ${notRun.join('; ')}` : ''}`,
        );
      }
    }
    return { state: s, effects };
  }

  // `next`: walk on until a step is recorded, or the ladder ends.
  for (;;) {
    if (s.part === 'finished') return { state: s, effects };
    if (s.part === 'on' && s.onEnded) s.part = 'climb';
    if (s.part === 'on' || s.part === 'off') {
      const part = s.part;
      const step = spec.maintenance?.[part] as StepSpec;
      if (spec.done.has(step.id)) {
        record(step, step.strategy, 'skipped', 'done in an earlier run');
        if (part === 'on') s.onEnded = true;
        else offEnded(true, 'done in an earlier run');
        return { state: s, effects };
      }
      record(step, step.strategy, 'running', null);
      log('info', step.name);
      effects.push({ type: 'run', part, rung: null, stepId: step.id });
      return { state: s, effects };
    }
    const strategy = rungs[s.rung];
    if (strategy === undefined) {
      climbEnded({
        ok: false,
        strategy: s.tried.at(-1) ?? null,
        tried: s.tried,
        failure: s.failures.length > 0 ? s.failures.join(' | ') : 'no strategy to try',
        dataLossWindow: window(),
      });
      continue;
    }
    const steps = spec.steps(strategy);
    if (!s.rungStarted) {
      s.rungStarted = true;
      s.tried.push(strategy);
      if (steps.length === 0) {
        rungFailed(strategy, `${strategy} has no steps`);
        continue;
      }
    }
    const step = steps[s.step];
    if (step === undefined) {
      log('info', `rollback by ${strategy} succeeded`);
      climbEnded({ ok: true, strategy, tried: s.tried, failure: null, dataLossWindow: window() });
      continue;
    }
    if (spec.done.has(step.id)) {
      record(step, strategy, 'skipped', 'done in an earlier run');
      if (step.restoresData) {
        const when = spec.doneAt?.get(step.id);
        if (when === undefined) s.restoreTimeUnknown = true;
        else s.restoredAt = when;
      }
      s.step += 1;
      return { state: s, effects };
    }
    record(step, strategy, 'running', null);
    log('info', `${strategy}: ${step.name}`);
    effects.push({ type: 'run', part: 'climb', rung: strategy, stepId: step.id });
    return { state: s, effects };
  }
}

/**
 * What must still happen when an effect threw while the ladder climbed: take users out of
 * maintenance, unrecorded (the record is what failed); the next run repeats `off`, which is
 * idempotent.
 */
export function ladderCleanup(spec: LadderSpec, state: LadderState): LadderEffect[] {
  return spec.maintenance && state.part === 'climb'
    ? [{ type: 'run', part: 'off', rung: null, stepId: spec.maintenance.off.id }]
    : [];
}
