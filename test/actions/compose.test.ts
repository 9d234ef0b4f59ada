/**
 * The composition root (src/actions/compose.ts): services are built on first use and kept,
 * building them asks nothing of GitHub (the rollback's round trips are its use case's alone),
 * a service asked for again with other options is a wiring mistake that says so, and secrets
 * are masked as the services holding them are built.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { compose } from '../../src/actions/compose.ts';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

let gh: GitHubStandIn;
let policy: string;

beforeEach(async () => {
  gh = await startGitHubStandIn();
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-compose-'));
  policy = join(dir, 'ripcord.yml');
  writeFileSync(
    policy,
    [
      'version: 1',
      'sources:',
      '  prom: {type: prometheus, url: "https://prom.example/${PROM_PATH}"}',
      'flags:',
      '  flagd: {type: unleash, url: "https://unleash.example/api", token: "${FLAG_TOKEN}"}',
      'environments:',
      '  production:',
      '    rollback:',
      '      strategies:',
      '        config: {command: "true"}',
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  await gh.close();
});

const env = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_RUN_ID: '42',
  GITHUB_ACTOR: 'octocat',
  PROM_PATH: 'pr0mS3cret',
  FLAG_TOKEN: 'fl4gS3cret',
};

function root(inputs: Record<string, string> = {}) {
  const io = recorder({ policy, token: 'ghs_token', ...inputs });
  const deps = {
    env: { ...env, GITHUB_API_URL: gh.url },
    now: () => Date.UTC(2026, 11, 1),
    sleep: async () => {},
  };
  return {
    io,
    root: compose(io, deps, { action: 'test', tokenNeeds: 'issues: write', policyInput: policy }),
  };
}

test('building every service asks nothing of GitHub; each is built once and kept', async () => {
  const { root: r } = root();
  const services = await r.load();
  expect(await r.load()).toBe(services);
  const github = await services.github({ rateLimitWaitMs: 1000 });
  expect(await services.github({ rateLimitWaitMs: 1000 })).toBe(github);
  expect(github.incidents()).toBe(github.incidents());
  expect(github.deployments()).toBe(github.deployments());
  expect(github.history()).toBe(github.history());
  expect(github.approvals()).toBe(github.approvals());
  expect(github.notifyDeps().incidents).toBe(github.incidents());
  github.lock('production', { leaseMs: 60_000, waitMs: 0 });
  github.actorAccess(services.environment('production').rollback.authority);
  expect(services.sources()).toBe(services.sources());
  expect(services.flags(['flagd'])).toBe(services.flags(['flagd']));
  expect(gh.calls.total).toBe(0);

  // A service, once asked for, really talks to the stand-in with the run's token and repository.
  expect(await github.commitExists('f'.repeat(40))).toBe(false);
  expect(gh.calls.total).toBe(1);
  expect(github.client().totalRequests()).toBe(1);
});

test('a service asked for again with other options is a wiring mistake, not the first build', async () => {
  const services = await root().root.load();
  await services.github({ rateLimitWaitMs: 1000 });
  expect(() => services.github({ rateLimitWaitMs: 5000 })).toThrow(
    /github\(\) was built with \{"rateLimitWaitMs":1000\}/,
  );
  services.flags(['flagd']);
  expect(() => services.flags([])).toThrow(/flags\(\) was built with/);
});

test('secrets are masked as the service holding them is built, not before', async () => {
  const { io, root: r } = root();
  const services = await r.load();
  expect(io.secrets).not.toContain('pr0mS3cret');
  services.sources();
  expect(io.secrets).toContain('pr0mS3cret');
  expect(io.secrets).not.toContain('fl4gS3cret');
  services.flags(['flagd']);
  expect(io.secrets).toContain('fl4gS3cret');
});

test('the run context says what is missing; the GitHub half is optional where it is an extra', async () => {
  const io = recorder({ policy });
  const r = compose(
    io,
    { env: { GITHUB_REPOSITORY: 'acme/shop' }, now: () => 0, sleep: async () => {} },
    { action: 'notify', tokenNeeds: 'issues: write', policyInput: policy },
  );
  expect(() => r.context()).toThrow(ConfigurationError);
  expect(() => r.context()).toThrow(/input token is empty; .* a token with issues: write/);
  const services = await r.load();
  expect(await services.githubIfAvailable()).toBeNull();
  await expect(services.github()).rejects.toThrow(/input token is empty/);
});

test('every notification carries the run, the deployments page and the actor', () => {
  const { root: r } = root();
  expect(r.runValues()).toEqual({
    run_url: 'https://github.com/acme/shop/actions/runs/42',
    deployment_url: 'https://github.com/acme/shop/deployments',
    actor: 'octocat',
  });
});
