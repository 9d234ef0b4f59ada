/**
 * The data and policies of the large benches, shared by the evaluation worker and the promtool
 * side-by-side: SERIES series of POINTS one-minute points ending at END, in one OpenMetrics
 * file, and 200 triggers each selecting the series of one group.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const TRIGGERS = 200;
export const STEP_S = 60;
export const END = Date.parse('2026-11-24T12:00:00Z') / 1000;
export const dir = join(import.meta.dirname, '..', '.tmp', 'bench');

export function fileFor(series: number, points: number): string {
  return join(dir, `large-${series}x${points}.om`);
}

/** The value of series s at point i: group%3==0 series rise over the last hour. */
export function benchValue(s: number, i: number, points: number): number {
  const late = i > points - 60 && (s % TRIGGERS) % 3 === 0 ? 0.05 : 0;
  return Number((0.01 + ((s * 7 + i * 13) % 100) / 1000 + late).toFixed(5));
}

export function labelsOf(s: number): { group: string; instance: string } {
  return { group: `g${s % TRIGGERS}`, instance: `i${s}` };
}

/**
 * Writes the file once, in chunks (a week of minutes for 1,000 series is 600 MB, more than one
 * string can hold). Generating is not part of any measurement.
 */
export function generate(series: number, points: number): string {
  const file = fileFor(series, points);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const start = END - (points - 1) * STEP_S;
  const fd = openSync(`${file}.part`, 'w');
  let chunk = '# TYPE bench_metric gauge\n';
  for (let s = 0; s < series; s++) {
    const { group, instance } = labelsOf(s);
    const head = `bench_metric{group="${group}",instance="${instance}"} `;
    for (let i = 0; i < points; i++) {
      chunk += `${head}${benchValue(s, i, points)} ${start + i * STEP_S}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
  }
  writeSync(fd, `${chunk}# EOF\n`);
  closeSync(fd);
  renameSync(`${file}.part`, file);
  return file;
}

/**
 * Triggers Prometheus has an alerting rule for: `expr` is the rule, `policy` the trigger.
 * Thresholds of averages and quantiles sit off the grid of possible values, so float rounding
 * cannot decide a comparison.
 */
export const RULE_TRIGGERS: { expr: (q: string) => string; for: string; policy: string }[] = [
  { expr: (q) => `${q} > 0.05`, for: '15m', policy: 'threshold: 0.05, for: 15m' },
  {
    expr: (q) => `quantile_over_time(0.95, ${q}[30m]) > 0.10017`,
    for: '0s',
    policy: 'kind: aggregate, aggregate: quantile, quantile: 0.95, window: 30m, threshold: 0.10017',
  },
  {
    expr: (q) => `avg_over_time(${q}[10m]) > 0.06053`,
    for: '5m',
    policy: 'kind: aggregate, aggregate: avg, window: 10m, threshold: 0.06053, for: 5m',
  },
  {
    expr: (q) => `max_over_time(${q}[5m]) >= 0.1`,
    for: '2m',
    policy: 'kind: aggregate, aggregate: max, window: 5m, op: ">=", threshold: 0.1, for: 2m',
  },
];

export const query = (n: number): string => `bench_metric{group="g${n}"}`;

const policies: Record<string, ((n: number) => string)[]> = {
  mixed: [
    (n) =>
      `{name: t${n}, severity: critical, source: recorded, query: '${query(n)}', threshold: 5%, for: 15m}`,
    (n) =>
      `{name: t${n}, kind: aggregate, severity: warning, source: recorded, query: '${query(n)}', aggregate: quantile, quantile: 0.95, window: 30m, threshold: 10%}`,
    (n) =>
      `{name: t${n}, kind: trend, severity: warning, source: recorded, query: '${query(n)}', window: 30m}`,
    (n) =>
      `{name: t${n}, kind: burn-rate, severity: critical, source: recorded, query: '${query(n)}', objective: 99%}`,
  ],
  window1h: [
    (n) =>
      `{name: t${n}, kind: aggregate, severity: warning, source: recorded, query: '${query(n)}', aggregate: avg, window: 1h, threshold: 10%}`,
  ],
  rules: RULE_TRIGGERS.map(
    (r) => (n: number) =>
      `{name: t${n}, severity: critical, source: recorded, query: '${query(n)}', ${r.policy}}`,
  ),
};

/**
 * `mixed` is the four kinds the product uses; `window1h` is 200 one-hour averages (what a run
 * over a long recording keeps is then about one hour per series, whatever the file's length);
 * `rules` is what Prometheus has rules for, the work of the promtool side-by-side.
 */
export function policyText(kind: string, path: string): string {
  const kinds = policies[kind];
  if (!kinds) throw new Error(`--policy ${kind}: write one of ${Object.keys(policies).join(', ')}`);
  return [
    'version: 1',
    'sources:',
    `  recorded: {type: file, path: ${path}}`,
    'environments:',
    '  bench:',
    '    triggers:',
    ...Array.from({ length: TRIGGERS }, (_, n) => `      - ${kinds[n % kinds.length]?.(n) ?? ''}`),
    '',
  ].join('\n');
}
