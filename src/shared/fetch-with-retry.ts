/**
 * One HTTP request with a per-attempt timeout and retries on transient faults (network errors,
 * timeouts, HTTP 5xx and 429). It never throws: the caller gets either the final response
 * (whatever its status, so it can read an error body) or a sentence saying why there is none.
 */
import { formatDuration } from '../policy/duration.ts';
import type { Logger } from './logger.ts';
import { redactSecrets } from '../policy/secrets.ts';

export interface RequestOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  retries: number;
  /** First backoff delay; doubled per attempt. */
  retryDelayMs: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Who is asking, for log lines: `prometheus source "main"`. */
  label: string;
  /** Largest body read, decompressed; MAX_BODY_BYTES when omitted. */
  maxBodyBytes?: number;
}

/**
 * The largest response body Ripcord reads (after decompression). A Prometheus answer for one
 * trigger is kilobytes; a 1.5 GB body once took 4.7 GB of memory and a 3 MB gzip bomb 8.8 GB.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Same-origin redirects followed before giving up. */
const MAX_REDIRECTS = 5;
/**
 * Headers that carry nothing secret, kept when a redirect leads to another origin. Everything
 * else (Authorization, DD-API-KEY, a custom `headers:` token) is dropped: fetch itself only
 * drops Authorization on a cross-origin redirect, and hands any other header to the new host.
 */
const SAFE_HEADERS = new Set(['accept', 'content-type', 'user-agent', 'accept-encoding']);

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/**
 * Reads a body as a stream and stops at `max` bytes (fetch has already decompressed it, so a
 * gzip bomb is stopped by what it expands to), cancelling the rest.
 */
export async function readBodyCapped(response: Response, max = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max && !response.headers.get('content-encoding')) {
    await response.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(tooLarge(max));
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(tooLarge(max));
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function tooLarge(max: number): string {
  return `the answer is larger than ${max} bytes (decompressed), the most Ripcord reads; not read further`;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * fetch with redirects followed by hand: same-origin ones as they are, others with only the
 * SAFE_HEADERS, so a secret header never reaches a host the policy did not name.
 */
async function fetchFollowing(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  logger: Logger,
  label: string,
): Promise<Response> {
  let current = url;
  let request: RequestInit = { ...init, redirect: 'manual' };
  for (let hop = 0; ; hop++) {
    const response = await doFetch(current, request);
    const location = response.headers.get('location');
    // Past the limit the last redirect is the answer: a 3xx, which no caller takes for success.
    if (!REDIRECT_STATUSES.has(response.status) || location === null || hop >= MAX_REDIRECTS) {
      return response;
    }
    await response.body?.cancel().catch(() => {});
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new Error(`redirected to a ${next.protocol} URL, which is not followed`);
    }
    const method = (request.method ?? 'GET').toUpperCase();
    const toGet =
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST');
    if (toGet) request = { ...request, method: method === 'HEAD' ? 'HEAD' : 'GET', body: null };
    if (new URL(current).origin !== next.origin) {
      const kept = Object.fromEntries(
        [...new Headers(request.headers).entries()].filter(([name]) => SAFE_HEADERS.has(name)),
      );
      const dropped = [...new Headers(request.headers).keys()].filter((n) => !SAFE_HEADERS.has(n));
      if (dropped.length > 0) {
        logger.warning(
          `${label}: redirected to another origin (${displayUrl(next.toString())}); its headers ${dropped.join(', ')} are not sent there`,
        );
      }
      request = { ...request, headers: kept };
    }
    current = next.toString();
  }
}

export type RequestOutcome =
  | {
      ok: true;
      status: number;
      statusText: string;
      headers: Headers;
      text: string;
      attempts: number;
      latencyMs: number;
    }
  | { ok: false; reason: string; attempts: number; aborted: boolean };

const MAX_BACKOFF_MS = 10_000;

export async function requestWithRetry(
  url: string,
  init: RequestInit,
  options: RequestOptions,
): Promise<RequestOutcome> {
  const maxAttempts = Math.max(1, options.retries + 1);
  let lastFailure: string;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) {
      return { ok: false, reason: 'aborted', attempts: attempt - 1, aborted: true };
    }
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const started = performance.now();
    let retryAfterMs: number | undefined;
    try {
      const response = await fetchFollowing(
        options.fetch,
        url,
        { ...init, signal },
        options.logger,
        options.label,
      );
      // The body is read under the same timeout: a server can stall after the headers.
      const text = await readBodyCapped(response, options.maxBodyBytes ?? MAX_BODY_BYTES);
      const latencyMs = performance.now() - started;
      const transient = response.status >= 500 || response.status === 429;
      if (!transient || attempt >= maxAttempts) {
        return {
          ok: true,
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          text,
          attempts: attempt,
          latencyMs,
        };
      }
      lastFailure = `HTTP ${response.status}`;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    } catch (thrown) {
      if (options.signal?.aborted) {
        return { ok: false, reason: 'aborted', attempts: attempt, aborted: true };
      }
      // Not transient: the same server sends the same oversized answer again.
      if (thrown instanceof BodyTooLargeError) {
        return { ok: false, reason: thrown.message, attempts: attempt, aborted: false };
      }
      lastFailure = describeFetchError(thrown, options.timeoutMs);
      if (attempt >= maxAttempts) {
        const tries = attempt > 1 ? ` (${attempt} attempts)` : '';
        return { ok: false, reason: `${lastFailure}${tries}`, attempts: attempt, aborted: false };
      }
    }
    const backoff = Math.min(
      MAX_BACKOFF_MS,
      retryAfterMs ?? options.retryDelayMs * 2 ** (attempt - 1),
    );
    options.logger.warning(
      `${options.label}: ${lastFailure}; retrying in ${formatDuration(Math.round(backoff))} (attempt ${attempt + 1} of ${maxAttempts})`,
    );
    if (!(await sleep(backoff, options.signal))) {
      return { ok: false, reason: 'aborted', attempts: attempt, aborted: true };
    }
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Resolves false when aborted first. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (ECONNREFUSED): nothing is listening there',
  ENOTFOUND: 'host not found (ENOTFOUND): check the URL',
  EAI_AGAIN: 'DNS lookup failed (EAI_AGAIN)',
  ECONNRESET: 'connection reset by the server (ECONNRESET)',
  ETIMEDOUT: 'connection timed out (ETIMEDOUT)',
  EHOSTUNREACH: 'host unreachable (EHOSTUNREACH)',
  UND_ERR_SOCKET: 'the server closed the connection',
};

/** Turns what fetch throws (a bare "fetch failed" with the real cause nested) into a sentence. */
export function describeFetchError(thrown: unknown, timeoutMs: number): string {
  if (thrown instanceof Error || (typeof thrown === 'object' && thrown !== null)) {
    const err = thrown as { name?: unknown; message?: unknown; cause?: unknown; code?: unknown };
    if (err.name === 'TimeoutError') return `timed out after ${formatDuration(timeoutMs)}`;
    if (err.name === 'AbortError') return 'aborted';
    const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
    const code =
      typeof cause?.code === 'string' ? cause.code : typeof err.code === 'string' ? err.code : '';
    const known = NETWORK_CODES[code];
    if (known) return known;
    if (typeof cause?.message === 'string' && cause.message !== '') {
      return code ? `${cause.message} (${code})` : cause.message;
    }
    if (typeof err.message === 'string') return err.message;
  }
  return String(thrown);
}

/** A URL fit for logs and reasons: no credentials, no query string. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

/** The start of a response body, on one line, for reasons. */
export function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/**
 * Replaces every secret value in text, in every encoded form too, so server echoes and logged
 * URLs cannot leak them into reasons.
 */
export function redact(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets);
}

/** Prometheus and OpenMetrics spell infinities `+Inf` / `-Inf`, which Number() does not read. */
export function parseSampleValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
    case '':
      return undefined;
  }
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}
