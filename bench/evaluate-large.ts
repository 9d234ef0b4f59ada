/**
 * Bench worker: 200 triggers over 1,000 series of 360 points, read from one OpenMetrics file.
 * Runs in its own process so its peak RSS is its own. Prints one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../src/core/logger.ts';
import { parsePolicy } from '../src/core/policy-load.ts';
import { evaluateEnvironment } from '../src/evaluate/evaluate-environment.ts';
import { createSources } from '../src/sources/index.ts';

const SERIES = 1000;
const POINTS = 360;
const TRIGGERS = 200;
const STEP_S = 60;
const END = Date.parse('2026-11-24T12:00:00Z') / 1000;
const START = END - (POINTS - 1) * STEP_S;

const dir = join(import.meta.dirname, '..', '.tmp', 'bench');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'large.om');
const lines: string[] = ['# TYPE bench_metric gauge'];
for (let s = 0; s < SERIES; s++) {
  const group = s % TRIGGERS;
  for (let i = 0; i < POINTS; i++) {
    const v = 0.01 + ((s * 7 + i * 13) % 100) / 1000 + (i > 300 && group % 3 === 0 ? 0.05 : 0);
    lines.push(
      `bench_metric{group="g${group}",instance="i${s}"} ${v.toFixed(5)} ${START + i * STEP_S}`,
    );
  }
}
lines.push('# EOF', '');
writeFileSync(file, lines.join('\n'));

const kinds = [
  (n: number) =>
    `      - {name: t${n}, severity: critical, source: recorded, query: 'bench_metric{group="g${n}"}', threshold: 5%, for: 15m}`,
  (n: number) =>
    `      - {name: t${n}, kind: aggregate, severity: warning, source: recorded, query: 'bench_metric{group="g${n}"}', aggregate: quantile, quantile: 0.95, window: 30m, threshold: 10%}`,
  (n: number) =>
    `      - {name: t${n}, kind: trend, severity: warning, source: recorded, query: 'bench_metric{group="g${n}"}', window: 30m}`,
  (n: number) =>
    `      - {name: t${n}, kind: burn-rate, severity: critical, source: recorded, query: 'bench_metric{group="g${n}"}', objective: 99%}`,
];
const policyText = [
  'version: 1',
  'sources:',
  `  recorded: {type: file, path: ${file}}`,
  'environments:',
  '  bench:',
  '    triggers:',
  ...Array.from({ length: TRIGGERS }, (_, n) => (kinds[n % kinds.length] ?? kinds[0])?.(n) ?? ''),
  '',
].join('\n');
const parsed = parsePolicy(policyText, 'bench.yml');
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));

const t0 = performance.now();
const { sources } = createSources(parsed.policy, { env: {}, policyDir: dir, logger: silentLogger });
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
  logger: silentLogger,
});
const secondMs = performance.now() - t1;

const counts = { breached: 0, ok: 0, inconclusive: 0 };
for (const v of decision.triggers) counts[v.status] += 1;
console.log(
  JSON.stringify({
    series: SERIES,
    points: POINTS,
    triggers: decision.triggers.length,
    firstEvaluationMs: Math.round(firstMs),
    evaluationOnlyMs: Math.round(secondMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    verdicts: counts,
    decision: decision.decision,
  }),
);
