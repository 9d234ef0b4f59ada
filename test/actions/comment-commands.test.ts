/**
 * Comment commands end to end against the GitHub stand-in (every request and response held to
 * GitHub's OpenAPI description): a decision that needs two senior approvals waits, counts
 * `/ripcord approve` comments by distinct members of the team (read from the team API), and
 * rolls back on the second; a reject closes it; look-alikes never act; `/ripcord proceed`
 * passes a staged-recovery checkpoint. Seeds 002 ("a consensus of at least two senior
 * engineers") and 000 (`auto_proceed: false`, "manual checkpoints at each phase").
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run as rollbackAction } from '../../src/actions/rollback/run.ts';
import { run as recoveryAction } from '../../src/actions/staged-recovery/run.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { recorder, type RecordedIO } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

let gh: GitHubStandIn;
let dir: string;
let executions: string;
let policy: string;

const GOOD_SHA = 'a'.repeat(40);
const BAD_SHA = 'c'.repeat(40);

function writePolicy(extra: string[] = []): void {
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    default_strategy: config',
      '    decision:',
      '      - {severity: critical, strategy: config, approval: senior-consensus}',
      '    rollback:',
      '      authority: {permission: admin}',
      '      approvals:',
      '        senior-consensus: {required: 2, teams: [acme/senior-eng]}',
      '      lock: {wait: 2s, lease: 10m}',
      '      strategies:',
      '        config:',
      `          command: ${JSON.stringify(`echo "$RIPCORD_TARGET_SHA" >> ${executions}`)}`,
      '          timeout: 30s',
      ...extra,
      '',
    ].join('\n'),
  );
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-approvals-'));
  executions = join(dir, 'executions.log');
  policy = join(dir, 'ripcord.yml');
  writePolicy();
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
  gh.state.setTeamMember('acme', 'senior-eng', 'carol');
  gh.state.setTeamMember('acme', 'senior-eng', 'dave');
  gh.state.addTeam('acme', 'juniors');
  gh.state.setTeamMember('acme', 'juniors', 'erin');
  repo.setPermission('erin', 'write', 'write');
  repo.setPermission('alice', 'admin', 'admin');
});

afterEach(async () => {
  await gh.close();
});

const decision = JSON.stringify({
  decision: 'rollback',
  environment: 'production',
  severity: 'critical',
  strategy: 'config',
  approval: 'senior-consensus',
  ask: ['@acme/senior-eng', '<img src=x> @here'],
  triggered: ['error-rate'],
  summary: 'Roll back production: error-rate above 5% for 5m.',
});

const warnings = (io: RecordedIO): string =>
  io.logs
    .filter((l) => l.level === 'warning')
    .map((l) => l.message)
    .join('\n');

const executed = (): string[] =>
  existsSync(executions) ? readFileSync(executions, 'utf8').trim().split('\n').filter(Boolean) : [];

function stored(number: number): IncidentState {
  const body = gh.state.repo().findIssue(number)?.body ?? '';
  const json = /<!-- ripcord:state\n([\s\S]*?)\n-->/.exec(body)?.[1] ?? 'null';
  return JSON.parse(json) as IncidentState;
}

/** The webhook payload GitHub writes to GITHUB_EVENT_PATH for a new comment. */
function commentEvent(
  issueNumber: number,
  commentId: number,
  opts: { action?: string; pullRequest?: boolean } = {},
): string {
  const issue = gh.state.repo().findIssue(issueNumber);
  const comment = issue?.comments.find((c) => c.id === commentId);
  if (!issue || !comment) throw new Error('no such comment');
  const file = join(dir, `event-${commentId}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      action: opts.action ?? 'created',
      issue: {
        number: issue.number,
        title: issue.title,
        body: issue.body,
        state: issue.state,
        user: { login: issue.user, type: issue.user.endsWith('[bot]') ? 'Bot' : 'User' },
        labels: issue.labels.map((name) => ({ name })),
        ...(opts.pullRequest ? { pull_request: { url: 'https://api.github.com/pulls/1' } } : {}),
      },
      comment: {
        id: comment.id,
        body: comment.body,
        user: { login: comment.user, type: comment.user.endsWith('[bot]') ? 'Bot' : 'User' },
        created_at: comment.created_at,
        updated_at: comment.updated_at,
      },
    }),
  );
  return file;
}

function say(issueNumber: number, user: string, body: string): number {
  const repo = gh.state.repo();
  const issue = repo.findIssue(issueNumber);
  if (!issue) throw new Error('no such issue');
  return repo.addComment(issue, { user, body }).id;
}

async function rollback(
  inputs: Record<string, string>,
  env: Record<string, string>,
  runId: string,
) {
  const io = recorder({ policy, token: 'ghs_token', ...inputs });
  const result = await rollbackAction(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_ATTEMPT: '1',
      PATH: process.env.PATH ?? '',
      ...env,
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
    lockPollMs: 20,
  });
  return { io, result };
}

/** The guard's automatic run: the evaluate report says roll back, with approval senior-consensus. */
const automatic = () =>
  rollback(
    { environment: 'production', decision },
    { GITHUB_EVENT_NAME: 'deployment_status', GITHUB_ACTOR: 'deploy-bot' },
    '500',
  );

/** The `issue_comment` workflow's run for one comment. */
const onComment = (issue: number, commentId: number, runId: string, opts = {}) =>
  rollback(
    {},
    {
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: commentEvent(issue, commentId, opts),
      GITHUB_ACTOR: gh.state
        .repo()
        .findIssue(issue)
        ?.comments.find((c) => c.id === commentId)?.user as string,
    },
    runId,
  );

describe('rollback approvals by comment (seed 002: two senior engineers)', () => {
  test('waits, counts distinct seniors only, and rolls back on the second approval', async () => {
    const first = await automatic();
    expect(first.result.result).toBe('awaiting-approval');
    expect(first.io.outputs.result).toBe('awaiting-approval');
    expect(first.io.failed).toEqual([]);
    expect(warnings(first.io)).toMatch(/did not roll back production yet/);
    expect(first.io.summaries.join('\n')).toContain('Waiting for approval');
    expect(executed()).toEqual([]);
    const number = Number(first.io.outputs.incident);
    const issue = gh.state.repo().findIssue(number);
    expect(stored(number).status).toBe('awaiting-approval');
    expect(stored(number).approval).toMatchObject({
      rule: 'senior-consensus',
      required: 2,
      status: 'waiting',
    });
    const request = issue?.comments.at(-1)?.body ?? '';
    expect(request).toContain('/ripcord approve');
    expect(request).toContain('/ripcord reject');
    expect(request).toMatch(/2 of members of `acme\/senior-eng`/);
    // The row's ask mentions are the only pings; anything else in the input is not written.
    expect(request).toContain('Asking @acme/senior-eng.');
    expect(request).not.toContain('<img');
    expect(request.match(/@/g)).toHaveLength(1);

    // Not a senior (write permission does not make one), a quote, and one senior: not enough.
    const erin = say(number, 'erin', '/ripcord approve');
    expect((await onComment(number, erin, '601')).result.result).toBe('awaiting-approval');
    const quote = say(number, 'dave', '> /ripcord approve\n\nwhy is this asked?');
    const quoted = await onComment(number, quote, '602');
    expect(quoted.result.result).toBe('skipped');
    expect(quoted.io.outputs['skip-reason']).toBe('not-asked');
    const carol = say(number, 'carol', '/ripcord approve error rate confirmed on the dashboard');
    const one = await onComment(number, carol, '603');
    expect(one.result.result).toBe('awaiting-approval');
    expect(one.result.message).toMatch(/1 of 2/);
    expect(stored(number).approval?.approvers.map((a) => a.login)).toEqual(['carol']);
    const again = say(number, 'carol', '/ripcord approve');
    expect((await onComment(number, again, '604')).result.result).toBe('awaiting-approval');
    expect(executed()).toEqual([]);

    // A re-evaluation in between does not ask twice.
    const comments = gh.state.repo().findIssue(number)?.comments.length;
    expect((await automatic()).result.result).toBe('awaiting-approval');
    expect(gh.state.repo().findIssue(number)?.comments.length).toBe(comments);

    // Someone with write access edits dave's "LGTM" into an approval: an edit is no vote.
    const lgtm = say(number, 'dave', 'LGTM');
    const edited = gh.state
      .repo()
      .findIssue(number)
      ?.comments.find((c) => c.id === lgtm);
    if (!edited) throw new Error('no comment');
    edited.body = '/ripcord approve';
    edited.updated_at = new Date(Date.parse(edited.created_at) + 120_000).toISOString();
    expect((await onComment(number, lgtm, '6041')).result.result).toBe('awaiting-approval');
    expect(executed()).toEqual([]);

    const dave = say(number, 'dave', '/ripcord approve');
    // github.com may write updated_at a second after created_at on a comment nobody edited
    // (https://github.com/palantir/policy-bot/pull/459); the stand-in answers so here.
    const fresh = gh.state
      .repo()
      .findIssue(number)
      ?.comments.find((c) => c.id === dave);
    if (fresh) fresh.updated_at = new Date(Date.parse(fresh.created_at) + 1000).toISOString();
    const done = await onComment(number, dave, '605');
    expect(done.result.result).toBe('rolled-back');
    expect(done.io.outputs.approvers).toBe('carol,dave');
    expect(done.io.summaries.join('\n')).toMatch(/approved by `carol`, `dave`/);
    expect(executed()).toEqual([GOOD_SHA]);
    const state = stored(number);
    expect(state.status).toBe('rolled-back');
    expect(state.strategy).toBe('config');
    expect(state.approval?.status).toBe('approved');
    expect(state.approval?.approvers.map((a) => a.login)).toEqual(['carol', 'dave']);
    expect(state.decision?.approval).toBe('senior-consensus');
    const bodies =
      gh.state
        .repo()
        .findIssue(number)
        ?.comments.map((c) => c.body) ?? [];
    expect(bodies.some((b) => b.startsWith('### Approved'))).toBe(true);
    expect(bodies.some((b) => b.startsWith('### Rollback completed'))).toBe(true);
    // The deployment record is the one an automatic rollback writes.
    const rollbackDeployment = gh.state
      .repo()
      .deployments.find(
        (d) => d.sha === GOOD_SHA && d.payload && JSON.stringify(d.payload).includes('rollback'),
      );
    expect(rollbackDeployment).toBeDefined();

    // One more approval after the rollback changes nothing and runs nothing.
    const late = say(number, 'erin', '/ripcord approve');
    const after = await onComment(number, late, '606');
    expect(after.result.result).toBe('skipped');
    expect(executed()).toEqual([GOOD_SHA]);
  });

  test('approvals on the second page of comments count (the list is paged, 100 a page)', async () => {
    const first = await automatic();
    const number = Number(first.io.outputs.incident);
    say(number, 'carol', '/ripcord approve');
    for (let i = 0; i < 120; i++) say(number, `watcher${i % 7}`, `+1 (${i})`);
    const dave = say(number, 'dave', '/ripcord approve');
    const done = await onComment(number, dave, '650');
    expect(done.result.result).toBe('rolled-back');
    expect(done.io.outputs.approvers).toBe('carol,dave');
    expect(executed()).toEqual([GOOD_SHA]);
  });

  test('a senior rejects: no rollback, the incident says who and closes', async () => {
    const first = await automatic();
    const number = Number(first.io.outputs.incident);
    const carol = say(number, 'carol', '/ripcord approve');
    await onComment(number, carol, '701');
    const dave = say(number, 'dave', '/ripcord reject it is the CDN, not the release');
    const rejected = await onComment(number, dave, '702');
    expect(rejected.result.result).toBe('skipped');
    expect(rejected.io.outputs['skip-reason']).toBe('rejected');
    expect(warnings(rejected.io)).toMatch(/dave rejected the rollback/);
    expect(executed()).toEqual([]);
    const issue = gh.state.repo().findIssue(number);
    expect(issue?.state).toBe('closed');
    expect(stored(number).status).toBe('closed');
    expect(stored(number).approval?.rejectedBy?.login).toBe('dave');
    expect(issue?.comments.at(-1)?.body).toMatch(/`dave` rejected the rollback/);
  });

  test('an edited comment event, a PR comment and a comment on a forged incident never act', async () => {
    const first = await automatic();
    const number = Number(first.io.outputs.incident);
    const carol = say(number, 'carol', '/ripcord approve');
    const edited = await onComment(number, carol, '801', { action: 'edited' });
    expect(edited.result.result).toBe('skipped');
    expect(edited.io.summaries.join('\n')).toContain('Comment ignored');
    const pr = await onComment(number, carol, '802', { pullRequest: true });
    expect(pr.result.message).toMatch(/pull request/);

    // Mallory opens a look-alike: the labels and a copied state block awaiting approval.
    const forged = gh.state.repo().addIssue({
      title: 'Rollback of production awaits approval',
      body: gh.state.repo().findIssue(number)?.body ?? '',
      labels: ['ripcord:incident', 'ripcord:env:production'],
      user: 'mallory',
    });
    const a = say(forged.number, 'carol', '/ripcord approve');
    const b = say(forged.number, 'dave', '/ripcord approve');
    await onComment(forged.number, a, '803');
    const second = await onComment(forged.number, b, '804');
    expect(second.result.result).toBe('skipped');
    expect(warnings(second.io)).toMatch(/not a Ripcord incident.*mallory/s);
    expect(executed()).toEqual([]);
    expect(stored(number).status).toBe('awaiting-approval');
  });

  test('a later decision that needs no approval does not wait behind the request', async () => {
    const first = await automatic();
    const number = Number(first.io.outputs.incident);
    const worse = await rollback(
      {
        environment: 'production',
        decision: JSON.stringify({
          ...JSON.parse(decision),
          approval: 'none',
          summary: 'Roll back production: error rate above 20%, immediate rollback.',
        }),
      },
      { GITHUB_EVENT_NAME: 'deployment_status', GITHUB_ACTOR: 'deploy-bot' },
      '950',
    );
    expect(worse.result.result).toBe('rolled-back');
    expect(worse.result.incident?.number).toBe(number);
    expect(executed()).toEqual([GOOD_SHA]);
    expect(
      gh.state
        .repo()
        .findIssue(number)
        ?.comments.map((c) => c.body)
        .join('\n'),
    ).toMatch(/### No longer waiting[\s\S]*above 20%/);
  });

  test('a person with rollback.authority decides alone by comment (the runbook primary)', async () => {
    const first = await automatic();
    const number = Number(first.io.outputs.incident);
    const alice = say(number, 'alice', '/ripcord approve');
    const done = await onComment(number, alice, '920');
    expect(done.result.result).toBe('rolled-back');
    expect(done.io.outputs.approvers).toBe('alice');
    expect(executed()).toEqual([GOOD_SHA]);
    expect(
      gh.state
        .repo()
        .findIssue(number)
        ?.comments.map((c) => c.body)
        .join('\n'),
    ).toMatch(/`alice` approved with rollback.authority/);
  });

  test('a person with rollback.authority who runs it by hand does not wait for the consensus', async () => {
    const first = await automatic();
    const number = Number(first.io.outputs.incident);
    const byHand = await rollback(
      { environment: 'production', reason: 'lead decides' },
      { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'alice' },
      '900',
    );
    expect(byHand.result.result).toBe('rolled-back');
    expect(stored(number).approval?.approvers.map((a) => a.login)).toEqual(['alice']);
    expect(executed()).toEqual([GOOD_SHA]);
  });
});

describe('staged recovery checkpoints by comment (seed 000: auto_proceed false)', () => {
  const MIN = 60_000;
  const T0 = Date.parse('2026-11-24T12:00:00Z');

  test('/ripcord proceed by an authorised person passes the checkpoint; others do not', async () => {
    const percents = join(dir, 'percents.log');
    writeFileSync(
      join(dir, 'healthy.om'),
      formatOpenMetrics([
        {
          labels: { __name__: 'error_ratio' },
          samples: Array.from({ length: 600 }, (_, i) => ({ t: T0 + (i - 60) * MIN, v: 0.01 })),
        },
      ]),
    );
    writeFileSync(
      policy,
      [
        'version: 1',
        'sources:',
        '  rec: {type: file, path: healthy.om}',
        'environments:',
        '  production:',
        '    triggers:',
        "      - {name: error-rate, severity: critical, source: rec, query: 'error_ratio', op: '>', threshold: 5%}",
        '    rollback:',
        '      authority: {permission: admin}',
        '      lock: {wait: 1s, lease: 10m}',
        '    recovery:',
        '      stages: [{percent: 5, dwell: 30m}, {percent: 100}]',
        `      command: 'echo "$RIPCORD_PERCENT" >> ${percents}'`,
        '      auto_proceed: false',
        '      approval: {teams: [senior-eng]}',
        '',
      ].join('\n'),
    );
    const at = new Date(T0 - 10 * MIN).toISOString();
    const issue = gh.state.repo().addIssue({
      title: 'Rollback of production',
      body: renderIncidentBody(
        {
          version: 1,
          environment: 'production',
          status: 'rolled-back',
          openedAt: at,
          updatedAt: at,
          reason: 'error-rate above 5%',
          bad: { deploymentId: 3, ref: 'v1.2.0', sha: BAD_SHA, createdAt: at },
          target: { deploymentId: 2, ref: 'v1.1.0', sha: GOOD_SHA },
          rollbackDeploymentId: 4,
          strategy: 'config',
          attempts: 1,
          lastRollbackAt: at,
          runs: [],
          steps: [],
          dataLossWindow: null,
          recovery: null,
        },
        'Rolled back.',
      ),
      labels: ['ripcord:incident', 'ripcord:env:production'],
    });
    const recovery = async (now: number, env: Record<string, string>, runId: string) => {
      const io = recorder({
        policy,
        token: 'ghs_t',
        ...(env.GITHUB_EVENT_PATH ? {} : { environment: 'production' }),
      });
      const result = await recoveryAction(io, {
        env: {
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_API_URL: gh.url,
          GITHUB_RUN_ID: runId,
          PATH: process.env.PATH ?? '',
          ...env,
        },
        now: () => now,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
        retryAfterBaseValue: 1,
        lockPollMs: 20,
      });
      return { io, result };
    };
    const applied = () =>
      existsSync(percents) ? readFileSync(percents, 'utf8').trim().split('\n') : [];

    // An early proceed, written before the checkpoint is reached, does not count later.
    const early = gh.state.repo().addComment(issue, {
      user: 'carol',
      body: '/ripcord proceed',
      created_at: new Date(T0 - MIN),
    }).id;
    const tick = await recovery(T0, { GITHUB_EVENT_NAME: 'schedule' }, '1');
    expect(tick.result.outcome).toBe('awaiting-approval');
    expect(applied()).toEqual([]);
    const stale = await recovery(
      T0 + MIN,
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: commentEvent(issue.number, early) },
      '2',
    );
    expect(stale.result.outcome).toBe('skipped');
    expect(stale.result.message).toMatch(/before the recovery reached this checkpoint/);

    // Not in the team: ignored with a warning, nothing moves.
    const erin = say(issue.number, 'erin', '/ripcord proceed');
    const refused = await recovery(
      T0 + 2 * MIN,
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: commentEvent(issue.number, erin) },
      '3',
    );
    expect(refused.result.outcome).toBe('skipped');
    expect(warnings(refused.io)).toMatch(/erin may not pass the recovery checkpoint/);
    expect(applied()).toEqual([]);

    const carol = say(issue.number, 'carol', '/ripcord proceed');
    const passed = await recovery(
      T0 + 3 * MIN,
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: commentEvent(issue.number, carol) },
      '4',
    );
    expect(passed.result.outcome).toBe('advanced');
    expect(applied()).toEqual(['5']);
    const state = stored(issue.number).recovery as {
      status: string;
      history: { detail: string }[];
    };
    expect(state.status).toBe('running');
    expect(JSON.stringify(state.history)).toContain('carol');

    // The same comment delivered again (a re-run) does not pass the next checkpoint.
    const rerun = await recovery(
      T0 + 4 * MIN,
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: commentEvent(issue.number, carol) },
      '4',
    );
    expect(rerun.result.outcome).toBe('skipped');
    expect(applied()).toEqual(['5']);
  });
});
