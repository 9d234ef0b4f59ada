/**
 * The job summary of evaluate-triggers: the decision in one sentence, the table of triggers and,
 * for each breached trigger, a chart of its series against the threshold (Mermaid xychart-beta,
 * which GitHub renders in Markdown).
 */
import { escapeMarkdown, mermaidLabel } from './markdown.ts';
import type { Decision, Verdict } from './verdict.ts';

const STATUS_ICON: Record<Verdict['status'], string> = {
  breached: '🔴 breached',
  ok: '🟢 ok',
  inconclusive: '🟡 inconclusive',
};

const HEADLINE: Record<Decision['decision'], string> = {
  rollback: '🚨 Roll back',
  warn: '⚠️ Warning',
  hold: '⏸️ Hold',
  none: '✅ Healthy',
};

const SHADOW_WOULD: Record<Decision['decision'], string> = {
  rollback: 'rolled back',
  warn: 'warned',
  hold: 'held the deployment',
  none: 'taken no action',
};

export function renderDecisionSummary(decision: Decision): string {
  const lines: string[] = [];
  lines.push(`## ${HEADLINE[decision.decision]}: ${escapeMarkdown(decision.environment)}`);
  lines.push('');
  lines.push(escapeMarkdown(decision.summary));
  lines.push('');
  lines.push(`Evaluated at ${decision.evaluatedAt}.`);
  lines.push('');
  if (decision.shadow) {
    // Apart from the headline, so nobody reads a shadow breach as an action taken.
    lines.push(
      `> **Shadow decision: would have ${SHADOW_WOULD[decision.shadow.decision]}** (${escapeMarkdown(decision.shadow.triggered.join(', ') || 'no trigger breached')}); Ripcord did not act. Remove \`shadow: true\` from the policy to let it act.`,
    );
    lines.push('');
  }
  lines.push('| Trigger | Severity | Status | Value | Threshold | Since | Reason |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const v of decision.triggers) {
    lines.push(
      `| ${escapeMarkdown(v.name)}${v.shadow ? ' (shadow)' : ''} | ${v.severity} | ${STATUS_ICON[v.status]} | ${escapeMarkdown(v.valueText ?? '—')} | ${escapeMarkdown(v.threshold)} | ${v.since ?? '—'} | ${escapeMarkdown(v.reason)} |`,
    );
  }
  for (const v of decision.triggers.filter((t) => t.status === 'breached')) {
    const chart = renderChart(v);
    if (chart) {
      lines.push('', `### ${escapeMarkdown(v.name)}`, '', chart);
    }
    lines.push('', `Query (${escapeMarkdown(v.source)}): \`${v.query.replace(/`/g, "'")}\``);
  }
  return lines.join('\n') + '\n';
}

const MAX_POINTS = 60;

/** A line for the series and one for the threshold; gaps are left out rather than drawn as zero. */
export function renderChart(v: Verdict): string | null {
  const points = downsample(
    v.points.filter((p): p is { t: number; v: number } => p.v !== null && Number.isFinite(p.v)),
  );
  if (points.length < 2) return null;
  const values = points.map((p) => p.v);
  const all = v.thresholdValue === null ? values : [...values, v.thresholdValue];
  const lo = Math.min(0, ...all);
  const hi = Math.max(...all) * 1.1 || 1;
  const labels = points.map((p) => `"${new Date(p.t).toISOString().slice(11, 16)}"`);
  const out = [
    '```mermaid',
    'xychart-beta',
    `  title "${mermaidLabel(`${v.name}: ${v.threshold}`)}"`,
    `  x-axis [${labels.join(', ')}]`,
    `  y-axis "${mermaidLabel(v.name)}" ${fmt(lo)} --> ${fmt(hi)}`,
    `  line [${values.map(fmt).join(', ')}]`,
  ];
  const threshold = v.thresholdValue;
  if (threshold !== null) out.push(`  line [${points.map(() => fmt(threshold)).join(', ')}]`);
  out.push('```');
  return out.join('\n');
}

function downsample<T>(points: T[]): T[] {
  if (points.length <= MAX_POINTS) return points;
  const stride = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

function fmt(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}
