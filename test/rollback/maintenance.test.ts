/**
 * `rollback.maintenance` (#13, seeds 001 and 002: maintenance mode around a rollback that is not
 * the `full` strategy): the rollback action against the GitHub stand-in with real commands, the
 * order of what ran read from a file the commands append to.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/rollback/run.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

let gh: GitHubStandIn;
let dir: string;
let log: string;
let policy: string;

const fixture = join(import.meta.dirname, '..', 'fixtures', 'policies', 'maintenance.yml');

/** The fixture, with the log path and the exit codes of the steps that should fail. */
function writePolicy(
  fail: { config?: boolean; redeploy?: boolean; off?: boolean } = {},
  wraps = '',
) {
  const text = readFileSync(fixture, 'utf8')
    .replaceAll('$LOG', log)
    .replace('CONFIG_EXIT', fail.config ? '1' : '0')
    .replace('REDEPLOY_EXIT', fail.redeploy ? '1' : '0')
    .replace('OFF_EXIT', fail.off ? '1' : '0')
    .replace('# WRAPS', wraps);
  writeFileSync(policy, text);
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-maintenance-'));
  log = join(dir, 'ran.log');
  policy = join(dir, 'ripcord.yml');
  const repo = gh.state.repo();
  // An explicit strategy is a person's choice: their authority is checked.
  repo.setPermission('deploy-bot', 'write', 'maintain');
  repo.addDeployment({
    ref: 'v1.1.0',
    sha: 'a'.repeat(40),
    environment: 'production',
    created_at: '2026-11-24T09:00:00Z',
    statuses: [{ state: 'success' }],
  });
  repo.addDeployment({
    ref: 'v1.2.0',
    sha: 'c'.repeat(40),
    environment: 'production',
    created_at: '2026-11-24T10:00:00Z',
    statuses: [{ state: 'success' }],
  });
});

afterEach(async () => {
  await gh.close();
});

async function rollBack(inputs: Record<string, string> = {}) {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    reason: 'error rate above 10% for 5m',
    strategy: 'config',
    ...inputs,
  });
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '9001',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'deploy-bot',
      GITHUB_EVENT_NAME: 'deployment_status',
      PATH: process.env.PATH ?? '',
    },
    now: () => Date.now(),
    sleep: () => Promise.resolve(),
    retryAfterBaseValue: 1,
    lockPollMs: 50,
  });
  return { io, result };
}

function ran(): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
}

function issueBody(): string {
  return gh.state.repo().issues.at(-1)?.body ?? '';
}

describe('maintenance mode around any strategy', () => {
  test('config succeeds: maintenance on, config, maintenance off; all recorded on the incident', async () => {
    writePolicy();
    const { result } = await rollBack();
    expect(result.result).toBe('rolled-back');
    expect(ran()).toEqual(['maintenance-on config', 'config', 'maintenance-off config']);
    expect(
      result.steps.filter((s) => s.status !== 'running').map((s) => `${s.stepId} ${s.status}`),
    ).toEqual(['maintenance:on done', 'config:restore done', 'maintenance:off done']);
    expect(issueBody()).toMatch(/Maintenance mode off \| maintenance \| done/);
  });

  test('every rung fails: maintenance is still switched off, after the last rung, and the rollback fails', async () => {
    writePolicy({ config: true, redeploy: true });
    const { result, io } = await rollBack();
    expect(result.result).toBe('failed');
    expect(ran()).toEqual([
      'maintenance-on config',
      'config',
      'redeploy',
      'maintenance-off config',
    ]);
    expect(result.steps.at(-1)).toMatchObject({ stepId: 'maintenance:off', status: 'done' });
    expect(io.failed.join('\n')).toMatch(/config failed at "Restore config"/);
  });

  test('maintenance off fails after a good rollback: the rollback fails and says users are shut out', async () => {
    writePolicy({ off: true });
    const { result, io } = await rollBack();
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(
      /maintenance mode is still on: "Maintenance mode off" failed: .*switch it off by hand or re-run the rollback/,
    );
    expect(io.failed).toHaveLength(1);
  });

  test('strategies: [redeploy] wraps only a rollback that starts with redeploy', async () => {
    writePolicy({}, 'strategies: [redeploy]');
    const { result } = await rollBack();
    expect(result.result).toBe('rolled-back');
    expect(ran()).toEqual(['config']);
  });

  test('dry run lists the maintenance steps around the plan and runs nothing', async () => {
    writePolicy();
    const { result } = await rollBack({ 'dry-run': 'true' });
    expect(result.result).toBe('dry-run');
    expect(result.plan.map((s) => s.id)).toEqual([
      'maintenance:on',
      'config:restore',
      'redeploy:command',
      'maintenance:off',
    ]);
    expect(ran()).toEqual([]);
  });
});
