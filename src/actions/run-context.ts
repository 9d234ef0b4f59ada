/**
 * What every GitHub-writing action reads from the runner before it starts: the token (masked at
 * once), the repository, and the run it belongs to.
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { ActionIO } from './action-io.ts';

export interface RunContext {
  token: string;
  repository: string;
  owner: string;
  repo: string;
  /** GITHUB_RUN_ID, or a local id when run outside Actions. */
  runId: string;
  attempt: number;
  serverUrl: string;
  /** Link to the run, when there is one. */
  runUrl: string | null;
  /** The login(s) Ripcord writes as: only what they wrote is trusted when read back. */
}

/**
 * @param action names the action in the "runs inside a workflow" message.
 * @param tokenNeeds what the token must be allowed to do, for the "input token is empty" message.
 */
export function runContext(
  io: ActionIO,
  env: Record<string, string | undefined>,
  now: () => number,
  action: string,
  tokenNeeds: string,
): RunContext {
  const token = io.getInput('token');
  if (!token) {
    throw new ConfigurationError(
      `input token is empty; pass \${{ github.token }} or a token with ${tokenNeeds}`,
    );
  }
  io.setSecret(token);
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) {
    throw new ConfigurationError(
      `GITHUB_REPOSITORY is not set; the ${action} action runs inside a workflow`,
    );
  }
  const runId = env.GITHUB_RUN_ID ?? `local-${now()}`;
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    token,
    repository,
    owner,
    repo,
    runId,
    attempt: Number(env.GITHUB_RUN_ATTEMPT ?? '1') || 1,
    serverUrl,
    runUrl: env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${runId}` : null,
  };
}
