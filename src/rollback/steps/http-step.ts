/**
 * The `http` rollback step: one request from the policy (a deploy system's rollback endpoint,
 * a maintenance switch), with `{{placeholders}}` from the rollback's context in the URL,
 * headers and body (see STEP_PLACEHOLDERS), escaped for where they land (template.ts).
 *
 * A step is compiled when the policy is turned into a plan, so a misspelt placeholder fails
 * before the rollback starts; running it never throws for HTTP or network failures, it returns
 * ok: false with the reason, like a command step.
 */
import { formatDuration } from '../../policy/duration.ts';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { displayUrl, redact, requestWithRetry } from '../../shared/fetch-with-retry.ts';
import {
  compileHeaders,
  compileTemplate,
  renderHeaders,
  type Template,
  type TemplateValue,
} from '../template.ts';
import { STEP_PLACEHOLDERS } from './command-step.ts';

export interface HttpStepConfig {
  /** POST when omitted. */
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Body template; sent as application/json unless a content-type header says otherwise. */
  body?: string;
  /** A status or statuses that mean success; any 2xx when omitted. */
  expectStatus?: number | readonly number[];
  timeoutMs: number;
  /** Retries on network errors, timeouts, 5xx and 429: 2 for GET, PUT, DELETE and HEAD, 0 otherwise. */
  retries?: number;
  retryDelayMs?: number;
  /** Names the step in logs and errors. */
  name?: string;
  /** Resolved secret values, redacted from results and logs. */
  secrets?: readonly string[];
}

export interface HttpStepRuntime {
  logger: Logger;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface HttpStepResult {
  ok: boolean;
  /** null when no response came back. */
  status: number | null;
  durationMs: number;
  attempts: number;
  /** The end of the response body, secrets redacted. */
  bodyTail: string;
  reason?: string;
}

export interface CompiledHttpStep {
  readonly name: string;
  run(
    values: Readonly<Record<string, TemplateValue>>,
    runtime: HttpStepRuntime,
  ): Promise<HttpStepResult>;
}

const METHOD = /^[A-Z]+$/;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function compileHttpStep(
  config: HttpStepConfig,
  allowed: readonly string[] = STEP_PLACEHOLDERS,
): CompiledHttpStep {
  const name = config.name ?? 'http step';
  const method = (config.method ?? 'POST').toUpperCase();
  if (!METHOD.test(method)) {
    throw new ConfigurationError(`${name}: "${config.method}" is not an HTTP method`);
  }
  if (!/^https?:\/\//i.test(config.url)) {
    throw new ConfigurationError(
      `${name}: url "${config.url}" must start with http:// or https://`,
    );
  }
  if (!(config.timeoutMs > 0)) {
    throw new ConfigurationError(`${name}: needs a positive timeout, not ${config.timeoutMs}`);
  }
  const expected =
    config.expectStatus === undefined
      ? undefined
      : typeof config.expectStatus === 'number'
        ? [config.expectStatus]
        : [...config.expectStatus];
  const badStatus = expected?.find((s) => !Number.isInteger(s) || s < 100 || s > 599);
  if (badStatus !== undefined) {
    throw new ConfigurationError(`${name}: expected status ${badStatus} is not an HTTP status`);
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
    compileTemplate(config.url, { allowed, escaping: 'url', where: `${name}.url` }),
  );
  const headers = collect(() => compileHeaders(config.headers, allowed, `${name}.headers`));
  const body: Template | undefined =
    config.body === undefined
      ? undefined
      : collect(() =>
          compileTemplate(config.body ?? '', { allowed, escaping: 'json', where: `${name}.body` }),
        );
  if (problems.length > 0 || url === undefined || headers === undefined) {
    throw new ConfigurationError(`invalid request template in ${name}`, problems);
  }
  const secrets = config.secrets ?? [];
  const retries = config.retries ?? (IDEMPOTENT.has(method) ? 2 : 0);
  const hasContentType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');

  return {
    name,
    async run(values, runtime) {
      const started = performance.now();
      const elapsed = (): number => Math.round(performance.now() - started);
      let target: string;
      let renderedHeaders: Record<string, string>;
      let renderedBody: string | undefined;
      try {
        target = url.render(values);
        renderedHeaders = renderHeaders(headers, values);
        renderedBody = body?.render(values);
      } catch (thrown) {
        // A header value with a line break: the request must not be sent at all.
        const reason = thrown instanceof Error ? thrown.message : String(thrown);
        return {
          ok: false,
          status: null,
          durationMs: elapsed(),
          attempts: 0,
          bodyTail: '',
          reason,
        };
      }
      const shown = `${method} ${redact(displayUrl(target), secrets)}`;
      runtime.logger.info(`${name}: ${shown}`);
      const outcome = await requestWithRetry(
        target,
        {
          method,
          headers: {
            ...(renderedBody !== undefined && !hasContentType
              ? { 'content-type': 'application/json' }
              : {}),
            ...renderedHeaders,
          },
          body: renderedBody,
        },
        {
          fetch: runtime.fetch ?? fetch,
          timeoutMs: config.timeoutMs,
          retries,
          retryDelayMs: config.retryDelayMs ?? 1_000,
          signal: runtime.signal,
          logger: runtime.logger,
          label: name,
        },
      );
      const durationMs = elapsed();
      if (!outcome.ok) {
        const reason = `${shown} failed: ${redact(outcome.reason, secrets)}`;
        runtime.logger.error(`${name}: ${reason}`);
        return {
          ok: false,
          status: null,
          durationMs,
          attempts: outcome.attempts,
          bodyTail: '',
          reason,
        };
      }
      const bodyTail = redact(outcome.text.slice(-2_000), secrets);
      const ok = expected
        ? expected.includes(outcome.status)
        : outcome.status >= 200 && outcome.status < 300;
      if (ok) {
        runtime.logger.info(`${name}: HTTP ${outcome.status} in ${formatDuration(durationMs)}`);
        return { ok, status: outcome.status, durationMs, attempts: outcome.attempts, bodyTail };
      }
      const wanted = expected ? expected.join(' or ') : '2xx';
      const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
      const flat = bodyTail.replace(/\s+/g, ' ').trim().slice(0, 300);
      const reason = `${shown} answered HTTP ${outcome.status}${tries}, expected ${wanted}${flat ? `: ${flat}` : ''}`;
      runtime.logger.error(`${name}: ${reason}`);
      return {
        ok: false,
        status: outcome.status,
        durationMs,
        attempts: outcome.attempts,
        bodyTail,
        reason,
      };
    },
  };
}

export interface HttpStepOptions extends HttpStepConfig, HttpStepRuntime {
  /** Values for the placeholders; their names are the placeholders this call allows. */
  values?: Readonly<Record<string, TemplateValue>>;
}

/** Compiles and runs in one go, for callers that have the values at hand. */
export async function runHttpStep(options: HttpStepOptions): Promise<HttpStepResult> {
  const values = options.values ?? {};
  const step = compileHttpStep(options, Object.keys(values));
  return step.run(values, options);
}
