import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const owner = 'acme';
const repo = 'shop';
let standIn: GitHubStandIn | undefined;

async function start(): Promise<GitHubStandIn> {
  standIn = await startGitHubStandIn();
  return standIn;
}

function plainClient(url: string) {
  return getOctokit('test-token', { baseUrl: url });
}

/** The client Ripcord's adapters build: retries transient errors, honours rate limits. */
function resilientClient(url: string, onSecondary?: (retryAfter: number) => void) {
  return getOctokit(
    'test-token',
    {
      baseUrl: url,
      // Not `request.retries`: plugin-retry reads that as "already scheduled for retry".
      retry: { retries: 3, retryAfterBaseValue: 10 },
      throttle: {
        onRateLimit: () => true,
        onSecondaryRateLimit: (retryAfter: number) => {
          onSecondary?.(retryAfter);
          return true;
        },
      },
    },
    retry,
    throttling,
  );
}

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('GitHub stand-in: deployments', () => {
  it('auto_inactive retires older successes only in non-production, non-transient environments (#10)', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    const r = gh.state.repo();
    const seed = (environment: string, extra: { transient_environment?: boolean } = {}) =>
      r.addDeployment({ ref: 'main', environment, statuses: [{ state: 'success' }], ...extra });
    const stagingOld = seed('staging');
    const previewOld = seed('pr-7', { transient_environment: true });
    const prodOld = seed('production');
    for (const environment of ['staging', 'pr-7', 'production']) {
      const created = await octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: 'main',
        environment,
        auto_merge: false,
        required_contexts: [],
        ...(environment === 'pr-7' ? { transient_environment: true } : {}),
      });
      if (!('id' in created.data)) throw new Error('expected a deployment');
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: created.data.id,
        state: 'success',
      });
    }
    expect(stagingOld.statuses.map((s) => s.state)).toEqual(['success', 'inactive']);
    expect(previewOld.statuses.map((s) => s.state)).toEqual(['success']);
    expect(prodOld.statuses.map((s) => s.state)).toEqual(['success']);
    gh.assertNoViolations();
  });

  it('createDeployment of a branch behind the default branch answers 202 (auto-merge) unless auto_merge is false (#10)', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    const r = gh.state.repo();
    r.commitFiles('release-1.1', { 'app.txt': 'v1.1' });
    r.commitFiles('main', { 'app.txt': 'v1.2' });
    const merged = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: 'release-1.1',
      environment: 'production',
    });
    expect(merged.status).toBe(202);
    expect(merged.data).toEqual({ message: 'Auto-merged main into release-1.1 on deployment.' });
    const plain = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: 'release-1.1',
      environment: 'production',
      auto_merge: false,
    });
    expect(plain.status).toBe(201);
    gh.assertNoViolations();
  });

  it('creates deployments and statuses, lists them newest first, applies auto_inactive', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    const first = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: 'main',
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      payload: { ripcord: { kind: 'deploy' } },
    });
    expect(first.status).toBe(201);
    if (!('id' in first.data)) throw new Error('expected a deployment');
    await octokit.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: first.data.id,
      state: 'success',
      log_url: 'https://ci.example/run/1',
      environment_url: 'https://shop.example',
    });
    const second = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: 'main',
      environment: 'production',
      payload: JSON.stringify({ ripcord: { kind: 'rollback' } }),
    });
    if (!('id' in second.data)) throw new Error('expected a deployment');
    expect(second.data.payload).toEqual({ ripcord: { kind: 'rollback' } });
    await octokit.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: second.data.id,
      state: 'success',
    });

    const list = await octokit.rest.repos.listDeployments({
      owner,
      repo,
      environment: 'production',
    });
    expect(list.data.map((d) => d.id)).toEqual([second.data.id, first.data.id]);
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner,
      repo,
      deployment_id: first.data.id,
    });
    // auto_inactive leaves production deployments alone (see the next test for staging).
    expect(statuses.data.map((s) => s.state)).toEqual(['success']);
    expect(statuses.data[0]?.target_url).toBe('https://ci.example/run/1');
    gh.assertNoViolations();
  });

  it('filters and pages seeded history with Link headers', async () => {
    const gh = await start();
    const r = gh.state.repo();
    for (let i = 0; i < 5; i++) {
      r.addDeployment({
        ref: 'main',
        environment: i % 2 === 0 ? 'production' : 'staging',
        created_at: new Date(Date.UTC(2024, 0, 1 + i)),
        statuses: [{ state: 'success' }],
      });
    }
    const octokit = plainClient(gh.url);
    const page1 = await octokit.rest.repos.listDeployments({
      owner,
      repo,
      environment: 'production',
      per_page: 2,
    });
    expect(page1.data.map((d) => d.created_at)).toEqual([
      '2024-01-05T00:00:00Z',
      '2024-01-03T00:00:00Z',
    ]);
    expect(page1.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.repos.listDeployments, {
      owner,
      repo,
      environment: 'production',
      per_page: 2,
    });
    expect(all).toHaveLength(3);
  });
});

describe('GitHub stand-in: refs, the lock primitive', () => {
  it('creates a lock ref once; the second create gets 422 "Reference already exists"', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    const blob = await octokit.rest.git.createBlob({
      owner,
      repo,
      content: JSON.stringify({ holder: 'run-1', expires: '2030-01-01T00:00:00Z' }),
    });
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      tree: [{ path: 'lease.json', mode: '100644', type: 'blob', sha: blob.data.sha }],
    });
    const commit = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'lease',
      tree: tree.data.sha,
      parents: [],
    });
    const ref = 'refs/ripcord/locks/production';
    const created = await octokit.rest.git.createRef({ owner, repo, ref, sha: commit.data.sha });
    expect(created.data.object.sha).toBe(commit.data.sha);
    await expect(
      octokit.rest.git.createRef({ owner, repo, ref, sha: commit.data.sha }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('Reference already exists'),
    });

    const got = await octokit.rest.git.getRef({ owner, repo, ref: 'ripcord/locks/production' });
    const lease = await octokit.rest.git.getCommit({
      owner,
      repo,
      commit_sha: got.data.object.sha,
    });
    expect(lease.data.tree.sha).toBe(tree.data.sha);
    const content = await octokit.rest.git.getBlob({ owner, repo, file_sha: blob.data.sha });
    expect(JSON.parse(Buffer.from(content.data.content, 'base64').toString())).toMatchObject({
      holder: 'run-1',
    });
    await octokit.rest.git.deleteRef({ owner, repo, ref: 'ripcord/locks/production' });
    await expect(
      octokit.rest.git.getRef({ owner, repo, ref: 'ripcord/locks/production' }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('GitHub stand-in: issues, comments, labels', () => {
  it('creates, filters, updates issues; comments; labels 422 when they exist', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    await octokit.rest.issues.createLabel({
      owner,
      repo,
      name: 'ripcord:incident',
      color: 'b60205',
    });
    await expect(
      octokit.rest.issues.createLabel({ owner, repo, name: 'ripcord:incident' }),
    ).rejects.toMatchObject({ status: 422 });
    const label = await octokit.rest.issues.getLabel({ owner, repo, name: 'ripcord:incident' });
    expect(label.data.color).toBe('b60205');

    const issue = await octokit.rest.issues.create({
      owner,
      repo,
      title: 'Rollback of production',
      body: '<!-- ripcord-state {"v":1} -->',
      labels: ['ripcord:incident', 'ripcord:env:production'],
    });
    await octokit.rest.issues.create({ owner, repo, title: 'unrelated' });
    const open = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      labels: 'ripcord:incident,ripcord:env:production',
      state: 'open',
    });
    expect(open.data.map((i) => i.number)).toEqual([issue.data.number]);

    const comment = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issue.data.number,
      body: 'rollback.started',
    });
    await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: comment.data.id,
      body: 'rollback.completed',
    });
    const comments = await octokit.rest.issues.listComments({
      owner,
      repo,
      issue_number: issue.data.number,
    });
    expect(comments.data.map((c) => c.body)).toEqual(['rollback.completed']);

    await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: issue.data.number,
      state: 'closed',
    });
    const stillOpen = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      labels: 'ripcord:incident',
    });
    expect(stillOpen.data).toHaveLength(0);
    gh.assertNoViolations();
  });
});

describe('GitHub stand-in: contract checks are real', () => {
  it('reports a request body that breaks the schema', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    await expect(
      // Untyped on purpose: the types would reject this body before GitHub could.
      octokit.request({
        method: 'POST',
        url: '/repos/{owner}/{repo}/deployments',
        owner,
        repo,
        environment: 'production',
        auto_merge: 'no',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const found = gh.takeViolations();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      direction: 'request',
      operationId: 'repos/create-deployment',
    });
    expect(found[0]?.message).toContain("must have required property 'ref'");
    expect(found[0]?.message).toContain('/auto_merge must be boolean');
  });

  it('reports a response that breaks the schema', async () => {
    const gh = await start();
    gh.faults.inject({
      match: 'repos/get-deployment',
      kind: 'tamper',
      mutate: (reply) => ({
        ...reply,
        body: { ...(reply.body as Record<string, unknown>), id: 'not-a-number', sha: undefined },
      }),
    });
    const seeded = gh.state.repo().addDeployment({ ref: 'main' });
    await plainClient(gh.url).rest.repos.getDeployment({ owner, repo, deployment_id: seeded.id });
    const found = gh.takeViolations();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ direction: 'response', status: 200 });
    expect(found[0]?.message).toContain('/id must be integer');
    expect(found[0]?.message).toContain("must have required property 'sha'");
  });

  it('answers unknown routes with 404 and records a violation; requires auth', async () => {
    const gh = await start();
    await expect(
      plainClient(gh.url).request('GET /repos/{owner}/{repo}/deploymentz', { owner, repo }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.takeViolations()).toMatchObject([{ direction: 'route' }]);
    const anonymous = await fetch(`${gh.url}/repos/${owner}/${repo}`);
    expect(anonymous.status).toBe(401);
    gh.assertNoViolations();
  });
});

describe('GitHub stand-in: faults and call counts', () => {
  it('a 500 is retried by plugin-retry and counted', async () => {
    const gh = await start();
    gh.faults.inject({ match: 'repos/list-deployments', kind: 'status', status: 500, times: 2 });
    const octokit = resilientClient(gh.url);
    const res = await octokit.rest.repos.listDeployments({ owner, repo });
    expect(res.status).toBe(200);
    expect(gh.calls.count('repos/list-deployments')).toBe(3);
    expect(gh.calls.log.map((c) => c.status)).toEqual([500, 500, 200]);
    expect(gh.faults.log).toHaveLength(2);
  });

  it('a secondary rate limit is honoured by plugin-throttling (retry-after)', async () => {
    const gh = await start();
    gh.faults.inject({
      match: 'POST /repos/{owner}/{repo}/issues',
      kind: 'secondary-rate-limit',
      retryAfter: 1,
    });
    const waits: number[] = [];
    const octokit = resilientClient(gh.url, (after) => waits.push(after));
    const started = Date.now();
    const res = await octokit.rest.issues.create({ owner, repo, title: 'x' });
    expect(res.status).toBe(201);
    expect(waits).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(gh.calls.count('issues/create')).toBe(2);
  });

  it('a lost ref race: the ref exists afterwards and the create gets 422', async () => {
    const gh = await start();
    const main = gh.state.repo().resolveRef('main') ?? '';
    gh.faults.inject({ match: 'git/create-ref', kind: 'ref-race' });
    const octokit = plainClient(gh.url);
    await expect(
      octokit.rest.git.createRef({ owner, repo, ref: 'refs/ripcord/locks/production', sha: main }),
    ).rejects.toMatchObject({ status: 422 });
    expect(gh.state.repo().refs.get('refs/ripcord/locks/production')).toBe(main);
  });

  it('latency delays the answer', async () => {
    const gh = await start();
    gh.faults.inject({ match: /^GET \/repos\/acme\/shop$/, kind: 'latency', ms: 150 });
    const started = Date.now();
    await plainClient(gh.url).rest.repos.get({ owner, repo });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(gh.calls.counts()).toEqual({ 'repos/get': 1 });
  });
});

describe('GitHub stand-in: report pull request, dispatch, permissions', () => {
  it('writes a file on a new branch and opens one pull request (422 on a duplicate)', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    const repoInfo = await octokit.rest.repos.get({ owner, repo });
    const main = await octokit.rest.repos.getBranch({
      owner,
      repo,
      branch: repoInfo.data.default_branch,
    });
    const branch = 'ripcord/incident-7';
    await octokit.rest.git.createRef({
      owner,
      repo,
      ref: `refs/heads/${branch}`,
      sha: main.data.commit.sha,
    });
    const path = 'docs/incidents/7.md';
    const created = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path,
      branch,
      message: 'Incident 7 report',
      content: Buffer.from('# Incident 7\n').toString('base64'),
    });
    expect(created.status).toBe(201);
    const file = await octokit.rest.repos.getContent({ owner, repo, path, ref: branch });
    if (Array.isArray(file.data) || file.data.type !== 'file') throw new Error('expected a file');
    expect(Buffer.from(file.data.content, 'base64').toString()).toBe('# Incident 7\n');
    await expect(
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path,
        branch,
        message: 'stale',
        content: '',
        sha: '0'.repeat(40),
      }),
    ).rejects.toMatchObject({ status: 409 });
    const updated = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path,
      branch,
      message: 'Update',
      content: Buffer.from('# Incident 7 (final)\n').toString('base64'),
      sha: file.data.sha,
    });
    expect(updated.status).toBe(200);

    const pr = await octokit.rest.pulls.create({
      owner,
      repo,
      head: branch,
      base: 'main',
      title: 'Incident 7',
    });
    await expect(
      octokit.rest.pulls.create({ owner, repo, head: branch, base: 'main', title: 'again' }),
    ).rejects.toMatchObject({ status: 422 });
    const open = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${branch}` });
    expect(open.data.map((p) => p.number)).toEqual([pr.data.number]);
    await octokit.rest.pulls.update({ owner, repo, pull_number: pr.data.number, body: 'v2' });
    const got = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.data.number });
    expect(got.data.body).toBe('v2');
    gh.assertNoViolations();
  });

  it('dispatches a workflow; the test drives the run to completion', async () => {
    const gh = await start();
    const octokit = plainClient(gh.url);
    const dispatched = await octokit.request(
      'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
      {
        owner,
        repo,
        workflow_id: 'deploy.yml',
        ref: 'main',
        inputs: { version: 'v1.2.3' },
        return_run_details: true,
      },
    );
    expect(dispatched.status).toBe(200);
    const plain = await octokit.rest.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: 'deploy.yml',
      ref: 'main',
    });
    expect(plain.status).toBe(204);
    const r = gh.state.repo();
    const [firstRun] = r.runs;
    if (!firstRun) throw new Error('expected a run');
    expect(firstRun.inputs).toEqual({ version: 'v1.2.3' });
    r.setRunStatus(firstRun.id, 'completed', 'success');
    const run = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: firstRun.id });
    expect(run.data).toMatchObject({ status: 'completed', conclusion: 'success' });
    const runs = await octokit.rest.actions.listWorkflowRuns({
      owner,
      repo,
      workflow_id: 'deploy.yml',
      event: 'workflow_dispatch',
    });
    expect(runs.data.total_count).toBe(2);
    gh.assertNoViolations();
  });

  it('reports collaborator permissions configured by the test', async () => {
    const gh = await start();
    gh.state.repo().setPermission('alice', 'admin');
    const octokit = plainClient(gh.url);
    const alice = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username: 'alice',
    });
    expect(alice.data).toMatchObject({ permission: 'admin', role_name: 'admin' });
    const bob = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username: 'bob',
    });
    expect(bob.data.permission).toBe('none');
    const limits = await octokit.rest.rateLimit.get();
    // A workflow's GITHUB_TOKEN: 1,000 requests an hour per repository.
    expect(limits.data.rate.limit).toBe(1000);
    expect(limits.data.rate.used).toBe(2);
    expect(gh.calls.count()).toBe(3);
    gh.assertNoViolations();
  });
});
