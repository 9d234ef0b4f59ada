/**
 * A policy's rollback strategies turned into ordered steps: ids stable across runs, the order of
 * each strategy, the ladder's rungs, and configuration mistakes caught before anything runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { rollbackSchema, type RollbackPolicy } from '../../src/policy/schema-rollback.ts';
import { flagProviderSchema } from '../../src/policy/schema-rollback.ts';
import { createFlagProviders } from '../../src/rollback/flags/providers.ts';
import type { FlagProvider } from '../../src/rollback/flags/flag-provider.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { ladderFrom, planStrategy, type PlanDeps } from '../../src/rollback/plan.ts';

function rollback(input: unknown): RollbackPolicy {
  return rollbackSchema.parse(input);
}

/** Records calls instead of talking to a flag service. */
function fakeProvider(calls: string[]): FlagProvider {
  return {
    kind: 'fake',
    getState: () => Promise.reject(new Error('not used')),
    disable: (flag, env) => (calls.push(`disable ${flag} ${env}`), Promise.resolve()),
    enable: (flag, env) => (calls.push(`enable ${flag} ${env}`), Promise.resolve()),
    setRollout: (flag, env, p) => (calls.push(`rollout ${flag} ${env} ${p}`), Promise.resolve()),
    disableComponents: (flag, env, names) => (
      calls.push(`components ${flag} ${env} ${names.join(',')}`),
      Promise.resolve()
    ),
    enableComponents: () => Promise.resolve(),
  };
}

function deps(calls: string[] = [], extra: Partial<PlanDeps> = {}): PlanDeps {
  return {
    flags: new Map([['unleash', fakeProvider(calls)]]),
    env: {},
    logger: silentLogger,
    // Planning only needs them to exist; the workflow runs are tested against the stand-in.
    octokit: {} as GitHubClient,
    repo: { owner: 'acme', repo: 'shop' },
    ...extra,
  };
}

const everything = {
  strategies: {
    'feature-flag': { provider: 'unleash', flag: 'chat', mode: 'gradual', steps: [50, 25, 0] },
    config: { command: 'kubectl apply -f config/previous.yaml' },
    redeploy: { workflow: 'deploy.yml' },
    full: {
      maintenance_on: { http: { url: 'https://status.example.com/maintenance', method: 'PUT' } },
      restore_data: { command: './scripts/restore.sh' },
      maintenance_off: {
        http: { url: 'https://status.example.com/maintenance', method: 'DELETE' },
      },
    },
  },
};

const ctx = {
  step: { environment: 'production' },
  logger: silentLogger,
  now: () => 0,
  sleep: () => Promise.resolve(),
};

describe('planStrategy', () => {
  it('plans every strategy with stable ids, in runbook order', () => {
    const policy = rollback(everything);
    const ids = (s: Parameters<typeof planStrategy>[0]): string[][] =>
      [1, 2].map(() => planStrategy(s, 'production', policy, deps()).map((p) => p.id));
    expect(ids('feature-flag')).toEqual([
      ['feature-flag:rollout-50', 'feature-flag:rollout-25', 'feature-flag:rollout-0'],
      ['feature-flag:rollout-50', 'feature-flag:rollout-25', 'feature-flag:rollout-0'],
    ]);
    expect(ids('config')[0]).toEqual(['config:restore']);
    expect(ids('redeploy')[0]).toEqual(['redeploy:workflow']);
    expect(ids('full')[0]).toEqual([
      'full:maintenance-on',
      'full:redeploy',
      'full:restore-data',
      'full:maintenance-off',
    ]);
    const full = planStrategy('full', 'production', policy, deps());
    expect(full.map((s) => s.kind)).toEqual(['http', 'workflow-dispatch', 'command', 'http']);
    expect(full.map((s) => s.restoresData ?? false)).toEqual([false, false, true, false]);
    expect(full[3]?.whenNotRun).toMatch(/maintenance mode stays on/);
    expect(full.every((s) => s.strategy === 'full')).toBe(true);
  });

  it('feature-flag modes: immediate, gradual (with waits between steps), components', async () => {
    const calls: string[] = [];
    const immediate = planStrategy(
      'feature-flag',
      'production',
      rollback({ strategies: { 'feature-flag': { provider: 'unleash', flag: 'chat' } } }),
      deps(calls),
    );
    expect(immediate.map((s) => [s.id, s.kind, s.name])).toEqual([
      ['feature-flag:disable', 'flag', 'Switch flag chat off'],
    ]);
    expect(await immediate[0]?.run(ctx)).toEqual({
      ok: true,
      detail: 'flag chat switched off in fake production',
    });

    const slept: number[] = [];
    const gradual = planStrategy(
      'feature-flag',
      'production',
      rollback({
        strategies: {
          'feature-flag': {
            provider: 'unleash',
            flag: 'chat',
            environment: 'prod-eu',
            mode: 'gradual',
            steps: [25, 0],
            step_wait: '5m',
          },
        },
      }),
      deps(calls),
    );
    const sleepy = { ...ctx, sleep: (ms: number) => (slept.push(ms), Promise.resolve()) };
    const first = await gradual[0]?.run(sleepy);
    expect(slept).toEqual([]);
    const last = await gradual[1]?.run(sleepy);
    expect(slept).toEqual([300_000]);
    expect(first?.detail).toBe('flag chat rollout set to 25% in fake prod-eu');
    expect(last?.detail).toMatch(/rollout set to 0% .*stays switched on at 0%/);

    const components = planStrategy(
      'feature-flag',
      'staging',
      rollback({
        strategies: {
          'feature-flag': {
            provider: 'unleash',
            flag: 'chat',
            mode: 'components',
            components: ['voice', 'search'],
          },
        },
      }),
      deps(calls),
    );
    expect(components.map((s) => s.id)).toEqual(['feature-flag:components']);
    await components[0]?.run(ctx);
    expect(calls).toEqual([
      'disable chat production',
      'rollout chat prod-eu 25',
      'rollout chat prod-eu 0',
      'components chat staging voice,search',
    ]);
  });

  it('repeated gradual percentages get distinct, still stable ids', () => {
    const policy = rollback({
      strategies: {
        'feature-flag': { provider: 'unleash', flag: 'f', mode: 'gradual', steps: [50, 10, 50, 0] },
      },
    });
    expect(planStrategy('feature-flag', 'production', policy, deps()).map((s) => s.id)).toEqual([
      'feature-flag:rollout-50',
      'feature-flag:rollout-10',
      'feature-flag:rollout-50-2',
      'feature-flag:rollout-0',
    ]);
  });

  it('a flag provider that fails turns into a failed step with its reason, not a throw', async () => {
    const broken: FlagProvider = {
      ...fakeProvider([]),
      disable: () =>
        Promise.reject(new ConfigurationError('flag chat not found', ['was it deleted?'])),
    };
    const steps = planStrategy(
      'feature-flag',
      'production',
      rollback({ strategies: { 'feature-flag': { provider: 'unleash', flag: 'chat' } } }),
      deps([], { flags: new Map([['unleash', broken]]) }),
    );
    expect(await steps[0]?.run(ctx)).toEqual({
      ok: false,
      detail: 'flag chat not found; was it deleted?',
    });
  });

  it('names what to add when a strategy is not configured', () => {
    const policy = rollback({ strategies: { config: { command: 'true' } } });
    for (const s of ['feature-flag', 'redeploy', 'full'] as const) {
      expect(() => planStrategy(s, 'production', policy, deps())).toThrow(ConfigurationError);
    }
    expect(() => planStrategy('redeploy', 'production', policy, deps())).toThrow(
      'strategy redeploy is not configured for production; add rollback.strategies.redeploy to the policy',
    );
    const fullOnly = rollback({
      strategies: {
        full: {
          maintenance_on: { command: 'true' },
          restore_data: { command: 'true' },
          maintenance_off: { command: 'true' },
        },
      },
    });
    expect(() => planStrategy('full', 'production', fullOnly, deps())).toThrow(
      /full redeploys as configured under rollback.strategies.redeploy/,
    );
  });

  it('catches policy mistakes before any step runs: provider, placeholders, secrets, components', () => {
    const plan =
      (strategies: unknown, env: Record<string, string> = {}) =>
      () =>
        planStrategy(
          Object.keys(strategies as object)[0] as 'feature-flag',
          'production',
          rollback({ strategies }),
          deps([], { env }),
        );
    expect(plan({ 'feature-flag': { provider: 'launchdarkly', flag: 'f' } })).toThrow(
      /flag provider launchdarkly is not defined under flags \(defined: unleash\)/,
    );
    expect(
      plan({ 'feature-flag': { provider: 'unleash', flag: 'f', mode: 'components' } }),
    ).toThrow(/mode components needs the components/);
    expect(plan({ config: { http: { url: 'https://cfg.example.com/{{enviroment}}' } } })).toThrow(
      /unknown placeholder \{\{enviroment\}\}; did you mean \{\{environment\}\}/,
    );
    expect(
      plan({
        config: {
          http: {
            url: 'https://cfg.example.com',
            headers: { authorization: 'Bearer ${CFG_TOKEN}' },
          },
        },
      }),
    ).toThrow(/CFG_TOKEN is not set/);
    expect(
      plan(
        {
          config: {
            http: {
              url: 'https://cfg.example.com',
              headers: { authorization: 'Bearer ${CFG_TOKEN}' },
            },
          },
        },
        { CFG_TOKEN: 's3cret' },
      ),
    ).not.toThrow();
    // Issue #10 §3: the ref_input may be written in inputs, with a placeholder, to send the
    // known-good tag or version instead of the sha; an unknown placeholder is still refused.
    expect(
      plan({
        redeploy: { workflow: 'deploy.yml', ref_input: 'ref', inputs: { ref: '{{target_tag}}' } },
      }),
    ).not.toThrow();
    expect(
      plan({
        redeploy: { workflow: 'deploy.yml', ref_input: 'ref', inputs: { ref: '{{target_tagg}}' } },
      }),
    ).toThrow(/target_tagg/);
  });
});

describe('http steps from the policy', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('config over http: placeholders filled, secret from the environment, never in the detail', async () => {
    let answer = 200;
    receiver = await startReceiver(() => ({ status: answer, body: { error: 'nope s3cret-tok' } }));
    const policy = rollback({
      strategies: {
        config: {
          http: {
            url: `${receiver.url}/config/{{environment}}/restore?to={{target_sha}}`,
            headers: { authorization: 'Bearer ${CFG_TOKEN}' },
            body: '{"strategy": "{{strategy}}", "incident": {{incident}}}',
          },
        },
      },
    });
    const [step] = planStrategy('config', 'production', policy, {
      ...deps(),
      env: { CFG_TOKEN: 's3cret-tok' },
    });
    const run = { ...ctx, step: { environment: 'production', targetSha: 'abc', incident: 9 } };
    expect(await step?.run(run)).toEqual({ ok: true, detail: 'HTTP 200 from POST request' });
    const [sent] = receiver.requests;
    expect(sent?.path).toBe('/config/production/restore');
    expect(sent?.query.get('to')).toBe('abc');
    expect(sent?.headers.authorization).toBe('Bearer s3cret-tok');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ strategy: 'config', incident: 9 });

    answer = 409;
    const failed = await step?.run(run);
    expect(failed?.ok).toBe(false);
    expect(failed?.detail).toMatch(/answered HTTP 409, expected 2xx/);
    expect(failed?.detail).not.toContain('s3cret-tok');
  });
});

describe('ladderFrom', () => {
  const policy = rollback(everything);

  it('climbs the configured rungs after the start when escalating', () => {
    expect(ladderFrom('feature-flag', policy)).toEqual([
      'feature-flag',
      'config',
      'redeploy',
      'full',
    ]);
    expect(ladderFrom('redeploy', policy)).toEqual(['redeploy', 'full']);
    expect(ladderFrom('full', policy)).toEqual(['full']);
  });

  it('tries the start alone without escalation', () => {
    expect(ladderFrom('feature-flag', { ...policy, escalate: false })).toEqual(['feature-flag']);
  });

  it('skips rungs without configuration and follows the policy order', () => {
    const sparse = rollback({
      ladder: ['config', 'feature-flag', 'full', 'redeploy'],
      strategies: { config: { command: 'true' }, redeploy: { command: 'helm rollback app' } },
    });
    expect(ladderFrom('config', sparse)).toEqual(['config', 'redeploy']);
    expect(ladderFrom('redeploy', sparse)).toEqual(['redeploy']);
  });

  it('an explicit start outside the ladder is tried alone', () => {
    const short = rollback({ ...everything, ladder: ['config', 'redeploy'] });
    expect(ladderFrom('feature-flag', short)).toEqual(['feature-flag']);
  });
});

describe('createFlagProviders', () => {
  const flags = {
    main: flagProviderSchema.parse({
      type: 'unleash',
      url: 'http://127.0.0.1:4242',
      token: '${UNLEASH_TOKEN}',
    }),
    ld: flagProviderSchema.parse({
      type: 'http',
      disable: {
        url: 'http://127.0.0.1:1/flags/{{flag}}',
        headers: { authorization: '${LD_TOKEN}' },
      },
    }),
  };

  it('builds providers with secrets from the environment and returns them for masking', () => {
    const built = createFlagProviders(flags, {
      env: { UNLEASH_TOKEN: '*:*.abc', LD_TOKEN: 'api-xyz' },
      logger: silentLogger,
    });
    expect([...built.providers.keys()]).toEqual(['main', 'ld']);
    expect(built.providers.get('main')?.kind).toBe('unleash');
    expect(built.secrets.sort()).toEqual(['*:*.abc', 'api-xyz']);
  });

  it('names every missing secret at once, and builds only the providers asked for', () => {
    expect(() => createFlagProviders(flags, { env: {}, logger: silentLogger })).toThrow(
      /UNLEASH_TOKEN is not set[\s\S]*LD_TOKEN is not set/,
    );
    const only = createFlagProviders(flags, {
      env: { LD_TOKEN: 'x' },
      logger: silentLogger,
      only: ['ld'],
    });
    expect([...only.providers.keys()]).toEqual(['ld']);
    expect(() =>
      createFlagProviders(flags, { env: {}, logger: silentLogger, only: ['nope'] }),
    ).toThrow(/flags.nope: no flag provider of that name; defined: main, ld/);
  });
});
