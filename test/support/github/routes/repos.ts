/** Repository, rate limit and collaborator permission (who may press "Roll back"). */
import { notFound, repoOf, type RouteTable } from './context.ts';

function rateLimit(limit: number, used: number, resetAt: number | undefined) {
  const reset = resetAt ?? Math.floor(Date.now() / 1000) + 3600;
  return { limit, remaining: Math.max(limit - used, 0), reset, used, resource: 'core' };
}

export const repoRoutes: RouteTable = {
  'repos/get': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return { status: 200, body: ctx.shapes.fullRepository(repo) };
  },

  'rate-limit/get': (ctx) => {
    const { limit, used, resetAt } = ctx.state.rateLimit;
    const core = rateLimit(limit, used, resetAt);
    const search = { ...rateLimit(30, 0, resetAt), resource: 'search' };
    return { status: 200, body: { resources: { core, search }, rate: core } };
  },

  'repos/get-collaborator-permission-level': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const login = ctx.params['username'] ?? '';
    const granted = repo.permissions.get(login) ?? { permission: 'none', role_name: 'none' };
    return {
      status: 200,
      body: {
        permission: granted.permission,
        role_name: granted.role_name,
        user: { ...ctx.shapes.user(login), role_name: granted.role_name },
      },
    };
  },
};
