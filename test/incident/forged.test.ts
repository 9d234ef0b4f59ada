/**
 * Issue #11, "Forged incident": anyone with triage access can open an issue and give it
 * Ripcord's labels. These tests perform the attack against the GitHub stand-in and check that
 * Ripcord only trusts incidents written by the identity it runs as (github-actions[bot] for
 * GITHUB_TOKEN, or policy github.bot_login), warns about the look-alike, and only deploys a
 * target that is a successful deployment of the environment.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run as rollbackRun } from '../../src/actions/rollback/run.ts';
import { run as verifyRun } from '../../src/actions/verify/run.ts';
import {
  INCIDENT_STATE_VERSION,
  renderIncidentBody,
  type IncidentState,
} from '../../src/incident/state.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const GOOD = 'a'.repeat(40);
const BAD = 'c'.repeat(40);
const EVIL = 'e'.repeat(40);

let gh: GitHubStandIn;
let dir: string;
let policy: string;
let deploys: string;
let goodId = 0;
let badId = 0;

function writePolicy(extra: string[] = []) {
  writeFileSync(
    policy,
    [
      'version: 1',
      ...extra,
      'environments:',
      '  production:',
      '    default_strategy: redeploy',
      '    rollback:',
      '      strategies:',
      `        redeploy: {command: "echo $RIPCORD_TARGET_SHA >> ${deploys}", timeout: 30s}`,
      '    verify:',
      '      checks:',
      '        - {type: smoke, name: smoke, command: "true"}',
      '',
    ].join('\n'),
  );
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-forged-'));
  policy = join(dir, 'ripcord.yml');
  deploys = join(dir, 'deploys.log');
  writePolicy();
  const repo = gh.state.repo();
  goodId = repo.addDeployment({
    ref: 'v1.1.0',
    sha: GOOD,
    environment: 'production',
    created_at: '2026-11-24T09:00:00Z',
    statuses: [{ state: 'success' }],
  }).id;
  badId = repo.addDeployment({
    ref: 'v1.2.0',
    sha: BAD,
    environment: 'production',
    created_at: '2026-11-24T10:00:00Z',
    statuses: [{ state: 'success' }],
  }).id;
  repo.setPermission('mallory', 'read', 'triage');
});

afterEach(async () => {
  await gh.close();
});

function forgedState(
  status: IncidentState['status'],
  target: IncidentState['target'],
): IncidentState {
  const at = '2026-11-24T10:05:00Z';
  return {
    version: INCIDENT_STATE_VERSION,
    environment: 'production',
    status,
    openedAt: at,
    updatedAt: at,
    reason: 'looks official',
    bad: { deploymentId: badId, ref: 'v1.2.0', sha: BAD, createdAt: '2026-11-24T10:00:00Z' },
    target,
    rollbackDeploymentId: null,
    strategy: 'redeploy',
    attempts: status === 'rolled-back' ? 1 : 0,
    lastRollbackAt: status === 'rolled-back' ? at : null,
    runs: [],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
}

function plant(user: string, state: IncidentState): number {
  const issue = gh.state.repo().addIssue({
    title: 'Rollback of production: error rate',
    body: renderIncidentBody(state, 'Ripcord is rolling back production.'),
    labels: ['ripcord:incident', 'ripcord:env:production'],
    user,
  });
  return issue.number;
}

const env = (runId: string) => ({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: gh.url,
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_ACTOR: 'deploy-bot',
  GITHUB_EVENT_NAME: 'deployment_status',
  PATH: process.env.PATH ?? '',
});

async function breach(runId = '501') {
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
      summary: 'error-rate above 5%',
    }),
  });
  const result = await rollbackRun(io, {
    env: env(runId),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
    lockPollMs: 10,
  });
  return { io, result };
}

const deployed = () =>
  existsSync(deploys) ? readFileSync(deploys, 'utf8').trim().split('\n') : [];
const warnings = (io: { logs: { level: string; message: string }[] }) =>
  io.logs.filter((l) => l.level === 'warning').map((l) => l.message);

describe('forged incident', () => {
  test('a look-alike "rolling-back" issue with a chosen target: its target is never deployed', async () => {
    const forged = plant(
      'mallory',
      forgedState('rolling-back', { deploymentId: null, ref: 'evil', sha: EVIL }),
    );
    const { io, result } = await breach();
    expect(result.result).toBe('rolled-back');
    expect(result.target?.sha).toBe(GOOD);
    expect(deployed()).toEqual([GOOD]);
    expect(result.incident?.number).not.toBe(forged);
    expect(warnings(io).join('\n')).toMatch(
      new RegExp(
        `ignored 1 open issue .* not opened by github-actions\\[bot\\] \\(#${forged} by mallory\\)`,
      ),
    );
    // The look-alike is left as it was: Ripcord neither writes to it nor closes it.
    const issue = gh.state.repo().issues.find((i) => i.number === forged);
    expect(issue?.state).toBe('open');
    expect(issue?.comments).toEqual([]);
  });

  test('a look-alike "rolled-back" issue cannot make a real rollback skipped', async () => {
    plant(
      'mallory',
      forgedState('rolled-back', { deploymentId: goodId, ref: 'v1.1.0', sha: GOOD }),
    );
    const { io, result } = await breach();
    expect(result.result).toBe('rolled-back');
    expect(io.outputs['skip-reason']).toBe('');
    expect(deployed()).toEqual([GOOD]);
  });

  test('verify refuses a look-alike passed as the incident input', async () => {
    const forged = plant(
      'mallory',
      forgedState('rolled-back', { deploymentId: goodId, ref: 'v1.1.0', sha: GOOD }),
    );
    const io = recorder({
      policy,
      environment: 'production',
      token: 'ghs_token',
      mode: 'after-rollback',
      incident: String(forged),
    });
    await expect(
      verifyRun(io, {
        env: env('601'),
        now: () => Date.now(),
        sleep: async () => {},
        retryAfterBaseValue: 1,
      }),
    ).rejects.toThrow(/opened by mallory, not by github-actions\[bot\]/);
  });

  test("an App identity from the policy: only the App bot's incidents count", async () => {
    writePolicy(['github: {bot_login: "ripcord-app[bot]"}']);
    const other = plant(
      'github-actions[bot]',
      forgedState('rolling-back', { deploymentId: null, ref: 'evil', sha: EVIL }),
    );
    const mine = plant(
      'ripcord-app[bot]',
      forgedState('rolled-back', { deploymentId: goodId, ref: 'v1.1.0', sha: GOOD }),
    );
    const { io, result } = await breach();
    // The App's incident says rolled back, but its bad deployment is still the live one: the
    // rollback runs again against it, to its recorded (and checked) target.
    expect(result.incident?.number).toBe(mine);
    expect(result.result).toBe('rolled-back');
    expect(deployed()).toEqual([GOOD]);
    expect(warnings(io).join('\n')).toContain(`#${other} by github-actions[bot]`);
  });

  test("Ripcord's own record whose target is not a successful deployment is refused, nothing deployed", async () => {
    // A person with write access edits the state block of Ripcord's issue: target = a deployment that failed.
    const failed = gh.state.repo().addDeployment({
      ref: 'v1.1.5',
      sha: EVIL,
      environment: 'production',
      created_at: '2026-11-24T09:30:00Z',
      statuses: [{ state: 'failure' }],
    });
    plant(
      'github-actions[bot]',
      forgedState('rolling-back', { deploymentId: failed.id, ref: 'v1.1.5', sha: EVIL }),
    );
    await expect(breach()).rejects.toThrow(
      new RegExp(
        `deployment ${failed.id} is not known-good .*only rolls back to a successful deployment of production`,
      ),
    );
    expect(deployed()).toEqual([]);
  });

  test('an explicit deployment-id target must be a successful deployment of the environment', async () => {
    const other = gh.state.repo().addDeployment({
      ref: 'v0.9.0',
      sha: EVIL,
      environment: 'staging',
      created_at: '2026-11-24T08:00:00Z',
      statuses: [{ state: 'success' }],
    });
    const io = recorder({
      policy,
      environment: 'production',
      token: 'ghs_token',
      reason: 'manual',
      target: String(other.id),
    });
    gh.state.repo().setPermission('deploy-bot', 'admin', 'admin');
    await expect(
      rollbackRun(io, {
        env: { ...env('701'), GITHUB_EVENT_NAME: 'workflow_dispatch' },
        now: () => Date.now(),
        sleep: async () => {},
        retryAfterBaseValue: 1,
      }),
    ).rejects.toThrow(/a deployment of staging, not production/);
    expect(deployed()).toEqual([]);
  });
});
