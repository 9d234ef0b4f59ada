/**
 * GitHub behaviours the stand-in reproduces where github.com differs from (or goes beyond) its
 * OpenAPI description, each asked for directly, and Ripcord's client and incident store
 * against them. The sources are cited next to each behaviour in test/support/github/ and in
 * docs/architecture.md ("GitHub behaviours Ripcord relies on"). Tests of the Ripcord fixes that
 * need a whole action live next to that action (rollback-action, strategies-ladder,
 * team-membership, github-lock, notify-action, report-pr).
 */
import { getOctokit } from '@actions/github';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import { createGitHubClient, RateLimitError } from '../../src/github/client.ts';
import {
  createIncidentStore,
  fitComment,
  ISSUE_BODY_MAX_LENGTH,
} from '../../src/incident/store.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const owner = 'acme';
const repo = 'shop';
let gh: GitHubStandIn | undefined;

async function start(): Promise<GitHubStandIn> {
  gh = await startGitHubStandIn();
  return gh;
}

afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

function plain(url: string) {
  return getOctokit('ghs_token', { baseUrl: url });
}

async function statusOf(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
    return { status: 0, message: '' };
  } catch (e) {
    const err = e as {
      status: number;
      response?: { data?: { message?: string; errors?: { message?: string }[] } };
    };
    const data = err.response?.data;
    return { status: err.status, message: data?.errors?.[0]?.message ?? data?.message ?? '' };
  }
}

describe("a workflow's GITHUB_TOKEN rate limit", () => {
  it('the stand-in sends the headers GitHub sends a GITHUB_TOKEN (1,000 an hour) and refuses past it', async () => {
    const standIn = await start();
    const octokit = plain(standIn.url);
    const first = await octokit.rest.repos.get({ owner, repo });
    expect(first.headers['x-ratelimit-limit']).toBe('1000');
    expect(first.headers['x-ratelimit-remaining']).toBe('999');
    expect(first.headers['x-ratelimit-resource']).toBe('core');
    standIn.state.rateLimit.used = 1000;
    const refused = await octokit.rest.repos.get({ owner, repo }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      status: 403,
      response: { headers: { 'x-ratelimit-remaining': '0' } },
    });
    expect((refused as Error).message).toMatch(/API rate limit exceeded/);
  });

  it('Ripcord does not sleep through an hour-away reset: it fails at once, saying when and what to do', async () => {
    const standIn = await start();
    standIn.state.rateLimit.used = 1000;
    standIn.state.rateLimit.resetAt = Math.floor(Date.now() / 1000) + 50 * 60;
    const lines: string[] = [];
    const client = createGitHubClient({
      token: 'ghs_token',
      baseUrl: standIn.url,
      logger: { ...silentLogger, error: (m) => lines.push(m) },
    });
    const started = Date.now();
    const thrown = await client.octokit.rest.repos.get({ owner, repo }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(thrown).toBeInstanceOf(RateLimitError);
    const message = (thrown as Error).message;
    expect(message).toMatch(
      /rate limit for this token is used up \(1000 requests an hour, the limit of a workflow's GITHUB_TOKEN per repository\)/,
    );
    expect(message).toMatch(
      /resets at .*, (49|50)m.* from now, longer than rollback\.rate_limit_wait \(5m\)/,
    );
    expect(message).toMatch(/GitHub App token/);
    expect(lines.join('\n')).toMatch(/not waiting/);
  });

  it('a reset within the cap is waited for, and the request then succeeds', async () => {
    const standIn = await start();
    standIn.state.rateLimit.used = 1000;
    standIn.state.rateLimit.resetAt = Math.floor(Date.now() / 1000) + 1;
    const client = createGitHubClient({
      token: 'ghs_token',
      baseUrl: standIn.url,
      logger: silentLogger,
      maxRateLimitWaitMs: 10_000,
    });
    const { data } = await client.octokit.rest.repos.get({ owner, repo });
    expect(data.full_name).toBe('acme/shop');
  }, 15_000);
});

describe('size limits', () => {
  it('the stand-in refuses bodies over 65,536 characters and label names over 50, with 422 as GitHub does', async () => {
    const standIn = await start();
    const octokit = plain(standIn.url);
    const long = 'x'.repeat(65_537);
    expect(
      await statusOf(octokit.rest.issues.create({ owner, repo, title: 't', body: long })),
    ).toEqual({
      status: 422,
      message: 'body is too long (maximum is 65536 characters)',
    });
    const issue = await octokit.rest.issues.create({
      owner,
      repo,
      title: 't',
      body: 'x'.repeat(65_536),
    });
    expect(
      await statusOf(
        octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number: issue.data.number,
          body: long,
        }),
      ),
    ).toEqual({ status: 422, message: 'Body is too long (maximum is 65536 characters)' });
    expect(
      await statusOf(octokit.rest.issues.createLabel({ owner, repo, name: 'l'.repeat(51) })),
    ).toEqual({ status: 422, message: 'name is too long (maximum is 50 characters)' });
    expect(
      await statusOf(
        octokit.rest.issues.create({ owner, repo, title: 't', labels: ['l'.repeat(51)] }),
      ),
    ).toMatchObject({ status: 422 });
    standIn.assertNoViolations();
  });

  it('an incident comment longer than the limit is cut to fit, keeping its head and the markers at its end', async () => {
    const standIn = await start();
    const octokit = plain(standIn.url);
    const store = createIncidentStore(octokit, { owner, repo }, silentLogger);
    const issue = standIn.state.repo().addIssue({ title: 'incident' });
    const marker = '<!-- ripcord:notified rollback.failed:1:oncall oncall 2026-11-24T10:00:00Z -->';
    await store.comment(
      issue.number,
      `### Rollback failed\n\n${'| step | detail |\n'.repeat(8_000)}${marker}`,
    );
    const body = issue.comments[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    expect(body.startsWith('### Rollback failed')).toBe(true);
    expect(body.endsWith(marker)).toBe(true);
    expect(body).toMatch(/characters cut to fit GitHub's comment limit/);
    expect(fitComment('short')).toBe('short');
  });
});

describe('refs, dispatches and lost responses', () => {
  it('POST /git/refs may answer 409 "Reference update failed" (a documented status; GitHub sends it under concurrent writes)', async () => {
    const standIn = await start();
    standIn.faults.inject({
      match: 'git/create-ref',
      kind: 'status',
      status: 409,
      message: 'Reference update failed',
    });
    const sha = standIn.state.repo().refs.get('refs/heads/main') ?? '';
    expect(
      await statusOf(
        plain(standIn.url).rest.git.createRef({ owner, repo, ref: 'refs/ripcord/locks/x', sha }),
      ),
    ).toEqual({ status: 409, message: 'Reference update failed' });
    standIn.assertNoViolations();
  });

  it('the dispatch API: GHES before 3.21 refuses return_run_details; an undeclared input is "Unexpected inputs provided"', async () => {
    const standIn = await start();
    const octokit = plain(standIn.url);
    standIn.state.repo().addWorkflow('deploy.yml', 'Deploy', { inputs: ['version'] });
    const dispatch = (body: Record<string, unknown>) =>
      octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
        owner,
        repo,
        workflow_id: 'deploy.yml',
        ref: 'main',
        ...body,
      });
    expect(await statusOf(dispatch({ inputs: { version: 'v1', extra: 'x' } }))).toEqual({
      status: 422,
      message: 'Unexpected inputs provided: ["extra"]',
    });
    const ok = await dispatch({ inputs: { version: 'v1' }, return_run_details: true });
    expect(ok.status).toBe(200);
    standIn.state.enterpriseServer = '3.19';
    expect(
      await statusOf(dispatch({ inputs: { version: 'v1' }, return_run_details: true })),
    ).toEqual({
      status: 422,
      message: '"return_run_details" is not a permitted key.',
    });
    expect((await dispatch({ inputs: { version: 'v1' } })).status).toBe(204);
    standIn.state.enterpriseServer = '3.21';
    expect((await dispatch({ inputs: { version: 'v1' }, return_run_details: true })).status).toBe(
      200,
    );
    standIn.assertNoViolations();
  });

  it('the after-write fault performs the request, then answers 5xx (a lost response)', async () => {
    const standIn = await start();
    standIn.faults.inject({ match: 'issues/create', kind: 'after-write', status: 502 });
    expect(
      (await statusOf(plain(standIn.url).rest.issues.create({ owner, repo, title: 'once' })))
        .status,
    ).toBe(502);
    expect(standIn.state.repo().issues.map((i) => i.title)).toEqual(['once']);
  });
});
