/**
 * Issue #16: a rollback's GitHub round trips before its first step, measured through the
 * GitHub stand-in from the requests' own arrival and answer times (with latency injected on
 * every call, so calls that run side by side overlap and calls made one after another do not).
 * And the safety of reading before holding the lock: a Ripcord run that writes an incident
 * between those reads and the lock is noticed, and nothing is rolled back twice.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run } from '../../src/actions/rollback/run.ts';
import { renderIncidentBody } from '../../src/incident/state.ts';
import { environmentLabel, INCIDENT_LABEL } from '../../src/incident/store.ts';
import { fullState } from '../fixtures/reports/incident-fixtures.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

/** The issue's target: round trips one after another before the first strategy step. */
const MAX_SEQUENTIAL = 8;
const MAX_CALLS = 12;
// Long enough that a busy machine's CPU delays (tens of ms) cannot make overlapping calls
// look sequential, or the reverse.
const LATENCY_MS = 150;

let gh: GitHubStandIn;
let dir: string;
let policy: string;
let executions: string;

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-round-trips-'));
  policy = join(dir, 'ripcord.yml');
  executions = join(dir, 'executions.log');
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    rollback:',
      '      strategies:',
      `        config: {command: ${JSON.stringify(`echo "$RIPCORD_TARGET_SHA" >> ${executions}`)}}`,
      '',
    ].join('\n'),
  );
  const repo = gh.state.repo();
  for (let i = 0; i < 5; i++)
    repo.addDeployment({
      ref: `v1.${i}.0`,
      sha: String(i + 1).repeat(40),
      environment: 'production',
      created_at: new Date(Date.UTC(2026, 10, 24, i)).toISOString(),
      statuses: [{ state: 'success' }],
    });
});
afterEach(async () => {
  await gh.close();
});

function automaticRollback(onFirstStep: () => void = () => {}) {
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
      summary: 'error-rate above 5% for 15m',
    }),
  });
  let started = false;
  return run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '901',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_EVENT_NAME: 'deployment_status',
      PATH: process.env.PATH ?? '',
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    retryAfterBaseValue: 1,
    onStepEvent: (e) => {
      if (e.status === 'running' && !started) {
        started = true;
        onFirstStep();
      }
    },
  });
}

const ran = () =>
  existsSync(executions) ? readFileSync(executions, 'utf8').trim().split('\n') : [];

test(`a rollback makes at most ${MAX_SEQUENTIAL} round trips one after another before its first step`, async () => {
  gh.faults.inject({ match: () => true, kind: 'latency', ms: LATENCY_MS, times: 1_000 });
  let sequential = -1;
  let calls = -1;
  const result = await automaticRollback(() => {
    const at = performance.now();
    sequential = gh.calls.sequentialDepth(at);
    calls = gh.calls.log.filter((c) => c.endedAt <= at).length;
  });
  expect(result.result).toBe('rolled-back');
  expect(ran()).toEqual(['4'.repeat(40)]);
  // Measured, not assumed: calls made one after another would make the two figures equal.
  expect(calls).toBeGreaterThan(sequential);
  expect(sequential).toBeGreaterThan(0);
  expect(sequential).toBeLessThanOrEqual(MAX_SEQUENTIAL);
  expect(calls).toBeLessThanOrEqual(MAX_CALLS);
});

test('the measure counts calls made one after another as such', async () => {
  gh.faults.inject({ match: () => true, kind: 'latency', ms: LATENCY_MS, times: 10 });
  const headers = { authorization: 'token t' };
  const get = (path: string) => fetch(`${gh.url}/repos/acme/shop/${path}`, { headers });
  await get('deployments');
  await get('issues');
  await Promise.all([get('deployments'), get('issues'), get('deployments')]);
  expect(gh.calls.total).toBe(5);
  expect(gh.calls.sequentialDepth()).toBe(3);
});

test('a Ripcord run that writes an incident while this one takes the lock is noticed: no second rollback', async () => {
  // Another run rolls production back between this run's first reads and its lock: the state
  // that run leaves (a rolled-back incident, its rollback deployment live) appears while this
  // run's lock ref is being created.
  const repo = gh.state.repo();
  const bad = repo.deployments.at(-1);
  const good = repo.deployments.at(-2);
  if (!bad || !good) throw new Error('seed');
  gh.faults.inject({
    match: 'git/create-ref',
    kind: 'tamper',
    mutate: (reply) => {
      const issue = repo.addIssue({
        title: 'Rollback of production',
        body: '(body below)',
        labels: [INCIDENT_LABEL, environmentLabel('production')],
      });
      const rollbackDeployment = repo.addDeployment({
        ref: good.sha,
        sha: good.sha,
        environment: 'production',
        payload: {
          ripcord: {
            kind: 'rollback',
            incident: issue.number,
            from: { deploymentId: bad.id, ref: bad.ref, sha: bad.sha },
            strategy: 'config',
          },
        },
        statuses: [{ state: 'success' }],
      });
      issue.body = renderIncidentBody(
        {
          ...fullState({ status: 'rolled-back', recovery: null }),
          bad: { deploymentId: bad.id, ref: bad.ref, sha: bad.sha, createdAt: bad.created_at },
          target: { deploymentId: good.id, ref: good.ref, sha: good.sha },
          rollbackDeploymentId: rollbackDeployment.id,
          lastRollbackAt: new Date().toISOString(),
          runs: [{ runId: '800', attempt: 1, startedAt: new Date().toISOString() }],
        },
        'seeded by the other run',
      );
      return reply;
    },
  });
  const result = await automaticRollback();
  expect(result.result).toBe('skipped');
  expect(result.skipReason).toBe('already-rolled-back');
  expect(result.message).toMatch(/already rolled back .* by run 800/);
  expect(ran()).toEqual([]);
  expect(repo.issues.filter((i) => i.labels.includes(INCIDENT_LABEL))).toHaveLength(1);
});
