/**
 * The GitHub side of comment approvals (src/rollback/approvals.ts counts them): the
 * `issue_comment` event a workflow was started by, the incident's comments (every page), and
 * whether a commenter passes an approval rule, read from GitHub's permission and team APIs.
 * Nothing a commenter writes decides who they are or what they may do.
 *
 * The event comes from GITHUB_EVENT_PATH, the webhook payload the runner writes
 * (https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#issue_comment).
 * `issue_comment` also fires for comments on pull requests (`issue.pull_request` is set
 * then); those are never incident commands.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { ApprovalRule, RollbackPolicy } from '../policy/schema-rollback.ts';
import {
  assertMayRollBack,
  effectiveRole,
  readActorAccess,
  roleAtLeast,
} from '../rollback/authority.ts';
import {
  tally,
  votersToCheck,
  type CommentView,
  type RipcordCommand,
  type Tally,
} from '../rollback/approvals.ts';
import type { GitHubClient } from '../github/client.ts';
import type { RipcordIdentity } from '../github/identity.ts';
import { INCIDENT_LABEL } from './store.ts';
import { requestMessage, requestStatus, type RepoRef } from '../github/repo-ref.ts';
import { teamsOf } from '../github/team-membership.ts';

/** What the action needs of an `issue_comment` event. */
export interface CommentEvent {
  /** created, edited, deleted. */
  action: string;
  issueNumber: number;
  isPullRequest: boolean;
  /** The issue's labels when the event fired. */
  labels: string[];
  comment: CommentView;
}

interface RawUser {
  login?: unknown;
  type?: unknown;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The `issue_comment` event this run was started by, or null for any other event. A payload
 * that cannot be read is a ConfigurationError: the workflow asked Ripcord to act on a comment.
 */
export function readCommentEvent(
  env: Record<string, string | undefined>,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): CommentEvent | null {
  if (env.GITHUB_EVENT_NAME !== 'issue_comment') return null;
  const path = env.GITHUB_EVENT_PATH;
  if (!path)
    throw new ConfigurationError(
      'GITHUB_EVENT_NAME is issue_comment but GITHUB_EVENT_PATH is not set; run the action on GitHub Actions, or set GITHUB_EVENT_PATH to the event payload',
    );
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(read(path)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigurationError(
      `cannot read the issue_comment event at GITHUB_EVENT_PATH (${path}): ${(e as Error).message}`,
    );
  }
  const issue = (payload.issue ?? {}) as Record<string, unknown>;
  const comment = (payload.comment ?? {}) as Record<string, unknown>;
  const user = (comment.user ?? null) as RawUser | null;
  const number = issue.number;
  if (typeof number !== 'number' || typeof comment.id !== 'number')
    throw new ConfigurationError(
      `the issue_comment event at ${path} has no issue number or comment id; is the workflow triggered by on: issue_comment?`,
    );
  const labels = Array.isArray(issue.labels)
    ? issue.labels.map((l) => (typeof l === 'string' ? l : text((l as { name?: unknown }).name)))
    : [];
  return {
    action: text(payload.action),
    issueNumber: number,
    isPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
    labels,
    comment: {
      id: comment.id,
      author: user && typeof user.login === 'string' ? user.login : null,
      authorType: user && typeof user.type === 'string' ? user.type : null,
      body: text(comment.body),
      createdAt: text(comment.created_at),
      updatedAt: text(comment.updated_at),
    },
  };
}

/**
 * Why this event is not a command for Ripcord, or null when it may be one: only a newly
 * created comment on an issue (not a pull request) that carries the incident label. The
 * label is only a cheap first filter; the caller still reads the issue and trusts it only
 * when Ripcord opened it (IncidentStore.get).
 */
export function notACommand(event: CommentEvent): string | null {
  if (event.isPullRequest)
    return `#${event.issueNumber} is a pull request; Ripcord takes commands on incident issues only`;
  if (event.action !== 'created')
    return `the comment was ${event.action || 'changed'}, not created; Ripcord counts only new comments (an edited command does not count)`;
  if (!event.labels.some((l) => l.toLowerCase() === INCIDENT_LABEL))
    return `#${event.issueNumber} is not labelled ${INCIDENT_LABEL}: not a Ripcord incident`;
  return null;
}

/** Every comment of the issue updated since `since` (a created-after filter is a subset). */
export async function listComments(
  octokit: GitHubClient,
  repo: RepoRef,
  issue: number,
  since: string,
): Promise<CommentView[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issue,
    since,
    per_page: 100,
  });
  return comments.map((c) => ({
    id: c.id,
    author: c.user?.login ?? null,
    authorType: c.user?.type ?? null,
    body: c.body ?? '',
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  }));
}

/**
 * Whether `login` passes `rule`: listed in users, holding the permission on the repository,
 * or an active member of one of its teams (`org/slug`, or a slug of the repository owner's
 * organisation). A token that cannot read permissions or teams is a ConfigurationError:
 * refusing silently would leave the rollback waiting for approvals that can never count.
 */
export async function mayApprove(
  octokit: GitHubClient,
  repo: RepoRef,
  login: string,
  rule: ApprovalRule,
): Promise<boolean> {
  if (rule.users.some((u) => u.toLowerCase() === login.toLowerCase())) return true;
  if (rule.permission !== undefined) {
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        ...repo,
        username: login,
      });
      if (roleAtLeast(effectiveRole(data.role_name, data.permission), rule.permission)) return true;
    } catch (thrown) {
      const status = requestStatus(thrown);
      if (status === 403 || status === 401)
        throw new ConfigurationError(
          `cannot check whether ${login} may approve: GitHub answered ${status} (${requestMessage(thrown)}) to the collaborator permission API. Give the token metadata: read, or drop permission from the approval rule`,
        );
      if (status !== 404) throw thrown;
    }
  }
  const byOrg = new Map<string, string[]>();
  for (const team of rule.teams) {
    const [org, slug] = team.includes('/') ? team.split('/', 2) : [repo.owner, team];
    if (!org || !slug) continue;
    byOrg.set(org, [...(byOrg.get(org) ?? []), slug]);
  }
  for (const [org, slugs] of byOrg)
    if ((await teamsOf(octokit, org, login, slugs)).length > 0) return true;
  return false;
}

/** Whether `login` passes rollback.authority (the check a rollback by hand makes). */
async function mayRollBackAlone(
  octokit: GitHubClient,
  repo: RepoRef,
  login: string,
  authority: RollbackPolicy['authority'],
): Promise<boolean> {
  const access = await readActorAccess(octokit, repo, login, authority);
  try {
    assertMayRollBack(login, access, authority);
    return true;
  } catch (thrown) {
    if (thrown instanceof ConfigurationError) return false;
    throw thrown;
  }
}

export interface ApprovalGateway {
  /** Writes the request comment; returns GitHub's time of it (later comments count). */
  request(issue: number, markdown: string): Promise<string>;
  /**
   * Counts the approvals on `issue` under `rule` since `since`. `authority` (rollback.authority):
   * people who may roll back alone, whose single approval decides (and whose reject counts).
   */
  count(
    issue: number,
    rule: ApprovalRule,
    since: string,
    accept: readonly RipcordCommand[],
    now: number,
    authority?: RollbackPolicy['authority'],
  ): Promise<Tally>;
}

export function createApprovalGateway(
  octokit: GitHubClient,
  repo: RepoRef,
  identity: RipcordIdentity,
  logger: Logger,
): ApprovalGateway {
  return {
    async request(issue, markdown) {
      const { data } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: issue,
        body: markdown,
      });
      return data.created_at;
    },
    async count(issue, rule, since, accept, now, authority) {
      const comments = await listComments(octokit, repo, issue, since);
      const opts = { since, accept, isRipcord: (l: string) => identity.is(l) };
      const authorised = new Map<string, boolean>();
      const alone = new Map<string, boolean>();
      for (const login of votersToCheck(comments, opts)) {
        const decides = authority ? await mayRollBackAlone(octokit, repo, login, authority) : false;
        const may = decides || (await mayApprove(octokit, repo, login, rule));
        alone.set(login.toLowerCase(), decides);
        authorised.set(login.toLowerCase(), may);
        logger.info(
          `${login} ${decides ? 'may roll back alone (rollback.authority)' : may ? 'may approve under this rule' : 'may not approve'}`,
        );
      }
      return tally({ ...opts, comments, required: rule.required, authorised, alone, now });
    },
  };
}
