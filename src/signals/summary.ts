/**
 * The job summary of evaluate-triggers: the decision in one sentence, the table of triggers and,
 * for each breached trigger, a chart of its series against the threshold (Mermaid xychart-beta,
 * which GitHub renders in Markdown).
 */
import { escapeMarkdown, mermaidLabel } from '../shared/markdown.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatUtc } from '../shared/time-format.ts';
import type { Decision, Verdict } from './verdict.ts';
import type { Policy } from '../policy/schema.ts';

type PolicySource = Policy['sources'][string];

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

/** Where a trigger's source can be opened in its own UI: a Prometheus base URL, a Datadog site. */
export interface SourceLinks {
  [source: string]:
    { type: 'prometheus'; url: string } | { type: 'datadog'; site: string } | { type: 'other' };
}

/** The link targets of a policy's sources (no secrets: base URLs and sites only). */
export function sourceLinksOf(sources: Record<string, PolicySource>): SourceLinks {
  return Object.fromEntries(
    Object.entries(sources).map(([name, s]) => [
      name,
      s.type === 'prometheus'
        ? { type: 'prometheus' as const, url: s.url }
        : s.type === 'datadog'
          ? { type: 'datadog' as const, site: s.site }
          : { type: 'other' as const },
    ]),
  );
}

export function renderDecisionSummary(decision: Decision, sources: SourceLinks = {}): string {
  const lines: string[] = [];
  const at = Date.parse(decision.evaluatedAt);
  lines.push(`## ${HEADLINE[decision.decision]}: ${escapeMarkdown(decision.environment)}`);
  lines.push('');
  lines.push(escapeMarkdown(decision.summary));
  lines.push('');
  lines.push(`Evaluated at ${utc(at)}.`);
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
    const since = v.since === null ? '—' : sinceText(Date.parse(v.since), at);
    lines.push(
      `| ${escapeMarkdown(v.name)}${v.shadow ? ' (shadow)' : ''} | ${v.severity} | ${STATUS_ICON[v.status]} | ${escapeMarkdown(v.valueText ?? '—')} | ${escapeMarkdown(v.threshold)} | ${since} | ${escapeMarkdown(v.reason)} |`,
    );
  }
  for (const v of decision.triggers.filter((t) => t.status === 'breached')) {
    const chart = renderChart(v);
    if (chart) {
      lines.push('', `### ${escapeMarkdown(v.name)}`, '', chart);
      lines.push('', legend(v));
    }
    const link = metricLinkMarkdown(v, sources[v.source]);
    const query = `Query (${escapeMarkdown(v.source)}): \`${v.query.replace(/`/g, "'")}\``;
    lines.push('', link ? `${query} · ${link}` : query);
  }
  lines.push('', ...nextSteps(decision, sources));
  return lines.join('\n') + '\n';
}

/** What a person can do next, by decision: the summary never ends on a verdict alone. */
function nextSteps(d: Decision, sources: SourceLinks): string[] {
  const env = d.environment;
  const steps: string[] = ['### What to do next', ''];
  switch (d.decision) {
    case 'rollback':
      steps.push(
        `- The rollback (${d.strategy ?? 'default strategy'}) runs next in this workflow. To stop it, cancel this workflow run before the Roll back step starts.`,
        `- Follow it on the incident issue (label \`ripcord:incident\`, environment ${escapeMarkdown(env)}), which the rollback opens and links from its summary.`,
        `- If a run dies holding the lock: \`ripcord unlock --environment ${escapeMarkdown(env)} --reason "..."\`.`,
      );
      break;
    case 'hold':
      steps.push(
        '- A critical trigger cannot be read: fix the signal (query, source, token) or decide by hand; Ripcord will not clear this deployment.',
        `- To roll back by hand, run the rollback workflow (workflow_dispatch) for ${escapeMarkdown(env)}.`,
      );
      break;
    case 'warn':
      steps.push(
        '- A warning trigger breached: look at the chart and the query link above; no rollback is made for warnings.',
        `- To roll back by hand, run the rollback workflow (workflow_dispatch) for ${escapeMarkdown(env)}.`,
      );
      break;
    case 'none':
      steps.push('- Nothing: the deployment is within its thresholds.');
      break;
  }
  // The metric itself, in the source's own UI: where a person checks the verdict first.
  for (const v of d.triggers.filter((t) => t.status !== 'ok')) {
    const link = metricLinkMarkdown(v, sources[v.source]);
    if (link) steps.push(`- See ${escapeMarkdown(v.name)} where it is measured: ${link}.`);
  }
  if (d.shadow && d.shadow.decision !== 'none')
    steps.push(
      '- Shadow mode: compare this with what you saw; when Ripcord would have been right, remove `shadow: true` to let it act.',
    );
  return steps;
}

/** The metric's page in its source's own UI, as `[open in X](url)`, or null when there is none. */
export function metricLinkMarkdown(
  v: Pick<Verdict, 'query'>,
  source: SourceLinks[string] | undefined,
): string | null {
  const url = metricLink(v, source);
  if (url === null) return null;
  return `[open in ${source?.type === 'datadog' ? 'Datadog' : 'Prometheus'}](${url})`;
}

/**
 * The trigger's own query in its source's UI: Prometheus's graph page over the last hour, or
 * Datadog's Metrics Explorer for the query's metric, scope, aggregation and grouping (the
 * exp_* parameters the links in Datadog's own documentation use, such as
 * https://app.datadoghq.com/metric/explorer?exp_metric=aws.lambda.invocations&exp_group=functionname&exp_agg=sum).
 * A Datadog formula links its first metric.
 */
export function metricLink(
  v: Pick<Verdict, 'query'>,
  source: SourceLinks[string] | undefined,
): string | null {
  if (!v.query) return null;
  if (source?.type === 'prometheus') {
    const base = source.url.replace(/\/+$/, '');
    return `${base}/graph?g0.expr=${encodeURIComponent(v.query)}&g0.tab=0&g0.range_input=1h`;
  }
  if (source?.type === 'datadog') return datadogExplorerUrl(v.query, source.site);
  return null;
}

/** The web app of a Datadog site: `datadoghq.com` is served at app.datadoghq.com, `us3.datadoghq.com` at itself. */
export function datadogAppHost(site: string): string {
  const host = site
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (host.startsWith('app.')) return host;
  return host.split('.').length > 2 ? host : `app.${host}`;
}

function datadogExplorerUrl(query: string, site: string): string | null {
  const m = /(?:\b(avg|sum|min|max):)?([A-Za-z][\w.]*)\s*\{([^}]*)\}(?:\s*by\s*\{([^}]*)\})?/.exec(
    query,
  );
  if (!m?.[2]) return null;
  const params = new URLSearchParams({ exp_metric: m[2] });
  const scope = (m[3] ?? '').trim();
  if (scope && scope !== '*') params.set('exp_scope', scope);
  if (m[1]) params.set('exp_agg', m[1]);
  if (m[4]?.trim()) params.set('exp_group', m[4].trim());
  params.set('exp_row_type', 'metric');
  return `https://${datadogAppHost(site)}/metric/explorer?${params.toString()}`;
}

function utc(t: number): string {
  return formatUtc(t);
}

/** "21:02 UTC (18m before)": the time of day and how long ago, as read during an incident. */
function sinceText(t: number, at: number): string {
  const iso = new Date(t).toISOString();
  const clock = `${t % 60_000 === 0 ? iso.slice(11, 16) : iso.slice(11, 19)} UTC`;
  return at > t ? `${clock} (${formatDuration(at - t)} before)` : clock;
}

const MAX_POINTS = 60;

interface Scale {
  factor: number;
  suffix: string;
}

/** The unit the table shows, for the y-axis: ratios in %, seconds in ms below one second. */
function scaleFor(v: Verdict, values: number[]): Scale {
  switch (v.unit) {
    case 'ratio':
      return { factor: 100, suffix: '%' };
    case 'seconds': {
      const top = Math.max(...values.map(Math.abs), Math.abs(v.thresholdValue ?? 0));
      return top < 1 ? { factor: 1000, suffix: 'ms' } : { factor: 1, suffix: 's' };
    }
    case 'bytes':
      return { factor: 1 / 1_000_000, suffix: 'MB' };
    default:
      return { factor: 1, suffix: '' };
  }
}

function legend(v: Verdict): string {
  const values = v.points.flatMap((p) => (p.v === null ? [] : [p.v]));
  const { suffix } = scaleFor(v, values);
  const unit = suffix ? ` in ${suffix}` : '';
  const threshold =
    v.thresholdValue === null
      ? ''
      : `; second line: the threshold (${escapeMarkdown(v.threshold)})`;
  return `Legend: first line: ${escapeMarkdown(v.name)}${unit}${threshold}.`;
}

/** A line for the series and one for the threshold; gaps are left out rather than drawn as zero. */
export function renderChart(v: Verdict): string | null {
  const points = downsample(
    v.points.filter((p): p is { t: number; v: number } => p.v !== null && Number.isFinite(p.v)),
  );
  if (points.length < 2) return null;
  const scale = scaleFor(
    v,
    points.map((p) => p.v),
  );
  const values = points.map((p) => p.v * scale.factor);
  const threshold = v.thresholdValue === null ? null : v.thresholdValue * scale.factor;
  const all = threshold === null ? values : [...values, threshold];
  const lo = Math.min(0, ...all);
  const hi = Math.max(...all) * 1.1 || 1;
  const out = [
    '```mermaid',
    'xychart-beta',
    `  title "${mermaidLabel(`${v.name} ${v.threshold}`)}"`,
    `  x-axis [${xLabels(points.map((p) => p.t)).join(', ')}]`,
    `  y-axis "${mermaidLabel(scale.suffix ? `${v.name} (${scale.suffix})` : v.name)}" ${fmt(lo)} --> ${fmt(hi)}`,
    `  line [${values.map(fmt).join(', ')}]`,
  ];
  if (threshold !== null) out.push(`  line [${points.map(() => fmt(threshold)).join(', ')}]`);
  out.push('```');
  return out.join('\n');
}

/**
 * Mermaid merges equal category labels into one, so every label must differ: HH:MM when the
 * points are a minute or more apart, HH:MM:SS when two would share a minute.
 */
function xLabels(times: number[]): string[] {
  const minutes = times.map((t) => new Date(t).toISOString().slice(11, 16));
  const unique = new Set(minutes).size === minutes.length;
  const texts = unique ? minutes : times.map((t) => new Date(t).toISOString().slice(11, 19));
  return texts.map((t) => `"${t}"`);
}
function downsample<T>(points: T[]): T[] {
  if (points.length <= MAX_POINTS) return points;
  const stride = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

function fmt(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}
