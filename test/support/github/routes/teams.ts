/** Organisation teams and team membership (who may pull the cord as a member of an allowed team). */
import { notFound, type RouteContext, type RouteTable } from './context.ts';

/**
 * A token without `read:org` (the GITHUB_TOKEN of a workflow has no organisation permission)
 * sees no team at all, and GitHub answers it 404, not 403: for the membership as for the team
 * itself. GitHub hides what exists from a caller that may not see it
 * (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource;
 * reported for GetTeamMembershipBySlug with a GITHUB_TOKEN in https://github.com/srvaroa/labeler/pull/188).
 */
function cannotReadOrg(ctx: RouteContext): boolean {
  return ctx.state.tokensWithoutReadOrg.has(ctx.token);
}

export const teamRoutes: RouteTable = {
  'teams/get-membership-for-user-in-org': (ctx) => {
    const org = ctx.params['org'] ?? '';
    const slug = ctx.params['team_slug'] ?? '';
    const username = ctx.params['username'] ?? '';
    if (cannotReadOrg(ctx)) return notFound();
    const membership = ctx.state.findTeamMembership(org, slug, username);
    // GitHub answers 404 both for "no such team" and "not a member".
    if (!membership) return notFound();
    return {
      status: 200,
      body: {
        url: `${ctx.shapes.api}/organizations/${encodeURIComponent(org)}/team/${encodeURIComponent(slug)}/memberships/${encodeURIComponent(username)}`,
        role: membership.role,
        state: membership.state,
      },
    };
  },

  'teams/get-by-name': (ctx) => {
    const org = ctx.params['org'] ?? '';
    const slug = ctx.params['team_slug'] ?? '';
    if (cannotReadOrg(ctx) || !ctx.state.teamMembers.has(`${org}/${slug}`.toLowerCase())) {
      return notFound();
    }
    return { status: 200, body: ctx.shapes.team(org, slug) };
  },
};
