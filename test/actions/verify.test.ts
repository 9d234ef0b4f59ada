/**
 * The verify action against the GitHub stand-in (requests and responses held to GitHub's OpenAPI
 * description): a real rollback opens the incident first, then verify records its outcome.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { run as rollbackRun } from '../../src/actions/rollback/run.ts';
import { run as verifyRun, parseChecksInput } from '../../src/actions/verify/run.ts';
import { reportPath } from '../../src/incident/report.ts';
import { extractStateBlock } from '../../src/incident/state.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';

let gh: GitHubStandIn;
let health: Receiver;
let healthy = true;
let dir: string;
let policy: string;

const GOOD_SHA = 'a'.repeat(40);
const BAD_SHA = 'c'.repeat(40);

function writePolicy(verify: string[]): void {
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    default_strategy: config',
      '    rollback:',
      '      strategies:',
      '        config: {command: "true", timeout: 30s}',
      '        redeploy: {command: "true", timeout: 30s}',
      '    verify:',
      ...verify.map((l) => `      ${l}`),
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  health = await startReceiver(() =>
    healthy ? { body: { health: 'healthy' } } : { status: 503, body: { health: 'down' } },
  );
});
afterAll(async () => {
  await health?.close();
});

beforeEach(async () => {
  healthy = true;
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-verify-'));
  policy = join(dir, 'ripcord.yml');
  writePolicy([
    'stabilization: 10s',
    'interval: 10s',
    'duration: 2m',
    'successes: 2',
    'failures_tolerated: 1',
    'checks:',
    `  - {type: probe, name: health, url: "${health.url}/health", json: [{path: .health, equals: healthy}]}`,
    '  - {type: smoke, name: smoke, command: "test -n \\"$RIPCORD_ENVIRONMENT\\""}',
  ]);
  const repo = gh.state.repo();
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
});

afterEach(async () => {
  await gh.close();
});

const env = () => ({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: gh.url,
  GITHUB_RUN_ID: '2001',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_ACTOR: 'deploy-bot',
  GITHUB_EVENT_NAME: 'deployment_status',
  PATH: process.env.PATH ?? '',
});

async function rollBack(): Promise<void> {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    decision: JSON.stringify({
      decision: 'rollback',
      environment: 'production',
      severity: 'critical',
      strategy: 'config',
      approval: 'none',
      triggered: ['error-rate'],
      summary: 'Roll back production: error-rate above 5% for 15m.',
    }),
  });
  await rollbackRun(io, {
    env: env(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    retryAfterBaseValue: 1,
    lockPollMs: 50,
  });
  expect(io.outputs.result).toBe('rolled-back');
}

/** A fake clock: sleeping moves it on at once, so a 2-minute verification takes milliseconds. */
async function verify(inputs: Record<string, string>) {
  let clock = Date.now();
  const io = recorder({ policy, environment: 'production', token: 'ghs_token', ...inputs });
  const sleeps: number[] = [];
  const result = await verifyRun(io, {
    env: env(),
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    retryAfterBaseValue: 1,
  });
  return { io, result, sleeps };
}

function statusesOf(id: number) {
  const deployment = gh.state.repo().findDeployment(id);
  if (!deployment) throw new Error(`no deployment ${id}`);
  return deployment.statuses;
}

describe('verify action', () => {
  test('after-rollback, healthy: passes after 2 rounds and records success on the rollback deployment', async () => {
    await rollBack();
    const { io, sleeps } = await verify({ mode: 'after-rollback' });
    expect(io.failed).toEqual([]);
    expect(io.outputs.result).toBe('passed');
    expect(io.outputs.escalate).toBe('false');
    expect(io.outputs['rollback-recommended']).toBe('false');
    expect(sleeps).toEqual([10_000, 10_000]);
    const checks = JSON.parse(io.outputs.checks ?? '[]') as { name: string; status: string }[];
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['health', 'pass'],
      ['smoke', 'pass'],
    ]);
    const incident = gh.state.repo().issues.find((i) => i.labels.includes('ripcord:incident'));
    if (!incident) throw new Error('no incident');
    const state = extractStateBlock(incident.body ?? '');
    if (!('state' in state)) throw new Error('no state');
    const rollbackId = state.state.rollbackDeploymentId ?? 0;
    expect(statusesOf(rollbackId).at(-1)).toMatchObject({ state: 'success' });
    expect(statusesOf(rollbackId).at(-1)?.description).toMatch(
      /^Verification passed \(after-rollback\)/,
    );
    expect(
      incident.comments.some((c) => /Verification passed \(after-rollback\)/.test(c.body)),
    ).toBe(true);
    expect(io.summaries[0]).toMatch(/\| health \| probe \| ✅ pass \| `[▁-█]{2}` ✅✅ \|/);
    // This policy has no recovery section: the verified rollback resolves the incident and its
    // report is proposed, so the next bad deploy opens a new incident (issue #10).
    expect(state.state.status).toBe('closed');
    expect(incident.state).toBe('closed');
    expect(io.outputs['report-url']).toMatch(/\/pull\/\d+$/);
    expect(
      gh.state.repo().pulls.some((p) => p.head === `ripcord/incident-${incident.number}`),
    ).toBe(true);
  });

  test('after-rollback: the incident keeps each check (result, value with unit, time) and the report measures detection -> restored against recovery_time', async () => {
    writeFileSync(
      policy,
      readFileSync(policy, 'utf8').replace(
        '    default_strategy: config\n',
        '    default_strategy: config\n    recovery_time: {critical: 2m}\n',
      ),
    );
    await rollBack();
    const { io } = await verify({ mode: 'after-rollback' });
    expect(io.outputs.result).toBe('passed');
    const incident = gh.state.repo().issues.find((i) => i.labels.includes('ripcord:incident'));
    const read = extractStateBlock(incident?.body ?? '');
    if (!('state' in read)) throw new Error('no state');
    const v = read.state.verification;
    expect(v).toMatchObject({ mode: 'after-rollback', result: 'passed', rounds: 2 });
    expect(v?.checks.map((c) => [c.name, c.type, c.status, c.attempts])).toEqual([
      ['health', 'probe', 'pass', 2],
      ['smoke', 'smoke', 'pass', 2],
    ]);
    // The probe's latency and the command's run time, with their units, and when they ran.
    expect(v?.checks[0]?.valueText).toMatch(/^\d+ ms$/);
    expect(v?.checks[1]?.valueText).toMatch(/^(\d+ ms|\d+\.\d s)$/);
    for (const c of v?.checks ?? []) expect(Date.parse(c.at ?? '')).toBeGreaterThan(0);

    const octokit = getOctokit('ghs_token', { baseUrl: gh.url });
    const file = await octokit.rest.repos.getContent({
      owner: 'acme',
      repo: 'shop',
      path: reportPath(read.state, incident?.number ?? 0),
      ref: `ripcord/incident-${incident?.number}`,
    });
    if (Array.isArray(file.data) || file.data.type !== 'file') throw new Error('expected a file');
    const report = Buffer.from(file.data.content, 'base64').toString();
    expect(report).not.toContain('No verification results were recorded');
    expect(report).toMatch(/Verification after the rollback \*\*passed\*\* at .* UTC: /);
    expect(report).toMatch(
      /\| health \| probe \| 🟢 passed \| \d+ ms \| 2 \| 20\d\d-\d\d-\d\d [\d:]+ UTC \| /,
    );
    expect(report).toMatch(/\| Recovery time \(critical, objective 2m\) \| \d+s: met \|/);
    expect(report).toMatch(
      /Objective 2m \(critical\): \*\*met\*\*, \d+s from detection to restored, (1m \d+s|2m) to spare, verified /,
    );
  });

  test('after-rollback, failing: incident verification-failed, deployment failure, escalate to redeploy', async () => {
    await rollBack();
    healthy = false;
    const { io, sleeps } = await verify({ mode: 'after-rollback' });
    expect(io.outputs.result).toBe('failed');
    expect(io.outputs.reason).toBe('2 consecutive failing rounds (1 tolerated)');
    expect(sleeps).toHaveLength(2);
    expect(io.outputs.escalate).toBe('true');
    expect(io.outputs['next-strategy']).toBe('redeploy');
    expect(io.outputs['rollback-recommended']).toBe('false');
    expect(io.failed[0]).toMatch(
      /^verification failed: .*Escalating: the next strategy of the ladder is redeploy/,
    );
    const incident = gh.state.repo().issues.find((i) => i.labels.includes('ripcord:incident'));
    const state = extractStateBlock(incident?.body ?? '');
    if (!('state' in state)) throw new Error('no state');
    expect(state.state.status).toBe('verification-failed');
    const rollbackId = state.state.rollbackDeploymentId ?? 0;
    expect(statusesOf(rollbackId).at(-1)).toMatchObject({ state: 'failure' });
    expect(incident?.comments.at(-1)?.body).toMatch(/Verification failed[\s\S]*status 503/);
    expect(io.summaries[0]).toMatch(/❌ Verification failed: production \(after-rollback\)/);
  });

  test('after-deploy, failing: rollback recommended and the deployment marked failure', async () => {
    healthy = false;
    const bad = gh.state.repo().deployments.find((d) => d.sha === BAD_SHA);
    const { io } = await verify({ mode: 'after-deploy', 'fail-on-unverified': 'false' });
    expect(io.failed).toEqual([]);
    expect(io.outputs.result).toBe('failed');
    expect(io.outputs['rollback-recommended']).toBe('true');
    expect(io.outputs.escalate).toBe('false');
    expect(statusesOf(bad?.id ?? 0).at(-1)).toMatchObject({ state: 'failure' });
    expect(gh.state.repo().issues).toHaveLength(0);
  });

  test('checks from the input replace the policy checks; timing inputs override', async () => {
    const { io, sleeps } = await verify({
      mode: 'after-deploy',
      checks: `- {type: smoke, name: only, command: "true"}`,
      stabilization: '0s',
      successes: '1',
    });
    expect(io.outputs.result).toBe('passed');
    expect(sleeps).toEqual([]);
    expect(
      (JSON.parse(io.outputs.checks ?? '[]') as { name: string }[]).map((c) => c.name),
    ).toEqual(['only']);
  });

  test('bad input: unknown check type, bad durations, unknown mode', async () => {
    await expect(
      verify({ mode: 'after-deploy', checks: '- {type: ping, name: x}' }),
    ).rejects.toThrow(
      /checks\[0\]\.type: unknown check type "ping"; write one of probe, metric, smoke, flag-off/,
    );
    await expect(verify({ mode: 'after-deploy', interval: '5 minutes' })).rejects.toThrow(
      'input interval: "5 minutes" is not a duration; write it like 10m, 30s or 1h',
    );
    await expect(verify({ mode: 'after-deploy', duration: '5s' })).rejects.toThrow(
      /duration includes the stabilization delay/,
    );
    await expect(verify({ mode: 'sometimes' })).rejects.toThrow(
      'input mode: "sometimes" is not a mode; write after-deploy or after-rollback',
    );
    expect(() =>
      parseChecksInput('- {type: smoke, name: s, command: "true", timeout: soon}'),
    ).toThrow(/checks\[0\]\.timeout: "soon" is not a duration/);
  });
});
