/**
 * The notify action end to end: the GitHub stand-in (held to GitHub's OpenAPI description) for
 * the incident issue, and loopback receivers standing in for Slack, Teams, PagerDuty and a
 * webhook, each checking the payload against the channel's published format.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/notify/run.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { recorder, type RecordedIO } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { startReceiver, type Receiver, type Reply } from '../support/http-receiver.ts';
import {
  pagerdutyProblems,
  slackProblems,
  teamsProblems,
  webhookSignatureValid,
} from '../support/receivers.ts';

const SLACK_PATH = '/services/T0001/B0001/sl4ckS3cretPath';
const TEAMS_PATH = '/workflows/t3amsS3cretSig';
const PD_KEY = 'pdR0utingKeyS3cret';
const HOOK_SECRET = 'h00kS1gningS3cret';
const SECRETS = [SLACK_PATH, TEAMS_PATH, PD_KEY, HOOK_SECRET];

let gh: GitHubStandIn;
let dir: string;
let policy: string;
let slack: Receiver;
let teams: Receiver;
let pd: Receiver;
let hook: Receiver;
let problems: string[];
/** Replies the receivers give, in order, before answering 2xx. */
let failures: Record<'slack' | 'teams' | 'pd' | 'hook', Reply[]>;
let sleeps: number[];

function incidentState(): IncidentState {
  return {
    version: 1,
    environment: 'production',
    status: 'rolled-back',
    openedAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:05:00.000Z',
    reason: 'error-rate above 5% for 15m',
    decision: {
      decision: 'rollback',
      severity: 'critical',
      strategy: 'redeploy',
      approval: 'none',
      triggered: ['error-rate'],
      summary: 'Roll back production',
    },
    bad: { deploymentId: 3, ref: 'v1.2.0', sha: 'c'.repeat(40), createdAt: '2026-11-24T09:50:00Z' },
    target: { deploymentId: 2, ref: 'v1.1.0', sha: 'a'.repeat(40) },
    rollbackDeploymentId: 4,
    strategy: 'redeploy',
    attempts: 1,
    lastRollbackAt: '2026-11-24T10:01:00.000Z',
    runs: [{ runId: '1001', attempt: 1, startedAt: '2026-11-24T10:00:00.000Z' }],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
}

function writePolicy(
  opts: { teamsRequired?: boolean; extraChannels?: string; warningTo?: string } = {},
) {
  writeFileSync(
    policy,
    [
      'version: 1',
      'notify:',
      '  retries: 2',
      '  backoff: 1s',
      '  channels:',
      '    oncall: {type: slack, url: "${SLACK_ONCALL_URL}"}',
      '    team: {type: slack, url: "${SLACK_ONCALL_URL}"}',
      `    ops-teams: {type: teams, url: "\${TEAMS_URL}", required: ${opts.teamsRequired ? 'true' : 'false'}}`,
      `    pager: {type: pagerduty, routing_key: "\${PD_KEY}", url: "${pd.url}"}`,
      '    audit: {type: webhook, url: "${HOOK_URL}", secret: "${HOOK_SECRET}"}',
      '    incident: {type: issue}',
      opts.extraChannels ?? '',
      '  routes:',
      '    - {events: "*", severity: [critical], channels: [pager, oncall, ops-teams, audit, incident]}',
      `    - {events: [warning], severity: [warning], channels: [${opts.warningTo ?? 'team'}]}`,
      '    - {events: [recovery.completed], channels: [pager, oncall, incident]}',
      'environments:',
      '  production: {}',
      '',
    ].join('\n'),
  );
}

function receiver(name: keyof typeof failures, check: (body: unknown) => string[], status = 200) {
  return startReceiver((req) => {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      problems.push(`${name}: body is not JSON`);
    }
    problems.push(...check(body).map((p) => `${name}: ${p}`));
    const fail = failures[name].shift();
    return fail ?? { status, body: name === 'slack' ? 'ok' : { status: 'success' } };
  });
}

beforeEach(async () => {
  problems = [];
  sleeps = [];
  failures = { slack: [], teams: [], pd: [], hook: [] };
  gh = await startGitHubStandIn();
  slack = await receiver('slack', slackProblems);
  teams = await receiver('teams', teamsProblems, 202);
  pd = await receiver('pd', pagerdutyProblems, 202);
  hook = await receiver('hook', () => []);
  dir = mkdtempSync(join(tmpdir(), 'ripcord-notify-'));
  policy = join(dir, 'ripcord.yml');
  writePolicy();
});

afterEach(async () => {
  await Promise.all([gh.close(), slack.close(), teams.close(), pd.close(), hook.close()]);
});

function addIncident() {
  return gh.state.repo().addIssue({
    title: 'Rollback: production',
    body: renderIncidentBody(incidentState(), 'Rolled back.'),
    labels: ['ripcord:incident', 'ripcord:env:production'],
  });
}

function env(): Record<string, string> {
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: gh.url,
    GITHUB_RUN_ID: '2002',
    GITHUB_ACTOR: 'deploy-bot',
    SLACK_ONCALL_URL: `${slack.url}${SLACK_PATH}`,
    TEAMS_URL: `${teams.url}${TEAMS_PATH}`,
    PD_KEY,
    PD_BASE: pd.url,
    HOOK_URL: `${hook.url}/ripcord`,
    HOOK_SECRET,
  };
}

async function notifyRun(inputs: Record<string, string>): Promise<RecordedIO> {
  const io = recorder({ policy, environment: 'production', token: 'ghs_token', ...inputs });
  await run(io, {
    env: env(),
    now: () => Date.parse('2026-11-24T10:10:00Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retryAfterBaseValue: 1,
  });
  return io;
}

function sent(io: RecordedIO): { channel: string; result: string; attempts: number }[] {
  return JSON.parse(io.outputs.sent ?? '[]') as {
    channel: string;
    result: string;
    attempts: number;
  }[];
}

function everythingWritten(io: RecordedIO): string {
  const issues = gh.state
    .repo()
    .issues.flatMap((i) => [i.body ?? '', ...i.comments.map((c) => c.body)]);
  return [
    ...io.logs.map((l) => l.message),
    ...io.summaries,
    ...io.failed,
    ...Object.values(io.outputs),
    ...issues,
  ].join('\n');
}

describe('notify action', () => {
  test('a critical event reaches every routed channel in its format, recorded on the incident', async () => {
    const issue = addIncident();
    const io = await notifyRun({
      event: 'rollback.started',
      reason: '<!channel> @here error rate <script>x</script> <https://evil.example|click>',
      fields: JSON.stringify({ value: '7.2%', next_update: 'in 15 minutes', feature: 'checkout' }),
    });
    expect(io.failed).toEqual([]);
    expect(problems).toEqual([]);
    expect(sent(io).map((s) => [s.channel, s.result])).toEqual([
      ['pager', 'sent'],
      ['oncall', 'sent'],
      ['ops-teams', 'sent'],
      ['audit', 'sent'],
      ['incident', 'sent'],
    ]);
    expect(io.outputs.failed).toBe('[]');
    expect(io.outputs.incident).toBe(String(issue.number));

    // Slack: the request went to the webhook path; nobody is pinged.
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]?.path).toBe(SLACK_PATH);
    const slackBody = slack.requests[0]?.body ?? '';
    expect(slackBody).not.toMatch(/<!channel>|<!here>|@here|<script>|<https:\/\/evil/);
    expect(slackBody).toContain('v1.2.0 → v1.1.0');
    expect(slackBody).toContain('checkout');

    // PagerDuty: trigger with the incident's dedup key.
    const event = JSON.parse(pd.requests[0]?.body ?? '{}') as Record<string, unknown>;
    expect(pd.requests[0]?.path).toBe('/v2/enqueue');
    expect(event).toMatchObject({
      routing_key: PD_KEY,
      event_action: 'trigger',
      dedup_key: `ripcord-acme-shop-production-${issue.number}`,
      payload: { severity: 'critical', source: 'acme/shop/production', component: 'checkout' },
      client_url: 'https://github.com/acme/shop/actions/runs/2002',
    });

    // Webhook: raw values, and a signature a receiver can verify.
    const req = hook.requests[0];
    expect(
      webhookSignatureValid(req?.body ?? '', req?.headers['x-ripcord-signature-256'], HOOK_SECRET),
    ).toBe(true);
    expect(
      webhookSignatureValid(req?.body ?? '', req?.headers['x-ripcord-signature-256'], 'wrong'),
    ).toBe(false);
    const payload = JSON.parse(req?.body ?? '{}') as {
      values: Record<string, string>;
      event: string;
    };
    expect(payload.event).toBe('rollback.started');
    expect(payload.values.reason).toContain('<!channel>');
    expect(payload.values).toMatchObject({
      from: 'v1.2.0',
      to: 'v1.1.0',
      trigger: 'error-rate',
      value: '7.2%',
    });

    // The incident: one comment with the message, the record and the markers.
    const comments = gh.state.repo().findIssue(issue.number)?.comments ?? [];
    expect(comments).toHaveLength(1);
    const comment = comments[0]?.body ?? '';
    expect(comment).toMatch(/^### Rolling back production/);
    expect(comment).not.toMatch(/<script>|<!channel>|@here/);
    for (const channel of ['pager', 'oncall', 'ops-teams', 'audit', 'incident'])
      expect(comment).toContain(
        `<!-- ripcord:notified rollback.started:${issue.number}:${channel} `,
      );
    expect(io.summaries.join('\n')).toContain('| oncall | slack | ✅ sent | 1 |');

    // Secrets: masked, and never written anywhere.
    for (const secret of SECRETS) {
      expect(io.secrets.some((s) => s.includes(secret))).toBe(true);
      expect(everythingWritten(io)).not.toContain(secret);
    }
  });

  test('the same event for the same incident is sent once per channel', async () => {
    const issue = addIncident();
    await notifyRun({ event: 'rollback.started' });
    const counts = [slack, teams, pd, hook].map((r) => r.requests.length);
    const again = await notifyRun({ event: 'rollback.started' });
    expect([slack, teams, pd, hook].map((r) => r.requests.length)).toEqual(counts);
    expect(sent(again).every((s) => s.result === 'duplicate')).toBe(true);
    expect(gh.state.repo().findIssue(issue.number)?.comments).toHaveLength(1);
    // Another event is news.
    const done = await notifyRun({ event: 'recovery.completed' });
    expect(sent(done).map((s) => [s.channel, s.result])).toEqual([
      ['pager', 'sent'],
      ['oncall', 'sent'],
      ['incident', 'sent'],
    ]);
    expect(JSON.parse(pd.requests.at(-1)?.body ?? '{}')).toEqual({
      routing_key: PD_KEY,
      event_action: 'resolve',
      dedup_key: `ripcord-acme-shop-production-${issue.number}`,
    });
  });

  test("an outsider's comment carrying Ripcord's marker does not silence a channel (#11)", async () => {
    // The attack: anyone who may comment writes the "already sent" marker of a page that has
    // not gone out yet. Only comments by the identity Ripcord runs as count.
    const issue = addIncident();
    const r = gh.state.repo();
    for (const channel of ['pager', 'oncall', 'ops-teams', 'audit', 'incident'])
      r.addComment(r.findIssue(issue.number) ?? issue, {
        user: 'mallory',
        body: `+1 <!-- ripcord:notified rollback.started:${issue.number}:${channel} pager 2026-11-24T10:00:00Z -->`,
      });
    const io = await notifyRun({ event: 'rollback.started' });
    expect(sent(io).map((s) => [s.channel, s.result])).toEqual([
      ['pager', 'sent'],
      ['oncall', 'sent'],
      ['ops-teams', 'sent'],
      ['audit', 'sent'],
      ['incident', 'sent'],
    ]);
    expect(pd.requests).toHaveLength(1);
    expect(
      io.logs.filter(
        (l) => l.level === 'warning' && /ignored notification markers/.test(l.message),
      ),
    ).toHaveLength(5);
    expect(io.logs.map((l) => l.message).join('\n')).toContain('by mallory');
    // Ripcord's own record still deduplicates.
    const again = await notifyRun({ event: 'rollback.started' });
    expect(sent(again).every((s) => s.result === 'duplicate')).toBe(true);
  });

  test('RIPCORD_BOT_LOGIN names the App Ripcord runs as; then github-actions[bot] markers do not count', async () => {
    const issue = addIncident();
    const r = gh.state.repo();
    r.addComment(r.findIssue(issue.number) ?? issue, {
      user: 'github-actions[bot]',
      body: `<!-- ripcord:notified rollback.started:${issue.number}:pager pager 2026-11-24T10:00:00Z -->`,
    });
    const io = recorder({
      policy,
      environment: 'production',
      token: 'ghs_token',
      event: 'rollback.started',
    });
    await run(io, {
      env: { ...env(), RIPCORD_BOT_LOGIN: 'ripcord-app[bot]' },
      now: () => Date.parse('2026-11-24T10:10:00Z'),
      sleep: async () => {},
      retryAfterBaseValue: 1,
    });
    expect(sent(io).find((s) => s.channel === 'pager')?.result).toBe('sent');
  });

  test('routes by severity: a warning goes to the team channel only', async () => {
    addIncident();
    const io = await notifyRun({
      event: 'warning',
      fields: '{"trigger": "latency-p95", "value": "900ms"}',
    });
    expect(sent(io).map((s) => [s.channel, s.result])).toEqual([['team', 'sent']]);
    expect(pd.requests).toHaveLength(0);
    // Escalated to critical, it pages (and the warning-only route no longer matches).
    const critical = await notifyRun({
      event: 'warning',
      severity: 'critical',
      fields: '{"trigger": "latency-p99"}',
    });
    expect(sent(critical).map((s) => s.channel)).toEqual([
      'pager',
      'oncall',
      'ops-teams',
      'audit',
      'incident',
    ]);
  });

  test('a delivery that fails is retried with backoff until it succeeds', async () => {
    addIncident();
    failures.slack = [{ status: 503 }, { status: 500 }];
    const io = await notifyRun({ event: 'rollback.failed' });
    expect(io.failed).toEqual([]);
    expect(sent(io).find((s) => s.channel === 'oncall')).toMatchObject({
      result: 'sent',
      attempts: 3,
    });
    expect(slack.requests).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
  });

  test('a channel that still fails is recorded on the incident and in the summary; required fails the step', async () => {
    writePolicy({ teamsRequired: true });
    const issue = addIncident();
    failures.teams = [{ status: 500, body: 'boom' }, { status: 502 }, { status: 500 }];
    failures.hook = [{ status: 410, body: 'gone' }];
    const io = await notifyRun({ event: 'verify.failed' });
    expect(teams.requests).toHaveLength(3);
    // A 4xx other than 408/429 is not retried.
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(io.outputs.failed ?? '')).toEqual(['ops-teams', 'audit']);
    expect(io.failed).toEqual([
      expect.stringMatching(
        /^required notification channel failed: ops-teams \(HTTP 500 after 3 attempts\)/,
      ),
    ]);
    const comment = gh.state.repo().findIssue(issue.number)?.comments.at(-1)?.body ?? '';
    expect(comment).toMatch(/`ops-teams` \(teams\) ❌ failed \(required\): HTTP 500/);
    expect(comment).toMatch(/`audit` \(webhook\) ❌ failed: HTTP 410/);
    expect(comment).toContain('Not delivered: `ops-teams`, `audit`');
    // Failed channels get no marker, so a re-run tries them again and only them.
    expect(comment).not.toContain(':ops-teams ');
    const summary = io.summaries.join('\n');
    expect(summary).toContain('| ops-teams | teams | ❌ failed (required) | 3 |');

    failures.teams = [];
    const rerun = await notifyRun({ event: 'verify.failed' });
    expect(rerun.failed).toEqual([]);
    expect(
      sent(rerun)
        .filter((s) => s.result === 'sent')
        .map((s) => s.channel),
    ).toEqual(['ops-teams', 'audit']);
    for (const secret of SECRETS) expect(everythingWritten(rerun)).not.toContain(secret);
  });

  test('an optional channel that fails warns without failing the step', async () => {
    addIncident();
    failures.teams = [{ status: 500 }, { status: 500 }, { status: 500 }];
    const io = await notifyRun({ event: 'rollback.started' });
    expect(io.failed).toEqual([]);
    expect(io.logs.some((l) => l.level === 'warning' && /ops-teams/.test(l.message))).toBe(true);
  });

  test('a missing secret fails that channel with the variable name, and the others still go', async () => {
    writePolicy({
      extraChannels: '    extra: {type: slack, url: "${UNSET_URL}", required: true}',
      warningTo: 'team, extra',
    });
    addIncident();
    const io = await notifyRun({ event: 'warning' });
    expect(sent(io).map((s) => [s.channel, s.result])).toEqual([
      ['team', 'sent'],
      ['extra', 'failed'],
    ]);
    expect(io.failed[0]).toMatch(/extra .*UNSET_URL is not set/);
  });

  test('without an open incident it still notifies, without dedup or comment', async () => {
    const io = await notifyRun({ event: 'rollback.started', reason: 'manual' });
    expect(sent(io).find((s) => s.channel === 'incident')).toMatchObject({ result: 'skipped' });
    expect(slack.requests).toHaveLength(1);
    expect(io.outputs.incident).toBe('');
    expect(io.failed).toEqual([]);
  });

  test('bad inputs are configuration errors that say how to fix them', async () => {
    await expect(notifyRun({ event: 'rollback.start' })).rejects.toThrow(
      /is not an event; write one of rollback.started/,
    );
    await expect(notifyRun({ event: 'warning', fields: '{"treshold": 1}' })).rejects.toThrow(
      /unknown field "treshold"/,
    );
    await expect(notifyRun({ event: 'warning', severity: 'high' })).rejects.toThrow(
      /not a severity/,
    );
  });
});
