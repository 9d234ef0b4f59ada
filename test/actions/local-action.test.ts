/**
 * Each action also runs from source with @github/local-action, the way its maintainers
 * debug actions: `local-action run actions/<name> src/actions/<name>-entry.ts <dotenv>`.
 * local-action stands in for @actions/core: the outputs an action sets are in its report (and
 * its log, one `::set-output name=...::value` line each), not in GITHUB_OUTPUT.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { renderIncidentBody } from '../../src/incident/state.ts';
import { environmentLabel, INCIDENT_LABEL } from '../../src/incident/store.ts';
import { fullState } from '../fixtures/reports/incident-fixtures.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const root = resolve(import.meta.dirname, '..', '..');
let gh: GitHubStandIn | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

async function localAction(name: string, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), `ripcord-local-${name}-`));
  const output = join(dir, 'output');
  writeFileSync(output, '');
  writeFileSync(join(dir, 'summary'), '');
  const dotenv = join(dir, '.env');
  const all = { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(dir, 'summary'), ...env };
  writeFileSync(
    dotenv,
    Object.entries(all)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  const child = spawn(
    join(root, 'node_modules', '.bin', 'local-action'),
    ['run', join(root, 'actions', name), join(root, 'src', 'actions', `${name}-entry.ts`), dotenv],
    { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir } },
  );
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const outputs: Record<string, string> = {};
  for (const m of stdout.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm))
    outputs[m[1] ?? ''] = m[2] ?? '';
  return { code, stdout, outputs };
}

test('evaluate-triggers runs from source under local-action', async () => {
  const r = await localAction('evaluate-triggers', {
    INPUT_POLICY: join(root, 'examples/demo/policy.yml'),
    INPUT_ENVIRONMENT: 'production',
    'INPUT_SOURCE-FILE': join(root, 'examples/demo/incident.om'),
    INPUT_AT: '2026-11-24T10:20:00Z',
    INPUT_BASELINE: '2026-11-24T10:00:00Z',
  });
  expect(r.code, r.stdout).toBe(0);
  expect(r.outputs.decision).toBe('rollback');
}, 60_000);

test('rollback runs from source under local-action, against the GitHub stand-in', async () => {
  gh = await startGitHubStandIn();
  const repo = gh.state.repo();
  repo.addDeployment({
    ref: 'v1',
    sha: 'a'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  repo.addDeployment({
    ref: 'v2',
    sha: 'b'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  repo.setPermission('oncall-bot', 'write', 'maintain');
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-local-policy-'));
  const policy = join(dir, 'ripcord.yml');
  writeFileSync(
    policy,
    'version: 1\nenvironments:\n  production:\n    rollback:\n      strategies:\n        config: {command: "true"}\n',
  );
  const r = await localAction('rollback', {
    INPUT_POLICY: policy,
    INPUT_ENVIRONMENT: 'production',
    INPUT_STRATEGY: 'config',
    INPUT_REASON: 'local-action check',
    INPUT_TARGET: 'last-known-good',
    'INPUT_DRY-RUN': 'false',
    INPUT_TOKEN: 'ghs_local',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: gh.url,
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'oncall-bot',
    GITHUB_EVENT_NAME: 'deployment_status',
  });
  expect(r.code, r.stdout).toBe(0);
  expect(r.outputs.result).toBe('rolled-back');
  expect(r.outputs['target-ref']).toBe('v1');
}, 60_000);

const github = (url: string) => ({
  INPUT_TOKEN: 'ghs_local',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: url,
  GITHUB_RUN_ID: '43',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_ACTOR: 'oncall-bot',
  GITHUB_EVENT_NAME: 'workflow_dispatch',
});

async function withIncident() {
  gh = await startGitHubStandIn();
  const state = fullState({ status: 'rolled-back', environment: 'production', recovery: null });
  gh.state.repo().setPermission('oncall-bot', 'write', 'maintain');
  const issue = gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'seeded'),
    labels: [INCIDENT_LABEL, environmentLabel('production')],
  });
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-local-policy-'));
  const policy = join(dir, 'ripcord.yml');
  writeFileSync(policy, 'version: 1\nenvironments:\n  production:\n    triggers: []\n');
  const deployment = gh.state.repo().addDeployment({
    ref: 'v1',
    sha: 'a'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  return { issue, policy, url: gh.url, deployment };
}

test('verify, notify and staged-recovery run from source under local-action', async () => {
  const { issue, policy, url, deployment } = await withIncident();
  const verify = await localAction('verify', {
    ...github(url),
    INPUT_POLICY: policy,
    INPUT_ENVIRONMENT: 'production',
    INPUT_MODE: 'after-deploy',
    INPUT_CHECKS: '[{name: smoke, type: smoke, command: "true"}]',
    INPUT_STABILIZATION: '0s',
    INPUT_INTERVAL: '1s',
    INPUT_DURATION: '10s',
    INPUT_SUCCESSES: '1',
    'INPUT_DEPLOYMENT-ID': String(deployment.id),
    INPUT_INCIDENT: String(issue.number),
  });
  expect(verify.outputs.result, verify.stdout).toBe('passed');

  const notify = await localAction('notify', {
    ...github(url),
    INPUT_POLICY: policy,
    INPUT_ENVIRONMENT: 'production',
    INPUT_EVENT: 'warning',
    INPUT_INCIDENT: String(issue.number),
    INPUT_REASON: 'local-action check',
  });
  expect(notify.code, notify.stdout).toBe(0);
  expect(notify.outputs).toHaveProperty('sent');

  const recoveryPolicy = join(tmpdir(), `ripcord-local-recovery-${process.pid}.yml`);
  writeFileSync(
    recoveryPolicy,
    [
      'version: 1',
      'sources:',
      `  recorded: {type: file, path: ${join(root, 'examples/demo/incident.om')}}`,
      'environments:',
      '  production:',
      '    triggers:',
      "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%}",
      '    recovery:',
      '      command: "true"',
      '',
    ].join('\n'),
  );
  const recovery = await localAction('staged-recovery', {
    ...github(url),
    INPUT_POLICY: recoveryPolicy,
    INPUT_ENVIRONMENT: 'production',
    INPUT_COMMAND: 'status',
  });
  expect(recovery.outputs, recovery.stdout).toHaveProperty('status');
}, 90_000);
