/**
 * One Octokit for every action: the token input, GitHub Enterprise Server through
 * GITHUB_API_URL, Octokit's retry and throttling plugins (secondary rate limits and
 * `retry-after` honoured), and a request counter for the job summary.
 *
 * Waiting out a rate limit is capped: a workflow's GITHUB_TOKEN may make 1,000 requests an
 * hour per repository (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-github_token-in-github-actions),
 * and when they are used up the reset can be most of an hour away. plugin-throttling would
 * sleep until then; in an incident that is worse than failing, so a wait longer than
 * `maxRateLimitWaitMs` (rollback.rate_limit_wait, 5 minutes by default) fails at once with a
 * RateLimitError saying when the limit resets and what to do instead.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { formatDuration } from '../policy/duration.ts';
import type { Logger } from '../shared/logger.ts';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  token: string;
  /** GITHUB_API_URL on the runner; api.github.com when unset. */
  baseUrl?: string | undefined;
  logger: Logger;
  /** Retries after a rate limit before giving up (each waits what GitHub says). */
  rateLimitRetries?: number;
  /** Base delay of plugin-retry between attempts; tests shorten it. */
  retryAfterBaseValue?: number;
  /**
   * Minimum time between two writes of this client. plugin-throttling's default (1 s, shared
   * by every client in the process) would add ten seconds to a ten-write rollback; a rollback
   * writes a handful of times, far below what triggers secondary limits, and a 403 with
   * retry-after is still honoured. Writes stay one at a time.
   */
  writeSpacingMs?: number;
  /** The longest wait for a rate limit to reset before failing (default 5 minutes). */
  maxRateLimitWaitMs?: number;
  /** Where the cap comes from, for the message (default "rollback.rate_limit_wait"). */
  rateLimitWaitSetting?: string;
}

export const DEFAULT_RATE_LIMIT_WAIT_MS = 5 * 60_000;

/** GitHub's rate limit is used up and resets later than Ripcord may wait. */
export class RateLimitError extends Error {
  override name = 'RateLimitError';
}

export interface CountedClient {
  octokit: GitHubClient;
  /** Requests asked for so far, by "METHOD /route" (retries inside Octokit are not counted). */
  requests: Map<string, number>;
  totalRequests(): number;
}

export function createGitHubClient(opts: ClientOptions): CountedClient {
  const rateLimitRetries = opts.rateLimitRetries ?? 4;
  const cap = opts.maxRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
  const setting = opts.rateLimitWaitSetting ?? 'rollback.rate_limit_wait';
  // Both limits: wait what GitHub says (the plugin does), a bounded number of times and never
  // longer than the cap, and say so.
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method: string; url: string },
      _o: unknown,
      retryCount: number,
    ) => {
      if (retryAfter * 1000 > cap) {
        opts.logger.error(
          `GitHub ${kind} on ${options.method} ${options.url}: it resets in ${formatDuration(retryAfter * 1000)}, longer than ${setting} (${formatDuration(cap)}); not waiting`,
        );
        return false;
      }
      opts.logger.warning(
        `GitHub ${kind} on ${options.method} ${options.url}; retrying after ${retryAfter}s`,
      );
      return retryCount < rateLimitRetries;
    };
  const octokit = getOctokit(
    opts.token,
    {
      baseUrl: (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
      retry: { retryAfterBaseValue: opts.retryAfterBaseValue ?? 1000 },
      throttle: {
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: opts.writeSpacingMs ?? 0 }),
        // Comments and pull requests notify people: the plugin's default spaces them 3 s apart
        // process-wide, which would hold an incident's one or two comments for seconds.
        notifications: new Bottleneck.Group({
          maxConcurrent: 1,
          minTime: opts.writeSpacingMs ?? 0,
        }),
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
      },
    },
    retry,
    throttling,
  );
  // A request refused for the rate limit (after the cap): say what it means and what to do.
  octokit.hook.error('request', (error) => {
    const e = error as { status?: number; response?: { headers?: Record<string, string> } };
    const headers = e.response?.headers ?? {};
    if ((e.status === 403 || e.status === 429) && headers['x-ratelimit-remaining'] === '0') {
      const limit = headers['x-ratelimit-limit'] ?? 'its';
      const reset = Number(headers['x-ratelimit-reset']);
      const when = Number.isFinite(reset)
        ? ` It resets at ${new Date(reset * 1000).toISOString()}, ${formatDuration(Math.max(0, reset * 1000 - Date.now()))} from now, longer than ${setting} (${formatDuration(cap)}).`
        : '';
      throw new RateLimitError(
        `GitHub's API rate limit for this token is used up (${limit} requests an hour${limit === '1000' ? ", the limit of a workflow's GITHUB_TOKEN per repository" : ''}).${when} ` +
          'Ripcord stopped instead of waiting through the incident: act by hand now (the job summary and the incident say how far it got), ' +
          'and pass a GitHub App token as the `token` input (5,000 an hour or more), or raise the cap if waiting is acceptable.',
        { cause: error },
      );
    }
    throw error;
  });
  const requests = new Map<string, number>();
  octokit.hook.before('request', (options) => {
    const key = `${options.method} ${String(options.url)}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
  });
  return {
    octokit,
    requests,
    totalRequests: () => [...requests.values()].reduce((a, b) => a + b, 0),
  };
}
