import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { GITHUB_ACTIONS_BOT, identityFor, ripcordIdentity } from '../../src/github/identity.ts';

describe('who Ripcord is', () => {
  it("is a workflow's GITHUB_TOKEN bot unless RIPCORD_BOT_LOGIN says otherwise", () => {
    const id = identityFor(undefined, {});
    expect(id.logins).toEqual([GITHUB_ACTIONS_BOT]);
    expect(id.is('GitHub-Actions[bot]')).toBe(true);
    expect(id.is('github-actions')).toBe(false);
    expect(id.is('mallory')).toBe(false);
    expect(id.is(undefined)).toBe(false);
  });

  it('takes a comma-separated list of logins (moving from one token to another)', () => {
    const id = identityFor('github-actions[bot]', {
      RIPCORD_BOT_LOGIN: ' ripcord-app[bot] , github-actions[bot]',
    });
    expect(id.logins).toEqual(['ripcord-app[bot]', 'github-actions[bot]']);
    expect(id.is('ripcord-app[bot]')).toBe(true);
    expect(id.describe).toBe('ripcord-app[bot] or github-actions[bot]');
  });

  it("is the policy's github.bot_login unless RIPCORD_BOT_LOGIN overrides it", () => {
    expect(identityFor('ripcord-app[bot]', {}).logins).toEqual(['ripcord-app[bot]']);
    expect(identityFor('ripcord-app[bot]', { RIPCORD_BOT_LOGIN: '' }).logins).toEqual([
      'ripcord-app[bot]',
    ]);
    expect(identityFor('ripcord-app[bot]', { RIPCORD_BOT_LOGIN: 'other[bot]' }).logins).toEqual([
      'other[bot]',
    ]);
  });

  it('refuses what is not a GitHub login, saying where and how to fix it', () => {
    expect(() => ripcordIdentity('my app')).toThrow(ConfigurationError);
    expect(() => ripcordIdentity('a,,b')).toThrow(/RIPCORD_BOT_LOGIN: "" is not a GitHub login/);
  });
});
