/**
 * The GitHub half of the composition root (compose.ts): the Octokit client and what is built
 * on it (deployment and incident stores, notification history, the environment lock, the
 * approval gateway, authority and pause reads, notify dispatch). Imported on first use by
 * ActionServices.github(): from source an action that makes no GitHub call never loads
 * Octokit (the bundle, one file, parses it at start whatever the action). Each
 * service is built on first use and kept; building one makes no request.
 */
import type { Environment } from '../policy/schema.ts';
import { createApprovalGateway, type ApprovalGateway } from '../incident/approval-comments.ts';
import { createGitHubClient, type CountedClient, type GitHubClient } from '../github/client.ts';
import { createDeploymentStore, type DeploymentStore } from '../github/deployments.ts';
import { createIncidentStore, type IncidentStore, type PauseIssue } from '../incident/store.ts';
import { createEnvironmentLock } from '../incident/lock.ts';
import { requestStatus, type RepoRef } from '../github/repo-ref.ts';
import {
  notify,
  type Notification,
  type NotifyDeps,
  type NotifyReport,
} from '../notify/dispatch.ts';
import {
  createCommentHistory,
  type NotificationHistory,
} from '../notify/channels/issue-comment.ts';
import { readActorAccess, type ActorAccess } from '../rollback/authority.ts';
import { judgePauses, readPause, type PauseState } from '../rollback/pause.ts';
import type { RipcordIdentity } from '../github/identity.ts';
import type { NotifyPolicy } from '../policy/schema-notify.ts';
import { lazy, type ActionDeps } from './action-deps.ts';
import type { ActionIO } from './action-io.ts';
import type { RunContext } from './run-context.ts';

export interface GitHubOptions {
  /** The longest wait for a rate limit to reset (rollback.rate_limit_wait); the client's default when unset. */
  rateLimitWaitMs?: number;
}

type Authority = Environment['rollback']['authority'];

export interface GitHubServices {
  readonly context: RunContext;
  readonly repo: RepoRef;
  /** The counted client: its totalRequests() is the summary's "GitHub API calls". */
  client(): CountedClient;
  octokit(): GitHubClient;
  deployments(): DeploymentStore;
  incidents(): IncidentStore;
  /** What was already sent for an incident, read back from Ripcord's own comments. */
  history(): NotificationHistory;
  approvals(): ApprovalGateway;
  /** The environment lock, held by this run (its id and attempt) for `leaseMs`. */
  lock(
    environment: string,
    timing: { leaseMs: number; waitMs: number },
  ): ReturnType<typeof createEnvironmentLock>;
  /** What an actor may do under `authority` (rollback.authority or recovery.approval). */
  actorAccess(authority: Authority): (actor: string) => Promise<ActorAccess>;
  /** Who labelled the pause issues and whether they may pause, judged now. */
  judgePauses(issues: readonly PauseIssue[], authority: Authority): Promise<PauseState>;
  /** The environment's pause switch (its `ripcord:pause` issues), judged now. */
  readPause(environment: string, authority: Authority): Promise<PauseState>;
  /** Whether the commit exists in the repository (404 and 422 are "no"). */
  commitExists(sha: string): Promise<boolean>;
  /** notify()'s dependencies: the policy's channels, the incident comment and history. */
  notifyDeps(): NotifyDeps;
  /**
   * Sends one notification; a failure to send warns and gives null, never throws: what the
   * run did is already done, and a notification problem must not turn it red or hide it.
   */
  send(notification: Notification): Promise<NotifyReport | null>;
}

/** What the GitHub half is built from: the runner, the seams, and what the policy says. */
export interface GitHubWiring {
  io: ActionIO;
  deps: ActionDeps;
  notifyPolicy: NotifyPolicy;
  identity: () => RipcordIdentity;
}

export function githubServices(
  services: GitHubWiring,
  context: RunContext,
  options: GitHubOptions,
): GitHubServices {
  const { io, deps } = services;
  const repo: RepoRef = { owner: context.owner, repo: context.repo };
  const client = lazy(() =>
    createGitHubClient({
      token: context.token,
      baseUrl: deps.env.GITHUB_API_URL,
      logger: io,
      ...(options.rateLimitWaitMs === undefined
        ? {}
        : { maxRateLimitWaitMs: options.rateLimitWaitMs }),
      ...(deps.retryAfterBaseValue === undefined
        ? {}
        : { retryAfterBaseValue: deps.retryAfterBaseValue }),
    }),
  );
  const octokit = () => client().octokit;
  const incidents = lazy(() =>
    createIncidentStore(octokit(), repo, io, { identity: services.identity() }),
  );
  const history = lazy(() => createCommentHistory(octokit(), repo, services.identity(), io));
  const notifyDeps = lazy((): NotifyDeps => ({
    policy: services.notifyPolicy,
    env: deps.env,
    incidents: incidents(),
    history: history(),
    logger: io,
    mask: (secret: string) => io.setSecret(secret),
    sleep: deps.sleep,
    now: deps.now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  }));
  return {
    context,
    repo,
    client,
    octokit,
    deployments: lazy(() => createDeploymentStore(octokit(), repo, io)),
    incidents,
    history,
    approvals: lazy(() => createApprovalGateway(octokit(), repo, services.identity(), io)),
    lock: (environment, timing) =>
      createEnvironmentLock(octokit(), repo, environment, {
        holder: `run ${context.runId} attempt ${context.attempt}`,
        identity: services.identity(),
        runUrl: context.runUrl,
        leaseMs: timing.leaseMs,
        waitMs: timing.waitMs,
        ...(deps.lockPollMs === undefined ? {} : { pollMs: deps.lockPollMs }),
        now: deps.now,
        sleep: deps.sleep,
        logger: io,
      }),
    actorAccess: (authority) => (actor) => readActorAccess(octokit(), repo, actor, authority),
    judgePauses: (issues, authority) => judgePauses(octokit(), repo, issues, authority, deps.now()),
    readPause: (environment, authority) =>
      readPause(octokit(), repo, environment, authority, deps.now()),
    async commitExists(sha) {
      try {
        await octokit().rest.git.getCommit({ ...repo, commit_sha: sha });
        return true;
      } catch (e) {
        if (requestStatus(e) === 404 || requestStatus(e) === 422) return false;
        throw e;
      }
    },
    notifyDeps,
    send: (notification) =>
      notify(notification, notifyDeps()).catch((thrown: unknown) => {
        io.warning(
          `could not send ${notification.event}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        );
        return null;
      }),
  };
}
