/** Branches and file contents: how the incident report lands on its branch. */
import { isObject } from '../spec.ts';
import {
  bodyObject,
  error,
  notFound,
  repoOf,
  str,
  validationFailed,
  type RouteTable,
} from './context.ts';

export const contentRoutes: RouteTable = {
  'repos/get-branch': (ctx) => {
    const repo = repoOf(ctx);
    const branch = ctx.params['branch'] ?? '';
    const sha = repo?.refs.get(`refs/heads/${branch}`);
    const commit = sha !== undefined ? repo?.commits.get(sha) : undefined;
    if (!repo || !commit) return error(404, 'Branch not found');
    const url = `${ctx.shapes.repoUrl(repo)}/branches/${encodeURIComponent(branch)}`;
    return {
      status: 200,
      body: {
        name: branch,
        commit: ctx.shapes.commit(repo, commit),
        _links: { self: url, html: ctx.shapes.html(`${repo.fullName}/tree/${branch}`) },
        protected: false,
        protection: {
          enabled: false,
          required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
        },
        protection_url: `${url}/protection`,
      },
    };
  },

  'repos/get-content': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const ref = ctx.query.get('ref') ?? repo.defaultBranch;
    const sha = repo.resolveRef(ref);
    const commit = sha !== undefined ? repo.commits.get(sha) : undefined;
    const tree = commit ? repo.trees.get(commit.tree) : undefined;
    const path = (ctx.params['path'] ?? '').replace(/^\/+|\/+$/g, '');
    const entry = tree?.get(path);
    const data = entry ? repo.blobs.get(entry.sha) : undefined;
    if (!repo || !entry || !data) return notFound();
    return { status: 200, body: ctx.shapes.contentFile(repo, path, entry.sha, data, ref) };
  },

  'repos/create-or-update-file-contents': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const branch = str(body['branch']) ?? repo.defaultBranch;
    const head = repo.refs.get(`refs/heads/${branch}`);
    const headCommit = head !== undefined ? repo.commits.get(head) : undefined;
    if (head === undefined || !headCommit) return error(404, `Branch ${branch} not found`);
    const path = (ctx.params['path'] ?? '').replace(/^\/+/, '');
    const entries = new Map(repo.trees.get(headCommit.tree) ?? []);
    const existing = entries.get(path);
    const givenSha = str(body['sha']);
    if (existing && givenSha === undefined) {
      return validationFailed([], 'Invalid request.\n\n"sha" wasn\'t supplied.');
    }
    if (existing && givenSha !== existing.sha) {
      return error(409, `${path} does not match ${givenSha ?? ''}`);
    }
    const content = Buffer.from(str(body['content']) ?? '', 'base64');
    const blob = repo.writeBlob(content);
    entries.set(path, { mode: '100644', type: 'blob', sha: blob });
    const person = isObject(body['committer']) ? body['committer'] : undefined;
    const name = str(person?.['name']);
    const email = str(person?.['email']);
    const sha = repo.writeCommit({
      tree: repo.writeTree(entries),
      parents: [head],
      message: str(body['message']) ?? '',
      ...(name !== undefined && email !== undefined ? { committer: { name, email } } : {}),
    });
    repo.refs.set(`refs/heads/${branch}`, sha);
    const commit = repo.commits.get(sha);
    if (!commit) return notFound();
    const file = ctx.shapes.contentFile(repo, path, blob, content, branch);
    delete file['content'];
    delete file['encoding'];
    return {
      status: existing ? 200 : 201,
      body: { content: file, commit: ctx.shapes.gitCommit(repo, commit) },
    };
  },
};
