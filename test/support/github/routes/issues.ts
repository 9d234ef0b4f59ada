/** Issues, issue comments and labels: the incident record and its audit log. */
import type { IssueRecord, RepoState } from '../state.ts';
import { isObject } from '../spec.ts';
import {
  bodyObject,
  listReply,
  notFound,
  repoOf,
  str,
  validationFailed,
  type RouteContext,
  type RouteTable,
} from './context.ts';

/**
 * GitHub's size limits, answered 422 as github.com does: issue and comment bodies up to 65,536
 * characters ("body is too long (maximum is 65536 characters)",
 * https://github.com/trstringer/manual-approval/issues/89 for issues,
 * https://github.com/danger/danger/issues/424 and https://github.com/peter-evans/create-or-update-comment/pull/182
 * for comments), label names up to 50 ("name is too long (maximum is 50 characters)",
 * https://docs.github.com/en/rest/issues/labels#create-a-label).
 */
export const BODY_LIMIT = 65_536;
export const LABEL_NAME_LIMIT = 50;

function bodyTooLong(resource: 'Issue' | 'IssueComment', body: unknown) {
  if (typeof body !== 'string' || body.length <= BODY_LIMIT) return undefined;
  return resource === 'Issue'
    ? validationFailed([
        {
          resource,
          code: 'custom',
          field: 'body',
          message: `body is too long (maximum is ${BODY_LIMIT} characters)`,
        },
      ])
    : validationFailed([
        {
          resource,
          code: 'unprocessable',
          field: 'data',
          message: `Body is too long (maximum is ${BODY_LIMIT} characters)`,
        },
      ]);
}

function labelTooLong(value: unknown) {
  const items = Array.isArray(value) ? value : [value];
  const long = items
    .map((item) =>
      typeof item === 'string' ? item : isObject(item) ? str(item['name']) : undefined,
    )
    .find((name) => name !== undefined && [...name].length > LABEL_NAME_LIMIT);
  return long === undefined
    ? undefined
    : validationFailed([
        {
          resource: 'Label',
          code: 'custom',
          field: 'name',
          message: `name is too long (maximum is ${LABEL_NAME_LIMIT} characters)`,
        },
      ]);
}

/** Label lists accept names or `{name}` objects; missing labels are created, as on GitHub. */
function labelNames(repo: RepoState, value: unknown): string[] {
  const items = Array.isArray(value) ? value : [];
  const names = items.flatMap((item) => {
    const name = typeof item === 'string' ? item : isObject(item) ? str(item['name']) : undefined;
    return name !== undefined && name !== '' ? [repo.addLabel(name).name] : [];
  });
  return [...new Set(names)];
}

/** Replaces an issue's labels, recording a `labeled` / `unlabeled` event per change as GitHub does. */
function setLabels(repo: RepoState, issue: IssueRecord, labels: string[]): void {
  const had = new Set(issue.labels.map((l) => l.toLowerCase()));
  const has = new Set(labels.map((l) => l.toLowerCase()));
  for (const l of issue.labels)
    if (!has.has(l.toLowerCase())) repo.recordLabelEvent(issue, 'unlabeled', l);
  for (const l of labels) if (!had.has(l.toLowerCase())) repo.recordLabelEvent(issue, 'labeled', l);
  issue.labels = labels;
}

function issueOf(ctx: RouteContext): { repo: RepoState; issue: IssueRecord } | undefined {
  const repo = repoOf(ctx);
  const issue = repo?.findIssue(Number(ctx.params['issue_number']));
  return repo && issue ? { repo, issue } : undefined;
}

function findComment(repo: RepoState, id: number) {
  for (const issue of repo.issues) {
    const comment = issue.comments.find((c) => c.id === id);
    if (comment) return { issue, comment };
  }
  return undefined;
}

export const issueRoutes: RouteTable = {
  'issues/create': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const title = body['title'];
    if ((typeof title !== 'string' && typeof title !== 'number') || String(title) === '') {
      return validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    }
    const refused = bodyTooLong('Issue', body['body']) ?? labelTooLong(body['labels']);
    if (refused) return refused;
    const issue = repo.addIssue({ title: String(title), body: str(body['body']) ?? null });
    issue.labels = labelNames(repo, body['labels']);
    for (const l of issue.labels) repo.recordLabelEvent(issue, 'labeled', l);
    const assignees = Array.isArray(body['assignees']) ? body['assignees'] : [];
    issue.assignees = assignees.filter((a): a is string => typeof a === 'string');
    return {
      status: 201,
      body: ctx.shapes.issue(repo, issue),
      headers: { location: `${ctx.shapes.repoUrl(repo)}/issues/${issue.number}` },
    };
  },

  'issues/get': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    return { status: 200, body: ctx.shapes.issue(found.repo, found.issue) };
  },

  'issues/update': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    const { repo, issue } = found;
    const body = bodyObject(ctx);
    const refused = bodyTooLong('Issue', body['body']) ?? labelTooLong(body['labels'] ?? []);
    if (refused) return refused;
    const title = body['title'];
    if (typeof title === 'string' || typeof title === 'number') issue.title = String(title);
    if ('body' in body) issue.body = str(body['body']) ?? null;
    if ('labels' in body) setLabels(repo, issue, labelNames(repo, body['labels']));
    if (Array.isArray(body['assignees'])) {
      issue.assignees = body['assignees'].filter((a): a is string => typeof a === 'string');
    }
    const state = body['state'];
    if ((state === 'open' || state === 'closed') && state !== issue.state) {
      issue.state = state;
      issue.closed_at = state === 'closed' ? repo.now() : null;
      issue.state_reason = state === 'closed' ? 'completed' : 'reopened';
    }
    const reason = body['state_reason'];
    if (
      issue.state === 'closed' &&
      (reason === 'completed' || reason === 'not_planned' || reason === 'duplicate')
    ) {
      issue.state_reason = reason;
    }
    issue.updated_at = repo.now();
    return { status: 200, body: ctx.shapes.issue(repo, issue) };
  },

  'issues/list-for-repo': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const q = ctx.query;
    const state = q.get('state') ?? 'open';
    const wanted = (q.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== '');
    const creator = q.get('creator');
    const since = q.get('since');
    const sort = q.get('sort') ?? 'created';
    const ascending = q.get('direction') === 'asc';
    const matching = repo.issues.filter(
      (i) =>
        (state === 'all' || i.state === state) &&
        wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)) &&
        (creator === null || i.user === creator) &&
        (since === null || i.updated_at >= new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')),
    );
    const key = (i: IssueRecord): string | number =>
      sort === 'updated' ? i.updated_at : sort === 'comments' ? i.comments.length : i.created_at;
    const sorted = [...matching].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const order = ka === kb ? a.number - b.number : ka < kb ? -1 : 1;
      return ascending ? order : -order;
    });
    return listReply(ctx, sorted, (i) => ctx.shapes.issue(repo, i));
  },

  /**
   * The issue's events, oldest first; only `labeled` / `unlabeled` are modelled. The actor is
   * who changed the label, which the issue's author need not be.
   */
  'issues/list-events': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    return listReply(ctx, found.issue.events ?? [], (e) => ({
      id: e.id,
      node_id: `LE_${e.id}`,
      url: `${ctx.shapes.repoUrl(found.repo)}/issues/events/${e.id}`,
      actor: ctx.shapes.user(e.actor),
      event: e.event,
      commit_id: null,
      commit_url: null,
      created_at: e.created_at,
      performed_via_github_app: null,
      label: { name: e.label, color: found.repo.addLabel(e.label).color },
    }));
  },

  'issues/create-comment': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    const body = str(bodyObject(ctx)['body']) ?? '';
    if (body === '') {
      return validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
    }
    const refused = bodyTooLong('IssueComment', body);
    if (refused) return refused;
    const comment = found.repo.addComment(found.issue, { body });
    const shape = ctx.shapes.comment(found.repo, comment);
    return { status: 201, body: shape, headers: { location: String(shape['url']) } };
  },

  'issues/list-comments': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    const since = ctx.query.get('since');
    const comments = found.issue.comments.filter(
      (c) => since === null || new Date(c.updated_at) >= new Date(since),
    );
    return listReply(ctx, comments, (c) => ctx.shapes.comment(found.repo, c));
  },

  'issues/get-comment': (ctx) => {
    const repo = repoOf(ctx);
    const found = repo ? findComment(repo, Number(ctx.params['comment_id'])) : undefined;
    if (!repo || !found) return notFound();
    return { status: 200, body: ctx.shapes.comment(repo, found.comment) };
  },

  'issues/update-comment': (ctx) => {
    const repo = repoOf(ctx);
    const found = repo ? findComment(repo, Number(ctx.params['comment_id'])) : undefined;
    if (!repo || !found) return notFound();
    const refused = bodyTooLong('IssueComment', bodyObject(ctx)['body']);
    if (refused) return refused;
    found.comment.body = str(bodyObject(ctx)['body']) ?? found.comment.body;
    found.comment.updated_at = repo.now();
    return { status: 200, body: ctx.shapes.comment(repo, found.comment) };
  },

  'issues/create-label': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const name = str(body['name']) ?? '';
    const refused = labelTooLong(name);
    if (refused) return refused;
    if (repo.findLabel(name)) {
      return validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    }
    const color = (str(body['color']) ?? 'ededed').replace(/^#/, '');
    const label = repo.addLabel(name, color, str(body['description']) ?? null);
    const shape = ctx.shapes.label(repo, label);
    return { status: 201, body: shape, headers: { location: String(shape['url']) } };
  },

  'issues/get-label': (ctx) => {
    const repo = repoOf(ctx);
    const label = repo?.findLabel(ctx.params['name'] ?? '');
    if (!repo || !label) return notFound();
    return { status: 200, body: ctx.shapes.label(repo, label) };
  },

  'issues/list-labels-for-repo': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return listReply(ctx, [...repo.labels.values()], (l) => ctx.shapes.label(repo, l));
  },

  'issues/list-labels-on-issue': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    return listReply(ctx, found.issue.labels, (name) => {
      const label = found.repo.addLabel(name);
      return ctx.shapes.label(found.repo, label);
    });
  },

  'issues/add-labels': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    const body = ctx.body;
    const raw = Array.isArray(body) ? body : isObject(body) ? body['labels'] : [];
    const added = labelNames(found.repo, raw);
    setLabels(found.repo, found.issue, [...new Set([...found.issue.labels, ...added])]);
    found.issue.updated_at = found.repo.now();
    return {
      status: 200,
      body: found.issue.labels.map((n) => ctx.shapes.label(found.repo, found.repo.addLabel(n))),
    };
  },

  'issues/set-labels': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    const body = ctx.body;
    const raw = Array.isArray(body) ? body : isObject(body) ? body['labels'] : [];
    setLabels(found.repo, found.issue, labelNames(found.repo, raw));
    found.issue.updated_at = found.repo.now();
    return {
      status: 200,
      body: found.issue.labels.map((n) => ctx.shapes.label(found.repo, found.repo.addLabel(n))),
    };
  },

  'issues/remove-label': (ctx) => {
    const found = issueOf(ctx);
    if (!found) return notFound();
    const name = (ctx.params['name'] ?? '').toLowerCase();
    const before = found.issue.labels.length;
    setLabels(
      found.repo,
      found.issue,
      found.issue.labels.filter((l) => l.toLowerCase() !== name),
    );
    if (found.issue.labels.length === before) return notFound();
    return {
      status: 200,
      body: found.issue.labels.map((n) => ctx.shapes.label(found.repo, found.repo.addLabel(n))),
    };
  },
};
