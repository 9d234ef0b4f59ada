/**
 * Any JSON endpoint: `fetchRange` reads one number from it (the value now, so an http source
 * has no history), `probe` checks it as a health check (status, JSON fields, latency).
 */
import { formatDuration } from '../../policy/duration.ts';
import { toError } from '../../shared/errors.ts';
import type { HttpSource, ProbeTrigger } from '../../policy/schema.ts';
import {
  seriesFromSamples,
  type ProbeResult,
  type RangeRequest,
  type SignalResult,
} from '../signal.ts';
import {
  displayUrl,
  parseSampleValue,
  redact,
  requestWithRetry,
  snippet,
} from '../../shared/fetch-with-retry.ts';
import type { SignalSource } from '../signal-source.ts';
import { describeJsonValue, getJsonPath, parseJsonPath } from './json-path.ts';
import type { HttpSourceDeps } from './prometheus.ts';
import { formatElapsed } from '../../shared/time-format.ts';

const CLOCK_SKEW_MS = 60_000;

export interface HttpDeps extends HttpSourceDeps {
  now: () => number;
}

export function createHttpSource(
  name: string,
  config: Pick<HttpSource, 'url' | 'method' | 'timeout' | 'retries'>,
  deps: HttpDeps,
): SignalSource {
  const label = `http source "${name}"`;
  const where = `${config.method} ${displayUrl(config.url)}`;
  const init: RequestInit = {
    method: config.method,
    headers: { accept: 'application/json', ...deps.headers },
  };
  const requestOptions = (retries: number, signal?: AbortSignal) => ({
    fetch: deps.fetch,
    timeoutMs: config.timeout,
    retries,
    retryDelayMs: deps.retryDelayMs,
    logger: deps.logger,
    label,
    ...(signal ? { signal } : {}),
  });

  return {
    name,
    async fetchRange(req: RangeRequest, signal?: AbortSignal): Promise<SignalResult> {
      const query = req.query;
      const fail = (reason: string): SignalResult => ({
        ok: false,
        reason: redact(reason, deps.secrets),
        query,
      });
      let path;
      try {
        path = parseJsonPath(query);
      } catch (thrown) {
        return fail(toError(thrown).message);
      }
      if (config.method === 'HEAD') {
        return fail(`${where}: a HEAD answer has no body to read ${query} from; use GET`);
      }
      const outcome = await requestWithRetry(
        config.url,
        init,
        requestOptions(config.retries, signal),
      );
      if (!outcome.ok) return fail(`${where}: ${outcome.reason}`);
      if (outcome.status < 200 || outcome.status >= 300) {
        const attempts = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
        return fail(
          `${where} answered HTTP ${outcome.status}${attempts}: ${snippet(outcome.text, 200) || outcome.statusText}`,
        );
      }
      let doc: unknown;
      try {
        doc = JSON.parse(outcome.text);
      } catch {
        return fail(`${where} answered with invalid JSON: ${snippet(outcome.text, 120)}`);
      }
      const found = getJsonPath(doc, path);
      if (!found.found) {
        return fail(
          `query returned no series: ${found.missingAt} is not in the answer of ${where}`,
        );
      }
      const v = toNumber(found.value);
      if (v === undefined) {
        return fail(
          `${query} is ${describeJsonValue(found.value)} in the answer of ${where}, not a number`,
        );
      }
      // The engine evaluates at req.end, usually read from the clock a moment before this
      // request: a value read just after it belongs to that evaluation, not to the future.
      // A range that ended long ago (a replay) keeps the true time, so the value is not
      // mistaken for history.
      const t = deps.now();
      const stamp = t > req.end && t - req.end <= Math.max(req.step, CLOCK_SKEW_MS) ? req.end : t;
      return {
        ok: true,
        kind: 'raw',
        series: [seriesFromSamples({}, [{ t: stamp, v }])],
        query,
      };
    },

    async probe(expect: ProbeTrigger['expect'], at: number): Promise<ProbeResult> {
      // No retries: the probe trigger counts consecutive failures itself.
      const outcome = await requestWithRetry(config.url, init, requestOptions(0));
      if (!outcome.ok) {
        return { t: at, ok: false, detail: redact(`${where}: ${outcome.reason}`, deps.secrets) };
      }
      const latencyMs = Math.round(outcome.latencyMs);
      const problems: string[] = [];
      const statuses = Array.isArray(expect.status) ? expect.status : [expect.status];
      if (!statuses.includes(outcome.status)) {
        problems.push(`status ${outcome.status}, expected ${statuses.join(' or ')}`);
      }
      if (expect.latency !== undefined && latencyMs > expect.latency) {
        problems.push(`took ${formatElapsed(latencyMs)}, budget ${formatDuration(expect.latency)}`);
      }
      if (expect.json.length > 0) {
        let doc: unknown;
        let parsed = true;
        try {
          doc = JSON.parse(outcome.text);
        } catch {
          parsed = false;
        }
        if (!parsed) {
          problems.push(`the answer is not JSON: ${snippet(outcome.text, 80)}`);
        } else {
          for (const check of expect.json) {
            let found;
            try {
              found = getJsonPath(doc, parseJsonPath(check.path));
            } catch (thrown) {
              problems.push(toError(thrown).message);
              continue;
            }
            const expected = describeJsonValue(check.equals);
            if (!found.found) problems.push(`${check.path} is missing, expected ${expected}`);
            else if (found.value !== check.equals) {
              problems.push(
                `${check.path} is ${describeJsonValue(found.value)}, expected ${expected}`,
              );
            }
          }
        }
      }
      const ok = problems.length === 0;
      const detail = ok
        ? `status ${outcome.status} in ${formatElapsed(latencyMs)}`
        : redact(problems.join('; '), deps.secrets);
      return { t: at, ok, detail, status: outcome.status, latencyMs };
    },
  };
}

/** Numbers, numeric strings (`"0.05"`, `"NaN"`) and booleans (up = 1) read as values. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return parseSampleValue(value.trim());
  return undefined;
}
