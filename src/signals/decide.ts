/**
 * The decision for an environment from its verdicts. Fail safe: a critical trigger that cannot
 * be read holds the deployment instead of declaring it healthy.
 *
 * Shadow mode (`shadow: true` on a trigger or the environment) is decided here, once, so no
 * caller can forget it: shadow triggers take no part in the decision that acts; what they would
 * have caused is kept apart in `decision.shadow`, for the notice and the summaries.
 */
import type {
  DecisionFlag,
  DecisionRule,
  Environment,
  Severity,
  StrategyName,
} from '../policy/schema.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatValue } from '../policy/quantity.ts';
import type { Decision, DecisionKind, Verdict } from './verdict.ts';
import { plural } from '../shared/plural.ts';

export function decide(
  environmentName: string,
  env: Environment,
  verdicts: Verdict[],
  at: number,
  impactOverride?: number | null,
): Decision {
  const shadowNames = new Set(env.triggers.filter((t) => t.shadow).map((t) => t.name));
  const marked = verdicts.map((v) =>
    env.shadow || shadowNames.has(v.name) ? { ...v, shadow: true } : v,
  );
  const live = decideOn(
    environmentName,
    env,
    marked.filter((v) => !v.shadow),
    at,
    impactOverride,
  );
  const result: Decision = { ...live, triggers: marked };
  if (!marked.some((v) => v.shadow)) return result;
  const all = decideOn(environmentName, env, marked, at, impactOverride);
  if (all.decision === live.decision && sameNames(all.triggered, live.triggered)) {
    return env.shadow
      ? {
          ...result,
          summary: `${all.summary} ${environmentName} is in shadow mode: Ripcord never acts on it.`,
        }
      : result;
  }
  const would = SHADOW_WOULD[all.decision];
  const whose = env.shadow
    ? `${environmentName} is in shadow mode`
    : `shadow trigger${shadowOnly(all, live).length === 1 ? '' : 's'} ${shadowOnly(all, live).join(', ')}`;
  const summary = `Shadow: Ripcord would have ${would} (${whose}), and did not act: ${all.summary}`;
  return {
    ...result,
    summary: env.shadow ? summary : `${live.summary} ${summary}`,
    shadow: {
      decision: all.decision,
      severity: all.severity,
      strategy: all.strategy,
      approval: all.approval,
      triggered: all.triggered,
      summary,
    },
  };
}

const SHADOW_WOULD: Record<DecisionKind, string> = {
  rollback: 'rolled back',
  warn: 'warned',
  hold: 'held the deployment',
  none: 'taken no action',
};

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function shadowOnly(all: Decision, live: Decision): string[] {
  return all.triggered.filter((n) => !live.triggered.includes(n));
}

function decideOn(
  environmentName: string,
  env: Environment,
  verdicts: Verdict[],
  at: number,
  impactOverride?: number | null,
): Decision {
  const breached = verdicts.filter((v) => v.status === 'breached');
  const criticalBreached = breached.filter((v) => v.severity === 'critical');
  const criticalUnknown = verdicts.filter(
    (v) => v.severity === 'critical' && v.status === 'inconclusive',
  );
  // A warning trigger that cannot be read (its source is down) is not healthy either: it warns,
  // so a failing source surfaces even when only warning triggers read it.
  const warningUnknown = verdicts.filter(
    (v) => v.severity === 'warning' && v.status === 'inconclusive',
  );
  const breachSeverity: Severity | null =
    criticalBreached.length > 0 ? 'critical' : breached.length > 0 ? 'warning' : null;
  const impact = impactOverride ?? maxImpact(breached);
  const rule =
    breachSeverity !== null
      ? matchRule(
          env.decision,
          breachSeverity,
          impact,
          breached.filter((v) => v.severity === breachSeverity).map((v) => v.name),
        )
      : undefined;
  // A row that leaves a critical breach to a team decision ("Low: may not rollback") turns the
  // rollback into a warning that names who decides; it never rolls back on its own. It does not
  // override a hold: only a critical breach is matched against the rows.
  const teamDecision = rule?.action === 'evaluate';
  const decision: DecisionKind =
    criticalBreached.length > 0
      ? teamDecision
        ? 'warn'
        : 'rollback'
      : criticalUnknown.length > 0
        ? 'hold'
        : breached.length > 0 || warningUnknown.length > 0
          ? 'warn'
          : 'none';
  const severity: Severity | null = breachSeverity ?? (decision === 'warn' ? 'warning' : null);
  // A warn on unreadable triggers alone picks no strategy: nothing is known to be broken.
  const acts = decision === 'rollback' || (decision === 'warn' && breached.length > 0);
  const used = acts ? rule : undefined;
  const strategy: StrategyName | null = acts ? (used?.strategy ?? env.default_strategy) : null;
  const approval = acts ? (used?.approval ?? env.default_approval) : null;
  const flag = strategy === 'feature-flag' ? (used?.flag ?? null) : null;
  const ask = used?.ask ?? [];
  const summary = summarise({
    environmentName,
    decision,
    severity,
    impact,
    strategy,
    approval,
    fromMatrix: used !== undefined,
    flag,
    teamDecision: acts && teamDecision,
    ask,
    verdicts,
  });
  return {
    decision,
    environment: environmentName,
    severity,
    impact,
    strategy,
    approval,
    flag,
    teamDecision: acts && teamDecision,
    ask,
    evaluatedAt: new Date(at).toISOString(),
    triggered: breached.map((v) => v.name),
    summary,
    triggers: verdicts,
  };
}

function maxImpact(breached: Verdict[]): number | null {
  const known = breached.map((v) => v.impact).filter((i): i is number => i !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/**
 * The first rule matching; an impact bound never matches an unknown impact. A rule naming
 * triggers matches when one of them is among the breached ones (of the breach's severity).
 */
export function matchRule(
  rules: DecisionRule[],
  severity: Severity,
  impact: number | null,
  breached: readonly string[] = [],
): DecisionRule | undefined {
  return rules.find((rule) => {
    if (rule.severity !== undefined && rule.severity !== severity) return false;
    if (rule.triggers !== undefined && !rule.triggers.some((t) => breached.includes(t)))
      return false;
    if (rule.min_impact !== undefined && (impact === null || impact < rule.min_impact.value))
      return false;
    if (rule.max_impact !== undefined && (impact === null || impact >= rule.max_impact.value))
      return false;
    return true;
  });
}

interface SummaryInput {
  environmentName: string;
  decision: DecisionKind;
  severity: Severity | null;
  impact: number | null;
  strategy: StrategyName | null;
  approval: string | null;
  fromMatrix: boolean;
  flag: DecisionFlag | null;
  teamDecision: boolean;
  ask: string[];
  verdicts: Verdict[];
}

function summarise(input: SummaryInput): string {
  const { environmentName: env, verdicts } = input;
  const by = (severity: Severity, status: Verdict['status']): Verdict[] =>
    verdicts.filter((v) => v.severity === severity && v.status === status);
  switch (input.decision) {
    case 'rollback':
      return (
        `Roll back ${env}: ${reasons(by('critical', 'breached'))}; critical, ${impactText(input.impact)}; ` +
        `${strategyText(input)}.${alsoText(by('warning', 'breached'), 'warning triggers breached')}`
      );
    case 'hold':
      return (
        `Hold ${env}: ${reasons(by('critical', 'inconclusive'))}; a critical trigger that cannot be read is never taken as healthy, ` +
        `so Ripcord neither rolls back nor clears the deployment: fix the signal or decide by hand.` +
        alsoText(by('warning', 'breached'), 'warning triggers breached')
      );
    case 'warn':
      if (input.teamDecision) {
        return (
          `Team decision on ${env}: ${reasons(by('critical', 'breached'))}; critical, ${impactText(input.impact)}, ` +
          `but the decision matrix leaves this case to a team decision (action evaluate), so Ripcord does not roll back on its own. ` +
          `${askText(input.ask)} If they decide to roll back, ${strategyText(input)}.` +
          alsoText(by('warning', 'breached'), 'warning triggers breached')
        );
      }
      if (by('warning', 'breached').length === 0) {
        return (
          `Warn on ${env}: ${reasons(by('warning', 'inconclusive'))}; a warning trigger that cannot be read is not taken as healthy: ` +
          `fix the signal (no rollback is suggested, nothing is known to be broken).`
        );
      }
      return (
        `Warn on ${env}: ${reasons(by('warning', 'breached'))}; warning only, so no rollback, ${impactText(input.impact)}; ` +
        `if it came to a rollback, ${strategyText(input)}.` +
        alsoText(by('warning', 'inconclusive'), 'warning triggers are inconclusive') +
        (input.ask.length > 0 ? ` ${askText(input.ask)}` : '')
      );
    case 'none':
      return `No action for ${env}: ${healthyText(verdicts)}.${alsoText(by('warning', 'inconclusive'), 'note that warning triggers are inconclusive')}`;
  }
}

function reasons(verdicts: Verdict[]): string {
  return verdicts.map((v) => v.reason.replace(/\.$/, '')).join('; ');
}

function alsoText(verdicts: Verdict[], what: string): string {
  return verdicts.length > 0 ? ` Also, ${what}: ${reasons(verdicts)}.` : '';
}

function impactText(impact: number | null): string {
  return impact === null
    ? 'impact unknown'
    : `affecting about ${formatValue(impact, 'ratio')} of users`;
}

function askText(ask: string[]): string {
  return ask.length > 0
    ? `Asking ${ask.join(', ')} to decide.`
    : 'The row names nobody to ask (add ask: to it), so whoever watches this warning decides.';
}

/** `feature-flag (gradual 25% -> 0%, 5m apart)`: the way this row switches the flag. */
function flagText(flag: DecisionFlag | null): string {
  if (!flag) return '';
  switch (flag.mode) {
    case 'immediate':
      return ' (switched off at once)';
    case 'gradual': {
      const steps = flag.steps ? ` ${flag.steps.map((p) => `${p}%`).join(' -> ')}` : '';
      const wait = flag.step_wait ? `, ${formatDuration(flag.step_wait)} apart` : '';
      return ` (gradual${steps}${wait})`;
    }
    case 'components':
      return flag.components
        ? ` (only ${flag.components.join(', ')} switched off)`
        : ' (only its components)';
  }
}

function strategyText(input: SummaryInput): string {
  const picks = input.fromMatrix
    ? `the decision matrix picks ${input.strategy ?? 'nothing'}${flagText(input.flag)}`
    : `no decision rule matches, so the default strategy ${input.strategy ?? 'nothing'} applies`;
  const approval =
    input.approval === null || input.approval === 'none'
      ? 'no approval is needed'
      : `${input.approval} must approve before it runs`;
  return `${picks}, ${approval}`;
}

function healthyText(verdicts: Verdict[]): string {
  if (verdicts.length === 0) return 'no triggers are configured, so there is nothing to decide on';
  const ok = verdicts.filter((v) => v.status === 'ok').length;
  if (verdicts.length === 1 && ok === 1) return 'its only trigger is within its threshold';
  return ok === verdicts.length
    ? `all ${verdicts.length} trigger${verdicts.length === 1 ? ' is' : 's are'} within their thresholds`
    : `${ok} of ${plural(verdicts.length, 'trigger')} ${ok === 1 ? 'is' : 'are'} within their thresholds and no critical trigger breached or is inconclusive`;
}
