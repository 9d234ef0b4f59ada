/**
 * Datadog metric queries (`GET /api/v1/query`). Points come back at Datadog's rollup interval,
 * already evaluated, so the series are stepped like a Prometheus query_range answer.
 */
import type { DatadogSource } from '../../policy/schema.ts';
import {
  seriesFromSamples,
  type RangeRequest,
  type Sample,
  type Series,
  type SignalResult,
} from '../signal.ts';
import { displayUrl, redact, requestWithRetry, snippet } from '../../shared/fetch-with-retry.ts';
import type { SignalSource } from '../signal-source.ts';
import { joinUrl, type HttpSourceDeps } from './prometheus.ts';

export interface DatadogDeps extends HttpSourceDeps {
  /** Replaces `https://api.<site>`; tests point it at a loopback receiver. */
  baseUrl?: string;
}

export function createDatadogSource(
  name: string,
  config: Pick<DatadogSource, 'site' | 'timeout' | 'retries'>,
  deps: DatadogDeps,
): SignalSource {
  const label = `datadog source "${name}"`;
  const base = deps.baseUrl ?? `https://api.${config.site}`;
  const endpoint = joinUrl(base, '/api/v1/query');
  const where = `Datadog at ${displayUrl(base)}`;
  return {
    name,
    async fetchRange(req: RangeRequest, signal?: AbortSignal): Promise<SignalResult> {
      const query = req.query;
      const fail = (reason: string): SignalResult => ({
        ok: false,
        reason: redact(reason, deps.secrets),
        query,
      });
      const url = new URL(endpoint);
      // Datadog takes whole seconds; the range is widened, never narrowed.
      url.searchParams.set('from', String(Math.floor(req.start / 1000)));
      url.searchParams.set('to', String(Math.ceil(req.end / 1000)));
      url.searchParams.set('query', query);
      const outcome = await requestWithRetry(
        url.toString(),
        { method: 'GET', headers: { accept: 'application/json', ...deps.headers } },
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
      if (!outcome.ok) return fail(`${where}: ${outcome.reason}`);
      let body: unknown;
      let isJson = true;
      try {
        body = JSON.parse(outcome.text);
      } catch {
        isJson = false;
      }
      const apiError = readErrors(body);
      if (outcome.status < 200 || outcome.status >= 300) {
        const hint =
          outcome.status === 403 || outcome.status === 401
            ? ' (check api_key, app_key and site of this source)'
            : '';
        const attempts = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
        return fail(
          `${where} answered HTTP ${outcome.status}${attempts}${hint}: ${apiError ?? (snippet(outcome.text, 200) || outcome.statusText)}`,
        );
      }
      if (!isJson || !isObject(body)) {
        return fail(`${where} answered with invalid JSON: ${snippet(outcome.text, 120)}`);
      }
      if (apiError !== undefined) return fail(`${where} rejected the query: ${apiError}`);
      if (!Array.isArray(body.series)) return fail(`${where} answered without a series list`);
      const series: Series[] = [];
      for (const entry of body.series as unknown[]) {
        if (!isObject(entry) || !Array.isArray(entry.pointlist)) continue;
        const samples: Sample[] = [];
        for (const point of entry.pointlist as unknown[]) {
          if (!Array.isArray(point)) continue;
          const [t, v] = point as unknown[];
          // A null point is an interval without data, not a zero.
          if (typeof t === 'number' && typeof v === 'number') samples.push({ t: Math.round(t), v });
        }
        if (samples.length > 0) series.push(seriesFromSamples(labelsOf(entry), samples));
      }
      if (series.length === 0) return fail('query returned no series');
      return { ok: true, kind: 'stepped', series, query };
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readErrors(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  if (Array.isArray(body.errors) && body.errors.length > 0)
    return body.errors.map(String).join('; ');
  if (body.status === 'error') return typeof body.error === 'string' ? body.error : 'unknown error';
  return undefined;
}

/** `tag_set: ["service:api", "env:prod"]` -> `{service: "api", env: "prod"}`. */
function labelsOf(entry: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = {};
  if (typeof entry.metric === 'string') labels.__name__ = entry.metric;
  const tags = Array.isArray(entry.tag_set)
    ? (entry.tag_set as unknown[])
    : typeof entry.scope === 'string' && entry.scope !== '*'
      ? entry.scope.split(',')
      : [];
  for (const tag of tags) {
    if (typeof tag !== 'string') continue;
    const colon = tag.indexOf(':');
    if (colon < 0) labels[tag] = '';
    else labels[tag.slice(0, colon)] = tag.slice(colon + 1);
  }
  return labels;
}
