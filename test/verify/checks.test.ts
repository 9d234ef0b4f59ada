/** Probe and smoke checks against local receivers and real bash, one evaluation at a time. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import { checkSchema, type VerifyCheck } from '../../src/policy/schema-verify.ts';
import { runChecksOnce, type CheckContext } from '../../src/verify/checks.ts';
import { sparkline } from '../../src/verify/rounds.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver((req) => {
    switch (req.path) {
      case '/healthy':
        return {
          body: { health: 'healthy', version: '1.1.0' },
          headers: { 'x-version': '1.1.0', 'cache-control': 'no-store' },
        };
      case '/degraded':
        return { body: { health: 'degraded' } };
      case '/down':
        return { status: 503, body: 'unavailable' };
      case '/slow':
        return { body: { health: 'healthy' }, delayMs: 300 };
      case '/auth':
        return req.headers.authorization === 'Bearer s3cret'
          ? { body: { health: 'healthy' } }
          : { status: 401, body: 'no' };
      default:
        return { status: 404, body: 'not found' };
    }
  });
});

afterAll(async () => {
  await receiver?.close();
});

const ctx: CheckContext = {
  environment: 'production',
  now: () => Date.now(),
  logger: silentLogger,
  sources: new Map(),
  flags: new Map(),
  step: 60_000,
  lookback: 300_000,
  stepContext: { incident: 42, targetSha: 'a'.repeat(40) },
};

function check(input: Record<string, unknown>): VerifyCheck {
  return checkSchema.parse({ name: 'c', ...input });
}

async function one(input: Record<string, unknown>, context: CheckContext = ctx) {
  const [result] = await runChecksOnce([check(input)], context);
  if (!result) throw new Error('no result');
  return result;
}

describe('probe checks', () => {
  test('status and a JSON field pass, with the latency as the value', async () => {
    const r = await one({
      type: 'probe',
      url: `${receiver.url}/healthy`,
      json: [{ path: '.health', equals: 'healthy' }],
    });
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/^status 200 in /);
    expect(r.value).toBeGreaterThanOrEqual(0);
  });

  test('a wrong JSON field fails and says what it saw', async () => {
    const r = await one({
      type: 'probe',
      url: `${receiver.url}/degraded`,
      json: [{ path: '.health', equals: 'healthy' }],
    });
    expect(r.status).toBe('fail');
    expect(r.detail).toBe('.health is "degraded", expected "healthy"');
  });

  test('an unexpected status fails; an expected non-200 passes', async () => {
    expect((await one({ type: 'probe', url: `${receiver.url}/down` })).detail).toMatch(
      /status 503, expected 200/,
    );
    expect((await one({ type: 'probe', url: `${receiver.url}/down`, status: [503] })).status).toBe(
      'pass',
    );
  });

  test('a slower answer than the latency budget fails', async () => {
    const r = await one({ type: 'probe', url: `${receiver.url}/slow`, latency: '100ms' });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/budget 100ms/);
    expect(r.value).toBeGreaterThanOrEqual(250);
  });

  test('request headers are sent; response headers are matched', async () => {
    expect(
      (
        await one({
          type: 'probe',
          url: `${receiver.url}/auth`,
          headers: { Authorization: 'Bearer s3cret' },
        })
      ).status,
    ).toBe('pass');
    const ok = await one({
      type: 'probe',
      url: `${receiver.url}/healthy`,
      expect_headers: { 'x-version': '1\\.1\\..*', 'cache-control': 'no-store' },
    });
    expect(ok.status).toBe('pass');
    const bad = await one({
      type: 'probe',
      url: `${receiver.url}/healthy`,
      expect_headers: { 'x-version': '1\\.2\\..*', 'x-missing': '.*' },
    });
    expect(bad.status).toBe('fail');
    expect(bad.detail).toBe(
      'header x-version is "1.1.0", expected /1\\.2\\..*/; header x-missing is missing',
    );
  });

  test('a refused connection fails the probe with the reason', async () => {
    const r = await one({ type: 'probe', url: 'http://127.0.0.1:1/health', timeout: '2s' });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/127\.0\.0\.1:1/);
  });
});

describe('smoke checks', () => {
  test('exit 0 passes; RIPCORD_* values arrive as environment variables', async () => {
    const r = await one({
      type: 'smoke',
      command:
        'test "$RIPCORD_INCIDENT" = 42 && test "$RIPCORD_CHECK" = c && test "$RIPCORD_ENVIRONMENT" = production',
    });
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/^exited 0 in /);
  });

  test('a non-zero exit fails with the code and the last line of stderr', async () => {
    const r = await one({ type: 'smoke', command: 'echo "checkout broken" >&2; exit 3' });
    expect(r.status).toBe('fail');
    expect(r.detail).toBe('command exited with code 3: checkout broken');
  });

  test('a command over its time limit is stopped and fails', async () => {
    const started = Date.now();
    const r = await one({ type: 'smoke', command: 'sleep 30', timeout: '1s' });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/timed out after 1s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('runChecksOnce', () => {
  test('runs every check once, in order, and names policy mistakes all at once', async () => {
    const results = await runChecksOnce(
      [
        check({ type: 'probe', name: 'a', url: `${receiver.url}/healthy` }),
        check({ type: 'smoke', name: 'b', command: 'true' }),
      ],
      ctx,
    );
    expect(results.map((r) => [r.name, r.type, r.status])).toEqual([
      ['a', 'probe', 'pass'],
      ['b', 'smoke', 'pass'],
    ]);
    await expect(
      runChecksOnce(
        [
          check({
            type: 'metric',
            name: 'm',
            source: 'nope',
            query: 'up',
            op: '>',
            threshold: 0,
          }),
          check({ type: 'flag-off', name: 'f', provider: 'unleash', flag: 'x' }),
        ],
        ctx,
      ),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/^the verify checks have 2 problems\n/) as unknown,
      problems: [
        'check "m": source "nope" is not defined; add it under sources:',
        'check "f": flag provider "unleash" is not defined; add it under flags:',
      ],
    });
  });
});

test('sparkline scales values between their min and max and leaves gaps', () => {
  expect(sparkline([1, 2, 3, 5, 8])).toBe('▁▂▃▅█');
  expect(sparkline([null, 4, 4])).toBe('·▄▄');
  expect(sparkline([])).toBe('');
});
