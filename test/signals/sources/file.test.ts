import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../../src/cli/cli.ts';
import { ConfigurationError } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/logger.ts';
import { policySchema } from '../../../src/policy/schema.ts';
import { samplesOf, type Series, type SignalResult } from '../../../src/signals/signal.ts';

import {
  createFileSource,
  loadRecording,
  matchesSelector,
  parseRecording,
  parseSelector,
  selectSeries,
  seriesFromQueryResponse,
} from '../../../src/signals/sources/file.ts';
import { createSources } from '../../../src/signals/factory.ts';
import { formatOpenMetrics, parseOpenMetrics } from '../../../src/signals/sources/openmetrics.ts';

/** A series' samples as objects, or undefined when there is no series. */
const samplesIn = (s: Series | undefined) => (s ? samplesOf(s) : undefined);

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'series');
const T0 = 1_700_000_000_000;
const range = { start: T0, end: T0 + 600_000, step: 60_000 };

function ok(result: SignalResult | undefined): Extract<SignalResult, { ok: true }> {
  if (!result) throw new Error('no result');
  if (!result.ok) throw new Error(`expected data, got: ${result.reason}`);
  return result;
}
function reason(result: SignalResult): string {
  if (result.ok) throw new Error('expected a failure, got data');
  return result.reason;
}
const source = (file: string) =>
  createFileSource('recorded', join(fixtures, file), { logger: silentLogger, lookbackMs: 300_000 });

describe('OpenMetrics parsing', () => {
  test('labels with escapes, timestamps, comments, exemplars and # EOF', async () => {
    const recording = await loadRecording(join(fixtures, 'checkout.om'));
    expect(recording.kind).toBe('raw');
    const build = recording.byName.get('build_info')?.[0];
    expect(build?.labels).toEqual({
      __name__: 'build_info',
      version: '1.2.3',
      note: 'say "hi"\\n\nbye',
      path: 'C:\\tmp',
    });
    const up = recording.byName.get('up')?.[0];
    expect(up?.labels).toEqual({ __name__: 'up' });
    expect(samplesIn(up)).toEqual([
      { t: T0, v: 1 },
      { t: T0 + 60_000, v: 0 },
    ]);
    // The same series written with its labels in another order is one series.
    const eu = recording.byName
      .get('error_ratio')
      ?.find((s) => s.labels.service === 'api' && s.labels.region === 'eu');
    expect(samplesIn(eu)?.map((s) => s.v)).toEqual([0.01, 0.02, 0.07]);
    const us = recording.byName.get('error_ratio')?.find((s) => s.labels.region === 'us');
    expect(samplesIn(us)?.[1]?.t).toBe(T0 + 60_500);
    expect(samplesIn(us)?.[1]?.v).toBeNaN();
    const web = recording.byName.get('error_ratio')?.find((s) => s.labels.service === 'web');
    expect(samplesIn(web)?.map((s) => s.v)).toEqual([Infinity, -Infinity]);
  });

  test('bad lines are reported with file:line', () => {
    let error: unknown;
    try {
      parseOpenMetrics(
        [
          '# TYPE error_ratio gauge',
          'error_ratio{service="api"} 0.01 1700000000',
          'error_ratio{service="api"} abc 1700000060',
          'error_ratio{service="api"} 0.02',
          'error_ratio{service="api" 0.02 1700000120',
          'error_ratio{service=api} 0.02 1700000120',
          'error_ratio{service="api"} 0.02 1700000000000',
          '{service="api"} 1 1700000000',
          '# EOF',
          'late 1 1700000000',
        ].join('\n'),
        'bad.om',
      );
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems;
    expect(problems).toEqual([
      'bad.om:3: "abc" is not a number',
      'bad.om:4: the sample has no timestamp; a recording needs one per sample (value then unix seconds)',
      'bad.om:5: missing "}" after the labels',
      'bad.om:6: the value of label service must be in double quotes',
      'bad.om:7: timestamp 1700000000000 looks like milliseconds; OpenMetrics timestamps are unix seconds (1700000000)',
      'bad.om:8: expected a metric name, found "{service=\\"api\\"} 1 17"',
      'bad.om:10: data after "# EOF" (line 9)',
    ]);
  });

  test('a bad file reaches fetchRange as a reason naming file:line', async () => {
    const r = reason(await source('bad.om').fetchRange({ query: 'error_ratio', ...range }));
    expect(r).toContain('bad.om:3: "abc" is not a number');
  });

  test('out-of-order samples are sorted; CRLF and blank lines are tolerated', () => {
    const series = parseOpenMetrics('x 2 1700000060\r\n\r\nx 1 1700000000\r\n# EOF\r\n', 'crlf.om');
    expect(samplesIn(series[0])).toEqual([
      { t: T0, v: 1 },
      { t: T0 + 60_000, v: 2 },
    ]);
  });

  test('formatOpenMetrics round-trips', () => {
    const series = [
      {
        labels: { __name__: 'm', a: 'q"uo\\te\nx' },
        samples: [
          { t: T0, v: NaN },
          { t: T0 + 1500, v: -Infinity },
        ],
      },
    ];
    const back = parseOpenMetrics(formatOpenMetrics(series), 'round.om');
    expect(back[0]?.labels).toEqual(series[0]?.labels);
    expect(samplesIn(back[0])?.[0]?.v).toBeNaN();
    expect(samplesIn(back[0])?.[1]).toEqual({ t: T0 + 1500, v: -Infinity });
  });
});

describe('series selectors', () => {
  const labels = { __name__: 'error_ratio', service: 'api', region: 'eu' };
  test.each([
    ['error_ratio', true],
    ['error_ratio{}', true],
    ['error_ratio{service="api"}', true],
    ['error_ratio{service="web"}', false],
    ['error_ratio{ service = "api" , region!="us", }', true],
    ['error_ratio{region=~"e.|us"}', true],
    ['error_ratio{region=~"e"}', false], // anchored, as in Prometheus
    ['error_ratio{region!~"eu|us"}', false],
    ['error_ratio{missing=""}', true], // a missing label is the empty string
    ['error_ratio{missing=~".+"}', false],
    ['{__name__=~\'error_.*\', service="api"}', true],
    ['other{service="api"}', false],
  ])('%s matches: %s', (text, expected) => {
    expect(matchesSelector(parseSelector(text), labels)).toBe(expected);
  });

  test('PromQL gets a clear error', () => {
    expect(() => parseSelector('rate(x[5m])')).toThrow(
      'file sources take a series selector such as error_ratio{service="api"}; "rate(x[5m])" is PromQL',
    );
    expect(() => parseSelector('sum by (service) (x)')).toThrow(/is PromQL/);
    expect(() => parseSelector('x > 0.05')).toThrow(/is PromQL/);
  });

  test('other mistakes say what is wrong', () => {
    expect(() => parseSelector('x{service=api}')).toThrow(/label values are quoted/);
    expect(() => parseSelector('x{service="api"')).toThrow(/expected "," or "}"/);
    expect(() => parseSelector('x{a=~"("}')).toThrow(/not a valid regular expression/);
    expect(() => parseSelector('{}')).toThrow(/names no metric and no label/);
    expect(() => parseSelector('x{a<"b"}')).toThrow(/is PromQL|expected =, !=/);
  });
});

describe('file source', () => {
  test('selects matching raw series, with samples up to 5 minutes before start', async () => {
    const result = ok(
      await source('checkout.om').fetchRange({
        query: 'error_ratio{service="api", region="eu"}',
        start: T0 + 120_000,
        end: T0 + 600_000,
        step: 60_000,
      }),
    );
    expect(result.kind).toBe('raw');
    expect(result.series).toHaveLength(1);
    expect(samplesIn(result.series[0])?.map((s) => s.v)).toEqual([0.01, 0.02, 0.07]);
    const later = ok(
      await source('checkout.om').fetchRange({
        query: 'error_ratio{region="eu", service="api"}',
        start: T0 + 400_000,
        end: T0 + 600_000,
        step: 60_000,
      }),
    );
    expect(samplesIn(later.series[0])).toEqual([{ t: T0 + 120_000, v: 0.07 }]);
  });

  test('a saved query_range response comes back stepped', async () => {
    const result = ok(
      await source('query-range.json').fetchRange({ query: '{service="api"}', ...range }),
    );
    expect(result.kind).toBe('stepped');
    expect(result.series).toHaveLength(1);
    const values = samplesIn(result.series[0])?.map((s) => s.v);
    expect(values?.slice(0, 3)).toEqual([0.01, 0.02, Infinity]);
    expect(values?.[3]).toBeNaN();
  });

  test('a recording of query answers serves the PromQL it was recorded for', async () => {
    const s = source('recorded-queries.json');
    const result = ok(
      await s.fetchRange({
        query:
          'sum(rate(http_requests_total{code=~"5.."}[5m]))  /  sum(rate(http_requests_total[5m]))',
        ...range,
      }),
    );
    expect(samplesIn(result.series[0])?.map((x) => x.v)).toEqual([0.01, 0.09]);
    expect(ok(await s.fetchRange({ query: '.data.error_rate', ...range })).series).toHaveLength(1);
    expect(reason(await s.fetchRange({ query: 'rate(other[5m])', ...range }))).toMatch(
      /is PromQL \(nor is it one of the 2 queries recorded in/,
    );
  });

  test('no match, no samples in range, PromQL and a missing file are reasons', async () => {
    expect(reason(await source('checkout.om').fetchRange({ query: 'latency', ...range }))).toMatch(
      /^query returned no series: nothing in .*checkout.om matches latency \(it has error_ratio, build_info, up\)/,
    );
    expect(
      reason(
        await source('checkout.om').fetchRange({
          query: 'up',
          start: T0 + 86_400_000,
          end: T0 + 90_000_000,
          step: 60_000,
        }),
      ),
    ).toMatch(/^query returned no series between .* covers 2023-11-14T22:13:20.000Z to /);
    expect(
      reason(await source('checkout.om').fetchRange({ query: 'rate(up[5m])', ...range })),
    ).toMatch(/is PromQL/);
    expect(reason(await source('nope.om').fetchRange({ query: 'up', ...range }))).toMatch(
      /recorded series file .*nope.om does not exist/,
    );
  });

  test('JSON problems name the file and the place', () => {
    expect(() =>
      parseRecording(
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}',
        'r.json',
      ),
    ).toThrow('r.json: data.result[0].values[0] is not a [timestamp, "value"] pair');
    expect(() => parseRecording('{"status":"error","error":"boom"}', 'r.json')).toThrow(
      /holds a failed query: boom/,
    );
    expect(() => parseRecording('{"status":', 'r.json')).toThrow(/r.json is not valid JSON/);
  });

  test('a rewritten file is read again; an unchanged one is parsed once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ripcord-file-'));
    try {
      const path = join(dir, 'live.om');
      await writeFile(path, 'x 1 1700000000\n# EOF\n');
      const first = await loadRecording(path);
      expect(await loadRecording(path)).toBe(first);
      await writeFile(path, 'x 1 1700000000\nx 2 1700000060\n# EOF\n');
      const second = await loadRecording(path);
      expect(second).not.toBe(first);
      expect(samplesIn(second.series[0])).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('createSources with files', () => {
  test('paths are relative to the policy; fileOverride replaces every source without secrets', async () => {
    const policy = policySchema.parse({
      version: 1,
      sources: {
        recorded: { type: 'file', path: 'checkout.om' },
        prom: { type: 'prometheus', url: 'http://127.0.0.1:1', auth: { bearer: '${PROM_TOKEN}' } },
      },
      environments: { production: {} },
    });
    expect(() =>
      createSources(policy, { env: {}, policyDir: fixtures, logger: silentLogger }),
    ).toThrow(/PROM_TOKEN/);
    const { sources, secrets } = createSources(policy, {
      env: {},
      policyDir: '/elsewhere',
      logger: silentLogger,
      fileOverride: join(fixtures, 'checkout.om'),
    });
    expect(secrets).toEqual([]);
    for (const name of ['recorded', 'prom']) {
      const s = sources.get(name);
      if (!s) throw new Error(`no source ${name}`);
      expect(s.name).toBe(name);
      expect(ok(await s.fetchRange({ query: 'up', ...range })).series).toHaveLength(1);
    }
    const relative = createSources(
      policySchema.parse({
        version: 1,
        sources: { recorded: { type: 'file', path: 'checkout.om' } },
        environments: { p: {} },
      }),
      { env: {}, policyDir: fixtures, logger: silentLogger },
    );
    expect(
      ok(await relative.sources.get('recorded')?.fetchRange({ query: 'up', ...range })).series,
    ).toHaveLength(1);
  });
});

describe('performance', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ripcord-bench-'));
    path = join(dir, 'big.om');
    const lines: string[] = ['# TYPE latency_seconds gauge'];
    for (let s = 0; s < 1000; s++) {
      for (let p = 0; p < 360; p++) {
        lines.push(
          `latency_seconds{service="svc-${s}",region="eu"} ${(p % 17) / 10} ${1_700_000_000 + p * 10}`,
        );
      }
    }
    lines.push('# EOF');
    await writeFile(path, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('1,000 series x 360 points: 200 concurrent queries each get their 360 samples from one parse', async () => {
    const s = createFileSource('big', path, { logger: silentLogger, lookbackMs: 300_000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        s.fetchRange({
          query: `latency_seconds{service="svc-${i * 5}"}`,
          start: T0,
          end: T0 + 3_600_000,
          step: 60_000,
        }),
      ),
    );
    for (const r of results) expect(samplesIn(ok(r).series[0])).toHaveLength(360);
  });
});

describe('recordings as columns', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ripcord-columns-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('two values at one timestamp are an error naming both lines; a repeated sample is one', () => {
    let error: unknown;
    try {
      parseOpenMetrics(
        [
          'x{a="1"} 1 1700000000',
          'x{a="1"} 1 1700000000',
          'x{a="1"} 2 1700000060',
          'x{a="1"} 3 1700000060',
          '# EOF',
        ].join('\n'),
        'dup.om',
      );
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      'dup.om:4: x{a="1"} has two values at 1700000060 (unix seconds): 2 on line 3 and 3 here; a series holds one value per timestamp, so remove one',
    ]);
    const same = parseOpenMetrics('x 1 1700000000\nx 1 1700000000\nx 2 1700000060\n', 'same.om');
    expect(samplesIn(same[0])).toEqual([
      { t: T0, v: 1 },
      { t: T0 + 60_000, v: 2 },
    ]);
  });

  test('series that share their times with others, or only some of them, read as written', () => {
    // The reader lets a series with the previous series' times share that column; a series
    // whose times part from it (shifted, shorter, longer, interleaved with others, out of
    // order, cut by the kept range) must still read as its own lines say.
    const grid = Array.from({ length: 12 }, (_, i) => 1_700_000_000 + i * 60);
    const seriesTimes = fc.oneof(
      fc.constant(grid),
      fc.nat(11).map((n) => grid.slice(0, n + 1)),
      fc.nat(11).map((n) => grid.slice(n)),
      fc.subarray(grid),
      fc.shuffledSubarray(grid),
    );
    fc.assert(
      fc.property(
        fc.array(seriesTimes, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.option(fc.tuple(fc.nat(11), fc.nat(11))),
        (all, interleave, cut) => {
          const rows = all.flatMap((times, s) =>
            times.map((t, i) => ({ s, t, line: `m{s="${s}"} ${(s * 7 + i) % 5} ${t}` })),
          );
          if (interleave) rows.sort((a, b) => a.t - b.t || a.s - b.s);
          const keep = cut
            ? {
                from: (grid[Math.min(...cut)] as number) * 1000,
                to: (grid[Math.max(...cut)] as number) * 1000,
              }
            : undefined;
          const text = `${rows.map((r) => r.line).join('\n')}\n# EOF\n`;
          const read = parseOpenMetrics(text, 'shared.om', { keep });
          const expected = all
            .map((times, s) => ({
              s,
              samples: times
                .map((t, i) => ({ t: t * 1000, v: (s * 7 + i) % 5 }))
                .filter((x) => !keep || (x.t >= keep.from && x.t <= keep.to))
                .sort((a, b) => a.t - b.t),
            }))
            .filter((e) => all[e.s]?.length);
          const got = read
            .map((r) => ({ s: Number(r.labels.s), samples: samplesOf(r) }))
            .sort((a, b) => a.s - b.s);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 2000, seed: 16 },
    );
  });

  test('out of order, a duplicate is still found; so it is in a query_range answer', () => {
    expect(() =>
      parseOpenMetrics('x 1 1700000000\nx 2 1700000060\nx 5 1700000000\n', 'late.om'),
    ).toThrow(/late\.om: x has two values at 1700000000 \(unix seconds\): 1 and 5/);
    expect(() =>
      parseRecording(
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1700000060,"2"],[1700000000,"1"],[1700000060,"3"]]}]}}',
        'dup.json',
      ),
    ).toThrow('dup.json: data.result[0] has two values at 1700000060 (unix seconds): 2 and 3');
  });

  test('a streamed query_range file of many chunks reads as JSON.parse reads it', async () => {
    // Long label values and unicode make strings and numbers straddle the 1 MiB chunk edges.
    const doc = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: Array.from({ length: 200 }, (_, s) => ({
          metric: { __name__: 'lat', pod: `p${s}-${'ø'.repeat(s % 7)}`, note: 'x'.repeat(s * 250) },
          values: Array.from({ length: 400 }, (_, i) => [
            1_700_000_000 + i * 15 + (s % 3) * 0.25,
            i % 97 === 0 ? 'NaN' : String((s * 31 + i) / 1000),
          ]),
        })),
      },
    };
    const path = join(dir, 'big.json');
    const text = JSON.stringify(doc, null, 1);
    expect(text.length).toBeGreaterThan(8 << 20);
    await writeFile(path, text);
    const streamed = await loadRecording(path);
    const expected = seriesFromQueryResponse(JSON.parse(text), path);
    expect(streamed.series).toHaveLength(200);
    let differences = 0;
    streamed.series.forEach((series, i) => {
      expect(series.labels).toEqual(expected[i]?.labels);
      const other = expected[i];
      expect(series.times.length).toBe(other?.times.length);
      series.times.forEach((t, j) => {
        const same = t === other?.times[j] && Object.is(series.values[j], other.values[j]);
        if (!same) differences++;
      });
    });
    expect(differences).toBe(0);
  });

  test('a line longer than a read chunk is read whole', async () => {
    const path = join(dir, 'long-line.om');
    const note = 'n'.repeat(3 << 20);
    await writeFile(path, `x 1 1700000000\nx{note="${note}"} 2 1700000000\nx 3 1700000060\n`);
    const recording = await loadRecording(path);
    expect(recording.series.map((s) => [s.labels.note?.length ?? 0, s.times.length])).toEqual([
      [0, 2],
      [3 << 20, 1],
    ]);
  });

  test('one evaluation keeps only the samples its triggers need; a second time keeps all', async () => {
    const path = join(dir, 'week.om');
    const lines: string[] = [];
    for (let s = 0; s < 3; s++) {
      for (let m = 0; m < 7 * 24 * 60; m += 5) {
        lines.push(`load{host="h${s}"} ${(m % 50) / 10} ${1_700_000_000 + m * 60}`);
      }
    }
    await writeFile(path, `${lines.join('\n')}\n# EOF\n`);
    const end = T0 + 6 * 24 * 3_600_000;
    const req = { query: 'load{host="h1"}', start: end - 3_600_000, end, step: 60_000 };
    const s = createFileSource('week', path, { logger: silentLogger, lookbackMs: 300_000 });
    s.plan?.([req, { ...req, query: 'load', start: end - 7_200_000 }]);
    const first = ok(await s.fetchRange(req));
    expect(samplesIn(first.series[0])).toHaveLength(14);
    const kept = await loadRecording(path, { keep: { from: end - 7_500_000, to: end } });
    // Two hours and five minutes of five-minute samples, for each of the three hosts.
    expect(kept.series.map((x) => x.times.length)).toEqual([26, 26, 26]);
    expect(kept.minT).toBe(T0);
    // Another evaluation time outside the first: the whole week is read, every answer is whole.
    s.plan?.([{ ...req, start: T0, end: T0 + 3_600_000 }]);
    const early = ok(await s.fetchRange({ ...req, start: T0, end: T0 + 3_600_000 }));
    expect(samplesIn(early.series[0])).toHaveLength(13);
    expect(ok(await s.fetchRange(req)).series[0]?.times[0]).toBe(end - 3_600_000 - 300_000);
  });

  test('the label index answers every selector as a scan of all series does', async () => {
    const lines: string[] = [];
    for (let s = 0; s < 400; s++) {
      const labels = `service="svc-${s % 20}",region="${['eu', 'us', 'ap'][s % 3]}",pod="p${s}"`;
      lines.push(`${s % 2 === 0 ? 'req' : 'err'}{${labels}} 1 1700000000`);
    }
    const recording = parseRecording(lines.join('\n'), 'index.om');
    const selectors = [
      'req',
      'req{service="svc-3"}',
      'err{service="svc-3", region="us"}',
      '{pod="p17"}',
      'req{service="svc-3", region!="eu"}',
      'req{region=~"e.|ap", service="svc-4"}',
      'req{service="svc-99"}',
      'req{missing=""}',
      '{service="svc-1", pod=~"p1.*"}',
    ];
    for (const text of selectors) {
      const selector = parseSelector(text);
      const scanned = recording.series.filter((s) => matchesSelector(selector, s.labels));
      expect(selectSeries(recording, selector), text).toEqual(scanned);
    }
    expect(
      selectSeries(recording, parseSelector('err{service="svc-3", region="us"}')),
    ).toHaveLength(6);
  });

  test('a recording over the sample limit fails the run (exit 1) naming the limit', async () => {
    const out: string[] = [];
    const args = ['--environment', 'production', '--policy', 'examples/demo/policy.yml'];
    const code = await main(
      [
        'evaluate',
        ...args,
        '--source-file',
        'examples/demo/incident.om',
        '--at',
        '2026-11-24T10:20:00Z',
      ],
      {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        env: { RIPCORD_MAX_RECORDING_SAMPLES: '100' },
        now: () => Date.parse('2026-11-24T10:20:00Z'),
      },
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(
      /incident\.om holds more than 100 samples between .* the range this run's triggers need; that is the limit \(RIPCORD_MAX_RECORDING_SAMPLES/,
    );
    const unreadable = join(dir, 'folder.om');
    await mkdir(unreadable);
    const s = createFileSource('r', unreadable, { logger: silentLogger, lookbackMs: 300_000 });
    await expect(s.fetchRange({ query: 'up', ...range })).rejects.toThrow(
      /cannot read recorded series file .*folder\.om \(EISDIR\)/,
    );
  });
});
