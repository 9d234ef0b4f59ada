/**
 * The GitHub side of adapter tests: a stand-in started per test and closed after it, the
 * Octokit client built the way the adapters' is (plugin-retry and plugin-throttling) but
 * with short waits, and a logger that keeps its lines for assertions.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, expect } from 'vitest';
import type { Logger } from '../../src/shared/logger.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { startGitHubStandIn, type GitHubStandIn, type StandInOptions } from './github/stand-in.ts';

/**
 * Retries as the adapters' client does (three, the retry-after base cut to 1 ms) with
 * throttling off: plugin-throttling spaces writes a second apart, which only slows tests.
 */
export function fastClient(url: string): GitHubClient {
  return getOctokit(
    't',
    { baseUrl: url, throttle: { enabled: false }, retry: { retries: 3, retryAfterBaseValue: 1 } },
    retry,
    throttling,
  );
}

/**
 * Registers an afterEach that expects no OpenAPI violations of the stand-in the test started
 * and closes it; returns the function a test calls to start one.
 */
export function standInPerTest(): (options?: StandInOptions) => Promise<GitHubStandIn> {
  let current: GitHubStandIn | undefined;
  afterEach(async () => {
    const standIn = current;
    current = undefined;
    if (!standIn) return;
    expect(standIn.violations).toEqual([]);
    await standIn.close();
  });
  return async (options) => {
    current = await startGitHubStandIn(options);
    return current;
  };
}

/** A Logger that keeps each line as `level: message`. */
export function lineLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}
