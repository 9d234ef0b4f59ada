/**
 * The pause switch: an open issue labelled `ripcord:pause` and with the environment's label
 * (`ripcord:env:<environment>`) stops automatic rollbacks of that environment until the time its
 * body states (`Pause until: 2026-12-01T06:00Z`, or `Pause for: 4h` counted from when the
 * label was added), for planned maintenance. A rollback run by hand (workflow_dispatch, or no
 * decision) is never paused: a person chose it. `ripcord pause` opens such an issue.
 *
 * It costs no request of its own before a rollback's first step: the issues come from the list
 * the rollback reads its incident from (one list by the environment's label), and the checks
 * below run while the lock is being taken.
 *
 * Untrusted input: anyone may open an issue, an issue form can apply labels on its own
 * (https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms#top-level-syntax,
 * `labels:`), and anyone with triage access may label anyone's issue
 * (https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization#permissions-for-each-role).
 * So the label proves nothing by itself: the person who added it (the actor of its latest
 * `labeled` event, from the issue's events) and the author of the issue (who wrote the expiry)
 * must both be allowed to roll back by hand (`rollback.authority`). Anything else is listed as
 * ignored, with why, so a pause that does not hold is never silent. A pause must end: without a
 * readable time, or longer than a week from its label, it is ignored.
 */
import { formatDuration, parseDuration } from '../policy/duration.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { RollbackPolicy } from '../policy/schema-rollback.ts';
import type { GitHubClient } from '../github/client.ts';
import { environmentLabel, PAUSE_LABEL, pauseIssueOf, type PauseIssue } from '../incident/store.ts';
import type { RepoRef } from '../github/repo-ref.ts';
import { assertMayRollBack, readActorAccess } from './authority.ts';

/** The longest pause honoured: a forgotten label must not switch Ripcord off for good. */
export const MAX_PAUSE_MS = 7 * 24 * 3_600_000;

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
  /**
   * Why the pause switch could not be read (a failed request): the run went on without knowing
   * whether a pause is on, and its summary says so instead of showing nothing.
   */
  unreadable?: string;
}

/** No pause issue: nothing to show. */
export const NO_PAUSE: PauseState = { active: null, ignored: [] };

/**
 * A pause read that never fails the step it is shown in: a failed read becomes a state that
 * says why, for the summary. Summaries only; the rollback itself reads the pause under its own
 * rules (src/rollback/rollback.ts).
 */
export function settlePause(read: Promise<PauseState>): Promise<PauseState> {
  return read.catch((e: unknown) => ({
    ...NO_PAUSE,
    unreadable: e instanceof Error ? e.message : String(e),
  }));
}

/** The expiry an issue states, or why it states none. Pure: `labeledAt` and `now` are given. */
export function pauseExpiry(
  body: string,
  labeledAt: number,
  now: number,
): { until: number } | { why: string } {
  const until = /^\s*pause until:\s*(\S+)/im.exec(body)?.[1];
  const forText = /^\s*pause for:\s*(\S+)/im.exec(body)?.[1];
  let end: number;
  if (until !== undefined) {
    // A time without a zone is UTC, as everywhere in Ripcord.
    end = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(until) ? until : `${until}Z`);
    if (Number.isNaN(end))
      return { why: `"Pause until: ${until}" is not a time; write 2026-12-01T06:00Z` };
  } else if (forText !== undefined) {
    const ms = parseDuration(forText);
    if (ms === undefined) return { why: `"Pause for: ${forText}" is not a duration; write 4h` };
    end = labeledAt + ms;
  } else {
    return {
      why: 'states no end; add a line "Pause until: 2026-12-01T06:00Z" or "Pause for: 4h" to the issue body',
    };
  }
  if (end - labeledAt > MAX_PAUSE_MS)
    return {
      why: `asks for a pause longer than ${formatDuration(MAX_PAUSE_MS)} from its label; pauses are for planned maintenance, open a new one when it is over`,
    };
  if (end <= now) return { why: `expired at ${new Date(end).toISOString()}` };
  return { until: end };
}

/** Who added the pause label last, and when, from the issue's events (null: no such event). */
export async function readLabeler(
  octokit: GitHubClient,
  repo: RepoRef,
  issue: number,
): Promise<{ actor: string; at: number } | null> {
  const events = await octokit.paginate(octokit.rest.issues.listEvents, {
    ...repo,
    issue_number: issue,
    per_page: 100,
  });
  let last: { actor: string; at: number } | null = null;
  for (const e of events) {
    const label = 'label' in e ? (e.label as { name?: string } | undefined)?.name : undefined;
    if (e.event !== 'labeled' || label?.toLowerCase() !== PAUSE_LABEL) continue;
    const actor = 'actor' in e ? (e.actor as { login?: string } | null)?.login : undefined;
    const at = Date.parse(e.created_at);
    if (actor && !Number.isNaN(at) && (last === null || at >= last.at)) last = { actor, at };
  }
  return last;
}

/**
 * Judges the pause issues: who labelled each (one events request per issue) and whether they
 * and the author may roll back (one permission request per person), all side by side.
 */
export async function judgePauses(
  octokit: GitHubClient,
  repo: RepoRef,
  issues: readonly PauseIssue[],
  authority: RollbackPolicy['authority'],
  now: number,
): Promise<PauseState> {
  const access = new Map<string, Promise<string | null>>();
  // Null when allowed, else why not (the same words as a refused manual rollback).
  const refusal = (login: string): Promise<string | null> => {
    let known = access.get(login);
    if (!known) {
      known = readActorAccess(octokit, repo, login, authority).then(
        (a) => {
          try {
            assertMayRollBack(login, a, authority);
            return null;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
        (e: unknown) =>
          `could not check ${login}'s permission (${e instanceof Error ? e.message : String(e)})`,
      );
      access.set(login, known);
    }
    return known;
  };
  const judged = await Promise.all(
    issues.map(async (issue): Promise<Pause | { why: string }> => {
      const labeler = await readLabeler(octokit, repo, issue.number);
      if (!labeler)
        return { why: `#${issue.number}: GitHub lists no "${PAUSE_LABEL}" label event for it` };
      const expiry = pauseExpiry(issue.body, labeler.at, now);
      if ('why' in expiry) return { why: `#${issue.number} ${expiry.why}` };
      const people = [...new Set([labeler.actor, issue.author])];
      const refusals = await Promise.all(people.map(refusal));
      const refused = people.map((p, i) => ({ p, why: refusals[i] })).find((r) => r.why);
      if (refused)
        return {
          why: `#${issue.number} was ${refused.p === labeler.actor ? `labelled by ${refused.p}` : `opened by ${refused.p}`}, who may not pause rollbacks: ${refused.why ?? ''}`,
        };
      return {
        issue: { number: issue.number, url: issue.url },
        by: labeler.actor,
        until: new Date(expiry.until).toISOString(),
        reason: issue.title,
      };
    }),
  );
  const state: PauseState = { active: null, ignored: [] };
  judged.forEach((j, i) => {
    const issue = issues[i] as PauseIssue;
    if ('why' in j) {
      state.ignored.push({ issue: { number: issue.number, url: issue.url }, why: j.why });
      return;
    }
    // The pause that lasts longest wins: two maintenance windows do not cut each other short.
    if (!state.active || j.until > state.active.until) state.active = j;
  });
  return state;
}

/**
 * The pause of an environment on its own (for summaries of runs that do not read the incident
 * list, such as an evaluation): one list of the pause issues, then judgePauses.
 */
export async function readPause(
  octokit: GitHubClient,
  repo: RepoRef,
  environment: string,
  authority: RollbackPolicy['authority'],
  now: number,
): Promise<PauseState> {
  const issues = await listPauseIssues(octokit, repo, environment);
  if (issues.length === 0) return NO_PAUSE;
  return judgePauses(octokit, repo, issues, authority, now);
}

/**
 * The open pause issues of `environment` (one request), or of every environment when it is
 * null, each with its label names (lowercase), to tell which environments it names.
 */
export async function listPauseIssues(
  octokit: GitHubClient,
  repo: RepoRef,
  environment: string | null,
): Promise<(PauseIssue & { labels: string[] })[]> {
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    labels: environment === null ? PAUSE_LABEL : `${PAUSE_LABEL},${environmentLabel(environment)}`,
    state: 'open',
    per_page: 100,
  });
  return data
    .filter((i) => !i.pull_request)
    .map((i) => ({
      ...pauseIssueOf(i),
      labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')).toLowerCase()),
    }));
}

/** The lines every summary shows while a pause is on (or a pause label is ignored). */
export function pauseNotice(state: PauseState | null): string | null {
  if (!state) return null;
  const lines: string[] = [];
  if (state.unreadable !== undefined)
    lines.push(
      `> ⚠️ **The pause switch could not be read** (${escapeMarkdown(state.unreadable)}), so this summary cannot say whether automatic rollbacks are paused; \`ripcord status\` lists the pauses.`,
    );
  if (state.active) {
    const p = state.active;
    lines.push(
      `> ⏸️ **Automatic rollbacks are paused** until ${p.until.slice(0, 16).replace('T', ' ')} UTC by ${escapeMarkdown(p.by)} ([#${p.issue.number}](${p.issue.url}): ${escapeMarkdown(p.reason)}). To resume, close the issue or run \`ripcord pause --environment <environment> --end\`; a rollback run by hand still runs.`,
    );
  }
  for (const i of state.ignored)
    lines.push(
      `> A pause label was ignored: ${escapeMarkdown(i.why)} ([#${i.issue.number}](${i.issue.url})).`,
    );
  return lines.length > 0 ? lines.join('\n>\n') : null;
}
