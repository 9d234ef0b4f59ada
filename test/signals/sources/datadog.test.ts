import { afterEach, describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/logger.ts';
import { policySchema } from '../../../src/policy/schema.ts';
import { seriesFromSamples, type SignalResult } from '../../../src/signals/signal.ts';
import { createSources, type SignalSource } from '../../../src/signals/factory.ts';
import { startReceiver, type Handler, type Receiver } from '../../support/http-receiver.ts';

const T0 = 1_700_000_000_000;
const req = {
  query: 'avg:trace.http.errors{service:api}',
  start: T0,
  end: T0 + 300_500,
  step: 60_000,
};
const env = { DD_API_KEY: 'api-key-123', DD_APP_KEY: 'app-key-456' };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function policy(extra: Record<string, unknown> = {}) {
  return policySchema.parse({
    version: 1,
    sources: {
      dd: { type: 'datadog', api_key: '${DD_API_KEY}', app_key: '${DD_APP_KEY}', ...extra },
    },
    environments: { production: {} },
  });
}

async function datadog(
  handler: Handler,
  extra: Record<string, unknown> = {},
): Promise<{ source: SignalSource; receiver: Receiver; secrets: string[] }> {
  receiver = await startReceiver(handler);
  const { sources, secrets } = createSources(policy(extra), {
    env,
    policyDir: '/nonexistent',
    logger: silentLogger,
    retryDelayMs: 1,
    datadogBaseUrl: receiver.url,
  });
  const source = sources.get('dd');
  if (!source) throw new Error('no source');
  return { source, receiver, secrets };
}

function reason(result: SignalResult): string {
  if (result.ok) throw new Error('expected a failure');
  return result.reason;
}

describe('datadog source', () => {
  test('queries /api/v1/query with the keys and reads pointlists as stepped series', async () => {
    const {
      source,
      receiver: r,
      secrets,
    } = await datadog(() => ({
      body: {
        status: 'ok',
        res_type: 'time_series',
        series: [
          {
            metric: 'trace.http.errors',
            scope: 'service:api,env:prod',
            tag_set: ['service:api', 'env:prod'],
            pointlist: [
              [T0, 0.01],
              [T0 + 60_000, null],
              [T0 + 120_000, 0.08],
            ],
          },
          { metric: 'trace.http.errors', scope: 'service:web', pointlist: [[T0, 0.5]] },
          { metric: 'empty', pointlist: [[T0, null]] },
        ],
      },
    }));
    const result = await source.fetchRange(req);
    expect(result).toEqual({
      ok: true,
      kind: 'stepped',
      query: req.query,
      series: [
        seriesFromSamples({ __name__: 'trace.http.errors', service: 'api', env: 'prod' }, [
          { t: T0, v: 0.01 },
          { t: T0 + 120_000, v: 0.08 },
        ]),
        seriesFromSamples({ __name__: 'trace.http.errors', service: 'web' }, [{ t: T0, v: 0.5 }]),
      ],
    });
    const [sent] = r.requests;
    expect(sent?.path).toBe('/api/v1/query');
    expect(sent?.query.get('from')).toBe('1700000000');
    expect(sent?.query.get('to')).toBe('1700000301');
    expect(sent?.query.get('query')).toBe(req.query);
    expect(sent?.headers['dd-api-key']).toBe('api-key-123');
    expect(sent?.headers['dd-application-key']).toBe('app-key-456');
    expect(secrets).toEqual(['api-key-123', 'app-key-456']);
  });

  test('403 with errors: the reason names the keys, never their values', async () => {
    const { source } = await datadog((sent) => ({
      status: 403,
      body: { errors: [`Forbidden for key ${String(sent.headers['dd-api-key'])}`] },
    }));
    const r = reason(await source.fetchRange(req));
    expect(r).toMatch(
      /HTTP 403 \(check api_key, app_key and site of this source\): Forbidden for key \*\*\*/,
    );
    expect(r).not.toContain('api-key-123');
  });

  test('a query error in a 200 answer, an empty answer, 5xx retried', async () => {
    let r = await datadog(() => ({ body: { status: 'error', error: 'Rule parse error' } }));
    expect(reason(await r.source.fetchRange(req))).toMatch(/rejected the query: Rule parse error/);
    await receiver?.close();
    r = await datadog(() => ({ body: { status: 'ok', series: [] } }));
    expect(reason(await r.source.fetchRange(req))).toBe('query returned no series');
    await receiver?.close();
    r = await datadog(
      (_s, i) => (i < 2 ? { status: 502, body: 'bad gateway' } : { body: { series: [] } }),
      {
        retries: 1,
      },
    );
    expect(reason(await r.source.fetchRange(req))).toMatch(
      /HTTP 502 after 2 attempts: bad gateway/,
    );
    expect(r.receiver.requests).toHaveLength(2);
  });

  test('a missing key is a configuration error naming the variable', () => {
    let error: unknown;
    try {
      createSources(policy(), {
        env: { DD_API_KEY: 'x', DD_APP_KEY: '' },
        policyDir: '/',
        logger: silentLogger,
      });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /sources\.dd\.app_key: environment variable DD_APP_KEY is empty/,
    );
  });

  test('every missing variable is named at once', () => {
    expect(() =>
      createSources(policy(), { env: {}, policyDir: '/', logger: silentLogger }),
    ).toThrow(/missing secrets DD_API_KEY, DD_APP_KEY/);
  });
});
