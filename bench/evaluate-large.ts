/**
 * Bench worker: 200 triggers over SERIES series of POINTS one-minute points, read from one
 * OpenMetrics file. Runs in its own process so its peak RSS is its own (the file is generated
 * by an earlier process: `evaluate-large.ts generate`). Prints one JSON line.
 *
 *   node bench/evaluate-large.ts [generate] [--series N] [--points P] [--policy mixed|window1h|rules]
 *
 * `mixed` is the four kinds the product uses; `window1h` is 200 one-hour averages (what a run
 * over a long recording keeps is then one hour per series, whatever the file's length);
 * `rules` is threshold and window triggers that Prometheus has rules for, the work the promtool
 * side-by-side runs (see promtool-rules.ts).
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/logger.ts';
import { parsePolicy } from '../src/core/policy-load.ts';
import { evaluateEnvironment } from '../src/evaluate/evaluate-environment.ts';
import { createSources } from '../src/sources/index.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    series: { type: 'string', default: '1000' },
    points: { type: 'string', default: '360' },
    policy: { type: 'string', default: 'mixed' },
  },
});
const SERIES = Number(args.series);
const POINTS = Number(args.points);
const TRIGGERS = 200;
const STEP_S = 60;
const END = Date.parse('2026-11-24T12:00:00Z') / 1000;
const START = END - (POINTS - 1) * STEP_S;

const dir = join(import.meta.dirname, '..', '.tmp', 'bench');
mkdirSync(dir, { recursive: true });
export const file = join(dir, `large-${SERIES}x${POINTS}.om`);

/** The value of series s at point i: the same function the promtool side-by-side writes. */
export function benchValue(s: number, i: number, points: number): number {
  const group = s % TRIGGERS;
  const late = i > points - 60 && group % 3 === 0 ? 0.05 : 0;
  return Number((0.01 + ((s * 7 + i * 13) % 100) / 1000 + late).toFixed(5));
}

// Generating the file is not part of the measurement: it runs in its own process first, and
// writes in chunks (a week of minutes for 1,000 series is over 600 MB, more than one string).
if (positionals[0] === 'generate') {
  if (!existsSync(file)) {
    const fd = openSync(`${file}.part`, 'w');
    let chunk = '# TYPE bench_metric gauge\n';
    for (let s = 0; s < SERIES; s++) {
      const head = `bench_metric{group="g${s % TRIGGERS}",instance="i${s}"} `;
      for (let i = 0; i < POINTS; i++) {
        chunk += `${head}${benchValue(s, i, POINTS)} ${START + i * STEP_S}\n`;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
    }
    writeSync(fd, `${chunk}# EOF\n`);
    closeSync(fd);
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.part`, file);
  }
  process.exit(0);
}

const query = (n: number): string => `bench_metric{group="g${n}"}`;
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
  rules: RULE_TRIGGERS().map(
    (r) => (n: number) =>
      `{name: t${n}, severity: critical, source: recorded, query: '${query(n)}', ${r.policy}}`,
  ),
};

/** Triggers Prometheus has a rule for: `expr` is the alerting rule, `policy` the trigger. */
export function RULE_TRIGGERS(): { expr: (q: string) => string; for: string; policy: string }[] {
  return [
    { expr: (q) => `${q} > 0.05`, for: '15m', policy: 'threshold: 0.05, for: 15m' },
    {
      expr: (q) => `quantile_over_time(0.95, ${q}[30m]) > 0.1`,
      for: '0s',
      policy: 'kind: aggregate, aggregate: quantile, quantile: 0.95, window: 30m, threshold: 0.1',
    },
    {
      expr: (q) => `avg_over_time(${q}[10m]) > 0.0605`,
      for: '5m',
      policy: 'kind: aggregate, aggregate: avg, window: 10m, threshold: 0.0605, for: 5m',
    },
    {
      expr: (q) => `max_over_time(${q}[5m]) >= 0.1`,
      for: '2m',
      policy: 'kind: aggregate, aggregate: max, window: 5m, op: ">=", threshold: 0.1, for: 2m',
    },
  ];
}

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

if (import.meta.main) {
  const parsed = parsePolicy(policyText(args.policy, file), 'bench.yml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));

  const t0 = performance.now();
  const { sources } = createSources(parsed.policy, {
    env: {},
    policyDir: dir,
    logger: silentLogger,
  });
  const decision = await evaluateEnvironment({
    policy: parsed.policy,
    environment: 'bench',
    sources,
    at: END * 1000,
    deployedAt: (END - 7200) * 1000,
    logger: silentLogger,
  });
  const firstMs = performance.now() - t0;
  // A second pass over the parsed file: the cost of evaluation alone.
  const t1 = performance.now();
  await evaluateEnvironment({
    policy: parsed.policy,
    environment: 'bench',
    sources,
    at: END * 1000,
    deployedAt: (END - 7200) * 1000,
    logger: silentLogger,
  });
  const secondMs = performance.now() - t1;

  const counts = { breached: 0, ok: 0, inconclusive: 0 };
  for (const v of decision.triggers) counts[v.status] += 1;
  const reasons = [
    ...new Set(decision.triggers.filter((v) => v.status === 'inconclusive').map((v) => v.reason)),
  ];
  console.log(
    JSON.stringify({
      series: SERIES,
      points: POINTS,
      policy: args.policy,
      triggers: decision.triggers.length,
      firstEvaluationMs: Math.round(firstMs),
      evaluationOnlyMs: Math.round(secondMs),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      verdicts: counts,
      decision: decision.decision,
      ...(reasons.length > 0 ? { inconclusiveReasons: reasons.slice(0, 2) } : {}),
    }),
  );
}
