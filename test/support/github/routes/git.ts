/** Git refs (the lock primitive), blobs, trees and commits. */
import type { TreeEntry } from '../state.ts';
import { isObject } from '../spec.ts';
import {
  bodyObject,
  notFound,
  repoOf,
  str,
  unprocessable,
  type RouteContext,
  type RouteTable,
} from './context.ts';

function fullRef(ctx: RouteContext): string {
  const ref = ctx.params['ref'] ?? '';
  return ref.startsWith('refs/') ? ref : `refs/${ref}`;
}

export const gitRoutes: RouteTable = {
  'git/create-ref': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const ref = str(body['ref']) ?? '';
    const sha = str(body['sha']) ?? '';
    if (!ref.startsWith('refs/') || ref.split('/').length < 3 || ref.endsWith('/')) {
      return unprocessable(`${ref} is not a valid ref name.`);
    }
    if (repo.refs.has(ref)) return unprocessable('Reference already exists');
    if (!repo.objectExists(sha)) return unprocessable('Object does not exist');
    repo.refs.set(ref, sha);
    return {
      status: 201,
      body: ctx.shapes.gitRef(repo, ref, sha),
      headers: { location: `${ctx.shapes.repoUrl(repo)}/git/${ref}` },
    };
  },

  'git/get-ref': (ctx) => {
    const repo = repoOf(ctx);
    const ref = fullRef(ctx);
    const sha = repo?.refs.get(ref);
    if (!repo || sha === undefined) return notFound();
    return { status: 200, body: ctx.shapes.gitRef(repo, ref, sha) };
  },

  'git/list-matching-refs': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const prefix = fullRef(ctx);
    const matches = [...repo.refs.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return { status: 200, body: matches.map(([name, sha]) => ctx.shapes.gitRef(repo, name, sha)) };
  },

  'git/update-ref': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const ref = fullRef(ctx);
    const current = repo.refs.get(ref);
    if (current === undefined) return unprocessable('Reference does not exist');
    const body = bodyObject(ctx);
    const sha = str(body['sha']) ?? '';
    if (!repo.objectExists(sha)) return unprocessable('Object does not exist');
    if (body['force'] !== true && !repo.isAncestor(current, sha)) {
      return unprocessable('Update is not a fast forward');
    }
    repo.refs.set(ref, sha);
    return { status: 200, body: ctx.shapes.gitRef(repo, ref, sha) };
  },

  'git/delete-ref': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const ref = fullRef(ctx);
    if (!repo.refs.delete(ref)) return unprocessable('Reference does not exist');
    return { status: 204 };
  },

  'git/create-blob': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const content = str(body['content']) ?? '';
    const encoding = str(body['encoding']) ?? 'utf-8';
    const data = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content);
    const sha = repo.writeBlob(data);
    const url = `${ctx.shapes.repoUrl(repo)}/git/blobs/${sha}`;
    return { status: 201, body: { url, sha }, headers: { location: url } };
  },

  'git/get-blob': (ctx) => {
    const repo = repoOf(ctx);
    const sha = ctx.params['file_sha'] ?? '';
    const data = repo?.blobs.get(sha);
    if (!repo || !data) return notFound();
    return {
      status: 200,
      body: {
        content: data.toString('base64').replace(/(.{60})/g, '$1\n'),
        encoding: 'base64',
        url: `${ctx.shapes.repoUrl(repo)}/git/blobs/${sha}`,
        sha,
        size: data.length,
        node_id: Buffer.from(`0:B${sha}`).toString('base64'),
      },
    };
  },

  'git/create-tree': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const baseSha = str(body['base_tree']);
    const base = baseSha !== undefined ? repo.trees.get(baseSha) : new Map<string, TreeEntry>();
    if (!base) return unprocessable('base_tree is not a valid tree oid');
    const entries = new Map(base);
    const items = Array.isArray(body['tree']) ? body['tree'] : [];
    for (const item of items) {
      if (!isObject(item)) continue;
      const path = str(item['path']) ?? '';
      const content = str(item['content']);
      const sha = item['sha'];
      if (sha === null) {
        entries.delete(path);
        continue;
      }
      const target = content !== undefined ? repo.writeBlob(Buffer.from(content)) : str(sha);
      if (target === undefined || !repo.objectExists(target)) {
        return unprocessable(`tree.sha ${String(sha)} is not a valid blob`);
      }
      entries.set(path, {
        mode: str(item['mode']) ?? '100644',
        type: item['type'] === 'tree' || item['type'] === 'commit' ? item['type'] : 'blob',
        sha: target,
      });
    }
    const sha = repo.writeTree(entries);
    const url = `${ctx.shapes.repoUrl(repo)}/git/trees/${sha}`;
    return {
      status: 201,
      headers: { location: url },
      body: {
        sha,
        url,
        truncated: false,
        tree: [...entries.entries()].map(([path, e]) => ({
          path,
          mode: e.mode,
          type: e.type,
          sha: e.sha,
          size: repo.blobs.get(e.sha)?.length ?? 0,
          url: `${ctx.shapes.repoUrl(repo)}/git/${e.type}s/${e.sha}`,
        })),
      },
    };
  },

  'git/create-commit': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const tree = str(body['tree']) ?? '';
    if (!repo.trees.has(tree)) return unprocessable('Tree SHA does not exist');
    const parents = (Array.isArray(body['parents']) ? body['parents'] : []).filter(
      (p): p is string => typeof p === 'string',
    );
    if (parents.some((p) => !repo.commits.has(p)))
      return unprocessable('Parent SHA does not exist or is not a commit object');
    const person = (value: unknown): { name: string; email: string; date?: string } | undefined =>
      isObject(value) && typeof value['name'] === 'string' && typeof value['email'] === 'string'
        ? {
            name: value['name'],
            email: value['email'],
            ...(typeof value['date'] === 'string' ? { date: value['date'] } : {}),
          }
        : undefined;
    const author = person(body['author']);
    const committer = person(body['committer']);
    const sha = repo.writeCommit({
      tree,
      parents,
      message: str(body['message']) ?? '',
      ...(author ? { author } : {}),
      ...(committer ? { committer } : {}),
    });
    const commit = repo.commits.get(sha);
    if (!commit) return notFound();
    const shape = ctx.shapes.gitCommit(repo, commit);
    return { status: 201, body: shape, headers: { location: String(shape['url']) } };
  },

  'git/get-commit': (ctx) => {
    const repo = repoOf(ctx);
    const commit = repo?.commits.get(ctx.params['commit_sha'] ?? '');
    if (!repo || !commit) return notFound();
    return { status: 200, body: ctx.shapes.gitCommit(repo, commit) };
  },
};
