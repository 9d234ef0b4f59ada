/**
 * The staged-recovery action against the GitHub stand-in (OpenAPI-validated), with recorded
 * metrics as gates, a command as the percentage driver and an injected clock: a whole
 * recovery, the cost of an idle tick, concurrent ticks, regressions, approval and bad input.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/staged-recovery/run.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T12:00:00Z');
let gh: GitHubStandIn;
let dir: string;
let percents: string;
let policy: string;

/** error_ratio per minute from T0-1h to T0+8h; `bad(minute)` says when it is above 5%. */
function writeSeries(file: string, bad: (minute: number) => boolean): void {
  const samples = [];
  for (let m = -60; m <= 480; m++) samples.push({ t: T0 + m * MIN, v: bad(m) ? 0.09 : 0.01 });
  writeFileSync(
    join(dir, file),
    formatOpenMetrics([{ labels: { __name__: 'error_ratio', service: 'api' }, samples }]),
  );
}

function writePolicy(recovery: string[], series = 'healthy.om'): void {
  writeFileSync(
    policy,
    [
      'version: 1',
      'sources:',
      `  rec: {type: file, path: ${series}}`,
      'environments:',
      '  production:',
      '    triggers:',
      '      - {name: error-rate, severity: critical, source: rec, query: \'error_ratio{service="api"}\', op: ">", threshold: 5%}',
      '    rollback:',
      '      authority: {permission: maintain}',
      '      lock: {wait: 1s, lease: 10m}',
      '    recovery:',
      ...recovery.map((l) => `      ${l}`),
      '',
    ].join('\n'),
  );
}

// Commands see the runner's environment, so the log path is written into the policy.
let STAGES: string[] = [];

function incidentState(overrides: Partial<IncidentState> = {}): IncidentState {
  const at = new Date(T0 - 10 * MIN).toISOString();
  return {
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
    ...overrides,
  };
}

function openIncident(state = incidentState()) {
  return gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'Rolled back.'),
    labels: ['ripcord:incident', 'ripcord:env:production'],
  });
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-recovery-'));
  percents = join(dir, 'percents.log');
  policy = join(dir, 'ripcord.yml');
  STAGES = [
    'stages: [{percent: 5, dwell: 30m}, {percent: 25, dwell: 1h}, {percent: 50, dwell: 2h}, {percent: 100}]',
    `command: 'echo "$RIPCORD_PERCENT" >> ${percents}'`,
    'backoff: {base: 15m, max: 1h}',
  ];
  writeSeries('healthy.om', () => false);
  writePolicy(STAGES);
  gh.state.repo().setPermission('alice', 'write', 'maintain');
  gh.state.repo().setPermission('bob', 'write', 'write');
});

afterEach(async () => {
  await gh.close();
});

async function tick(at: number, inputs: Record<string, string> = {}, actor = 'schedule-bot') {
  const io = recorder({ policy, environment: 'production', token: 'ghs_t', ...inputs });
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: String(at),
      GITHUB_ACTOR: actor,
      PERCENTS: percents,
      PATH: process.env.PATH ?? '',
    },
    now: () => at,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
    lockPollMs: 20,
  });
  return { io, result };
}

const applied = () =>
  existsSync(percents) ? readFileSync(percents, 'utf8').trim().split('\n').filter(Boolean) : [];

function stored(number: number): IncidentState {
  const body = gh.state.repo().findIssue(number)?.body ?? '';
  const json = /<!-- ripcord:state\n([\s\S]*?)\n-->/.exec(body)?.[1] ?? 'null';
  return JSON.parse(json) as IncidentState;
}

describe('staged-recovery action', () => {
  test('a whole recovery from timestamps: late and skipped ticks, waits, then recovered and closed', async () => {
    const issue = openIncident();
    const first = await tick(T0);
    expect(first.result.outcome).toBe('advanced');
    expect(first.io.outputs).toMatchObject({ stage: '1', percentage: '5', 'next-action': 'dwell' });
    expect(first.io.outputs['next-at']).toBe(new Date(T0 + 30 * MIN).toISOString());
    expect(stored(issue.number).status).toBe('recovering');
    // A late tick (47 min: the scheduler skipped several) still reads the gates once and advances once.
    const late = await tick(T0 + 47 * MIN);
    expect(late.result.outcome).toBe('advanced');
    expect(late.io.summaries[0]).toMatch(/👉 \| 2 \| 25%/);
    expect(late.io.summaries[0]).toMatch(/\| error-rate \| ok \|/);
    await tick(T0 + 48 * MIN);
    await tick(T0 + 47 * MIN + 60 * MIN);
    await tick(T0 + 47 * MIN + 60 * MIN + 2 * 60 * MIN);
    const done = await tick(T0 + 47 * MIN + 60 * MIN + 2 * 60 * MIN + 5 * MIN);
    expect(done.result.outcome).toBe('recovered');
    expect(applied()).toEqual(['5', '25', '50', '100']);
    const issueNow = gh.state.repo().findIssue(issue.number);
    expect(issueNow?.state).toBe('closed');
    expect(stored(issue.number).status).toBe('recovered');
    expect(issueNow?.comments.map((c) => c.body.split('\n')[0])).toEqual([
      '### recovery.stage',
      '### recovery.stage',
      '### recovery.stage',
      '### recovery.stage',
      '### recovery.completed',
      expect.stringMatching(/^📝 Incident report proposed in http/),
    ]);
    expect(done.io.outputs['report-pr']).toMatch(/\/pull\/\d+$/);
  });

  test('a tick with nothing to do costs one GitHub call and takes no lock', async () => {
    openIncident();
    await tick(T0);
    gh.calls.reset();
    const idle = await tick(T0 + 10 * MIN);
    expect(idle.result.outcome).toBe('waiting');
    expect(gh.calls.total).toBeLessThanOrEqual(3);
    expect(gh.calls.total).toBe(1);
    expect(idle.io.outputs['next-at']).toBe(new Date(T0 + 30 * MIN).toISOString());
    expect(idle.io.summaries[0]).toMatch(/GitHub API calls: 1\./);
  });

  test('a tick during a pause keeps promoting (a pause stops rollbacks, not recovery) and shows the pause', async () => {
    openIncident();
    gh.state.repo().addIssue({
      title: 'DB migration window',
      body: 'Pause until: 2026-11-24T14:00Z',
      labels: ['ripcord:pause', 'ripcord:env:production'],
      user: 'alice',
      created_at: '2026-11-24T11:00:00Z',
    });
    const { io, result } = await tick(T0);
    expect(result.outcome).toBe('advanced');
    expect(applied()).toEqual(['5']);
    const summary = io.summaries.join('\n');
    expect(summary).toMatch(
      /^## .*: production staged recovery\n\n> ⏸️ \*\*Automatic rollbacks are paused\*\* until 2026-11-24 14:00 UTC by alice/,
    );
    expect(summary).toContain(
      'The pause stops automatic rollbacks, not this recovery: its stages go on as planned',
    );
    expect(gh.violations).toEqual([]);
  });

  test('two ticks at once advance once: the loser finds the lock taken or the state moved', async () => {
    openIncident();
    await tick(T0);
    const both = await Promise.all([tick(T0 + 31 * MIN), tick(T0 + 31 * MIN + 1)]);
    expect(both.map((b) => b.result.outcome).sort()).toEqual(['advanced', 'skipped']);
    expect(applied()).toEqual(['5', '25']);
  });

  test('a regression rolls back again at once and schedules the next attempt with backoff', async () => {
    writeSeries('bad-at-25.om', (m) => m >= 60);
    writePolicy(STAGES, 'bad-at-25.om');
    const issue = openIncident();
    await tick(T0);
    await tick(T0 + 31 * MIN);
    const r = await tick(T0 + 92 * MIN);
    expect(r.result.outcome).toBe('rolled-back-again');
    expect(applied()).toEqual(['5', '25', '0']);
    expect(r.io.outputs).toMatchObject({
      status: 'backoff',
      percentage: '0',
      'next-action': 'backoff',
    });
    expect(r.io.outputs['next-at']).toBe(new Date(T0 + 107 * MIN).toISOString());
    const s = stored(issue.number);
    expect(s.status).toBe('rolled-back');
    expect(s.lastRollbackAt).toBe(new Date(T0 + 92 * MIN).toISOString());
    expect(s.recovery).toMatchObject({ attempt: 2, status: 'backoff' });
    expect(r.io.summaries[0]).toMatch(/\| error-rate \| breached \|/);
  });

  test('auto_proceed false waits for proceed from someone with the permission', async () => {
    writePolicy([...STAGES, 'auto_proceed: false', 'approval: {permission: maintain}']);
    openIncident();
    expect((await tick(T0)).result.outcome).toBe('awaiting-approval');
    expect(applied()).toEqual([]);
    await expect(tick(T0 + MIN, { command: 'proceed' }, 'bob')).rejects.toThrow(
      /bob may not proceed the recovery of production/,
    );
    expect((await tick(T0 + 2 * MIN, { command: 'proceed' }, 'alice')).result.outcome).toBe(
      'advanced',
    );
    expect((await tick(T0 + 40 * MIN)).result.outcome).toBe('awaiting-approval');
    expect(applied()).toEqual(['5']);
    const abort = await tick(T0 + 41 * MIN, { command: 'abort', reason: 'pager' }, 'alice');
    expect(abort.result.outcome).toBe('aborted');
    expect(applied()).toEqual(['5', '0']);
    expect((await tick(T0 + 60 * MIN, { command: 'status' })).io.outputs.status).toBe('aborted');
  });

  test('a hand-edited recovery block is a clear error and nothing is written', async () => {
    const issue = openIncident(
      incidentState({ status: 'recovering', recovery: { version: 1, status: 'sideways' } }),
    );
    const before = gh.state.repo().findIssue(issue.number)?.body;
    await expect(tick(T0)).rejects.toThrow(
      /recovery block .* cannot be used; nothing was changed[\s\S]*recovery\.status/,
    );
    expect(gh.state.repo().findIssue(issue.number)?.body).toBe(before);
    expect(applied()).toEqual([]);
  });

  test('no open incident (already closed): says so and does nothing', async () => {
    gh.state.repo().addIssue({
      title: 'old',
      body: renderIncidentBody(incidentState(), ''),
      labels: ['ripcord:incident', 'ripcord:env:production'],
      state: 'closed',
    });
    const r = await tick(T0);
    expect(r.result.outcome).toBe('no-incident');
    expect(r.result.message).toMatch(/No open Ripcord incident for production/);
    expect(gh.calls.total).toBe(1);
  });

  test('bad stages in the policy fail with the rule they break', async () => {
    writePolicy(['stages: [{percent: 50}, {percent: 25}, {percent: 120}]']);
    await expect(tick(T0)).rejects.toThrow(/stages must increase: 25 after 50/);
    await expect(tick(T0)).rejects.toThrow(/at most 100/);
    expect(gh.calls.total).toBe(0);
  });
});
