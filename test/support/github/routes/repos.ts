/** Repository, rate limit and collaborator permission (who may press "Roll back"). */
import { notFound, repoOf, type RouteTable } from './context.ts';

function rateLimit(used: number) {
  const reset = Math.floor(Date.now() / 1000) + 3600;
  return { limit: 5000, remaining: 5000 - used, reset, used, resource: 'core' };
}

export const repoRoutes: RouteTable = {
  'repos/get': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return { status: 200, body: ctx.shapes.fullRepository(repo) };
  },

  'rate-limit/get': () => {
    const core = rateLimit(0);
    const search = { ...rateLimit(0), limit: 30, remaining: 30, resource: 'search' };
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
