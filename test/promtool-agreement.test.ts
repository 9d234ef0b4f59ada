/**
 * The engine against Prometheus itself: random series (with gaps longer than the 5m lookback),
 * random thresholds, comparison operators, `for` durations and window aggregates. The engine
 * predicts for every series and evaluation time whether the alert fires; those predictions
 * become the `exp_alerts` of one promtool rule-test file, and promtool must agree (exit 0).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { evaluateTrigger, type EvaluationContext } from '../src/core/engine.ts';
import { trigger as triggerSchema, type Trigger } from '../src/core/policy-schema.ts';
import { seriesFromSamples, type Series, type SignalResult } from '../src/core/signal.ts';
import { promDuration, requirePromtool, testRules } from './support/promtool.ts';

const MIN = 60_000;
const SCENARIOS = 80;
const LABELS = ['a', 'b', 'c'];

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

interface Scenario {
  id: number;
  metric: string;
  /** One value per minute from time 0; null is a gap. */
  series: { instance: string; values: (number | null)[] }[];
  expr: string;
  holdFor: number;
  policy: Record<string, unknown>;
  evalTimes: number[];
}

/** A random walk with occasional gaps, some longer than the 5m lookback. */
function randomValues(rand: Rand, length: number): (number | null)[] {
  const values: (number | null)[] = [];
  let v = int(rand, 20, 80);
  while (values.length < length) {
    if (rand() < 0.06) {
      const gap = int(rand, 1, 10);
      for (let i = 0; i < gap && values.length < length; i++) values.push(null);
      continue;
    }
    v = Math.max(0, Math.min(100, v + int(rand, -12, 12)));
    values.push(v);
  }
  return values;
}

function randomScenario(rand: Rand, id: number): Scenario {
  const metric = `ripcord_agreement_${id}`;
  const length = int(rand, 30, 60);
  const series = LABELS.slice(0, int(rand, 1, 3)).map((instance) => ({
    instance,
    values: randomValues(rand, length),
  }));
  const op = pick(rand, ['>', '>=', '<', '<='] as const);
  const holdFor = pick(rand, [0, 0, MIN, 2 * MIN, 3 * MIN, 90_000, 5 * MIN, 10 * MIN]);
  const aggregate = pick(rand, ['none', 'none', 'avg', 'max', 'min', 'quantile'] as const);
  const window = pick(rand, [MIN, 2 * MIN, 3 * MIN, 90_000, 5 * MIN, 7 * MIN, 10 * MIN]);
  const q = pick(rand, [0.25, 0.5, 0.9, 0.95, 0.99]);
  // avg and quantile interpolate: an off-grid threshold keeps float rounding from deciding.
  const offGrid = aggregate === 'avg' || aggregate === 'quantile';
  const threshold = int(rand, 25, 75) + (offGrid ? 0.37 : 0);
  const selector = aggregate === 'none' ? metric : `${metric}[${promDuration(window)}]`;
  const lhs =
    aggregate === 'none'
      ? metric
      : aggregate === 'quantile'
        ? `quantile_over_time(${q}, ${selector})`
        : `${aggregate}_over_time(${selector})`;
  const policy =
    aggregate === 'none'
      ? { op, threshold, for: holdFor }
      : { kind: 'aggregate', aggregate, quantile: q, window, op, threshold, for: holdFor };
  const evalTimes = Array.from(
    { length: 8 },
    () => int(rand, 1, length + 8) * MIN + (rand() < 0.2 ? 30_000 : 0),
  );
  return {
    id,
    metric,
    series,
    expr: `${lhs} ${op} ${threshold}`,
    holdFor,
    policy: { ...policy, for: `${holdFor}ms`, window: `${window}ms` },
    evalTimes: [...new Set(evalTimes)].sort((a, b) => a - b),
  };
}

function toSeries(values: (number | null)[], instance: string): Series {
  return seriesFromSamples(
    { instance },
    values.flatMap((v, i) => (v === null ? [] : [{ t: i * MIN, v }])),
  );
}

function raw(series: Series[]): SignalResult {
  return { ok: true, kind: 'raw', series, query: 'q' };
}

function engineTrigger(scenario: Scenario): Trigger {
  const { window, ...rest } = scenario.policy;
  const input = rest.kind === 'aggregate' ? { ...rest, window } : rest;
  return triggerSchema.parse({
    name: `s${scenario.id}`,
    severity: 'critical',
    source: 'file',
    query: scenario.metric,
    ...input,
  });
}

interface Prediction {
  evalTime: number;
  firing: string[];
}

function predict(
  scenario: Scenario,
  stats: { checks: number; firing: number; inconclusive: number },
): Prediction[] {
  const trigger = engineTrigger(scenario);
  return scenario.evalTimes.map((evalTime) => {
    const ctx: EvaluationContext = { at: evalTime, step: MIN, lookback: 5 * MIN };
    const firing: string[] = [];
    for (const s of scenario.series) {
      const verdict = evaluateTrigger(
        trigger,
        raw([toSeries(s.values, s.instance)]),
        ctx,
        'inconclusive',
        'file',
      );
      stats.checks++;
      if (verdict.status === 'breached') firing.push(s.instance);
      if (verdict.status === 'inconclusive') stats.inconclusive++;
    }
    stats.firing += firing.length;
    // All series together: the trigger breaches exactly when some series fires.
    const all = evaluateTrigger(
      trigger,
      raw(scenario.series.map((s) => toSeries(s.values, s.instance))),
      ctx,
      'inconclusive',
      'file',
    );
    expect(
      all.status === 'breached',
      `scenario ${scenario.id} at ${evalTime}: combined verdict`,
    ).toBe(firing.length > 0);
    return { evalTime, firing };
  });
}

function ruleGroup(scenario: Scenario): string {
  return [
    `  - name: scenario-${scenario.id}`,
    `    rules:`,
    `      - alert: S${scenario.id}`,
    `        expr: '${scenario.expr}'`,
    `        for: ${promDuration(scenario.holdFor)}`,
  ].join('\n');
}

function ruleTest(scenario: Scenario, predictions: Prediction[]): string {
  const input = scenario.series.map((s) =>
    [
      `      - series: '${scenario.metric}{instance="${s.instance}"}'`,
      `        values: '${s.values.map((v) => (v === null ? '_' : String(v))).join(' ')}'`,
    ].join('\n'),
  );
  const checks = predictions.map((p) => {
    const head = [
      `      - eval_time: ${promDuration(p.evalTime)}`,
      `        alertname: S${scenario.id}`,
    ];
    if (p.firing.length === 0) return [...head, `        exp_alerts: []`].join('\n');
    const alerts = p.firing.map(
      (instance) => `          - exp_labels:\n              instance: ${instance}`,
    );
    return [...head, `        exp_alerts:`, ...alerts].join('\n');
  });
  return [
    `  # scenario ${scenario.id}: ${scenario.expr} for ${promDuration(scenario.holdFor)}`,
    `  - interval: 1m`,
    `    input_series:`,
    ...input,
    `    alert_rule_test:`,
    ...checks,
  ].join('\n');
}

const CHUNK = 10;

/** One rules file per chunk: promtool evaluates every group in every test, so chunks keep it linear. */
function writeChunk(
  dir: string,
  index: number,
  scenarios: Scenario[],
  predictions: Prediction[][],
): string {
  const rules = `rules-${index}.yml`;
  const file = `tests-${index}.yml`;
  writeFileSync(join(dir, rules), `groups:\n${scenarios.map(ruleGroup).join('\n')}\n`);
  const tests = scenarios.map((s, i) => ruleTest(s, predictions[i] ?? []));
  writeFileSync(
    join(dir, file),
    `rule_files:\n  - ${rules}\nevaluation_interval: 1m\ntests:\n${tests.join('\n')}\n`,
  );
  return file;
}

test(`engine and Prometheus agree on when alerts fire (${SCENARIOS} random scenarios)`, () => {
  requirePromtool();
  const rand = prng(20_250_115);
  const scenarios = Array.from({ length: SCENARIOS }, (_, i) => randomScenario(rand, i));
  const stats = { checks: 0, firing: 0, inconclusive: 0 };
  const predictions = scenarios.map((s) => predict(s, stats));

  const dir = mkdtempSync(join(tmpdir(), 'ripcord-promtool-'));
  for (let i = 0; i * CHUNK < scenarios.length; i++) {
    const range = [i * CHUNK, (i + 1) * CHUNK] as const;
    const file = writeChunk(dir, i, scenarios.slice(...range), predictions.slice(...range));
    const run = testRules(file, dir);
    expect(
      run.status,
      `promtool disagrees with the engine (${join(dir, file)}):\n${run.output.slice(0, 20_000)}`,
    ).toBe(0);
  }

  // The scenarios must exercise both outcomes and the gap handling, or agreement proves little.
  expect(stats.firing / stats.checks).toBeGreaterThan(0.15);
  expect(stats.firing / stats.checks).toBeLessThan(0.85);
  expect(stats.inconclusive).toBeGreaterThan(10);
});

test('the harness is not vacuous: promtool rejects a wrong prediction', () => {
  const rand = prng(7);
  const scenario = randomScenario(rand, 0);
  const stats = { checks: 0, firing: 0, inconclusive: 0 };
  const right = predict(scenario, stats);
  const wrong = right.map((p, i) =>
    i === 0 ? { ...p, firing: p.firing.length > 0 ? [] : ['a'] } : p,
  );
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-promtool-'));
  expect(testRules(writeChunk(dir, 0, [scenario], [right]), dir).status).toBe(0);
  const run = testRules(writeChunk(dir, 1, [scenario], [wrong]), dir);
  expect(run.status).not.toBe(0);
  expect(run.output).toMatch(/alertname: S0/);
});
