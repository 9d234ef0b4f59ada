/** Organisation team membership (who may pull the cord as a member of an allowed team). */
import { notFound, type RouteTable } from './context.ts';

export const teamRoutes: RouteTable = {
  'teams/get-membership-for-user-in-org': (ctx) => {
    const org = ctx.params['org'] ?? '';
    const slug = ctx.params['team_slug'] ?? '';
    const username = ctx.params['username'] ?? '';
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
};
