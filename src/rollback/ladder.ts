/**
 * Runs the rollback ladder: each rung is a strategy of ordered steps; a failed step ends its
 * strategy and, when there is a next rung, the rollback escalates to it.
 *
 * Resumability: every step is recorded `running` before it starts and `done` / `failed` after
 * it ends, and each record is awaited, so the recorded timeline is never behind what was done
 * by more than the one step in flight. A re-run passes the ids recorded `done`; those steps are
 * recorded `skipped` and never run again. A crash between a step's effect and its `done` record
 * repeats that one step on the next run, which is why every step is idempotent (plan.ts).
 * A record that throws ends the run at once (nothing may happen that is not recorded).
 *
 * Every rung is planned before the first step runs, so a policy mistake in any rung fails
 * before the rollback touches anything, rather than halfway up the ladder in an incident.
 *
 * A step that throws (it should return `{ok: false}`) counts as a failed step: escalating to
 * the next rung protects production better than stopping the rollback on an executor's bug.
 *
 * A strategy that failed in an earlier run is tried again when the caller lists it in `rungs`
 * again: its steps are idempotent, and the caller decides where a resumed rollback starts.
 */
import { toError } from '../shared/errors.ts';
import type { PlannedStep, StepOutcome, StepOwner, StepRunContext, StrategyName } from './plan.ts';

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
  strategy: StrategyName | null;
  tried: StrategyName[];
  /** Every failure on the way up, one per strategy tried, in order; null on success. */
  failure: string | null;
  /**
   * From the bad deployment to the end of the data restore: writes made in between are lost.
   * Set whenever a data restore finished, even when a later step failed.
   */
  dataLossWindow: { from: string; to: string } | null;
}

export interface ExecuteLadderOptions {
  rungs: StrategyName[];
  plan: (strategy: StrategyName) => PlannedStep[];
  /** Step ids recorded `done` by earlier runs: skipped, never repeated. */
  done: ReadonlySet<string>;
  /**
   * When those steps finished (ISO), by id, from the same timeline: a data restore done in an
   * earlier run still ends the data-loss window at its own time.
   */
  doneAt?: ReadonlyMap<string, string>;
  record: (event: StepEvent) => Promise<void>;
  ctx: StepRunContext;
  /** When the bad deployment was created (ISO): the start of the data-loss window. */
  badDeployedAt?: string;
  /**
   * `rollback.maintenance`: `on` before the first rung, `off` after the last one tried,
   * whether the ladder succeeded or not. A failed `on` is recorded and the rollback goes on
   * (restoring service matters more than the maintenance page); a failed `off` fails the
   * rollback, since users are still shut out.
   */
  maintenance?: { on: PlannedStep; off: PlannedStep };
}

export async function executeLadder(opts: ExecuteLadderOptions): Promise<LadderResult> {
  const { ctx, record, done } = opts;
  const iso = (): string => new Date(ctx.now()).toISOString();
  const rungs = opts.rungs.filter((rung, i) => opts.rungs.indexOf(rung) === i);
  const plans = rungs.map((strategy) => ({ strategy, steps: opts.plan(strategy) }));

  const tried: StrategyName[] = [];
  const failures: string[] = [];
  let restoredAt: string | null = null;
  let restoreTimeUnknown = false;

  const window = (): LadderResult['dataLossWindow'] => {
    if (restoredAt === null) {
      if (restoreTimeUnknown) {
        ctx.logger.warning(
          'data was restored in an earlier run whose finish time is not known; the data-loss window is not reported',
        );
      }
      return null;
    }
    if (opts.badDeployedAt === undefined) {
      ctx.logger.warning(
        `data was restored at ${restoredAt}, but the bad deployment's time is not known; the data-loss window is not reported`,
      );
      return null;
    }
    return { from: opts.badDeployedAt, to: restoredAt };
  };

  const maintenance = opts.maintenance;
  if (!maintenance) return climb();
  const on = await runAround(maintenance.on, opts);
  if (!on.ok) {
    ctx.logger.warning(
      `maintenance mode could not be switched on (${on.detail}); rolling back anyway, since restoring service matters more than the maintenance page`,
    );
  }
  let result: LadderResult;
  try {
    result = await climb();
  } catch (thrown) {
    // The record failed (GitHub unreachable): still take users out of maintenance, unrecorded;
    // the next run repeats `off`, which is idempotent.
    await runUnrecorded(maintenance.off, opts);
    throw thrown;
  }
  const off = await runAround(maintenance.off, opts);
  if (off.ok) return result;
  const failure = `maintenance mode is still on: "${maintenance.off.name}" failed: ${off.detail}; switch it off by hand or re-run the rollback`;
  ctx.logger.error(failure);
  return {
    ...result,
    ok: false,
    failure: result.failure === null ? failure : `${result.failure} | ${failure}`,
  };

  async function climb(): Promise<LadderResult> {
    for (const [index, { strategy, steps }] of plans.entries()) {
      tried.push(strategy);
      const runCtx: StepRunContext = { ...ctx, step: { ...ctx.step, strategy } };
      let failure: string | null = steps.length === 0 ? `${strategy} has no steps` : null;
      for (const [at, step] of steps.entries()) {
        const base = { stepId: step.id, strategy, name: step.name };
        if (done.has(step.id)) {
          await record({ ...base, status: 'skipped', at: iso(), detail: 'done in an earlier run' });
          if (step.restoresData) {
            const when = opts.doneAt?.get(step.id);
            if (when === undefined) restoreTimeUnknown = true;
            else restoredAt = when;
          }
          continue;
        }
        await record({ ...base, status: 'running', at: iso(), detail: null });
        ctx.logger.info(`${strategy}: ${step.name}`);
        let outcome;
        try {
          outcome = await step.run(runCtx);
        } catch (thrown) {
          outcome = { ok: false, detail: `step threw: ${toError(thrown).message}` };
        }
        const finished = iso();
        const detail = outcome.detail.replace(/\s*\n\s*/g, '; ');
        await record({ ...base, status: outcome.ok ? 'done' : 'failed', at: finished, detail });
        if (outcome.ok) {
          if (step.restoresData) restoredAt = finished;
          continue;
        }
        const notRun = steps
          .slice(at + 1)
          .map((s) => s.whenNotRun)
          .filter((note): note is string => note !== undefined);
        failure = `${strategy} failed at "${step.name}": ${detail}${notRun.length > 0 ? `; ${notRun.join('; ')}` : ''}`;
        break;
      }
      if (failure === null) {
        ctx.logger.info(`rollback by ${strategy} succeeded`);
        return { ok: true, strategy, tried, failure: null, dataLossWindow: window() };
      }
      ctx.logger.error(failure);
      failures.push(failure);
      const next = plans[index + 1];
      if (next) ctx.logger.warning(`escalating from ${strategy} to ${next.strategy}`);
    }
    return {
      ok: false,
      strategy: tried.at(-1) ?? null,
      tried,
      failure: failures.length > 0 ? failures.join(' | ') : 'no strategy to try',
      dataLossWindow: window(),
    };
  }
}

/** One maintenance step, recorded like a strategy's step and skipped when done before. */
async function runAround(step: PlannedStep, opts: ExecuteLadderOptions): Promise<StepOutcome> {
  const { ctx, record } = opts;
  const iso = (): string => new Date(ctx.now()).toISOString();
  const base = { stepId: step.id, strategy: step.strategy, name: step.name };
  if (opts.done.has(step.id)) {
    await record({ ...base, status: 'skipped', at: iso(), detail: 'done in an earlier run' });
    return { ok: true, detail: 'done in an earlier run' };
  }
  await record({ ...base, status: 'running', at: iso(), detail: null });
  ctx.logger.info(step.name);
  const outcome = await runUnrecorded(step, opts);
  await record({
    ...base,
    status: outcome.ok ? 'done' : 'failed',
    at: iso(),
    detail: outcome.detail,
  });
  return outcome;
}

async function runUnrecorded(step: PlannedStep, opts: ExecuteLadderOptions): Promise<StepOutcome> {
  try {
    // RIPCORD_STRATEGY stays the strategy the rollback started with.
    const outcome = await step.run(opts.ctx);
    return { ok: outcome.ok, detail: outcome.detail.replace(/\s*\n\s*/g, '; ') };
  } catch (thrown) {
    return { ok: false, detail: `step threw: ${toError(thrown).message}` };
  }
}
