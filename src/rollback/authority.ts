/**
 * Who may pull the cord by hand: the actor needs the repository permission the policy asks for
 * (from the collaborator permission API), or is listed by name, or belongs to an allowed team.
 *
 * The API answers two fields: `role_name` (admin, maintain, write, triage, read, or an
 * organisation's custom role such as "deployer") and `permission` (the legacy admin, write,
 * read, none that a custom role is based on). The higher of the two counts, so a custom role
 * based on write is not refused
 * (https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user,
 * https://github.com/github/rest-api-description/issues/564).
 *
 * On a re-run GITHUB_ACTOR stays the person who started the first run; the one who pressed
 * "Re-run" is GITHUB_TRIGGERING_ACTOR
 * (https://github.blog/changelog/2022-07-19-differentiating-triggering-actor-from-executing-actor/),
 * and that person is the one deciding now, so they are checked.
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { RollbackPolicy } from '../policy/schema-rollback.ts';
import type { GitHubClient } from '../github/client.ts';
import { requestMessage, requestStatus, type RepoRef } from '../github/repo-ref.ts';
import { teamsOf } from '../github/team-membership.ts';

const RANK: Record<string, number> = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5,
};

export interface ActorAccess {
  /** The role as shown to people: role_name, with the permission it counts as when they differ. */
  role: string;
  /** The role that is ranked (admin, maintain, write, triage, read, none); `role` when absent. */
  rank?: string;
  teams: readonly string[];
}

/** Whether a repository role is at least the required one (custom role names rank lowest). */
export function roleAtLeast(role: string, required: string): boolean {
  return (RANK[role] ?? 0) >= (RANK[required] ?? 5);
}

/**
 * The role that counts of `role_name` and `permission`: the higher-ranked, so a custom role
 * ("deployer", based on write) counts as its base permission. Shown as "deployer (write)".
 */
export function effectiveRole(roleName: string | null | undefined, permission: string): string {
  const named = roleName ?? '';
  if (named === '' || named === permission) return permission;
  if (!(named in RANK)) return (RANK[permission] ?? 0) > 0 ? permission : named;
  return (RANK[named] ?? 0) >= (RANK[permission] ?? 0) ? named : permission;
}

/** The person deciding this run: the one who pressed "Re-run" on a re-run, else the actor. */
export function decidingActor(env: Record<string, string | undefined>): string {
  return env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || 'unknown';
}

/**
 * Reads what `actor` may do: the collaborator permission (one call) and, only when that and
 * the users list are not enough, team membership. A 403 from the permission API means the
 * token may not read collaborators: a ConfigurationError that refuses the rollback (fail
 * closed), not an internal error.
 */
export async function readActorAccess(
  octokit: GitHubClient,
  repo: RepoRef,
  actor: string,
  authority: RollbackPolicy['authority'],
): Promise<ActorAccess> {
  let data: { permission: string; role_name?: string | null };
  try {
    ({ data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      ...repo,
      username: actor,
    }));
  } catch (thrown) {
    const status = requestStatus(thrown);
    if (status === 403 || status === 401) {
      throw new ConfigurationError(
        `cannot check whether ${actor} may roll back: GitHub answered ${status} (${requestMessage(thrown)}) to the collaborator permission API, so the rollback is refused. ` +
          'Give the token read access to the repository metadata (a GITHUB_TOKEN has it unless `permissions:` removed it; add `metadata: read`), or pass a token that may read collaborators',
      );
    }
    if (status === 404) {
      // Not a collaborator (or not a user): no permission at all.
      data = { permission: 'none', role_name: 'none' };
    } else throw thrown;
  }
  const role = effectiveRole(data.role_name, data.permission);
  const shown = data.role_name && data.role_name !== role ? `${data.role_name} (${role})` : role;
  const enough = authority.users.includes(actor) || roleAtLeast(role, authority.permission);
  return {
    role: shown,
    rank: role,
    teams: enough ? [] : await teamsOf(octokit, repo.owner, actor, authority.teams),
  };
}

/** Throws before anything is touched when the actor may not roll back, saying who may. */
export function assertMayRollBack(
  actor: string,
  access: ActorAccess,
  authority: RollbackPolicy['authority'],
): void {
  if (authority.users.includes(actor)) return;
  if (roleAtLeast(access.rank ?? access.role, authority.permission)) return;
  if (access.teams.some((t) => authority.teams.includes(t))) return;
  const who = [
    `people with the ${authority.permission} permission (or higher) on the repository`,
    ...(authority.teams.length > 0
      ? [`members of ${authority.teams.map((t) => `@${t}`).join(', ')}`]
      : []),
    ...(authority.users.length > 0 ? [authority.users.join(', ')] : []),
  ].join('; ');
  throw new ConfigurationError(
    `${actor} may not roll back (their permission is ${access.role}); who may: ${who}. Ask one of them to run the workflow, or change rollback.authority in the policy`,
  );
}
