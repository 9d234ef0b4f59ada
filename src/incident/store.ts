/**
 * The incident issue as a store: labels find it, the state block in its body is the record,
 * comments are the audit log. At most one open incident per environment is the caller's
 * invariant (it holds the environment lock around findOpen + create); this store reports
 * a breach of it instead of hiding it.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError } from '../shared/errors.ts';
import {
  extractStateBlock,
  refreshIncidentBody,
  renderIncidentBody,
  sameState,
  type IncidentState,
} from './state.ts';
import type { Logger } from '../shared/logger.ts';
import { ripcordIdentity, type RipcordIdentity } from '../github/identity.ts';
import type { GitHubClient } from '../github/client.ts';
import { requestStatus } from '../github/repo-ref.ts';

export const INCIDENT_LABEL = 'ripcord:incident';
/**
 * With the environment's label, marks an issue that pauses automatic rollbacks of that
 * environment (src/rollback/pause.ts judges who set it and until when).
 */
export const PAUSE_LABEL = 'ripcord:pause';
/**
 * How far before the first read a re-validation looks for changed issues: covers a runner's
 * clock running ahead of GitHub's. A closed issue updated in this margin only costs a re-read.
 */
const REVALIDATE_SLACK_MS = 120_000;
const ENV_LABEL_PREFIX = 'ripcord:env:';
/** GitHub rejects longer label names ("name is too long (maximum is 50 characters)"). */
const LABEL_MAX_LENGTH = 50;
const LABEL_DESCRIPTION_MAX_LENGTH = 100;
/** GitHub's limit on an issue body. */
export const ISSUE_BODY_MAX_LENGTH = 65_536;
const LIST_PAGE_SIZE = 100;

/**
 * `ripcord:env:<env>`. A name that would pass GitHub's 50-character limit, or that holds a
 * comma (the separator of the `labels` filter), keeps a readable prefix and ends in a hash
 * of the full name, so the same environment always maps to the same label.
 */
export function environmentLabel(env: string): string {
  const plain = `${ENV_LABEL_PREFIX}${env}`;
  if ([...plain].length <= LABEL_MAX_LENGTH && !env.includes(',')) return plain;
  const hash = createHash('sha256').update(env, 'utf8').digest('hex').slice(0, 8);
  const room = LABEL_MAX_LENGTH - ENV_LABEL_PREFIX.length - 1 - hash.length;
  const prefix = [...env.replaceAll(',', '_')].slice(0, room).join('');
  return `${ENV_LABEL_PREFIX}${prefix}~${hash}`;
}

export interface IncidentRecord {
  number: number;
  url: string;
  state: IncidentState;
  body: string;
  open: boolean;
}

/** An open issue carrying the pause label and the environment's label, by anyone. */
export interface PauseIssue {
  number: number;
  url: string;
  title: string;
  body: string;
  author: string;
  createdAt: string;
}

/** A listed issue as the pause switch reads it (the REST list's fields it needs). */
export function pauseIssueOf(i: {
  number: number;
  html_url: string;
  title: string;
  body?: string | null | undefined;
  user?: { login: string } | null | undefined;
  created_at: string;
}): PauseIssue {
  return {
    number: i.number,
    url: i.html_url,
    title: i.title,
    body: i.body ?? '',
    author: i.user?.login ?? '',
    createdAt: i.created_at,
  };
}

/** What one list of the environment's labelled issues says: the incident and any pause issues. */
export interface EnvironmentIssues {
  incident: IncidentRecord | null;
  pauseIssues: PauseIssue[];
  /** Ripcord's open incident issues as read: number -> update time, state and body digest. */
  seen: ReadonlyMap<number, string>;
  /** When the list was asked for (the caller's clock, ms). */
  readAt: number;
}

export interface IncidentStore {
  /** The open incident of `environment`, in one request; the oldest (with a warning) if several. */
  findOpen(environment: string): Promise<IncidentRecord | null>;
  /**
   * The open incident and the pause issues of `environment` from one list (the environment's
   * label only), so the pause switch costs no request of its own. A full page (someone gave
   * 100 issues the label) falls back to the two precise lists, side by side.
   */
  readEnvironment(environment: string, now: number): Promise<EnvironmentIssues>;
  /**
   * Whether one of Ripcord's incident issues of `environment` changed (opened, edited,
   * commented, closed) since `read`: one request, `since` the read, any state.
   */
  changedSince(environment: string, read: EnvironmentIssues): Promise<boolean>;
  /** Open or closed. A missing issue or an unreadable state block is a ConfigurationError. */
  get(number: number): Promise<IncidentRecord>;
  /** Creates the labels when missing, then the issue with the summary and the state block. */
  /**
   * `fast` skips setting up the labels' colour and description: GitHub creates missing labels
   * with the issue, and a rollback should not wait two calls for cosmetics (setUpLabels later).
   */
  create(
    state: IncidentState,
    title: string,
    summaryMarkdown?: string,
    opts?: { fast?: boolean },
  ): Promise<IncidentRecord>;
  /** Creates (or leaves) both labels with their colour and description. */
  setUpLabels(environment: string): Promise<void>;
  /**
   * Writes the new state block (and refreshes the generated facts next to it) into the issue
   * body as it is on GitHub now, so text people added since `incident` was read is kept.
   */
  save(
    incident: IncidentRecord,
    state: IncidentState,
    /** Skip re-reading the body: only for a record this run wrote a moment ago. */
    opts?: { unchangedSinceRead?: boolean },
  ): Promise<IncidentRecord>;
  comment(number: number, markdown: string): Promise<void>;
  close(number: number, reason: 'completed' | 'not_planned'): Promise<void>;
}

interface IssueLike {
  number: number;
  html_url: string;
  body?: string | null | undefined;
  state: string;
  pull_request?: unknown;
  user?: { login: string } | null | undefined;
}

type ListedIssue = IssueLike & {
  title: string;
  created_at: string;
  updated_at: string;
  labels: (string | { name?: string | undefined })[];
};

function labelNamesOf(issue: ListedIssue): string[] {
  return issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')).toLowerCase());
}

/** What a re-validation compares: any write to the issue changes its update time or body. */
function seenKey(issue: ListedIssue): string {
  const digest = createHash('sha256')
    .update(issue.body ?? '', 'utf8')
    .digest('hex')
    .slice(0, 16);
  return `${issue.updated_at}|${issue.state}|${digest}`;
}

export interface IncidentStoreOptions {
  /**
   * Who Ripcord writes as (`identityFor`: policy `github.bot_login`, default
   * github-actions[bot], the identity of GITHUB_TOKEN). Anyone with triage access can label an issue; only issues this
   * identity opened are incidents, so a look-alike cannot choose a rollback target or make a
   * real rollback `skipped`. Known without an API call: it is the author of every issue Ripcord creates.
   */
  identity?: RipcordIdentity;
}

/** True for GitHub's 422 whose errors all say `already_exists` (and nothing else wrong). */
function isAlreadyExists(err: unknown): boolean {
  if (requestStatus(err) !== 422 || typeof err !== 'object' || err === null) return false;
  const response = 'response' in err ? err.response : undefined;
  const data =
    typeof response === 'object' && response !== null && 'data' in response
      ? response.data
      : undefined;
  const errors =
    typeof data === 'object' && data !== null && 'errors' in data ? data.errors : undefined;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every(
      (e: unknown) =>
        typeof e === 'object' && e !== null && 'code' in e && e.code === 'already_exists',
    )
  );
}

/**
 * A comment cut to GitHub's 65,536-character limit (a longer one is refused with 422). The
 * middle goes: the head says what happened, and the tail holds the hidden markers (such as
 * the notification record) that later runs read back.
 */
export function fitComment(markdown: string, limit = ISSUE_BODY_MAX_LENGTH): string {
  if (markdown.length <= limit) return markdown;
  const mark = (cut: number): string =>
    `\n\n… _(${cut} characters cut to fit GitHub's comment limit; the job log has everything)_ …\n\n`;
  const tail = Math.min(4_000, Math.floor(limit / 4));
  // The note for the longest cut is at least as long as the one written, so it always fits.
  const head = limit - tail - mark(markdown.length).length;
  const note = mark(markdown.length - head - tail);
  return `${markdown.slice(0, head)}${note}${markdown.slice(markdown.length - tail)}`;
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export function createIncidentStore(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  logger: Logger,
  options: IncidentStoreOptions = {},
): IncidentStore {
  const fullName = `${repo.owner}/${repo.repo}`;
  const identity = options.identity ?? ripcordIdentity();
  const author = identity.describe;
  const writtenBy = (issue: { user?: { login: string } | null | undefined }): boolean =>
    identity.is(issue.user?.login);
  /** Labels known to exist, so a second incident in the same run costs no label requests. */
  const ensuredLabels = new Set<string>();

  const toRecord = (issue: IssueLike): IncidentRecord => {
    const body = issue.body ?? '';
    const extracted = extractStateBlock(body);
    if ('absent' in extracted) {
      throw new ConfigurationError(
        `Incident issue ${issue.html_url} has no Ripcord state block ("<!-- ripcord:state ... -->").`,
        [
          `If it is not a Ripcord incident, remove its "${INCIDENT_LABEL}" label; otherwise restore the block from the issue's edit history (the "edited" menu above the issue body), then re-run the workflow.`,
        ],
      );
    }
    if ('error' in extracted) {
      throw new ConfigurationError(
        `The state block of incident issue ${issue.html_url} cannot be used.`,
        [extracted.error],
      );
    }
    return {
      number: issue.number,
      url: issue.html_url,
      state: extracted.state,
      body,
      open: issue.state === 'open',
    };
  };

  const fetchIssue = async (number: number): Promise<IssueLike> => {
    try {
      const { data } = await octokit.rest.issues.get({ ...repo, issue_number: number });
      if (data.pull_request) {
        throw new ConfigurationError(
          `#${number} in ${fullName} is a pull request, not a Ripcord incident issue.`,
        );
      }
      if (!writtenBy(data)) {
        throw new ConfigurationError(
          `#${number} in ${fullName} was opened by ${data.user?.login ?? 'an unknown user'}, not by ${author}, the identity Ripcord writes as: it is not a Ripcord incident, and Ripcord does not act on it.`,
          [
            'Pass the number of an incident Ripcord opened. If Ripcord runs as another identity (a GitHub App token), set github.bot_login in the policy to its login, such as my-app[bot].',
          ],
        );
      }
      return data;
    } catch (err) {
      const status = requestStatus(err);
      if (status === 404 || status === 410) {
        throw new ConfigurationError(
          `Incident issue #${number} does not exist in ${fullName} (GitHub answered ${status}).`,
          [
            'Check the incident number, and that the token may read issues (permissions: issues: read).',
          ],
        );
      }
      throw err;
    }
  };

  const ensureLabel = async (name: string, color: string, description: string): Promise<void> => {
    if (ensuredLabels.has(name)) return;
    try {
      await octokit.rest.issues.createLabel({
        ...repo,
        name,
        color,
        description: truncate(description, LABEL_DESCRIPTION_MAX_LENGTH),
      });
      logger.info(`Created label "${name}" in ${fullName}`);
    } catch (err) {
      // Someone (an earlier incident, a person) made it already; its colour is theirs to keep.
      if (!isAlreadyExists(err)) throw err;
    }
    ensuredLabels.add(name);
  };

  const setUpLabels = async (environment: string): Promise<void> => {
    await ensureLabel(
      INCIDENT_LABEL,
      'b60205',
      'Ripcord rollback incident; its body holds the state block Ripcord reads',
    );
    await ensureLabel(
      environmentLabel(environment),
      '5319e7',
      `Ripcord incidents of environment ${environment}`,
    );
  };

  const checkSize = (body: string, what: string): void => {
    if (body.length > ISSUE_BODY_MAX_LENGTH) {
      throw new Error(
        `${what}: the issue body would be ${body.length} characters, over GitHub's limit of ${ISSUE_BODY_MAX_LENGTH}. Shorten the text people added to the issue body (keep the state block), then re-run the workflow.`,
      );
    }
  };

  /** The open incident this run created a moment ago (same environment and opening time), if any. */
  const findCreated = async (
    envLabel: string,
    state: IncidentState,
  ): Promise<{ number: number; html_url: string } | undefined> => {
    const { data } = await octokit.rest.issues.listForRepo({
      ...repo,
      labels: `${INCIDENT_LABEL},${envLabel}`,
      state: 'open',
      sort: 'created',
      direction: 'desc',
      per_page: 10,
    });
    return data.find((i) => {
      if (i.pull_request) return false;
      const found = extractStateBlock(i.body ?? '');
      return (
        'state' in found && found.state.openedAt === state.openedAt && sameState(found.state, state)
      );
    });
  };

  /** The oldest of Ripcord's own open incident issues among `data`, checked for `environment`. */
  const pickOpen = (environment: string, data: IssueLike[]): IncidentRecord | null => {
    const envLabel = environmentLabel(environment);
    // The issues endpoint also returns pull requests; a labelled PR is not an incident. Labels
    // are not proof: anyone with triage access can add them, so only Ripcord's own issues count.
    const labelled = data.filter((i) => !i.pull_request);
    const issues = labelled.filter((i) => writtenBy(i));
    const lookalikes = labelled.filter((i) => !writtenBy(i));
    if (lookalikes.length > 0) {
      logger.warning(
        `ignored ${lookalikes.length} open issue${lookalikes.length === 1 ? '' : 's'} labelled as a Ripcord incident of "${environment}" but not opened by ${author} (${lookalikes
          .map((i) => `#${i.number} by ${i.user?.login ?? 'unknown'}`)
          .join(
            ', ',
          )}): Ripcord only trusts incidents it opened. Remove the labels, or set github.bot_login in the policy if Ripcord runs as another identity.`,
      );
    }
    const [oldest] = issues;
    if (!oldest) return null;
    if (issues.length > 1) {
      logger.warning(
        `${issues.length} open Ripcord incidents for environment "${environment}" in ${fullName} ` +
          `(${issues.map((i) => `#${i.number}`).join(', ')}); using the oldest, #${oldest.number}. ` +
          'There should be one: close the others once their history is merged into it.',
      );
    }
    const record = toRecord(oldest);
    if (record.state.environment.toLowerCase() !== environment.toLowerCase()) {
      throw new ConfigurationError(
        `Incident issue ${record.url} has the label "${envLabel}" but its state block is for environment "${record.state.environment}".`,
        [
          `Move the label to the right environment's incident, or fix "environment" in the state block.`,
        ],
      );
    }
    return record;
  };

  return {
    async findOpen(environment) {
      const { data } = await octokit.rest.issues.listForRepo({
        ...repo,
        labels: `${INCIDENT_LABEL},${environmentLabel(environment)}`,
        state: 'open',
        sort: 'created',
        direction: 'asc',
        per_page: LIST_PAGE_SIZE,
      });
      return pickOpen(environment, data);
    },

    async readEnvironment(environment, now) {
      const envLabel = environmentLabel(environment);
      const list = (labels: string) =>
        octokit.rest.issues
          .listForRepo({
            ...repo,
            labels,
            state: 'open',
            sort: 'created',
            direction: 'asc',
            per_page: LIST_PAGE_SIZE,
          })
          .then((r) => r.data as ListedIssue[]);
      const all = await list(envLabel);
      const [incidents, pauses] =
        all.length < LIST_PAGE_SIZE
          ? [all, all]
          : await Promise.all([
              list(`${INCIDENT_LABEL},${envLabel}`),
              list(`${PAUSE_LABEL},${envLabel}`),
            ]);
      const labelled = (issues: ListedIssue[], label: string) =>
        issues.filter((i) => !i.pull_request && labelNamesOf(i).includes(label));
      const incidentIssues = labelled(incidents, INCIDENT_LABEL);
      return {
        incident: pickOpen(environment, incidentIssues),
        pauseIssues: labelled(pauses, PAUSE_LABEL).map(pauseIssueOf),
        seen: new Map(incidentIssues.filter(writtenBy).map((i) => [i.number, seenKey(i)])),
        readAt: now,
      };
    },

    async changedSince(environment, read) {
      // `since`: issues updated at or after the time, in any state, closed ones included
      // (https://docs.github.com/en/rest/issues/issues#list-repository-issues); a comment or
      // an edit moves `updated_at`, so one page shows every write since the read.
      const { data } = await octokit.rest.issues.listForRepo({
        ...repo,
        labels: environmentLabel(environment),
        state: 'all',
        since: new Date(read.readAt - REVALIDATE_SLACK_MS).toISOString(),
        sort: 'updated',
        direction: 'desc',
        per_page: LIST_PAGE_SIZE,
      });
      const issues = data as ListedIssue[];
      if (issues.length >= LIST_PAGE_SIZE) return true;
      return issues.some(
        (i) =>
          !i.pull_request &&
          labelNamesOf(i).includes(INCIDENT_LABEL) &&
          writtenBy(i) &&
          read.seen.get(i.number) !== seenKey(i),
      );
    },

    async get(number) {
      return toRecord(await fetchIssue(number));
    },

    async create(state, title, summaryMarkdown = '', opts = {}) {
      if (!opts.fast) await setUpLabels(state.environment);
      const envLabel = environmentLabel(state.environment);
      const body = renderIncidentBody(state, summaryMarkdown);
      checkSize(body, `Cannot open the incident for ${state.environment}`);
      const request = { ...repo, title, body, labels: [INCIDENT_LABEL, envLabel] };
      let data: { number: number; html_url: string };
      try {
        // Not retried blindly: a 5xx can come after GitHub created the issue (plugin-retry
        // would then open a second incident). Look first, then create again.
        ({ data } = await octokit.rest.issues.create({ ...request, request: { retries: 0 } }));
      } catch (err) {
        const status = requestStatus(err);
        if (status !== undefined && status < 500) throw err;
        const created = await findCreated(envLabel, state);
        if (created) {
          logger.warning(
            `GitHub answered ${status ?? 'no response'} to opening the incident, but it was opened: ${created.html_url}; using it`,
          );
          return { number: created.number, url: created.html_url, state, body, open: true };
        }
        ({ data } = await octokit.rest.issues.create(request));
      }
      logger.info(`Opened incident ${data.html_url}`);
      return { number: data.number, url: data.html_url, state, body, open: true };
    },

    setUpLabels,

    async save(incident, state, opts = {}) {
      const currentBody = opts.unchangedSinceRead
        ? incident.body
        : ((await fetchIssue(incident.number)).body ?? '');
      const before = extractStateBlock(currentBody);
      if (!('state' in before) || !sameState(before.state, incident.state)) {
        // Under the environment lock only this run writes the block; a difference means a person
        // edited it. Recording what this run did matters more than their edit, but say so.
        logger.warning(
          `The state block of ${incident.url} changed since this run read it; writing this run's state over it (the previous body stays in the issue's edit history).`,
        );
      }
      const body = refreshIncidentBody(currentBody, state);
      checkSize(body, `Cannot save incident ${incident.url}`);
      const { data } = await octokit.rest.issues.update({
        ...repo,
        issue_number: incident.number,
        body,
      });
      return {
        number: data.number,
        url: data.html_url,
        state,
        body: data.body ?? body,
        open: data.state === 'open',
      };
    },

    async comment(number, markdown) {
      await octokit.rest.issues.createComment({
        ...repo,
        issue_number: number,
        body: fitComment(markdown),
      });
    },

    async close(number, reason) {
      await octokit.rest.issues.update({
        ...repo,
        issue_number: number,
        state: 'closed',
        state_reason: reason,
      });
    },
  };
}
