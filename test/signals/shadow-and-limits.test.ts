/**
 * Shadow mode (a trigger or a whole environment evaluated and reported, never acted on) and
 * Argo-Rollouts-style failure limits ("3 of the last 5 evaluations") for threshold and probe
 * triggers.
 */
import { describe, expect, test } from 'vitest';
import { decide } from '../../src/signals/decide.ts';
import { evaluateProbe, evaluateTrigger, rangeFor } from '../../src/signals/engine.ts';
import { environment, trigger as triggerSchema } from '../../src/policy/schema.ts';
import type { ProbeTrigger, Trigger } from '../../src/policy/schema.ts';
import { seriesFromSamples, type ProbeResult } from '../../src/signals/signal.ts';
import { renderDecisionSummary } from '../../src/signals/summary.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 21, 0);

function trig(input: Record<string, unknown>): Trigger {
  return triggerSchema.parse({
    name: 't',
    severity: 'critical',
    source: 'prom',
    query: 'q',
    ...input,
  });
}

/** One value per minute from T0; null leaves a gap. */
function data(values: (number | null)[]) {
  const samples = values.flatMap((v, i) => (v === null ? [] : [{ t: T0 + i * MIN, v }]));
  return {
    ok: true as const,
    kind: 'raw' as const,
    series: [seriesFromSamples({}, samples)],
    query: 'q',
  };
}

const ctx = (minute: number) => ({ at: T0 + minute * MIN, step: MIN, lookback: 5 * MIN });

describe('failure_limit on a threshold trigger', () => {
  const limited = { threshold: 5, failure_limit: { failures: 3, of: 5 } };
  test.each([
    // A flapping signal never holds for a whole `for`, but 3 of the last 5 steps were over.
    ['3 of the last 5 over, not in a row, breaches', [9, 1, 9, 1, 9], 4, 'breached'],
    ['2 of the last 5 over is ok', [1, 1, 9, 1, 9], 4, 'ok'],
    ['old breaches outside the window do not count', [9, 9, 9, 1, 1, 1, 1, 9], 7, 'ok'],
    [
      '2 over and 2 steps without data cannot be ruled out',
      [9, null, null, 1, 9],
      4,
      'inconclusive',
    ],
  ] as const)('%s', (_d, values, minute, status) => {
    // A 30s lookback, so a gap in the data is a step without a value rather than a carried one.
    const v = evaluateTrigger(
      trig(limited),
      data([...values]),
      { ...ctx(minute), lookback: 30_000 },
      'inconclusive',
      'prom',
    );
    expect(v.status, v.reason).toBe(status);
    expect(v.threshold).toBe('> 5 in 3 of 5 evaluations');
  });

  test('the same flapping series with for: 2m never breaches: the limit is what catches it', () => {
    const v = evaluateTrigger(
      trig({ threshold: 5, for: '2m' }),
      data([9, 1, 9, 1, 9]),
      ctx(4),
      'inconclusive',
      'prom',
    );
    expect(v.status).toBe('ok');
  });

  test('the range read covers all `of` steps', () => {
    const r = rangeFor(trig({ threshold: 5, failure_limit: { failures: 3, of: 20 } }), ctx(60));
    expect(T0 + 60 * MIN - r.start).toBeGreaterThanOrEqual(19 * MIN + 5 * MIN);
  });

  test('failures above of is rejected by the schema with a fix', () => {
    const r = triggerSchema.safeParse({
      name: 't',
      severity: 'critical',
      source: 'p',
      query: 'q',
      threshold: 1,
      failure_limit: { failures: 6, of: 5 },
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('failures cannot exceed of');
  });
});

describe('failure_limit on a probe trigger', () => {
  const probe = trig({
    kind: 'probe',
    interval: '30s',
    failure_limit: { failures: 3, of: 5 },
  }) as ProbeTrigger;
  const history = (oks: boolean[]): ProbeResult[] =>
    oks.map((ok, i) => ({ t: T0 + i * 30_000, ok, detail: ok ? '200' : 'HTTP 502' }));
  const at = (n: number) => ({ ...ctx(0), at: T0 + (n - 1) * 30_000 });
  test.each([
    ['3 failures of 5, interleaved, breach', [true, false, true, false, false], 'breached'],
    ['2 of 5 is ok', [false, true, true, false, true], 'ok'],
    ['only failures so far, fewer than 3', [false, false], 'inconclusive'],
  ] as const)('%s', (_d, oks, status) => {
    const v = evaluateProbe(probe, history([...oks]), at(oks.length), 'http');
    expect(v.status, v.reason).toBe(status);
  });
  test('consecutive failures alone would not have breached the interleaved history', () => {
    const plain = trig({ kind: 'probe', interval: '30s', failures: 3 }) as ProbeTrigger;
    expect(
      evaluateProbe(plain, history([true, false, true, false, false]), at(5), 'http').status,
    ).toBe('ok');
  });
});

describe('shadow mode', () => {
  const breaching = evaluateTrigger(
    trig({ name: 'error-ratio', threshold: '2%' }),
    data([0.01, 0.09]),
    ctx(1),
    'inconclusive',
    'prom',
  );
  const healthy = evaluateTrigger(
    trig({ name: 'latency', threshold: '800ms' }),
    data([0.1, 0.2]),
    ctx(1),
    'inconclusive',
    'prom',
  );
  const base = {
    triggers: [
      { name: 'error-ratio', severity: 'critical', source: 'prom', query: 'q', threshold: '2%' },
      { name: 'latency', severity: 'critical', source: 'prom', query: 'q', threshold: '800ms' },
    ],
  };

  test('a shadow trigger that breaches does not roll back; what it would have done is kept apart', () => {
    const env = environment.parse({
      ...base,
      triggers: [{ ...base.triggers[0], shadow: true }, base.triggers[1]],
    });
    const d = decide('production', env, [breaching, healthy], ctx(1).at);
    expect(d.decision).toBe('none');
    expect(d.triggered).toEqual([]);
    expect(d.shadow).toMatchObject({
      decision: 'rollback',
      triggered: ['error-ratio'],
      strategy: 'redeploy',
    });
    expect(d.summary).toMatch(
      /Shadow: Ripcord would have rolled back \(shadow trigger error-ratio\), and did not act/,
    );
    const md = renderDecisionSummary(d);
    expect(md).toMatch(/Shadow decision: would have rolled back/);
    expect(md).toMatch(/\| error-ratio \(shadow\) \|/);
  });

  test('the same breach without shadow rolls back', () => {
    const d = decide('production', environment.parse(base), [breaching, healthy], ctx(1).at);
    expect(d.decision).toBe('rollback');
    expect(d.shadow).toBeUndefined();
  });

  test('an environment in shadow mode never acts, and says so even when healthy', () => {
    const env = environment.parse({ ...base, shadow: true });
    const d = decide('staging', env, [breaching, healthy], ctx(1).at);
    expect(d.decision).toBe('none');
    expect(d.shadow?.decision).toBe('rollback');
    expect(d.summary).toMatch(
      /^Shadow: Ripcord would have rolled back \(staging is in shadow mode\)/,
    );
    const calm = decide('staging', env, [healthy], ctx(1).at);
    expect(calm.decision).toBe('none');
    expect(calm.shadow).toBeUndefined();
    expect(calm.summary).toMatch(/staging is in shadow mode: Ripcord never acts on it/);
  });

  test('a live trigger still rolls back beside a shadow one', () => {
    const env = environment.parse({
      ...base,
      triggers: [base.triggers[0], { ...base.triggers[1], shadow: true }],
    });
    const d = decide('production', env, [breaching, healthy], ctx(1).at);
    expect(d.decision).toBe('rollback');
    expect(d.shadow).toBeUndefined();
  });
});
