/**
 * Metric checks through the trigger engine against a real Prometheus backfilled with a
 * rollback: the error ratio is 10% for the hour before the rollback and 0.5% after it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import { checkSchema } from '../../src/policy/schema-verify.ts';
import { policySchema } from '../../src/policy/schema.ts';
import { createSources } from '../../src/signals/factory.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { runChecksOnce, type CheckContext } from '../../src/verify/checks.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.ts';

const MIN = 60_000;
// promtool only backfills blocks older than the head: the story ends four hours ago.
const end = Math.floor((Date.now() - 4 * 3_600_000) / MIN) * MIN;
const rolledBackAt = end - 60 * MIN;
const start = rolledBackAt - 60 * MIN;

function scenario(): string {
  const ratio = {
    labels: { __name__: 'error_ratio', service: 'api' },
    samples: [] as { t: number; v: number }[],
  };
  const latency = {
    labels: { __name__: 'latency_p95_seconds', service: 'api' },
    samples: [] as { t: number; v: number }[],
  };
  for (let t = start; t <= end; t += MIN) {
    const after = t >= rolledBackAt;
    ratio.samples.push({ t, v: after ? 0.005 : 0.1 });
    latency.samples.push({ t, v: after ? 0.2 : 1.5 });
  }
  return formatOpenMetrics([ratio, latency]);
}

let server: PrometheusServer;
let ctx: (at: number, since?: number) => CheckContext;

beforeAll(async () => {
  server = await startPrometheus(scenario());
  const policy = policySchema.parse({
    version: 1,
    sources: { prom: { type: 'prometheus', url: server.url, retries: 0 } },
    environments: { production: {} },
  });
  const { sources } = createSources(policy, {
    env: {},
    policyDir: '/nonexistent',
    logger: silentLogger,
    retryDelayMs: 1,
  });
  ctx = (at, since) => ({
    environment: 'production',
    now: () => at,
    logger: silentLogger,
    sources,
    flags: new Map(),
    step: MIN,
    lookback: 5 * MIN,
    ...(since === undefined ? {} : { since }),
  });
});
afterAll(async () => {
  await server?.stop();
});

const metric = (input: Record<string, unknown>) =>
  checkSchema.parse({
    type: 'metric',
    name: 'errors',
    source: 'prom',
    query: 'error_ratio{service="api"}',
    ...input,
  });

async function one(input: Record<string, unknown>, at: number, since?: number) {
  const [r] = await runChecksOnce([metric(input)], ctx(at, since));
  if (!r) throw new Error('no result');
  return r;
}

describe('absolute metric checks', () => {
  test('error ratio < 1% for 30m passes once it has held for 30m', async () => {
    const r = await one({ op: '<', threshold: '1%', for: '30m' }, end);
    expect(r.status).toBe('pass');
    expect(r.value).toBeCloseTo(0.005, 9);
  });

  test('the same check 10 minutes after the rollback is not proven yet: inconclusive', async () => {
    const r = await one({ op: '<', threshold: '1%', for: '30m' }, rolledBackAt + 10 * MIN);
    expect(r.status).toBe('inconclusive');
    expect(r.detail).toMatch(/healthy for 10m, not yet the 30m required/);
  });

  test('before the rollback it fails, with the value seen', async () => {
    const r = await one({ op: '<', threshold: '1%' }, rolledBackAt - 5 * MIN);
    expect(r.status).toBe('fail');
    expect(r.value).toBeCloseTo(0.1, 9);
    expect(r.detail).toMatch(/10%/);
  });

  test('p95 latency under 500ms over 15m (aggregate)', async () => {
    const r = await one(
      {
        query: 'latency_p95_seconds{service="api"}',
        aggregate: 'max',
        window: '15m',
        op: '<',
        threshold: '500ms',
      },
      end,
    );
    expect(r.status).toBe('pass');
    expect(r.value).toBeCloseTo(0.2, 9);
  });

  test('no data is inconclusive, never passed', async () => {
    const r = await one({ query: 'error_ratio{service="nope"}', op: '<', threshold: '1%' }, end);
    expect(r.status).toBe('inconclusive');
  });

  test('Prometheus down is inconclusive', async () => {
    const policy = policySchema.parse({
      version: 1,
      sources: {
        prom: { type: 'prometheus', url: 'http://127.0.0.1:1', retries: 0, timeout: '2s' },
      },
      environments: { production: {} },
    });
    const { sources } = createSources(policy, {
      env: {},
      policyDir: '/x',
      logger: silentLogger,
      retryDelayMs: 1,
    });
    const [r] = await runChecksOnce([metric({ op: '<', threshold: '1%' })], {
      ...ctx(end),
      sources,
    });
    expect(r?.status).toBe('inconclusive');
  });
});

describe('improved against the values before the rollback', () => {
  test('lower than the 30m before the rollback: passes', async () => {
    const r = await one({ improved: 'lower', window: '15m', before: '30m' }, end, rolledBackAt);
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/-94\.8% vs the baseline/);
  });

  test('by at least 99%: fails (it improved by 95%)', async () => {
    const r = await one({ improved: 'lower', by: '99%', window: '15m' }, end, rolledBackAt);
    expect(r.status).toBe('fail');
  });

  test('without a "before" time: inconclusive with how to give one', async () => {
    const r = await one({ improved: 'lower' }, end);
    expect(r.status).toBe('inconclusive');
    expect(r.detail).toMatch(/input since/);
  });
});
