/**
 * The rollback action sends its notifications through notify(): a Slack-like loopback receiver
 * routed for rollback.* sees started then completed, the incident records them, and a policy
 * without notify costs no GitHub calls before the first step.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run } from '../../src/actions/rollback/run.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';
import { slackProblems } from '../support/receivers.ts';

let gh: GitHubStandIn;
let slack: Receiver;
let policy: string;
let problems: string[];

const NOTIFY = [
  'notify:',
  '  channels:',
  '    oncall: {type: slack, url: "${SLACK_URL}"}',
  '  routes:',
  '    - {events: [rollback.started, rollback.completed, rollback.failed], channels: [oncall]}',
];

function writePolicy(notify: string[], command = 'true') {
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    rollback:',
      '      strategies:',
      `        config: {command: ${JSON.stringify(command)}}`,
      ...notify,
      '',
    ].join('\n'),
  );
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  problems = [];
  slack = await startReceiver((req) => {
    problems.push(...slackProblems(JSON.parse(req.body)));
    return { status: 200, body: 'ok' };
  });
  policy = join(mkdtempSync(join(tmpdir(), 'ripcord-wiring-rollback-')), 'ripcord.yml');
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
  await Promise.all([gh.close(), slack.close()]);
});

async function rollbackRun(onStep?: () => void) {
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
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '7001',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_EVENT_NAME: 'deployment_status',
      SLACK_URL: `${slack.url}/services/T1/B1/secret`,
      PATH: process.env.PATH ?? '',
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
    ...(onStep ? { onStepEvent: onStep } : {}),
  });
  return { io, result };
}

test('a rollback notifies started then completed, and the incident records both', async () => {
  writePolicy(NOTIFY);
  const { io, result } = await rollbackRun();
  expect(result.result).toBe('rolled-back');
  expect(io.failed).toEqual([]);
  expect(problems).toEqual([]);
  const texts = slack.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
  expect(texts).toHaveLength(2);
  expect(texts[0]).toMatch(/rolling back/i);
  expect(texts[1]).toMatch(/rolled back/i);
  const issue = gh.state.repo().issues.find((i) => i.number === result.incident?.number);
  const recorded = (issue?.comments ?? []).filter((c) => c.body.includes('ripcord:notified'));
  expect(recorded.map((c) => /ripcord:notified (\S+)/.exec(c.body)?.[1])).toEqual([
    `rollback.started:${result.incident?.number}:oncall`,
    `rollback.completed:${result.incident?.number}:oncall`,
  ]);
  expect(io.summaries.join('\n')).toContain('### Notifications: `rollback.started`');
  expect(io.summaries.join('\n')).toContain('### Notifications: `rollback.completed`');
  expect(io.secrets.some((s) => s.includes('/services/T1/B1/secret'))).toBe(true);
});

test('a failed rollback notifies rollback.failed; a failing channel only warns', async () => {
  writePolicy(NOTIFY, 'exit 3');
  await slack.close();
  slack = await startReceiver(() => ({ status: 404, body: 'no_service' }));
  const { io, result } = await rollbackRun();
  expect(result.result).toBe('failed');
  expect(io.failed).toEqual([result.message]);
  expect(slack.requests).toHaveLength(2);
  expect(io.summaries.join('\n')).toContain('### Notifications: `rollback.failed`');
  expect(io.logs.some((l) => l.level === 'warning' && /notification channel/.test(l.message))).toBe(
    true,
  );
});

test('a required channel that fails makes a successful rollback step fail', async () => {
  writePolicy([
    ...NOTIFY.slice(0, 3).map((l) =>
      l.includes('oncall:') ? '    oncall: {type: slack, url: "${SLACK_URL}", required: true}' : l,
    ),
    ...NOTIFY.slice(3),
  ]);
  await slack.close();
  slack = await startReceiver(() => ({ status: 404, body: 'no_service' }));
  const { io, result } = await rollbackRun();
  expect(result.result).toBe('rolled-back');
  expect(io.outputs.result).toBe('rolled-back');
  expect(io.failed).toHaveLength(1);
  expect(io.failed[0]).toMatch(/required notification channel/);
});

test('without notify channels a rollback makes at most 12 GitHub calls before its first step', async () => {
  writePolicy([]);
  let before = -1;
  const { result } = await rollbackRun(() => {
    if (before < 0) before = gh.calls.total;
  });
  expect(result.result).toBe('rolled-back');
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThanOrEqual(12);
  expect(slack.requests).toHaveLength(0);
  // Nothing routed: no comment-history reads at all.
  expect(gh.calls.count('issues/list-comments')).toBe(0);
});
