/**
 * Who may pull the cord by hand: the actor needs the repository permission the policy asks for
 * (from the collaborator permission API), or is listed by name, or belongs to an allowed team.
 */
import { ConfigurationError } from '../core/errors.ts';
import type { RollbackPolicy } from '../core/policy-rollback-schema.ts';

const RANK: Record<string, number> = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5,
};

export interface ActorAccess {
  /** role_name from the collaborator permission API (admin, maintain, write, triage, read, none). */
  role: string;
  teams: readonly string[];
}

/** Whether a repository role is at least the required one (custom role names rank lowest). */
export function roleAtLeast(role: string, required: string): boolean {
  return (RANK[role] ?? 0) >= (RANK[required] ?? 5);
}

/** Throws before anything is touched when the actor may not roll back, saying who may. */
export function assertMayRollBack(
  actor: string,
  access: ActorAccess,
  authority: RollbackPolicy['authority'],
): void {
  if (authority.users.includes(actor)) return;
  if (roleAtLeast(access.role, authority.permission)) return;
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
