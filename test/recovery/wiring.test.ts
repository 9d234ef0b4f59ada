/**
 * staged-recovery as part of the product: its transitions go out through notify(), a recovered
 * incident gets its report pull request, and `gates.verify` reads the environment's verify
 * checks (a probe against a loopback receiver) at every stage.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run } from '../../src/actions/staged-recovery/run.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';
import { slackProblems } from '../support/receivers.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T12:00:00Z');
let gh: GitHubStandIn;
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
  writeFileSync(policy, ['version: 1', ...lines, ...NOTIFY, ''].join('\n'));
}

function openIncident() {
  const at = new Date(T0 - 10 * MIN).toISOString();
  const state: IncidentState = {
    version: 1,
    environment: 'production',
    status: 'rolled-back',
    openedAt: at,
    updatedAt: at,
    reason: 'error-rate above 5%',
    bad: { deploymentId: 3, ref: 'v1.2.0', sha: 'c'.repeat(40), createdAt: at },
    target: { deploymentId: 2, ref: 'v1.1.0', sha: 'a'.repeat(40) },
    rollbackDeploymentId: 4,
    strategy: 'config',
    attempts: 1,
    lastRollbackAt: at,
    runs: [],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
  return gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'Rolled back.'),
    labels: ['ripcord:incident', 'ripcord:env:production'],
  });
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  problems = [];
  slack = await startReceiver((req) => {
    problems.push(...slackProblems(JSON.parse(req.body)));
    return { status: 200, body: 'ok' };
  });
  dir = mkdtempSync(join(tmpdir(), 'ripcord-wiring-recovery-'));
  policy = join(dir, 'ripcord.yml');
});

afterEach(async () => {
  await Promise.all([gh.close(), slack.close()]);
});

async function tick(at: number) {
  const io = recorder({ policy, environment: 'production', token: 'ghs_t' });
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: String(at),
      GITHUB_ACTOR: 'schedule-bot',
      SLACK_URL: `${slack.url}/services/T1/B1/secret`,
      PATH: process.env.PATH ?? '',
    },
    now: () => at,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
    lockPollMs: 20,
  });
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
  let healthy = true;
  const health = await startReceiver(() =>
    healthy ? { body: { health: 'healthy' } } : { status: 503, body: { health: 'down' } },
  );
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

    healthy = false;
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
