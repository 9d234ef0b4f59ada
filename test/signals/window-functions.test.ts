/**
 * The `*_over_time` arithmetic against Prometheus 2.42, value by value: Prometheus' own test
 * data for the special cases, the issue's minimal case, and seeded random windows (decimals that
 * round, magnitudes that cancel, ±Inf and NaN) whose every result promtool checks as float64 `==`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  avgOverTime,
  avgOverTimePair,
  countOverTime,
  lastOverTime,
  maxOverTime,
  minOverTime,
  quantileOverTime,
  sumOverTime,
} from '../../src/signals/window-functions.ts';
import { requirePromtool, testRulesBatch } from '../support/promtool.ts';

describe('window functions, on the cases Prometheus tests them with', () => {
  // promql/testdata/functions.test at v2.42.0, "Tests for avg_over_time".
  test.each([
    [[1, 2, 3, 4, 5], 3],
    [[1, 2, 3, 4, Infinity], Infinity],
    [[1, 2, 3, 4, -Infinity], -Infinity],
    [[1, 2, 3, Infinity, -Infinity], NaN],
    [[Infinity, 0, Infinity], Infinity],
    [[Infinity, Infinity, Infinity, -Infinity], NaN],
    [[1, 2, 3, -Infinity, -Infinity], -Infinity],
    [[-Infinity, 0, -Infinity], -Infinity],
    [[-Infinity, -Infinity, -Infinity, Infinity], NaN],
    [[1, 2, -Infinity, -Infinity, Infinity], NaN],
    [[9.988465674311579e307, 9.988465674311579e307], 9.988465674311579e307],
    [
      [-9.988465674311579e307, -9.988465674311579e307, -9.988465674311579e307],
      -9.988465674311579e307,
    ],
    [[-9.988465674311579e307, 9.988465674311579e307], 0],
  ])('avg_over_time(%s) = %s', (values, expected) => {
    expect(avgOverTime(values)).toBe(expected);
  });

  test('avg_over_time rounds as Prometheus 2.42 does (the issue: 0.115 is not the mean here)', () => {
    expect(avgOverTime([0.115, 0.115, 0.11, 0.125, 0.11])).toBe(0.11499999999999999);
    expect(avgOverTime(new Float64Array([0.115, 0.115, 0.11, 0.125, 0.11]))).toBe(
      0.11499999999999999,
    );
  });

  test('two windows averaged side by side give every bit of avg_over_time over each', () => {
    // Decimals that round, magnitudes that cancel or overflow, ±Inf and NaN: the side-by-side
    // loop hands infinite means back to avgOverTime, and the longer window finishes alone.
    const sample = fc.oneof(
      fc.double({ noNaN: false }),
      fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
      fc.constantFrom(Infinity, -Infinity, NaN, 9.988465674311579e307, -9.988465674311579e307),
    );
    const window = fc.nat(40);
    fc.assert(
      fc.property(
        fc.array(sample, { minLength: 1, maxLength: 80 }),
        fc.nat(80),
        window,
        fc.nat(80),
        window,
        (values, a, lengthA, b, lengthB) => {
          const column = new Float64Array(values);
          const fromA = a % column.length;
          const fromB = b % column.length;
          const toA = Math.min(column.length, fromA + lengthA);
          const toB = Math.min(column.length, fromB + lengthB);
          const out = new Float64Array(2);
          avgOverTimePair(column, fromA, toA, fromB, toB, out);
          expect(out[0]).toBe(avgOverTime(column.subarray(fromA, toA)));
          expect(out[1]).toBe(avgOverTime(column.subarray(fromB, toB)));
          expect(avgOverTime(column, fromA, toA)).toBe(avgOverTime(values.slice(fromA, toA)));
        },
      ),
      { numRuns: 3000, seed: 16 },
    );
  });

  // "Tests for quantile_over_time".
  test.each([
    [0, [0, 1], 0],
    [0.5, [0, 1, 2], 1],
    [0.75, [0, 1, 4], 2.5],
    [0.8, [0, 1], 0.8],
    [0.8, [0, 1, 2], 1.6],
    // The test data says 2.8 and compares within a tolerance; float64 gives 2.8000000000000003.
    [0.8, [0, 1, 4], 2.8000000000000003],
    [1, [0, 1, 4], 4],
    [-1, [0, 1], -Infinity],
    [2, [0, 1], Infinity],
  ])('quantile_over_time(%s, %s) = %s', (q, values, expected) => {
    expect(quantileOverTime(q, values)).toBe(expected);
  });

  // "Tests for *_over_time": NaN is replaced by the next value, never kept over a number.
  test.each([
    [[2, 0, 3], 0, 3, 3],
    [[2, 0, NaN], 0, 2, NaN],
    [[2, NaN, 1], 1, 2, 1],
    [[NaN, 0, 1], 0, 1, 1],
    [[NaN, NaN, NaN], NaN, NaN, NaN],
  ])('min/max/last_over_time(%s) = %s, %s, %s', (values, min, max, last) => {
    expect(minOverTime(values)).toBe(min);
    expect(maxOverTime(values)).toBe(max);
    expect(lastOverTime(values)).toBe(last);
  });
});

/** mulberry32, as in the agreement test. */
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

const SERIES = 400;

test(`every window function agrees with promtool bit for bit on ${SERIES} random windows`, () => {
  requirePromtool();
  const rand = prng(2042);
  const series = Array.from({ length: SERIES }, () => {
    const n = 1 + Math.floor(rand() * 40);
    const style = Math.floor(rand() * 5);
    return Array.from({ length: n }, () => {
      const special = rand();
      if (style === 4 && special < 0.08) return Infinity;
      if (style === 4 && special < 0.16) return -Infinity;
      if (style === 4 && special < 0.2) return NaN;
      if (style === 0) return Math.round(rand() * 1000) / 1000; // 0.115-like decimals
      if (style === 1) return Math.round(rand() * 10) / 10; // 0.1 + 0.2
      if (style === 2) return (rand() < 0.5 ? -1 : 1) * Math.round(rand() * 1e6) * 1e12; // cancel
      return (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6);
    });
  });
  const q = 0.9;
  const functions: [string, (v: number[]) => number][] = [
    ['avg_over_time', avgOverTime],
    ['sum_over_time', sumOverTime],
    ['count_over_time', countOverTime],
    ['min_over_time', minOverTime],
    ['max_over_time', maxOverTime],
    ['last_over_time', lastOverTime],
    [`quantile_over_time`, (v) => quantileOverTime(q, v)],
  ];
  const text = (v: number): string =>
    Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
  // YAML spells the infinities .inf and -.inf; the series notation Inf and -Inf.
  const yamlNumber = (v: number): string =>
    v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v);
  const input = series.map(
    (values, i) => `      - series: 'w{i="${i}"}'\n        values: '${values.map(text).join(' ')}'`,
  );
  const exprTests = functions.map(([name, fn]) => {
    const call = name === 'quantile_over_time' ? `${name}(${q}, w[1m])` : `${name}(w[1m])`;
    // `x == x` drops NaN results, which promtool cannot compare; their absence is checked too.
    // last_over_time keeps the metric name (funcLastOverTime returns el.Metric).
    const metric = name === 'last_over_time' ? 'w' : '';
    const expected = series.flatMap((values, i) => {
      const v = fn(values);
      return Number.isNaN(v)
        ? []
        : [`          - labels: '${metric}{i="${i}"}'\n            value: ${yamlNumber(v)}`];
    });
    return `      - expr: '${call} == ${call}'\n        eval_time: 1m\n        exp_samples:\n${expected.join('\n')}`;
  });
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-window-'));
  writeFileSync(
    join(dir, 'windows.yml'),
    [
      'tests:',
      '  - interval: 1s',
      '    input_series:',
      ...input,
      '    promql_expr_test:',
      ...exprTests,
      '',
    ].join('\n'),
  );
  const run = testRulesBatch(['windows.yml'], dir);
  expect(run.failed, run.output.slice(0, 10_000)).toEqual([]);
  expect(run.passed).toEqual(['windows.yml']);
});
