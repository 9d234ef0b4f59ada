/**
 * Watch mode: evaluate every `interval` until `duration` has passed, returning as soon as a
 * critical trigger is breached. A trigger whose query fails keeps its last verdict for up to
 * `query_error_budget` consecutive failures of its source, so one flaky scrape neither rolls
 * back nor turns the watch inconclusive; past the budget it is inconclusive (critical: hold).
 */
import type { ProbeResult } from '../core/signal.ts';
import type { Decision, Verdict } from '../core/verdict.ts';
import { decide } from '../core/decide.ts';
import {
  environmentOf,
  evaluateEnvironment,
  type EvaluateOptions,
} from './evaluate-environment.ts';

export interface WatchOptions extends Omit<EvaluateOptions, 'at' | 'probeHistory'> {
  duration: number;
  interval: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called after each poll, for logs and the demo's minute-by-minute view. */
  onPoll?: (decision: Decision, poll: number) => void;
}

export interface WatchResult {
  decision: Decision;
  polls: number;
}

export async function watch(opts: WatchOptions): Promise<WatchResult> {
  const env = environmentOf(opts.policy, opts.environment);
  const started = opts.now();
  const probeHistory = new Map<string, ProbeResult[]>();
  const lastGood = new Map<string, Verdict>();
  const failures = new Map<string, number>();
  let poll = 0;
  for (;;) {
    poll += 1;
    const at = opts.now();
    const raw = await evaluateEnvironment({ ...opts, at, probeHistory });
    const verdicts = raw.triggers.map((v) => withinErrorBudget(v, opts, lastGood, failures));
    const decision = decide(opts.environment, env, verdicts, at, raw.impact);
    opts.onPoll?.(decision, poll);
    if (decision.decision === 'rollback') return { decision, polls: poll };
    const elapsed = opts.now() - started;
    if (elapsed + opts.interval > opts.duration) return { decision, polls: poll };
    await opts.sleep(opts.interval);
  }
}

function withinErrorBudget(
  verdict: Verdict,
  opts: WatchOptions,
  lastGood: Map<string, Verdict>,
  failures: Map<string, number>,
): Verdict {
  const budget = budgetOf(opts, verdict.source);
  const queryFailed = verdict.status === 'inconclusive' && verdict.value === null;
  if (!queryFailed) {
    failures.set(verdict.name, 0);
    lastGood.set(verdict.name, verdict);
    return verdict;
  }
  const count = (failures.get(verdict.name) ?? 0) + 1;
  failures.set(verdict.name, count);
  const previous = lastGood.get(verdict.name);
  if (previous && count <= budget) {
    return {
      ...previous,
      reason: `${previous.reason} (kept from the previous poll: the query failed ${count} of ${budget} allowed times: ${verdict.reason})`,
    };
  }
  return verdict;
}

function budgetOf(opts: WatchOptions, sourceName: string): number {
  const source = opts.policy.sources[sourceName];
  return source && 'query_error_budget' in source ? source.query_error_budget : 0;
}
