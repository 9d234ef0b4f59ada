/**
 * Checks across the policy that a schema cannot express: names that must exist elsewhere
 * (sources, flag providers, strategies, approvals) and what evaluation needs (strict).
 */
import { didYouMean } from '../shared/did-you-mean.ts';
import { promqlSyntaxError } from '../signals/promql-syntax.ts';
import { valueAt } from './explain.ts';
import type { Draft, Segment } from './problems.ts';
import type { DecisionRule, Environment, Policy } from './schema.ts';

// ---- checks across the policy -------------------------------------------------------------------

export function crossCheck(policy: Policy, strict: boolean, data: unknown): Draft[] {
  const drafts: Draft[] = [...checkFlagProviders(policy)];
  const sourceNames = Object.keys(policy.sources);
  const unknownSource = (name: string): string => {
    const hint = didYouMean(name, sourceNames);
    if (hint) return `no source named "${name}" under sources; did you mean "${hint}"?`;
    return sourceNames.length > 0
      ? `no source named "${name}" under sources; define it there or use one of ${sourceNames.join(', ')}`
      : `no source named "${name}"; add it under sources`;
  };

  for (const [envName, env] of Object.entries(policy.environments)) {
    const envPath: Segment[] = ['environments', envName];
    const firstUse = new Map<string, number>();
    env.triggers.forEach((t, i) => {
      const at = (...rest: Segment[]): Segment[] => [...envPath, 'triggers', i, ...rest];
      const source = Object.hasOwn(policy.sources, t.source) ? policy.sources[t.source] : undefined;
      if (!source) drafts.push({ path: at('source'), message: unknownSource(t.source) });
      else if (t.kind === 'probe' && source.type !== 'http' && source.type !== 'file') {
        drafts.push({
          path: at('source'),
          message: `a probe trigger needs an http or file source; "${t.source}" is a ${source.type} source`,
        });
      }
      const earlier = firstUse.get(t.name);
      if (earlier === undefined) firstUse.set(t.name, i);
      else {
        drafts.push({
          path: at('name'),
          message: `trigger name "${t.name}" is already used by triggers[${earlier}]; names must be unique within an environment`,
        });
      }
      if (t.kind === 'aggregate') {
        if (t.aggregate === 'quantile' && t.quantile === undefined) {
          drafts.push({
            path: at('quantile'),
            message:
              'missing required key "quantile" (aggregate: quantile needs one, such as 0.95)',
          });
        } else if (t.aggregate !== 'quantile' && t.quantile !== undefined) {
          drafts.push({
            path: at('quantile'),
            message: `quantile only applies to aggregate: quantile; remove it or write aggregate: quantile`,
          });
        }
      }
    });
    if (env.impact && !Object.hasOwn(policy.sources, env.impact.source)) {
      drafts.push({
        path: [...envPath, 'impact', 'source'],
        message: unknownSource(env.impact.source),
      });
    }
    // The default strategy as written, or implied (redeploy): an implied one is checked by
    // `validate` only, so a policy that always names its strategy still loads in the actions.
    const written = Object.hasOwn(
      (valueAt(data, ['environments', envName]) ?? {}) as object,
      'default_strategy',
    );
    drafts.push(...checkEnvironment(policy, envName, env, strict, written));
    env.decision.forEach((rule, i) => {
      if (rule.min_impact && rule.max_impact && rule.min_impact.value >= rule.max_impact.value) {
        drafts.push({
          path: [...envPath, 'decision', i, 'min_impact'],
          message: `min_impact ${rule.min_impact.text} must be below max_impact ${rule.max_impact.text}; a rule matches impact from min_impact up to, not including, max_impact`,
        });
      }
      drafts.push(...checkDecisionFlag(rule, env, [...envPath, 'decision', i]));
      drafts.push(
        ...checkApprovalName(rule.approval, env, [...envPath, 'decision', i, 'approval']),
      );
      // A row naming a trigger that does not exist would never match: a typo, caught here.
      const names = env.triggers.map((t) => t.name);
      (rule.triggers ?? []).forEach((name, j) => {
        if (names.includes(name)) return;
        const hint = didYouMean(name, names);
        drafts.push({
          path: [...envPath, 'decision', i, 'triggers', j],
          message: `trigger "${name}" is not a trigger of this environment, so the row would never match; ${hint ? `did you mean "${hint}"?` : `write one of ${names.join(', ') || '(no triggers defined)'}`}`,
        });
      });
    });
    drafts.push(...checkApprovalName(env.default_approval, env, [...envPath, 'default_approval']));
  }
  return drafts;
}

export type EnvironmentPolicy = Policy['environments'][string];

/** Checks that only fail at run time otherwise: PromQL syntax, strategies, empty environments. */
export function checkEnvironment(
  policy: Policy,
  envName: string,
  env: EnvironmentPolicy,
  strict: boolean,
  defaultWritten: boolean,
): Draft[] {
  const drafts: Draft[] = [];
  const envPath: Segment[] = ['environments', envName];
  const isPrometheus = (name: string): boolean =>
    Object.hasOwn(policy.sources, name) && policy.sources[name]?.type === 'prometheus';
  const promql = (query: string, path: Segment[]): void => {
    const error = promqlSyntaxError(query);
    if (error) drafts.push({ path, message: error.message, inner: error.index });
  };

  if (strict && env.triggers.length === 0) {
    drafts.push({
      path: envPath,
      at: 'key',
      message: `environment "${envName}" has no triggers, so evaluating it can never decide anything; add triggers under it`,
    });
  }
  env.triggers.forEach((t, i) => {
    const at = (...rest: Segment[]): Segment[] => [...envPath, 'triggers', i, ...rest];
    if (t.query !== '' && isPrometheus(t.source)) promql(t.query, at('query'));
    if (t.kind === 'burn-rate' && !(t.objective.value > 0 && t.objective.value < 1)) {
      drafts.push({
        path: at('objective'),
        message: `objective ${t.objective.text} leaves no error budget (the burn rate divides by 1 - objective); write a ratio between 0 and 100%, such as 99.9%`,
      });
    }
  });
  if (env.impact && isPrometheus(env.impact.source)) {
    promql(env.impact.query, [...envPath, 'impact', 'query']);
  }
  env.verify.checks.forEach((check, i) => {
    if (check.type === 'metric' && isPrometheus(check.source)) {
      promql(check.query, [...envPath, 'verify', 'checks', i, 'query']);
    }
  });

  // A decision (or the default) that picks a strategy the environment does not configure fails
  // the rollback when it is needed. An environment configuring no strategy leaves the rollback
  // to its own workflow and is not checked.
  const strategies = env.rollback.strategies;
  const configured = (['feature-flag', 'config', 'redeploy', 'full'] as const).filter(
    (name) => strategies[name] !== undefined,
  );
  if (configured.length > 0) {
    const problem = (name: string): string | undefined => {
      if (name === 'full' && strategies.full !== undefined && strategies.redeploy === undefined) {
        return 'strategy full redeploys as configured under rollback.strategies.redeploy, which is missing; add it';
      }
      return (strategies as Record<string, unknown>)[name] === undefined
        ? `strategy ${name} can be picked here but rollback.strategies.${name} is not configured; configure it or pick one of ${configured.join(', ')}`
        : undefined;
    };
    env.decision.forEach((rule, i) => {
      const message = problem(rule.strategy);
      if (message) drafts.push({ path: [...envPath, 'decision', i, 'strategy'], message });
    });
    // The default is picked when no rule matches; rules matching every impact of every
    // severity make it unreachable.
    const catchAll = (['critical', 'warning'] as const).every((severity) =>
      env.decision.some(
        (r) =>
          (r.severity === undefined || r.severity === severity) &&
          r.min_impact === undefined &&
          r.max_impact === undefined,
      ),
    );
    const message =
      catchAll || !(defaultWritten || strict) ? undefined : problem(env.default_strategy);
    if (message) drafts.push({ path: [...envPath, 'default_strategy'], message });
  }
  return drafts;
}

/** Every `provider:` names a flag provider under `flags`. */
export function checkFlagProviders(policy: Policy): Draft[] {
  const drafts: Draft[] = [];
  const names = Object.keys(policy.flags);
  const check = (provider: string | undefined, path: Segment[]): void => {
    if (provider === undefined || Object.hasOwn(policy.flags, provider)) return;
    const hint = didYouMean(provider, names);
    drafts.push({
      path,
      message:
        names.length === 0
          ? `no flag provider "${provider}": define it under flags`
          : `no flag provider "${provider}" under flags${hint ? ` (did you mean "${hint}"?)` : ''}; known providers are ${names.join(', ')}`,
    });
  };
  for (const [envName, env] of Object.entries(policy.environments)) {
    const envPath: Segment[] = ['environments', envName];
    const ff = env.rollback.strategies['feature-flag'];
    if (ff) check(ff.provider, [...envPath, 'rollback', 'strategies', 'feature-flag', 'provider']);
    env.verify.checks.forEach((c, i) => {
      if (c.type === 'flag-off') check(c.provider, [...envPath, 'verify', 'checks', i, 'provider']);
    });
    check(env.recovery.flag?.provider, [...envPath, 'recovery', 'flag', 'provider']);
  }
  return drafts;
}

/**
 * Once an environment names approval rules (rollback.approvals), an approval that is neither
 * none nor one of them is a mistake: a typo of `senior-consensus` would otherwise be routed to
 * a GitHub Environment's reviewers (or nobody) instead of the comment approvals it meant.
 */
export function checkApprovalName(approval: string, env: Environment, path: Segment[]): Draft[] {
  const names = Object.keys(env.rollback.approvals);
  if (names.length === 0 || approval === 'none' || Object.hasOwn(env.rollback.approvals, approval))
    return [];
  const hint = didYouMean(approval, names);
  return [
    {
      path,
      message: `no approval rule "${approval}" under rollback.approvals${hint ? ` (did you mean "${hint}"?)` : ''}; write none or one of ${names.join(', ')}`,
    },
  ];
}

/** A row's `flag` only means something for a feature-flag rollback the policy can plan. */
export function checkDecisionFlag(
  rule: DecisionRule,
  env: Environment,
  rulePath: Segment[],
): Draft[] {
  if (!rule.flag) return [];
  const at = (...rest: Segment[]): Segment[] => [...rulePath, 'flag', ...rest];
  if (rule.strategy !== 'feature-flag') {
    return [
      {
        path: at(),
        message: `flag applies to strategy feature-flag only; this row picks ${rule.strategy}, so remove flag or write strategy: feature-flag`,
      },
    ];
  }
  const base = env.rollback.strategies['feature-flag'];
  if (!base) {
    return [
      {
        path: at(),
        message:
          'this row switches a flag, but rollback.strategies.feature-flag is not configured (provider and flag name); add it',
      },
    ];
  }
  if (rule.flag.mode === 'components' && !rule.flag.components && base.components.length === 0) {
    return [
      {
        path: at('mode'),
        message:
          'mode components needs the components to switch off; add components: [...] here or under rollback.strategies.feature-flag',
      },
    ];
  }
  return [];
}
