/**
 * The engine against Prometheus itself, down to the last bit. Seeded random cases: irregular
 * scrape intervals (15-120 s with jitter) and regular ones, runs of missing samples and long
 * gaps right before evaluation times, 15 s / 30 s / 1 m evaluation steps, `for` and windows in
 * seconds, all four comparison operators, instant values and avg/min/max/quantile_over_time,
 * and thresholds that tie with a value the expression takes (where one rounding decides).
 *
 * For every case the engine predicts, at several evaluation times, which series fire and the
 * exact value of the expression; those predictions become one promtool rule-test file
 * (`exp_alerts` and `exp_samples`, which promtool compares as float64 `==`). Truth comes only
 * from promtool. Then each deliberate semantics change (a `for` one step short, windows or
 * lookback open at their start, another average arithmetic, `>=` read as `>`) is handed to the
 * engine through `EvaluationContext.semantics`, and promtool must reject every case it changes:
 * the agreement test has teeth, and the figures say how sharp.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { evaluateTrigger, type EvaluationContext } from '../../src/signals/engine.ts';
import { trigger as triggerSchema, type Trigger } from '../../src/policy/schema.ts';
import { PROMETHEUS_2_42, type ComparisonOp, type Semantics } from '../../src/signals/promql.ts';
import { seriesFromSamples, type Series, type SignalResult } from '../../src/signals/signal.ts';
import type { Verdict } from '../../src/signals/verdict.ts';
import { promDuration, requirePromtool, testRules, testRulesBatch } from '../support/promtool.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const LOOKBACK = 5 * MIN;
const CASES = 1_200;
const SEED = 17_0242;
/** Test files per promtool process: few processes, each small enough to report promptly. */
const BATCH = 400;
const INSTANCES = ['a', 'b', 'c'];

/** mulberry32: small, seeded, and the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T =>
  items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const alignUp = (t: number, step: number): number => Math.ceil(t / step) * step;

type Kind = 'instant' | 'avg' | 'min' | 'max' | 'quantile';

interface CaseSeries {
  instance: string;
  /** Sample times, ms, whole seconds. */
  times: number[];
  values: number[];
}

interface Case {
  id: number;
  metric: string;
  /** Evaluation interval, ms. */
  step: number;
  series: CaseSeries[];
  kind: Kind;
  window: number;
  q: number;
  op: ComparisonOp;
  threshold: number;
  /** How the threshold was chosen: a tie with an expression value, a sample, a mean, or not. */
  tie: 'value' | 'sample' | 'mean' | 'none';
  holdFor: number;
  evalTimes: number[];
  scrape: 'regular' | 'irregular';
}

/** Sample times over `length` ms: regular or jittered, with runs of missing samples and long gaps. */
function sampleTimes(rand: Rand, length: number): { times: number[]; regular: boolean } {
  const regular = rand() < 0.4;
  const interval = regular ? pick(rand, [15, 30, 60]) : int(rand, 15, 120);
  const jitter = pick(rand, [0.1, 0.3, 0.5]);
  const times: number[] = [];
  let t = regular ? 0 : int(rand, 0, interval);
  while (t * SEC <= length) {
    const r = rand();
    if (r < 0.04) {
      t += interval * int(rand, 2, 8); // a run of several missing samples
    } else if (r < 0.055) {
      t += int(rand, 1, 20) * 60; // a long gap, 1-20 minutes
    } else {
      times.push(t * SEC);
      t += regular ? interval : Math.max(1, Math.round(interval * (1 + (rand() * 2 - 1) * jitter)));
    }
  }
  return { times, regular };
}

type Style = 'milli' | 'int' | 'tenths';

/** Decimal values of the kind that round: 0.115, 0.1 + 0.2, small integers. */
function sampleValues(rand: Rand, n: number, style: Style): number[] {
  const values: number[] = [];
  let k = style === 'milli' ? int(rand, 90, 140) : int(rand, 20, 80);
  for (let i = 0; i < n; i++) {
    if (style === 'milli') {
      k = Math.max(60, Math.min(180, k + pick(rand, [-15, -10, -5, 0, 0, 5, 10, 15])));
      values.push(k / 1000);
    } else if (style === 'int') {
      k = Math.max(0, Math.min(100, k + int(rand, -12, 12)));
      values.push(k);
    } else {
      values.push(int(rand, 1, 9) / 10);
    }
  }
  return values;
}

function lhs(c: Pick<Case, 'kind' | 'metric' | 'window' | 'q'>): string {
  const range = `${c.metric}[${promDuration(c.window)}]`;
  switch (c.kind) {
    case 'instant':
      return c.metric;
    case 'quantile':
      return `quantile_over_time(${c.q}, ${range})`;
    default:
      return `${c.kind}_over_time(${range})`;
  }
}

function engineTrigger(c: Case): Trigger {
  const common = {
    name: `c${c.id}`,
    severity: 'critical',
    source: 'file',
    query: c.metric,
    op: c.op,
    threshold: c.threshold,
    for: `${c.holdFor}ms`,
  };
  return triggerSchema.parse(
    c.kind === 'instant'
      ? common
      : {
          ...common,
          kind: 'aggregate',
          aggregate: c.kind,
          quantile: c.q,
          window: `${c.window}ms`,
        },
  );
}

function toSeries(s: CaseSeries): Series {
  return seriesFromSamples(
    { instance: s.instance },
    s.times.map((t, i) => ({ t, v: s.values[i] as number })),
  );
}

function raw(series: Series[]): SignalResult {
  return { ok: true, kind: 'raw', series, query: 'q' };
}

function verdictAt(c: Case, series: CaseSeries[], at: number, semantics?: Semantics): Verdict {
  const ctx: EvaluationContext = { at, step: c.step, lookback: LOOKBACK, semantics };
  return evaluateTrigger(engineTrigger(c), raw(series.map(toSeries)), ctx, 'inconclusive', 'file');
}

function randomCase(rand: Rand, id: number): Case {
  const length = int(rand, 15, 35) * MIN;
  const style = pick(rand, ['milli', 'milli', 'int', 'tenths'] as const);
  let scrape: Case['scrape'] = 'irregular';
  const series = INSTANCES.slice(0, int(rand, 1, 3)).map((instance) => {
    const { times, regular } = sampleTimes(rand, length);
    if (regular) scrape = 'regular';
    return { instance, times, values: sampleValues(rand, times.length, style) };
  });
  const step = pick(rand, [15, 30, 60]) * SEC;
  const kind = pick(rand, [
    'instant',
    'instant',
    'avg',
    'avg',
    'avg',
    'min',
    'max',
    'quantile',
    'quantile',
  ] as const);
  const window = pick(rand, [30, 45, 60, 90, 100, 120, 150, 180, 240, 300, 420, 600]) * SEC;
  const q = pick(rand, [0, 0.25, 0.5, 0.9, 0.95, 0.99, 1]);
  const op = pick(rand, ['>', '>=', '<', '<='] as const);
  const holdFor = pick(rand, [0, 0, 15, 30, 45, 60, 90, 120, 150, 180, 300, 600]) * SEC;

  // Evaluation times on the step grid: anywhere, and where the edges are (a lookback or a
  // window ending exactly at the last sample before a gap or the end of the data).
  const evalTimes = new Set<number>();
  for (let i = 0; i < 4; i++) evalTimes.add(alignUp(int(rand, 1, length / SEC + 360) * SEC, step));
  const first = series[0] as CaseSeries;
  const last = first.times[first.times.length - 1] ?? 0;
  evalTimes.add(alignUp(last + LOOKBACK, step));
  evalTimes.add(alignUp(last + (kind === 'instant' ? step : window), step));
  // Inside the longest gap: a long run without data right before the evaluation time.
  let gapStart = 0;
  let gap = 0;
  first.times.forEach((t, i) => {
    const next = first.times[i + 1];
    if (next !== undefined && next - t > gap) [gapStart, gap] = [t, next - t];
  });
  if (gap >= 2 * MIN) evalTimes.add(alignUp(gapStart + int(rand, 1, gap / SEC) * SEC, step));
  const c: Case = {
    id,
    metric: `ripcord_case_${id}`,
    step,
    series,
    kind,
    window,
    q,
    op,
    threshold: 0,
    tie: 'none',
    holdFor,
    evalTimes: [...evalTimes].filter((t) => t > 0).sort((a, b) => a - b),
    scrape,
  };
  chooseThreshold(rand, c, style);
  return c;
}

/** Most thresholds tie with something, because ties are where arithmetic decides. */
function chooseThreshold(rand: Rand, c: Case, style: Style): void {
  const r = rand();
  const at = pick(rand, c.evalTimes);
  const s = pick(rand, c.series);
  const avg = c.kind === 'avg';
  if (r < (avg ? 0.3 : 0.4)) {
    // A value the expression takes at some step (Prometheus 2.42's arithmetic, as the engine
    // computes it; were the engine wrong here, promtool would say so on these very cases).
    const held = Math.ceil(c.holdFor / c.step) + 1;
    const values = verdictAt(c, [s], at)
      .points.slice(-held)
      .map((p) => p.v)
      .filter((v): v is number => v !== null);
    if (values.length > 0) {
      c.threshold = pick(rand, values);
      c.tie = 'value';
      return;
    }
  }
  if (r < 0.75 && avg) {
    // The decimal mean of a window: what a person would call "exactly the average".
    const inWindow = s.values.filter((_, i) => {
      const t = s.times[i] as number;
      return t >= at - c.window && t <= at;
    });
    if (inWindow.length > 0) {
      const scale = style === 'milli' ? 1000 : style === 'tenths' ? 10 : 1;
      const units = inWindow.reduce((sum, v) => sum + Math.round(v * scale), 0);
      c.threshold = Number((units / inWindow.length / scale).toPrecision(12));
      c.tie = 'mean';
      return;
    }
  }
  if (r < 0.8) {
    const all = c.series.flatMap((x) => x.values);
    if (all.length > 0) {
      c.threshold = pick(rand, all);
      c.tie = 'sample';
      return;
    }
  }
  const base = style === 'milli' ? 0.06 + rand() * 0.12 : style === 'int' ? rand() * 100 : rand();
  c.threshold = Number(base.toPrecision(4));
}

/** The minimal case: promtool computes 0.11499999999999999 and fires. */
function minimalCase(): Case {
  return {
    id: 0,
    metric: 'ripcord_case_0',
    step: MIN,
    series: [
      {
        instance: 'a',
        times: [0, 1, 2, 3, 4].map((m) => m * MIN),
        values: [0.115, 0.115, 0.11, 0.125, 0.11],
      },
    ],
    kind: 'avg',
    window: 4 * MIN,
    q: 0.5,
    op: '<',
    threshold: 0.115,
    tie: 'mean',
    holdFor: 0,
    evalTimes: [4 * MIN],
    scrape: 'regular',
  };
}

interface Check {
  evalTime: number;
  /** Instances whose alert fires. */
  firing: string[];
  /** The expression's value per instance; null where it has none. */
  values: (number | null)[];
  statuses: Verdict['status'][];
}

function predict(c: Case, semantics?: Semantics): Check[] {
  return c.evalTimes.map((evalTime) => {
    const verdicts = c.series.map((s) => verdictAt(c, [s], evalTime, semantics));
    const firing = c.series
      .filter((_, i) => verdicts[i]?.status === 'breached')
      .map((s) => s.instance);
    if (semantics === undefined) {
      // All series together: the trigger breaches exactly when some series fires.
      const all = verdictAt(c, c.series, evalTime);
      expect(all.status === 'breached', `case ${c.id} at ${evalTime}: combined verdict`).toBe(
        firing.length > 0,
      );
    }
    return {
      evalTime,
      firing,
      values: verdicts.map((v) => v.value),
      statuses: verdicts.map((v) => v.status),
    };
  });
}

/** Series values as promtool reads them with `interval: 1s`: one slot per second, `_xN` for N missing. */
function encodeValues(s: CaseSeries): string {
  const parts: string[] = [];
  let next = 0;
  s.times.forEach((t, i) => {
    const sec = t / SEC;
    if (sec > next) parts.push(`_x${sec - next}`);
    parts.push(String(s.values[i]));
    next = sec + 1;
  });
  return parts.join(' ');
}

function expr(c: Case): string {
  return `${lhs(c)} ${c.op} ${String(c.threshold)}`;
}

interface Predicted {
  c: Case;
  checks: Check[];
}

/** One case's part of a test file: its rule group, its series, its alert and value checks. */
function casePart({ c, checks }: Predicted): {
  rules: string;
  input: string[];
  alerts: string[];
  samples: string[];
} {
  const rules = [
    `  # case ${c.id}: threshold tie: ${c.tie}, scrapes ${c.scrape}`,
    `  - name: case-${c.id}`,
    '    rules:',
    `      - alert: C${c.id}`,
    `        expr: '${expr(c)}'`,
    `        for: ${promDuration(c.holdFor)}`,
  ].join('\n');
  const input = c.series.map(
    (s) =>
      `      - series: '${c.metric}{instance="${s.instance}"}'\n        values: '${encodeValues(s)}'`,
  );
  const alerts = checks.map((p) => {
    const head = `      - eval_time: ${promDuration(p.evalTime)}\n        alertname: C${c.id}\n`;
    if (p.firing.length === 0) return `${head}        exp_alerts: []`;
    const labels = p.firing.map((i) => `          - exp_labels:\n              instance: ${i}`);
    return `${head}        exp_alerts:\n${labels.join('\n')}`;
  });
  const name = c.kind === 'instant' ? c.metric : '';
  const samples = checks.map((p) => {
    const head = `      - expr: '${lhs(c)}'\n        eval_time: ${promDuration(p.evalTime)}\n`;
    const exp = c.series.flatMap((s, i) => {
      const v = p.values[i];
      return v === null || v === undefined
        ? []
        : [
            `          - labels: '${name}{instance="${s.instance}"}'\n            value: ${String(v)}`,
          ];
    });
    return exp.length === 0
      ? `${head}        exp_samples: []`
      : `${head}        exp_samples:\n${exp.join('\n')}`;
  });
  return { rules, input, alerts, samples };
}

/**
 * One promtool test file (and its rules file) for cases sharing an evaluation step. Each test
 * group costs promtool a fresh storage, so many cases share one group; their metric names and
 * alert names keep them apart, and name the case in every failure promtool reports.
 */
function writeFile(dir: string, name: string, group: Predicted[]): string {
  const step = group[0]?.c.step ?? MIN;
  const parts = group.map(casePart);
  writeFileSync(
    join(dir, `rules-${name}.yml`),
    ['groups:', ...parts.map((p) => p.rules), ''].join('\n'),
  );
  const file = `tests-${name}.yml`;
  writeFileSync(
    join(dir, file),
    [
      'rule_files:',
      `  - rules-${name}.yml`,
      `evaluation_interval: ${promDuration(step)}`,
      'tests:',
      '  - interval: 1s',
      '    input_series:',
      ...parts.flatMap((p) => p.input),
      '    alert_rule_test:',
      ...parts.flatMap((p) => p.alerts),
      '    promql_expr_test:',
      ...parts.flatMap((p) => p.samples),
      '',
    ].join('\n'),
  );
  return file;
}

/** Cases per test group: enough that promtool's per-group set-up is amortised. */
const GROUP = 25;

/**
 * Runs promtool over the predictions (one process per BATCH files) and returns the ids of the
 * cases it rejected, read from its failure report (`alertname: C12`, `ripcord_case_12`).
 */
function promtoolRejects(
  dir: string,
  tag: string,
  predicted: Predicted[],
): { rejected: Set<number>; output: string } {
  const files: string[] = [];
  const members = new Map<string, Predicted[]>();
  for (const step of new Set(predicted.map((p) => p.c.step))) {
    const same = predicted.filter((p) => p.c.step === step);
    for (let i = 0; i < same.length; i += GROUP) {
      const group = same.slice(i, i + GROUP);
      const file = writeFile(dir, `${tag}-${step / SEC}s-${i / GROUP}`, group);
      files.push(file);
      members.set(file, group);
    }
  }
  const rejected = new Set<number>();
  let output = '';
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    const run = testRulesBatch(batch, dir);
    expect(
      run.failed.length + run.passed.length,
      `promtool reported on every file:\n${run.output.slice(0, 5000)}`,
    ).toBe(batch.length);
    for (const file of run.failed) {
      const report = run.reports.get(file) ?? '';
      const ids = [...report.matchAll(/alertname: C(\d+)|ripcord_case_(\d+)\b/g)].map((m) =>
        Number(m[1] ?? m[2]),
      );
      // A failure that names no case (a file promtool could not read) rejects all of them.
      const blamed = ids.length > 0 ? ids : (members.get(file) ?? []).map((p) => p.c.id);
      for (const id of blamed) rejected.add(id);
      if (output.length < 20_000) output += report.slice(0, 20_000);
    }
  }
  return { rejected, output };
}

// Deliberately wrong semantics: each must be caught.
function plainRunningMean(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += (values[i] as number) / (i + 1) - mean / (i + 1);
  return mean;
}

const MUTANTS: [string, Semantics][] = [
  [
    'a `for` one step short',
    { ...PROMETHEUS_2_42, holdSteps: (h, s) => Math.max(0, PROMETHEUS_2_42.holdSteps(h, s) - 1) },
  ],
  ['a window open at its start', { ...PROMETHEUS_2_42, windowIncludesStart: false }],
  ['the lookback open at its start', { ...PROMETHEUS_2_42, lookbackIncludesStart: false }],
  ['avg as a plain running mean', { ...PROMETHEUS_2_42, avg: plainRunningMean }],
  [
    '`>=` read as `>`',
    {
      ...PROMETHEUS_2_42,
      compare: (op, limit) => PROMETHEUS_2_42.compare(op === '>=' ? '>' : op, limit),
    },
  ],
];

describe('engine and Prometheus 2.42 (promtool test rules) agree', () => {
  const rand = prng(SEED);
  const cases = [
    minimalCase(),
    ...Array.from({ length: CASES - 1 }, (_, i) => randomCase(rand, i + 1)),
  ];
  let baseline: Check[][] | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-promtool-'));

  test(`on alerts and exact values in ${CASES} generated cases`, () => {
    requirePromtool();
    const started = performance.now();
    baseline = cases.map((c) => predict(c));
    const engineDone = performance.now();
    const predicted = cases.map((c, i) => ({ c, checks: baseline?.[i] ?? [] }));
    const { rejected, output } = promtoolRejects(dir, 'engine', predicted);
    const promtoolDone = performance.now();
    expect([...rejected], `promtool disagrees with the engine (in ${dir}):\n${output}`).toEqual([]);

    // What the cases covered: agreement proves little unless both outcomes, gaps and ties occur.
    const checks = baseline.flatMap((cs, i) =>
      cs.flatMap((p) =>
        p.statuses.map((status, k) => ({
          c: cases[i] as Case,
          status,
          value: p.values[k] ?? null,
        })),
      ),
    );
    const count = (f: (x: (typeof checks)[number]) => boolean): number => checks.filter(f).length;
    const stats = {
      cases: cases.length,
      casesFiring: baseline.filter((cs) => cs.some((p) => p.firing.length > 0)).length,
      casesInconclusive: baseline.filter((cs) =>
        cs.some((p) => p.statuses.includes('inconclusive')),
      ).length,
      /** One check: one series at one evaluation time. */
      checks: checks.length,
      fired: count((x) => x.status === 'breached'),
      inconclusive: count((x) => x.status === 'inconclusive'),
      noData: count((x) => x.value === null),
      ties: count((x) => x.value === x.c.threshold),
      tiesFired: count((x) => x.value === x.c.threshold && x.status === 'breached'),
      byOp: Object.fromEntries(
        ['>', '>=', '<', '<='].map((op) => [op, cases.filter((c) => c.op === op).length]),
      ),
      byKind: Object.fromEntries(
        ['instant', 'avg', 'min', 'max', 'quantile'].map((k) => [
          k,
          cases.filter((c) => c.kind === k).length,
        ]),
      ),
      byStep: Object.fromEntries(
        [15, 30, 60].map((s) => [`${s}s`, cases.filter((c) => c.step === s * SEC).length]),
      ),
      irregular: cases.filter((c) => c.scrape === 'irregular').length,
      engineSeconds: Math.round(engineDone - started) / 1000,
      promtoolSeconds: Math.round(promtoolDone - engineDone) / 1000,
    };
    console.log(`promtool agreement: ${JSON.stringify(stats)}`);
    expect(stats.fired / stats.checks).toBeGreaterThan(0.1);
    expect(stats.fired / stats.checks).toBeLessThan(0.9);
    expect(stats.inconclusive - stats.noData).toBeGreaterThan(50);
    expect(stats.noData).toBeGreaterThan(50);
    expect(stats.ties).toBeGreaterThan(200);
    expect(stats.tiesFired).toBeGreaterThan(50);
    for (const n of Object.values(stats.byOp)) expect(n).toBeGreaterThan(200);
    for (const n of Object.values(stats.byKind)) expect(n).toBeGreaterThan(100);
    for (const n of Object.values(stats.byStep)) expect(n).toBeGreaterThan(200);
    expect(stats.irregular).toBeGreaterThan(200);
  }, 600_000);

  test.each(MUTANTS)(
    'promtool catches %s',
    (name, semantics) => {
      expect(baseline, 'the agreement test ran first and passed').toBeDefined();
      const base = baseline ?? [];
      const broken: (Predicted & { alerts: boolean })[] = [];
      cases.forEach((c, i) => {
        const checks = predict(c, semantics);
        const was = base[i] ?? [];
        const alerts = checks.some((p, k) => p.firing.join() !== was[k]?.firing.join());
        const values = checks.some((p, k) => p.values.some((v, j) => v !== was[k]?.values[j]));
        if (alerts || values) broken.push({ c, checks, alerts });
      });
      // The unchanged cases are the ones promtool has just accepted; the changed ones must each
      // be rejected.
      const tag = `mutant${MUTANTS.findIndex(([n]) => n === name)}`;
      const { rejected } = promtoolRejects(dir, tag, broken);
      const alertCases = broken.filter((b) => b.alerts).length;
      console.log(
        `mutant "${name}": ${broken.length} of ${cases.length} cases broken (${alertCases} on alert decisions), promtool rejected ${rejected.size}`,
      );
      expect(broken.length).toBeGreaterThan(0);
      expect(alertCases).toBeGreaterThan(0);
      const ids = (xs: number[]): number[] => xs.sort((a, b) => a - b);
      expect(ids([...rejected])).toEqual(ids(broken.map((b) => b.c.id)));
    },
    600_000,
  );

  test('the harness is not vacuous: promtool rejects a wrong prediction', () => {
    const c = minimalCase();
    const right = predict(c);
    expect(right[0]?.firing).toEqual(['a']);
    expect(right[0]?.values).toEqual([0.11499999999999999]);
    const wrongAlert = right.map((p) => ({ ...p, firing: [] }));
    const wrongValue = right.map((p) => ({ ...p, values: [0.115] }));
    expect(testRules(writeFile(dir, 'right', [{ c, checks: right }]), dir).status).toBe(0);
    const alert = testRules(writeFile(dir, 'wrong-alert', [{ c, checks: wrongAlert }]), dir);
    expect(alert.status).not.toBe(0);
    expect(alert.output).toMatch(/alertname: C0/);
    const value = testRules(writeFile(dir, 'wrong-value', [{ c, checks: wrongValue }]), dir);
    expect(value.status).not.toBe(0);
    expect(value.output).toMatch(/1\.1499999999999999E-01/);
  });
});
