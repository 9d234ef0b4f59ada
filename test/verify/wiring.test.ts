/** The verify action sends verify.failed through notify() when a verification fails. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run as rollbackRun } from '../../src/actions/rollback/run.ts';
import { run as verifyRun } from '../../src/actions/verify/run.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';
import { slackProblems } from '../support/receivers.ts';

let gh: GitHubStandIn;
let slack: Receiver;
let health: Receiver;
let healthy: boolean;
let policy: string;
let problems: string[];

beforeEach(async () => {
  healthy = true;
  problems = [];
  gh = await startGitHubStandIn();
  slack = await startReceiver((req) => {
    problems.push(...slackProblems(JSON.parse(req.body)));
    return { status: 200, body: 'ok' };
  });
  health = await startReceiver(() =>
    healthy ? { body: { health: 'healthy' } } : { status: 503, body: { health: 'down' } },
  );
  policy = join(mkdtempSync(join(tmpdir(), 'ripcord-wiring-verify-')), 'ripcord.yml');
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    rollback:',
      '      strategies:',
      '        config: {command: "true"}',
      '    verify:',
      '      stabilization: 10s',
      '      interval: 10s',
      '      duration: 1m',
      '      successes: 2',
      '      failures_tolerated: 0',
      '      checks:',
      `        - {type: probe, name: health, url: "${health.url}/health", json: [{path: .health, equals: healthy}]}`,
      'notify:',
      '  channels:',
      '    oncall: {type: slack, url: "${SLACK_URL}"}',
      '  routes:',
      '    - {events: [verify.failed], channels: [oncall]}',
      '',
    ].join('\n'),
  );
  const repo = gh.state.repo();
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
  await Promise.all([gh.close(), slack.close(), health.close()]);
});

const env = () => ({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: gh.url,
  GITHUB_RUN_ID: '3001',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_EVENT_NAME: 'deployment_status',
  SLACK_URL: `${slack.url}/services/T1/B1/secret`,
  PATH: process.env.PATH ?? '',
});

async function rollBack(): Promise<number> {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    strategy: 'config',
    decision: JSON.stringify({
      decision: 'rollback',
      severity: 'critical',
      strategy: 'config',
      approval: 'none',
      triggered: ['error-rate'],
      summary: 'error rate above 5%',
    }),
  });
  const result = await rollbackRun(io, {
    env: env(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
  });
  expect(result.result).toBe('rolled-back');
  return result.incident?.number ?? 0;
}

async function verify() {
  let clock = Date.now();
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    mode: 'after-rollback',
  });
  const result = await verifyRun(io, {
    env: env(),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    retryAfterBaseValue: 1,
  });
  return { io, result };
}

test('a failed verification sends verify.failed and records it on the incident', async () => {
  const incident = await rollBack();
  expect(slack.requests).toHaveLength(0);
  healthy = false;
  const { io, result } = await verify();
  expect(result.outcome.result).toBe('failed');
  expect(slack.requests).toHaveLength(1);
  expect(problems).toEqual([]);
  expect(io.summaries.join('\n')).toContain('### Notifications: `verify.failed`');
  const issue = gh.state.repo().issues.find((i) => i.number === incident);
  expect(issue?.comments.some((c) => c.body.includes(`verify.failed:${incident}:oncall`))).toBe(
    true,
  );
});

test('a passed verification sends nothing', async () => {
  await rollBack();
  const { io, result } = await verify();
  expect(result.outcome.result).toBe('passed');
  expect(slack.requests).toHaveLength(0);
  expect(io.summaries.join('\n')).not.toContain('Notifications');
});
