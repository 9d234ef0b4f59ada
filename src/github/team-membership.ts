/**
 * Which of the policy's organisation teams (rollback.authority.teams) an actor belongs to, so a
 * team member may pull the cord without the repository permission. Asks one team at a time and
 * stops at the first where the actor is an active member: authority needs only one.
 */
import { ConfigurationError } from '../core/errors.ts';
import type { GitHubClient } from './client.ts';
import { requestStatus } from './repo-ref.ts';

function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * The slugs (of `slugs`, as written there) of the teams of `org` that `username` is an active
 * member of: at most one, the first that matches. A pending invitation is not membership;
 * 404 (no such team, or not a member) is not membership. A 403 means the token cannot read the
 * organisation's teams (the default GITHUB_TOKEN cannot) and is a ConfigurationError.
 */
export async function teamsOf(
  octokit: GitHubClient,
  org: string,
  username: string,
  slugs: readonly string[],
): Promise<string[]> {
  for (const slug of slugs) {
    try {
      const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: slug,
        username,
      });
      if (data.state === 'active') return [slug];
    } catch (thrown) {
      const status = requestStatus(thrown);
      if (status === 404) continue;
      if (status === 403 && !/rate limit/i.test(messageOf(thrown))) {
        throw new ConfigurationError(
          `cannot check whether ${username} is a member of team @${org}/${slug} (HTTP 403): ` +
            'the token needs `read:org` to check team membership (the default GITHUB_TOKEN cannot read organisation teams). ' +
            'Pass a GitHub App token or a personal access token with read:org as the `token` input, ' +
            'or list people under rollback.authority.users instead of rollback.authority.teams',
        );
      }
      throw thrown;
    }
  }
  return [];
}
