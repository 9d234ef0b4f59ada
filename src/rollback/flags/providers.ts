/**
 * The flag services named under `flags:` in a policy, built once per run with their `${NAME}`
 * secrets filled from the environment. The resolved values come back too, for the action to
 * mask before anything is logged.
 */
import { ConfigurationError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { FlagProviderPolicy } from '../../policy/schema-rollback.ts';
import { resolveSecrets } from '../../policy/secrets.ts';
import type { FlagProvider } from './flag-provider.ts';
import { createHttpFlagProvider } from './http-flag.ts';
import { createUnleashProvider } from './unleash.ts';
import { referencedEnvs } from '../../policy/secrets.ts';

export interface CreateFlagProvidersOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  /**
   * Build only these providers (the ones the environment's feature-flag strategy uses), so a
   * run does not need the secrets of flag services it will never call. All when omitted.
   */
  only?: readonly string[];
  fetch?: typeof fetch;
  /** Retries of each provider request; the providers' defaults when omitted. */
  retries?: number;
  retryDelayMs?: number;
}

export interface FlagProviders {
  providers: Map<string, FlagProvider>;
  /** Every secret value substituted, to be masked. */
  secrets: string[];
}

export function createFlagProviders(
  flags: Readonly<Record<string, FlagProviderPolicy>>,
  opts: CreateFlagProvidersOptions,
): FlagProviders {
  const providers = new Map<string, FlagProvider>();
  const secrets = new Set<string>();
  const problems: string[] = [];
  const wanted = opts.only === undefined ? undefined : new Set(opts.only);
  if (wanted) {
    for (const name of wanted) {
      if (!(name in flags)) {
        const known = Object.keys(flags);
        problems.push(
          `flags.${name}: no flag provider of that name; ${known.length > 0 ? `defined: ${known.join(', ')}` : 'add it under flags'}`,
        );
      }
    }
  }
  for (const [name, config] of Object.entries(flags)) {
    if (wanted && !wanted.has(name)) continue;
    const where = `flags.${name}`;
    let resolved: FlagProviderPolicy;
    try {
      const result = resolveSecrets(config, opts.env, where);
      resolved = result.value;
      for (const s of result.secrets) secrets.add(s);
    } catch (thrown) {
      // Collected across providers, so one run names every variable the workflow lacks.
      if (!(thrown instanceof ConfigurationError)) throw thrown;
      problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
      continue;
    }
    try {
      providers.set(name, build(name, resolved, config, [...secrets], opts));
    } catch (thrown) {
      if (!(thrown instanceof ConfigurationError)) throw thrown;
      problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError('invalid flag providers', problems);
  }
  return { providers, secrets: [...secrets] };
}

function build(
  name: string,
  resolved: FlagProviderPolicy,
  raw: FlagProviderPolicy,
  secrets: string[],
  opts: CreateFlagProvidersOptions,
): FlagProvider {
  const common = {
    logger: opts.logger,
    timeoutMs: resolved.timeout,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
  };
  if (resolved.type === 'unleash') {
    return createUnleashProvider({
      ...common,
      url: resolved.url,
      token: resolved.token,
      project: resolved.project,
      tokenEnv: referencedEnvs(raw.type === 'unleash' ? raw.token : '')[0] ?? `flags.${name}.token`,
    });
  }
  return createHttpFlagProvider({
    ...common,
    disable: resolved.disable,
    enable: resolved.enable,
    set_rollout: resolved.set_rollout,
    get: resolved.get,
    disable_component: resolved.disable_component,
    enable_component: resolved.enable_component,
    name,
    secret_envs: referencedEnvs(raw),
    secrets,
  });
}
