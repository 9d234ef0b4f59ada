/**
 * Which of the policy's organisation teams (rollback.authority.teams) an actor belongs to, so a
 * team member may pull the cord without the repository permission. Asks one team at a time and
 * stops at the first where the actor is an active member: authority needs only one.
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { GitHubClient } from './client.ts';
import { requestStatus } from './repo-ref.ts';

function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * The slugs (of `slugs`, as written there) of the teams of `org` that `username` is an active
 * member of: at most one, the first that matches. A pending invitation is not membership.
 *
 * A 404 means "not a member", "no such team", or, for a token without `read:org` (the
 * default GITHUB_TOKEN has none), "you may not look": GitHub answers 404, not 403, to hide
 * what exists (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource,
 * https://github.com/srvaroa/labeler/pull/188). So before answering "no team", the first
 * team is probed (GET /orgs/{org}/teams/{slug}); when it is invisible too, the token cannot
 * see the teams and that is a ConfigurationError naming read:org, never a silent refusal.
 * A 403 is the same ConfigurationError.
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
  const [probe] = slugs;
  if (probe !== undefined) {
    try {
      await octokit.rest.teams.getByName({ org, team_slug: probe });
    } catch (thrown) {
      const status = requestStatus(thrown);
      if (status === 404 || status === 403) {
        throw new ConfigurationError(
          `cannot check whether ${username} is a member of team @${org}/${probe}: GitHub answers ${status} for the team itself, so either it does not exist or ` +
            'the token cannot read organisation teams (it needs `read:org`; the default GITHUB_TOKEN has no such permission, and GitHub answers 404 rather than 403 to it). ' +
            'Pass a GitHub App token or a personal access token with read:org as the `token` input, fix the team slug under rollback.authority.teams, ' +
            'or list people under rollback.authority.users instead',
        );
      }
      throw thrown;
    }
  }
  return [];
}
