/**
 * Issue #10 §1 against the GitHub stand-in: two incidents a week apart, with a policy that has
 * no staged recovery. Before the lifecycle table, the second rollback answered `skipped | ...
 * already rolled back at 2026-11-01 ...` with a green step and production stayed on v1.4.0.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run as rollbackRun } from '../../src/actions/rollback/run.ts';
import { run as verifyRun } from '../../src/actions/verify/run.ts';
import { extractStateBlock } from '../../src/incident/state.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const V12 = '1'.repeat(40);
const V13 = '3'.repeat(40);
const V14 = '4'.repeat(40);

let gh: GitHubStandIn;
let dir: string;
let policy: string;
let deploys: string;
let clock = 0;

beforeEach(async () => {
  clock = Date.parse('2026-10-20T09:00:00Z');
  gh = await startGitHubStandIn({ clock: { now: () => new Date(clock) } });
  dir = mkdtempSync(join(tmpdir(), 'ripcord-two-incidents-'));
  policy = join(dir, 'ripcord.yml');
  deploys = join(dir, 'deploys.log');
  // No recovery section: nothing will bring the change back in stages, so a verified rollback
  // is the end of the incident.
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    default_strategy: redeploy',
      '    rollback:',
      '      cooldown: 30m',
      '      strategies:',
      `        redeploy: {command: "echo $RIPCORD_TARGET_SHA >> ${deploys}", timeout: 30s}`,
      '    verify:',
      '      stabilization: 10s',
      '      interval: 10s',
      '      duration: 1m',
      '      successes: 1',
      '      checks:',
      '        - {type: smoke, name: smoke, command: "true"}',
      '',
    ].join('\n'),
  );
  const repo = gh.state.repo();
  repo.addDeployment({
    ref: 'v1.2.0',
    sha: V12,
    environment: 'production',
    created_at: '2026-10-20T09:00:00Z',
    statuses: [{ state: 'success' }],
  });
  repo.addDeployment({
    ref: 'v1.3.0',
    sha: V13,
    environment: 'production',
    created_at: '2026-11-01T10:00:00Z',
    statuses: [{ state: 'success' }],
  });
});

afterEach(async () => {
  await gh.close();
});

function envFor(runId: string) {
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: gh.url,
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'deploy-bot',
    GITHUB_EVENT_NAME: 'deployment_status',
    PATH: process.env.PATH ?? '',
  };
}

const deps = (runId: string) => ({
  env: envFor(runId),
  now: () => clock,
  sleep: async (ms: number) => {
    clock += ms;
  },
  retryAfterBaseValue: 1,
  lockPollMs: 10,
});

async function breach(runId: string, at: string) {
  clock = Date.parse(at);
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    decision: JSON.stringify({
      decision: 'rollback',
      severity: 'critical',
      strategy: 'redeploy',
      approval: 'none',
      triggered: ['error-rate'],
      summary: 'error-rate above 5% for 10m',
    }),
  });
  const result = await rollbackRun(io, deps(runId));
  return { io, result };
}

async function verifyAfterRollback(runId: string, incident: string) {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    mode: 'after-rollback',
    incident,
  });
  await verifyRun(io, deps(runId));
  return io;
}

function warnings(io: { logs: { level: string; message: string }[] }): string {
  return io.logs
    .filter((l) => l.level === 'warning')
    .map((l) => l.message)
    .join('\n');
}

function deployed(): string[] {
  return existsSync(deploys) ? readFileSync(deploys, 'utf8').trim().split('\n') : [];
}

function deployV14(at: string) {
  gh.state.repo().addDeployment({
    ref: 'v1.4.0',
    sha: V14,
    environment: 'production',
    created_at: at,
    statuses: [{ state: 'success' }],
  });
}

function statusOf(number: number): string {
  const issue = gh.state.repo().issues.find((i) => i.number === number);
  const block = extractStateBlock(issue?.body ?? '');
  return 'state' in block ? block.state.status : 'unreadable';
}

describe('two incidents a week apart (no staged recovery)', () => {
  test('rollback Nov 1 verifies and resolves; Nov 8 v1.4.0 breaches and is rolled back again', async () => {
    const first = await breach('101', '2026-11-01T10:20:00Z');
    expect(first.result.result).toBe('rolled-back');
    const n1 = first.result.incident?.number ?? 0;
    expect(deployed()).toEqual([V12]);

    const verified = await verifyAfterRollback('102', String(n1));
    expect(verified.outputs.result).toBe('passed');
    // Resolved: status closed, issue closed, report proposed.
    expect(statusOf(n1)).toBe('closed');
    expect(gh.state.repo().issues.find((i) => i.number === n1)?.state).toBe('closed');
    expect(verified.outputs['report-url']).toMatch(/\/pull\/\d+$/);

    deployV14('2026-11-08T09:00:00Z');
    const second = await breach('201', '2026-11-08T09:30:00Z');
    expect(second.result.result).toBe('rolled-back');
    expect(second.io.failed).toEqual([]);
    expect(second.result.from?.sha).toBe(V14);
    // Back to v1.2.0's code, never to v1.3.0 (the first incident's bad version).
    expect(second.result.target?.sha).toBe(V12);
    expect(deployed()).toEqual([V12, V12]);
    const n2 = second.result.incident?.number ?? 0;
    expect(n2).not.toBe(n1);
    expect(statusOf(n2)).toBe('rolled-back');
    const v14 = gh.state.repo().deployments.find((d) => d.sha === V14);
    expect(v14?.statuses.at(-1)?.description).toMatch(/^Rolled back by Ripcord/);
  });

  test('without the verify step the first incident stays open: the Nov 8 breach supersedes it', async () => {
    const first = await breach('101', '2026-11-01T10:20:00Z');
    const n1 = first.result.incident?.number ?? 0;
    expect(statusOf(n1)).toBe('rolled-back');

    deployV14('2026-11-08T09:00:00Z');
    const second = await breach('201', '2026-11-08T09:30:00Z');
    expect(second.result.result).toBe('rolled-back');
    expect(second.result.target?.sha).toBe(V12);
    expect(deployed()).toEqual([V12, V12]);
    const n2 = second.result.incident?.number ?? 0;
    expect(n2).not.toBe(n1);
    // The old incident says why it was closed; one open incident per environment.
    const old = gh.state.repo().issues.find((i) => i.number === n1);
    expect(old?.state).toBe('closed');
    expect(statusOf(n1)).toBe('closed');
    expect(old?.comments.some((c) => /Superseded/.test(c.body))).toBe(true);
    expect(
      gh.state
        .repo()
        .issues.filter((i) => i.state === 'open' && i.labels.includes('ripcord:incident')),
    ).toHaveLength(1);
    expect(warnings(second.io)).toMatch(new RegExp(`incident #${n1} superseded`));
  });

  test("a breach while Ripcord's own rollback is live is skipped visibly: a warning and skip-reason", async () => {
    const first = await breach('101', '2026-11-01T10:20:00Z');
    expect(first.result.result).toBe('rolled-back');
    const again = await breach('102', '2026-11-01T10:25:00Z');
    expect(again.result.result).toBe('skipped');
    expect(again.io.outputs['skip-reason']).toBe('already-rolled-back');
    expect(warnings(again.io)).toMatch(
      /Ripcord did not roll back production: .*already rolled back/,
    );
    expect(again.io.summaries.join('\n')).toMatch(
      /\*\*Not rolled back\*\* \(`already-rolled-back`\)/,
    );
    expect(deployed()).toEqual([V12]);
  });
});

describe('attempts exhausted', () => {
  test('a breach after max_attempts failed rollbacks fails the step (production may still be bad), never skipped', async () => {
    writeFileSync(
      policy,
      [
        'version: 1',
        'environments:',
        '  production:',
        '    default_strategy: redeploy',
        '    rollback:',
        '      max_attempts: 1',
        '      strategies:',
        '        redeploy: {command: "exit 3", timeout: 30s}',
        '',
      ].join('\n'),
    );
    const first = await breach('101', '2026-11-01T10:20:00Z');
    expect(first.result.result).toBe('failed');
    const again = await breach('102', '2026-11-01T10:30:00Z');
    expect(again.result.result).toBe('failed');
    expect(again.io.outputs['skip-reason']).toBe('max-attempts');
    expect(again.io.failed[0]).toMatch(
      /has failed 1 rollback attempts .* may still run the bad version/,
    );
  });
});

describe('redeploy through workflow_dispatch, whose deploy job declares environment: production', () => {
  test("GitHub's own deployment at the bad commit, created during the rollback, is never the known-good of the next incident", async () => {
    writeFileSync(
      policy,
      [
        'version: 1',
        'environments:',
        '  production:',
        '    default_strategy: redeploy',
        '    rollback:',
        '      strategies:',
        '        redeploy:',
        '          workflow: deploy.yml',
        '          ref_input: sha',
        "          inputs: {version: '{{target_tag}}'}",
        '          timeout: 10m',
        '',
      ].join('\n'),
    );
    const repo = gh.state.repo();
    // The default branch is at the bad commit v1.3.0, as it usually is when a deploy goes wrong.
    repo.setRef('refs/heads/main', V13);
    repo.addWorkflow('deploy.yml', 'Deploy', { environment: 'production' });
    gh.state.onDispatch = (run, r) => r.setRunStatus(run.id, 'completed', 'success');

    const first = await breach('101', '2026-11-01T10:20:00Z');
    expect(first.result.result).toBe('rolled-back');
    expect(first.result.target?.sha).toBe(V12);
    // GitHub recorded the deploy job as a successful deployment of main's head, the bad commit.
    const actions = repo.deployments.filter(
      (d) => d.creator === 'github-actions[bot]' && d.sha === V13 && d.ref === 'main',
    );
    // (`inactive` after a `success` counts as known-good too.)
    expect(actions).toHaveLength(1);
    expect(actions[0]?.statuses.map((st) => st.state)).toContain('success');
    expect(repo.runs[0]?.inputs).toEqual({ sha: V12, version: 'v1.2.0' });

    deployV14('2026-11-08T09:00:00Z');
    const second = await breach('201', '2026-11-08T09:30:00Z');
    expect(second.result.result).toBe('rolled-back');
    // Not main's head (v1.3.0, which Ripcord rolled back a week ago): v1.2.0 again.
    expect(second.result.target?.sha).toBe(V12);
    // The second target is Ripcord's own rollback deployment (its ref is the sha): the tag comes
    // from the name Ripcord recorded in its payload.
    expect(repo.runs.map((r) => r.inputs)).toEqual([
      { sha: V12, version: 'v1.2.0' },
      { sha: V12, version: 'v1.2.0' },
    ]);
  });
});
