import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { INCIDENT_LABEL, createIncidentStore, environmentLabel } from '../../src/incident/store.ts';
import { ACTIONS_PR_SETTING } from '../../src/incident/report-pr.ts';
import {
  IncidentReportNotProposedError,
  writeIncidentReport,
  type WriteIncidentReportOptions,
} from '../../src/incident/write-report.ts';
import { errorRateVerdict, fullState } from '../fixtures/reports/incident-fixtures.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const repo = { owner: 'acme', repo: 'shop' };
const BRANCH = 'ripcord/incident-1';
const PATH = 'docs/incidents/2024-05-01-production-incident-1.md';
let gh: GitHubStandIn | undefined;

afterEach(async () => {
  // close() throws when the stand-in recorded an OpenAPI violation.
  await gh?.close();
  gh = undefined;
});

function octokitFor(standIn: GitHubStandIn) {
  return getOctokit(
    't',
    {
      baseUrl: standIn.url,
      throttle: { enabled: false },
      retry: { retries: 3, retryAfterBaseValue: 1 },
    },
    retry,
    throttling,
  );
}

async function setUp(state: IncidentState = fullState()) {
  gh = await startGitHubStandIn();
  const issue = gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'seeded'),
    labels: [INCIDENT_LABEL, environmentLabel(state.environment)],
    state: 'closed',
    created_at: '2024-05-01T10:02:30Z',
  });
  const octokit = octokitFor(gh);
  const store = createIncidentStore(octokit, repo, silentLogger);
  const options = (
    overrides: Partial<WriteIncidentReportOptions> = {},
  ): WriteIncidentReportOptions => ({
    octokit,
    repo,
    incident: { number: issue.number, store },
    evidence: [errorRateVerdict()],
    serverUrl: 'https://github.com',
    now: '2024-05-01T14:15:00Z',
    logger: silentLogger,
    ...overrides,
  });
  return { standIn: gh, issue, octokit, store, options };
}

function fileOn(standIn: GitHubStandIn, branch: string, path: string): string | undefined {
  const r = standIn.state.repo();
  const sha = r.refs.get(`refs/heads/${branch}`);
  const commit = sha ? r.commits.get(sha) : undefined;
  const entry = commit ? r.trees.get(commit.tree)?.get(path) : undefined;
  return entry ? r.blobs.get(entry.sha)?.toString('utf8') : undefined;
}

function branchesOf(standIn: GitHubStandIn): string[] {
  return [...standIn.state.repo().refs.keys()].filter((r) => r.startsWith('refs/heads/'));
}

describe('writeIncidentReport', () => {
  it('creates, then leaves unchanged, then updates: one branch, one pull request', async () => {
    const { standIn, issue, store, options } = await setUp();

    const first = await writeIncidentReport(options());
    expect(first).toMatchObject({
      result: 'created',
      path: PATH,
      branch: BRANCH,
      attachedToIssue: false,
    });
    expect(first.pullRequest?.number).toBeGreaterThan(issue.number);
    expect(fileOn(standIn, BRANCH, PATH)).toContain('# Incident #1: production was rolled back');
    const pulls = standIn.state.repo().pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: BRANCH, base: 'main', state: 'open' });
    expect(pulls[0]?.title).toBe('Incident report: production incident #1 (2024-05-01)');
    // The incident's audit log links to the pull request.
    expect(
      standIn.state
        .repo()
        .findIssue(issue.number)
        ?.comments.map((c) => c.body)
        .join('\n'),
    ).toContain(first.pullRequest?.url ?? 'missing');

    // A re-run later (only the render time differs): no commit, no pull request update.
    const headBefore = standIn.state.repo().refs.get(`refs/heads/${BRANCH}`);
    standIn.calls.reset();
    const second = await writeIncidentReport(options({ now: '2024-05-02T09:00:00Z' }));
    expect(second).toMatchObject({ result: 'unchanged', pullRequest: first.pullRequest });
    expect(standIn.state.repo().refs.get(`refs/heads/${BRANCH}`)).toBe(headBefore);
    expect(standIn.calls.count('repos/create-or-update-file-contents')).toBe(0);
    expect(standIn.calls.count('pulls/update')).toBe(0);
    expect(standIn.calls.count('pulls/create')).toBe(0);

    // A person fills in the analysis on the branch; then the record changes.
    const edited = (fileOn(standIn, BRANCH, PATH) ?? '').replace(
      '### Contributing factors\n\n_To be filled in._',
      '### Contributing factors\n\nA missing index on orders.',
    );
    standIn.state.repo().commitFiles(BRANCH, { [PATH]: edited }, 'RCA notes');
    const record = await store.get(issue.number);
    const third = await writeIncidentReport(
      options({ incident: { ...record, state: { ...record.state, attempts: 2 } } }),
    );
    expect(third).toMatchObject({ result: 'updated', pullRequest: first.pullRequest });
    const after = fileOn(standIn, BRANCH, PATH) ?? '';
    expect(after).toContain('| Rollback attempts | 2 |');
    expect(after).toContain('A missing index on orders.');

    expect(standIn.state.repo().pulls).toHaveLength(1);
    expect(branchesOf(standIn).sort()).toEqual(['refs/heads/main', `refs/heads/${BRANCH}`]);
  });

  it('uses the given base branch instead of asking for the default one', async () => {
    const { standIn, options } = await setUp();
    standIn.state.repo().commitFiles('release', { 'x.txt': 'x' });
    const out = await writeIncidentReport(options({ baseBranch: 'release' }));
    expect(out.result).toBe('created');
    expect(standIn.state.repo().pulls[0]?.base).toBe('release');
    expect(standIn.calls.count('repos/get')).toBe(0);
  });

  const faults: Array<{
    name: string;
    match: string;
    status: number;
    message: string;
    expected: RegExp;
    stage: string;
  }> = [
    {
      name: 'Actions may not create pull requests (repository setting)',
      match: 'pulls/create',
      status: 403,
      message: 'GitHub Actions is not permitted to create or approve pull requests.',
      expected: /Allow GitHub Actions to create and approve pull requests/,
      stage: 'pull-request',
    },
    {
      name: 'token without pull-requests: write',
      match: 'pulls/create',
      status: 403,
      message: 'Resource not accessible by integration',
      expected: /"pull-requests: write"/,
      stage: 'pull-request',
    },
    {
      name: 'token without contents: write (branch creation)',
      match: 'git/create-ref',
      status: 403,
      message: 'Resource not accessible by integration',
      expected: /"contents: write"/,
      stage: 'branch',
    },
    {
      name: 'branch protection refuses the commit (422)',
      match: 'repos/create-or-update-file-contents',
      status: 422,
      message: 'Repository rule violations found\n\nCannot update this protected ref.',
      expected: /branch protection rule or ruleset.*ripcord\/incident-1/s,
      stage: 'contents',
    },
    {
      name: 'branch protection refuses the commit (403)',
      match: 'repos/create-or-update-file-contents',
      status: 403,
      message: 'Protected branch update failed for refs/heads/ripcord/incident-1.',
      expected: /branch protection rule or ruleset/,
      stage: 'contents',
    },
    {
      name: 'a ruleset refuses creating the branch',
      match: 'git/create-ref',
      status: 422,
      message:
        'Repository rule violations found\n\nCannot create ref due to creations being restricted.',
      expected: /Exempt branches named "ripcord\/incident-\*"/,
      stage: 'branch',
    },
  ];

  for (const f of faults) {
    it(`${f.name}: a clear ConfigurationError, and the report is on the incident issue`, async () => {
      const { standIn, issue, options } = await setUp();
      standIn.faults.inject({
        match: f.match,
        kind: 'status',
        status: f.status,
        message: f.message,
      });
      const err = await writeIncidentReport(options()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IncidentReportNotProposedError);
      expect(err).toBeInstanceOf(ConfigurationError);
      const e = err as IncidentReportNotProposedError;
      expect(e.message).toMatch(f.expected);
      expect(e.stage).toBe(f.stage);
      expect(e.attachedToIssue).toBe(true);
      expect(e.message).toContain(e.commentUrl ?? 'no comment url');
      const comments = standIn.state.repo().findIssue(issue.number)?.comments ?? [];
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain('# Incident #1: production was rolled back');
      expect(comments[0]?.body).toContain('could not open the incident report pull request');
      expect(standIn.state.repo().pulls).toHaveLength(0);

      // The re-run (after the fix, or not) edits the same comment instead of adding another.
      standIn.faults.inject({
        match: f.match,
        kind: 'status',
        status: f.status,
        message: f.message,
      });
      await expect(writeIncidentReport(options())).rejects.toBeInstanceOf(
        IncidentReportNotProposedError,
      );
      expect(standIn.state.repo().findIssue(issue.number)?.comments).toHaveLength(1);
    });
  }

  it('names the setting the way the repository settings page does', () => {
    expect(ACTIONS_PR_SETTING).toBe(
      'Settings -> Actions -> General -> Workflow permissions -> "Allow GitHub Actions to create and approve pull requests"',
    );
  });

  it('in warn mode returns with the report attached and no pull request', async () => {
    const { standIn, options } = await setUp();
    standIn.faults.inject({
      match: 'pulls/create',
      kind: 'status',
      status: 403,
      message: 'GitHub Actions is not permitted to create or approve pull requests.',
    });
    const out = await writeIncidentReport(options({ onPublishError: 'warn' }));
    expect(out).toMatchObject({ pullRequest: null, attachedToIssue: true, result: 'created' });
  });

  it('after the setting is fixed, a re-run opens the pull request on the branch already written', async () => {
    const { standIn, options } = await setUp();
    standIn.faults.inject({
      match: 'pulls/create',
      kind: 'status',
      status: 403,
      message: 'GitHub Actions is not permitted to create or approve pull requests.',
    });
    await expect(writeIncidentReport(options())).rejects.toThrow(ConfigurationError);
    const out = await writeIncidentReport(options());
    expect(out.result).toBe('created');
    expect(standIn.state.repo().pulls).toHaveLength(1);
  });

  it("edits only Ripcord's own fallback comment, never a look-alike someone else wrote (#11)", async () => {
    const { standIn, issue, options } = await setUp();
    const r = standIn.state.repo();
    const planted = r.addComment(r.findIssue(issue.number) ?? issue, {
      user: 'mallory',
      body: '<!-- ripcord:incident-report-fallback -->\nnothing to see',
    });
    standIn.faults.inject({
      match: 'pulls/create',
      kind: 'status',
      status: 403,
      message: 'GitHub Actions is not permitted to create or approve pull requests.',
      times: 2,
    });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warning: (m: string) => warnings.push(m) };
    const first = await writeIncidentReport(options({ onPublishError: 'warn', logger }));
    expect(first.result).toBe('created');
    expect(planted.body).toBe('<!-- ripcord:incident-report-fallback -->\nnothing to see');
    expect(warnings.join('\n')).toMatch(/left alone a comment on #\d+ by mallory/);
    const comments = r.findIssue(issue.number)?.comments ?? [];
    expect(comments.map((c) => c.user)).toEqual(['mallory', 'github-actions[bot]']);
    // A re-run edits its own comment in place and still leaves the planted one alone.
    const second = await writeIncidentReport(options({ onPublishError: 'warn', logger }));
    expect(second.result).toBe('unchanged');
    expect(r.findIssue(issue.number)?.comments).toHaveLength(2);
  });

  it('a planted ripcord/incident-N branch (issue #11) is not reused: the report goes on a branch of its own', async () => {
    const { standIn, options } = await setUp();
    // Someone with push access creates the branch first, with a change to the deploy workflow.
    standIn.state
      .repo()
      .commitFiles(
        BRANCH,
        { '.github/workflows/deploy.yml': 'on: push\n', [PATH]: '# looks like a report\n' },
        'Incident report for #1 (production)',
        { name: 'mallory', email: 'mallory@example.com' },
      );
    const warnings: string[] = [];
    const out = await writeIncidentReport(
      options({ logger: { ...silentLogger, warning: (m: string) => warnings.push(m) } }),
    );
    expect(out.result).toBe('created');
    expect(out.branch).toBe(`${BRANCH}-by-ripcord`);
    const pulls = standIn.state.repo().pulls;
    expect(pulls.map((p) => p.head)).toEqual([`${BRANCH}-by-ripcord`]);
    expect(fileOn(standIn, `${BRANCH}-by-ripcord`, '.github/workflows/deploy.yml')).toBeUndefined();
    expect(fileOn(standIn, `${BRANCH}-by-ripcord`, PATH)).toContain('# Incident #1');
    expect(warnings.join('\n')).toMatch(
      /branch ripcord\/incident-1 .* commits Ripcord did not write/,
    );
  });

  it("a branch holding only Ripcord's report commit (its pull request was refused) is reused", async () => {
    const { standIn, options } = await setUp();
    standIn.state
      .repo()
      .commitFiles(BRANCH, { [PATH]: '# Incident #1: draft\n' }, 'Incident report for #1');
    const out = await writeIncidentReport(options());
    expect(out.branch).toBe(BRANCH);
    expect(standIn.state.repo().pulls.map((p) => p.head)).toEqual([BRANCH]);
  });

  it("a planted file in a commit that claims to be Ripcord's still makes the branch untrusted", async () => {
    const { standIn, options } = await setUp();
    standIn.state
      .repo()
      .commitFiles(BRANCH, { 'src/app.ts': 'steal()\n' }, 'Incident report for #1');
    const out = await writeIncidentReport(options());
    expect(out.branch).toBe(`${BRANCH}-by-ripcord`);
  });
});
