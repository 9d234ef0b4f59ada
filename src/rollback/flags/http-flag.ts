/**
 * A flag provider for any flag service with an HTTP API (LaunchDarkly, Flagsmith, an in-house
 * switchboard...): each operation is a request written in the policy, with `{{placeholders}}`.
 *
 * Placeholders, per operation:
 * - every operation: `{{flag}}`, `{{environment}}`
 * - `set_rollout`: also `{{percent}}` (0..100) and `{{fraction}}` (0..1)
 * - `disable_component` / `enable_component`: also `{{component}}` (`{{flag}}` is the parent)
 *
 * Values are escaped for where they land: JSON string content in bodies (write `"{{flag}}"`;
 * numbers go in bare, so `{"rollout": {{percent}}}` stays a number), percent-encoding in URLs,
 * and no line breaks in headers. An unknown placeholder is a ConfigurationError when the
 * provider is created, before any rollback runs.
 *
 * Components without their own operations use the `<flag>.<component>` convention of
 * flag-provider.ts: the `disable` / `enable` requests with `{{flag}}` = `<flag>.<component>`.
 */
import { ConfigurationError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { displayUrl, redact, requestWithRetry, snippet } from '../../shared/fetch-with-retry.ts';
import { getJsonPath, parseJsonPath, type PathSegment } from '../../signals/sources/json-path.ts';
import {
  compileHeaders,
  compileTemplate,
  renderHeaders,
  type Template,
  type TemplateValue,
} from '../template.ts';
import {
  componentFlag,
  type FlagComponentState,
  type FlagProvider,
  type FlagState,
  type GetStateOptions,
} from './flag-provider.ts';
import { plural } from '../../shared/plural.ts';

export interface HttpFlagOperation {
  /** POST for changes and GET for `get` when omitted. */
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Statuses that mean success; any 2xx when omitted. */
  expect_status?: number[];
}

export interface HttpFlagGetOperation extends HttpFlagOperation {
  /** JSON path (`.on`, `.environments.production.on`) to a boolean saying whether the flag is on. */
  enabled: string;
  /** JSON path to the rollout; the flag has no percentage rollout when omitted. */
  rollout?: string;
  /** What 100% is in the service's unit (LaunchDarkly weights: 100000); 100 when omitted. */
  rollout_scale?: number;
}

export interface HttpFlagProviderConfig {
  /** Names the provider in logs and errors: `launchdarkly`. */
  name: string;
  disable: HttpFlagOperation;
  enable?: HttpFlagOperation;
  set_rollout?: HttpFlagOperation;
  get?: HttpFlagGetOperation;
  disable_component?: HttpFlagOperation;
  enable_component?: HttpFlagOperation;
  /** Environment variables the secrets in headers came from, named in 401/403 errors. */
  secret_envs?: string[];
  /** Resolved secret values, redacted from every error message. */
  secrets?: string[];
  /** Per request; 10 s when omitted. */
  timeoutMs?: number;
  /** Retries on network errors, timeouts, 5xx and 429; 2 when omitted (every operation is idempotent). */
  retries?: number;
  retryDelayMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

type OperationName =
  'disable' | 'enable' | 'set_rollout' | 'get' | 'disable_component' | 'enable_component';

const PLACEHOLDERS: Record<OperationName, readonly string[]> = {
  disable: ['flag', 'environment'],
  enable: ['flag', 'environment'],
  get: ['flag', 'environment'],
  set_rollout: ['flag', 'environment', 'percent', 'fraction'],
  disable_component: ['flag', 'environment', 'component'],
  enable_component: ['flag', 'environment', 'component'],
};

interface CompiledOperation {
  name: OperationName;
  method: string;
  url: Template;
  headers: Record<string, Template>;
  body: Template | undefined;
  expectStatus: number[] | undefined;
}

const METHOD = /^[A-Z]+$/;

function compileOperation(
  provider: string,
  name: OperationName,
  operation: HttpFlagOperation,
): CompiledOperation {
  const where = `flag provider ${provider}: ${name}`;
  const allowed = PLACEHOLDERS[name];
  const method = (operation.method ?? (name === 'get' ? 'GET' : 'POST')).toUpperCase();
  if (!METHOD.test(method)) {
    throw new ConfigurationError(`${where}: "${operation.method}" is not an HTTP method`);
  }
  if (!/^https?:\/\//i.test(operation.url)) {
    throw new ConfigurationError(
      `${where}: url "${operation.url}" must start with http:// or https://`,
    );
  }
  const problems: string[] = [];
  const collect = <T>(compile: () => T): T | undefined => {
    try {
      return compile();
    } catch (thrown) {
      if (thrown instanceof ConfigurationError) {
        problems.push(...thrown.problems);
        return undefined;
      }
      throw thrown;
    }
  };
  const url = collect(() =>
    compileTemplate(operation.url, { allowed, escaping: 'url', where: `${where}.url` }),
  );
  const headers = collect(() => compileHeaders(operation.headers, allowed, `${where}.headers`));
  const body =
    operation.body === undefined
      ? undefined
      : collect(() =>
          compileTemplate(operation.body ?? '', {
            allowed,
            escaping: 'json',
            where: `${where}.body`,
          }),
        );
  if (problems.length > 0 || url === undefined || headers === undefined) {
    throw new ConfigurationError(
      `invalid request template for flag provider ${provider}`,
      problems,
    );
  }
  return { name, method, url, headers, body, expectStatus: operation.expect_status };
}

function validPercent(flag: string, percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new ConfigurationError(
      `rollout ${String(percent)} for flag ${flag} is not a percentage; write a whole number from 0 to 100`,
    );
  }
}

export function createHttpFlagProvider(config: HttpFlagProviderConfig): FlagProvider {
  const label = `flag provider ${config.name}`;
  const logger = config.logger ?? silentLogger;
  const secrets = config.secrets ?? [];
  const ops: Partial<Record<OperationName, CompiledOperation>> = {};
  const problems: string[] = [];
  for (const name of Object.keys(PLACEHOLDERS) as OperationName[]) {
    const operation = config[name];
    if (operation === undefined) continue;
    try {
      ops[name] = compileOperation(config.name, name, operation);
    } catch (thrown) {
      if (!(thrown instanceof ConfigurationError)) throw thrown;
      problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
    }
  }
  let enabledPath: PathSegment[] = [];
  let rolloutPath: PathSegment[] | undefined;
  const scale = config.get?.rollout_scale ?? 100;
  if (config.get) {
    try {
      enabledPath = parseJsonPath(config.get.enabled);
      rolloutPath =
        config.get.rollout === undefined ? undefined : parseJsonPath(config.get.rollout);
    } catch (thrown) {
      if (!(thrown instanceof ConfigurationError)) throw thrown;
      problems.push(`${label}: get: ${thrown.message}`);
    }
    if (!(scale > 0)) problems.push(`${label}: get.rollout_scale must be a positive number`);
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`invalid flag provider ${config.name}`, problems);
  }

  const credentialHint =
    config.secret_envs && config.secret_envs.length > 0
      ? `check the secret${config.secret_envs.length > 1 ? 's' : ''} behind ${config.secret_envs.join(', ')}`
      : 'check the credentials in the request headers';

  function need(name: OperationName): CompiledOperation {
    const op = ops[name];
    if (!op) {
      throw new ConfigurationError(
        `${label} has no ${name} request; add one under its ${name} key to use this step`,
      );
    }
    return op;
  }

  async function send(
    op: CompiledOperation,
    values: Record<string, TemplateValue>,
    subject: string,
  ): Promise<string> {
    const url = op.url.render(values);
    const what = `${op.name.replace('_', ' ')} ${subject}`;
    const shownUrl = `${op.method} ${redact(displayUrl(url), secrets)}`;
    const outcome = await requestWithRetry(
      url,
      {
        method: op.method,
        headers: {
          accept: 'application/json',
          ...(op.body ? { 'content-type': 'application/json' } : {}),
          ...renderHeaders(op.headers, values),
        },
        body: op.body?.render(values),
      },
      {
        fetch: config.fetch ?? fetch,
        timeoutMs: config.timeoutMs ?? 10_000,
        retries: config.retries ?? 2,
        retryDelayMs: config.retryDelayMs ?? 500,
        logger,
        label: `${label} (${what})`,
      },
    );
    if (!outcome.ok) {
      throw new Error(
        `${label} could not ${what} (${shownUrl}): ${redact(outcome.reason, secrets)}`,
      );
    }
    const { status } = outcome;
    const body = redact(snippet(outcome.text), secrets);
    const expected = op.expectStatus
      ? op.expectStatus.includes(status)
      : status >= 200 && status < 300;
    if (expected) return outcome.text;
    const detail = `HTTP ${status} from ${shownUrl}${body ? `: ${body}` : ''}`;
    if (status === 401 || status === 403) {
      throw new ConfigurationError(`${label} refused to ${what} (${detail}); ${credentialHint}`);
    }
    if (status === 404) {
      throw new ConfigurationError(
        `${subject} not found by ${label} (${detail}); was it deleted, or is the URL template wrong?`,
      );
    }
    const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
    throw new Error(`${label} could not ${what}${tries}: ${detail}`);
  }

  function readState(text: string, flag: string): FlagComponentState {
    let document: unknown;
    try {
      document = JSON.parse(text) as unknown;
    } catch {
      throw new Error(
        `${label} answered get for flag ${flag} with a body that is not JSON: ${snippet(text)}`,
      );
    }
    const enabled = getJsonPath(document, enabledPath);
    const raw = enabled.found ? enabled.value : undefined;
    const on =
      raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : undefined;
    if (on === undefined) {
      throw new Error(
        `${label}: get for flag ${flag}: ${config.get?.enabled} is ${enabled.found ? JSON.stringify(raw) : 'missing'}, not true or false`,
      );
    }
    let rollout: number | null = null;
    if (rolloutPath) {
      const found = getJsonPath(document, rolloutPath);
      const value = found.found ? Number(found.value) : NaN;
      if (!found.found || found.value === null || found.value === '' || !Number.isFinite(value)) {
        throw new Error(
          `${label}: get for flag ${flag}: ${config.get?.rollout} is ${found.found ? JSON.stringify(found.value) : 'missing'}, not a number`,
        );
      }
      rollout = (value / scale) * 100;
    }
    return { enabled: on, rollout };
  }

  async function getOne(flag: string, environment: string): Promise<FlagComponentState> {
    const text = await send(need('get'), { flag, environment }, `flag ${flag} in ${environment}`);
    return readState(text, flag);
  }

  async function eachComponent(
    flag: string,
    environment: string,
    components: readonly string[],
    on: boolean,
  ): Promise<void> {
    const own = ops[on ? 'enable_component' : 'disable_component'];
    const failures: Error[] = [];
    for (const component of components) {
      try {
        if (own) {
          await send(
            own,
            { flag, environment, component },
            `component ${component} of flag ${flag} in ${environment}`,
          );
        } else {
          const name = componentFlag(flag, component);
          await send(
            need(on ? 'enable' : 'disable'),
            { flag: name, environment },
            `flag ${name} in ${environment}`,
          );
        }
        logger.info(
          `${label}: component ${component} of ${flag} switched ${on ? 'on' : 'off'} in ${environment}`,
        );
      } catch (thrown) {
        failures.push(thrown instanceof Error ? thrown : new Error(String(thrown)));
      }
    }
    if (failures.length === 1 && failures[0]) throw failures[0];
    if (failures.length > 1) {
      const message = `${failures.length} of ${plural(components.length, 'component')} of flag ${flag} failed`;
      const lines = failures.map((f) => f.message);
      throw failures.every((f) => f instanceof ConfigurationError)
        ? new ConfigurationError(message, lines)
        : new Error(`${message}:\n  ${lines.join('\n  ')}`);
    }
  }

  return {
    kind: `http:${config.name}`,
    async getState(
      flag: string,
      environment: string,
      options: GetStateOptions = {},
    ): Promise<FlagState> {
      const state: FlagState = { flag, environment, ...(await getOne(flag, environment)) };
      if (options.components && options.components.length > 0) {
        const components: Record<string, FlagComponentState> = {};
        for (const component of options.components) {
          components[component] = await getOne(componentFlag(flag, component), environment);
        }
        state.components = components;
      }
      return state;
    },
    async disable(flag, environment) {
      await send(need('disable'), { flag, environment }, `flag ${flag} in ${environment}`);
      logger.info(`${label}: flag ${flag} switched off in ${environment}`);
    },
    async enable(flag, environment) {
      await send(need('enable'), { flag, environment }, `flag ${flag} in ${environment}`);
      logger.info(`${label}: flag ${flag} switched on in ${environment}`);
    },
    async setRollout(flag, environment, percent) {
      validPercent(flag, percent);
      await send(
        need('set_rollout'),
        { flag, environment, percent, fraction: percent / 100 },
        `flag ${flag} in ${environment}`,
      );
      logger.info(`${label}: flag ${flag} rollout set to ${percent}% in ${environment}`);
    },
    disableComponents: (flag, environment, components) =>
      eachComponent(flag, environment, components, false),
    enableComponents: (flag, environment, components) =>
      eachComponent(flag, environment, components, true),
  };
}
