/**
 * What status, unlock and plan share to reach GitHub: the repository and token (flags first,
 * then GITHUB_REPOSITORY / GITHUB_TOKEN, as `validate --github` reads them), the client, and
 * the identity Ripcord writes as, so look-alike issues and leases are told apart.
 */
import type { Logger } from '../shared/logger.ts';
import type { CliIO } from './io.ts';
import { githubTarget } from './io.ts';
import { createGitHubClient, type GitHubClient } from '../github/client.ts';
import { ripcordIdentity, type RipcordIdentity } from '../github/identity.ts';

export interface GitHubAccess {
  octokit: GitHubClient;
  repo: { owner: string; repo: string };
  identity: RipcordIdentity;
}

export function githubAccess(
  values: { repo?: string | undefined; token?: string | undefined },
  io: CliIO,
  logger: Logger,
  purpose: string,
): GitHubAccess {
  const { owner, repo, token } = githubTarget(values, io, purpose);
  // No retries from a terminal: a person waiting at 3 am wants the failure now, not in a minute.
  const { octokit } = createGitHubClient({
    token,
    baseUrl: io.env.GITHUB_API_URL,
    logger,
    retryAfterBaseValue: 1,
    rateLimitRetries: 0,
  });
  return { octokit, repo: { owner, repo }, identity: ripcordIdentity(io.env.RIPCORD_BOT_LOGIN) };
}
