/** Pull requests: the incident report PR, opened once and updated after. */
import type { PullRecord, RepoState } from '../state.ts';
import {
  bodyObject,
  error,
  listReply,
  newestFirst,
  notFound,
  repoOf,
  str,
  validationFailed,
  type RouteContext,
  type RouteTable,
} from './context.ts';

/** `owner:branch` or `branch` -> branch (same-repository pull requests only). */
function branchOf(head: string): string {
  const colon = head.indexOf(':');
  return colon >= 0 ? head.slice(colon + 1) : head;
}

function pullOf(ctx: RouteContext): { repo: RepoState; pull: PullRecord } | undefined {
  const repo = repoOf(ctx);
  const pull = repo?.pulls.find((p) => p.number === Number(ctx.params['pull_number']));
  return repo && pull ? { repo, pull } : undefined;
}

export const pullRoutes: RouteTable = {
  'pulls/create': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const head = branchOf(str(body['head']) ?? '');
    const base = str(body['base']) ?? '';
    const headSha = repo.refs.get(`refs/heads/${head}`);
    const baseSha = repo.refs.get(`refs/heads/${base}`);
    if (headSha === undefined) {
      return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    }
    if (baseSha === undefined) {
      return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    }
    if (repo.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base)) {
      return validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${repo.owner}:${head}.`,
        },
      ]);
    }
    if (headSha === baseSha || repo.isAncestor(headSha, baseSha)) {
      return validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `No commits between ${base} and ${head}`,
        },
      ]);
    }
    const title = str(body['title']);
    if (title === undefined) {
      return validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    }
    const issue = repo.addIssue({ title, body: str(body['body']) ?? null });
    issue.pull_number = issue.number;
    const now = repo.now();
    const pull: PullRecord = {
      id: repo.nextId(),
      number: issue.number,
      title,
      body: str(body['body']) ?? null,
      state: 'open',
      head,
      base,
      draft: body['draft'] === true,
      maintainer_can_modify: body['maintainer_can_modify'] !== false,
      user: ctx.state.actor,
      created_at: now,
      updated_at: now,
      closed_at: null,
    };
    repo.pulls.push(pull);
    const shape = ctx.shapes.pull(repo, pull);
    return { status: 201, body: shape, headers: { location: String(shape['url']) } };
  },

  'pulls/get': (ctx) => {
    const found = pullOf(ctx);
    if (!found) return notFound();
    return { status: 200, body: ctx.shapes.pull(found.repo, found.pull) };
  },

  'pulls/update': (ctx) => {
    const found = pullOf(ctx);
    if (!found) return error(404, 'Not Found');
    const { repo, pull } = found;
    const body = bodyObject(ctx);
    const issue = repo.findIssue(pull.number);
    const title = str(body['title']);
    if (title !== undefined) pull.title = title;
    if ('body' in body) pull.body = str(body['body']) ?? null;
    const base = str(body['base']);
    if (base !== undefined) pull.base = base;
    const state = body['state'];
    if ((state === 'open' || state === 'closed') && state !== pull.state) {
      pull.state = state;
      pull.closed_at = state === 'closed' ? repo.now() : null;
    }
    pull.updated_at = repo.now();
    if (issue) {
      issue.title = pull.title;
      issue.body = pull.body;
      issue.state = pull.state;
      issue.closed_at = pull.closed_at;
      issue.updated_at = pull.updated_at;
    }
    return { status: 200, body: ctx.shapes.pull(repo, pull) };
  },

  'pulls/list': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const state = ctx.query.get('state') ?? 'open';
    const head = ctx.query.get('head');
    const base = ctx.query.get('base');
    const matching = repo.pulls.filter(
      (p) =>
        (state === 'all' || p.state === state) &&
        (head === null || (head.includes(':') ? `${repo.owner}:${p.head}` === head : false)) &&
        (base === null || p.base === base),
    );
    const sorted = newestFirst(matching);
    if (ctx.query.get('direction') === 'asc') sorted.reverse();
    return listReply(ctx, sorted, (p) => ctx.shapes.pullSimple(repo, p));
  },
};
