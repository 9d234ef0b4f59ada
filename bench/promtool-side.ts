/**
 * Side by side with Prometheus: the 1,000 x 360 `rules` work (200 alerting rules Prometheus
 * has, over the same series) run by `promtool test rules` and by Ripcord, each as a whole
 * process, timed in the same run. Ripcord's verdict for every series becomes promtool's
 * expected alerts, so promtool's exit status also says whether the two agree everywhere.
 * Prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateTrigger } from '../src/signals/engine.ts';
import { parsePolicy } from '../src/policy/load.ts';
import { loadRecording, parseSelector, selectSeries } from '../src/signals/sources/file.ts';
import { provisionPrometheus } from '../test/support/services/prometheus-binaries.ts';
import {
  benchValue,
  dir,
  END,
  generate,
  labelsOf,
  policyText,
  query,
  RULE_TRIGGERS,
  STEP_S,
  TRIGGERS,
} from './large-data.ts';

const SERIES = 1000;
const POINTS = 360;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// The same promtool the tests use: PATH, else the cached Debian package.
const { promtool: PROMTOOL } = await provisionPrometheus();
const file = generate(SERIES, POINTS);
const work = join(dir, 'promtool');
mkdirSync(work, { recursive: true });

// Ripcord's prediction per series, for promtool to check (not timed).
const parsed = parsePolicy(policyText('rules', file), 'bench.yml');
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
const triggers = parsed.policy.environments.bench?.triggers ?? [];
const recording = await loadRecording(file);
const ctx = { at: END * 1000, step: STEP_S * 1000, lookback: 300_000 };
const firing = triggers.map((trigger, n) =>
  selectSeries(recording, parseSelector(query(n)))
    .filter(
      (s) =>
        evaluateTrigger(
          trigger,
          { ok: true, kind: 'raw', series: [s], query: '' },
          ctx,
          'inconclusive',
          'file',
        ).status === 'breached',
    )
    .map((s) => s.labels),
);

const rules = [
  'groups:',
  '  - name: bench',
  '    rules:',
  ...Array.from({ length: TRIGGERS }, (_, n) => {
    const r = RULE_TRIGGERS[n % RULE_TRIGGERS.length];
    if (!r) throw new Error('no rule');
    return [
      `      - alert: t${n}`,
      `        expr: '${r.expr(query(n))}'`,
      `        for: ${r.for}`,
    ].join('\n');
  }),
  '',
].join('\n');
writeFileSync(join(work, 'rules.yml'), rules);
const series = Array.from({ length: SERIES }, (_, s) => {
  const { group, instance } = labelsOf(s);
  const values = Array.from({ length: POINTS }, (_, i) => String(benchValue(s, i, POINTS)));
  return `      - series: 'bench_metric{group="${group}",instance="${instance}"}'\n        values: '${values.join(' ')}'`;
});
const checks = firing.map((labels, n) => {
  const head = `      - eval_time: ${POINTS - 1}m\n        alertname: t${n}`;
  if (labels.length === 0) return `${head}\n        exp_alerts: []`;
  const alerts = labels.map(
    (l) =>
      `          - exp_labels:\n              group: ${l.group}\n              instance: ${l.instance}`,
  );
  return `${head}\n        exp_alerts:\n${alerts.join('\n')}`;
});
writeFileSync(
  join(work, 'test.yml'),
  [
    'rule_files: [rules.yml]',
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
    ...series,
    '    alert_rule_test:',
    ...checks,
    '',
  ].join('\n'),
);

function time(
  command: string,
  args: string[],
  cwd: string,
): { ms: number; status: number | null; output: string } {
  const t = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ms: performance.now() - t, status: r.status, output: `${r.stdout}${r.stderr}` };
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

// Interleaved, so both see the same load on a shared machine.
const promtoolMs: number[] = [];
const ripcordMs: number[] = [];
let agreement = { status: null as number | null, output: '' };
for (let i = 0; i < RUNS; i++) {
  const p = time(PROMTOOL, ['test', 'rules', 'test.yml'], work);
  promtoolMs.push(p.ms);
  agreement = p;
  const r = time(
    process.execPath,
    [join(import.meta.dirname, 'evaluate-large.ts'), '--policy', 'rules', '--once'],
    join(import.meta.dirname, '..'),
  );
  if (r.status !== 0) throw new Error(`ripcord failed: ${r.output}`);
  ripcordMs.push(r.ms);
}
const promtool = median(promtoolMs);
const ripcord = median(ripcordMs);
console.log(
  JSON.stringify({
    series: SERIES,
    points: POINTS,
    rules: TRIGGERS,
    firingSeries: firing.reduce((n, l) => n + l.length, 0),
    promtoolMs: Math.round(promtool),
    ripcordMs: Math.round(ripcord),
    ratio: Math.round((ripcord / promtool) * 100) / 100,
    promtoolAgrees: agreement.status === 0,
    ...(agreement.status === 0 ? {} : { promtoolSays: agreement.output.slice(0, 2000) }),
  }),
);
