/**
 * The stand-in's in-memory GitHub: plain records that routes mutate and tests seed or inspect.
 * Ids are global counters (as on github.com); issue and pull request numbers share one
 * sequence per repository.
 */
import { createHash } from 'node:crypto';

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface DeploymentStatusRecord {
  id: number;
  state: DeploymentState;
  description: string;
  environment: string;
  target_url: string;
  log_url: string;
  environment_url: string;
  creator: string;
  created_at: string;
  updated_at: string;
}

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  original_environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  auto_merge: boolean;
  required_contexts: string[] | undefined;
  creator: string;
  created_at: string;
  updated_at: string;
  /** Newest last. */
  statuses: DeploymentStatusRecord[];
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface CommentRecord {
  id: number;
  issue_number: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'reopened' | 'not_planned' | 'duplicate' | null;
  labels: string[];
  assignees: string[];
  user: string;
  comments: CommentRecord[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Set when this number belongs to a pull request. */
  pull_number?: number;
  /** `labeled` / `unlabeled` events, oldest first (GET .../issues/{n}/events). */
  events?: IssueEventRecord[];
}

export interface IssueEventRecord {
  id: number;
  event: 'labeled' | 'unlabeled';
  label: string;
  actor: string;
  created_at: string;
}

export interface PullRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  head: string;
  base: string;
  draft: boolean;
  maintainer_can_modify: boolean;
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface GitCommitRecord {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface WorkflowRecord {
  id: number;
  name: string;
  path: string;
  /**
   * The inputs its `on: workflow_dispatch` declares; a dispatch with any other is refused
   * (422 "Unexpected inputs provided"). Undefined: not modelled, every input is accepted.
   */
  inputs?: string[];
  /**
   * The environment its deploy job declares (`environment: production`), if any. GitHub then
   * creates a deployment of that environment for every run, at the run's head sha (the
   * dispatched branch's head, not the version the inputs ask for), created by
   * github-actions[bot] with an empty payload, `in_progress` while the job runs and `success`
   * or `failure` after. `environment: {name: production, deployment: false}` opts out.
   * https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments
   */
  environment?: string;
  /**
   * As GET .../actions/workflows/{id} reports it. `disabled_inactivity` is GitHub's own doing:
   * "In a public repository, scheduled workflows are automatically disabled when no repository
   * activity has occurred in 60 days"
   * (https://docs.github.com/en/actions/using-workflows/disabling-and-enabling-a-workflow).
   * Undefined: active.
   */
  state?: 'active' | 'disabled_manually' | 'disabled_inactivity';
  /** Every PUT .../enable and .../disable, in order, for tests to read the schedule's history. */
  switches?: { change: 'enable' | 'disable'; at: string }[];
}

export type RunStatus =
  'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending' | 'action_required';

export interface WorkflowRunRecord {
  id: number;
  workflow_id: number;
  run_number: number;
  head_branch: string;
  head_sha: string;
  event: string;
  status: RunStatus;
  conclusion: string | null;
  inputs: Record<string, unknown>;
  actor: string;
  created_at: string;
  updated_at: string;
}

/** A user's membership of an organisation team (`pending` until they accept the invitation). */
export interface TeamMembershipRecord {
  role: 'member' | 'maintainer';
  state: 'active' | 'pending';
}

export interface EnvironmentRecord {
  id: number;
  name: string;
  created_at: string;
  /** Logins of the required reviewers; none means no required_reviewers rule. */
  reviewers: string[];
  waitTimer: number;
}

export interface Permission {
  permission: 'admin' | 'write' | 'read' | 'none';
  role_name: string;
}

export function gitSha(kind: string, content: Buffer | string): string {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  return createHash('sha1').update(`${kind} ${data.length}\0`).update(data).digest('hex');
}

export interface Clock {
  now(): Date;
}

export class Counters {
  private next = 1000;
  id(): number {
    this.next += 1;
    return this.next;
  }
}

export class RepoState {
  readonly owner: string;
  readonly name: string;
  readonly id: number;
  defaultBranch = 'main';
  private: boolean = true;
  readonly createdAt: string;
  readonly deployments: DeploymentRecord[] = [];
  readonly issues: IssueRecord[] = [];
  readonly pulls: PullRecord[] = [];
  readonly labels = new Map<string, LabelRecord>();
  /** Full ref name (`refs/heads/main`) -> sha. */
  readonly refs = new Map<string, string>();
  readonly blobs = new Map<string, Buffer>();
  /** Trees are stored flat: full path -> entry. */
  readonly trees = new Map<string, Map<string, TreeEntry>>();
  readonly commits = new Map<string, GitCommitRecord>();
  readonly workflows = new Map<number, WorkflowRecord>();
  readonly runs: WorkflowRunRecord[] = [];
  /** Login -> permission; users not listed have `none`. */
  readonly permissions = new Map<string, Permission>();
  /** GitHub Environments by lower-cased name. */
  readonly environments = new Map<string, EnvironmentRecord>();
  private readonly ids: Counters;
  private readonly clock: Clock;
  private readonly actor: string;
  private nextNumber = 1;

  constructor(owner: string, name: string, ids: Counters, clock: Clock, actor: string) {
    this.owner = owner;
    this.name = name;
    this.ids = ids;
    this.clock = clock;
    this.actor = actor;
    this.id = ids.id();
    this.createdAt = this.now();
    const readme = this.writeBlob(Buffer.from(`# ${name}\n`));
    const rootTree = this.writeTree(
      new Map([['README.md', { mode: '100644', type: 'blob' as const, sha: readme }]]),
    );
    const root = this.writeCommit({ tree: rootTree, parents: [], message: 'Initial commit' });
    this.refs.set('refs/heads/main', root);
  }

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  now(): string {
    return this.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  nextId(): number {
    return this.ids.id();
  }

  nextIssueNumber(): number {
    return this.nextNumber++;
  }

  writeBlob(content: Buffer): string {
    const sha = gitSha('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  writeTree(entries: Map<string, TreeEntry>): string {
    const sorted = [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const sha = gitSha('tree', JSON.stringify(sorted));
    this.trees.set(sha, new Map(sorted));
    return sha;
  }

  writeCommit(input: {
    tree: string;
    parents: string[];
    message: string;
    author?: { name: string; email: string; date?: string };
    committer?: { name: string; email: string; date?: string };
  }): string {
    const date = this.now();
    // Brackets (`[bot]`) would fail the description's `format: email`.
    const local = this.actor.replace(/[^A-Za-z0-9._+-]/g, '');
    const who = { name: this.actor, email: `${local}@users.noreply.github.com` };
    const author = { ...who, date, ...input.author };
    const committer = { ...who, date, ...(input.committer ?? input.author) };
    const body = JSON.stringify([input.tree, input.parents, input.message, author, committer]);
    const sha = gitSha('commit', body);
    this.commits.set(sha, {
      sha,
      tree: input.tree,
      parents: input.parents,
      message: input.message,
      author: { ...author, date: author.date ?? date },
      committer: { ...committer, date: committer.date ?? date },
    });
    return sha;
  }

  objectExists(sha: string): boolean {
    return this.commits.has(sha) || this.trees.has(sha) || this.blobs.has(sha);
  }

  objectType(sha: string): 'commit' | 'tree' | 'blob' {
    if (this.trees.has(sha)) return 'tree';
    if (this.blobs.has(sha)) return 'blob';
    return 'commit';
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    const seen = new Set<string>();
    const queue = [descendant];
    while (queue.length > 0) {
      const sha = queue.pop() ?? '';
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }

  /** A branch, tag, full ref or commit sha -> commit sha. */
  resolveRef(ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/.test(ref)) return ref;
    for (const candidate of [ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`]) {
      const sha = this.refs.get(candidate);
      if (sha !== undefined) return sha;
    }
    return undefined;
  }

  // ---- seeding helpers, for tests that need history before the code under test runs ----

  /** Creates a commit on `branch` (creating the branch) with the given files; returns its sha. */
  commitFiles(
    branch: string,
    files: Record<string, string | null>,
    message = 'Update files',
    author?: { name: string; email: string },
  ): string {
    const parent = this.refs.get(`refs/heads/${branch}`) ?? this.refs.get('refs/heads/main');
    const parentCommit = parent !== undefined ? this.commits.get(parent) : undefined;
    const entries = new Map(parentCommit ? (this.trees.get(parentCommit.tree) ?? []) : []);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) entries.delete(path);
      else
        entries.set(path, {
          mode: '100644',
          type: 'blob',
          sha: this.writeBlob(Buffer.from(content)),
        });
    }
    const sha = this.writeCommit({
      tree: this.writeTree(entries),
      parents: parent !== undefined ? [parent] : [],
      message,
      ...(author ? { author } : {}),
    });
    this.refs.set(`refs/heads/${branch}`, sha);
    return sha;
  }

  /** Points `ref` (e.g. `refs/tags/v1.2.0`) at a new commit, or at `sha` when given. */
  setRef(ref: string, sha?: string): string {
    const target =
      sha ??
      this.writeCommit({
        tree:
          this.commits.get(this.refs.get('refs/heads/main') ?? '')?.tree ??
          this.writeTree(new Map()),
        parents: [],
        message: `Commit for ${ref}`,
      });
    this.refs.set(ref, target);
    return target;
  }

  addDeployment(input: {
    ref: string;
    sha?: string;
    environment?: string;
    task?: string;
    payload?: Record<string, unknown> | string;
    description?: string | null;
    created_at?: string | Date;
    production_environment?: boolean;
    transient_environment?: boolean;
    creator?: string;
    statuses?: Array<{
      state: DeploymentState;
      description?: string;
      created_at?: string | Date;
      environment_url?: string;
      log_url?: string;
    }>;
  }): DeploymentRecord {
    const created = isoOf(input.created_at) ?? this.now();
    const environment = input.environment ?? 'production';
    const deployment: DeploymentRecord = {
      id: this.nextId(),
      sha: input.sha ?? this.resolveRef(input.ref) ?? gitSha('commit', input.ref),
      ref: input.ref,
      task: input.task ?? 'deploy',
      payload: input.payload ?? {},
      environment,
      original_environment: environment,
      description: input.description ?? null,
      transient_environment: input.transient_environment ?? false,
      production_environment: input.production_environment ?? environment === 'production',
      auto_merge: false,
      required_contexts: [],
      creator: input.creator ?? this.actor,
      created_at: created,
      updated_at: created,
      statuses: [],
    };
    this.deployments.push(deployment);
    for (const status of input.statuses ?? []) {
      this.addDeploymentStatus(deployment, { ...status, created_at: status.created_at ?? created });
    }
    return deployment;
  }

  /** Appends a status as-is (no `auto_inactive` side effects: seeds describe history). */
  addDeploymentStatus(
    deployment: DeploymentRecord,
    input: {
      state: DeploymentState;
      description?: string;
      created_at?: string | Date;
      environment?: string;
      environment_url?: string;
      log_url?: string;
      creator?: string;
    },
  ): DeploymentStatusRecord {
    const created = isoOf(input.created_at) ?? this.now();
    if (input.environment !== undefined) deployment.environment = input.environment;
    const status: DeploymentStatusRecord = {
      id: this.nextId(),
      state: input.state,
      description: input.description ?? '',
      environment: deployment.environment,
      target_url: input.log_url ?? '',
      log_url: input.log_url ?? '',
      environment_url: input.environment_url ?? '',
      creator: input.creator ?? this.actor,
      created_at: created,
      updated_at: created,
    };
    deployment.statuses.push(status);
    deployment.updated_at = created;
    return status;
  }

  addLabel(name: string, color = 'ededed', description: string | null = null): LabelRecord {
    const existing = this.findLabel(name);
    if (existing) return existing;
    const label: LabelRecord = { id: this.nextId(), name, color, description };
    this.labels.set(name.toLowerCase(), label);
    return label;
  }

  findLabel(name: string): LabelRecord | undefined {
    return this.labels.get(name.toLowerCase());
  }

  addIssue(input: {
    title: string;
    body?: string | null;
    labels?: string[];
    state?: 'open' | 'closed';
    created_at?: string | Date;
    user?: string;
    comments?: Array<{ body: string; created_at?: string | Date; user?: string }>;
    /**
     * Who added the labels (their `labeled` events), default the author: on GitHub anyone with
     * triage access can label anyone's issue, and an issue form labels the issues it opens.
     */
    labeledBy?: string;
  }): IssueRecord {
    const created = isoOf(input.created_at) ?? this.now();
    const labels = (input.labels ?? []).map((l) => this.addLabel(l).name);
    const issue: IssueRecord = {
      id: this.nextId(),
      number: this.nextIssueNumber(),
      title: input.title,
      body: input.body ?? null,
      state: input.state ?? 'open',
      state_reason: input.state === 'closed' ? 'completed' : null,
      labels,
      assignees: [],
      user: input.user ?? this.actor,
      comments: [],
      created_at: created,
      updated_at: created,
      closed_at: input.state === 'closed' ? created : null,
    };
    for (const label of labels)
      this.recordLabelEvent(issue, 'labeled', label, input.labeledBy ?? issue.user, created);
    this.issues.push(issue);
    for (const c of input.comments ?? []) this.addComment(issue, c);
    return issue;
  }

  /** A `labeled` / `unlabeled` event on the issue (the routes record the token's actor). */
  recordLabelEvent(
    issue: IssueRecord,
    event: 'labeled' | 'unlabeled',
    label: string,
    actor: string = this.actor,
    at: string = this.now(),
  ): void {
    (issue.events ??= []).push({ id: this.nextId(), event, label, actor, created_at: at });
  }

  addComment(
    issue: IssueRecord,
    input: { body: string; created_at?: string | Date; user?: string },
  ): CommentRecord {
    const created = isoOf(input.created_at) ?? this.now();
    const comment: CommentRecord = {
      id: this.nextId(),
      issue_number: issue.number,
      body: input.body,
      user: input.user ?? this.actor,
      created_at: created,
      updated_at: created,
    };
    issue.comments.push(comment);
    issue.updated_at = created;
    return comment;
  }

  addWorkflow(
    path: string,
    name?: string,
    { environment, inputs }: { environment?: string; inputs?: string[] } = {},
  ): WorkflowRecord {
    const file = path.includes('/') ? path : `.github/workflows/${path}`;
    for (const w of this.workflows.values()) if (w.path === file) return w;
    const workflow: WorkflowRecord = {
      id: this.nextId(),
      name: name ?? file.split('/').pop() ?? file,
      path: file,
      ...(inputs ? { inputs } : {}),
      ...(environment ? { environment } : {}),
    };
    this.workflows.set(workflow.id, workflow);
    return workflow;
  }

  findWorkflow(idOrFile: string): WorkflowRecord | undefined {
    if (/^\d+$/.test(idOrFile)) return this.workflows.get(Number(idOrFile));
    for (const w of this.workflows.values()) {
      if (w.path === idOrFile || w.path.endsWith(`/${idOrFile}`)) return w;
    }
    return undefined;
  }

  /** Drives a run created by a dispatch (or seeded): `completed` needs a conclusion. */
  setRunStatus(runId: number, status: RunStatus, conclusion: string | null = null): void {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) throw new Error(`No workflow run ${runId} in ${this.fullName}`);
    run.status = status;
    run.conclusion = status === 'completed' ? (conclusion ?? 'success') : null;
    run.updated_at = this.now();
    // The deployment GitHub made for the run's environment job follows the job.
    const deployment = this.actionsDeployments.get(run.id);
    if (deployment && status === 'completed')
      this.addDeploymentStatus(deployment, {
        state: run.conclusion === 'success' ? 'success' : 'failure',
        created_at: this.now(),
      });
  }

  /** Run id -> the deployment GitHub created for its `environment:` job. */
  readonly actionsDeployments = new Map<number, DeploymentRecord>();

  /** What GitHub does when a run of a workflow whose job declares `environment:` starts. */
  createActionsDeployment(run: WorkflowRunRecord, environment: string): DeploymentRecord {
    const deployment = this.addDeployment({
      ref: run.head_branch,
      sha: run.head_sha,
      environment,
      creator: 'github-actions[bot]',
      statuses: [{ state: 'in_progress' }],
    });
    this.actionsDeployments.set(run.id, deployment);
    return deployment;
  }

  setPermission(login: string, permission: Permission['permission'], roleName?: string): void {
    this.permissions.set(login, { permission, role_name: roleName ?? permission });
  }

  addEnvironment(
    name: string,
    options: { reviewers?: string[]; waitTimer?: number } = {},
  ): EnvironmentRecord {
    const record: EnvironmentRecord = {
      id: this.ids.id(),
      name,
      created_at: this.now(),
      reviewers: options.reviewers ?? [],
      waitTimer: options.waitTimer ?? 0,
    };
    this.environments.set(name.toLowerCase(), record);
    return record;
  }

  findIssue(number: number): IssueRecord | undefined {
    return this.issues.find((i) => i.number === number);
  }

  findDeployment(id: number): DeploymentRecord | undefined {
    return this.deployments.find((d) => d.id === id);
  }
}

function isoOf(value: string | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' ? new Date(value) : value;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface StandInStateOptions {
  /** Login of the authenticated user that creates things (default `github-actions[bot]`). */
  actor?: string;
  /** Defaults to the wall clock; tests may pass a fake one. */
  clock?: Clock;
  /** When given, only these `owner/repo` exist; otherwise any repository springs into being. */
  repositories?: string[];
  /** Default repository for `state.repo()` (default `acme/shop`). */
  defaultRepository?: string;
}

export class StandInState {
  readonly actor: string;
  readonly clock: Clock;
  readonly ids = new Counters();
  private readonly repos = new Map<string, RepoState>();
  private readonly fixed: boolean;
  private readonly defaultRepository: string;
  /** `org/team_slug` (lower case) -> login (lower case) -> membership. Teams live on orgs, not repos. */
  readonly teamMembers = new Map<string, Map<string, TeamMembershipRecord>>();
  /**
   * Tokens that lack `read:org` (as a workflow's GITHUB_TOKEN does): teams are invisible to
   * them, answered 404. Other tokens see every team.
   */
  readonly tokensWithoutReadOrg = new Set<string>();
  /** Creates an empty team (teams also spring into being with setTeamMember). */
  addTeam(org: string, slug: string): void {
    const key = `${org}/${slug}`.toLowerCase();
    if (!this.teamMembers.has(key)) this.teamMembers.set(key, new Map());
  }
  /**
   * The primary rate limit as GitHub applies it to a workflow's GITHUB_TOKEN: 1,000 requests
   * an hour per repository (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-github_token-in-github-actions),
   * the window starting at the first request. Past it, requests are answered 403 "API rate
   * limit exceeded" with `x-ratelimit-remaining: 0` and the reset time. Tests may set `used`
   * (to start near the limit) or `resetAt` (epoch seconds).
   */
  readonly rateLimit: { limit: number; used: number; resetAt: number | undefined } = {
    limit: 1000,
    used: 0,
    resetAt: undefined,
  };
  /**
   * Set to a GitHub Enterprise Server version before 3.21 (e.g. '3.19'): the dispatch API then
   * refuses `return_run_details` with 422, as those servers do.
   */
  enterpriseServer: string | undefined;
  /** Called for each run a workflow dispatch creates (e.g. to complete it at once). */
  onDispatch: ((run: WorkflowRunRecord, repo: RepoState) => void) | undefined;

  constructor(options: StandInStateOptions = {}) {
    this.actor = options.actor ?? 'github-actions[bot]';
    this.clock = options.clock ?? { now: () => new Date() };
    this.defaultRepository = options.defaultRepository ?? options.repositories?.[0] ?? 'acme/shop';
    this.fixed = options.repositories !== undefined;
    for (const full of options.repositories ?? []) this.repo(full);
  }

  /** `repo()` -> default; `repo('o/r')` or `repo('o', 'r')`. Creates it when allowed. */
  repo(ownerOrFullName?: string, name?: string): RepoState {
    const full =
      name !== undefined
        ? `${ownerOrFullName}/${name}`
        : (ownerOrFullName ?? this.defaultRepository);
    const existing = this.repos.get(full.toLowerCase());
    if (existing) return existing;
    const [owner = '', repoName = ''] = full.split('/');
    const created = new RepoState(owner, repoName, this.ids, this.clock, this.actor);
    this.repos.set(full.toLowerCase(), created);
    return created;
  }

  /** Makes `username` a member of the organisation team `org/slug` (GitHub logins and slugs ignore case). */
  setTeamMember(
    org: string,
    slug: string,
    username: string,
    role: TeamMembershipRecord['role'] = 'member',
    state: TeamMembershipRecord['state'] = 'active',
  ): void {
    const key = `${org}/${slug}`.toLowerCase();
    const members = this.teamMembers.get(key) ?? new Map<string, TeamMembershipRecord>();
    members.set(username.toLowerCase(), { role, state });
    this.teamMembers.set(key, members);
  }

  /** Lookup used by routes: undefined means not a member (404). */
  findTeamMembership(
    org: string,
    slug: string,
    username: string,
  ): TeamMembershipRecord | undefined {
    return this.teamMembers.get(`${org}/${slug}`.toLowerCase())?.get(username.toLowerCase());
  }

  /** Lookup used by routes: undefined means 404. */
  findRepo(owner: string, name: string): RepoState | undefined {
    const key = `${owner}/${name}`.toLowerCase();
    return this.repos.get(key) ?? (this.fixed ? undefined : this.repo(owner, name));
  }
}
