/**
 * The rollback action end to end against the GitHub stand-in (every request and response held
 * to GitHub's OpenAPI description) with a real command strategy: what a user would see.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/rollback/run.ts';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

let gh: GitHubStandIn;
let dir: string;
let executions: string;
let policy: string;

const GOOD_SHA = 'a'.repeat(40);
const OLD_SHA = 'b'.repeat(40);
const BAD_SHA = 'c'.repeat(40);

// Commands see the runner's environment; the log path is written into the policy as a script path would be.
function writePolicy(
  extra = '',
  command = `echo "$RIPCORD_TARGET_SHA $RIPCORD_INCIDENT" >> ${executions}`,
) {
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    default_strategy: config',
      '    rollback:',
      '      authority: {permission: maintain, users: [oncall-bot]}',
      '      cooldown: 30m',
      '      lock: {wait: 2m, lease: 10m}',
      '      strategies:',
      '        config:',
      `          command: ${JSON.stringify(command)}`,
      '          timeout: 30s',
      extra,
      '',
    ].join('\n'),
  );
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-rollback-'));
  executions = join(dir, 'executions.log');
  policy = join(dir, 'ripcord.yml');
  writePolicy();
  const repo = gh.state.repo();
  repo.addDeployment({
    ref: 'v1.0.0',
    sha: OLD_SHA,
    environment: 'production',
    created_at: '2026-11-24T08:00:00Z',
    statuses: [{ state: 'success' }, { state: 'inactive' }],
  });
  repo.addDeployment({
    ref: 'v1.1.0',
    sha: GOOD_SHA,
    environment: 'production',
    created_at: '2026-11-24T09:00:00Z',
    statuses: [{ state: 'success' }],
  });
  repo.addDeployment({
    ref: 'v1.2.0',
    sha: BAD_SHA,
    environment: 'production',
    created_at: '2026-11-24T10:00:00Z',
    statuses: [{ state: 'success' }],
  });
  gh.state.repo().setPermission('alice', 'write', 'maintain');
  gh.state.repo().setPermission('bob', 'write', 'write');
});

afterEach(async () => {
  await gh.close();
});

const decision = JSON.stringify({
  decision: 'rollback',
  environment: 'production',
  severity: 'critical',
  strategy: 'config',
  approval: 'none',
  triggered: ['error-rate'],
  summary: 'Roll back production: error-rate above 5% for 15m.',
});

function envFor(runId: string, extra: Record<string, string> = {}) {
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: gh.url,
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'deploy-bot',
    GITHUB_EVENT_NAME: 'deployment_status',
    EXECUTIONS: executions,
    PATH: process.env.PATH ?? '',
    ...extra,
  };
}

async function rollbackRun(inputs: Record<string, string>, env: Record<string, string>) {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    decision,
    ...inputs,
  });
  const result = await run(io, {
    env,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    retryAfterBaseValue: 1,
    lockPollMs: 50,
  });
  return { io, result };
}

function lines(): string[] {
  return existsSync(executions)
    ? readFileSync(executions, 'utf8').trim().split('\n').filter(Boolean)
    : [];
}

describe('rollback', () => {
  test('rolls back to the last known-good deployment and records everything in GitHub', async () => {
    const { io, result } = await rollbackRun({}, envFor('1001'));
    expect(result.message).toMatch(/^Rolled back production from v1\.2\.0/);
    expect(result.result).toBe('rolled-back');
    expect(io.outputs.result).toBe('rolled-back');
    expect(io.outputs['target-ref']).toBe('v1.1.0');
    expect(io.outputs['target-sha']).toBe(GOOD_SHA);
    expect(io.outputs.strategy).toBe('config');
    expect(io.failed).toEqual([]);
    // The strategy ran once, with its values in the environment.
    expect(lines()).toEqual([`${GOOD_SHA} ${io.outputs.incident}`]);
    // A rollback deployment of the known-good sha, in_progress then success.
    const deployments = gh.state.repo().deployments;
    const rb = deployments.find((d) => String(d.id) === io.outputs['deployment-id']);
    expect(rb?.sha).toBe(GOOD_SHA);
    expect(JSON.stringify(rb?.payload)).toContain('"kind":"rollback"');
    expect(rb?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    // The bad deployment is marked.
    const bad = deployments.find((d) => d.sha === BAD_SHA);
    expect(bad?.statuses.at(-1)?.state).toBe('failure');
    expect(bad?.statuses.at(-1)?.description).toMatch(/^Rolled back by Ripcord/);
    // One incident, labelled, with a timeline comment.
    const issue = gh.state.repo().issues.find((i) => String(i.number) === io.outputs.incident);
    expect([...(issue?.labels ?? [])].sort()).toEqual([
      'ripcord:env:production',
      'ripcord:incident',
    ]);
    expect(issue?.body).toContain('"status": "rolled-back"');
    expect(issue?.comments.some((c) => c.body.includes('Rollback completed'))).toBe(true);
    // The lock is released.
    expect([...gh.state.repo().refs.keys()].some((r) => r.startsWith('refs/ripcord/locks/'))).toBe(
      false,
    );
    expect(io.summaries.join('\n')).toMatch(/GitHub API calls: \d+/);
    expect(gh.violations).toEqual([]);
  });

  test('keeps the readings that made the decision in the incident state, for the report', async () => {
    const withReadings = JSON.stringify({
      ...(JSON.parse(decision) as object),
      evaluatedAt: '2026-12-03T11:01:00.000Z',
      triggers: [
        {
          name: 'error-rate',
          status: 'breached',
          severity: 'critical',
          value: 0.093,
          valueText: '9.3%',
          threshold: '> 5% for 2m',
          since: '2026-12-03T10:59:00.000Z',
          reason: 'error-rate has been above 5% since 10:59 UTC (now 9.3%).',
        },
      ],
    });
    const { io } = await rollbackRun({ decision: withReadings }, envFor('1077'));
    expect(io.failed).toEqual([]);
    const issue = gh.state.repo().issues.find((i) => String(i.number) === io.outputs.incident);
    const state = /<!-- ripcord:state\n([\s\S]*?)\n-->/.exec(issue?.body ?? '')?.[1] ?? '{}';
    const kept = JSON.parse(state) as {
      decision?: { evaluatedAt?: string; evidence?: { name: string; valueText: string }[] };
    };
    expect(kept.decision?.evaluatedAt).toBe('2026-12-03T11:01:00.000Z');
    expect(kept.decision?.evidence?.map((e) => [e.name, e.valueText])).toEqual([
      ['error-rate', '9.3%'],
    ]);
  });

  test('20 concurrent runs: one rollback deployment, one incident, one execution; the others report the winner', async () => {
    // 19 waiters poll the lock every 50 ms here (2 s in a workflow): past a GITHUB_TOKEN's
    // 1,000 requests, which this test is not about.
    gh.state.rateLimit.limit = 10_000;
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rollbackRun({}, envFor(String(2000 + i)))),
    );
    const outcomes = runs.map((r) => r.result.result).sort();
    expect(outcomes.filter((o) => o === 'rolled-back')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(19);
    expect(lines()).toHaveLength(1);
    const rollbacks = gh.state
      .repo()
      .deployments.filter((d) => JSON.stringify(d.payload).includes('rollback'));
    expect(rollbacks).toHaveLength(1);
    expect(
      gh.state.repo().issues.filter((i) => i.labels.includes('ripcord:incident')),
    ).toHaveLength(1);
    const winner = runs.find((r) => r.result.result === 'rolled-back');
    for (const r of runs.filter((x) => x !== winner)) {
      expect(r.result.message).toMatch(/already rolled back .* by run 20\d\d/);
      expect(r.result.incident?.number).toBe(winner?.result.incident?.number);
    }
  }, 60_000);

  test('a re-run of the same workflow run after success does nothing new', async () => {
    await rollbackRun({}, envFor('3001'));
    const callsAfterFirst = gh.calls.total;
    const again = await rollbackRun({}, envFor('3001', { GITHUB_RUN_ATTEMPT: '2' }));
    expect(again.result.result).toBe('skipped');
    expect(again.result.message).toMatch(/This run already rolled production back/);
    expect(lines()).toHaveLength(1);
    expect(
      gh.state.repo().deployments.filter((d) => JSON.stringify(d.payload).includes('rollback')),
    ).toHaveLength(1);
    expect(gh.calls.total - callsAfterFirst).toBeLessThanOrEqual(8);
  });

  test('a run killed between two steps: the next run resumes without repeating or skipping a step', async () => {
    writePolicy(
      [
        '        full:',
        `          maintenance_on: {command: "echo on >> ${executions}"}`,
        `          restore_data: {command: "echo restore >> ${executions}; test -f ${join(dir, 'allow-restore')}"}`,
        `          maintenance_off: {command: "echo off >> ${executions}"}`,
        '        redeploy:',
        `          command: "echo redeploy $RIPCORD_TARGET_SHA >> ${executions}"`,
      ].join('\n'),
    );
    // The first run fails at restore_data (a stand-in for a crash mid-ladder): steps before it are recorded done.
    const first = await rollbackRun({ strategy: 'full' }, envFor('4001'));
    expect(first.result.result).toBe('failed');
    expect(first.io.failed[0]).toMatch(/Rollback of production failed/);
    expect(lines()).toEqual(['on', `redeploy ${GOOD_SHA}`, 'restore']);
    writeFileSync(join(dir, 'allow-restore'), '');
    const second = await rollbackRun({ strategy: 'full' }, envFor('4002'));
    expect(second.result.result).toBe('rolled-back');
    // maintenance_on and the redeploy are not repeated; restore runs again (it failed) and maintenance_off once.
    expect(lines()).toEqual(['on', `redeploy ${GOOD_SHA}`, 'restore', 'restore', 'off']);
    expect(second.result.incident?.number).toBe(first.result.incident?.number);
    expect(second.result.dataLossWindow?.from).toBe('2026-11-24T10:00:00Z');
  });

  test('a run that dies mid-ladder (GitHub unreachable while recording) is resumed by the next run', async () => {
    writePolicy(
      [
        '        full:',
        `          maintenance_on: {command: "echo on >> ${executions}"}`,
        `          restore_data: {command: "echo restore >> ${executions}"}`,
        `          maintenance_off: {command: "echo off >> ${executions}"}`,
        '        redeploy:',
        `          command: "echo redeploy >> ${executions}"`,
      ].join('\n'),
    );
    // Issue updates: 1 and 2 around maintenance_on (the first also records the rollback
    // deployment, #16), 3 = the redeploy starting. That one and all its retries fail: the run
    // dies between two steps.
    let updates = 0;
    gh.faults.inject({
      // 4 attempts of the step's record, then 4 of the run's attempt to record its own failure.
      match: (t) => t.operationId === 'issues/update' && ++updates >= 3 && updates <= 10,
      kind: 'status',
      status: 500,
      times: 8,
    });
    await expect(rollbackRun({ strategy: 'full' }, envFor('4101'))).rejects.toThrow();
    expect(lines()).toEqual(['on']);
    const incident = gh.state.repo().issues.find((i) => i.labels.includes('ripcord:incident'));
    expect(incident?.body).toContain('"status": "rolling-back"');
    const next = await rollbackRun({ strategy: 'full' }, envFor('4102'));
    expect(next.result.result).toBe('rolled-back');
    expect(next.result.incident?.number).toBe(incident?.number);
    expect(lines()).toEqual(['on', 'redeploy', 'restore', 'off']);
  });

  test('a manual run by someone without the permission fails before touching anything, saying who may', async () => {
    const before = gh.calls.total;
    await expect(
      rollbackRun(
        { decision: '', reason: 'checkout is broken' },
        envFor('5001', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'bob' }),
      ),
    ).rejects.toThrow(
      /bob may not roll back \(their permission is write\); who may: people with the maintain permission/,
    );
    expect(gh.calls.total - before).toBe(1);
    expect(gh.state.repo().deployments).toHaveLength(3);
    expect(lines()).toEqual([]);
    const ok = await rollbackRun(
      { decision: '', reason: 'checkout is broken' },
      envFor('5002', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'alice' }),
    );
    expect(ok.result.result).toBe('rolled-back');
  });

  test('a member of an allowed team may roll back by hand', async () => {
    writePolicy();
    const text = readFileSync(policy, 'utf8').replace(
      'users: [oncall-bot]',
      'users: [oncall-bot], teams: [sre]',
    );
    writeFileSync(policy, text);
    gh.state.setTeamMember('acme', 'sre', 'bob');
    const r = await rollbackRun(
      { decision: '', reason: 'checkout is broken' },
      envFor('5101', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'bob' }),
    );
    expect(r.result.result).toBe('rolled-back');
    expect(gh.calls.count('teams/get-membership-for-user-in-org')).toBe(1);
  });

  test('a token without deployments: write fails clearly, and the incident says why', async () => {
    gh.faults.inject({
      match: 'repos/create-deployment',
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    await expect(rollbackRun({}, envFor('5201'))).rejects.toThrow(/permissions/);
    expect(lines()).toEqual([]);
    const incident = gh.state.repo().issues.find((i) => i.labels.includes('ripcord:incident'));
    expect(incident?.body).toContain('"status": "rollback-failed"');
    expect(incident?.comments.at(-1)?.body).toMatch(/Rollback stopped/);
    expect([...gh.state.repo().refs.keys()].some((r) => r.startsWith('refs/ripcord/locks/'))).toBe(
      false,
    );
  });

  test('dry-run plans and changes nothing', async () => {
    const { result, io } = await rollbackRun({ 'dry-run': 'true' }, envFor('6001'));
    expect(result.result).toBe('dry-run');
    expect(io.outputs['target-ref']).toBe('v1.1.0');
    expect(result.message).toMatch(/would roll back production from v1\.2\.0 .* to v1\.1\.0/);
    expect(gh.calls.log.every((c) => c.method === 'GET')).toBe(true);
    expect(lines()).toEqual([]);
  });

  test('502s and secondary rate limits on every endpoint in turn: the rollback still completes', async () => {
    const patterns = [
      'POST /repos/{owner}/{repo}/git/trees',
      'POST /repos/{owner}/{repo}/git/commits',
      'POST /repos/{owner}/{repo}/git/refs',
      'GET /repos/{owner}/{repo}/issues',
      'POST /repos/{owner}/{repo}/issues',
      'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
      'GET /repos/{owner}/{repo}/deployments',
      'POST /repos/{owner}/{repo}/deployments',
      'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    ];
    for (const match of patterns) {
      gh.faults.inject({ match, kind: 'status', status: 502 });
      gh.faults.inject({ match, kind: 'secondary-rate-limit', retryAfter: 1 });
    }
    const { result } = await rollbackRun({}, envFor('7001'));
    expect(result.result).toBe('rolled-back');
    expect(lines()).toHaveLength(1);
    expect(gh.faults.remaining).toBe(0);
  }, 60_000);

  test.each([
    [{ environment: 'staging' }, /environment "staging" is not in the policy/],
    [{ strategy: 'yolo' }, /input strategy: "yolo" is not a strategy/],
    [{ decision: '{"decision":' }, /input decision is not JSON/],
    [{ target: 'f'.repeat(40) }, /target sha f{40} is not a commit of acme\/shop/],
  ])('bad input %j: a clear error and nothing half-done', async (inputs, message) => {
    await expect(rollbackRun(inputs, envFor('8001'))).rejects.toThrow(message);
    expect(lines()).toEqual([]);
    expect([...gh.state.repo().refs.keys()].some((r) => r.startsWith('refs/ripcord/locks/'))).toBe(
      false,
    );
  });

  test('no known-good deployment: a clear error naming the fix', async () => {
    const repo = gh.state.repo();
    for (const d of repo.deployments)
      if (d.sha !== BAD_SHA) repo.addDeploymentStatus(d, { state: 'failure' });
    await expect(rollbackRun({}, envFor('9001'))).rejects.toThrow(
      /no known-good deployment of production .* Pass input target/,
    );
  });

  test('the lease is renewed while the run holds the lock: lease 2s, a 4s step, a second run at 2.5s; the step runs once (#10)', async () => {
    writePolicy(
      '',
      `echo "start $RIPCORD_INCIDENT" >> ${executions}; sleep 4; echo "done $RIPCORD_INCIDENT" >> ${executions}`,
    );
    writeFileSync(
      policy,
      readFileSync(policy, 'utf8').replace(
        'lock: {wait: 2m, lease: 10m}',
        'lock: {wait: 1s, lease: 2s}',
      ),
    );
    const first = rollbackRun({}, envFor('7001'));
    await new Promise((r) => setTimeout(r, 2_500));
    const second = await rollbackRun({}, envFor('7002'));
    expect(second.result.result).toBe('skipped');
    expect(second.result.message).toMatch(
      /Another run holds the production lock \(run 7001 attempt 1/,
    );
    expect((await first).result.result).toBe('rolled-back');
    expect(lines().filter((l) => l.startsWith('start'))).toHaveLength(1);
  }, 20_000);

  test('a custom repository role based on write counts as write (role_name and permission, the higher) (#10)', async () => {
    writeFileSync(
      policy,
      readFileSync(policy, 'utf8').replace('permission: maintain', 'permission: write'),
    );
    gh.state.repo().setPermission('dana', 'write', 'deployer');
    gh.state.repo().setPermission('erin', 'read', 'auditor');
    const ok = await rollbackRun(
      { decision: '', reason: 'checkout is broken' },
      envFor('7101', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'dana' }),
    );
    expect(ok.result.result).toBe('rolled-back');
    await expect(
      rollbackRun(
        { decision: '', reason: 'again' },
        envFor('7102', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'erin' }),
      ),
    ).rejects.toThrow(/erin may not roll back \(their permission is auditor \(read\)\)/);
  });

  test('a re-run is authorised as the person who pressed Re-run (GITHUB_TRIGGERING_ACTOR) (#10)', async () => {
    const before = gh.calls.total;
    await expect(
      rollbackRun(
        { decision: '', reason: 'checkout is broken' },
        envFor('7201', {
          GITHUB_EVENT_NAME: 'workflow_dispatch',
          GITHUB_RUN_ATTEMPT: '2',
          GITHUB_ACTOR: 'alice',
          GITHUB_TRIGGERING_ACTOR: 'bob',
        }),
      ),
    ).rejects.toThrow(/bob may not roll back/);
    expect(gh.calls.total - before).toBe(1);
    expect(lines()).toEqual([]);
  });

  test('a 403 from the permission API refuses the rollback as a ConfigurationError (fail closed) (#10)', async () => {
    gh.faults.inject({
      match: 'repos/get-collaborator-permission-level',
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const thrown = await rollbackRun(
      { decision: '', reason: 'checkout is broken' },
      envFor('7301', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'alice' }),
    ).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toMatch(
      /cannot check whether alice may roll back: GitHub answered 403/,
    );
    expect(lines()).toEqual([]);
    expect(gh.state.repo().deployments).toHaveLength(3);
  });

  test('a 5xx after GitHub performed the write: no second incident issue, no second rollback deployment (#10)', async () => {
    // plugin-retry retries a POST answered 5xx; the stand-in performs it first, as GitHub may.
    gh.faults.inject({ match: 'issues/create', kind: 'after-write', status: 502 });
    gh.faults.inject({ match: 'repos/create-deployment', kind: 'after-write', status: 502 });
    const { io, result } = await rollbackRun({}, envFor('7401'));
    expect(result.result).toBe('rolled-back');
    const incidents = gh.state.repo().issues.filter((i) => i.labels.includes('ripcord:incident'));
    expect(incidents).toHaveLength(1);
    expect(result.incident?.number).toBe(incidents[0]?.number);
    const rollbacks = gh.state.repo().deployments.filter((d) => d.sha === GOOD_SHA);
    expect(rollbacks).toHaveLength(2); // the known-good one, and one rollback deployment
    expect(result.deploymentId).toBe(rollbacks.at(-1)?.id);
    expect(gh.calls.count('issues/create')).toBe(1);
    expect(gh.calls.count('repos/create-deployment')).toBe(1);
    expect(io.logs.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/GitHub answered 502 to opening the incident, but it was opened/),
      ]),
    );
    expect(lines()).toHaveLength(1);
  });
});
