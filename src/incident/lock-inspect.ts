/**
 * The environment lock seen from outside a run: who holds it and until when (`ripcord
 * status`), and its removal by a person (`ripcord unlock`). Acquiring and renewing stay in
 * lock.ts; this file never takes the lock.
 *
 * Removal re-reads the ref right before deleting it and refuses when it moved since the caller
 * looked: a holder that renewed in between is alive. GitHub has no compare-and-delete for refs,
 * so a renewal in the few milliseconds between that read and the DELETE can still be lost; the
 * holder then finds its lock gone at its next renewal and fails loudly (lock.ts).
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { GitHubClient } from '../github/client.ts';
import type { RipcordIdentity } from '../github/identity.ts';
import { lockRefName, parseLease, type Lease } from './lock.ts';
import { repoName, requestMessage, requestStatus, type RepoRef } from '../github/repo-ref.ts';

export interface LockView {
  ref: string;
  sha: string;
  /** null: the commit carries no readable lease (treated as expired by every run). */
  lease: Lease | null;
  /** The lease's expiry has passed (or it is unreadable): the next run takes the lock over. */
  expired: boolean;
  /** Who made the lock commit, and whether that is the identity Ripcord runs as. */
  author: string;
  byRipcord: boolean;
}

export async function readLock(
  octokit: GitHubClient,
  repo: RepoRef,
  environment: string,
  now: number,
  identity: RipcordIdentity,
): Promise<LockView | null> {
  const ref = lockRefName(environment);
  let sha: string;
  try {
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: ref.slice('refs/'.length) });
    sha = data.object.sha;
  } catch (err) {
    if (requestStatus(err) === 404) return null;
    throw err;
  }
  const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
  const lease = parseLease(data.message);
  const author = data.author.name;
  return {
    ref,
    sha,
    lease,
    expired: lease === null || Date.parse(lease.expiresAt) <= now,
    author,
    byRipcord: identity.is(author) || identity.is(data.committer.name),
  };
}

/** Deletes the lock ref if it still points at `sha`; false when it moved or is gone already. */
export async function removeLock(
  octokit: GitHubClient,
  repo: RepoRef,
  view: LockView,
): Promise<'removed' | 'moved' | 'gone'> {
  const short = view.ref.slice('refs/'.length);
  try {
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: short });
    if (data.object.sha !== view.sha) return 'moved';
    await octokit.rest.git.deleteRef({ ...repo, ref: short });
    return 'removed';
  } catch (err) {
    const status = requestStatus(err);
    // 422 "Reference does not exist" on DELETE: another unlock (or the holder's release) won.
    if (status === 404 || (status === 422 && /does not exist/i.test(requestMessage(err))))
      return 'gone';
    if (status === 403) {
      throw new ConfigurationError(
        `cannot remove ${view.ref} in ${repoName(repo)} (GitHub said 403: ${requestMessage(err)}); the token needs contents: write`,
      );
    }
    throw err;
  }
}
