/**
 * The `issue_comment` start of the rollback and staged-recovery actions: which incident a
 * `/ripcord approve|reject|proceed` comment is about, read only from what GitHub vouches for.
 * The event's label is a cheap filter; the incident counts only when Ripcord's identity opened
 * the issue and its state block parses (IncidentStore.get). Anything else is ignored with a
 * message (a forged incident also warns), so comment noise never turns a workflow red and
 * never makes Ripcord act.
 */
import { ConfigurationError } from '../shared/errors.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import { createGitHubClient, type GitHubClient } from '../github/client.ts';
import type { RepoRef } from '../github/repo-ref.ts';
import type { Policy } from '../policy/schema.ts';
import { createIncidentStore, type IncidentRecord } from '../incident/store.ts';
import { notACommand, readCommentEvent } from '../incident/approval-comments.ts';
import { identityFor } from '../github/identity.ts';
import { readPolicy } from '../policy/read.ts';
import {
  commandIn,
  commandLine,
  type CommentView,
  type RipcordCommand,
} from '../rollback/approvals.ts';
import { emptyResult, type RollbackResult } from '../rollback/rollback.ts';
import type { ActionIO } from './action-io.ts';

export type CommentStart =
  /** Not started by a comment: the action runs as usual. */
  | { kind: 'none' }
  /** Started by a comment that is not a command for this action: nothing to do. */
  | { kind: 'ignore'; message: string; warn: boolean }
  | {
      kind: 'command';
      command: RipcordCommand;
      incident: IncidentRecord;
      comment: CommentView;
      policy: Policy;
      isRipcord: (login: string) => boolean;
      octokit: GitHubClient;
      repo: RepoRef;
    };

export async function commentStart(
  io: ActionIO,
  env: Record<string, string | undefined>,
  policyPath: string,
  accept: readonly RipcordCommand[],
): Promise<CommentStart> {
  const event = readCommentEvent(env);
  if (!event) return { kind: 'none' };
  const ignore = (message: string, warn = false): CommentStart => ({
    kind: 'ignore',
    message,
    warn,
  });
  const why = notACommand(event);
  if (why) return ignore(why);
  const command = commandIn(event.comment.body);
  if (command === null || !accept.includes(command))
    return ignore(
      `the comment on #${event.issueNumber} carries no ${accept.map((c) => commandLine(c)).join(' or ')} line for this action`,
    );
  const token = io.getInput('token');
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!token || !owner || !repo)
    throw new ConfigurationError(
      'input token and GITHUB_REPOSITORY are needed to read the incident a comment is about; pass token: ${{ github.token }}',
    );
  io.setSecret(token);
  const policy = await readPolicy(policyPath);
  const identity = identityFor(policy.github.bot_login, env);
  const client = createGitHubClient({ token, baseUrl: env.GITHUB_API_URL, logger: io });
  const incidents = createIncidentStore(client.octokit, { owner, repo }, io, { identity });
  let incident: IncidentRecord;
  try {
    incident = await incidents.get(event.issueNumber);
  } catch (thrown) {
    if (!(thrown instanceof ConfigurationError)) throw thrown;
    return ignore(`#${event.issueNumber} is not a Ripcord incident: ${thrown.message}`, true);
  }
  if (!incident.open) return ignore(`incident #${incident.number} is closed`);
  const wanted = io.getInput('environment');
  if (wanted && wanted.toLowerCase() !== incident.state.environment.toLowerCase())
    return ignore(
      `incident #${incident.number} is about ${incident.state.environment}; this workflow step handles ${wanted}`,
    );
  return {
    kind: 'command',
    command,
    incident,
    comment: event.comment,
    policy,
    isRipcord: (login) => identity.is(login),
    octokit: client.octokit,
    repo: { owner, repo },
  };
}

/** The job summary and outputs of a comment that was not for this action. */
export async function reportIgnored(
  io: ActionIO,
  start: Extract<CommentStart, { kind: 'ignore' }>,
  outputs: Record<string, string>,
): Promise<void> {
  if (start.warn) io.warning(`Ripcord ignored the comment: ${start.message}`);
  else io.info(`Ripcord ignored the comment: ${start.message}`);
  for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value);
  io.setOutput('message', start.message);
  await io.appendSummary(`## 💬 Comment ignored\n\n${escapeMarkdown(start.message)}\n`);
}

/** The rollback action's answer to a comment that is not for it: skipped, not asked. */
export async function ignoredComment(
  io: ActionIO,
  start: Extract<CommentStart, { kind: 'ignore' }>,
): Promise<RollbackResult> {
  await reportIgnored(io, start, {
    result: 'skipped',
    'skip-reason': 'not-asked',
    incident: '',
    approvers: '',
  });
  return { ...emptyResult(), message: start.message, skipReason: 'not-asked' };
}
