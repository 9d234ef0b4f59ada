import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/shared/logger.ts';
import { policySchema } from '../../../src/policy/schema.ts';
import {
  samplesOf,
  seriesFromSamples,
  type Series,
  type SignalResult,
} from '../../../src/signals/signal.ts';

import { createSources, type SignalSource } from '../../../src/signals/factory.ts';
import { getJsonPath, parseJsonPath } from '../../../src/signals/sources/json-path.ts';
import {
  closedPort,
  startReceiver,
  type Handler,
  type Receiver,
} from '../../support/http-receiver.ts';

/** A series' samples as objects, or undefined when there is no series. */
const samplesIn = (s: Series | undefined) => (s ? samplesOf(s) : undefined);

const NOW = 1_700_000_123_000;
const req = { start: NOW - 600_000, end: NOW, step: 60_000 };
const defaultExpect = { status: 200, json: [] };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function httpSource(
  handler: Handler,
  source: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<{ source: SignalSource; receiver: Receiver; secrets: string[] }> {
  receiver = await startReceiver(handler);
  const policy = policySchema.parse({
    version: 1,
    sources: { health: { type: 'http', url: `${receiver.url}/status`, ...source } },
    environments: { production: {} },
  });
  const { sources, secrets } = createSources(policy, {
    env,
    policyDir: '/nonexistent',
    logger: silentLogger,
    now: () => NOW,
    retryDelayMs: 1,
  });
  const built = sources.get('health');
  if (!built) throw new Error('no source');
  return { source: built, receiver, secrets };
}

function reason(result: SignalResult): string {
  if (result.ok) throw new Error('expected a failure');
  return result.reason;
}

describe('JSON paths', () => {
  test('keys, indexes, quoted keys and the root', () => {
    const doc = { data: { error_rate: 0.07 }, items: [{ value: 3 }], 'a.b': { c: true } };
    expect(getJsonPath(doc, parseJsonPath('.data.error_rate'))).toEqual({
      found: true,
      value: 0.07,
    });
    expect(getJsonPath(doc, parseJsonPath('.items[0].value'))).toEqual({ found: true, value: 3 });
    expect(getJsonPath(doc, parseJsonPath('.["a.b"].c'))).toEqual({ found: true, value: true });
    expect(getJsonPath(doc, parseJsonPath('.'))).toEqual({ found: true, value: doc });
    expect(getJsonPath(doc, parseJsonPath('.items[3].value'))).toEqual({
      found: false,
      missingAt: '.items[3]',
    });
    expect(() => parseJsonPath('data.x')).toThrow(/must start with "."/);
    expect(() => parseJsonPath('.items[x]')).toThrow(/neither an index nor a quoted key/);
    expect(() => parseJsonPath('.a..b')).toThrow(/empty key/);
  });
});

describe('http source: fetchRange', () => {
  test('reads one raw sample at now, with headers and secrets', async () => {
    const {
      source,
      receiver: r,
      secrets,
    } = await httpSource(
      () => ({ body: { data: { error_rate: 0.07 } } }),
      { headers: { Authorization: 'Token ${HEALTH_TOKEN}' } },
      { HEALTH_TOKEN: 'tok-123' },
    );
    const result = await source.fetchRange({ query: '.data.error_rate', ...req });
    expect(result).toEqual({
      ok: true,
      kind: 'raw',
      series: [seriesFromSamples({}, [{ t: NOW, v: 0.07 }])],
      query: '.data.error_rate',
    });
    // Read just after the evaluation time: stamped at the end of the range; long after: now.
    const late = await source.fetchRange({ query: '.data.error_rate', ...req, end: NOW - 5_000 });
    expect(late.ok && samplesIn(late.series[0])?.[0]?.t).toBe(NOW - 5_000);
    const replay = await source.fetchRange({
      query: '.data.error_rate',
      ...req,
      end: NOW - 3_600_000,
    });
    expect(replay.ok && samplesIn(replay.series[0])?.[0]?.t).toBe(NOW);
    expect(r.requests[0]?.method).toBe('GET');
    expect(r.requests[0]?.path).toBe('/status');
    expect(r.requests[0]?.headers.authorization).toBe('Token tok-123');
    expect(secrets).toEqual(['tok-123']);
  });

  test('numeric strings and booleans read as numbers; others are reasons', async () => {
    const { source } = await httpSource(() => ({
      body: { s: '0.5', inf: '+Inf', up: true, name: 'api', nothing: null },
    }));
    const value = async (query: string) => {
      const r = await source.fetchRange({ query, ...req });
      return r.ok ? samplesIn(r.series[0])?.[0]?.v : r.reason;
    };
    expect(await value('.s')).toBe(0.5);
    expect(await value('.inf')).toBe(Infinity);
    expect(await value('.up')).toBe(1);
    expect(await value('.name')).toMatch(
      /^\.name is "api" in the answer of GET .*\/status, not a number/,
    );
    expect(await value('.nothing')).toMatch(/\.nothing is null/);
    expect(await value('.missing.deeper')).toMatch(
      /^query returned no series: \.missing is not in the answer/,
    );
    expect(await value('missing')).toMatch(/is not a JSON path/);
  });

  test('HTTP errors are retried, then a reason', async () => {
    const { source, receiver: r } = await httpSource(() => ({ status: 503, body: 'down' }), {
      retries: 1,
    });
    expect(reason(await source.fetchRange({ query: '.x', ...req }))).toMatch(
      /answered HTTP 503 after 2 attempts: down/,
    );
    expect(r.requests).toHaveLength(2);
  });

  test('invalid JSON, POST method', async () => {
    const { source, receiver: r } = await httpSource(() => ({ body: 'OK' }), { method: 'POST' });
    expect(reason(await source.fetchRange({ query: '.x', ...req }))).toMatch(/invalid JSON: OK/);
    expect(r.requests[0]?.method).toBe('POST');
  });
});

describe('http source: probe', () => {
  test('healthy: status, fields and latency within budget', async () => {
    const { source } = await httpSource(() => ({ body: { health: 'healthy', db: { ok: true } } }));
    const result = await source.probe?.(
      {
        status: [200, 204],
        json: [
          { path: '.health', equals: 'healthy' },
          { path: '.db.ok', equals: true },
        ],
        latency: 2000,
      },
      NOW,
    );
    expect(result).toMatchObject({ t: NOW, ok: true, status: 200 });
    // #15: an elapsed time reads as one number and a unit (`17 ms`, `2.0 s`), never `2s12ms`.
    expect(result?.detail).toMatch(/^status 200 in \d+(\.\d)? m?s$/);
    expect(result?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('wrong status', async () => {
    const { source } = await httpSource(() => ({ status: 503, body: { health: 'down' } }));
    const result = await source.probe?.(defaultExpect, NOW);
    expect(result).toMatchObject({ ok: false, status: 503, detail: 'status 503, expected 200' });
  });

  test('field mismatch and missing field', async () => {
    const { source } = await httpSource(() => ({ body: { health: 'degraded' } }));
    const result = await source.probe?.(
      {
        status: 200,
        json: [
          { path: '.health', equals: 'healthy' },
          { path: '.version', equals: null },
        ],
      },
      NOW,
    );
    expect(result?.ok).toBe(false);
    expect(result?.detail).toBe(
      '.health is "degraded", expected "healthy"; .version is missing, expected null',
    );
  });

  test('latency budget', async () => {
    const { source } = await httpSource(() => ({ delayMs: 150, body: {} }));
    const result = await source.probe?.({ ...defaultExpect, latency: 50 }, NOW);
    expect(result?.ok).toBe(false);
    expect(result?.detail).toMatch(/^took \d+ ms, budget 50ms$/);
  });

  test('timeout and connection refused are failed probes, not retried', async () => {
    const { source, receiver: r } = await httpSource(() => ({ delayMs: 1000, body: {} }), {
      timeout: '100ms',
      retries: 3,
    });
    const result = await source.probe?.(defaultExpect, NOW);
    expect(result).toMatchObject({ t: NOW, ok: false });
    expect(result?.detail).toMatch(/timed out after 100ms/);
    expect(r.requests).toHaveLength(1);

    const port = await closedPort();
    const policy = policySchema.parse({
      version: 1,
      sources: { gone: { type: 'http', url: `http://127.0.0.1:${port}/health` } },
      environments: { production: {} },
    });
    const gone = createSources(policy, {
      env: {},
      policyDir: '/',
      logger: silentLogger,
    }).sources.get('gone');
    const refused = await gone?.probe?.(defaultExpect, NOW);
    expect(refused?.ok).toBe(false);
    expect(refused?.detail).toMatch(/connection refused/);
  });

  test('a non-JSON answer fails JSON expectations', async () => {
    const { source } = await httpSource(() => ({ body: '<html>' }));
    const result = await source.probe?.(
      { status: 200, json: [{ path: '.health', equals: 'healthy' }] },
      NOW,
    );
    expect(result?.detail).toMatch(/^the answer is not JSON: <html>/);
  });
});
