/**
 * The recovery schedule exists only while a recovery is in progress (`recovery.workflow`): the
 * rollback enables the staged-recovery workflow when it hands over, the tick that finds nothing
 * left to recover disables it. Against the GitHub stand-in (OpenAPI-validated), with a
 * simulated scheduler that runs a tick every 5 minutes only while the workflow is enabled, as
 * GitHub's does; the month measured here is the one docs/architecture.md quotes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run as rollback } from '../../src/actions/rollback/run.ts';
import { run as recover } from '../../src/actions/staged-recovery/run.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { recorder, type RecordedIO } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const MIN = 60_000;
const TICK = 5 * MIN;
const T0 = Date.parse('2026-11-24T12:00:00Z');
const WORKFLOW = 'staged-recovery.yml';
let gh: GitHubStandIn;
let dir: string;
let policy: string;

function writePolicy(workflow: string | null): void {
  writeFileSync(
    policy,
    [
      'version: 1',
      'sources:',
      '  rec: {type: file, path: healthy.om}',
      'environments:',
      '  production:',
      '    default_strategy: config',
      '    triggers:',
      '      - {name: error-rate, severity: critical, source: rec, query: \'error_ratio{service="api"}\', op: ">", threshold: 5%}',
      '    rollback:',
      '      authority: {permission: maintain}',
      '      lock: {wait: 1s, lease: 10m}',
      '      strategies:',
      '        config: {command: "true", timeout: 30s}',
      '    recovery:',
      // The default stages: 5% for 30m, 25% for 1h, 50% for 2h, then 100%.
      '      command: "true"',
      ...(workflow ? [`      workflow: ${workflow}`] : []),
      '',
    ].join('\n'),
  );
}

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-schedule-'));
  policy = join(dir, 'ripcord.yml');
  const samples = [];
  for (let m = -60; m <= 600; m++) samples.push({ t: T0 + m * MIN, v: 0.01 });
  writeFileSync(
    join(dir, 'healthy.om'),
    formatOpenMetrics([{ labels: { __name__: 'error_ratio', service: 'api' }, samples }]),
  );
  writePolicy(WORKFLOW);
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
    created_at: '2026-11-24T11:00:00Z',
    statuses: [{ state: 'success' }],
  });
  // Off between incidents, as the docs tell teams to leave it.
  repo.addWorkflow(`.github/workflows/${WORKFLOW}`, 'Staged recovery').state = 'disabled_manually';
});

afterEach(async () => {
  await gh.close();
});

const env = (runId: string) => ({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: gh.url,
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_ACTOR: 'deploy-bot',
  GITHUB_EVENT_NAME: 'deployment_status',
  PATH: process.env.PATH ?? '',
});

const fast = { sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))) };

async function rollBack(at: number) {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_t',
    decision: JSON.stringify({
      decision: 'rollback',
      environment: 'production',
      severity: 'critical',
      strategy: 'config',
      approval: 'none',
      triggered: ['error-rate'],
      summary: 'Roll back production: error-rate above 5%.',
    }),
  });
  const result = await rollback(io, {
    env: env(`rb-${at}`),
    now: () => at,
    ...fast,
    retryAfterBaseValue: 1,
    lockPollMs: 20,
  });
  return { io, result };
}

async function tick(at: number) {
  const io = recorder({ policy, environment: 'production', token: 'ghs_t' });
  const result = await recover(io, {
    env: env(String(at)),
    now: () => at,
    ...fast,
    retryAfterBaseValue: 1,
    lockPollMs: 20,
  });
  return { io, result };
}

const workflow = () => gh.state.repo().findWorkflow(WORKFLOW);
function setState(state: 'active' | 'disabled_manually' | 'disabled_inactivity'): void {
  const w = workflow();
  if (!w) throw new Error(`no ${WORKFLOW} in the stand-in`);
  w.state = state;
}
const warnings = (io: RecordedIO) =>
  io.logs.filter((l) => l.level === 'warning').map((l) => l.message);

/**
 * GitHub's scheduler, simplified: a run every 5 minutes from `from` to `to`, only while the
 * workflow is enabled. Returns the runs it made and the GitHub calls they cost.
 */
async function schedule(from: number, to: number) {
  let runs = 0;
  const before = gh.calls.total;
  const outcomes: string[] = [];
  for (let at = from; at < to; at += TICK) {
    if (workflow()?.state !== 'active') continue;
    const r = await tick(at);
    runs++;
    outcomes.push(r.result.outcome);
  }
  return { runs, calls: gh.calls.total - before, outcomes };
}

describe('the recovery schedule exists only while a recovery is in progress', () => {
  test('the rollback enables the workflow after rolling back; the tick that finds it recovered disables it', async () => {
    const rb = await rollBack(T0);
    expect(rb.result.result).toBe('rolled-back');
    expect(workflow()?.state).toBe('active');
    // After the rollback's steps, not before the first one: the enable is the last write.
    const log = gh.calls.log.map((c) => c.operationId);
    expect(log.indexOf('actions/enable-workflow')).toBeGreaterThan(
      log.lastIndexOf('repos/create-deployment-status'),
    );
    const summary = rb.io.summaries.join('\n');
    expect(summary).toContain(
      `Recovery schedule on: enabled the ${WORKFLOW} workflow; its ticks run until the recovery ends`,
    );
    expect(summary).toContain(
      `To stop it, run the ${WORKFLOW} workflow with command \`abort\` and a reason.`,
    );

    const month = await schedule(T0, T0 + 30 * 24 * 60 * MIN);
    expect(workflow()?.state).toBe('disabled_manually');
    expect(workflow()?.switches?.map((s) => s.change)).toEqual(['enable', 'disable']);
    // 3.5 hours of stages at one tick per 5 minutes, then the tick that closes it and switches off.
    expect(month.outcomes.at(-1)).toBe('recovered');
    expect(month.runs).toBeLessThanOrEqual(45);
    expect(month.runs).toBeGreaterThanOrEqual(42);
    expect(gh.violations).toEqual([]);
  });

  test('a month with 3 incidents: runs and GitHub calls against the schedule that is always on', async () => {
    let runs = 0;
    let calls = 0;
    for (const day of [3, 12, 24]) {
      const at = T0 + day * 24 * 60 * MIN;
      // The recorded metrics cover T0-1h..T0+10h; each incident replays them from its own start.
      const samples = [];
      for (let m = -60; m <= 600; m++) samples.push({ t: at + m * MIN, v: 0.01 });
      writeFileSync(
        join(dir, 'healthy.om'),
        formatOpenMetrics([{ labels: { __name__: 'error_ratio', service: 'api' }, samples }]),
      );
      gh.state.repo().addDeployment({
        ref: `v1.${day}.0`,
        sha: String(day % 10).repeat(40),
        environment: 'production',
        created_at: new Date(at - 30 * MIN).toISOString(),
        statuses: [{ state: 'success' }],
      });
      const before = gh.calls.total;
      await rollBack(at);
      calls += 1; // the enable call; the rollback's own calls are the same with or without it
      expect(gh.calls.total - before).toBeGreaterThan(1);
      const span = await schedule(at, at + 9 * 24 * 60 * MIN);
      runs += span.runs;
      calls += span.calls;
    }
    const alwaysOn = (30 * 24 * 60) / 5;
    expect(alwaysOn).toBe(8640);
    // Measured figures quoted in docs/architecture.md ("Cost of the schedule").
    expect(runs).toBeLessThan(3 * 45);
    expect(runs / alwaysOn).toBeLessThan(0.02);
    expect(calls).toBeLessThan(alwaysOn / 10);
    console.info(`schedule on demand, 3 incidents: ${runs} runs, ${calls} GitHub calls`);
  });

  test('a tick with nothing to recover switches the schedule off and says so', async () => {
    setState('active');
    const r = await tick(T0);
    expect(r.result.outcome).toBe('no-incident');
    expect(workflow()?.state).toBe('disabled_manually');
    const summary = r.io.summaries.join('\n');
    expect(summary).toContain(
      `Recovery schedule off: disabled the ${WORKFLOW} workflow until the next rollback enables it`,
    );
    expect(summary).toContain('- Nothing: no recovery is in progress.');
    // One call to find no incident, one to switch off.
    expect(gh.calls.total).toBe(2);
  });

  test('GitHub disabled the schedule itself after 60 days of inactivity: the rollback turns it back on', async () => {
    setState('disabled_inactivity');
    await rollBack(T0);
    expect(workflow()?.state).toBe('active');
  });

  test('a token without actions: write: the rollback still succeeds and the warning says what to add', async () => {
    gh.faults.inject({
      match: 'actions/enable-workflow',
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const rb = await rollBack(T0);
    expect(rb.result.result).toBe('rolled-back');
    expect(rb.io.failed).toEqual([]);
    const warning = warnings(rb.io).find((w) => w.includes(WORKFLOW)) ?? '';
    expect(warning).toContain(
      `could not enable the recovery workflow ${WORKFLOW} in acme/shop: the token may not change workflows (HTTP 403: Resource not accessible by integration). Add \`actions: write\` to the permissions: of the job that runs ripcord-dev/ripcord/actions/rollback`,
    );
    expect(warning).toContain(`gh workflow enable ${WORKFLOW}`);
    expect(rb.io.summaries.join('\n')).toContain(`⚠️ could not enable the recovery workflow`);
    expect(workflow()?.state).toBe('disabled_manually');
    // Fixed and re-run: the rollback is already done, the re-run switches the schedule on.
    const again = await rollBack(T0 + MIN);
    expect(again.result.skipReason).toBe('already-rolled-back');
    expect(workflow()?.state).toBe('active');
  });

  test('a workflow name GitHub does not know: the message says to set recovery.workflow to the file name', async () => {
    writePolicy('recovery.yml');
    const rb = await rollBack(T0);
    expect(rb.result.result).toBe('rolled-back');
    expect(warnings(rb.io).join('\n')).toContain(
      'GitHub knows no workflow recovery.yml there (HTTP 404). Set recovery.workflow to the file name of the staged-recovery workflow under .github/workflows',
    );
  });

  test('without recovery.workflow nothing is switched: the schedule is left as it is', async () => {
    writePolicy(null);
    setState('active');
    await rollBack(T0);
    const r = await tick(T0 + 40 * MIN);
    expect(r.result.outcome).toBe('advanced');
    const idle = await tick(T0 + 45 * MIN);
    expect(idle.result.outcome).toBe('waiting');
    expect(gh.calls.count('actions/enable-workflow')).toBe(0);
    expect(gh.calls.count('actions/disable-workflow')).toBe(0);
    expect(workflow()?.switches).toBeUndefined();
  });

  test('a policy whose recovery.workflow is not a file name fails validation at its line', async () => {
    writePolicy('"Staged recovery"');
    await expect(rollBack(T0)).rejects.toThrow(
      /ripcord\.yml:\d+:\d+.*the recovery workflow is its file name under \.github\/workflows, such as staged-recovery\.yml/,
    );
  });
});
