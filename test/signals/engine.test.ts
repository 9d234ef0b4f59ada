import { describe, expect, test } from 'vitest';
import {
  evaluateProbe,
  evaluateTrigger,
  rangeFor,
  type EvaluationContext,
} from '../../src/signals/engine.ts';
import {
  trigger as triggerSchema,
  type ProbeTrigger,
  type Trigger,
} from '../../src/policy/schema.ts';
import { quantileOverTime as quantile } from '../../src/signals/window-functions.ts';
import {
  seriesFromSamples,
  type ProbeResult,
  type Series,
  type SignalResult,
} from '../../src/signals/signal.ts';

const MIN = 60_000;
/** 10:00 UTC, on the minute grid, so expected times read naturally. */
const T0 = Date.UTC(2025, 0, 15, 10, 0);

function parse(input: Record<string, unknown>): Trigger {
  return triggerSchema.parse({
    name: 't',
    severity: 'critical',
    source: 'prom',
    query: 'q',
    ...input,
  });
}

/** One value per minute starting at `start`; null leaves a gap. */
function series(
  values: (number | null)[],
  labels: Record<string, string> = {},
  start = T0,
  every = MIN,
): Series {
  const samples = values.flatMap((v, i) => (v === null ? [] : [{ t: start + i * every, v }]));
  return seriesFromSamples(labels, samples);
}

function raw(...list: Series[]): SignalResult {
  return { ok: true, kind: 'raw', series: list, query: 'q' };
}

function ctxAt(minute: number, extra: Partial<EvaluationContext> = {}): EvaluationContext {
  return { at: T0 + minute * MIN, step: MIN, lookback: 5 * MIN, ...extra };
}

function run(
  input: Record<string, unknown>,
  data: SignalResult,
  ctx: EvaluationContext,
  missing: 'inconclusive' | 'ok' | 'breached' = 'inconclusive',
) {
  return evaluateTrigger(parse(input), data, ctx, missing, 'prom');
}

describe('threshold with for (Prometheus alerting semantics)', () => {
  const rising = [1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9];
  test.each([
    // [description, values, minute, for, expected status, expected since minute]
    ['for 0 breaches at once', rising, 3, '0s', 'breached', 3],
    ['not yet held for 5m is ok (pending)', rising, 7, '5m', 'ok', 3],
    ['held exactly 5m (6 steps) breaches', rising, 8, '5m', 'breached', 3],
    ['held longer keeps since at the start', rising, 10, '5m', 'breached', 3],
    ['below threshold is ok', rising, 2, '5m', 'ok', null],
    ['for not on the step grid rounds to the earlier step', rising, 5, '90s', 'breached', 3],
    ['for 90s one step too early', rising, 4, '90s', 'ok', 3],
  ] as const)('%s', (_d, values, minute, holdFor, status, sinceMinute) => {
    const v = run({ threshold: 5, for: holdFor }, raw(series([...values])), ctxAt(minute));
    expect(v.status).toBe(status);
    expect(v.since).toBe(
      sinceMinute === null ? null : new Date(T0 + sinceMinute * MIN).toISOString(),
    );
  });

  test('evaluation time between steps aligns down to the grid', () => {
    const v = run({ threshold: 5, for: '5m' }, raw(series(rising)), {
      ...ctxAt(7),
      at: T0 + 8 * MIN + 59_000,
    });
    expect(v.status).toBe('breached');
  });

  test('a gap inside the for span cannot confirm the hold: inconclusive with the reason', () => {
    // 9 at minutes 0..3, nothing until 10, then 9 again: minutes 9..10 have no value within 5m lookback.
    const values = [9, 9, 9, 9, null, null, null, null, null, null, 9, 9, 9];
    const v = run({ threshold: 5, for: '5m' }, raw(series(values)), ctxAt(12));
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/no data at 10:09 UTC/);
    expect(v.reason).toMatch(/cannot confirm the 5m/);
  });

  test('a short gap is bridged by the 5m lookback', () => {
    const values = [9, 9, null, null, null, 9, 9];
    expect(run({ threshold: 5, for: '6m' }, raw(series(values)), ctxAt(6)).status).toBe('breached');
  });

  test('evidence: value, threshold text, labels, points, reason', () => {
    const v = run(
      { threshold: '5%', for: '15m' },
      raw(series(Array(20).fill(0.072), { job: 'api' })),
      ctxAt(19),
    );
    expect(v).toMatchObject({
      status: 'breached',
      value: 0.072,
      valueText: '7.2%',
      threshold: '> 5% for 15m',
      thresholdValue: 0.05,
      labels: { job: 'api' },
      query: 'q',
      source: 'prom',
      since: new Date(T0).toISOString(),
    });
    expect(v.reason).toBe(
      't has been above 5% (now 7.2%) since 10:00 UTC, longer than the 15m required.',
    );
    expect(v.points.length).toBeGreaterThanOrEqual(31);
    expect(v.points.at(-1)).toEqual({ t: T0 + 19 * MIN, v: 0.072 });
  });

  test.each([
    ['>', 5, 5, 'ok'],
    ['>=', 5, 5, 'breached'],
    ['<', 5, 4, 'breached'],
    ['<=', 5, 5, 'breached'],
    ['<', 5, 5, 'ok'],
  ] as const)('op %s %d with value %d is %s', (op, threshold, value, status) => {
    expect(run({ op, threshold }, raw(series([value])), ctxAt(0)).status).toBe(status);
  });
});

describe('lookback and staleness', () => {
  test.each([
    ['sample exactly lookback old still counts (closed interval)', 5, 'breached'],
    ['sample older than lookback is missing', 6, 'inconclusive'],
  ] as const)('%s', (_d, minute, status) => {
    expect(run({ threshold: 5 }, raw(series([9])), ctxAt(minute)).status).toBe(status);
  });

  test.each([
    ['inconclusive', 'inconclusive'],
    ['ok', 'ok'],
    ['breached', 'breached'],
  ] as const)('no data with missing_data %s reads %s', (policy, status) => {
    const v = run({ threshold: 5 }, raw(), ctxAt(0), policy);
    expect(v.status).toBe(status);
    expect(v.reason).toMatch(/has no data at 10:00 UTC/);
  });

  test('a query error is inconclusive whatever missing_data says', () => {
    const v = run({ threshold: 5 }, { ok: false, reason: 'HTTP 503', query: 'q' }, ctxAt(0), 'ok');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/HTTP 503/);
  });

  test.each([
    [NaN, /NaN sample/],
    [Infinity, /\+Inf sample/],
    [-Infinity, /-Inf sample/],
  ])('a %s value is inconclusive, never ok', (bad, reason) => {
    const v = run({ threshold: 5 }, raw(series([1, bad])), ctxAt(1), 'ok');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(reason);
  });

  test('a NaN inside a window aggregate is inconclusive', () => {
    const v = run(
      { kind: 'aggregate', aggregate: 'avg', window: '5m', threshold: 5 },
      raw(series([1, NaN, 1])),
      ctxAt(2),
    );
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/NaN sample at 10:01 UTC/);
  });

  test('stepped series use the sample at each step', () => {
    const data: SignalResult = {
      ok: true,
      kind: 'stepped',
      series: [series([9, 9, 9, 9])],
      query: 'q',
    };
    expect(
      evaluateTrigger(parse({ threshold: 5, for: '3m' }), data, ctxAt(3), 'inconclusive', 'prom')
        .status,
    ).toBe('breached');
  });
});

describe('multiple series', () => {
  test('breached if any series breaches, reporting the worst', () => {
    const v = run(
      { threshold: 5 },
      raw(series([1], { pod: 'a' }), series([7], { pod: 'b' }), series([9], { pod: 'c' })),
      ctxAt(0),
    );
    expect(v.status).toBe('breached');
    expect(v.labels).toEqual({ pod: 'c' });
    expect(v.value).toBe(9);
    expect(v.reason).toMatch(/worst of 3 series: \{pod="c"\}/);
  });

  test('for "<" the lowest series is the worst', () => {
    const v = run(
      { op: '<', threshold: 5 },
      raw(series([3], { pod: 'a' }), series([1], { pod: 'b' })),
      ctxAt(0),
    );
    expect(v.labels).toEqual({ pod: 'b' });
  });

  test('one unreadable series among healthy ones makes the trigger inconclusive', () => {
    const v = run(
      { threshold: 5 },
      raw(series([1], { pod: 'a' }), series([NaN], { pod: 'b' })),
      ctxAt(0),
    );
    expect(v.status).toBe('inconclusive');
  });

  test('a series that went away does not count once others have data', () => {
    const v = run(
      { threshold: 5 },
      raw(series([1, 1, 1, 1, 1, 1, 1, 1], { pod: 'a' }), series([9], { pod: 'gone' })),
      ctxAt(7),
    );
    expect(v.status).toBe('ok');
  });

  test('unsorted samples are sorted first', () => {
    const s: Series = seriesFromSamples({}, [
      { t: T0 + MIN, v: 9 },
      { t: T0, v: 1 },
    ]);
    expect(run({ threshold: 5 }, raw(s), ctxAt(1)).value).toBe(9);
  });
});

describe('aggregate', () => {
  const values = [1, 2, 3, 4, 10, 6];
  test.each([
    ['avg', undefined, '5m', 26 / 6, 'avg over 5m > 4'],
    ['max', undefined, '2m', 10, 'max over 2m > 4'],
    ['min', undefined, '1m', 6, 'min over 1m > 4'],
    ['quantile', 0.5, '5m', 3.5, 'p50 over 5m > 4'],
    ['quantile', 0.9, '5m', 8, 'p90 over 5m > 4'],
  ] as const)('%s (q=%s) over %s', (aggregate, q, window, expected, text) => {
    const v = run(
      { kind: 'aggregate', aggregate, quantile: q, window, threshold: 4 },
      raw(series(values)),
      ctxAt(5),
    );
    expect(v.value).toBeCloseTo(expected, 10);
    expect(v.threshold).toBe(text);
    expect(v.status).toBe(expected > 4 ? 'breached' : 'ok');
  });

  test('window includes the sample exactly at t - window (Prometheus 2.x)', () => {
    const v = run(
      { kind: 'aggregate', aggregate: 'max', window: '2m', threshold: 5 },
      raw(series([9, 1, 1])),
      ctxAt(2),
    );
    expect(v.status).toBe('breached');
  });

  test('seconds thresholds render in seconds', () => {
    const v = run(
      { kind: 'aggregate', aggregate: 'avg', window: '5m', threshold: '5s' },
      raw(series([6, 6, 6])),
      ctxAt(2),
    );
    expect(v.threshold).toBe('avg over 5m > 5s');
    expect(v.valueText).toBe('6s');
    expect(v.reason).toMatch(/^t \(avg over 5m\) has been above 5s \(now 6s\)/);
  });

  test('an empty window is missing data', () => {
    expect(
      run(
        { kind: 'aggregate', aggregate: 'avg', window: '1m', threshold: 5 },
        raw(series([9])),
        ctxAt(3),
      ).status,
    ).toBe('inconclusive');
  });

  // Issue 17: Prometheus 2.42 averages these to 0.11499999999999999, so `< 0.115` fires, and
  // the evidence shows the digits that make the difference.
  test('avg decides in the last bit as Prometheus 2.42 does, and says so', () => {
    const v = run(
      { kind: 'aggregate', aggregate: 'avg', window: '4m', op: '<', threshold: 0.115 },
      raw(series([0.115, 0.115, 0.11, 0.125, 0.11])),
      ctxAt(4),
    );
    expect(v.status).toBe('breached');
    expect(v.value).toBe(0.11499999999999999);
    expect(v.valueText).toBe('0.11499999999999999');
    expect(v.reason).toMatch(/has been below 0\.115 \(now 0\.11499999999999999\)/);
  });

  test('quantile interpolates at rank q*(n-1)', () => {
    expect(quantile(0.95, [1, 2, 3, 4, 5])).toBeCloseTo(4.8, 12);
    expect(quantile(0, [3, 1])).toBe(1);
    expect(quantile(1, [3, 1])).toBe(3);
  });
});

describe('trend', () => {
  const base = { kind: 'trend', window: '10m' };
  const grow = (step: number) => Array.from({ length: 11 }, (_, i) => 100e6 + i * step);
  test.each([
    ['steady growth breaches', grow(10e6), {}, 'breached'],
    ['flat is ok', grow(0), {}, 'ok'],
    ['growth below min_increase is ok', grow(5e6), { min_increase: '100MB' }, 'ok'],
    ['growth above min_increase breaches', grow(20e6), { min_increase: '100MB' }, 'breached'],
  ] as const)('%s', (_d, values, extra, status) => {
    expect(run({ ...base, ...extra }, raw(series([...values])), ctxAt(10)).status).toBe(status);
  });

  test('a dip larger than tolerance breaks the trend; a smaller one does not', () => {
    const values = [...grow(10e6)];
    values[5] = (values[4] ?? 0) - 3e6;
    expect(run({ ...base }, raw(series(values)), ctxAt(10)).status).toBe('ok');
    const v = run(
      { ...base, tolerance: '5MB', min_increase: '50MB' },
      raw(series(values)),
      ctxAt(10),
    );
    expect(v.status).toBe('breached');
    expect(v.valueText).toBe('100MB');
  });

  test('data not covering the window is inconclusive', () => {
    const v = run({ ...base }, raw(series([1, 2, 3, 4], {}, T0 + 7 * MIN)), ctxAt(10));
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/cannot tell whether it grew/);
  });
});

describe('baseline', () => {
  const deployedAt = T0 + 60 * MIN;
  // An hour at 100 before the deployment, then `after` for 20 minutes.
  const data = (after: number) => raw(series([...Array(61).fill(100), ...Array(20).fill(after)]));
  const trig = {
    kind: 'baseline',
    change: 'drop',
    by: '20%',
    window: '15m',
    baseline_window: '1h',
  };

  test.each([
    ['drop of 30% breaches', 70, 'drop', 'breached'],
    ['drop of 10% is ok', 90, 'drop', 'ok'],
    ['rise of 30% breaches a rise trigger', 130, 'rise', 'breached'],
    ['a drop does not breach a rise trigger', 70, 'rise', 'ok'],
  ] as const)('%s', (_d, after, change, status) => {
    const v = run({ ...trig, change }, data(after), ctxAt(80, { deployedAt }));
    expect(v.status).toBe(status);
  });

  test('reports the change against the baseline', () => {
    const v = run(trig, data(70), ctxAt(80, { deployedAt }));
    expect(v.value).toBe(70);
    expect(v.thresholdValue).toBe(80);
    expect(v.reason).toMatch(/-30% vs the baseline 100/);
  });

  test('without the deployment time it is inconclusive', () => {
    const v = run(trig, data(70), ctxAt(80));
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/no baseline: pass the deployment time/);
  });

  test.each([
    ['no data before the deployment', raw(series(Array(20).fill(70), {}, T0 + 61 * MIN))],
    ['a zero baseline', raw(series([...Array(61).fill(0), ...Array(20).fill(70)]))],
  ])('%s is inconclusive', (_d, d) => {
    const v = run(trig, d, ctxAt(80, { deployedAt }));
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/no baseline to compare with/);
  });

  test('rangeFor reaches back to the baseline window', () => {
    const r = rangeFor(parse(trig), ctxAt(80, { deployedAt }));
    expect(r.start).toBe(T0);
    expect(r.end).toBe(T0 + 80 * MIN);
  });
});

describe('burn-rate', () => {
  const trig = {
    kind: 'burn-rate',
    objective: '99.9%',
    windows: [{ long: '1h', short: '5m', factor: 14.4 }],
  };
  const errorRatio = (longPart: number, shortPart: number) =>
    raw(series([...Array(56).fill(longPart), ...Array(5).fill(shortPart)]));

  test.each([
    ['both windows burning fast breaches', 0.02, 0.02, 'breached'],
    ['a short spike alone is ok', 0.0001, 0.05, 'ok'],
    ['an old burn that stopped is ok', 0.03, 0.0001, 'ok'],
  ] as const)('%s', (_d, longPart, shortPart, status) => {
    expect(run(trig, errorRatio(longPart, shortPart), ctxAt(60)).status).toBe(status);
  });

  test('reports the burn rates', () => {
    const v = run(trig, errorRatio(0.02, 0.02), ctxAt(60));
    expect(v.value).toBeCloseTo(20, 6);
    expect(v.reason).toMatch(/20x over 1h, 20x over 5m/);
    expect(v.threshold).toBe('burn rate > 14.4x over 1h and 5m (objective 99.9%)');
  });

  test('default windows: either pair breaches', () => {
    const v = run(
      { kind: 'burn-rate', objective: '99.9%' },
      raw(series(Array(361).fill(0.008), {}, T0 - 300 * MIN)),
      ctxAt(60),
    );
    expect(v.status).toBe('breached');
    expect(v.thresholdValue).toBe(6);
  });

  test("averages each window with avg_over_time's arithmetic, not a prefix-sum mean", () => {
    // sum/count gives 0.11500000000000002 here; Prometheus 2.42 gives 0.11499999999999999, so
    // `avg_over_time(q[4m]) / 1 > 0.11499999999999999` does not fire.
    const v = run(
      {
        kind: 'burn-rate',
        objective: '0%',
        windows: [{ long: '4m', short: '4m', factor: 0.11499999999999999 }],
      },
      raw(series([0.115, 0.115, 0.11, 0.125, 0.11])),
      ctxAt(4),
    );
    expect(v.value).toBe(0.11499999999999999);
    expect(v.status).toBe('ok');
  });

  test('rangeFor covers the longest window', () => {
    const r = rangeFor(parse({ kind: 'burn-rate', objective: '99.9%' }), ctxAt(0));
    expect(T0 - r.start).toBeGreaterThanOrEqual(6 * 60 * MIN);
  });
});

describe('probe', () => {
  const trig = parse({ kind: 'probe', failures: 3, interval: '30s' }) as ProbeTrigger;
  const history = (oks: boolean[]): ProbeResult[] =>
    oks.map((ok, i) => ({ t: T0 + i * 30_000, ok, detail: ok ? '200' : 'HTTP 502' }));
  const at = (n: number) => ({ ...ctxAt(0), at: T0 + (n - 1) * 30_000 });

  test.each([
    ['three failures in a row breach', [true, false, false, false], 'breached'],
    ['a success in between resets', [false, false, true, false, false], 'ok'],
    ['fewer results than needed, all failed', [false, false], 'inconclusive'],
    ['fewer results than needed with a success', [true], 'ok'],
  ] as const)('%s', (_d, oks, status) => {
    expect(evaluateProbe(trig, history([...oks]), at(oks.length), 'http').status).toBe(status);
  });

  test('no results or stale results are inconclusive', () => {
    expect(evaluateProbe(trig, [], at(1), 'http').status).toBe('inconclusive');
    const v = evaluateProbe(trig, history([true]), { ...at(1), at: T0 + 60 * MIN }, 'http');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/prober may have stopped/);
  });

  test('breach evidence names the failure', () => {
    const v = evaluateProbe(trig, history([true, false, false, false]), at(4), 'http');
    expect(v.reason).toMatch(/failed 3 probes in a row since 10:00:30 UTC \(last: HTTP 502\)/);
    expect(v.threshold).toBe('3 consecutive failures');
  });

  test('a recorded 0/1 series works through evaluateTrigger', () => {
    const s = series([1, 0, 0, 0], {}, T0, 30_000);
    expect(evaluateTrigger(trig, raw(s), at(4), 'inconclusive', 'file').status).toBe('breached');
  });
});

describe('rangeFor', () => {
  test.each([
    ['threshold for 15m', { threshold: 5, for: '15m' }, 30 * MIN + 5 * MIN],
    ['threshold for 1h', { threshold: 5, for: '1h' }, 60 * MIN + MIN + 5 * MIN],
    [
      'aggregate window 10m',
      { kind: 'aggregate', aggregate: 'avg', window: '10m', threshold: 5 },
      30 * MIN + 10 * MIN,
    ],
  ])('%s', (_d, input, span) => {
    const r = rangeFor(parse(input), { ...ctxAt(100), at: T0 + 100 * MIN + 30_000 });
    expect(r.end).toBe(T0 + 100 * MIN);
    expect(r.end - r.start).toBe(span);
    expect(r.step).toBe(MIN);
    expect(r.query).toBe('q');
  });
});

// Speed is measured by `npm run bench` (bench/evaluate-large.ts), not asserted in unit tests.

describe('since of a breach older than the data read', () => {
  test('when the condition held at the start of the data read: "since before", flagged', () => {
    // As Prometheus answers a range query: samples only from the range asked for (minute 164 on:
    // 30m of chart, the 5m for and the 5m lookback before minute 199), all above the threshold.
    const start = T0 + 164 * MIN;
    const v = run(
      { threshold: 5, for: '5m' },
      raw(series(Array(36).fill(9), {}, start)),
      ctxAt(199),
    );
    expect(v.status).toBe('breached');
    expect(v.sinceBefore).toBe(true);
    expect(v.since).toBe(new Date(start).toISOString());
    expect(v.reason).toMatch(/since before 12:44 UTC, longer than the 5m required/);
  });

  test('a series that began inside the range read: "since" is where it began', () => {
    const v = run({ threshold: 5, for: '5m' }, raw(series(Array(20).fill(9))), ctxAt(19));
    expect(v.sinceBefore).toBeUndefined();
    expect(v.reason).toMatch(/since 10:00 UTC,/);
  });

  test('over the threshold but not yet for its `for`: ok with pending set', () => {
    const v = run({ threshold: 5, for: '5m' }, raw(series([1, 1, 1, 9, 9])), ctxAt(4));
    expect(v).toMatchObject({ status: 'ok', pending: true });
    expect(v.reason).toMatch(/not yet for the 5m required \(pending\)/);
    const below = run({ threshold: 5, for: '5m' }, raw(series([1, 1, 1])), ctxAt(2));
    expect(below.pending).toBeUndefined();
  });
});
