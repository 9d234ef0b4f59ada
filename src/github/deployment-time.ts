/**
 * The creation time of a deployment, for baseline triggers ("completion rate drops more than
 * 20% against the hour before the deploy") when the workflow names the deployment by id.
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { createGitHubClient } from './client.ts';
import { requestStatus } from './repo-ref.ts';

export interface DeploymentTimeOptions {
  deploymentId: string;
  token: string;
  repository: string | undefined;
  apiUrl: string | undefined;
  logger: Logger;
}

export async function deploymentCreatedAt(opts: DeploymentTimeOptions): Promise<number> {
  const id = Number(opts.deploymentId);
  if (!Number.isInteger(id) || id <= 0) {
    throw new ConfigurationError(
      `input baseline-deployment: "${opts.deploymentId}" is not a deployment id; pass a number such as \${{ github.event.deployment.id }}`,
    );
  }
  const [owner, repo] = (opts.repository ?? '').split('/');
  if (!owner || !repo) {
    throw new ConfigurationError(
      'GITHUB_REPOSITORY is not set; baseline-deployment can only be read inside a workflow run',
    );
  }
  if (!opts.token) {
    throw new ConfigurationError(
      'input token is empty; baseline-deployment needs a token with deployments: read',
    );
  }
  const { octokit } = createGitHubClient({
    token: opts.token,
    baseUrl: opts.apiUrl,
    logger: opts.logger,
  });
  try {
    const { data } = await octokit.rest.repos.getDeployment({ owner, repo, deployment_id: id });
    return Date.parse(data.created_at);
  } catch (thrown) {
    const status = requestStatus(thrown);
    if (status === 404) {
      throw new ConfigurationError(
        `deployment ${id} not found in ${owner}/${repo}; check input baseline-deployment`,
      );
    }
    if (status === 401 || status === 403) {
      throw new ConfigurationError(
        `reading deployment ${id} was refused (HTTP ${String(status)}); give the job \`permissions: deployments: read\``,
      );
    }
    throw thrown;
  }
}

export interface CurrentDeploymentOptions {
  environment: string;
  token: string;
  repository: string | undefined;
  apiUrl: string | undefined;
  logger: Logger;
}

/**
 * The environment's newest deployment and its creation time, for a post-deploy workflow that
 * names no deployment: GitHub never sets a DEPLOYMENT_ID variable, and a job with
 * `environment: production` creates its deployment without telling the next job its id. One
 * call (`GET /deployments?environment=...&per_page=1`, newest first). Null when there is none.
 */
export async function currentDeployment(
  opts: CurrentDeploymentOptions,
): Promise<{ id: number; ref: string; createdAt: number } | null> {
  const [owner, repo] = (opts.repository ?? '').split('/');
  if (!owner || !repo || !opts.token) return null;
  const { octokit } = createGitHubClient({
    token: opts.token,
    baseUrl: opts.apiUrl,
    logger: opts.logger,
  });
  try {
    const { data } = await octokit.rest.repos.listDeployments({
      owner,
      repo,
      environment: opts.environment,
      per_page: 1,
    });
    const newest = data[0];
    return newest
      ? { id: newest.id, ref: newest.ref, createdAt: Date.parse(newest.created_at) }
      : null;
  } catch (thrown) {
    const status = requestStatus(thrown);
    if (status === 401 || status === 403) {
      throw new ConfigurationError(
        `reading the deployments of ${opts.environment} was refused (HTTP ${String(status)}); give the job \`permissions: deployments: read\`, or pass input baseline`,
      );
    }
    throw thrown;
  }
}
