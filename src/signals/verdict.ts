/** Verdicts (per trigger) and the decision (per environment): the engine's output contract. */
import type { DecisionFlag, Severity, StrategyName } from '../policy/schema.ts';
import type { QuantityUnit } from '../policy/quantity.ts';

export type VerdictStatus = 'breached' | 'ok' | 'inconclusive';

export interface Verdict {
  name: string;
  kind: string;
  severity: Severity;
  status: VerdictStatus;
  /** The observed value that decided the verdict (worst series), in the threshold's unit. */
  value: number | null;
  /** Human rendering of value, e.g. "7.2%". */
  valueText: string | null;
  /** Human rendering of the condition, e.g. "> 5% for 15m". */
  threshold: string;
  /** Since when the condition has held without interruption (ISO 8601), when breached or pending. */
  since: string | null;
  /**
   * The condition already held at the start of the data read, so it began before `since`
   * ("since before 10:02"). Absent when `since` is where it began.
   */
  sinceBefore?: boolean;
  /**
   * Over the threshold now but not yet for the trigger's `for`: Prometheus' `pending`. The
   * status stays `ok` (decisions count only breaches), so people and the JSON see the two apart.
   */
  pending?: boolean;
  /** One sentence in plain words explaining the verdict. */
  reason: string;
  query: string;
  source: string;
  /** Labels of the series that decided the verdict. */
  labels: Record<string, string>;
  /** Points for the chart: the evaluated value at each step over the displayed window. */
  points: { t: number; v: number | null }[];
  /** The threshold as a plain number (for charts), when the trigger has one. */
  thresholdValue: number | null;
  impact: number | null;
  /** The unit of value and thresholdValue, for charts drawn in the table's unit. */
  unit?: QuantityUnit;
  /** A shadow trigger (or one of an environment in shadow mode): evaluated, never acted on. */
  shadow?: boolean;
}

export type DecisionKind = 'rollback' | 'warn' | 'hold' | 'none';

export interface Decision {
  decision: DecisionKind;
  environment: string;
  severity: Severity | null;
  /** Share of users affected (0..1) when known. */
  impact: number | null;
  strategy: StrategyName | null;
  approval: string | null;
  /**
   * The matched decision row's way of switching the flag (strategy feature-flag only), which
   * replaces the keys it gives of rollback.strategies.feature-flag for this rollback.
   */
  flag?: DecisionFlag | null;
  /**
   * Set when the matched row says `action: evaluate`: a critical breach that the runbook leaves
   * to a team decision. The decision is then `warn`, never `rollback`.
   */
  teamDecision?: boolean;
  /** GitHub mentions (`@alice`, `@acme/sre`) the matched row asks to decide or to know. */
  ask?: string[];
  evaluatedAt: string;
  /** Names of breached triggers. */
  triggered: string[];
  /** The decision explained in one paragraph of plain words. */
  summary: string;
  triggers: Verdict[];
  /**
   * What shadow triggers would have decided, when that differs from `decision`: reported
   * ("would have rolled back") but never acted on.
   */
  shadow?: {
    decision: DecisionKind;
    severity: Severity | null;
    strategy: StrategyName | null;
    approval: string | null;
    triggered: string[];
    summary: string;
  };
}
