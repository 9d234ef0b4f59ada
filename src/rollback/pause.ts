/**
 * The pause switch: an open issue labelled `ripcord:pause:<environment>` stops automatic
 * rollbacks of that environment until the time its body states (`Pause until: 2026-12-01T06:00Z`
 * or `Pause for: 4h` counted from when the issue was opened), for planned maintenance. A
 * rollback run by hand (workflow_dispatch, or no decision) is never paused: a person chose it.
 *
 * Untrusted input: anyone may open an issue, and an issue form can apply labels on its own
 * (https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms#top-level-syntax,
 * `labels:`), so the label alone proves nothing. Only an issue whose author has the maintain or
 * admin role pauses; any other is listed as ignored, with why, so a pause that does not hold is
 * never silent. The pause must expire: without a readable time, or beyond a week, it is ignored.
 */
import { parseDuration, formatDuration } from '../core/duration.ts';
import type { GitHubClient } from '../github/client.ts';
import { requestStatus, type RepoRef } from '../github/repo-ref.ts';
import { effectiveRole, roleAtLeast } from './authority.ts';

export const PAUSE_LABEL_PREFIX = 'ripcord:pause:';
/** The longest pause honoured: a forgotten label must not switch Ripcord off for good. */
export const MAX_PAUSE_MS = 7 * 24 * 3_600_000;
const REQUIRED_ROLE = 'maintain';

export interface Pause {
  issue: { number: number; url: string };
  by: string;
  until: string;
  reason: string;
}

export interface PauseState {
  active: Pause | null;
  /** Labelled issues that do not pause, and why. */
  ignored: { issue: { number: number; url: string }; why: string }[];
}

export function pauseLabel(environment: string): string {
  return `${PAUSE_LABEL_PREFIX}${environment}`;
}

/** The expiry an issue states, or why it states none. Pure. */
export function pauseExpiry(
  body: string,
  openedAt: number,
  now: number,
): { until: number } | { why: string } {
  const until = /^\s*pause until:\s*(\S+)/im.exec(body)?.[1];
  const forText = /^\s*pause for:\s*(\S+)/im.exec(body)?.[1];
  let end: number;
  if (until !== undefined) {
    end = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(until) ? until : `${until}Z`);
    if (Number.isNaN(end))
      return { why: `"Pause until: ${until}" is not a time; write 2026-12-01T06:00Z` };
  } else if (forText !== undefined) {
    const ms = parseDuration(forText);
    if (ms === undefined) return { why: `"Pause for: ${forText}" is not a duration; write 4h` };
    end = openedAt + ms;
  } else {
    return {
      why: 'states no expiry; add a line "Pause until: 2026-12-01T06:00Z" or "Pause for: 4h" to the issue body',
    };
  }
  if (end - Math.min(openedAt, now) > MAX_PAUSE_MS)
    return {
      why: `asks for a pause longer than ${formatDuration(MAX_PAUSE_MS)}; pauses are for planned maintenance, open a new issue when it is over`,
    };
  if (end <= now) return { why: `expired at ${new Date(end).toISOString()}` };
  return { until: end };
}

/** Reads the pause of an environment: open labelled issues, their expiry and their author's role. */
export async function readPause(
  octokit: GitHubClient,
  repo: RepoRef,
  environment: string,
  now: number,
): Promise<PauseState> {
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    labels: pauseLabel(environment),
    state: 'open',
    sort: 'created',
    direction: 'desc',
    per_page: 20,
  });
  const state: PauseState = { active: null, ignored: [] };
  for (const issue of data) {
    if (issue.pull_request) continue;
    const ref = { number: issue.number, url: issue.html_url };
    const author = issue.user?.login ?? '';
    const expiry = pauseExpiry(issue.body ?? '', Date.parse(issue.created_at), now);
    if ('why' in expiry) {
      state.ignored.push({ issue: ref, why: `#${issue.number} ${expiry.why}` });
      continue;
    }
    const role = await roleOf(octokit, repo, author);
    if (!roleAtLeast(role, REQUIRED_ROLE)) {
      state.ignored.push({
        issue: ref,
        why: `#${issue.number} was opened by ${author || 'an unknown user'} (${role}); only people with the ${REQUIRED_ROLE} or admin role may pause rollbacks`,
      });
      continue;
    }
    const pause: Pause = {
      issue: ref,
      by: author,
      until: new Date(expiry.until).toISOString(),
      reason: issue.title,
    };
    // The pause that lasts longest wins: two maintenance windows do not cut each other short.
    if (!state.active || pause.until > state.active.until) state.active = pause;
  }
  return state;
}

async function roleOf(octokit: GitHubClient, repo: RepoRef, username: string): Promise<string> {
  if (!username) return 'none';
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      ...repo,
      username,
    });
    return effectiveRole(data.role_name, data.permission);
  } catch (thrown) {
    // Not a collaborator: no role. Anything else (a 403 for a token without metadata read)
    // must not make an outsider's label count, so it counts as no role too.
    if (requestStatus(thrown) !== undefined) return 'none';
    throw thrown;
  }
}

/** One line for every summary while a pause is on (or a label is ignored). */
export function pauseNotice(state: PauseState): string | null {
  const lines: string[] = [];
  if (state.active) {
    const p = state.active;
    lines.push(
      `> ⏸️ **Automatic rollbacks are paused** until ${p.until.slice(0, 16).replace('T', ' ')} UTC by ${p.by} ([#${p.issue.number}](${p.issue.url}): ${p.reason}). Close the issue to resume; a rollback run by hand still runs.`,
    );
  }
  for (const i of state.ignored)
    lines.push(`> A pause label was ignored: ${i.why} ([#${i.issue.number}](${i.issue.url})).`);
  return lines.length > 0 ? lines.join('\n>\n') : null;
}
