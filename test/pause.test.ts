/**
 * The pause switch: a `ripcord:pause:<env>` issue by a maintainer stops automatic rollbacks until
 * its stated expiry, against the GitHub stand-in; an outsider's labelled issue does not.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../src/actions/rollback.ts';
import { pauseExpiry } from '../src/rollback/pause.ts';
import { recorder } from './support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from './support/github/stand-in.ts';

let gh: GitHubStandIn;
let dir: string;
let executions: string;
let policy: string;
const NOW = Date.now();

beforeEach(async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-pause-'));
  executions = join(dir, 'executions.log');
  policy = join(dir, 'ripcord.yml');
  writeFileSync(
    policy,
    [
      'version: 1',
      'environments:',
      '  production:',
      '    default_strategy: config',
      '    rollback:',
      '      strategies:',
      '        config:',
      `          command: ${JSON.stringify(`echo "$RIPCORD_TARGET_SHA" >> ${executions}`)}`,
      '',
    ].join('\n'),
  );
  const repo = gh.state.repo();
  repo.addDeployment({
    ref: 'v1.1.0',
    sha: 'a'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  repo.addDeployment({
    ref: 'v1.2.0',
    sha: 'c'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  repo.setPermission('maya', 'admin', 'maintain');
  repo.setPermission('wes', 'write', 'write');
});
afterEach(async () => {
  await gh.close();
});

const decision = JSON.stringify({
  decision: 'rollback',
  environment: 'production',
  severity: 'critical',
  strategy: 'config',
  approval: 'none',
  triggered: ['error-rate'],
  summary: 'Roll back production: error-rate above 5% for 15m.',
});

async function automaticRollback(event = 'deployment_status') {
  const io = recorder({ policy, environment: 'production', token: 'ghs_token', decision });
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '501',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'maya',
      GITHUB_EVENT_NAME: event,
      PATH: process.env.PATH ?? '',
    },
    now: () => NOW,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    retryAfterBaseValue: 1,
    lockPollMs: 50,
  });
  const ran = existsSync(executions) ? readFileSync(executions, 'utf8').trim().split('\n') : [];
  return { io, result, ran };
}

const inTwoHours = new Date(NOW + 2 * 3_600_000).toISOString().slice(0, 16) + 'Z';

describe('pause switch', () => {
  test("a maintainer's pause issue stops the automatic rollback and says so in the summary", async () => {
    gh.state.repo().addIssue({
      title: 'DB migration window',
      body: `Pause until: ${inTwoHours}`,
      labels: ['ripcord:pause:production'],
      user: 'maya',
    });
    const { io, result, ran } = await automaticRollback();
    expect(result.result).toBe('skipped');
    expect(ran).toEqual([]);
    expect(io.outputs.result).toBe('skipped');
    expect(io.outputs.message).toMatch(
      /paused until .* by maya \(#1: DB migration window\); nothing was rolled back/,
    );
    expect(io.summaries.join('\n')).toMatch(/Automatic rollbacks are paused\*\* until .* by maya/);
    expect(gh.violations).toEqual([]);
  });

  test("an outsider's labelled issue does not pause; the summary says it was ignored and why", async () => {
    gh.state.repo().addIssue({
      title: 'pls stop',
      body: `Pause until: ${inTwoHours}`,
      labels: ['ripcord:pause:production'],
      user: 'mallory',
    });
    gh.state.repo().addIssue({
      title: 'pause from a writer',
      body: 'Pause for: 1h',
      labels: ['ripcord:pause:production'],
      user: 'wes',
    });
    const { io, result, ran } = await automaticRollback();
    expect(result.result).toBe('rolled-back');
    expect(ran).toEqual(['a'.repeat(40)]);
    const summary = io.summaries.join('\n');
    expect(summary).toMatch(
      /#1 was opened by mallory \(none\); only people with the maintain or admin role may pause/,
    );
    expect(summary).toMatch(/#2 was opened by wes \(write\)/);
  });

  test('an expired pause, or one without an expiry, does not hold', async () => {
    gh.state.repo().addIssue({
      title: 'forgotten',
      body: 'maintenance, no end given',
      labels: ['ripcord:pause:production'],
      user: 'maya',
    });
    const { io, result } = await automaticRollback();
    expect(result.result).toBe('rolled-back');
    expect(io.summaries.join('\n')).toMatch(/states no expiry; add a line "Pause until:/);
  });

  test('a rollback run by hand is never paused', async () => {
    gh.state.repo().addIssue({
      title: 'window',
      body: `Pause until: ${inTwoHours}`,
      labels: ['ripcord:pause:production'],
      user: 'maya',
    });
    const { result } = await automaticRollback('workflow_dispatch');
    expect(result.result).toBe('rolled-back');
  });

  test('expiry: relative, absolute without a zone as UTC, too long, expired', () => {
    const opened = Date.UTC(2026, 11, 1, 0, 0);
    expect(pauseExpiry('Pause for: 4h', opened, opened + 60_000)).toEqual({
      until: opened + 4 * 3_600_000,
    });
    expect(pauseExpiry('Pause until: 2026-12-01T06:00', opened, opened)).toEqual({
      until: Date.UTC(2026, 11, 1, 6, 0),
    });
    expect(pauseExpiry('Pause for: 30d', opened, opened)).toMatchObject({
      why: expect.stringMatching(/longer than/),
    });
    expect(pauseExpiry('Pause for: 1h', opened, opened + 2 * 3_600_000)).toMatchObject({
      why: expect.stringMatching(/^expired at 2026-12-01T01:00/),
    });
  });
});

test('the evaluation of a paused environment says so at the top of its summary when it decides rollback', async () => {
  const { run: evaluate } = await import('../src/actions/evaluate-triggers.ts');
  writeFileSync(
    policy,
    [
      'version: 1',
      'sources:',
      `  recorded: {type: file, path: ${join(import.meta.dirname, '../examples/demo/incident.om')}}`,
      'environments:',
      '  production:',
      '    triggers:',
      "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%, for: 15m}",
      '',
    ].join('\n'),
  );
  gh.state.repo().addIssue({
    title: 'DB migration window',
    body: 'Pause for: 2h',
    labels: ['ripcord:pause:production'],
    user: 'maya',
  });
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    at: '2026-11-24T10:20:00Z',
  });
  const d = await evaluate(io, {
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url },
    now: () => Date.now(),
    sleep: async () => {},
  });
  expect(d.decision).toBe('rollback');
  expect(io.summaries[0]).toMatch(/^> ⏸️ \*\*Automatic rollbacks are paused\*\* until .* by maya/);
  expect(gh.violations).toEqual([]);
});
