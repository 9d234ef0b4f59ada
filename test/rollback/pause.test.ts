/**
 * The pause switch (#15): an open issue labelled `ripcord:pause` and `ripcord:env:<env>`, by
 * someone allowed to roll back, stops automatic rollbacks until its stated end, against the
 * GitHub stand-in. A label added by a triage user, or an issue opened by an outsider, does not.
 * The pause is read from the list the rollback already makes: no round trip of its own.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/rollback/run.ts';
import { PAUSE_LABEL } from '../../src/incident/store.ts';
import { pauseExpiry } from '../../src/rollback/pause.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

let gh: GitHubStandIn;
let dir: string;
let executions: string;
let policy: string;
const NOW = Date.now();
const LABELS = [PAUSE_LABEL, 'ripcord:env:production'];

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
      '      authority: {permission: maintain, users: [oncall-bot]}',
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
  repo.setPermission('tina', 'read', 'triage');
  repo.setPermission('oncall-bot', 'read', 'read');
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

async function rollback(
  event = 'deployment_status',
  actor = 'maya',
  inputs: Record<string, string> = {},
) {
  const manual = event === 'workflow_dispatch';
  const io = recorder({
    policy,
    environment: 'production',
    token: 'ghs_token',
    ...(manual ? { reason: 'by hand during the window' } : { decision }),
    ...inputs,
  });
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '501',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: actor,
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
  test("a maintainer's pause stops the automatic rollback, with a warning, the summary and skip-reason", async () => {
    gh.state.repo().addIssue({
      title: 'DB migration window',
      body: `Pause until: ${inTwoHours}`,
      labels: LABELS,
      user: 'maya',
    });
    const { io, result, ran } = await rollback();
    expect(result.result).toBe('skipped');
    expect(ran).toEqual([]);
    expect(io.outputs['skip-reason']).toBe('paused');
    expect(io.outputs.message).toMatch(
      /paused until .* by maya \(#1: DB migration window\); nothing was rolled back/,
    );
    expect(io.logs.filter((l) => l.level === 'warning').map((l) => l.message)).toContainEqual(
      expect.stringMatching(/Ripcord did not roll back production: Automatic rollback .* paused/),
    );
    const summary = io.summaries.join('\n');
    expect(summary).toMatch(/^## ⏸️ Paused: production/);
    expect(summary).toMatch(/Automatic rollbacks are paused\*\* until .* by maya/);
    expect(summary).toMatch(/\*\*Not rolled back\*\* \(`paused`\)/);
    // Nothing of the environment was touched: no incident, no rollback deployment.
    expect(gh.state.repo().issues).toHaveLength(1);
    expect(gh.state.repo().deployments).toHaveLength(2);
    expect(gh.violations).toEqual([]);
  });

  test('a label added by a triage user, or an issue opened by someone without the authority, does not pause', async () => {
    const repo = gh.state.repo();
    // A maintainer's issue that a triage user labelled: the label is the triage user's act.
    repo.addIssue({
      title: 'maintenance notes',
      body: `Pause until: ${inTwoHours}`,
      labels: LABELS,
      user: 'maya',
      labeledBy: 'tina',
    });
    // An issue form can label what anyone opens; here a maintainer added the label to a writer's issue.
    repo.addIssue({
      title: 'pls stop',
      body: 'Pause for: 1h',
      labels: LABELS,
      user: 'wes',
      labeledBy: 'maya',
    });
    const { io, result, ran } = await rollback();
    expect(result.result).toBe('rolled-back');
    expect(ran).toEqual(['a'.repeat(40)]);
    // Markdown escapes (\#, \() dropped: the text as a reader sees it rendered.
    const summary = io.summaries.join('\n').replace(/\\/g, '');
    expect(summary).toMatch(
      /#1 was labelled by tina, who may not pause rollbacks: tina may not roll back \(their permission is triage\)/,
    );
    expect(summary).toMatch(/#2 was opened by wes, who may not pause rollbacks/);
    expect(summary).not.toMatch(/Automatic rollbacks are paused/);
  });

  test('a person listed in rollback.authority.users may pause without the role', async () => {
    gh.state.repo().addIssue({
      title: 'window',
      body: 'Pause for: 2h',
      labels: LABELS,
      user: 'oncall-bot',
    });
    const { result } = await rollback();
    expect(result.skipReason).toBe('paused');
  });

  test('"Pause for" counts from when the label was added; an ended pause, or one without an end, does not hold', async () => {
    const repo = gh.state.repo();
    const old = repo.addIssue({
      title: 'long ago',
      body: 'Pause for: 4h',
      labels: ['ripcord:env:production'],
      user: 'maya',
      created_at: new Date(NOW - 10 * 24 * 3_600_000),
    });
    // Labelled an hour ago: paused for three more hours, though the issue is ten days old.
    old.labels.push(repo.addLabel(PAUSE_LABEL).name);
    repo.recordLabelEvent(
      old,
      'labeled',
      PAUSE_LABEL,
      'maya',
      new Date(NOW - 3_600_000).toISOString(),
    );
    const first = await rollback();
    expect(first.result.pause?.ignored).toEqual([]);
    expect(first.result.skipReason).toBe('paused');
    expect(first.result.pause?.active?.until).toBe(new Date(NOW + 3 * 3_600_000).toISOString());

    old.state = 'closed';
    repo.addIssue({
      title: 'forgotten',
      body: 'maintenance, no end given',
      labels: LABELS,
      user: 'maya',
    });
    const second = await rollback();
    expect(second.result.result).toBe('rolled-back');
    expect(second.io.summaries.join('\n').replace(/\\/g, '')).toMatch(
      /states no end; add a line "Pause until:/,
    );
  });

  test('a rollback run by hand is never paused, and its summary still shows the pause', async () => {
    gh.state.repo().addIssue({
      title: 'window',
      body: `Pause until: ${inTwoHours}`,
      labels: LABELS,
      user: 'maya',
    });
    const { io, result } = await rollback('workflow_dispatch', 'maya');
    expect(result.result).toBe('rolled-back');
    expect(io.summaries.join('\n')).toMatch(/Automatic rollbacks are paused\*\* until/);
  });

  test('the pause costs no round trip of its own before the first step', async () => {
    gh.state.repo().addIssue({
      title: 'forgotten',
      body: 'no end',
      labels: LABELS,
      user: 'maya',
    });
    // Long enough that a busy machine's CPU delays cannot blur which calls overlap.
    gh.faults.inject({ match: () => true, kind: 'latency', ms: 150, times: 1_000 });
    const { result } = await rollback();
    expect(result.result).toBe('rolled-back');
    const firstStepSave = gh.calls.log.find((c) => c.operationId === 'issues/update');
    if (!firstStepSave) throw new Error('no issue update');
    // The pause's events and permission reads overlap the lock: still at most 8 before the step.
    expect(gh.calls.count('issues/list-events')).toBe(1);
    expect(gh.calls.sequentialDepth(firstStepSave.endedAt)).toBeLessThanOrEqual(8);
  });

  test('end: relative to the label, absolute without a zone as UTC, too long, ended', () => {
    const labelled = Date.UTC(2026, 11, 1, 0, 0);
    expect(pauseExpiry('Pause for: 4h', labelled, labelled + 60_000)).toEqual({
      until: labelled + 4 * 3_600_000,
    });
    expect(pauseExpiry('Pause until: 2026-12-01T06:00', labelled, labelled)).toEqual({
      until: Date.UTC(2026, 11, 1, 6, 0),
    });
    expect(pauseExpiry('Pause for: 30d', labelled, labelled)).toMatchObject({
      why: expect.stringMatching(/longer than/),
    });
    expect(pauseExpiry('Pause for: 1h', labelled, labelled + 2 * 3_600_000)).toMatchObject({
      why: expect.stringMatching(/^expired at 2026-12-01T01:00/),
    });
  });
});

test('the evaluation of a paused environment says so at the top of its summary', async () => {
  const { run: evaluate } = await import('../../src/actions/evaluate-triggers/run.ts');
  writeFileSync(
    policy,
    [
      'version: 1',
      'sources:',
      `  recorded: {type: file, path: ${join(import.meta.dirname, '../../examples/demo/incident.om')}}`,
      'environments:',
      '  production:',
      '    triggers:',
      "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%, for: 15m}",
      '',
    ].join('\n'),
  );
  gh.state.repo().addIssue({
    title: 'DB migration window',
    body: 'Pause until: 2026-11-24T12:00Z',
    labels: LABELS,
    user: 'maya',
    created_at: '2026-11-24T09:00:00Z',
  });
  // No `at`: the evaluation is of the present (the clock passed in), which the pause covers.
  const io = recorder({ policy, environment: 'production', token: 'ghs_token' });
  const d = await evaluate(io, {
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url },
    now: () => Date.parse('2026-11-24T10:20:00Z'),
    sleep: async () => {},
  });
  expect(d.decision).toBe('rollback');
  expect(io.summaries[0]).toMatch(
    /^> ⏸️ \*\*Automatic rollbacks are paused\*\* until 2026-11-24 12:00 UTC by maya/,
  );
  // After its end, the same issue shows nothing.
  const later = recorder({ policy, environment: 'production', token: 'ghs_token' });
  await evaluate(later, {
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url },
    now: () => Date.parse('2026-11-24T12:20:00Z'),
    sleep: async () => {},
  });
  expect(later.summaries[0]).not.toMatch(/paused\*\* until/);
  expect(later.summaries[0]?.replace(/\\/g, '')).toMatch(
    /A pause label was ignored: #1 expired at 2026-11-24T12:00/,
  );
  expect(gh.violations).toEqual([]);
});

test('`ripcord pause` opens the pause issue as the person, and the next automatic rollback is paused', async () => {
  const { main } = await import('../../src/cli/cli.ts');
  // The stand-in answers as the token's owner: here maya's own token, as on a terminal.
  const own = await startGitHubStandIn({ actor: 'maya' });
  try {
    const repo = own.state.repo();
    repo.setPermission('maya', 'admin', 'maintain');
    for (const [ref, sha] of [
      ['v1.1.0', 'a'],
      ['v1.2.0', 'c'],
    ] as const)
      repo.addDeployment({
        ref,
        sha: sha.repeat(40),
        environment: 'production',
        statuses: [{ state: 'success' }],
      });
    const out: string[] = [];
    const err: string[] = [];
    const env = { GITHUB_TOKEN: 'ghp_maya', GITHUB_API_URL: own.url, GITHUB_ACTOR: 'maya' };
    const cli = (argv: string[]) =>
      main(argv, {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        env,
        now: () => NOW,
      });
    const args = ['pause', '--environment', 'production', '--repo', 'acme/shop'];
    expect(await cli([...args, '--for', '30d', '--reason', 'x'])).toBe(1);
    expect(err.join('\n')).toMatch(/--for "30d": give how long to pause, up to 7d/);
    expect(await cli([...args, '--for', '2h', '--reason', 'DB migration CHG-1234'])).toBe(0);
    const until = new Date(NOW + 2 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(out.join('\n')).toContain(`Paused automatic rollbacks of production until ${until}`);
    const issue = repo.issues[0];
    expect(issue?.labels).toEqual([PAUSE_LABEL, 'ripcord:env:production']);
    expect(issue?.user).toBe('maya');

    const io = recorder({ policy, environment: 'production', token: 'ghs_token', decision });
    const result = await run(io, {
      env: {
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_API_URL: own.url,
        GITHUB_RUN_ID: '601',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_EVENT_NAME: 'deployment_status',
        PATH: process.env.PATH ?? '',
      },
      now: () => NOW + 3_600_000,
      sleep: async () => {},
    });
    expect(result.skipReason).toBe('paused');
    expect(result.message).toMatch(
      new RegExp(`paused until ${until.replace('Z', '.000Z')} by maya \\(#1: Pause automatic`),
    );
  } finally {
    await own.close();
  }
});

describe('the pause in every summary', () => {
  const pauseIssue = () =>
    gh.state.repo().addIssue({
      title: 'DB migration window',
      body: `Pause until: ${inTwoHours}`,
      labels: LABELS,
      user: 'maya',
    });
  const until = inTwoHours.slice(0, 16).replace('T', ' ');

  test('a dry run of a paused environment shows the pause and says the run would do nothing', async () => {
    pauseIssue();
    const { io, result, ran } = await rollback('deployment_status', 'maya', { 'dry-run': 'true' });
    expect(result.result).toBe('dry-run');
    expect(ran).toEqual([]);
    const summary = io.summaries.join('\n').replace(/\\/g, '');
    expect(summary).toMatch(/^## 🧪 Dry run: production/);
    expect(summary).toContain(`Automatic rollbacks are paused** until ${until} UTC by maya`);
    expect(summary).toMatch(
      /paused until .* by maya \(#1: DB migration window\): this run would do nothing\. Without the pause: Dry run: would roll back production from v1\.2\.0/,
    );
    // Without a pause the dry run reads the same as before: no pause line at all.
    const closed = gh.state.repo().issues[0];
    if (closed) closed.state = 'closed';
    const plain = await rollback('deployment_status', 'maya', { 'dry-run': 'true' });
    expect(plain.io.summaries.join('\n')).not.toMatch(/pause/i);
    expect(gh.violations).toEqual([]);
  });

  async function verifyRun(mode = 'after-deploy') {
    const { run: verify } = await import('../../src/actions/verify/run.ts');
    let clock = NOW;
    const io = recorder({
      policy,
      environment: 'production',
      token: 'ghs_token',
      mode,
      checks: '- {type: smoke, name: smoke, command: "true"}',
      stabilization: '0s',
      interval: '10s',
      duration: '20s',
      successes: '1',
    });
    const result = await verify(io, {
      env: {
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_API_URL: gh.url,
        GITHUB_RUN_ID: '701',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_EVENT_NAME: 'deployment_status',
        PATH: process.env.PATH ?? '',
      },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      retryAfterBaseValue: 1,
    });
    return { io, result };
  }

  test('the verify summary shows the pause at its top', async () => {
    pauseIssue();
    const { io } = await verifyRun();
    expect(io.outputs.result).toBe('passed');
    expect(io.summaries[0]).toMatch(
      new RegExp(`^> ⏸️ \\*\\*Automatic rollbacks are paused\\*\\* until ${until} UTC by maya`),
    );
    expect(gh.violations).toEqual([]);
  });

  test('verify after a rollback by hand during the pause shows it, from the incident list it reads anyway', async () => {
    pauseIssue();
    const manual = await rollback('workflow_dispatch', 'maya');
    expect(manual.result.result).toBe('rolled-back');
    const lists = gh.calls.count('issues/list-for-repo');
    const { io } = await verifyRun('after-rollback');
    expect(io.outputs.result).toBe('passed');
    expect(io.outputs.incident).toBe('2');
    expect(io.summaries[0]).toContain(
      `Automatic rollbacks are paused** until ${until} UTC by maya`,
    );
    // One list of the environment's issues gave both the incident and the pause.
    expect(gh.calls.count('issues/list-for-repo') - lists).toBe(1);
  });

  test('a pause that cannot be read does not fail verify: the summary says so and why', async () => {
    pauseIssue();
    // The labeller is read from the issue's events; a token without issues: read is refused.
    gh.faults.inject({
      match: 'issues/list-events',
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const { io } = await verifyRun();
    expect(io.failed).toEqual([]);
    expect(io.outputs.result).toBe('passed');
    expect(io.summaries[0]).toMatch(
      /^> ⚠️ \*\*The pause switch could not be read\*\* \(Resource not accessible by integration/,
    );
  });
});
