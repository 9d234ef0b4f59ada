/**
 * Watch mode: evaluate every `interval` until `duration` has passed, returning as soon as a
 * critical trigger is breached. A trigger whose query fails keeps its last verdict for up to
 * `query_error_budget` consecutive failures of its source, so one flaky scrape neither rolls
 * back nor turns the watch inconclusive; past the budget it is inconclusive (critical: hold).
 *
 * A probe trigger that Ripcord probes itself (a source with a prober, such as `http`) runs on its
 * own `interval` between polls: "3 consecutive failures every 20s" must decide about 40 s after
 * the first failure, not three polls (three minutes) later. When a probe between polls completes
 * a failure streak, the whole environment is evaluated at that moment (without probing again),
 * so the decision matrix still sees every trigger.
 */
import type { ProbeTrigger } from '../policy/schema.ts';
import type { ProbeResult } from './signal.ts';
import type { Decision, Verdict } from './verdict.ts';
import { decide } from './decide.ts';
import {
  environmentOf,
  evaluateEnvironment,
  probeTriggers,
  type EvaluateOptions,
} from './evaluate-environment.ts';

export interface WatchOptions extends Omit<EvaluateOptions, 'at' | 'probeHistory' | 'skipProbing'> {
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
  // Probes Ripcord runs itself and more often than the poll: they get their own schedule.
  const ownSchedule = env.triggers.filter(
    (t): t is ProbeTrigger =>
      t.kind === 'probe' &&
      t.interval < opts.interval &&
      typeof opts.sources.get(t.source)?.probe === 'function',
  );
  let poll = 0;
  const judge = (raw: Decision, at: number): Decision => {
    const verdicts = raw.triggers.map((v) => withinErrorBudget(v, opts, lastGood, failures));
    return decide(opts.environment, env, verdicts, at, raw.impact);
  };
  for (;;) {
    poll += 1;
    const at = opts.now();
    const decision = judge(await evaluateEnvironment({ ...opts, at, probeHistory }), at);
    opts.onPoll?.(decision, poll);
    if (decision.decision === 'rollback') return { decision, polls: poll };
    const elapsed = opts.now() - started;
    if (elapsed + opts.interval > opts.duration) return { decision, polls: poll };
    if (ownSchedule.length === 0) {
      await opts.sleep(opts.interval);
      continue;
    }
    // Every probe ran at `at` with the poll; until the next poll, each runs on its interval.
    const nextPoll = at + opts.interval;
    const next = new Map(ownSchedule.map((t) => [t.name, at + t.interval]));
    for (;;) {
      const upcoming = Math.min(...next.values());
      if (upcoming >= nextPoll) break;
      await opts.sleep(Math.max(0, upcoming - opts.now()));
      const due = ownSchedule.filter((t) => (next.get(t.name) ?? Infinity) <= upcoming);
      for (const t of due) next.set(t.name, (next.get(t.name) ?? upcoming) + t.interval);
      const now = opts.now();
      const verdicts = await probeTriggers({ ...opts, at: now, probeHistory }, due);
      if (!verdicts.some((v) => v.status === 'breached')) continue;
      poll += 1;
      const between = judge(
        await evaluateEnvironment({ ...opts, at: now, probeHistory, skipProbing: true }),
        now,
      );
      opts.onPoll?.(between, poll);
      if (between.decision === 'rollback') return { decision: between, polls: poll };
    }
    await opts.sleep(Math.max(0, nextPoll - opts.now()));
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
