/**
 * Probe timing (issue 13): a probe trigger's own `interval` sets how often it is probed and the
 * resolution its streak is read at. "3 consecutive failures, every 20s" decides about 40 s after
 * the first failure, in watch mode (a real HTTP health endpoint on loopback, the clock passed
 * in) and in replays of a recorded probe_success series, not three 1-minute polls later.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import { policySchema } from '../../src/policy/schema.ts';
import { seriesFromSamples, type SignalResult } from '../../src/signals/signal.ts';
import { evaluateEnvironment } from '../../src/signals/evaluate-environment.ts';
import { watch } from '../../src/signals/watch.ts';
import { createSources, type SignalSource } from '../../src/signals/factory.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';

const T0 = Date.parse('2026-12-03T11:00:00Z');
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function policyWith(url: string) {
  return policySchema.parse({
    version: 1,
    sources: {
      router: { type: 'http', url },
      prometheus: { type: 'prometheus', url: 'http://127.0.0.1:9' },
    },
    environments: {
      production: {
        step: '1m',
        triggers: [
          {
            name: 'health',
            kind: 'probe',
            severity: 'critical',
            source: 'router',
            query: 'probe_success{target="storefront/healthz"}',
            failures: 3,
            interval: '20s',
          },
        ],
        decision: [{ severity: 'critical', strategy: 'redeploy', approval: 'none' }],
        rollback: { ladder: ['redeploy'] },
      },
    },
  });
}

describe('watch mode probes on the probe interval', () => {
  test('the health endpoint fails from 11:00:20: rollback at 11:01:00, not three polls later', async () => {
    let now = T0;
    const failFrom = T0 + 20_000;
    receiver = await startReceiver(() => ({ status: now >= failFrom ? 503 : 200, body: 'ok' }));
    const policy = policyWith(`${receiver.url}/healthz`);
    const { sources } = createSources(policy, {
      env: {},
      policyDir: '/nonexistent',
      logger: silentLogger,
      now: () => now,
      retryDelayMs: 1,
    });
    const slept: number[] = [];
    const { decision } = await watch({
      policy,
      environment: 'production',
      sources,
      logger: silentLogger,
      duration: 10 * 60_000,
      interval: 60_000,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    expect(decision.decision).toBe('rollback');
    // Probes at 11:00:00 (ok), :20, :40, 11:01:00 (failed): the third failure decides.
    expect(decision.evaluatedAt).toBe('2026-12-03T11:01:00.000Z');
    expect(decision.evaluatedAt).not.toBe('2026-12-03T11:03:00.000Z');
    expect(receiver.requests).toHaveLength(4);
    expect(slept).toEqual([20_000, 20_000, 20_000]);
    const health = decision.triggers.find((v) => v.name === 'health');
    expect(health?.reason).toMatch(/failed 3 probes in a row since 11:00:20 UTC/);
  });

  test('two failures between polls then a success: no rollback, and the poll stays at 1m', async () => {
    let now = T0;
    receiver = await startReceiver(() => {
      const s = (now - T0) / 1000;
      return { status: s === 20 || s === 40 ? 503 : 200, body: 'ok' };
    });
    const policy = policyWith(`${receiver.url}/healthz`);
    const { sources } = createSources(policy, {
      env: {},
      policyDir: '/nonexistent',
      logger: silentLogger,
      now: () => now,
      retryDelayMs: 1,
    });
    const polls: string[] = [];
    const { decision } = await watch({
      policy,
      environment: 'production',
      sources,
      logger: silentLogger,
      duration: 3 * 60_000,
      interval: 60_000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      onPoll: (d) => polls.push(d.evaluatedAt.slice(11, 19)),
    });
    expect(decision.decision).toBe('none');
    expect(polls).toEqual(['11:00:00', '11:01:00', '11:02:00', '11:03:00']);
    // 3 polls of 3 minutes, two probes between each pair of polls.
    expect(receiver.requests).toHaveLength(10);
  });
});

describe('replays read a recorded probe series at the probe resolution', () => {
  /** A recorded probe_success series that Prometheus answers on any step, as query_range does. */
  function recordedProbe(failFrom: number): SignalSource {
    return {
      name: 'prometheus',
      async fetchRange(req): Promise<SignalResult> {
        const samples = [];
        for (let t = req.start; t <= req.end; t += req.step)
          samples.push({ t, v: t >= failFrom ? 0 : 1 });
        return {
          ok: true,
          kind: 'stepped',
          series: [seriesFromSamples({}, samples)],
          query: req.query,
        };
      },
    };
  }

  test.each([
    ['11:00:20', '11:01', 'breached'],
    ['11:00:40', '11:01', 'ok'],
  ])('failing from %s, at %s', async (from, at, expected) => {
    const policy = policyWith('http://127.0.0.1:9/healthz');
    const failFrom = Date.parse(`2026-12-03T${from}Z`);
    const decision = await evaluateEnvironment({
      policy,
      environment: 'production',
      sources: new Map([['router', recordedProbe(failFrom)]]),
      at: Date.parse(`2026-12-03T${at}:00Z`),
      logger: silentLogger,
    });
    const health = decision.triggers[0];
    if (expected === 'breached') {
      // Read on the 1-minute grid it would have needed until 11:03.
      expect(health?.status).toBe('breached');
      expect(decision.decision).toBe('rollback');
      expect(health?.value).toBe(3);
    } else {
      expect(health?.status).toBe('ok');
      expect(health?.value).toBe(2);
      expect(decision.decision).not.toBe('rollback');
    }
  });
});
