/**
 * Writes the incident report as a pull request once an incident is resolved, and makes sure
 * it is never lost: when the repository refuses the branch or the pull request (a missing
 * permission, branch protection, the Actions pull-request setting), the report goes onto the
 * incident issue as a comment before the error is raised.
 */
import { ripcordIdentity, type RipcordIdentity } from '../github/identity.ts';
import {
  comparableReport,
  keepHumanSections,
  renderIncidentReport,
  reportBranch,
  reportPath,
  reportTitle,
  type RecoveryObjectives,
  type VerificationCheck,
} from './report.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { Logger } from '../shared/logger.ts';
import type { Verdict } from '../signals/verdict.ts';
import type { GitHubClient } from '../github/client.ts';
import { ISSUE_BODY_MAX_LENGTH, type IncidentRecord, type IncidentStore } from './store.ts';
import { publishFileAsPullRequest, ReportPublishError, type PullRequestRef } from './report-pr.ts';
import { repoName, type RepoRef } from '../github/repo-ref.ts';

export interface WriteIncidentReportOptions {
  octokit: GitHubClient;
  repo: RepoRef;
  /** The incident as read, or its number and a store to read it from. */
  incident: IncidentRecord | { number: number; store: IncidentStore };
  evidence?: readonly Verdict[] | undefined;
  verification?: readonly VerificationCheck[] | undefined;
  /** The environment's recovery_time: the report measures detection -> restored against it. */
  recoveryTime?: RecoveryObjectives | undefined;
  /** GITHUB_SERVER_URL, for commit links. */
  serverUrl: string;
  /** Default: the repository's default branch. */
  baseBranch?: string | undefined;
  now: Date | string;
  logger: Logger;
  /**
   * What a refused pull request does after the report is attached to the issue: `fail`
   * (default) throws the ReportPublishError; `warn` logs it and returns.
   */
  onPublishError?: 'fail' | 'warn';
  /**
   * Who Ripcord writes as: only its own fallback comment is edited in place; a comment by
   * anyone else that starts with the marker is left alone (default github-actions[bot]).
   */
  identity?: RipcordIdentity;
}

export interface WriteIncidentReportResult {
  /** For the pull request; in `warn` mode after a refusal, for the fallback comment. */
  result: 'created' | 'updated' | 'unchanged';
  path: string;
  branch: string;
  pullRequest: PullRequestRef | null;
  /** True when the whole report was put on the incident issue as a comment (the fallback). */
  attachedToIssue: boolean;
}

/** A ReportPublishError after the fallback: says where the report went. */
export class IncidentReportNotProposedError extends ReportPublishError {
  override name = 'IncidentReportNotProposedError';
  readonly attachedToIssue: boolean;
  readonly commentUrl: string | null;

  constructor(cause: ReportPublishError, attached: { url: string } | null, incidentUrl: string) {
    const where = attached
      ? `The report is attached to the incident issue as a comment: ${attached.url}`
      : `Attaching the report to ${incidentUrl} as a comment failed too; it is in this step's log.`;
    super(
      cause.stage,
      cause.status,
      `${cause.message.split('\n')[0] ?? ''} ${where}`,
      cause.problems,
    );
    this.attachedToIssue = attached !== null;
    this.commentUrl = attached?.url ?? null;
  }
}

const FALLBACK_MARKER = '<!-- ripcord:incident-report-fallback -->';

function isRecord(i: WriteIncidentReportOptions['incident']): i is IncidentRecord {
  return 'state' in i;
}

function iso(now: Date | string): string {
  const d = now instanceof Date ? now : new Date(now);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Not a time: ${String(now)}`);
  return d.toISOString();
}

export async function writeIncidentReport(
  opts: WriteIncidentReportOptions,
): Promise<WriteIncidentReportResult> {
  const { octokit, repo, logger } = opts;
  const incident = isRecord(opts.incident)
    ? opts.incident
    : await opts.incident.store.get(opts.incident.number);
  const { state } = incident;
  if (state.status !== 'recovered' && state.status !== 'closed' && incident.open) {
    logger.warning(
      `Incident ${incident.url} is ${state.status}, not resolved: the report shows what is recorded so far.`,
    );
  }
  const path = reportPath(state, incident.number);
  const branch = reportBranch(incident.number);
  const report = renderIncidentReport({
    state,
    incident: { number: incident.number, url: incident.url },
    repo,
    serverUrl: opts.serverUrl,
    generatedAt: iso(opts.now),
    evidence: opts.evidence,
    verification: opts.verification,
    recoveryTime: opts.recoveryTime,
  });
  const body = [
    `Incident report for [incident #${incident.number}](${incident.url}) in **${escapeMarkdown(state.environment)}**, written by Ripcord from the incident record: \`${path}\`.`,
    '',
    'Before merging, fill in the root-cause analysis sections (contributing factors, what went well, what to improve, action items, prevention) on this branch. Ripcord keeps those sections when it updates the facts above them.',
  ].join('\n');

  try {
    const outcome = await publishFileAsPullRequest({
      octokit,
      repo,
      branch,
      baseBranch: opts.baseBranch,
      path,
      content: (existing) => keepHumanSections(existing, report),
      sameContent: (a, b) => comparableReport(a) === comparableReport(b),
      commitMessage: `Incident report for #${incident.number} (${state.environment.replace(/[\r\n]+/g, ' ')})`,
      title: reportTitle(state, incident.number),
      body,
      logger,
      ...(opts.identity ? { identity: opts.identity } : {}),
    });
    if (outcome.result === 'created' && outcome.pullRequest) {
      // The issue is the audit log: the report's pull request belongs in it.
      await octokit.rest.issues.createComment({
        ...repo,
        issue_number: incident.number,
        body: `📝 Incident report proposed in ${outcome.pullRequest.url} (\`${path}\`).`,
      });
    }
    return {
      result: outcome.result,
      path,
      branch: outcome.branch,
      pullRequest: outcome.pullRequest,
      attachedToIssue: false,
    };
  } catch (err) {
    if (!(err instanceof ReportPublishError)) throw err;
    logger.error(err.message);
    const attached = await attachToIssue(opts, incident, path, report, err).catch(
      (attachErr: unknown) => {
        logger.error(
          `Could not attach the incident report to ${incident.url}: ${attachErr instanceof Error ? attachErr.message : String(attachErr)}`,
        );
        logger.info(report);
        return null;
      },
    );
    if (opts.onPublishError === 'warn' && attached) {
      logger.warning(
        `${err.message.split('\n')[0] ?? ''} The report is attached to ${attached.url}.`,
      );
      return { result: attached.result, path, branch, pullRequest: null, attachedToIssue: true };
    }
    throw new IncidentReportNotProposedError(err, attached, incident.url);
  }
}

/** One fallback comment per incident, edited in place on re-runs (so a retry loop does not spam the issue). */
async function attachToIssue(
  opts: WriteIncidentReportOptions,
  incident: IncidentRecord,
  path: string,
  report: string,
  cause: ReportPublishError,
): Promise<{ url: string; result: 'created' | 'updated' | 'unchanged' }> {
  const { octokit, repo } = opts;
  const head = [
    FALLBACK_MARKER,
    `> [!WARNING]`,
    `> Ripcord could not open the incident report pull request (\`${path}\` on \`${reportBranch(incident.number)}\`), so the report is here instead.`,
    ...cause.message.split('\n').map((l) => `> ${escapeMarkdown(l.trim())}`),
    '',
  ].join('\n');
  let text = `${head}\n${report}`;
  if (text.length > ISSUE_BODY_MAX_LENGTH) {
    const note =
      "\n\n_(cut to fit GitHub's comment limit; re-run once the pull request can be opened for the full report)_\n";
    text = text.slice(0, ISSUE_BODY_MAX_LENGTH - note.length) + note;
  }
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: incident.number,
    per_page: 100,
  });
  const identity = opts.identity ?? ripcordIdentity();
  const lookalikes = comments.filter(
    (c) => (c.body ?? '').startsWith(FALLBACK_MARKER) && !identity.is(c.user?.login),
  );
  for (const c of lookalikes)
    opts.logger.warning(
      `left alone a comment on #${incident.number} by ${c.user?.login ?? 'an unknown user'} that starts with the report marker (${c.html_url}): only ${identity.describe}'s own report comment is edited`,
    );
  const mine = comments.find(
    (c) => (c.body ?? '').startsWith(FALLBACK_MARKER) && identity.is(c.user?.login),
  );
  if (mine) {
    if (comparableReport(mine.body ?? '') === comparableReport(text)) {
      return { url: mine.html_url, result: 'unchanged' };
    }
    const { data } = await octokit.rest.issues.updateComment({
      ...repo,
      comment_id: mine.id,
      body: text,
    });
    return { url: data.html_url, result: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({
    ...repo,
    issue_number: incident.number,
    body: text,
  });
  opts.logger.info(
    `Attached the incident report to ${repoName(repo)}#${incident.number}: ${data.html_url}`,
  );
  return { url: data.html_url, result: 'created' };
}
