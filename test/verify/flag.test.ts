/** "The flag is really off" through the flag provider against the run's real unleash-server. */
import { beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import { flagProviderSchema } from '../../src/policy/schema-rollback.ts';
import { checkSchema } from '../../src/policy/schema-verify.ts';
import { createFlagProviders } from '../../src/rollback/flags/providers.ts';
import { runChecksOnce, type CheckContext } from '../../src/verify/checks.ts';
import { sharedUnleash, type UnleashServer } from '../support/unleash-server.ts';

const ENV = 'production';
let unleash: UnleashServer;
let ctx: CheckContext;

beforeAll(() => {
  unleash = sharedUnleash();
  const { providers } = createFlagProviders(
    {
      unleash: flagProviderSchema.parse({
        type: 'unleash',
        url: unleash.url,
        token: '${UNLEASH_TOKEN}',
      }),
    },
    { env: { UNLEASH_TOKEN: unleash.adminToken }, logger: silentLogger },
  );
  ctx = {
    environment: ENV,
    now: () => Date.now(),
    logger: silentLogger,
    sources: new Map(),
    flags: providers,
    step: 60_000,
    lookback: 300_000,
  };
});

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { authorization: unleash.adminToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : null;
}

/** A flag switched on with a flexibleRollout at `rollout`%; returns the strategy id. */
async function createFlag(name: string, rollout: number): Promise<string> {
  await admin('POST', '/api/admin/projects/default/features', { name, type: 'release' });
  const strategy = (await admin(
    'POST',
    `/api/admin/projects/default/features/${name}/environments/${ENV}/strategies`,
    {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: String(rollout), stickiness: 'default', groupId: name },
    },
  )) as { id: string };
  await admin('POST', `/api/admin/projects/default/features/${name}/environments/${ENV}/on`);
  return strategy.id;
}

async function flagOff(flag: string, extra: Record<string, unknown> = {}) {
  const [r] = await runChecksOnce(
    [checkSchema.parse({ type: 'flag-off', name: 'flag', provider: 'unleash', flag, ...extra })],
    ctx,
  );
  if (!r) throw new Error('no result');
  return r;
}

describe('flag-off checks against Unleash', () => {
  test('a flag still on fails; switched off it passes', async () => {
    await createFlag('help-chat', 100);
    const on = await flagOff('help-chat');
    expect(on.status).toBe('fail');
    expect(on.detail).toMatch(/help-chat in production \(unleash\) is still on at 100%/);
    await admin('POST', `/api/admin/projects/default/features/help-chat/environments/${ENV}/off`);
    const off = await flagOff('help-chat');
    expect(off.status).toBe('pass');
    expect(off.detail).toBe('help-chat in production (unleash) is off');
  });

  test('on but rolled out to 0% serves nobody: passes', async () => {
    await createFlag('search-v2', 0);
    const r = await flagOff('search-v2');
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/rolled out to 0%/);
  });

  test('components: only the named component flags must be off', async () => {
    await createFlag('checkout', 100);
    await createFlag('checkout.streaming', 100);
    await createFlag('checkout.voice', 100);
    await admin(
      'POST',
      `/api/admin/projects/default/features/checkout.voice/environments/${ENV}/off`,
    );
    const r = await flagOff('checkout', { components: ['voice', 'streaming'] });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/still on for streaming/);
    await admin(
      'POST',
      `/api/admin/projects/default/features/checkout.streaming/environments/${ENV}/off`,
    );
    expect((await flagOff('checkout', { components: ['voice', 'streaming'] })).status).toBe('pass');
  });

  test('a flag that does not exist is a configuration error, not a result', async () => {
    await expect(flagOff('no-such-flag')).rejects.toThrow(/no-such-flag/);
  });
});
