import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/core/errors.ts';
import { GITHUB_ACTIONS_BOT, identityFromEnv, ripcordIdentity } from '../src/github/identity.ts';

describe('who Ripcord is', () => {
  it("is a workflow's GITHUB_TOKEN bot unless RIPCORD_BOT_LOGIN says otherwise", () => {
    const id = identityFromEnv({});
    expect(id.logins).toEqual([GITHUB_ACTIONS_BOT]);
    expect(id.is('GitHub-Actions[bot]')).toBe(true);
    expect(id.is('github-actions')).toBe(false);
    expect(id.is('mallory')).toBe(false);
    expect(id.is(undefined)).toBe(false);
  });

  it('takes a comma-separated list of logins (moving from one token to another)', () => {
    const id = identityFromEnv({ RIPCORD_BOT_LOGIN: ' ripcord-app[bot] , github-actions[bot]' });
    expect(id.logins).toEqual(['ripcord-app[bot]', 'github-actions[bot]']);
    expect(id.is('ripcord-app[bot]')).toBe(true);
    expect(id.describe).toBe('ripcord-app[bot] or github-actions[bot]');
  });

  it('refuses what is not a GitHub login, saying where and how to fix it', () => {
    expect(() => ripcordIdentity('my app')).toThrow(ConfigurationError);
    expect(() => ripcordIdentity('a,,b')).toThrow(/RIPCORD_BOT_LOGIN: "" is not a GitHub login/);
  });
});
