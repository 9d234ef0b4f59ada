/**
 * The signal sources named under `sources:` in a policy, built once per run. Adapters may do
 * I/O; what they hand back is the core's `SignalResult`, and data problems come back as
 * `{ok: false, reason}` so a trigger can turn inconclusive instead of a run crashing.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Policy, ProbeTrigger, Source } from '../core/policy-schema.ts';
import type { ProbeResult, RangeRequest, SignalResult } from '../core/signal.ts';
import { createDatadogSource } from './datadog.ts';
import { createFileSource } from './file.ts';
import { createHttpSource } from './http.ts';
import { createPrometheusSource } from './prometheus.ts';

export interface SignalSource {
  readonly name: string;
  /** Never throws for data problems: returns `{ok: false, reason}`. */
  fetchRange(req: RangeRequest, signal?: AbortSignal): Promise<SignalResult>;
  /** HTTP sources only: one health check at time `at`. */
  probe?(expect: ProbeTrigger['expect'], at: number): Promise<ProbeResult>;
}

export interface CreateSourcesOptions {
  env: Record<string, string | undefined>;
  /** Relative file source paths are relative to the policy file. */
  policyDir: string;
  logger: Logger;
  fetch?: typeof fetch;
  /** Every source reads this recorded file instead (CLI `--source-file`, the demo). */
  fileOverride?: string;
  now?: () => number;
  /** First retry delay, doubled per attempt; tests make it small. */
  retryDelayMs?: number;
  /** Base URL for Datadog instead of `https://api.<site>` (tests). */
  datadogBaseUrl?: string;
}

const DEFAULT_LOOKBACK_MS = 300_000;

export function createSources(
  policy: Policy,
  opts: CreateSourcesOptions,
): { sources: Map<string, SignalSource>; secrets: string[] } {
  const sources = new Map<string, SignalSource>();
  const secrets = new Set<string>();
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const now = opts.now ?? Date.now;
  const retryDelayMs = opts.retryDelayMs ?? 500;
  // Recorded series come with the longest lookback any environment uses, so the engine
  // can find an instant value at the very start of a range.
  const lookbackMs = Math.max(
    DEFAULT_LOOKBACK_MS,
    ...Object.values(policy.environments).map((e) => e.lookback),
  );

  for (const [name, config] of Object.entries(policy.sources)) {
    if (opts.fileOverride !== undefined) {
      // A replay needs no credentials: nothing is resolved, nothing is contacted.
      sources.set(
        name,
        createFileSource(name, opts.fileOverride, { logger: opts.logger, lookbackMs }),
      );
      continue;
    }
    const where = `sources.${name}`;
    const secret = (value: string, path: string): string => {
      const resolved = resolveSecretRefs(value, opts.env, `${where}.${path}`);
      for (const s of resolved.secrets) secrets.add(s);
      return resolved.value;
    };
    sources.set(name, build(name, config));

    function build(sourceName: string, source: Source): SignalSource {
      switch (source.type) {
        case 'prometheus': {
          const headers = resolveHeaders(source.headers, secret);
          let url = source.url;
          const parsed = new URL(url);
          if (parsed.username !== '' || parsed.password !== '') {
            // fetch refuses URLs with credentials; they travel as a Basic header instead.
            const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
            if (parsed.password !== '') secrets.add(decodeURIComponent(parsed.password));
            headers.authorization ??= basic(pair, secrets);
            parsed.username = '';
            parsed.password = '';
            url = parsed.toString();
          }
          if (source.auth && 'bearer' in source.auth) {
            headers.authorization = `Bearer ${secret(source.auth.bearer, 'auth.bearer')}`;
          } else if (source.auth) {
            const password = secret(source.auth.password, 'auth.password');
            headers.authorization = basic(`${source.auth.username}:${password}`, secrets);
          }
          return createPrometheusSource(
            sourceName,
            { url, timeout: source.timeout, retries: source.retries },
            { fetch: fetchFn, logger: opts.logger, headers, secrets: [...secrets], retryDelayMs },
          );
        }
        case 'datadog': {
          const headers = {
            'DD-API-KEY': secret(source.api_key, 'api_key'),
            'DD-APPLICATION-KEY': secret(source.app_key, 'app_key'),
          };
          return createDatadogSource(
            sourceName,
            { site: source.site, timeout: source.timeout, retries: source.retries },
            {
              fetch: fetchFn,
              logger: opts.logger,
              headers,
              secrets: [...secrets],
              retryDelayMs,
              ...(opts.datadogBaseUrl !== undefined ? { baseUrl: opts.datadogBaseUrl } : {}),
            },
          );
        }
        case 'http': {
          const headers = resolveHeaders(source.headers, secret);
          return createHttpSource(
            sourceName,
            {
              url: source.url,
              method: source.method,
              timeout: source.timeout,
              retries: source.retries,
            },
            {
              fetch: fetchFn,
              logger: opts.logger,
              headers,
              secrets: [...secrets],
              retryDelayMs,
              now,
            },
          );
        }
        case 'file': {
          const path = isAbsolute(source.path) ? source.path : resolve(opts.policyDir, source.path);
          return createFileSource(sourceName, path, { logger: opts.logger, lookbackMs });
        }
      }
    }
  }
  return { sources, secrets: [...secrets] };
}

function resolveHeaders(
  headers: Record<string, string> | undefined,
  secret: (value: string, path: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    out[key.toLowerCase()] = secret(value, `headers.${key}`);
  }
  return out;
}

function basic(pair: string, secrets: Set<string>): string {
  const encoded = Buffer.from(pair, 'utf8').toString('base64');
  secrets.add(encoded);
  return `Basic ${encoded}`;
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` references with environment variables. An unset secret in GitHub Actions
 * arrives as an empty string, so empty counts as missing: an empty token would only fail
 * later, as a puzzling 401.
 */
export function resolveSecretRefs(
  value: string,
  env: Record<string, string | undefined>,
  where: string,
): { value: string; secrets: string[] } {
  const secrets: string[] = [];
  const resolved = value.replace(REF, (_match, name: string) => {
    const found = env[name];
    if (found === undefined || found === '') {
      throw new ConfigurationError(
        `${where} needs the environment variable ${name}, which is ${found === undefined ? 'not set' : 'empty'}; ` +
          `set it from a secret in the workflow step: env: { ${name}: \${{ secrets.${name} }} }`,
      );
    }
    secrets.push(found);
    return found;
  });
  return { value: resolved, secrets };
}
