/** The verify action sends verify.failed through notify() when a verification fails. */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run as rollbackRun } from '../../src/actions/rollback/run.ts';
import { run as verifyRun } from '../../src/actions/verify/run.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startHealthEndpoint, startSlack, type HealthEndpoint } from '../support/endpoints.ts';
import type { Receiver } from '../support/http-receiver.ts';
import { actionEnv, deployedGoodThenBad, fastDeps, rollbackDecision } from '../support/scenario.ts';
import { workspace, type Workspace } from '../support/workspace.ts';

let gh: GitHubStandIn;
let slack: Receiver;
let health: HealthEndpoint;
let ws: Workspace;
let policy: string;
let problems: string[];

beforeEach(async () => {
  problems = [];
  gh = await startGitHubStandIn();
  slack = await startSlack(problems);
  health = await startHealthEndpoint();
  ws = workspace('ripcord-wiring-verify-');
  policy = ws.policy;
  ws.writePolicy([
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
  ]);
  deployedGoodThenBad(gh);
});

afterEach(async () => {
  await Promise.all([gh.close(), slack.close(), health.close()]);
  ws.cleanup();
});

const env = () =>
  actionEnv(gh, '3001', {
    GITHUB_EVENT_NAME: 'deployment_status',
    SLACK_URL: `${slack.url}/services/T1/B1/secret`,
  });

async function rollBack(): Promise<number> {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    strategy: 'config',
    decision: rollbackDecision({ summary: 'error rate above 5%' }),
  });
  const result = await rollbackRun(io, fastDeps(env(), { maxSleepMs: 20 }));
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
  health.healthy = false;
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
