/**
 * One file on one branch, proposed as one pull request, the way peter-evans/create-pull-request
 * does it: look before creating, update instead of duplicating, and say which happened
 * (`created`, `updated`, `unchanged`). A re-run that would write the same file makes no commit
 * and leaves the pull request alone.
 *
 * Writes go through the contents API (one commit per change, no local clone): the branch is
 * created from the base branch's head when missing and only ever moves forward.
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { ripcordIdentity, type RipcordIdentity } from '../github/identity.ts';
import type { GitHubClient } from '../github/client.ts';
import { repoName, requestMessage, requestStatus, type RepoRef } from '../github/repo-ref.ts';

export type PublishResult = 'created' | 'updated' | 'unchanged';

export interface PullRequestRef {
  number: number;
  url: string;
}

export interface PublishFileInput {
  octokit: GitHubClient;
  repo: RepoRef;
  branch: string;
  /** Default: the repository's default branch (one GET /repos). */
  baseBranch?: string | undefined;
  path: string;
  /** The file, or a function of the file on the branch now (to keep what people wrote there). */
  content: string | ((existing: string | null) => string);
  commitMessage: string;
  title: string;
  body: string;
  /** Same-content test; default exact equality. */
  sameContent?: (existing: string, next: string) => boolean;
  logger: Logger;
  /**
   * The login Ripcord writes as (default github-actions[bot]). An existing branch is reused only
   * when it is Ripcord's: an open pull request from it by this login (people's edits there are
   * reviewed in Ripcord's own pull request), or nothing on it beyond the base. Anyone with push
   * access can create `ripcord/incident-N` first; a pull request Ripcord opened from it would
   * present their commits under Ripcord's name.
   */
  identity?: RipcordIdentity;
}

export interface PublishFileOutcome {
  result: PublishResult;
  branch: string;
  baseBranch: string;
  path: string;
  /** The commit this run made, or null when the file was already as wanted. */
  commitSha: string | null;
  /** Null only when the base branch already has this file as wanted and no pull request is open. */
  pullRequest: PullRequestRef | null;
}

/** Where publishing stopped: tells the reader which permission or setting is missing. */
export type PublishStage = 'read' | 'branch' | 'contents' | 'pull-request';

export const ACTIONS_PR_SETTING =
  'Settings -> Actions -> General -> Workflow permissions -> "Allow GitHub Actions to create and approve pull requests"';

/**
 * A report that could not be proposed because of the repository's configuration (a missing
 * permission, branch protection, the Actions pull-request setting). The fix is in the message.
 */
export class ReportPublishError extends ConfigurationError {
  override name = 'ReportPublishError';
  readonly stage: PublishStage;
  readonly status: number | undefined;

  constructor(stage: PublishStage, status: number | undefined, message: string, fixes: string[]) {
    super(message, fixes);
    this.stage = stage;
    this.status = status;
  }
}

const NOT_ACCESSIBLE = /resource not accessible by integration/i;
const ACTIONS_MAY_NOT_CREATE_PRS = /not permitted to create or approve pull requests/i;
/** GitHub's words for a branch protection rule or ruleset refusing a write. */
const PROTECTED = /protected branch|rule violation|ruleset|restricted|protection/i;

/**
 * Maps a failed write to what the person must change, or returns the error as it was (a 5xx
 * that outlived the retries, a network failure: not the repository's configuration).
 */
function explain(
  err: unknown,
  stage: PublishStage,
  what: string,
  repo: RepoRef,
  branch: string,
): unknown {
  const status = requestStatus(err);
  const message = requestMessage(err);
  const full = repoName(repo);
  const said = `GitHub answered ${status ?? '?'} "${message}"`;
  if (status === 403 && ACTIONS_MAY_NOT_CREATE_PRS.test(message)) {
    return new ReportPublishError(
      stage,
      status,
      `Cannot open the incident report pull request in ${full}: this repository does not allow GitHub Actions to create pull requests (${said}).`,
      [
        `Turn on ${ACTIONS_PR_SETTING} (an organization can lock it: then in the organization's Settings -> Actions -> General),`,
        'or pass a token that is not GITHUB_TOKEN (a GitHub App installation token with pull_requests: write).',
      ],
    );
  }
  if (status === 403 && NOT_ACCESSIBLE.test(message)) {
    const permission =
      stage === 'pull-request'
        ? 'pull-requests: write'
        : stage === 'read'
          ? 'contents: read'
          : 'contents: write';
    return new ReportPublishError(
      stage,
      status,
      `Cannot ${what} in ${full}: the token lacks the "${permission}" permission (${said}).`,
      [
        `Add "${permission}" under "permissions:" in the workflow job that writes the incident report (with "contents: write" and "pull-requests: write" both needed).`,
      ],
    );
  }
  if (
    (status === 403 || status === 422 || status === 409) &&
    stage !== 'pull-request' &&
    PROTECTED.test(message)
  ) {
    return new ReportPublishError(
      stage,
      status,
      `Cannot ${what} in ${full}: a branch protection rule or ruleset refuses writes to "${branch}" (${said}).`,
      [
        `Exempt branches named "ripcord/incident-*" from the rule (Settings -> Rules -> Rulesets, or Settings -> Branches), or let the workflow's token bypass it.`,
      ],
    );
  }
  if (status === 403 && stage !== 'pull-request') {
    // A 403 on a branch write that is neither of the above is still the repository's say-so.
    return new ReportPublishError(stage, status, `Cannot ${what} in ${full} (${said}).`, [
      `Check that the token has "contents: write" and that no branch protection rule or ruleset covers "${branch}".`,
    ]);
  }
  return err;
}

function decodeBase64(content: string): string {
  return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
}

export async function publishFileAsPullRequest(
  input: PublishFileInput,
): Promise<PublishFileOutcome> {
  const { octokit, repo, path, logger } = input;
  const identity = input.identity ?? ripcordIdentity();
  const author = identity.describe;
  let branch = input.branch;
  const same = input.sameContent ?? ((a: string, b: string) => a === b);
  const guard = async <T>(
    stage: PublishStage,
    what: string,
    call: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw explain(err, stage, what, repo, branch);
    }
  };

  const baseBranch =
    input.baseBranch ??
    (await guard('read', 'read the repository', () => octokit.rest.repos.get({ ...repo }))).data
      .default_branch;

  const headOf = async (name: string): Promise<string | null> => {
    try {
      return (await octokit.rest.repos.getBranch({ ...repo, branch: name })).data.commit.sha;
    } catch (err) {
      if (requestStatus(err) !== 404)
        throw explain(err, 'read', `read branch "${name}"`, repo, name);
      return null;
    }
  };
  let baseHead: string | null = null;
  const baseHeadSha = async (): Promise<string> => {
    baseHead ??= (
      await guard('read', `read base branch "${baseBranch}"`, () =>
        octokit.rest.repos.getBranch({ ...repo, branch: baseBranch }),
      )
    ).data.commit.sha;
    return baseHead;
  };

  /**
   * A branch without Ripcord's pull request (a run that committed, then was refused the pull
   * request) is still Ripcord's when everything on it is: only the report file changes, in
   * commits by Ripcord's login. The file rule is the one that matters (a commit's author is
   * only an email away from being anyone's): nothing else can ride along under Ripcord's name.
   */
  const onlyOurs = async (name: string): Promise<boolean> => {
    const { data } = await guard('read', `compare "${name}" with "${baseBranch}"`, () =>
      octokit.rest.repos.compareCommitsWithBasehead({
        ...repo,
        basehead: `${baseBranch}...${name}`,
        per_page: 100,
      }),
    );
    const files = data.files ?? [];
    return (
      data.commits.length <= 100 &&
      files.every((f) => f.filename === path && f.status !== 'renamed') &&
      data.commits.every((c) => identity.is(c.author?.login))
    );
  };

  // The branch: reuse it only when it is Ripcord's (a re-run, or people's edits on Ripcord's
  // pull request), else take the alternative name; create it from the base when missing.
  const candidates = [input.branch, `${input.branch}-by-ripcord`];
  let branchExists = false;
  let chosen = false;
  for (const name of candidates) {
    const head = await headOf(name);
    if (head === null) {
      branch = name;
      branchExists = false;
      chosen = true;
      break;
    }
    const { data: prs } = await guard('read', 'list pull requests', () =>
      octokit.rest.pulls.list({
        ...repo,
        head: `${repo.owner}:${name}`,
        state: 'open',
        per_page: 10,
      }),
    );
    const ours = prs.some((p) => identity.is(p.user?.login));
    if (ours || head === (await baseHeadSha()) || (await onlyOurs(name))) {
      branch = name;
      branchExists = true;
      chosen = true;
      break;
    }
    logger.warning(
      `branch ${name} in ${repoName(repo)} already exists with commits Ripcord did not write (no open pull request by ${author} from it); not reusing it for the incident report`,
    );
  }
  if (!chosen) {
    throw new ReportPublishError(
      'branch',
      undefined,
      `Cannot propose the incident report in ${repoName(repo)}: branches ${candidates.join(' and ')} exist with commits Ripcord did not write.`,
      [
        `Look at what is on them (someone may have planted changes to pass off as Ripcord's), then delete them and re-run the workflow.`,
      ],
    );
  }
  if (!branchExists) {
    const sha = await baseHeadSha();
    try {
      await octokit.rest.git.createRef({
        ...repo,
        ref: `refs/heads/${branch}`,
        sha,
      });
      logger.info(`Created branch ${branch} from ${baseBranch} in ${repoName(repo)}`);
    } catch (err) {
      // Another run created it a moment ago: the same branch is what both want.
      if (!(requestStatus(err) === 422 && /already exists/i.test(requestMessage(err)))) {
        throw explain(err, 'branch', `create branch "${branch}"`, repo, branch);
      }
    }
  }

  // The file: write it only when its content differs (a person's edit to the RCA sections is
  // the content too: only Ripcord's part is compared, by `sameContent`).
  const readExisting = async (): Promise<{ sha: string; text: string } | null> => {
    try {
      const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref: branch });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
        throw new ConfigurationError(
          `${path} on branch ${branch} of ${repoName(repo)} is not a file.`,
          [`Move it away, then re-run the workflow.`],
        );
      }
      return { sha: data.sha, text: decodeBase64(data.content) };
    } catch (err) {
      if (requestStatus(err) === 404) return null;
      throw explain(err, 'read', `read ${path} on "${branch}"`, repo, branch);
    }
  };

  let commitSha: string | null = null;
  for (let attempt = 1; ; attempt++) {
    const existing = await readExisting();
    const content =
      typeof input.content === 'string' ? input.content : input.content(existing?.text ?? null);
    if (existing && same(existing.text, content)) break;
    try {
      const { data } = await octokit.rest.repos.createOrUpdateFileContents({
        ...repo,
        path,
        branch,
        message: input.commitMessage,
        content: Buffer.from(content, 'utf8').toString('base64'),
        ...(existing ? { sha: existing.sha } : {}),
      });
      commitSha = data.commit.sha ?? null;
      logger.info(
        `Committed ${path} to ${branch}${commitSha ? ` (${commitSha.slice(0, 12)})` : ''}`,
      );
      break;
    } catch (err) {
      // 409: the file changed between read and write (a concurrent run): read it again, once.
      if (requestStatus(err) === 409 && attempt < 2 && !PROTECTED.test(requestMessage(err)))
        continue;
      throw explain(err, 'contents', `commit ${path} to branch "${branch}"`, repo, branch);
    }
  }

  // The pull request: at most one open for this branch.
  const head = `${repo.owner}:${branch}`;
  const findOpen = async (): Promise<PullRequestRef | null> => {
    const { data } = await guard('read', 'list pull requests', () =>
      octokit.rest.pulls.list({ ...repo, head, state: 'open', per_page: 10 }),
    );
    const [first] = data;
    return first ? { number: first.number, url: first.html_url } : null;
  };

  const open = await findOpen();
  if (open) {
    if (commitSha === null)
      return { result: 'unchanged', branch, baseBranch, path, commitSha, pullRequest: open };
    await guard('pull-request', `update pull request #${open.number}`, () =>
      octokit.rest.pulls.update({
        ...repo,
        pull_number: open.number,
        title: input.title,
        body: input.body,
      }),
    );
    logger.info(`Updated pull request ${open.url}`);
    return { result: 'updated', branch, baseBranch, path, commitSha, pullRequest: open };
  }

  try {
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      head: branch,
      base: baseBranch,
      title: input.title,
      body: input.body,
      maintainer_can_modify: true,
    });
    logger.info(`Opened pull request ${data.html_url}`);
    return {
      result: 'created',
      branch,
      baseBranch,
      path,
      commitSha,
      pullRequest: { number: data.number, url: data.html_url },
    };
  } catch (err) {
    // Another run opened it between our look and our create: use theirs.
    if (
      requestStatus(err) === 422 &&
      /already exists/i.test(requestMessage(err) + JSON.stringify(errorsOf(err)))
    ) {
      const raced = await findOpen();
      if (raced)
        return { result: 'unchanged', branch, baseBranch, path, commitSha, pullRequest: raced };
    }
    // The report is already on the base branch (an earlier pull request was merged): nothing to propose.
    if (requestStatus(err) === 422 && /no commits between/i.test(JSON.stringify(errorsOf(err)))) {
      const { data } = await guard('read', 'list pull requests', () =>
        octokit.rest.pulls.list({ ...repo, head, state: 'closed', per_page: 1 }),
      );
      const [last] = data;
      logger.info(`${path} is already on ${baseBranch} as wanted; no pull request needed`);
      return {
        result: 'unchanged',
        branch,
        baseBranch,
        path,
        commitSha,
        pullRequest: last ? { number: last.number, url: last.html_url } : null,
      };
    }
    throw explain(
      err,
      'pull-request',
      `open a pull request from "${branch}" to "${baseBranch}"`,
      repo,
      branch,
    );
  }
}

function errorsOf(err: unknown): unknown {
  if (typeof err !== 'object' || err === null || !('response' in err)) return undefined;
  const response = err.response;
  if (typeof response !== 'object' || response === null || !('data' in response)) return undefined;
  const data = response.data;
  return typeof data === 'object' && data !== null && 'errors' in data ? data.errors : undefined;
}
