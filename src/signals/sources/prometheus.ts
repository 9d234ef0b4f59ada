/**
 * PromQL over the Prometheus HTTP API (`/api/v1/query_range`), which Thanos, Mimir,
 * VictoriaMetrics and Grafana Cloud also speak. Every failure becomes a reason, never a throw:
 * the engine turns it into an inconclusive verdict.
 */
import { ConfigurationError, toError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { PrometheusSource } from '../../policy/schema.ts';
import type { RangeRequest, Series, SignalResult } from '../signal.ts';
import { seriesFromQueryResponse } from './file.ts';
import { displayUrl, redact, requestWithRetry, snippet } from '../../shared/fetch-with-retry.ts';
import type { SignalSource } from '../signal-source.ts';

const MAX_GET_PARAMS = 4000;

export interface HttpSourceDeps {
  fetch: typeof fetch;
  logger: Logger;
  /** Headers with secrets already resolved. */
  headers: Record<string, string>;
  /** Resolved secret values, cut out of any text a server echoes back. */
  secrets: readonly string[];
  retryDelayMs: number;
}

export function createPrometheusSource(
  name: string,
  config: Pick<PrometheusSource, 'url' | 'timeout' | 'retries'>,
  deps: HttpSourceDeps,
): SignalSource {
  const label = `prometheus source "${name}"`;
  const endpoint = joinUrl(config.url, '/api/v1/query_range');
  const headers = { accept: 'application/json', ...deps.headers };
  return {
    name,
    async fetchRange(req: RangeRequest, signal?: AbortSignal): Promise<SignalResult> {
      const query = req.query;
      const fail = (reason: string): SignalResult => ({
        ok: false,
        reason: redact(reason, deps.secrets),
        query,
      });
      if (query.trim() === '') return fail('the query is empty');
      const params = new URLSearchParams({
        query,
        start: seconds(req.start),
        end: seconds(req.end),
        step: step(req.step),
      });
      const encoded = params.toString();
      // Long PromQL would overflow the URL limits of proxies in front of Prometheus; the API
      // takes the same parameters as a form body.
      const post = encoded.length > MAX_GET_PARAMS;
      deps.logger.debug(
        `${label}: ${post ? 'POST' : 'GET'} ${displayUrl(endpoint)} query=${query}`,
      );
      const outcome = await requestWithRetry(
        post ? endpoint : `${endpoint}?${encoded}`,
        post
          ? {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
              body: encoded,
            }
          : { method: 'GET', headers },
        {
          fetch: deps.fetch,
          timeoutMs: config.timeout,
          retries: config.retries,
          retryDelayMs: deps.retryDelayMs,
          logger: deps.logger,
          label,
          ...(signal ? { signal } : {}),
        },
      );
      const where = `Prometheus at ${displayUrl(config.url)}`;
      if (!outcome.ok) return fail(`${where}: ${outcome.reason}`);
      const attempts = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';

      let body: unknown;
      let bodyIsJson = true;
      try {
        body = JSON.parse(outcome.text);
      } catch {
        bodyIsJson = false;
      }
      const apiError = readApiError(body);
      if (outcome.status < 200 || outcome.status >= 300) {
        const detail = apiError ?? (snippet(outcome.text) || outcome.statusText);
        const hint =
          outcome.status === 401 || outcome.status === 403
            ? ' (check the auth and headers of this source)'
            : outcome.status === 404
              ? ' (is the url the base of the Prometheus HTTP API?)'
              : '';
        const verb =
          outcome.status >= 400 && outcome.status < 500 && apiError
            ? 'rejected the query'
            : 'answered';
        return fail(`${where} ${verb} with HTTP ${outcome.status}${attempts}${hint}: ${detail}`);
      }
      if (!bodyIsJson) {
        return fail(
          `${where} answered HTTP ${outcome.status} with invalid JSON: ${snippet(outcome.text, 120)}`,
        );
      }
      if (apiError !== undefined) return fail(`${where} rejected the query: ${apiError}`);
      if (isObject(body) && Array.isArray(body.warnings) && body.warnings.length > 0) {
        deps.logger.warning(`${label}: ${query}: ${body.warnings.map(String).join('; ')}`);
      }
      let series: Series[];
      try {
        series = seriesFromQueryResponse(body, `${where} answered`);
      } catch (thrown) {
        return fail(toError(thrown).message);
      }
      series = series.filter((s) => s.times.length > 0);
      if (series.length === 0) return fail('query returned no series');
      return { ok: true, kind: 'stepped', series, query };
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Prometheus' own error text (`1:10: parse error: ...`) from `{status:"error"}`. */
function readApiError(body: unknown): string | undefined {
  if (!isObject(body) || body.status !== 'error') return undefined;
  const type = typeof body.errorType === 'string' ? `${body.errorType}: ` : '';
  return `${type}${typeof body.error === 'string' ? body.error : 'unknown error'}`;
}

function seconds(ms: number): string {
  return String(ms / 1000);
}

/** `60s` for whole seconds; Prometheus' duration syntax has no fractions, a float it takes. */
function step(ms: number): string {
  if (ms <= 0) return '1s';
  return ms % 1000 === 0 ? `${ms / 1000}s` : String(ms / 1000);
}

/** Appends an API path to a base URL that may carry a prefix (`/prometheus`, `/api/prom`). */
export function joinUrl(base: string, path: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ConfigurationError(`"${base}" is not a URL`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}
