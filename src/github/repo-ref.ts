/**
 * The repository a GitHub adapter works on, and the few facts it needs from a failed Octokit
 * request. Octokit's RequestError is not a direct dependency, so errors are read by shape.
 */

export interface RepoRef {
  owner: string;
  repo: string;
}

export function repoName(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
}

/** HTTP status of a failed Octokit request, or undefined for anything else (network, bugs). */
export function requestStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('status' in err)) return undefined;
  return typeof err.status === 'number' ? err.status : undefined;
}

/** GitHub's own error text (`Reference already exists`), falling back to Octokit's message. */
export function requestMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'response' in err) {
    const response = err.response;
    if (typeof response === 'object' && response !== null && 'data' in response) {
      const data = response.data;
      if (typeof data === 'object' && data !== null && 'message' in data) {
        if (typeof data.message === 'string') return data.message;
      }
    }
  }
  return err instanceof Error ? err.message : String(err);
}
