/** Deployments and deployment statuses, including `auto_inactive`. */
import type { DeploymentState } from '../state.ts';
import {
  bodyObject,
  listReply,
  newestFirst,
  notFound,
  repoOf,
  str,
  validationFailed,
  type RouteTable,
} from './context.ts';

const STATES = new Set([
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
]);

function isDeploymentState(value: unknown): value is DeploymentState {
  return typeof value === 'string' && STATES.has(value);
}

/** A JSON string payload comes back parsed, as on github.com. */
function normalisePayload(payload: unknown): Record<string, unknown> | string {
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    return payload as Record<string, unknown>;
  }
  if (typeof payload !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(payload);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : payload;
  } catch {
    return payload;
  }
}

export const deploymentRoutes: RouteTable = {
  'repos/create-deployment': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const ref = str(body['ref']) ?? '';
    const sha = repo.resolveRef(ref);
    if (sha === undefined) {
      return validationFailed([], `No ref found for: ${ref}`);
    }
    const environment = str(body['environment']) ?? 'production';
    // auto_merge (default true) merges the default branch into a branch that is behind it and
    // answers 202 with a message instead of a deployment; a conflict is 409
    // (https://docs.github.com/en/rest/deployments/deployments#create-a-deployment, "Merged
    // branch response" and "Merge conflict response"). The merge itself is not modelled.
    const branchHead = repo.refs.get(`refs/heads/${ref}`);
    const defaultHead = repo.refs.get(`refs/heads/${repo.defaultBranch}`);
    if (
      body['auto_merge'] !== false &&
      branchHead !== undefined &&
      defaultHead !== undefined &&
      ref !== repo.defaultBranch &&
      !repo.isAncestor(defaultHead, branchHead)
    ) {
      return {
        status: 202,
        body: { message: `Auto-merged ${repo.defaultBranch} into ${ref} on deployment.` },
      };
    }
    const deployment = repo.addDeployment({
      ref,
      sha,
      environment,
      task: str(body['task']) ?? 'deploy',
      payload: normalisePayload(body['payload']),
      description: str(body['description']) ?? null,
      transient_environment: body['transient_environment'] === true,
      production_environment:
        typeof body['production_environment'] === 'boolean'
          ? body['production_environment']
          : environment === 'production',
    });
    deployment.auto_merge = body['auto_merge'] !== false;
    const contexts = body['required_contexts'];
    deployment.required_contexts = Array.isArray(contexts)
      ? contexts.filter((c): c is string => typeof c === 'string')
      : undefined;
    return {
      status: 201,
      body: ctx.shapes.deployment(repo, deployment),
      headers: { location: `${ctx.shapes.repoUrl(repo)}/deployments/${deployment.id}` },
    };
  },

  'repos/list-deployments': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const q = ctx.query;
    const filters: Array<
      [string, (d: { sha: string; ref: string; task: string; environment: string }) => string]
    > = [
      ['sha', (d) => d.sha],
      ['ref', (d) => d.ref],
      ['task', (d) => d.task],
      ['environment', (d) => d.environment],
    ];
    const matching = repo.deployments.filter((d) =>
      filters.every(([name, get]) => {
        const wanted = q.get(name);
        // `none` is the documented default, meaning "no filter".
        return wanted === null || wanted === 'none' || get(d) === wanted;
      }),
    );
    return listReply(ctx, newestFirst(matching), (d) => ctx.shapes.deployment(repo, d));
  },

  'repos/get-deployment': (ctx) => {
    const repo = repoOf(ctx);
    const deployment = repo?.findDeployment(Number(ctx.params['deployment_id']));
    if (!repo || !deployment) return notFound();
    return { status: 200, body: ctx.shapes.deployment(repo, deployment) };
  },

  'repos/create-deployment-status': (ctx) => {
    const repo = repoOf(ctx);
    const deployment = repo?.findDeployment(Number(ctx.params['deployment_id']));
    if (!repo || !deployment) return notFound();
    const body = bodyObject(ctx);
    const state = body['state'];
    if (!isDeploymentState(state)) {
      return validationFailed([{ resource: 'DeploymentStatus', field: 'state', code: 'invalid' }]);
    }
    const logUrl = str(body['log_url']) ?? str(body['target_url']);
    const status = repo.addDeploymentStatus(deployment, {
      state,
      description: str(body['description']) ?? '',
      ...(str(body['environment']) !== undefined ? { environment: str(body['environment']) } : {}),
      ...(str(body['environment_url']) !== undefined
        ? { environment_url: str(body['environment_url']) }
        : {}),
      ...(logUrl !== undefined ? { log_url: logUrl } : {}),
    });
    // auto_inactive (default true) "adds a new inactive status to all prior non-transient,
    // non-production environment deployments with the same repository and environment name"
    // (https://docs.github.com/en/rest/deployments/statuses#create-a-deployment-status): in a
    // production (or transient) environment older deployments keep their `success`.
    if (state === 'success' && body['auto_inactive'] !== false) {
      for (const other of repo.deployments) {
        if (other === deployment || other.environment !== deployment.environment) continue;
        if (other.production_environment || other.transient_environment) continue;
        const latest = other.statuses[other.statuses.length - 1];
        if (latest?.state === 'success') {
          repo.addDeploymentStatus(other, {
            state: 'inactive',
            description: latest.description,
            environment_url: latest.environment_url,
            log_url: latest.log_url,
          });
        }
      }
    }
    return {
      status: 201,
      body: ctx.shapes.deploymentStatus(repo, deployment, status),
      headers: {
        location: `${ctx.shapes.repoUrl(repo)}/deployments/${deployment.id}/statuses/${status.id}`,
      },
    };
  },

  'repos/list-deployment-statuses': (ctx) => {
    const repo = repoOf(ctx);
    const deployment = repo?.findDeployment(Number(ctx.params['deployment_id']));
    if (!repo || !deployment) return notFound();
    return listReply(ctx, newestFirst(deployment.statuses), (s) =>
      ctx.shapes.deploymentStatus(repo, deployment, s),
    );
  },

  'repos/get-deployment-status': (ctx) => {
    const repo = repoOf(ctx);
    const deployment = repo?.findDeployment(Number(ctx.params['deployment_id']));
    const status = deployment?.statuses.find((s) => s.id === Number(ctx.params['status_id']));
    if (!repo || !deployment || !status) return notFound();
    return { status: 200, body: ctx.shapes.deploymentStatus(repo, deployment, status) };
  },
};
