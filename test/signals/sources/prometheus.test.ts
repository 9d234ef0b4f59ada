import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../../src/shared/errors.ts';
import { silentLogger, type Logger } from '../../../src/shared/logger.ts';
import { policySchema } from '../../../src/policy/schema.ts';
import { samplesOf, type Series, type SignalResult } from '../../../src/signals/signal.ts';

import { createSources, type SignalSource } from '../../../src/signals/factory.ts';
import { formatOpenMetrics } from '../../../src/signals/sources/openmetrics.ts';
import { closedPort, startReceiver, type Receiver } from '../../support/http-receiver.ts';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.ts';

/** A series' samples as objects, or undefined when there is no series. */
const samplesIn = (s: Series | undefined) => (s ? samplesOf(s) : undefined);

const MIN = 60_000;

function prometheusSource(
  source: Record<string, unknown>,
  env: Record<string, string> = {},
  logger: Logger = silentLogger,
): { source: SignalSource; secrets: string[] } {
  const input = {
    version: 1,
    sources: { prom: { type: 'prometheus', ...source } },
    environments: { production: {} },
  };
  const { sources, secrets } = createSources(policySchema.parse(input), {
    env,
    policyDir: '/nonexistent',
    logger,
    retryDelayMs: 1,
  });
  const built = sources.get('prom');
  if (!built) throw new Error('no source');
  return { source: built, secrets };
}

function expectOk(result: SignalResult): Extract<SignalResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected data, got: ${result.reason}`);
  return result;
}
function expectFailure(result: SignalResult): string {
  if (result.ok) throw new Error('expected a failure, got data');
  return result.reason;
}

// The recorded window ends four hours ago: promtool only backfills blocks older than the head.
const end = Math.floor((Date.now() - 4 * 3_600_000) / MIN) * MIN;
const start = end - 60 * MIN;
const ratioAt = (minute: number): number =>
  minute < 30 ? 0.01 : Math.round((0.01 + (minute - 30) * 0.003) * 1000) / 1000;

function scenario(): string {
  const ratio = {
    labels: { __name__: 'error_ratio', service: 'api' },
    samples: [] as { t: number; v: number }[],
  };
  const ok = {
    labels: { __name__: 'http_requests_total', code: '200', service: 'api' },
    samples: [] as { t: number; v: number }[],
  };
  const errors = {
    labels: { __name__: 'http_requests_total', code: '500', service: 'api' },
    samples: [] as { t: number; v: number }[],
  };
  for (let minute = 0; minute <= 60; minute++) {
    ratio.samples.push({ t: start + minute * MIN, v: ratioAt(minute) });
  }
  // 100 requests a second; 1% fail before minute 30, 10% after. Counters start above zero so
  // rate() extrapolates linearly instead of stopping at zero.
  let okCount = 1000;
  let errCount = 1000;
  for (let t = start - 10 * MIN; t <= end; t += 15_000) {
    ok.samples.push({ t, v: okCount });
    errors.samples.push({ t, v: errCount });
    const failing = t >= start + 30 * MIN ? 0.1 : 0.01;
    okCount += 15 * 100 * (1 - failing);
    errCount += 15 * 100 * failing;
  }
  return formatOpenMetrics([ratio, ok, errors]);
}

describe('prometheus source against a real Prometheus', () => {
  let server: PrometheusServer;
  let source: SignalSource;
  beforeAll(async () => {
    server = await startPrometheus(scenario());
    source = prometheusSource({ url: server.url, retries: 0 }).source;
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('a selector comes back stepped with the backfilled values', async () => {
    const result = expectOk(
      await source.fetchRange({ query: 'error_ratio{service="api"}', start, end, step: MIN }),
    );
    expect(result.kind).toBe('stepped');
    expect(result.series).toHaveLength(1);
    const [series] = result.series;
    expect(series?.labels).toEqual({ __name__: 'error_ratio', service: 'api' });
    expect(samplesIn(series)).toHaveLength(61);
    samplesIn(series)?.forEach((s, minute) => {
      expect(s.t).toBe(start + minute * MIN);
      expect(s.v).toBe(ratioAt(minute));
    });
    expect(samplesIn(series)?.at(-1)?.v).toBeGreaterThan(0.05);
  });

  test('sum(rate(...)) ratios match the backfilled error ratio', async () => {
    const query =
      'sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total[5m]))';
    const result = expectOk(await source.fetchRange({ query, start, end, step: 5 * MIN }));
    const samples = samplesIn(result.series[0]) ?? [];
    const at = (minute: number): number | undefined =>
      samples.find((s) => s.t === start + minute * MIN)?.v;
    expect(at(10)).toBeCloseTo(0.01, 9);
    expect(at(25)).toBeCloseTo(0.01, 9);
    expect(at(40)).toBeCloseTo(0.1, 9);
    expect(at(60)).toBeCloseTo(0.1, 9);
  });

  test('avg_over_time over a constant stretch', async () => {
    const result = expectOk(
      await source.fetchRange({
        query: 'avg_over_time(error_ratio{service="api"}[5m])',
        start: start + 10 * MIN,
        end: start + 25 * MIN,
        step: MIN,
      }),
    );
    expect(samplesIn(result.series[0])).toHaveLength(16);
    for (const s of samplesIn(result.series[0]) ?? []) expect(s.v).toBeCloseTo(0.01, 12);
  });

  test('+Inf, -Inf and NaN from PromQL arithmetic are parsed as numbers', async () => {
    const range = { start, end: start + 2 * MIN, step: MIN };
    const inf = expectOk(await source.fetchRange({ query: 'error_ratio / 0', ...range }));
    expect(samplesIn(inf.series[0])?.[0]?.v).toBe(Infinity);
    const negInf = expectOk(await source.fetchRange({ query: '-error_ratio / 0', ...range }));
    expect(samplesIn(negInf.series[0])?.[0]?.v).toBe(-Infinity);
    const nan = expectOk(
      await source.fetchRange({ query: '(error_ratio - error_ratio) / 0', ...range }),
    );
    expect(samplesIn(nan.series[0])?.[0]?.v).toBeNaN();
  });

  test('a long query sent as a form body works against Prometheus', async () => {
    const query = Array.from(
      { length: 200 },
      (_, i) => `error_ratio{service="api", n!="${i}"}`,
    ).join(' or ');
    const result = expectOk(await source.fetchRange({ query, start, end, step: 10 * MIN }));
    expect(samplesIn(result.series[0])?.[0]?.v).toBe(ratioAt(0));
  });

  test("bad PromQL: the reason carries Prometheus' parse error", async () => {
    const reason = expectFailure(
      await source.fetchRange({
        query: 'sum(rate(http_requests_total[5m])',
        start,
        end,
        step: MIN,
      }),
    );
    expect(reason).toMatch(/rejected the query with HTTP 400/);
    expect(reason).toMatch(/parse error/);
  });

  test('a query matching nothing: "query returned no series"', async () => {
    const reason = expectFailure(
      await source.fetchRange({ query: 'no_such_metric', start, end, step: MIN }),
    );
    expect(reason).toBe('query returned no series');
  });
});

describe('prometheus source faults (loopback receivers)', () => {
  const matrix = (values: [number, string][]) => ({
    status: 'success',
    data: { resultType: 'matrix', result: [{ metric: { job: 'api' }, values }] },
  });
  const req = { query: 'up', start: 1_700_000_000_000, end: 1_700_000_600_000, step: 60_000 };
  let receiver: Receiver | undefined;
  afterAll(async () => {
    await receiver?.close();
  });
  async function receive(handler: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    await receiver?.close();
    receiver = await startReceiver(handler);
    return receiver;
  }

  test('sends the query, range, step, bearer token and headers; reports the secrets', async () => {
    const r = await receive(() => ({ body: matrix([[1_700_000_000, '1']]) }));
    const { source, secrets } = prometheusSource(
      {
        url: `${r.url}/prefix/`,
        auth: { bearer: '${PROM_TOKEN}' },
        headers: { 'X-Scope-OrgID': 'tenant-${TENANT}' },
      },
      { PROM_TOKEN: 's3cret-token', TENANT: 'blue' },
    );
    expectOk(await source.fetchRange(req));
    const [sent] = r.requests;
    expect(sent?.path).toBe('/prefix/api/v1/query_range');
    expect(sent?.query.get('query')).toBe('up');
    expect(sent?.query.get('start')).toBe('1700000000');
    expect(sent?.query.get('end')).toBe('1700000600');
    expect(sent?.query.get('step')).toBe('60s');
    expect(sent?.headers.authorization).toBe('Bearer s3cret-token');
    expect(sent?.headers['x-scope-orgid']).toBe('tenant-blue');
    expect(secrets).toEqual(expect.arrayContaining(['s3cret-token', 'blue']));
  });

  test('a very long query goes as a form body (POST)', async () => {
    const r = await receive(() => ({ body: matrix([[1_700_000_000, '1']]) }));
    const { source } = prometheusSource({ url: r.url });
    const query = Array.from({ length: 300 }, (_, i) => `up{job="job-${i}"}`).join(' or ');
    expectOk(await source.fetchRange({ ...req, query }));
    expect(r.requests[0]?.method).toBe('POST');
    expect(new URLSearchParams(r.requests[0]?.body).get('query')).toBe(query);
  });

  test('basic auth', async () => {
    const r = await receive(() => ({ body: matrix([[1_700_000_000, '1']]) }));
    const { source, secrets } = prometheusSource(
      { url: r.url, auth: { username: 'ripcord', password: '${PROM_PASSWORD}' } },
      { PROM_PASSWORD: 'pa55word' },
    );
    expectOk(await source.fetchRange(req));
    const encoded = Buffer.from('ripcord:pa55word').toString('base64');
    expect(r.requests[0]?.headers.authorization).toBe(`Basic ${encoded}`);
    expect(secrets).toEqual(expect.arrayContaining(['pa55word', encoded]));
  });

  test('a missing secret is a configuration error naming the variable', () => {
    const build = () =>
      prometheusSource({ url: 'http://127.0.0.1:1', auth: { bearer: '${PROM_TOKEN}' } });
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(
      /sources\.prom\.auth\.bearer: environment variable PROM_TOKEN is not set/,
    );
    expect(build).toThrow(/secrets\.PROM_TOKEN/);
  });

  test('HTTP 500 then success: retried, two requests', async () => {
    const r = await receive((_req, i) =>
      i === 0 ? { status: 500, body: 'boom' } : { body: matrix([[1_700_000_000, '0.5']]) },
    );
    const warnings: string[] = [];
    const logger = { ...silentLogger, warning: (m: string) => warnings.push(m) };
    const { source } = prometheusSource({ url: r.url, retries: 2 }, {}, logger);
    const result = expectOk(await source.fetchRange(req));
    expect(samplesIn(result.series[0])).toEqual([{ t: 1_700_000_000_000, v: 0.5 }]);
    expect(r.requests).toHaveLength(2);
    expect(warnings[0]).toMatch(/HTTP 500; retrying in .* \(attempt 2 of 3\)/);
  });

  test('persistent HTTP 500: ok false after every attempt', async () => {
    const r = await receive(() => ({ status: 500, body: 'internal meltdown' }));
    const { source } = prometheusSource({ url: r.url, retries: 2 });
    const reason = expectFailure(await source.fetchRange(req));
    expect(r.requests).toHaveLength(3);
    expect(reason).toMatch(/HTTP 500 after 3 attempts: internal meltdown/);
  });

  test('HTTP 400 is not retried and keeps the error text', async () => {
    const r = await receive(() => ({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' },
    }));
    const { source } = prometheusSource({ url: r.url, retries: 2 });
    const reason = expectFailure(await source.fetchRange(req));
    expect(r.requests).toHaveLength(1);
    expect(reason).toContain('bad_data: invalid parameter "query"');
  });

  test('a slow server: "timed out after"', async () => {
    const r = await receive(() => ({ delayMs: 2000, body: matrix([]) }));
    const { source } = prometheusSource({ url: r.url, timeout: '100ms', retries: 0 });
    const started = Date.now();
    const reason = expectFailure(await source.fetchRange(req));
    expect(reason).toMatch(/timed out after 100ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('invalid JSON', async () => {
    const r = await receive(() => ({ body: '<html>proxy error</html>' }));
    const { source } = prometheusSource({ url: r.url });
    expect(expectFailure(await source.fetchRange(req))).toMatch(/invalid JSON: <html>proxy error/);
  });

  test('status error in a 200 answer', async () => {
    const r = await receive(() => ({
      body: {
        status: 'error',
        errorType: 'execution',
        error: 'query timed out in expression evaluation',
      },
    }));
    const { source } = prometheusSource({ url: r.url });
    expect(expectFailure(await source.fetchRange(req))).toMatch(
      /rejected the query: execution: query timed out/,
    );
  });

  test('connection refused on a closed port, after the retries', async () => {
    const port = await closedPort();
    const { source } = prometheusSource({ url: `http://127.0.0.1:${port}`, retries: 1 });
    const reason = expectFailure(await source.fetchRange(req));
    expect(reason).toMatch(/connection refused \(ECONNREFUSED\)/);
    expect(reason).toMatch(/\(2 attempts\)/);
  });

  test('empty result and string values NaN, +Inf, -Inf', async () => {
    let r = await receive(() => ({ body: matrix([]) }));
    expect(expectFailure(await prometheusSource({ url: r.url }).source.fetchRange(req))).toBe(
      'query returned no series',
    );
    r = await receive(() => ({
      body: matrix([
        [1_700_000_000, 'NaN'],
        [1_700_000_060, '+Inf'],
        [1_700_000_120, '-Inf'],
        [1_700_000_180.5, '2.5e-3'],
      ]),
    }));
    const result = expectOk(await prometheusSource({ url: r.url }).source.fetchRange(req));
    const values = samplesIn(result.series[0])?.map((s) => s.v);
    expect(values?.[0]).toBeNaN();
    expect(values?.slice(1)).toEqual([Infinity, -Infinity, 0.0025]);
    expect(samplesIn(result.series[0])?.[3]?.t).toBe(1_700_000_180_500);
  });

  test('a malformed matrix is a reason, not a crash', async () => {
    const r = await receive(() => ({
      body: {
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, 2, 3]] }] },
      },
    }));
    const reason = expectFailure(await prometheusSource({ url: r.url }).source.fetchRange(req));
    expect(reason).toMatch(/values\[0\] is not a \[timestamp, "value"\] pair/);
  });

  test('a server echoing the token does not leak it into the reason', async () => {
    const r = await receive((sent) => ({
      status: 401,
      body: `bad token ${String(sent.headers.authorization)}`,
    }));
    const { source } = prometheusSource(
      { url: r.url, auth: { bearer: '${PROM_TOKEN}' } },
      { PROM_TOKEN: 'leaky-token-123' },
    );
    const reason = expectFailure(await source.fetchRange(req));
    expect(reason).toMatch(/HTTP 401 \(check the auth/);
    expect(reason).not.toContain('leaky-token-123');
  });

  test('an aborted request stops without retrying', async () => {
    const r = await receive(() => ({ delayMs: 2000, body: matrix([]) }));
    const { source } = prometheusSource({ url: r.url, retries: 3 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const reason = expectFailure(await source.fetchRange(req, controller.signal));
    expect(reason).toMatch(/aborted/);
    expect(r.requests).toHaveLength(1);
  });
});
