/**
 * The signal sources named under `sources:` in a policy, built once per run. Adapters may do
 * I/O; what they hand back is the core's `SignalResult`, and data problems come back as
 * `{ok: false, reason}` so a trigger can turn inconclusive instead of a run crashing.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { resolveSecrets } from '../policy/secrets.ts';
import type { Policy, Source } from '../policy/schema.ts';
import { createDatadogSource } from './sources/datadog.ts';
import { createFileSource } from './sources/file.ts';
import { createHttpSource } from './sources/http.ts';
import { createPrometheusSource } from './sources/prometheus.ts';
import type { SignalSource } from './signal-source.ts';

export type { SignalSource } from './signal-source.ts';

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
  const maxSamples = maxRecordingSamples(opts.env);

  const problems: string[] = [];
  for (const [name, config] of Object.entries(policy.sources)) {
    if (opts.fileOverride !== undefined) {
      // A replay needs no credentials: nothing is resolved, nothing is contacted.
      sources.set(
        name,
        createFileSource(name, opts.fileOverride, { logger: opts.logger, lookbackMs, maxSamples }),
      );
      continue;
    }
    let resolved: Source;
    try {
      const result = resolveSecrets(config, opts.env, `sources.${name}`);
      resolved = result.value;
      for (const s of result.secrets) secrets.add(s);
    } catch (thrown) {
      // Collected across sources, so one run names every variable the workflow lacks.
      if (!(thrown instanceof ConfigurationError)) throw thrown;
      problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
      continue;
    }
    sources.set(name, build(name, resolved));
  }
  if (problems.length > 0) {
    const names = [...new Set(problems.map((p) => /variable (\S+)/.exec(p)?.[1] ?? '?'))];
    throw new ConfigurationError(
      `missing secret${names.length > 1 ? 's' : ''} ${names.join(', ')}: set ${names.length > 1 ? 'them' : 'it'} from the workflow's secrets`,
      problems,
    );
  }

  function build(sourceName: string, source: Source): SignalSource {
    switch (source.type) {
      case 'prometheus': {
        const headers = lowerCaseKeys(source.headers);
        let url = source.url;
        const parsed = new URL(url);
        if (parsed.username !== '' || parsed.password !== '') {
          // fetch refuses URLs with credentials; they travel as a Basic header instead.
          const password = decodeURIComponent(parsed.password);
          if (password !== '') secrets.add(password);
          headers.authorization ??= basic(`${decodeURIComponent(parsed.username)}:${password}`);
          parsed.username = '';
          parsed.password = '';
          url = parsed.toString();
        }
        if (source.auth && 'bearer' in source.auth) {
          headers.authorization = `Bearer ${source.auth.bearer}`;
        } else if (source.auth) {
          headers.authorization = basic(`${source.auth.username}:${source.auth.password}`);
        }
        return createPrometheusSource(
          sourceName,
          { url, timeout: source.timeout, retries: source.retries },
          { fetch: fetchFn, logger: opts.logger, headers, secrets: [...secrets], retryDelayMs },
        );
      }
      case 'datadog':
        return createDatadogSource(
          sourceName,
          { site: source.site, timeout: source.timeout, retries: source.retries },
          {
            fetch: fetchFn,
            logger: opts.logger,
            headers: { 'DD-API-KEY': source.api_key, 'DD-APPLICATION-KEY': source.app_key },
            secrets: [...secrets],
            retryDelayMs,
            ...(opts.datadogBaseUrl !== undefined ? { baseUrl: opts.datadogBaseUrl } : {}),
          },
        );
      case 'http':
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
            headers: lowerCaseKeys(source.headers),
            secrets: [...secrets],
            retryDelayMs,
            now,
          },
        );
      case 'file': {
        const path = isAbsolute(source.path) ? source.path : resolve(opts.policyDir, source.path);
        return createFileSource(sourceName, path, { logger: opts.logger, lookbackMs, maxSamples });
      }
    }
  }

  function basic(pair: string): string {
    const encoded = Buffer.from(pair, 'utf8').toString('base64');
    secrets.add(encoded);
    return `Basic ${encoded}`;
  }

  return { sources, secrets: [...secrets] };
}

/** `RIPCORD_MAX_RECORDING_SAMPLES`: how many samples a recording may keep in memory. */
function maxRecordingSamples(env: Record<string, string | undefined>): number | undefined {
  const text = env.RIPCORD_MAX_RECORDING_SAMPLES;
  if (text === undefined || text === '') return undefined;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ConfigurationError(
      `RIPCORD_MAX_RECORDING_SAMPLES is ${JSON.stringify(text)}; write a whole number of samples such as 100000000`,
    );
  }
  return n;
}

/** Header names are case-insensitive; one spelling lets auth replace a user's Authorization. */
function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) out[key.toLowerCase()] = value;
  return out;
}
