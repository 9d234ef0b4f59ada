import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { resolveSecrets } from '../../src/policy/secrets.ts';

const source = {
  type: 'prometheus',
  url: 'https://${PROM_HOST}/api',
  auth: { bearer: '${PROM_TOKEN}' },
  headers: { 'X-Scope-OrgID': 'tenant-${TENANT}', Accept: 'application/json' },
  timeout: 10_000,
  tags: ['${TENANT}'],
};

describe('resolveSecrets', () => {
  test('fills every reference and lists the values to mask, once each', () => {
    const env = { PROM_HOST: 'prom.internal', PROM_TOKEN: 'tok-123', TENANT: 'acme' };
    const { value, secrets } = resolveSecrets(source, env, 'sources.prom');
    expect(value).toEqual({
      type: 'prometheus',
      url: 'https://prom.internal/api',
      auth: { bearer: 'tok-123' },
      headers: { 'X-Scope-OrgID': 'tenant-acme', Accept: 'application/json' },
      timeout: 10_000,
      tags: ['acme'],
    });
    expect(secrets.sort()).toEqual(['acme', 'prom.internal', 'tok-123']);
  });

  test('does not touch the input', () => {
    resolveSecrets(source, { PROM_HOST: 'h', PROM_TOKEN: 't', TENANT: 'x' }, 'sources.prom');
    expect(source.auth.bearer).toBe('${PROM_TOKEN}');
  });

  test('text without references comes back as it is, with nothing to mask', () => {
    expect(resolveSecrets({ a: 'plain $HOME {x}', n: 1 }, {}, 'x')).toEqual({
      value: { a: 'plain $HOME {x}', n: 1 },
      secrets: [],
    });
  });

  test('a missing or empty variable names the variable, the place and the fix', () => {
    const env = { PROM_HOST: 'h', PROM_TOKEN: '', TENANT: undefined };
    let caught: unknown;
    try {
      resolveSecrets(source, env, 'sources.prom');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const error = caught as ConfigurationError;
    expect(error.problems).toEqual([
      'sources.prom.auth.bearer: environment variable PROM_TOKEN is empty; set env: PROM_TOKEN: ${{ secrets.PROM_TOKEN }} on the step',
      'sources.prom.headers.X-Scope-OrgID: environment variable TENANT is not set; set env: TENANT: ${{ secrets.TENANT }} on the step',
      'sources.prom.tags[0]: environment variable TENANT is not set; set env: TENANT: ${{ secrets.TENANT }} on the step',
    ]);
    expect(error.message.split('\n')[0]).toBe(
      'missing secrets PROM_TOKEN, TENANT for sources.prom',
    );
  });

  test('never puts a secret value in a message', () => {
    const env = { PROM_HOST: 'super-secret-host', PROM_TOKEN: 'super-secret-token' };
    const error = (() => {
      try {
        resolveSecrets(source, env, 'sources.prom');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(error.message).not.toContain('super-secret');
  });
});
