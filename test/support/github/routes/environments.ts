/**
 * GitHub Environments (GET /repos/{owner}/{repo}/environments/{name}), for `ripcord validate
 * --github`: whether the environments the workflows name exist and have required reviewers.
 * An environment that was never created answers 404; on github.com a job that names it would
 * create it with no protection rules, which is what the check warns about.
 */
import { nodeId } from '../shapes.ts';
import { notFound, repoOf, type RouteTable } from './context.ts';

export const environmentRoutes: RouteTable = {
  'repos/get-environment': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const name = ctx.params['environment_name'] ?? '';
    // Environment names are case-insensitive on GitHub, like labels.
    const env = repo.environments.get(name.toLowerCase());
    if (!env) return notFound();
    const rules: unknown[] = [];
    if (env.reviewers.length > 0) {
      rules.push({
        id: env.id + 1,
        node_id: nodeId('GA', env.id + 1),
        prevent_self_review: false,
        type: 'required_reviewers',
        reviewers: env.reviewers.map((login) => ({
          type: 'User',
          reviewer: ctx.shapes.user(login),
        })),
      });
    }
    if (env.waitTimer > 0)
      rules.push({
        id: env.id + 2,
        node_id: nodeId('GA', env.id + 2),
        type: 'wait_timer',
        wait_timer: env.waitTimer,
      });
    return {
      status: 200,
      body: {
        id: env.id,
        node_id: nodeId('EN', env.id),
        name: env.name,
        url: `${ctx.shapes.api}/repos/${repo.fullName}/environments/${encodeURIComponent(env.name)}`,
        html_url: ctx.shapes.html(
          `${repo.fullName}/deployments/activity_log?environments_filter=${encodeURIComponent(env.name)}`,
        ),
        created_at: env.created_at,
        updated_at: env.created_at,
        protection_rules: rules,
        deployment_branch_policy: null,
      },
    };
  },
};
