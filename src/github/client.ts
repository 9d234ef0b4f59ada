/**
 * One Octokit for every action: the token input, GitHub Enterprise Server through
 * GITHUB_API_URL, Octokit's retry and throttling plugins (secondary rate limits and
 * `retry-after` honoured), and a request counter for the job summary.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import type { Logger } from '../core/logger.ts';

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
}

export interface CountedClient {
  octokit: GitHubClient;
  /** Requests asked for so far, by "METHOD /route" (retries inside Octokit are not counted). */
  requests: Map<string, number>;
  totalRequests(): number;
}

export function createGitHubClient(opts: ClientOptions): CountedClient {
  const rateLimitRetries = opts.rateLimitRetries ?? 4;
  // Both limits: wait what GitHub says (the plugin does), a bounded number of times, and say so.
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method: string; url: string },
      _o: unknown,
      retryCount: number,
    ) => {
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
