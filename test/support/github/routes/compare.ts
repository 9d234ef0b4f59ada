/**
 * `GET /repos/{owner}/{repo}/compare/{base}...{head}`: which commits and files a branch adds to
 * its base. The report writer asks it before reusing a `ripcord/incident-N` branch it did not
 * open a pull request from (issue #11: a planted branch must not be passed off as Ripcord's).
 * Three-dot semantics as on github.com: from the merge base to head.
 */
import type { GitCommitRecord } from '../state.ts';
import { error, notFound, repoOf, type RouteTable } from './context.ts';

export const compareRoutes: RouteTable = {
  'repos/compare-commits-with-basehead': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const [baseRef = '', headRef = ''] = (ctx.params['basehead'] ?? '').split('...');
    const baseSha = repo.resolveRef(baseRef);
    const headSha = repo.resolveRef(headRef);
    const base = baseSha ? repo.commits.get(baseSha) : undefined;
    const head = headSha ? repo.commits.get(headSha) : undefined;
    if (!base || !head) return error(404, 'Not Found');
    // Commits reachable from head but not from base, newest first; the first one reachable is the merge base.
    const ahead: GitCommitRecord[] = [];
    let mergeBase: GitCommitRecord = base;
    const queue = [head.sha];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const sha = queue.shift() ?? '';
      if (seen.has(sha)) continue;
      seen.add(sha);
      const c = repo.commits.get(sha);
      if (!c) continue;
      if (repo.isAncestor(sha, base.sha)) {
        if (
          mergeBase === base ||
          Date.parse(c.committer.date) > Date.parse(mergeBase.committer.date)
        )
          mergeBase = c;
        continue;
      }
      ahead.push(c);
      queue.push(...c.parents);
    }
    const behind = (() => {
      let n = 0;
      const q = [base.sha];
      const s = new Set<string>();
      while (q.length > 0) {
        const sha = q.shift() ?? '';
        if (s.has(sha) || repo.isAncestor(sha, head.sha)) continue;
        s.add(sha);
        n += 1;
        q.push(...(repo.commits.get(sha)?.parents ?? []));
      }
      return n;
    })();
    const before = repo.trees.get(mergeBase.tree) ?? new Map();
    const after = repo.trees.get(head.tree) ?? new Map();
    const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
    const files = paths.flatMap((path) => {
      const a = before.get(path);
      const b = after.get(path);
      if (a?.sha === b?.sha) return [];
      const status = !a ? 'added' : !b ? 'removed' : 'modified';
      const sha = (b ?? a)?.sha ?? '';
      return [
        {
          sha,
          filename: path,
          status,
          additions: 0,
          deletions: 0,
          changes: 0,
          blob_url: ctx.shapes.html(`${repo.fullName}/blob/${head.sha}/${path}`),
          raw_url: ctx.shapes.html(`${repo.fullName}/raw/${head.sha}/${path}`),
          contents_url: `${ctx.shapes.repoUrl(repo)}/contents/${path}?ref=${head.sha}`,
        },
      ];
    });
    const url = `${ctx.shapes.repoUrl(repo)}/compare/${base.sha}...${head.sha}`;
    return {
      status: 200,
      body: {
        url,
        html_url: ctx.shapes.html(`${repo.fullName}/compare/${baseRef}...${headRef}`),
        permalink_url: ctx.shapes.html(`${repo.fullName}/compare/${base.sha}...${head.sha}`),
        diff_url: ctx.shapes.html(`${repo.fullName}/compare/${baseRef}...${headRef}.diff`),
        patch_url: ctx.shapes.html(`${repo.fullName}/compare/${baseRef}...${headRef}.patch`),
        base_commit: ctx.shapes.commit(repo, base),
        merge_base_commit: ctx.shapes.commit(repo, mergeBase),
        status:
          ahead.length > 0 && behind > 0
            ? 'diverged'
            : ahead.length > 0
              ? 'ahead'
              : behind > 0
                ? 'behind'
                : 'identical',
        ahead_by: ahead.length,
        behind_by: behind,
        total_commits: ahead.length,
        commits: ahead.reverse().map((c) => ctx.shapes.commit(repo, c)),
        files,
      },
    };
  },
};
