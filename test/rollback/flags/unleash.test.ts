/**
 * The Unleash flag provider against a real unleash-server 8.2.0 on PostgreSQL. Every change is
 * checked twice: through the Admin API (what Unleash stored) and through the client API with a
 * backend token (what SDKs in the application would actually get).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/shared/errors.ts';
import type { Logger } from '../../../src/shared/logger.ts';
import { createUnleashProvider } from '../../../src/rollback/flags/unleash.ts';
import type { FlagProvider } from '../../../src/rollback/flags/flag-provider.ts';
import { sharedUnleash, type UnleashServer } from '../../support/unleash-server.ts';

const ENV = 'production';

let unleash: UnleashServer;
let provider: FlagProvider;
const warnings: string[] = [];

const logger: Logger = {
  debug: () => {},
  info: () => {},
  warning: (m) => warnings.push(m),
  error: () => {},
};

beforeAll(() => {
  unleash = sharedUnleash();
  provider = createUnleashProvider({
    url: unleash.url,
    token: unleash.adminToken,
    tokenEnv: 'UNLEASH_TOKEN',
    logger,
  });
});

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { authorization: unleash.adminToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** A flag on in production with one flexibleRollout strategy at `rollout`%. */
async function createFlag(name: string, rollout = 100, enabled = true): Promise<void> {
  await admin('POST', '/api/admin/projects/default/features', { name, type: 'release' });
  await admin(
    'POST',
    `/api/admin/projects/default/features/${name}/environments/${ENV}/strategies`,
    {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: String(rollout), stickiness: 'default', groupId: name },
    },
  );
  if (enabled)
    await admin('POST', `/api/admin/projects/default/features/${name}/environments/${ENV}/on`);
}

interface AdminEnvironment {
  enabled: boolean;
  strategies: { id: string; name: string; parameters: Record<string, string> }[];
}

async function adminEnv(name: string, env = ENV): Promise<AdminEnvironment> {
  return (await admin(
    'GET',
    `/api/admin/projects/default/features/${name}/environments/${env}`,
  )) as AdminEnvironment;
}

interface ClientFeature {
  name: string;
  enabled: boolean;
  strategies: { name: string; parameters?: Record<string, string> }[];
}

/** What an SDK with a backend token for `env` receives. */
async function clientView(name: string, env = ENV): Promise<ClientFeature | undefined> {
  const res = await fetch(`${unleash.url}/api/client/features`, {
    headers: { authorization: unleash.clientToken(env) },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { features: ClientFeature[] };
  return body.features.find((f) => f.name === name);
}

describe('Unleash flag provider (real unleash-server 8.2.0)', () => {
  it('reads a flag on at 100%', async () => {
    await createFlag('read-me', 100);
    expect(await provider.getState('read-me', ENV)).toEqual({
      flag: 'read-me',
      environment: ENV,
      enabled: true,
      rollout: 100,
    });
    expect(await provider.getState('read-me', 'development')).toMatchObject({
      enabled: false,
      rollout: null,
    });
  });

  it('switches a flag off at once: Admin API and client API both see it off', async () => {
    await createFlag('chat-assistant', 100);
    expect((await clientView('chat-assistant'))?.enabled).toBe(true);

    await provider.disable('chat-assistant', ENV);

    expect((await adminEnv('chat-assistant')).enabled).toBe(false);
    expect((await clientView('chat-assistant'))?.enabled).toBe(false);
    expect(await provider.getState('chat-assistant', ENV)).toMatchObject({ enabled: false });
    // Only the environment asked for changes.
    await admin(
      'POST',
      '/api/admin/projects/default/features/chat-assistant/environments/development/on',
    );
    await provider.disable('chat-assistant', ENV);
    expect((await clientView('chat-assistant', 'development'))?.enabled).toBe(true);
    // Idempotent: a re-run of the same rollback does not fail.
    await provider.disable('chat-assistant', ENV);
    expect((await clientView('chat-assistant'))?.enabled).toBe(false);
  });

  it('rolls back gradually: the rollout parameter really goes 100 -> 25 -> 0 and stays a string', async () => {
    await createFlag('gradual', 100);
    const before = await adminEnv('gradual');
    const id = before.strategies[0]?.id;

    await provider.setRollout('gradual', ENV, 25);
    let env = await adminEnv('gradual');
    expect(env.strategies).toHaveLength(1);
    expect(env.strategies[0]?.id).toBe(id);
    expect(env.strategies[0]?.parameters).toEqual({
      rollout: '25',
      stickiness: 'default',
      groupId: 'gradual',
    });
    expect((await clientView('gradual'))?.strategies[0]?.parameters?.rollout).toBe('25');

    await provider.setRollout('gradual', ENV, 0);
    env = await adminEnv('gradual');
    expect(env.strategies[0]?.parameters.rollout).toBe('0');
    expect(env.enabled).toBe(true);
    expect((await clientView('gradual'))?.strategies[0]?.parameters?.rollout).toBe('0');
    expect(await provider.getState('gradual', ENV)).toMatchObject({ enabled: true, rollout: 0 });
  });

  it('brings a flag back in stages: rollout first, then on, then 5 -> 25 -> 50 -> 100', async () => {
    await createFlag('recovering', 100, false);
    await provider.setRollout('recovering', ENV, 5);
    expect((await clientView('recovering'))?.enabled).toBe(false);
    await provider.enable('recovering', ENV);
    for (const percent of [5, 25, 50, 100]) {
      await provider.setRollout('recovering', ENV, percent);
      const seen = await clientView('recovering');
      expect(seen?.enabled).toBe(true);
      expect(seen?.strategies.map((s) => s.parameters?.rollout)).toEqual([String(percent)]);
      expect(await provider.getState('recovering', ENV)).toMatchObject({
        enabled: true,
        rollout: percent,
      });
    }
  });

  it('adds a rollout strategy when the flag has none, without switching it on', async () => {
    await admin('POST', '/api/admin/projects/default/features', { name: 'bare' });
    await provider.setRollout('bare', ENV, 5);
    const env = await adminEnv('bare');
    expect(env.enabled).toBe(false);
    expect(env.strategies.map((s) => [s.name, s.parameters.rollout])).toEqual([
      ['flexibleRollout', '5'],
    ]);
  });

  it('refuses a percentage that an unconstrained default strategy would override', async () => {
    await admin('POST', '/api/admin/projects/default/features', { name: 'everyone' });
    await admin(
      'POST',
      `/api/admin/projects/default/features/everyone/environments/${ENV}/strategies`,
      {
        name: 'default',
        constraints: [],
        parameters: {},
      },
    );
    const error = await provider.setRollout('everyone', ENV, 25).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /"default" strategy.*25% rollout would change nothing/,
    );
  });

  it('rejects a percentage outside 0..100 before calling Unleash', async () => {
    await expect(provider.setRollout('gradual', ENV, 150)).rejects.toThrow(
      /rollout 150 for flag gradual is not a percentage/,
    );
    await expect(provider.setRollout('gradual', ENV, 12.5)).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });

  it('switches off only the named components (<flag>.<component> flags)', async () => {
    await createFlag('assistant', 100);
    for (const component of ['streaming', 'voice', 'search']) {
      await createFlag(`assistant.${component}`, 100);
    }
    await provider.disableComponents('assistant', ENV, ['streaming', 'voice']);

    expect((await clientView('assistant'))?.enabled).toBe(true);
    expect((await clientView('assistant.streaming'))?.enabled).toBe(false);
    expect((await clientView('assistant.voice'))?.enabled).toBe(false);
    expect((await clientView('assistant.search'))?.enabled).toBe(true);

    expect(await provider.getState('assistant', ENV)).toEqual({
      flag: 'assistant',
      environment: ENV,
      enabled: true,
      rollout: 100,
      components: {
        search: { enabled: true, rollout: 100 },
        streaming: { enabled: false, rollout: 100 },
        voice: { enabled: false, rollout: 100 },
      },
    });

    await provider.enableComponents('assistant', ENV, ['streaming']);
    expect((await clientView('assistant.streaming'))?.enabled).toBe(true);
  });

  it('switches off the components that exist and names the ones that do not', async () => {
    await createFlag('partial', 100);
    await createFlag('partial.good', 100);
    const error = await provider
      .disableComponents('partial', ENV, ['typo', 'good'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /flag partial\.typo not found in Unleash project default/,
    );
    expect((await clientView('partial.good'))?.enabled).toBe(false);
  });

  it('says clearly when the flag was archived or deleted', async () => {
    // Archiving is how Unleash deletes a flag; an archived flag can then be removed for good.
    await createFlag('archived', 100);
    await admin('DELETE', '/api/admin/projects/default/features/archived');
    await createFlag('deleted', 100);
    await admin('DELETE', '/api/admin/projects/default/features/deleted');
    await admin('DELETE', '/api/admin/archive/deleted');
    for (const flag of ['archived', 'deleted']) {
      for (const attempt of [
        () => provider.disable(flag, ENV),
        () => provider.enable(flag, ENV),
        () => provider.getState(flag, ENV),
        () => provider.setRollout(flag, ENV, 10),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^flag ${flag} not found in Unleash project default; was it deleted or archived\\?`,
          ),
        );
      }
    }
    await expect(provider.enable('never-existed', ENV)).rejects.toThrow(
      /flag never-existed not found in Unleash project default; was it deleted/,
    );
  });

  it('says clearly when the environment does not exist', async () => {
    await createFlag('env-check', 100);
    await expect(provider.getState('env-check', 'prod')).rejects.toThrow(
      /environment prod not found for flag env-check in Unleash project default/,
    );
    await expect(provider.disable('env-check', 'prod')).rejects.toThrow(
      /environment prod not found for flag env-check/,
    );
  });

  it('names the token variable when Unleash rejects the token, and never echoes it', async () => {
    const wrong = createUnleashProvider({
      url: unleash.url,
      token: '*:*.not-the-right-secret',
      tokenEnv: 'UNLEASH_TOKEN',
    });
    const error = await wrong.disable('chat-assistant', ENV).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/rejected UNLEASH_TOKEN \(HTTP 401/);
    expect((error as Error).message).toMatch(/the secret behind UNLEASH_TOKEN/);
    expect((error as Error).message).not.toContain('not-the-right-secret');

    // A backend (SDK) token may read flags through the client API but not change them.
    const backend = createUnleashProvider({
      url: unleash.url,
      token: unleash.clientToken(ENV),
      tokenEnv: 'UNLEASH_TOKEN',
    });
    await expect(backend.disable('chat-assistant', ENV)).rejects.toThrow(
      /does not allow UNLEASH_TOKEN to switch flag chat-assistant off in production \(HTTP 403.*not a client\/backend token/,
    );
  });

  it('retries a server that is not there, then fails with the reason', async () => {
    const { closedPort } = await import('../../support/http-receiver.ts');
    const port = await closedPort();
    const gone = createUnleashProvider({
      url: `http://127.0.0.1:${port}`,
      token: 'x'.repeat(10),
      retries: 2,
      retryDelayMs: 10,
      logger,
    });
    warnings.length = 0;
    await expect(gone.disable('chat-assistant', ENV)).rejects.toThrow(
      /could not switch flag chat-assistant off in production: connection refused.*\(3 attempts\)/,
    );
    expect(warnings.filter((w) => w.includes('retrying'))).toHaveLength(2);
  });
});
