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
 *
 * The decisions are the pure ladder machine's (src/rollback/ladder-machine.ts, which the rollback
 * machine embeds); this is its runner for callers that need only the steps.
 */
import { toError } from '../shared/errors.ts';
import {
  ladderCleanup,
  ladderTransition,
  startLadder,
  type LadderEffect,
  type LadderResult,
  type LadderSpec,
  type StepEvent,
} from './ladder-machine.ts';
import type { PlannedStep, StepRunContext, StrategyName } from './plan.ts';

export type { LadderResult, StepEvent } from './ladder-machine.ts';

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
  const { ctx } = opts;
  // Every rung is planned before the first step runs (see above).
  const plans = new Map(opts.rungs.map((s) => [s, opts.plan(s)]));
  const steps = (s: StrategyName): PlannedStep[] => plans.get(s) ?? [];
  const spec: LadderSpec = {
    rungs: opts.rungs,
    steps,
    maintenance: opts.maintenance ?? null,
    done: opts.done,
    ...(opts.doneAt ? { doneAt: opts.doneAt } : {}),
    ...(opts.badDeployedAt !== undefined ? { badDeployedAt: opts.badDeployedAt } : {}),
  };
  const planned = (effect: Extract<LadderEffect, { type: 'run' }>): PlannedStep | undefined =>
    effect.part === 'climb'
      ? steps(effect.rung as StrategyName).find((s) => s.id === effect.stepId)
      : opts.maintenance?.[effect.part];
  const run = async (effect: Extract<LadderEffect, { type: 'run' }>) => {
    const step = planned(effect);
    if (!step) throw new Error(`ladder: step ${effect.stepId} was not planned`);
    // RIPCORD_STRATEGY: the rung's for a strategy step; a maintenance step keeps the caller's.
    const runCtx = effect.rung ? { ...ctx, step: { ...ctx.step, strategy: effect.rung } } : ctx;
    try {
      const outcome = await step.run(runCtx);
      return { type: 'ran' as const, ok: outcome.ok, detail: outcome.detail };
    } catch (thrown) {
      return { type: 'ran' as const, ok: false, detail: `step threw: ${toError(thrown).message}` };
    }
  };
  let t = startLadder(spec, ctx.now());
  try {
    while (t.state.result === null || t.effects.length > 0) {
      let answer: { type: 'next' } | { type: 'ran'; ok: boolean; detail: string } = {
        type: 'next',
      };
      for (const effect of t.effects) {
        if (effect.type === 'record') await opts.record(effect.event);
        else if (effect.type === 'log') ctx.logger[effect.level](effect.message);
        else answer = await run(effect);
      }
      if (t.state.result !== null) break;
      t = ladderTransition(spec, t.state, answer, ctx.now());
    }
  } catch (thrown) {
    // A record failed (GitHub unreachable): still take users out of maintenance, unrecorded.
    for (const effect of ladderCleanup(spec, t.state)) if (effect.type === 'run') await run(effect);
    throw thrown;
  }
  return t.state.result;
}
