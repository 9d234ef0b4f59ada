/**
 * The generic HTTP flag provider against a recording node:http server on 127.0.0.1: the exact
 * method, URL, headers and JSON body each operation sends, escaping of hostile values, and the
 * errors a user can act on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/shared/errors.ts';
import {
  createHttpFlagProvider,
  type HttpFlagProviderConfig,
} from '../../../src/rollback/flags/http-flag.ts';
import {
  closedPort,
  startReceiver,
  type Handler,
  type Receiver,
} from '../../support/http-receiver.ts';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function serve(handler: Handler = () => ({ status: 200, body: {} })): Promise<Receiver> {
  receiver = await startReceiver(handler);
  return receiver;
}

/** A LaunchDarkly-like API: semantic patches on /flags/<flag>. */
function launchDarklyLike(url: string): HttpFlagProviderConfig {
  return {
    name: 'launchdarkly',
    secret_envs: ['LD_TOKEN'],
    secrets: ['api-secret-123'],
    retryDelayMs: 5,
    disable: {
      method: 'PATCH',
      url: `${url}/api/v2/flags/default/{{flag}}`,
      headers: {
        authorization: 'api-secret-123',
        'content-type': 'application/json; domain-model=launchdarkly.semanticpatch',
      },
      body: '{"environmentKey": "{{environment}}", "instructions": [{"kind": "turnFlagOff"}]}',
    },
    enable: {
      method: 'PATCH',
      url: `${url}/api/v2/flags/default/{{flag}}`,
      headers: { authorization: 'api-secret-123' },
      body: '{"environmentKey": "{{environment}}", "instructions": [{"kind": "turnFlagOn"}]}',
    },
    set_rollout: {
      method: 'PUT',
      url: `${url}/rollouts/{{environment}}/{{flag}}?reason=ripcord`,
      headers: { 'x-env': '{{environment}}' },
      body: '{"percent": {{percent}}, "fraction": {{fraction}}, "label": "{{flag}} at {{percent}}%"}',
    },
    get: {
      url: `${url}/state/{{environment}}/{{flag}}`,
      enabled: '.on',
      rollout: '.weights.on',
      rollout_scale: 100000,
    },
  };
}

describe('HTTP flag provider', () => {
  it('sends each operation with the configured method, URL, headers and JSON body', async () => {
    const server = await serve((req) =>
      req.path.startsWith('/state/')
        ? { body: { on: true, weights: { on: 25000 } } }
        : { status: 200, body: { ok: true } },
    );
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));

    await provider.disable('chat-assistant', 'production');
    await provider.enable('chat-assistant', 'production');
    await provider.setRollout('chat-assistant', 'production', 25);
    const state = await provider.getState('chat-assistant', 'production');

    const [off, on, rollout, get] = server.requests;
    expect(off?.method).toBe('PATCH');
    expect(off?.url).toBe('/api/v2/flags/default/chat-assistant');
    expect(off?.headers.authorization).toBe('api-secret-123');
    expect(off?.headers['content-type']).toBe(
      'application/json; domain-model=launchdarkly.semanticpatch',
    );
    expect(JSON.parse(off?.body ?? '')).toEqual({
      environmentKey: 'production',
      instructions: [{ kind: 'turnFlagOff' }],
    });
    expect(on?.method).toBe('PATCH');
    expect(JSON.parse(on?.body ?? '')).toMatchObject({ instructions: [{ kind: 'turnFlagOn' }] });
    expect(on?.headers['content-type']).toBe('application/json');

    expect(rollout?.method).toBe('PUT');
    expect(rollout?.url).toBe('/rollouts/production/chat-assistant?reason=ripcord');
    expect(rollout?.headers['x-env']).toBe('production');
    expect(JSON.parse(rollout?.body ?? '')).toEqual({
      percent: 25,
      fraction: 0.25,
      label: 'chat-assistant at 25%',
    });

    expect(get?.method).toBe('GET');
    expect(get?.url).toBe('/state/production/chat-assistant');
    expect(get?.body).toBe('');
    expect(state).toEqual({
      flag: 'chat-assistant',
      environment: 'production',
      enabled: true,
      rollout: 25,
    });
  });

  it('escapes values: JSON string content in bodies, percent-encoding in URLs', async () => {
    const server = await serve();
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    const hostile = 'x", "instructions": [{"kind": "deleteFlag"}], "a": "/../../admin?';
    await provider.disable(hostile, 'prod"\n');
    const [req] = server.requests;
    expect(req?.url).toBe(`/api/v2/flags/default/${encodeURIComponent(hostile)}`);
    const body = JSON.parse(req?.body ?? '') as Record<string, unknown>;
    expect(body.environmentKey).toBe('prod"\n');
    expect(body.instructions).toEqual([{ kind: 'turnFlagOff' }]);
    expect(Object.keys(body)).toEqual(['environmentKey', 'instructions']);
  });

  it('refuses a value with a line break in a header', async () => {
    const server = await serve();
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    await expect(provider.setRollout('f', 'prod\r\nx-evil: 1', 5)).rejects.toThrow(
      /value of \{\{environment\}\} contains a line break/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('rejects unknown placeholders when created, naming each and suggesting the right one', () => {
    const make = (): unknown =>
      createHttpFlagProvider({
        name: 'flagsmith',
        disable: {
          url: 'http://127.0.0.1:1/flags/{{flagg}}',
          headers: { 'x-env': '{{env}}' },
          body: '{"enabled": false, "percent": {{percent}}}',
        },
      });
    expect(make).toThrow(ConfigurationError);
    try {
      make();
    } catch (thrown) {
      const error = thrown as ConfigurationError;
      expect(error.problems).toHaveLength(3);
      expect(error.message).toMatch(
        /disable\.url: unknown placeholder \{\{flagg\}\}; did you mean \{\{flag\}\}\?/,
      );
      expect(error.message).toMatch(/disable\.headers\.x-env: unknown placeholder \{\{env\}\}/);
      // {{percent}} only exists for set_rollout.
      expect(error.message).toMatch(
        /disable\.body: unknown placeholder \{\{percent\}\} \(available here: \{\{flag\}\}, \{\{environment\}\}\)/,
      );
    }
  });

  it('rejects a URL that is not http(s) and a bad method', () => {
    expect(() =>
      createHttpFlagProvider({ name: 'x', disable: { url: 'ftp://host/{{flag}}' } }),
    ).toThrow(/must start with http:\/\/ or https:\/\//);
    expect(() =>
      createHttpFlagProvider({ name: 'x', disable: { url: 'http://h/', method: 'PO ST' } }),
    ).toThrow(/is not an HTTP method/);
  });

  it('says which request is missing when an operation is not configured', async () => {
    const provider = createHttpFlagProvider({
      name: 'minimal',
      disable: { url: 'http://127.0.0.1:1/{{flag}}' },
    });
    await expect(provider.setRollout('f', 'prod', 5)).rejects.toThrow(
      /flag provider minimal has no set_rollout request; add one under its set_rollout key/,
    );
    await expect(provider.getState('f', 'prod')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('switches components off through <flag>.<component>, or their own requests', async () => {
    const server = await serve();
    const conventional = createHttpFlagProvider(launchDarklyLike(server.url));
    await conventional.disableComponents('assistant', 'production', ['streaming', 'voice']);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/v2/flags/default/assistant.streaming',
      '/api/v2/flags/default/assistant.voice',
    ]);

    server.requests.length = 0;
    const own = createHttpFlagProvider({
      name: 'flagsmith',
      disable: { url: `${server.url}/{{flag}}` },
      disable_component: {
        method: 'DELETE',
        url: `${server.url}/features/{{flag}}/components/{{component}}?env={{environment}}`,
      },
    });
    await own.disableComponents('assistant', 'prod', ['streaming']);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /features/assistant/components/streaming?env=prod',
    ]);
  });

  it('reports a deleted flag as a configuration error and keeps going with other components', async () => {
    const server = await serve((req) =>
      req.url.includes('gone')
        ? { status: 404, body: { message: 'Unknown flag' } }
        : { status: 204 },
    );
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    await expect(provider.disable('gone', 'production')).rejects.toThrow(
      /^flag gone in production not found by flag provider launchdarkly \(HTTP 404 from PATCH http:\/\/127\.0\.0\.1:\d+\/api\/v2\/flags\/default\/gone: \{"message":"Unknown flag"\}\); was it deleted/,
    );
    server.requests.length = 0;
    const error = await provider
      .disableComponents('assistant', 'production', ['gone', 'ok'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/v2/flags/default/assistant.gone',
      '/api/v2/flags/default/assistant.ok',
    ]);
  });

  it('names the secret variables on 401/403 and never shows the secret', async () => {
    const server = await serve(() => ({ status: 401, body: 'bad token api-secret-123' }));
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    const error = await provider.disable('f', 'production').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/refused to disable flag f in production \(HTTP 401/);
    expect((error as Error).message).toMatch(/check the secret behind LD_TOKEN/);
    expect((error as Error).message).not.toContain('api-secret-123');
    expect(server.requests).toHaveLength(1);
  });

  it('retries 5xx, then fails with the status and attempts', async () => {
    const server = await serve(() => ({ status: 503, body: 'maintenance' }));
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    await expect(provider.disable('f', 'production')).rejects.toThrow(
      /could not disable flag f in production after 3 attempts: HTTP 503 .*maintenance/,
    );
    expect(server.requests).toHaveLength(3);
  });

  it('recovers when a retry succeeds', async () => {
    const server = await serve((_req, index) => (index === 0 ? { status: 502 } : { status: 200 }));
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    await provider.disable('f', 'production');
    expect(server.requests).toHaveLength(2);
  });

  it('fails with the network reason when nothing listens', async () => {
    const port = await closedPort();
    const provider = createHttpFlagProvider({
      ...launchDarklyLike(`http://127.0.0.1:${port}`),
      retries: 1,
    });
    await expect(provider.disable('f', 'production')).rejects.toThrow(
      /could not disable flag f in production \(PATCH http:\/\/127\.0\.0\.1:\d+\/api\/v2\/flags\/default\/f\): connection refused.*\(2 attempts\)/,
    );
  });

  it('times out a server that never answers', async () => {
    const server = await serve(() => ({ status: 200, delayMs: 2_000 }));
    const provider = createHttpFlagProvider({
      ...launchDarklyLike(server.url),
      timeoutMs: 100,
      retries: 0,
    });
    await expect(provider.disable('f', 'production')).rejects.toThrow(/timed out after 100ms/);
  });

  it('checks the state document: enabled must be a boolean, rollout a number', async () => {
    const server = await serve((req) =>
      req.url.includes('weird')
        ? { body: { on: 'maybe' } }
        : { body: { on: 'false', weights: { on: '0' } } },
    );
    const provider = createHttpFlagProvider(launchDarklyLike(server.url));
    expect(await provider.getState('plain', 'production', { components: ['voice'] })).toEqual({
      flag: 'plain',
      environment: 'production',
      enabled: false,
      rollout: 0,
      components: { voice: { enabled: false, rollout: 0 } },
    });
    await expect(provider.getState('weird', 'production')).rejects.toThrow(
      /\.on is "maybe", not true or false/,
    );
  });

  it('accepts only the statuses listed in expect_status', async () => {
    const server = await serve(() => ({ status: 200 }));
    const provider = createHttpFlagProvider({
      name: 'strict',
      disable: { url: `${server.url}/{{flag}}`, expect_status: [202] },
    });
    await expect(provider.disable('f', 'prod')).rejects.toThrow(
      /could not disable flag f in prod: HTTP 200/,
    );
  });
});
