/**
 * staged-recovery as part of the product: its transitions go out through notify(), a recovered
 * incident gets its report pull request, and `gates.verify` reads the environment's verify
 * checks (a probe against a loopback receiver) at every stage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run } from '../../src/actions/staged-recovery/run.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startHealthEndpoint, startSlack } from '../support/endpoints.ts';
import type { Receiver } from '../support/http-receiver.ts';
import {
  actionEnv,
  fastDeps,
  openIncident as openIncidentIssue,
  rolledBackState,
} from '../support/scenario.ts';
import { workspace, type Workspace } from '../support/workspace.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T12:00:00Z');
let gh: GitHubStandIn;
let ws: Workspace;
let dir: string;
let policy: string;
let slack: Receiver;
let problems: string[];

const NOTIFY = [
  'notify:',
  '  channels:',
  '    oncall: {type: slack, url: "${SLACK_URL}"}',
  '  routes:',
  '    - {events: [recovery.started, recovery.stage, recovery.completed, recovery.aborted], channels: [oncall]}',
];

function writePolicy(lines: string[]): void {
  ws.writePolicy(['version: 1', ...lines, ...NOTIFY]);
}

function openIncident() {
  return openIncidentIssue(gh, rolledBackState(new Date(T0 - 10 * MIN).toISOString()));
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  problems = [];
  slack = await startSlack(problems);
  ws = workspace('ripcord-wiring-recovery-');
  ({ dir, policy } = ws);
});

afterEach(async () => {
  await Promise.all([gh.close(), slack.close()]);
  ws.cleanup();
});

async function tick(at: number) {
  const io = recorder({ policy, environment: 'production', token: 'ghs_t' });
  const env = actionEnv(gh, String(at), {
    GITHUB_ACTOR: 'schedule-bot',
    SLACK_URL: `${slack.url}/services/T1/B1/secret`,
  });
  const result = await run(io, fastDeps(env, { now: () => at, maxSleepMs: 20 }));
  return { io, result };
}

test('a recovery to 100% notifies each step, then opens one incident report pull request', async () => {
  writeFileSync(
    join(dir, 'healthy.om'),
    formatOpenMetrics([
      {
        labels: { __name__: 'error_ratio', service: 'api' },
        samples: Array.from({ length: 600 }, (_, m) => ({ t: T0 + (m - 60) * MIN, v: 0.01 })),
      },
    ]),
  );
  writePolicy([
    'sources:',
    '  rec: {type: file, path: healthy.om}',
    'environments:',
    '  production:',
    '    triggers:',
    '      - {name: error-rate, severity: critical, source: rec, query: \'error_ratio{service="api"}\', op: ">", threshold: 5%}',
    '    rollback:',
    '      lock: {wait: 1s, lease: 10m}',
    '    recovery:',
    '      stages: [{percent: 50, dwell: 10m}, {percent: 100}]',
    '      command: "true"',
  ]);
  const issue = openIncident();
  let last = await tick(T0);
  expect(last.result.outcome).toBe('advanced');
  for (let i = 1; i < 8 && last.result.outcome !== 'recovered'; i++)
    last = await tick(T0 + i * 30 * MIN);
  expect(last.result.outcome).toBe('recovered');
  expect(problems).toEqual([]);
  expect(slack.requests.length).toBeGreaterThanOrEqual(2);
  const texts = slack.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
  expect(texts.at(-1)).toMatch(/recover/i);
  const comments = gh.state.repo().findIssue(issue.number)?.comments ?? [];
  const keys = comments.flatMap((c) =>
    [...c.body.matchAll(/ripcord:notified (\S+)/g)].map((m) => m[1]),
  );
  expect(keys[0]).toBe(`recovery.started:${issue.number}:oncall`);
  expect(keys.at(-1)).toBe(`recovery.completed:${issue.number}:oncall`);
  expect(last.io.summaries.join('\n')).toContain('### Notifications: `recovery.completed`');

  const pulls = gh.state.repo().pulls;
  expect(pulls).toHaveLength(1);
  expect(last.io.outputs['report-pr']).toMatch(new RegExp(`/pull/${pulls[0]?.number}$`));
  expect(comments.at(-1)?.body).toMatch(/Incident report proposed .*`docs\/incidents\/.+\.md`/);
  expect(gh.state.repo().findIssue(issue.number)?.state).toBe('closed');
  expect(last.io.failed).toEqual([]);
});

test('gates.verify: the environment probe gates each stage; unhealthy regresses and rolls back again', async () => {
  const health = await startHealthEndpoint();
  try {
    writePolicy([
      'environments:',
      '  production:',
      '    rollback:',
      '      lock: {wait: 1s, lease: 10m}',
      '    verify:',
      '      checks:',
      `        - {type: probe, name: health, url: "${health.url}/health", json: [{path: .health, equals: healthy}]}`,
      '    recovery:',
      '      stages: [{percent: 25, dwell: 10m}, {percent: 50, dwell: 10m}, {percent: 100}]',
      `      command: 'echo "$RIPCORD_PERCENT $RIPCORD_ROLLBACK" >> ${join(dir, 'percents.log')}'`,
      '      gates: {verify: true}',
    ]);
    openIncident();
    const first = await tick(T0);
    expect(first.result.outcome).toBe('advanced');
    const second = await tick(T0 + 11 * MIN);
    expect(second.result.outcome).toBe('advanced');
    expect(second.result.gates?.result).toBe('healthy');
    expect(second.result.gates?.verdicts.map((v) => v.name)).toEqual(['verify: health']);
    const probed = health.requests.length;
    expect(probed).toBeGreaterThan(0);

    health.healthy = false;
    const third = await tick(T0 + 22 * MIN);
    expect(health.requests.length).toBeGreaterThan(probed);
    expect(third.result.gates?.result).toBe('regressed');
    expect(third.result.outcome).toBe('rolled-back-again');
    expect(third.io.summaries[0]).toMatch(/verify: health \| breached/);
  } finally {
    await health.close();
  }
});

test('gates.verify without verify checks is a policy mistake, reported before anything moves', async () => {
  writePolicy([
    'environments:',
    '  production:',
    '    recovery:',
    '      stages: [{percent: 100}]',
    '      command: "true"',
    '      gates: {verify: true}',
  ]);
  openIncident();
  await expect(tick(T0)).rejects.toThrow(/verify\.checks is empty/);
  expect(gh.calls.total).toBe(0);
});
