/**
 * The on-call tools of the CLI (issue 15): status, unlock and plan against the GitHub stand-in,
 * --help/--version, relative --at, pending and "since before", and a network failure shown as
 * one line. Each asserts what a person reads on stdout/stderr and what lands on GitHub.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.ts';
import { renderIncidentBody } from '../../src/incident/state.ts';
import { initialRecoveryState } from '../../src/recovery/machine.ts';
import { createGitHubClient } from '../../src/github/client.ts';
import { environmentLabel, INCIDENT_LABEL, PAUSE_LABEL } from '../../src/incident/store.ts';
import { createEnvironmentLock } from '../../src/incident/lock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { fullState } from '../fixtures/reports/incident-fixtures.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const silent: Logger = { debug: () => {}, info: () => {}, warning: () => {}, error: () => {} };
let gh: GitHubStandIn | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

async function cli(argv: string[], env: Record<string, string> = {}, now = NOW) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    now: () => now,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function seeded() {
  gh = await startGitHubStandIn();
  const state = fullState({ status: 'rolled-back', openedAt: '2026-11-24T10:30:00.000Z' });
  const issue = gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'seeded'),
    labels: [INCIDENT_LABEL, environmentLabel(state.environment)],
  });
  // A look-alike: same labels, opened by someone who is not Ripcord.
  gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody({ ...state, status: 'recovered' }, 'planted'),
    labels: [INCIDENT_LABEL, environmentLabel(state.environment)],
    user: 'mallory',
  });
  const env = { GITHUB_TOKEN: 'ghs_cli', GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/shop' };
  return { state, issue, env, standIn: gh };
}

async function takeLock(url: string, leaseMs: number, at = NOW) {
  const { octokit } = createGitHubClient({ token: 't', baseUrl: url, logger: silent });
  const result = await createEnvironmentLock(
    octokit,
    { owner: 'acme', repo: 'shop' },
    'production',
    {
      holder: 'run 4242 attempt 1',
      runUrl: 'https://github.com/acme/shop/actions/runs/4242',
      leaseMs,
      waitMs: 0,
      now: () => at,
      sleep: async () => {},
      logger: silent,
    },
  ).acquire();
  expect(result.acquired).toBe(true);
}

describe('help, version and commands', () => {
  test('--help works on every command and the unknown-command message lists them all', async () => {
    for (const command of [
      'init',
      'validate',
      'evaluate',
      'status',
      'unlock',
      'pause',
      'plan',
      'demo',
      'close',
    ]) {
      const r = await cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`^Usage: ripcord ${command}`));
    }
    const v = await cli(['--version']);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      name: string;
      version: string;
    };
    expect(v.stdout).toBe(`${pkg.name} ${pkg.version}`);
    const u = await cli(['stauts']);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain('did you mean status?');
    expect(u.stderr).toContain(
      'the commands are init, validate, evaluate, status, unlock, pause, plan, demo, close',
    );
  });
});

describe('ripcord status', () => {
  test('shows the open incident, who holds the lock and until when, and the last decision', async () => {
    const { issue, env, state } = await seeded();
    await takeLock(env.GITHUB_API_URL, 10 * 60_000);
    const r = await cli(['status', '--policy', 'examples/demo/policy.yml'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const row = lines.find((l) => l.includes(`#${issue.number}`) && l.includes('rolled-back'));
    expect(row).toBeDefined();
    expect(row).toContain(state.environment);
    expect(row).toContain('1h 30m');
    expect(r.stdout).toMatch(/production\s+run 4242 attempt 1\s+12:10 UTC\s+live/);
    expect(r.stdout).toContain('last decision: ');
    expect(r.stdout).toMatch(
      /ignored 1 issue labelled ripcord:incident not opened by github-actions\[bot\]: #\d+ \(opened by mallory\)/,
    );
    // Piped output has no colour codes; columns line up (the header and the row start their
    // STATUS column at the same offset).
    expect(r.stdout).not.toContain('\u001b[');
    const header = lines.find((l) => l.includes('ENVIRONMENT') && l.includes('STATUS')) ?? '';
    expect(row?.indexOf('rolled-back')).toBe(header.indexOf('STATUS'));

    const json = JSON.parse(
      (await cli(['status', '--json', '--environment', 'production'], env)).stdout,
    );
    expect(json.incidents).toHaveLength(1);
    expect(json.incidents[0]).toMatchObject({
      number: issue.number,
      status: 'rolled-back',
      ageSeconds: 5400,
    });
    expect(json.locks[0]).toMatchObject({
      environment: 'production',
      holder: 'run 4242 attempt 1',
      expiresAt: '2026-11-24T12:10:00.000Z',
      expired: false,
      byRipcord: true,
    });
  });

  test('a recovery in progress: its stage and when the next tick can move it', async () => {
    gh = await startGitHubStandIn();
    const recovery = {
      ...initialRecoveryState(NOW - 10 * 60_000),
      status: 'running' as const,
      stage: 0,
      percent: 5,
      stageStartedAt: new Date(NOW - 10 * 60_000).toISOString(),
    };
    const state = fullState({ status: 'recovering', recovery });
    gh.state.repo().addIssue({
      title: 'Rollback of production',
      body: renderIncidentBody(state, 'seeded'),
      labels: [INCIDENT_LABEL, environmentLabel(state.environment)],
    });
    const env = { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/shop' };
    const r = await cli(['status', '--policy', 'examples/demo/policy.yml'], env);
    expect(r.code, r.stderr).toBe(0);
    // The demo policy keeps the default stages: 5% for 30m first.
    expect(r.stdout).toMatch(
      /recovering\s+.*stage 1 of 4 \(5%\), attempt 1 dwells until 2026-11-24 12:20 UTC/,
    );
    expect(r.stdout).toContain('next recovery tick: 12:20 UTC (in 20m)');
    expect(r.stdout).toContain('No locks held.');
  });

  test('colour on a terminal, none with NO_COLOR', async () => {
    const { env } = await seeded();
    const run = async (extra: Record<string, string>) => {
      const out: string[] = [];
      await main(['status'], {
        stdout: (t) => out.push(t),
        stderr: () => {},
        env: { ...env, ...extra },
        now: () => NOW,
        isTTY: true,
      });
      return out.join('\n');
    };
    expect(await run({})).toContain('\u001b[');
    expect(await run({ NO_COLOR: '1' })).not.toContain('\u001b[');
  });
});

describe('pauses: ripcord status lists them, ripcord pause --end ends one', () => {
  test('status shows who paused and until when (human and --json) and an ignored label; --end records who ended it and closes it', async () => {
    // maya's own token, as on a terminal: GitHub records her as the commenter.
    gh = await startGitHubStandIn({ actor: 'maya' });
    const repo = gh.state.repo();
    repo.setPermission('maya', 'admin', 'maintain');
    repo.setPermission('tina', 'read', 'triage');
    const paused = repo.addIssue({
      title: 'DB migration CHG-1234',
      body: 'Pause until: 2026-11-24T14:00Z',
      labels: [PAUSE_LABEL, environmentLabel('production')],
      user: 'maya',
      created_at: '2026-11-24T11:30:00Z',
    });
    const ignored = repo.addIssue({
      title: 'stop it',
      body: 'Pause for: 1h',
      labels: [PAUSE_LABEL, environmentLabel('staging')],
      user: 'tina',
      created_at: '2026-11-24T11:50:00Z',
    });
    const env = {
      GITHUB_TOKEN: 'ghp_maya',
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_ACTOR: 'maya',
    };
    const r = await cli(['status', '--policy', 'examples/demo/policy.yml'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Paused (automatic rollbacks off)');
    expect(r.stdout).toMatch(
      new RegExp(
        `production\\s+14:00 UTC \\(in 2h 0m\\)\\s+maya\\s+#${paused.number}\\s+DB migration CHG-1234`,
      ),
    );
    expect(r.stdout).toContain('to end it now, ripcord pause --environment production --end');
    expect(r.stdout).toMatch(
      new RegExp(
        `warning: staging: pause label ignored: #${ignored.number} was labelled by tina, who may not pause rollbacks`,
      ),
    );
    const json = JSON.parse((await cli(['status', '--json'], env)).stdout);
    expect(json.pauses).toEqual([
      {
        environment: 'production',
        issue: paused.number,
        url: expect.stringContaining(`/issues/${paused.number}`),
        by: 'maya',
        until: '2026-11-24T14:00:00.000Z',
        reason: 'DB migration CHG-1234',
      },
    ]);
    expect(json.ignoredPauses).toMatchObject([{ environment: 'staging', issue: ignored.number }]);
    expect(json.pauseProblem).toBeNull();

    const end = await cli(
      ['pause', '--environment', 'production', '--end', '--reason', 'migration done early'],
      env,
    );
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toMatch(
      new RegExp(
        `Ended the pause of production \\(#${paused.number} .*\\), recorded on the issue as ended by maya\\. Automatic rollbacks of production resume\\.`,
      ),
    );
    const after = repo.findIssue(paused.number);
    expect(after?.state).toBe('closed');
    expect(after?.state_reason).toBe('completed');
    expect(after?.comments.at(-1)).toMatchObject({
      user: 'maya',
      body: expect.stringMatching(
        /^Pause ended early by maya at 2026-11-24T12:00:00Z with `ripcord pause --end`: migration done early\. Automatic rollbacks of production resume\.$/,
      ),
    });
    // The other environment's pause issue is left alone.
    expect(repo.findIssue(ignored.number)?.state).toBe('open');
    const again = await cli(['status', '--environment', 'production'], env);
    expect(again.stdout).toContain('No environment is paused.');
    const none = await cli(['pause', '--environment', 'production', '--end'], env);
    expect(none.stdout).toBe(
      'No pause of production is open: automatic rollbacks of production are on.',
    );
    expect(gh.violations).toEqual([]);
  });

  test('status still answers when the pauses cannot be read, and says why', async () => {
    const { env, standIn } = await seeded();
    standIn.state.repo().addIssue({
      title: 'window',
      body: 'Pause for: 2h',
      labels: [PAUSE_LABEL, environmentLabel('production')],
    });
    standIn.faults.inject({
      match: 'issues/list-events',
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const r = await cli(['status', '--policy', 'examples/demo/policy.yml'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Open incidents');
    expect(r.stdout).toMatch(
      /warning: could not read the pauses \(issues labelled ripcord:pause\): Resource not accessible by integration/,
    );
  });
});

describe('ripcord unlock', () => {
  test('refuses a live lease, removes it with --force and records who and why on the incident', async () => {
    const { issue, env, standIn } = await seeded();
    await takeLock(env.GITHUB_API_URL, 10 * 60_000);
    const who = { ...env, GITHUB_ACTOR: 'alice' };
    const refused = await cli(
      ['unlock', '--environment', 'production', '--reason', 'run cancelled'],
      who,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /held by run 4242 attempt 1 \(https:\/\/github.com\/acme\/shop\/actions\/runs\/4242\) until 12:10 UTC \(10m from now\).*--force/,
    );
    expect(standIn.state.repo().refs.has('refs/ripcord/locks/production')).toBe(true);

    const forced = await cli(
      ['unlock', '--environment', 'production', '--reason', 'run cancelled', '--force'],
      who,
    );
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`Removed the lock on production`);
    expect(forced.stdout).toContain(`incident #${issue.number}`);
    expect(standIn.state.repo().refs.has('refs/ripcord/locks/production')).toBe(false);
    const comment = standIn.state.repo().findIssue(issue.number)?.comments.at(-1)?.body ?? '';
    expect(comment).toContain('@alice');
    expect(comment).toContain('run cancelled');
    expect(comment).toContain('before its lease expired');
  });

  test('an expired lease goes without --force; no lock is a no-op; --reason is required', async () => {
    const { env, standIn } = await seeded();
    await takeLock(env.GITHUB_API_URL, 60_000, NOW - 3_600_000);
    const r = await cli(['unlock', '--environment', 'production', '--reason', 'runner died'], env);
    expect(r.code).toBe(0);
    expect(standIn.state.repo().refs.has('refs/ripcord/locks/production')).toBe(false);
    const again = await cli(['unlock', '--environment', 'production', '--reason', 'x'], env);
    expect(again.stdout).toBe('production is not locked; nothing to do.');
    const noReason = await cli(['unlock', '--environment', 'production'], env);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('--reason is required');
  });
});

describe('ripcord plan', () => {
  test('shows the ladder with commands and dispatch inputs resolved, and runs nothing', async () => {
    const r = await cli(
      [
        'plan',
        '--environment',
        'production',
        '--policy',
        'examples/django-celery-postgres/policy.yml',
        '--target',
        'v1.2.3',
      ],
      { FLAGS_TOKEN: 'sekret-flags-token' },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nothing was executed.');
    // The example ladder is the runbook's (#13): flag, config, code, full; the redeploy is rung 3.
    expect(r.stdout).toContain('starting with feature-flag, then config, redeploy, full');
    expect(r.stdout).toMatch(/3\. Redeploy the known-good version \(deploy\.yml\)/);
    expect(r.stdout).toContain('ref=v1.2.3');
    expect(r.stdout).toContain(
      '$ kubectl -n shop exec deploy/shop-web -- python manage.py maintenance_mode on',
    );
    expect(r.stdout).toContain('RIPCORD_TARGET_REF=v1.2.3');
    expect(r.stdout).not.toContain('sekret-flags-token');
    const json = JSON.parse(
      (
        await cli([
          'plan',
          '--environment',
          'production',
          '--policy',
          'examples/django-celery-postgres/policy.yml',
          '--strategy',
          'full',
          '--json',
        ])
      ).stdout,
    );
    expect(json.executed).toBe(false);
    expect(json.ladder.map((r: { strategy: string }) => r.strategy)).toEqual(['full']);
    expect(json.ladder[0].steps.map((s: { id: string }) => s.id)).toEqual([
      'full:maintenance-on',
      'full:redeploy',
      'full:restore-data',
      'full:maintenance-off',
    ]);
  });

  test('http steps show the URL and body with secret values as ***', async () => {
    const r = await cli(
      [
        'plan',
        '--environment',
        'production',
        '--policy',
        'examples/chat-assistant-flag/policy.yml',
        '--target',
        'v9',
        '--json',
      ],
      { UNLEASH_ADMIN_TOKEN: 'tok-123456', UNLEASH_URL: 'https://flags.example' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('tok-123456');
  });
});

describe('evaluate: times and states', () => {
  const base = [
    'evaluate',
    '--policy',
    'examples/demo/policy.yml',
    '--environment',
    'production',
    '--source-file',
    'examples/demo/incident.om',
    '--baseline',
    '2026-11-24T10:00:00Z',
  ];

  test('--at -110m is relative to now, prints the time used; a zone-less time is UTC; the future is refused', async () => {
    const rel = await cli([...base, '--at', '-110m']);
    expect(rel.code, rel.stderr).toBe(0);
    expect(rel.stdout.split('\n')[0]).toBe('Evaluated production at 2026-11-24T10:10:00.000Z');
    const zoneless = await cli([...base, '--at', '2026-11-24 10:10']);
    expect(zoneless.stdout.split('\n')[0]).toBe('Evaluated production at 2026-11-24T10:10:00.000Z');
    // Against live sources (no --source-file) there is no data after now.
    const live = [
      'evaluate',
      '--policy',
      'examples/demo/policy.yml',
      '--environment',
      'production',
    ];
    const future = await cli([...live, '--at', '2026-11-24T13:00:00Z']);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/--at: 2026-11-24T13:00:00.000Z is in the future/);
  });

  test('a recording: a time after its end (even a future one) is an error giving its range, not "in the future"', async () => {
    const after = await cli([...base, '--at', '2026-11-24T11:30:00Z']);
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(
      `ripcord: --at: 2026-11-24 11:30 UTC is after the end of the recording examples/demo/incident.om, which covers 2026-11-24 09:00 UTC to 2026-11-24 10:40 UTC; give a time within it, such as --at 2026-11-24T10:40:00.000Z\n`.trimEnd(),
    );
    const future = await cli([...base, '--at', '2027-01-01T00:00:00Z']);
    expect(future.stderr).toMatch(/is after the end of the recording .*incident\.om, which covers/);
    expect(future.stderr).not.toMatch(/in the future/);
    const before = await cli([...base, '--at', '2026-11-24T08:00:00Z']);
    expect(before.stderr).toMatch(/is before the start of the recording/);
    // Inside the range it evaluates, as before.
    const inside = await cli([...base, '--at', '2026-11-24T10:40:00Z']);
    expect(inside.code, inside.stderr).toBe(0);
  });

  test('over the threshold but not yet for its `for` is pending, not ok', async () => {
    const r = await cli([...base, '--at', '2026-11-24T10:10:00Z', '--json']);
    const json = JSON.parse(r.stdout);
    const errorRate = json.triggers.find((t: { name: string }) => t.name === 'error-rate');
    expect(errorRate).toMatchObject({
      status: 'ok',
      state: 'pending',
      since: '2026-11-24T10:05:00.000Z',
    });
    const human = await cli([...base, '--at', '2026-11-24T10:10:00Z']);
    expect(human.stdout).toMatch(/^pending\s+error-rate\s+7\.37%/m);
  });
});

describe('evaluate --watch', () => {
  test('prints a line per poll with the time, each trigger value and state, and the time left', async () => {
    let now = Date.parse('2026-11-24T10:08:00Z');
    const out: string[] = [];
    const code = await main(
      [
        'evaluate',
        '--policy',
        'examples/demo/policy.yml',
        '--environment',
        'production',
        '--source-file',
        'examples/demo/incident.om',
        '--baseline',
        '2026-11-24T10:00:00Z',
        '--watch',
        '15m',
        '--interval',
        '5m',
      ],
      {
        stdout: (t) => out.push(t),
        stderr: () => {},
        env: {},
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      },
    );
    expect(code).toBe(0);
    const polls = out.filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l));
    // Polls at 0, 5, 10 and 15 minutes; by the last, error-rate has held over 5% for its 15m.
    expect(polls).toHaveLength(4);
    expect(polls[0]).toMatch(/^10:08:00 {2}warn {2}error-rate 7\.69% pending \| .* \(15m left\)$/);
    expect(polls[1]).toMatch(/^10:13:00 .*\(10m left\)$/);
    expect(polls[2]).toMatch(/^10:18:00 .*\(5m left\)$/);
    expect(polls[3]).toMatch(
      /^10:23:00 {2}rollback {2}error-rate [\d.]+% breached \| .*\(0s left\)$/,
    );
    expect(out[0]).toBe('Watching production for 15m, every 5m (times in UTC)');
  });
});

describe('failures to reach GitHub', () => {
  test('close against an unreachable API is one line saying what to check', async () => {
    const standIn = await startGitHubStandIn();
    const url = standIn.url;
    await standIn.close();
    const r = await cli(['close', '--incident', '7', '--repo', 'acme/shop'], {
      GITHUB_TOKEN: 't',
      GITHUB_API_URL: url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^ripcord: cannot reach ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ECONNREFUSED\\); check your network`,
      ),
    );
    expect(r.stderr).not.toContain('internal error');
  });
});
