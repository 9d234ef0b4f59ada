/**
 * `ripcord init` and `ripcord validate --github` from source: what init writes for each answer,
 * that it asks when it may and never overwrites, and that validate --github finds missing
 * environments and missing reviewers through the GitHub stand-in.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { main, type CliIO } from '../../src/cli/cli.ts';
import { STRATEGY_SETUPS, WORKFLOW_PATHS } from '../../src/cli/commands/init.ts';
import { POLICY_SCHEMA_MODELINE } from '../../src/shared/published.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

function io(extra: Partial<CliIO> = {}) {
  const out = { stdout: '', stderr: '' };
  const value: CliIO = {
    stdout: (t) => (out.stdout += `${t}\n`),
    stderr: (t) => (out.stderr += `${t}\n`),
    env: {},
    now: () => Date.parse('2026-12-01T14:20:00Z'),
    ...extra,
  };
  return { io: value, out };
}

const fresh = () => mkdtempSync(join(tmpdir(), 'ripcord-init-'));

describe('ripcord init', () => {
  test.each(Object.keys(STRATEGY_SETUPS))(
    '--strategy %s writes a valid policy and three workflows',
    async (strategy) => {
      const dir = fresh();
      const { io: cli, out } = io();
      expect(await main(['init', '--yes', '--dir', dir, '--strategy', strategy], cli)).toBe(0);
      const policy = readFileSync(join(dir, '.github/ripcord.yml'), 'utf8');
      expect(policy.split('\n')[0]).toBe(POLICY_SCHEMA_MODELINE);
      expect(policy).toContain(
        `examples/${STRATEGY_SETUPS[strategy as keyof typeof STRATEGY_SETUPS]}`,
      );
      for (const path of Object.values(WORKFLOW_PATHS))
        expect(existsSync(join(dir, path))).toBe(true);
      const check = io();
      expect(
        await main(['validate', '--policy', join(dir, '.github/ripcord.yml')], check.io),
        check.out.stderr,
      ).toBe(0);
      // The next three steps name the environments, the secrets, validate and push.
      expect(out.stdout).toContain('production-rollback');
      expect(out.stdout).toContain('rollback-approval');
      expect(out.stdout).toMatch(/secrets: .*PROM_TOKEN/);
      expect(out.stdout).toContain('npx ripcord-rollback validate');
      expect(out.stdout).toContain('git push');
    },
  );

  test('answers shape the policy: environments, datadog, the channel, and the workflows follow', async () => {
    const dir = fresh();
    const { io: cli, out } = io();
    const code = await main(
      [
        'init',
        '--yes',
        '--dir',
        dir,
        '--environments',
        'prod-eu,staging',
        '--source',
        'datadog',
        '--notify',
        'teams',
      ],
      cli,
    );
    expect(code, out.stderr).toBe(0);
    const policy = parse(readFileSync(join(dir, '.github/ripcord.yml'), 'utf8')) as {
      sources: Record<string, { type: string }>;
      environments: Record<string, { triggers: { source: string }[] }>;
      notify: { channels: Record<string, { type: string; url?: string }> };
    };
    expect(Object.keys(policy.environments)).toEqual(['prod-eu', 'staging']);
    expect(policy.sources.datadog?.type).toBe('datadog');
    expect(policy.sources.prometheus).toBeUndefined();
    expect(policy.environments['prod-eu']?.triggers.every((t) => t.source === 'datadog')).toBe(
      true,
    );
    expect(policy.notify.channels.teams).toEqual({ type: 'teams', url: '${TEAMS_WEBHOOK_URL}' });
    const guard = readFileSync(join(dir, WORKFLOW_PATHS.guard), 'utf8');
    expect(guard).toContain('environment: prod-eu');
    expect(guard).toContain('DD_API_KEY: ${{ secrets.DD_API_KEY }}');
    expect(guard).toContain('TEAMS_WEBHOOK_URL: ${{ secrets.TEAMS_WEBHOOK_URL }}');
    expect(guard).not.toContain('PROM_TOKEN');
    const button = parse(readFileSync(join(dir, WORKFLOW_PATHS.rollback), 'utf8')) as {
      on: { workflow_dispatch: { inputs: { environment: { options: string[] } } } };
    };
    expect(button.on.workflow_dispatch.inputs.environment.options).toEqual(['prod-eu', 'staging']);
    expect(out.stdout).toContain('prod-eu-rollback');
    expect(out.stdout).toContain('staging-rollback');
    expect(out.stdout).toContain('rewrite them for Datadog');
  });

  test('asks for what the flags leave open, one answer a line; an empty answer takes the default', async () => {
    const dir = fresh();
    const { io: cli, out } = io({ stdin: Readable.from(['staging\n', '\n', 'helm\n', 'issue\n']) });
    expect(await main(['init', '--dir', dir], cli), out.stderr).toBe(0);
    expect(out.stderr).toContain('Metric source (prometheus, datadog) [prometheus]:');
    const policy = parse(readFileSync(join(dir, '.github/ripcord.yml'), 'utf8')) as {
      environments: Record<string, unknown>;
      notify: { channels: Record<string, unknown> };
    };
    expect(Object.keys(policy.environments)).toEqual(['staging']);
    expect(Object.keys(policy.notify.channels)).toEqual(['incident']);
    expect(readFileSync(join(dir, '.github/ripcord.yml'), 'utf8')).toContain(
      'examples/helm-kubernetes',
    );
  });

  test('refuses to overwrite: one existing file and nothing is written', async () => {
    const dir = fresh();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, WORKFLOW_PATHS.recovery), 'mine\n');
    const { io: cli, out } = io();
    expect(await main(['init', '--yes', '--dir', dir], cli)).toBe(1);
    expect(out.stderr).toContain('writes nothing over existing files');
    expect(out.stderr).toContain(WORKFLOW_PATHS.recovery);
    expect(existsSync(join(dir, '.github/ripcord.yml'))).toBe(false);
    expect(readFileSync(join(dir, WORKFLOW_PATHS.recovery), 'utf8')).toBe('mine\n');
  });

  test('a wrong answer is named with the choices and a guess', async () => {
    const { io: cli, out } = io();
    expect(await main(['init', '--yes', '--dir', fresh(), '--notify', 'slak'], cli)).toBe(1);
    expect(out.stderr).toContain('--notify: "slak" is not one of slack, teams, pagerduty');
    expect(out.stderr).toContain('did you mean slack?');
    const bad = io();
    expect(
      await main(['init', '--yes', '--dir', fresh(), '--environments', 'prod env'], bad.io),
    ).toBe(1);
    expect(bad.out.stderr).toContain('"prod env" is not a usable environment name');
  });
});

describe('ripcord validate --github', () => {
  let gh: GitHubStandIn | undefined;
  afterEach(async () => {
    await gh?.close();
    gh = undefined;
  });

  async function run(env: Record<string, string>, args: string[] = []) {
    const dir = fresh();
    await main(['init', '--yes', '--dir', dir], io().io);
    const { io: cli, out } = io({ env });
    const code = await main(
      ['validate', '--policy', join(dir, '.github/ripcord.yml'), '--github', ...args],
      cli,
    );
    return { code, stdout: out.stdout, stderr: out.stderr };
  }

  test('missing environments and missing reviewers fail, each named with the fix', async () => {
    gh = await startGitHubStandIn();
    const repo = gh.state.repo();
    repo.addEnvironment('production');
    repo.addEnvironment('production-rollback'); // no reviewers: the button would not wait
    const r = await run({ GITHUB_TOKEN: 'ghs_test', GITHUB_API_URL: gh.url }, [
      '--repo',
      'acme/shop',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ok   production: exists');
    expect(r.stderr).toMatch(/FAIL production-rollback: has no required reviewers/);
    expect(r.stderr).toMatch(
      /FAIL rollback-approval: missing; GitHub would create it on first use WITHOUT reviewers/,
    );
    // rollback-auto is meant to have no reviewers: GitHub creating it is fine.
    expect(r.stdout).toMatch(/ok {3}rollback-auto: missing; GitHub creates it without reviewers/);
    expect(r.stderr).toContain('2 GitHub Environments not set up as the workflows expect');
    expect(gh.calls.count('repos/get-environment')).toBe(4);
  });

  test('all set up: exit 0; reviewers on rollback-auto would stall automatic rollbacks', async () => {
    gh = await startGitHubStandIn();
    const repo = gh.state.repo();
    repo.addEnvironment('production');
    repo.addEnvironment('production-rollback', { reviewers: ['octo-lead'] });
    repo.addEnvironment('rollback-approval', { reviewers: ['octo-lead', 'oncall'] });
    repo.addEnvironment('rollback-auto');
    const env = {
      GITHUB_TOKEN: 'ghs_test',
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: 'acme/shop',
    };
    const ok = await run(env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('rollback-approval: exists, 2 required reviewers');
    repo.addEnvironment('rollback-auto', { reviewers: ['oncall'] });
    const stalled = await run(env);
    expect(stalled.code).toBe(1);
    expect(stalled.stderr).toMatch(/FAIL rollback-auto: has required reviewers/);
  });

  test('without a token or a repository it says which to give', async () => {
    const noToken = await run({ GITHUB_REPOSITORY: 'acme/shop' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('set GITHUB_TOKEN or pass --token');
    const noRepo = await run({ GITHUB_TOKEN: 'x' });
    expect(noRepo.code).toBe(1);
    expect(noRepo.stderr).toContain('--repo owner/name is required');
  });
});

test('the secrets a set-up needs include what its commands read, not the RIPCORD_* variables', async () => {
  const dir = fresh();
  const { io: cli, out } = io();
  expect(await main(['init', '--yes', '--dir', dir, '--strategy', 'redeploy'], cli)).toBe(0);
  expect(out.stdout).toMatch(
    /secrets: PROM_TOKEN, SLACK_WEBHOOK_URL, MAINTENANCE_TOKEN, MONGODB_URI\n/,
  );
  const button = readFileSync(join(dir, WORKFLOW_PATHS.rollback), 'utf8');
  expect(button).toContain('MONGODB_URI: ${{ secrets.MONGODB_URI }}');
  expect(button).not.toContain('RIPCORD_FROM_SHA');
});
