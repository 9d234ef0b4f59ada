/**
 * Renders state records as the JSON GitHub sends: every required field of the documented
 * schema, with URLs rooted at the stand-in so a client that follows them stays local.
 */
import type {
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  GitCommitRecord,
  IssueRecord,
  LabelRecord,
  PullRecord,
  RepoState,
  WorkflowRunRecord,
} from './state.ts';
import { gitSha } from './state.ts';

type Obj = Record<string, unknown>;

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');
}

/** Stable numeric id for a login, so the same user always looks the same. */
function userId(login: string): number {
  if (login === 'github-actions[bot]') return 41898282;
  let hash = 7;
  for (const c of login) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return 100_000 + (hash % 90_000_000);
}

export class Shapes {
  readonly api: string;

  constructor(baseUrl: string) {
    this.api = baseUrl.replace(/\/$/, '');
  }

  html(path: string): string {
    return `${this.api}/${path}`;
  }

  user(login: string): Obj {
    const url = `${this.api}/users/${encodeURIComponent(login)}`;
    return {
      login,
      id: userId(login),
      node_id: nodeId('U', userId(login)),
      avatar_url: `${this.api}/avatars/u/${userId(login)}`,
      gravatar_id: '',
      url,
      html_url: this.html(encodeURIComponent(login)),
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** `team-full` of GET /orgs/{org}/teams/{team_slug}. */
  team(org: string, slug: string): Obj {
    const id = userId(`team:${org}/${slug}`);
    const orgId = userId(`org:${org}`);
    const orgUrl = `${this.api}/orgs/${encodeURIComponent(org)}`;
    const url = `${this.api}/organizations/${orgId}/team/${id}`;
    return {
      id,
      node_id: nodeId('T', id),
      url,
      html_url: this.html(`orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(slug)}`),
      name: slug,
      slug,
      description: null,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      members_url: `${url}/members{/member}`,
      repositories_url: `${url}/repos`,
      parent: null,
      members_count: 0,
      repos_count: 0,
      created_at: '2020-01-01T00:00:00Z',
      updated_at: '2020-01-01T00:00:00Z',
      type: 'organization',
      organization: {
        login: org,
        id: orgId,
        node_id: nodeId('O', orgId),
        url: orgUrl,
        repos_url: `${orgUrl}/repos`,
        events_url: `${orgUrl}/events`,
        hooks_url: `${orgUrl}/hooks`,
        issues_url: `${orgUrl}/issues`,
        members_url: `${orgUrl}/members{/member}`,
        public_members_url: `${orgUrl}/public_members{/member}`,
        avatar_url: `${this.api}/avatars/o/${orgId}`,
        description: null,
        html_url: this.html(encodeURIComponent(org)),
        has_organization_projects: true,
        has_repository_projects: true,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        type: 'Organization',
        created_at: '2020-01-01T00:00:00Z',
        updated_at: '2020-01-01T00:00:00Z',
        archived_at: null,
      },
    };
  }

  repoUrl(repo: RepoState): string {
    return `${this.api}/repos/${repo.owner}/${repo.name}`;
  }

  minimalRepository(repo: RepoState): Obj {
    const url = this.repoUrl(repo);
    return {
      id: repo.id,
      node_id: nodeId('R', repo.id),
      name: repo.name,
      full_name: repo.fullName,
      owner: this.user(repo.owner),
      private: repo.private,
      html_url: this.html(repo.fullName),
      description: null,
      fork: false,
      url,
      archive_url: `${url}/{archive_format}{/ref}`,
      assignees_url: `${url}/assignees{/user}`,
      blobs_url: `${url}/git/blobs{/sha}`,
      branches_url: `${url}/branches{/branch}`,
      collaborators_url: `${url}/collaborators{/collaborator}`,
      comments_url: `${url}/comments{/number}`,
      commits_url: `${url}/commits{/sha}`,
      compare_url: `${url}/compare/{base}...{head}`,
      contents_url: `${url}/contents/{+path}`,
      contributors_url: `${url}/contributors`,
      deployments_url: `${url}/deployments`,
      downloads_url: `${url}/downloads`,
      events_url: `${url}/events`,
      forks_url: `${url}/forks`,
      git_commits_url: `${url}/git/commits{/sha}`,
      git_refs_url: `${url}/git/refs{/sha}`,
      git_tags_url: `${url}/git/tags{/sha}`,
      issue_comment_url: `${url}/issues/comments{/number}`,
      issue_events_url: `${url}/issues/events{/number}`,
      issues_url: `${url}/issues{/number}`,
      keys_url: `${url}/keys{/key_id}`,
      labels_url: `${url}/labels{/name}`,
      languages_url: `${url}/languages`,
      merges_url: `${url}/merges`,
      milestones_url: `${url}/milestones{/number}`,
      notifications_url: `${url}/notifications{?since,all,participating}`,
      pulls_url: `${url}/pulls{/number}`,
      releases_url: `${url}/releases{/id}`,
      stargazers_url: `${url}/stargazers`,
      statuses_url: `${url}/statuses/{sha}`,
      subscribers_url: `${url}/subscribers`,
      subscription_url: `${url}/subscription`,
      tags_url: `${url}/tags`,
      teams_url: `${url}/teams`,
      trees_url: `${url}/git/trees{/sha}`,
      hooks_url: `${url}/hooks`,
    };
  }

  repository(repo: RepoState): Obj {
    const host = new URL(this.api).host;
    const openIssues = repo.issues.filter((i) => i.state === 'open').length;
    return {
      ...this.minimalRepository(repo),
      git_url: `git://${host}/${repo.fullName}.git`,
      ssh_url: `git@${host}:${repo.fullName}.git`,
      clone_url: `${this.html(repo.fullName)}.git`,
      svn_url: this.html(repo.fullName),
      mirror_url: null,
      homepage: null,
      language: 'TypeScript',
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 128,
      default_branch: repo.defaultBranch,
      open_issues_count: openIssues,
      open_issues: openIssues,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: repo.private ? 'private' : 'public',
      license: null,
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
    };
  }

  fullRepository(repo: RepoState): Obj {
    const full = this.repository(repo);
    delete full['has_downloads'];
    return {
      ...full,
      subscribers_count: 1,
      network_count: 0,
      permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    };
  }

  deployment(repo: RepoState, d: DeploymentRecord): Obj {
    const url = `${this.repoUrl(repo)}/deployments/${d.id}`;
    return {
      url,
      id: d.id,
      node_id: nodeId('DE', d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      original_environment: d.original_environment,
      environment: d.environment,
      description: d.description,
      creator: this.user(d.creator),
      created_at: d.created_at,
      updated_at: d.updated_at,
      statuses_url: `${url}/statuses`,
      repository_url: this.repoUrl(repo),
      transient_environment: d.transient_environment,
      production_environment: d.production_environment,
      performed_via_github_app: null,
    };
  }

  deploymentStatus(repo: RepoState, d: DeploymentRecord, s: DeploymentStatusRecord): Obj {
    const deploymentUrl = `${this.repoUrl(repo)}/deployments/${d.id}`;
    return {
      url: `${deploymentUrl}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId('DES', s.id),
      state: s.state,
      creator: this.user(s.creator),
      description: s.description,
      environment: s.environment,
      target_url: s.target_url,
      log_url: s.log_url,
      environment_url: s.environment_url,
      created_at: s.created_at,
      updated_at: s.updated_at,
      deployment_url: deploymentUrl,
      repository_url: this.repoUrl(repo),
      performed_via_github_app: null,
    };
  }

  label(repo: RepoState, l: LabelRecord): Obj {
    return {
      id: l.id,
      node_id: nodeId('LA', l.id),
      url: `${this.repoUrl(repo)}/labels/${encodeURIComponent(l.name)}`,
      name: l.name,
      description: l.description,
      color: l.color,
      default: false,
    };
  }

  private issueLabels(repo: RepoState, names: string[]): Obj[] {
    return names.flatMap((n) => {
      const l = repo.findLabel(n);
      return l ? [this.label(repo, l)] : [];
    });
  }

  issue(repo: RepoState, i: IssueRecord): Obj {
    const url = `${this.repoUrl(repo)}/issues/${i.number}`;
    const shape: Obj = {
      id: i.id,
      node_id: nodeId('I', i.id),
      url,
      repository_url: this.repoUrl(repo),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: this.html(`${repo.fullName}/issues/${i.number}`),
      number: i.number,
      state: i.state,
      state_reason: i.state_reason,
      title: i.title,
      body: i.body,
      user: this.user(i.user),
      labels: this.issueLabels(repo, i.labels),
      assignee: i.assignees[0] !== undefined ? this.user(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.user(a)),
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: i.comments.length,
      closed_at: i.closed_at,
      created_at: i.created_at,
      updated_at: i.updated_at,
      author_association: 'NONE',
    };
    if (i.pull_number !== undefined) {
      const pullUrl = `${this.repoUrl(repo)}/pulls/${i.number}`;
      shape['pull_request'] = {
        url: pullUrl,
        html_url: this.html(`${repo.fullName}/pull/${i.number}`),
        diff_url: this.html(`${repo.fullName}/pull/${i.number}.diff`),
        patch_url: this.html(`${repo.fullName}/pull/${i.number}.patch`),
        merged_at: null,
      };
    }
    return shape;
  }

  comment(repo: RepoState, c: CommentRecord): Obj {
    return {
      id: c.id,
      node_id: nodeId('IC', c.id),
      url: `${this.repoUrl(repo)}/issues/comments/${c.id}`,
      html_url: this.html(`${repo.fullName}/issues/${c.issue_number}#issuecomment-${c.id}`),
      body: c.body,
      user: this.user(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      issue_url: `${this.repoUrl(repo)}/issues/${c.issue_number}`,
      author_association: 'NONE',
    };
  }

  gitRef(repo: RepoState, ref: string, sha: string): Obj {
    const type = repo.objectType(sha);
    return {
      ref,
      node_id: nodeId('REF', `${repo.id}:${ref}`),
      url: `${this.repoUrl(repo)}/git/${ref}`,
      object: { type, sha, url: `${this.repoUrl(repo)}/git/${type}s/${sha}` },
    };
  }

  gitCommit(repo: RepoState, c: GitCommitRecord): Obj {
    const base = `${this.repoUrl(repo)}/git`;
    return {
      sha: c.sha,
      node_id: nodeId('C', c.sha),
      url: `${base}/commits/${c.sha}`,
      html_url: this.html(`${repo.fullName}/commit/${c.sha}`),
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${base}/trees/${c.tree}` },
      parents: c.parents.map((p) => ({
        sha: p,
        url: `${base}/commits/${p}`,
        html_url: this.html(`${repo.fullName}/commit/${p}`),
      })),
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  /** The REST `commit` object (as in branches), built from the git commit. */
  commit(repo: RepoState, c: GitCommitRecord): Obj {
    const url = `${this.repoUrl(repo)}/commits/${c.sha}`;
    return {
      url,
      sha: c.sha,
      node_id: nodeId('C', c.sha),
      html_url: this.html(`${repo.fullName}/commit/${c.sha}`),
      comments_url: `${url}/comments`,
      commit: {
        url: `${this.repoUrl(repo)}/git/commits/${c.sha}`,
        author: c.author,
        committer: c.committer,
        message: c.message,
        comment_count: 0,
        tree: { sha: c.tree, url: `${this.repoUrl(repo)}/git/trees/${c.tree}` },
      },
      author: this.user(c.author.name),
      committer: this.user(c.committer.name),
      parents: c.parents.map((p) => ({ sha: p, url: `${this.repoUrl(repo)}/commits/${p}` })),
    };
  }

  contentFile(repo: RepoState, path: string, sha: string, content: Buffer, ref: string): Obj {
    const url = `${this.repoUrl(repo)}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const gitUrl = `${this.repoUrl(repo)}/git/blobs/${sha}`;
    const htmlUrl = this.html(`${repo.fullName}/blob/${ref}/${path}`);
    return {
      type: 'file',
      encoding: 'base64',
      size: content.length,
      name: path.split('/').pop() ?? path,
      path,
      content: wrapBase64(content),
      sha,
      url,
      git_url: gitUrl,
      html_url: htmlUrl,
      download_url: `${this.api}/raw/${repo.fullName}/${ref}/${path}`,
      _links: { self: url, git: gitUrl, html: htmlUrl },
    };
  }

  private pullBranch(repo: RepoState, branch: string): Obj {
    return {
      label: `${repo.owner}:${branch}`,
      ref: branch,
      sha: repo.resolveRef(branch) ?? gitSha('commit', branch),
      user: this.user(repo.owner),
      repo: this.repository(repo),
    };
  }

  private link(href: string): Obj {
    return { href };
  }

  pullSimple(repo: RepoState, p: PullRecord): Obj {
    const url = `${this.repoUrl(repo)}/pulls/${p.number}`;
    const issueUrl = `${this.repoUrl(repo)}/issues/${p.number}`;
    const html = this.html(`${repo.fullName}/pull/${p.number}`);
    const headSha = repo.resolveRef(p.head) ?? '';
    const issue = repo.findIssue(p.number);
    return {
      url,
      id: p.id,
      node_id: nodeId('PR', p.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueUrl,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.repoUrl(repo)}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      statuses_url: `${this.repoUrl(repo)}/statuses/${headSha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.user(p.user),
      body: p.body,
      labels: issue ? this.issueLabels(repo, issue.labels) : [],
      milestone: null,
      active_lock_reason: null,
      created_at: p.created_at,
      updated_at: p.updated_at,
      closed_at: p.closed_at,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: this.pullBranch(repo, p.head),
      base: this.pullBranch(repo, p.base),
      _links: {
        self: this.link(url),
        html: this.link(html),
        issue: this.link(issueUrl),
        comments: this.link(`${issueUrl}/comments`),
        review_comments: this.link(`${url}/comments`),
        review_comment: this.link(`${this.repoUrl(repo)}/pulls/comments{/number}`),
        commits: this.link(`${url}/commits`),
        statuses: this.link(`${this.repoUrl(repo)}/statuses/${headSha}`),
      },
      author_association: 'NONE',
      auto_merge: null,
      draft: p.draft,
    };
  }

  pull(repo: RepoState, p: PullRecord): Obj {
    return {
      ...this.pullSimple(repo, p),
      merged: false,
      mergeable: p.state === 'open' ? true : null,
      rebaseable: p.state === 'open' ? true : null,
      mergeable_state: p.state === 'open' ? 'clean' : 'unknown',
      merged_by: null,
      comments: repo.findIssue(p.number)?.comments.length ?? 0,
      review_comments: 0,
      maintainer_can_modify: p.maintainer_can_modify,
      commits: 1,
      additions: 1,
      deletions: 0,
      changed_files: 1,
    };
  }

  workflowRun(repo: RepoState, r: WorkflowRunRecord): Obj {
    const url = `${this.repoUrl(repo)}/actions/runs/${r.id}`;
    const workflow = repo.workflows.get(r.workflow_id);
    const head = repo.commits.get(r.head_sha);
    return {
      id: r.id,
      name: workflow?.name ?? 'workflow',
      node_id: nodeId('WFR', r.id),
      check_suite_id: r.id + 1,
      check_suite_node_id: nodeId('CS', r.id + 1),
      head_branch: r.head_branch,
      head_sha: r.head_sha,
      path: workflow?.path ?? '.github/workflows/workflow.yml',
      run_number: r.run_number,
      run_attempt: 1,
      event: r.event,
      status: r.status,
      conclusion: r.conclusion,
      workflow_id: r.workflow_id,
      url,
      html_url: this.html(`${repo.fullName}/actions/runs/${r.id}`),
      pull_requests: [],
      created_at: r.created_at,
      updated_at: r.updated_at,
      run_started_at: r.created_at,
      actor: this.user(r.actor),
      triggering_actor: this.user(r.actor),
      jobs_url: `${url}/jobs`,
      logs_url: `${url}/logs`,
      check_suite_url: `${this.repoUrl(repo)}/check-suites/${r.id + 1}`,
      artifacts_url: `${url}/artifacts`,
      cancel_url: `${url}/cancel`,
      rerun_url: `${url}/rerun`,
      workflow_url: `${this.repoUrl(repo)}/actions/workflows/${r.workflow_id}`,
      display_title: workflow?.name ?? 'workflow',
      head_commit: head
        ? {
            id: head.sha,
            tree_id: head.tree,
            message: head.message,
            timestamp: head.committer.date,
            author: { name: head.author.name, email: head.author.email },
            committer: { name: head.committer.name, email: head.committer.email },
          }
        : null,
      repository: this.minimalRepository(repo),
      head_repository: this.minimalRepository(repo),
    };
  }
}

/** GitHub wraps base64 content at 60 characters; clients must tolerate the newlines. */
export function wrapBase64(content: Buffer): string {
  const flat = content.toString('base64');
  return flat.length === 0 ? '' : `${flat.match(/.{1,60}/g)?.join('\n') ?? ''}\n`;
}
