import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import type { RollbackPolicy } from '../../src/policy/schema-rollback.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { teamsOf } from '../../src/github/team-membership.ts';
import { assertMayRollBack } from '../../src/rollback/authority.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const OP = 'teams/get-membership-for-user-in-org';
let standIn: GitHubStandIn | undefined;

async function start(): Promise<{ gh: GitHubStandIn; octokit: GitHubClient }> {
  const gh = await startGitHubStandIn();
  standIn = gh;
  const octokit = getOctokit(
    't',
    {
      baseUrl: gh.url,
      throttle: { enabled: false },
      retry: { retries: 3, retryAfterBaseValue: 1 },
    },
    retry,
    throttling,
  );
  return { gh, octokit };
}

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('teamsOf', () => {
  it('finds an active member with one call', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'alice');
    await expect(teamsOf(octokit, 'acme', 'alice', ['sre'])).resolves.toEqual(['sre']);
    expect(gh.calls.count(OP)).toBe(1);
    expect(gh.calls.log[0]?.path).toBe('/orgs/acme/teams/sre/memberships/alice');
    expect(gh.violations).toEqual([]);
  });

  it('answers no teams for a non-member (404 from every team)', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'alice');
    await expect(teamsOf(octokit, 'acme', 'mallory', ['sre', 'oncall'])).resolves.toEqual([]);
    expect(gh.calls.count(OP)).toBe(2);
    // Then one look at the first team: visible, so the 404s meant "not a member".
    expect(gh.calls.log.map((c) => c.status)).toEqual([404, 404, 200]);
    expect(gh.calls.log.at(-1)?.path).toBe('/orgs/acme/teams/sre');
    expect(gh.violations).toEqual([]);
  });

  it('asks nothing when the policy names no teams', async () => {
    const { gh, octokit } = await start();
    await expect(teamsOf(octokit, 'acme', 'alice', [])).resolves.toEqual([]);
    expect(gh.calls.total).toBe(0);
  });

  it('stops at the first team that matches', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'oncall', 'bob', 'maintainer');
    gh.state.setTeamMember('acme', 'sre', 'bob');
    await expect(teamsOf(octokit, 'acme', 'bob', ['platform', 'oncall', 'sre'])).resolves.toEqual([
      'oncall',
    ]);
    expect(gh.calls.count(OP)).toBe(2);
    expect(gh.calls.log.map((c) => c.path)).toEqual([
      '/orgs/acme/teams/platform/memberships/bob',
      '/orgs/acme/teams/oncall/memberships/bob',
    ]);
    expect(gh.violations).toEqual([]);
  });

  it('does not count a pending membership', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'carol', 'member', 'pending');
    gh.state.setTeamMember('acme', 'oncall', 'carol');
    await expect(teamsOf(octokit, 'acme', 'carol', ['sre'])).resolves.toEqual([]);
    await expect(teamsOf(octokit, 'acme', 'carol', ['sre', 'oncall'])).resolves.toEqual(['oncall']);
    expect(gh.calls.log.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(gh.violations).toEqual([]);
  });

  it('turns 403 (token cannot read org teams) into a ConfigurationError with the read:org advice', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'alice');
    gh.faults.inject({
      match: OP,
      kind: 'status',
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const thrown = await teamsOf(octokit, 'acme', 'alice', ['sre', 'oncall']).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const message = (thrown as Error).message;
    expect(message).toContain('read:org');
    expect(message).toContain('`token` input');
    expect(message).toContain('authority.users');
    // Not retried, and no further team asked.
    expect(gh.calls.count(OP)).toBe(1);
    expect(gh.violations).toEqual([]);
  });
});

describe('teamsOf with a token that cannot read the organisation (#10)', () => {
  it('the stand-in answers such a token 404, not 403, for a real member and for the team itself', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'alice');
    gh.state.tokensWithoutReadOrg.add('t');
    const member = await octokit.rest.teams
      .getMembershipForUserInOrg({ org: 'acme', team_slug: 'sre', username: 'alice' })
      .catch((e: unknown) => e);
    expect(member).toMatchObject({ status: 404 });
    await expect(
      octokit.rest.teams.getByName({ org: 'acme', team_slug: 'sre' }),
    ).rejects.toMatchObject({ status: 404 });
    gh.state.tokensWithoutReadOrg.clear();
    const seen = await octokit.rest.teams.getByName({ org: 'acme', team_slug: 'sre' });
    expect(seen.data).toMatchObject({ slug: 'sre', organization: { login: 'acme' } });
    expect(gh.violations).toEqual([]);
  });

  it('a team member is not silently refused: the invisible team is a ConfigurationError naming read:org', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'alice');
    gh.state.tokensWithoutReadOrg.add('t');
    const thrown = await teamsOf(octokit, 'acme', 'alice', ['sre', 'oncall']).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toMatch(/read:org/);
    expect((thrown as Error).message).toMatch(/404 rather than 403/);
    expect(gh.calls.log.map((c) => c.operationId)).toEqual([OP, OP, 'teams/get-by-name']);
  });
});

describe('assertMayRollBack with teams', () => {
  const authority: RollbackPolicy['authority'] = {
    permission: 'maintain',
    teams: ['platform', 'sre'],
    users: ['dora'],
  };

  it('lets an active member of an allowed team roll back without the permission', async () => {
    const { gh, octokit } = await start();
    gh.state.setTeamMember('acme', 'sre', 'alice');
    const teams = await teamsOf(octokit, 'acme', 'alice', authority.teams);
    expect(() => assertMayRollBack('alice', { role: 'write', teams }, authority)).not.toThrow();
    expect(gh.violations).toEqual([]);
  });

  it('refuses a pending member or a non-member, naming the teams that may', async () => {
    const { gh, octokit } = await start();
    gh.state.addTeam('acme', 'platform');
    gh.state.setTeamMember('acme', 'sre', 'erin', 'member', 'pending');
    for (const actor of ['erin', 'mallory']) {
      const teams = await teamsOf(octokit, 'acme', actor, authority.teams);
      expect(teams).toEqual([]);
      expect(() => assertMayRollBack(actor, { role: 'read', teams }, authority)).toThrow(
        /may not roll back.*members of @platform, @sre/,
      );
    }
    expect(gh.violations).toEqual([]);
  });
});
