/**
 * The feature-flag strategy end to end against a real unleash-server 8.2.0: the policy's `flags`
 * section with a `${UNLEASH_TOKEN}` secret, planned into steps, run by the ladder, and the flag
 * checked through the client API (what the application's SDK would get).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import {
  flagProviderSchema,
  rollbackSchema,
  type RollbackPolicy,
} from '../../src/policy/schema-rollback.ts';
import { createFlagProviders } from '../../src/rollback/flags/providers.ts';
import { executeLadder, type StepEvent } from '../../src/rollback/ladder.ts';
import { planStrategy } from '../../src/rollback/plan.ts';
import { sharedUnleash, type UnleashServer } from '../support/unleash-server.ts';

const ENV = 'production';
let unleash: UnleashServer;

beforeAll(() => {
  unleash = sharedUnleash();
});

async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { authorization: unleash.adminToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
}

async function createFlag(name: string): Promise<void> {
  await admin('POST', '/api/admin/projects/default/features', { name, type: 'release' });
  await admin(
    'POST',
    `/api/admin/projects/default/features/${name}/environments/${ENV}/strategies`,
    {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: '100', stickiness: 'default', groupId: name },
    },
  );
  await admin('POST', `/api/admin/projects/default/features/${name}/environments/${ENV}/on`);
}

interface ClientFeature {
  name: string;
  enabled: boolean;
  strategies: { name: string; parameters?: Record<string, string> }[];
}

async function clientView(name: string): Promise<ClientFeature | undefined> {
  const res = await fetch(`${unleash.url}/api/client/features`, {
    headers: { authorization: unleash.clientToken(ENV) },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { features: ClientFeature[] };
  return body.features.find((f) => f.name === name);
}

/** Builds the providers from the policy and the (fake) workflow environment, then runs the rung. */
async function rollBack(featureFlag: Record<string, unknown>) {
  const { providers, secrets } = createFlagProviders(
    {
      unleash: flagProviderSchema.parse({
        type: 'unleash',
        url: unleash.url,
        token: '${UNLEASH_TOKEN}',
      }),
    },
    { env: { UNLEASH_TOKEN: unleash.adminToken }, logger: silentLogger },
  );
  expect(secrets).toEqual([unleash.adminToken]);
  const policy: RollbackPolicy = rollbackSchema.parse({
    strategies: { 'feature-flag': { provider: 'unleash', ...featureFlag } },
  });
  const events: StepEvent[] = [];
  const slept: number[] = [];
  const result = await executeLadder({
    rungs: ['feature-flag'],
    plan: (s) => planStrategy(s, ENV, policy, { flags: providers, env: {}, logger: silentLogger }),
    done: new Set(),
    record: (e) => {
      events.push(e);
      return Promise.resolve();
    },
    ctx: {
      step: { environment: ENV, targetRef: 'v1', incident: 1 },
      logger: silentLogger,
      now: Date.now,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    },
  });
  return { result, events, slept };
}

describe('feature-flag strategy against a real Unleash', () => {
  it('immediate: the flag is switched off for the application', async () => {
    await createFlag('checkout-v2');
    expect((await clientView('checkout-v2'))?.enabled).toBe(true);
    const { result, events } = await rollBack({ flag: 'checkout-v2' });
    expect(result).toMatchObject({ ok: true, strategy: 'feature-flag' });
    expect((await clientView('checkout-v2'))?.enabled).toBe(false);
    expect(events.map((e) => `${e.stepId} ${e.status}`)).toEqual([
      'feature-flag:disable running',
      'feature-flag:disable done',
    ]);
    expect(events[1]?.detail).toBe('flag checkout-v2 switched off in unleash production');
  });

  it('gradual 25 then 0: the rollout really steps down and the flag stays on at 0%', async () => {
    await createFlag('search-rank');
    const seen: (string | undefined)[] = [];
    // Look at the server between steps: the sleep before the second step is the moment.
    const { providers } = createFlagProviders(
      {
        u: flagProviderSchema.parse({ type: 'unleash', url: unleash.url, token: '${T}' }),
      },
      { env: { T: unleash.adminToken }, logger: silentLogger },
    );
    const policy = rollbackSchema.parse({
      strategies: {
        'feature-flag': {
          provider: 'u',
          flag: 'search-rank',
          mode: 'gradual',
          steps: [25, 0],
          step_wait: '2m',
        },
      },
    });
    const events: StepEvent[] = [];
    const result = await executeLadder({
      rungs: ['feature-flag'],
      plan: (s) =>
        planStrategy(s, ENV, policy, { flags: providers, env: {}, logger: silentLogger }),
      done: new Set(),
      record: (e) => {
        events.push(e);
        return Promise.resolve();
      },
      ctx: {
        step: { environment: ENV },
        logger: silentLogger,
        now: Date.now,
        sleep: async (ms) => {
          expect(ms).toBe(120_000);
          seen.push((await clientView('search-rank'))?.strategies[0]?.parameters?.rollout);
        },
      },
    });
    expect(result.ok).toBe(true);
    expect(seen).toEqual(['25']);
    const after = await clientView('search-rank');
    expect(after?.enabled).toBe(true);
    expect(after?.strategies.map((s) => s.parameters?.rollout)).toEqual(['0']);
    expect(events.filter((e) => e.status === 'done').map((e) => e.stepId)).toEqual([
      'feature-flag:rollout-25',
      'feature-flag:rollout-0',
    ]);
    expect(events.at(-1)?.detail).toMatch(
      /rollout set to 0% in unleash production; the flag stays switched on at 0%/,
    );
  });

  it('components: only the named component flags go off', async () => {
    await createFlag('copilot');
    for (const c of ['voice', 'streaming', 'search']) await createFlag(`copilot.${c}`);
    const { result } = await rollBack({
      flag: 'copilot',
      mode: 'components',
      components: ['voice', 'streaming'],
    });
    expect(result.ok).toBe(true);
    expect((await clientView('copilot'))?.enabled).toBe(true);
    expect((await clientView('copilot.voice'))?.enabled).toBe(false);
    expect((await clientView('copilot.streaming'))?.enabled).toBe(false);
    expect((await clientView('copilot.search'))?.enabled).toBe(true);
  });

  it('a deleted flag fails the step with the reason instead of reporting success', async () => {
    const { result, events } = await rollBack({ flag: 'never-created' });
    expect(result.ok).toBe(false);
    expect(events.at(-1)).toMatchObject({ status: 'failed' });
    expect(events.at(-1)?.detail).toMatch(
      /flag never-created not found in Unleash project default/,
    );
  });
});
