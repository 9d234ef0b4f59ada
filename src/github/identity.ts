/**
 * Who Ripcord is on GitHub, so that what it reads back (notification markers, the report
 * fallback comment, lock leases, incident issues) is only trusted when Ripcord wrote it.
 * Anyone who may comment on an issue or push a ref can write text that looks like Ripcord's.
 *
 * Found without an API call: a workflow's GITHUB_TOKEN always acts as `github-actions[bot]`
 * (https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication).
 * An App installation token cannot ask who it is (GET /user answers 403 to it), so a workflow
 * that passes an App's or a person's token names that login in `RIPCORD_BOT_LOGIN` (a
 * comma-separated list, e.g. `my-ripcord[bot],github-actions[bot]` while moving from one to
 * the other).
 */
import { ConfigurationError } from '../shared/errors.ts';

export const GITHUB_ACTIONS_BOT = 'github-actions[bot]';

export interface RipcordIdentity {
  /** The logins Ripcord writes as, as configured (first is the one named in messages). */
  readonly logins: readonly string[];
  /** Whether `login` (a comment's `user.login`, a commit's author) is Ripcord (logins ignore case). */
  is(login: string | null | undefined): boolean;
  /** "github-actions[bot]" or "a[bot] or b[bot]", for messages. */
  readonly describe: string;
}

/** GitHub logins: letters, digits, single hyphens; Apps and GitHub's own bots end in `[bot]`. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

export function ripcordIdentity(configured?: string | null): RipcordIdentity {
  const raw = (configured ?? '').trim();
  const logins = raw === '' ? [GITHUB_ACTIONS_BOT] : raw.split(',').map((l) => l.trim());
  const bad = logins.filter((l) => !LOGIN.test(l));
  if (bad.length > 0) {
    throw new ConfigurationError(
      `RIPCORD_BOT_LOGIN: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a GitHub login; write the login Ripcord's token acts as, e.g. my-app[bot] (comma-separated for several), or leave it unset for ${GITHUB_ACTIONS_BOT}`,
    );
  }
  const lower = new Set(logins.map((l) => l.toLowerCase()));
  return {
    logins,
    is: (login) => typeof login === 'string' && lower.has(login.toLowerCase()),
    describe: logins.join(' or '),
  };
}

/**
 * The identity for this run: the policy's `github.bot_login` (github-actions[bot] unless the
 * policy says otherwise), or RIPCORD_BOT_LOGIN when the workflow sets it (several logins while
 * moving from one token to another, or the CLI run with a person's token).
 */
export function identityFor(
  botLogin: string | undefined,
  env: Record<string, string | undefined>,
): RipcordIdentity {
  const override = env.RIPCORD_BOT_LOGIN?.trim();
  return ripcordIdentity(override === undefined || override === '' ? botLogin : override);
}
