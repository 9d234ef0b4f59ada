/**
 * Recovery-time objectives per severity (#13; seeds 003 and 004: "critical: under 2 minutes",
 * "RTO under 5 minutes"), checked against what the policy itself allows: how long a critical
 * trigger needs before it breaches, plus the most the chosen strategy may take (its timeouts).
 * Pure; `ripcord validate` prints the result as warnings, since a slow path is a choice the
 * runbook's author may make knowingly, but never one that should go unnoticed.
 *
 * Detection is counted from the moment the condition first holds: `for` plus one evaluation
 * step for threshold and aggregate triggers (the breach is seen at the next step), `failures`
 * probes `interval` apart for a probe (the first failure is at its start), the window for trend
 * and baseline triggers, and the shortest short window for a burn rate.
 */
import { formatDuration } from '../policy/duration.ts';
import type { DecisionFlag, Environment, Policy, StrategyName, Trigger } from '../policy/schema.ts';

export interface RecoveryTimeWarning {
  environment: string;
  trigger: string;
  strategy: StrategyName;
  /** Worst case from the condition first holding to the strategy's end, in ms. */
  worstCase: number;
  objective: number;
  message: string;
}

export function detectionTime(trigger: Trigger, step: number): number {
  switch (trigger.kind) {
    case 'threshold':
    case 'aggregate':
      return trigger.for + step;
    case 'probe':
      return trigger.failures * trigger.interval;
    case 'trend':
    case 'baseline':
      return trigger.window + step;
    case 'burn-rate':
      return Math.min(...trigger.windows.map((w) => w.short)) + step;
  }
}

/**
 * The most a strategy may take by its own timeouts (and waits), or null when not configured.
 * A decision row's `flag` replaces the feature-flag strategy's mode, steps and wait, as the
 * rollback does; maintenance counts only for the strategies it wraps.
 */
export function strategyTime(
  env: Environment,
  strategy: StrategyName,
  flagTimeout: (provider: string) => number = () => 10_000,
  rowFlag: DecisionFlag | null = null,
): number | null {
  const s = env.rollback.strategies;
  const m = env.rollback.maintenance;
  const maintenance =
    m && (m.strategies === undefined || m.strategies.includes(strategy))
      ? m.on.timeout + m.off.timeout
      : 0;
  switch (strategy) {
    case 'feature-flag': {
      const base = s['feature-flag'];
      if (!base) return null;
      const flag = rowFlag
        ? {
            ...base,
            mode: rowFlag.mode,
            steps: rowFlag.steps ?? base.steps,
            step_wait: rowFlag.step_wait ?? base.step_wait,
          }
        : base;
      // One provider call per step, each at most the provider's timeout.
      const calls = flag.mode === 'gradual' ? flag.steps.length : 1;
      const wait = flag.mode === 'gradual' ? flag.step_wait * Math.max(calls - 1, 0) : 0;
      return calls * flagTimeout(flag.provider) + wait + maintenance;
    }
    case 'config':
      return s.config ? s.config.timeout + maintenance : null;
    case 'redeploy':
      return s.redeploy ? s.redeploy.timeout + maintenance : null;
    case 'full':
      return s.full && s.redeploy
        ? s.full.maintenance_on.timeout +
            s.redeploy.timeout +
            s.full.restore_data.timeout +
            s.full.maintenance_off.timeout +
            maintenance
        : null;
  }
}

interface CriticalPath {
  strategy: StrategyName;
  flag: DecisionFlag | null;
}

/**
 * What a critical breach of this trigger may start with: the critical rows that roll back and
 * may match it (a row naming triggers matches only those), each with its flag mode, and the
 * default strategy.
 */
function criticalPaths(env: Environment, trigger: Trigger): CriticalPath[] {
  const rows = env.decision.filter(
    (r) =>
      (r.severity === undefined || r.severity === 'critical') &&
      r.action !== 'evaluate' &&
      (r.triggers === undefined || r.triggers.includes(trigger.name)),
  );
  const paths: CriticalPath[] = [
    ...rows.map((r) => ({
      strategy: r.strategy,
      flag: r.strategy === 'feature-flag' ? (r.flag ?? null) : null,
    })),
    { strategy: env.default_strategy, flag: null },
  ];
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = `${p.strategy} ${JSON.stringify(p.flag)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function recoveryTimeWarnings(policy: Policy): RecoveryTimeWarning[] {
  const warnings: RecoveryTimeWarning[] = [];
  for (const [name, env] of Object.entries(policy.environments)) {
    const objective = env.recovery_time?.critical;
    if (objective === undefined) continue;
    for (const trigger of env.triggers.filter((t) => t.severity === 'critical')) {
      const detect = detectionTime(trigger, env.step);
      for (const { strategy, flag } of criticalPaths(env, trigger)) {
        const act = strategyTime(
          env,
          strategy,
          (provider) => policy.flags[provider]?.timeout ?? 10_000,
          flag,
        );
        if (act === null) continue;
        const worstCase = detect + act;
        if (worstCase <= objective) continue;
        const d = formatDuration;
        const named = flag ? `${strategy} (${flag.mode})` : strategy;
        const why =
          detect >= objective
            ? `detection alone takes ${d(detect)}`
            : `detection takes up to ${d(detect)} and ${named} may take up to ${d(act)} by its timeouts`;
        warnings.push({
          environment: name,
          trigger: trigger.name,
          strategy,
          worstCase,
          objective,
          message: `environments.${name}: trigger ${trigger.name} with strategy ${named} can take ${d(worstCase)} from the first bad sample to restored, above recovery_time.critical ${d(objective)}: ${why}; shorten for/interval or the strategy's timeouts, or pick a faster strategy for critical`,
        });
      }
    }
  }
  return warnings;
}
