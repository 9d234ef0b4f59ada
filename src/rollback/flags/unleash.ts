/**
 * Unleash through its Admin API (tested against unleash-server 8.2.0).
 *
 * - Off / on: `POST /api/admin/projects/<project>/features/<flag>/environments/<env>/off|on`.
 * - Percentage: the `rollout` parameter (a string, "0".."100") of the flag's `flexibleRollout`
 *   strategies in that environment; `setRollout` changes every enabled one (`PUT
 *   .../strategies/<id>`, keeping constraints, segments and stickiness), or adds one when there
 *   is none, and never switches the flag on or off. Strategies in Unleash are OR-ed, so a
 *   percentage cannot limit a flag that also has an unconstrained `default` strategy: that is
 *   refused instead of reporting a rollback that changed nothing.
 * - Components are flags of their own, `<flag>.<component>` (see flag-provider.ts).
 *
 * Unleash switches a flag on with a 100% rollout when it has no strategy; to bring a feature
 * back gradually, call setRollout before enable.
 */
import { ConfigurationError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { displayUrl, redact, requestWithRetry, snippet } from '../../shared/fetch-with-retry.ts';
import {
  componentFlag,
  type FlagComponentState,
  type FlagProvider,
  type FlagState,
  type GetStateOptions,
} from './flag-provider.ts';
import { plural } from '../../shared/plural.ts';

export interface UnleashConfig {
  /** Base URL of the Unleash server, such as `https://unleash.example.com` (no `/api`). */
  url: string;
  /** Unleash project; `default` when omitted. */
  project?: string;
  /** The resolved secret: an admin API token or a personal access token. */
  token: string;
  /** The environment variable the token came from, named in auth errors. */
  tokenEnv?: string;
  /** Per request; 10 s when omitted. */
  timeoutMs?: number;
  /** Retries on network errors, timeouts, 5xx and 429; 2 when omitted. */
  retries?: number;
  retryDelayMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

interface UnleashStrategy {
  id: string;
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  parameters?: Record<string, string>;
  constraints?: unknown[];
  variants?: unknown[];
  segments?: number[];
}

interface UnleashEnvironment {
  name: string;
  enabled: boolean;
  strategies?: UnleashStrategy[];
}

interface UnleashFeature {
  name: string;
  archived?: boolean;
  environments?: UnleashEnvironment[];
}

const PERCENT_HELP = 'write a whole number from 0 to 100';

export function createUnleashProvider(config: UnleashConfig): FlagProvider {
  const base = config.url.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) {
    throw new ConfigurationError(
      `Unleash url "${config.url}" is not an http(s) URL; write the server's base URL, such as https://unleash.example.com`,
    );
  }
  if (config.token.trim() === '') {
    throw new ConfigurationError(
      `the Unleash token${config.tokenEnv ? ` in ${config.tokenEnv}` : ''} is empty; set it from a secret holding an admin API token`,
    );
  }
  const project = config.project ?? 'default';
  const tokenName = config.tokenEnv ?? 'the Unleash token';
  const logger = config.logger ?? silentLogger;
  const where = `Unleash at ${displayUrl(base)}`;
  const projectPath = `/api/admin/projects/${encodeURIComponent(project)}/features`;
  const featurePath = (flag: string): string => `${projectPath}/${encodeURIComponent(flag)}`;
  const envPath = (flag: string, env: string): string =>
    `${featurePath(flag)}/environments/${encodeURIComponent(env)}`;

  const flagNotFound = (flag: string, serverMessage: string): ConfigurationError =>
    new ConfigurationError(
      `flag ${flag} not found in Unleash project ${project}; was it deleted or archived?` +
        (serverMessage ? ` (Unleash says: ${serverMessage})` : ''),
    );
  const envNotFound = (flag: string, env: string): ConfigurationError =>
    new ConfigurationError(
      `environment ${env} not found for flag ${flag} in Unleash project ${project}; check the environment name and that it is enabled in the project`,
    );

  /**
   * One Admin API call. `retry: false` for requests that are not idempotent, where a timeout
   * may hide a success and a retry would do the change twice.
   */
  async function call(
    method: string,
    path: string,
    what: string,
    options: { body?: unknown; retry?: boolean; onNotFound: (message: string) => Error },
  ): Promise<unknown> {
    const outcome = await requestWithRetry(
      `${base}${path}`,
      {
        method,
        headers: {
          authorization: config.token,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      },
      {
        fetch: config.fetch ?? fetch,
        timeoutMs: config.timeoutMs ?? 10_000,
        retries: options.retry === false ? 0 : (config.retries ?? 2),
        retryDelayMs: config.retryDelayMs ?? 500,
        logger,
        label: `${where} (${what})`,
      },
    );
    if (!outcome.ok) {
      throw new Error(`${where} could not ${what}: ${redact(outcome.reason, [config.token])}`);
    }
    const message = redact(serverMessage(outcome.text), [config.token]);
    const status = outcome.status;
    if (status >= 200 && status < 300) {
      if (outcome.text.trim() === '') return undefined;
      try {
        return JSON.parse(outcome.text) as unknown;
      } catch {
        throw new Error(`${where} answered ${what} with a body that is not JSON: ${message}`);
      }
    }
    if (status === 401) {
      throw new ConfigurationError(
        `${where} rejected ${tokenName} (HTTP 401${message ? `: ${message}` : ''}); ` +
          `check that ${config.tokenEnv ? `the secret behind ${config.tokenEnv}` : 'it'} holds a valid admin API token or personal access token for this server`,
      );
    }
    if (status === 403) {
      throw new ConfigurationError(
        `${where} does not allow ${tokenName} to ${what} (HTTP 403${message ? `: ${message}` : ''}); ` +
          `Ripcord needs an admin API token, or a personal access token that may update flags in project ${project}, not a client/backend token`,
      );
    }
    if (status === 404) throw options.onNotFound(message);
    // Unleash 8 answers changes to an archived flag with 400, not 404.
    if (status === 400 && /archived/i.test(message)) throw options.onNotFound(message);
    const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
    throw new Error(
      `${where} answered HTTP ${status}${tries} when asked to ${what}${message ? `: ${message}` : ''}`,
    );
  }

  async function getFeature(flag: string): Promise<UnleashFeature> {
    const body = await call('GET', featurePath(flag), `read flag ${flag}`, {
      onNotFound: (m) => flagNotFound(flag, m),
    });
    const feature = body as UnleashFeature | undefined;
    if (!feature || typeof feature !== 'object' || !Array.isArray(feature.environments)) {
      throw new Error(`${where} answered the read of flag ${flag} without its environments`);
    }
    if (feature.archived === true) throw flagNotFound(flag, 'the flag is archived');
    return feature;
  }

  async function getEnvironment(flag: string, env: string): Promise<UnleashEnvironment> {
    const feature = await getFeature(flag);
    const found = feature.environments?.find((e) => e.name === env);
    if (!found) throw envNotFound(flag, env);
    return found;
  }

  async function switchFlag(flag: string, env: string, on: boolean): Promise<void> {
    const what = `switch flag ${flag} ${on ? 'on' : 'off'} in ${env}`;
    await call('POST', `${envPath(flag, env)}/${on ? 'on' : 'off'}`, what, {
      // A 404 here does not say whether the flag or the environment is missing.
      onNotFound: (m) => (/environment/i.test(m) ? envNotFound(flag, env) : flagNotFound(flag, m)),
    });
    logger.info(`${where}: flag ${flag} switched ${on ? 'on' : 'off'} in ${env}`);
  }

  async function setRollout(flag: string, env: string, percent: number): Promise<void> {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new ConfigurationError(
        `rollout ${String(percent)} for flag ${flag} is not a percentage; ${PERCENT_HELP}`,
      );
    }
    const environment = await getEnvironment(flag, env);
    const strategies = (environment.strategies ?? []).filter((s) => s.disabled !== true);
    const rollouts = strategies.filter((s) => s.name === 'flexibleRollout');
    const everyone = strategies.filter(
      (s) =>
        s.name === 'default' &&
        (s.constraints ?? []).length === 0 &&
        (s.segments ?? []).length === 0,
    );
    if (everyone.length > 0 && percent < 100) {
      throw new ConfigurationError(
        `flag ${flag} in ${env} has a "default" strategy that gives it to everyone; Unleash ORs strategies, ` +
          `so a ${percent}% rollout would change nothing. Remove that strategy in Unleash or switch the flag off instead`,
      );
    }
    const others = strategies.filter((s) => s.name !== 'flexibleRollout' && !everyone.includes(s));
    if (others.length > 0) {
      logger.warning(
        `${where}: flag ${flag} in ${env} also has ${others.map((s) => s.name).join(', ')} strategies; ` +
          `users they match get the flag whatever the rollout percentage`,
      );
    }
    const rollout = String(percent);
    if (rollouts.length === 0) {
      await call(
        'POST',
        `${envPath(flag, env)}/strategies`,
        `add a rollout strategy to ${flag} in ${env}`,
        {
          body: {
            name: 'flexibleRollout',
            constraints: [],
            parameters: { rollout, stickiness: 'default', groupId: flag },
          },
          retry: false,
          onNotFound: (m) => flagNotFound(flag, m),
        },
      );
    }
    for (const strategy of rollouts) {
      await call(
        'PUT',
        `${envPath(flag, env)}/strategies/${encodeURIComponent(strategy.id)}`,
        `set the rollout of ${flag} in ${env}`,
        {
          body: {
            name: strategy.name,
            title: strategy.title ?? undefined,
            disabled: strategy.disabled ?? false,
            constraints: strategy.constraints ?? [],
            variants: strategy.variants ?? [],
            segments: strategy.segments ?? [],
            parameters: { ...strategy.parameters, rollout },
          },
          onNotFound: (m) => flagNotFound(flag, m),
        },
      );
    }
    logger.info(`${where}: flag ${flag} rollout set to ${percent}% in ${env}`);
  }

  function stateOf(environment: UnleashEnvironment): FlagComponentState {
    const rollouts = (environment.strategies ?? [])
      .filter((s) => s.disabled !== true && s.name === 'flexibleRollout')
      .map((s) => Number(s.parameters?.rollout))
      .filter((n) => Number.isFinite(n));
    return {
      enabled: environment.enabled === true,
      rollout: rollouts.length > 0 ? Math.max(...rollouts) : null,
    };
  }

  async function discoverComponents(flag: string): Promise<string[]> {
    const body = (await call('GET', projectPath, `list the flags of project ${project}`, {
      onNotFound: () =>
        new ConfigurationError(`Unleash project ${project} not found; check the project name`),
    })) as { features?: { name?: unknown }[] } | undefined;
    const prefix = componentFlag(flag, '');
    return (body?.features ?? [])
      .map((f) => f.name)
      .filter((name): name is string => typeof name === 'string' && name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
  }

  async function eachComponent(
    flag: string,
    components: readonly string[],
    action: (componentName: string) => Promise<void>,
  ): Promise<void> {
    // Keep going past a failed component: a rollback should switch off as much as it can.
    const failures: Error[] = [];
    for (const component of components) {
      try {
        await action(componentFlag(flag, component));
      } catch (thrown) {
        failures.push(thrown instanceof Error ? thrown : new Error(String(thrown)));
      }
    }
    if (failures.length === 1 && failures[0]) throw failures[0];
    if (failures.length > 1) {
      const allConfig = failures.every((f) => f instanceof ConfigurationError);
      const message = `${failures.length} of ${plural(components.length, 'component')} of flag ${flag} failed`;
      const lines = failures.map((f) => f.message);
      throw allConfig
        ? new ConfigurationError(message, lines)
        : new Error(`${message}:\n  ${lines.join('\n  ')}`);
    }
  }

  return {
    kind: 'unleash',
    async getState(flag: string, env: string, options: GetStateOptions = {}): Promise<FlagState> {
      const state: FlagState = {
        flag,
        environment: env,
        ...stateOf(await getEnvironment(flag, env)),
      };
      const names = options.components ?? (await discoverComponents(flag));
      if (names.length > 0) {
        const components: Record<string, FlagComponentState> = {};
        for (const name of names) {
          components[name] = stateOf(await getEnvironment(componentFlag(flag, name), env));
        }
        state.components = components;
      }
      return state;
    },
    disable: (flag, env) => switchFlag(flag, env, false),
    enable: (flag, env) => switchFlag(flag, env, true),
    setRollout,
    disableComponents: (flag, env, components) =>
      eachComponent(flag, components, (name) => switchFlag(name, env, false)),
    enableComponents: (flag, env, components) =>
      eachComponent(flag, components, (name) => switchFlag(name, env, true)),
  };
}

/** Unleash errors are `{message, details: [{message}]}`; anything else is shown briefly. */
function serverMessage(text: string): string {
  if (text.trim() === '') return '';
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: { message?: unknown }[] };
    const details = (body.details ?? [])
      .map((d) => d.message)
      .filter((m): m is string => typeof m === 'string' && m !== body.message);
    if (typeof body.message === 'string') {
      return snippet([body.message, ...details].join('; '));
    }
  } catch {
    // not JSON: fall through
  }
  return snippet(text);
}
