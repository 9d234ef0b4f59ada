import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.ts';

const POLICY = 'examples/demo/policy.yml';
const SERIES = 'examples/demo/incident.om';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    now: () => Date.parse('2026-11-24T10:20:00Z'),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('ripcord validate', () => {
  test('a valid policy exits 0 and says what it holds', async () => {
    const r = await cli('validate', '--policy', POLICY);
    expect(r.code).toBe(0);
    // The result on stdout, counted in words that agree with the number (#15: not "1 environments").
    expect(r.stdout).toMatch(/is valid: 2 sources, 1 environment \(production: 9 triggers\)$/);
    expect(r.stderr).toBe('');
  });

  test('an invalid policy exits 1 with every problem located', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-cli-'));
    const file = join(dir, 'ripcord.yml');
    writeFileSync(
      file,
      [
        'version: 1',
        'sources:',
        '  prom: {type: prometheus, url: "http://127.0.0.1:9"}',
        'environments:',
        '  production:',
        '    triggers:',
        '      - name: error-rate',
        '        severity: critical',
        '        source: prom',
        '        query: up',
        '        threshold: 5%',
        '        for: 15 minutes',
        '        treshold: 3',
        '',
      ].join('\n'),
    );
    const r = await cli('validate', '--policy', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${file}:12:14: environments.production.triggers[0].for: "15 minutes" is not a duration; write 15m`,
    );
    expect(r.stderr).toMatch(
      /:13:9: environments\.production\.triggers\[0\]\.treshold: unknown key "treshold"; did you mean "threshold"\?/,
    );
  });

  test('a missing policy file exits 1 and says where it looked', async () => {
    const r = await cli('validate', '--policy', 'does/not/exist.yml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does/not/exist.yml');
  });
});

describe('ripcord evaluate', () => {
  test('--json prints one object on stdout: the rollback with its evidence', async () => {
    const r = await cli(
      'evaluate',
      '--policy',
      POLICY,
      '--environment',
      'production',
      '--source-file',
      SERIES,
      '--at',
      '2026-11-24T10:20:00Z',
      '--baseline',
      '2026-11-24T10:00:00Z',
      '--json',
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      decision: string;
      environment: string;
      severity: string;
      strategy: string;
      approval: string;
      evaluatedAt: string;
      triggers: {
        name: string;
        status: string;
        severity: string;
        value: number | null;
        threshold: string;
        since: string | null;
        reason: string;
      }[];
    };
    expect(json.decision).toBe('rollback');
    expect(json.environment).toBe('production');
    expect(json.severity).toBe('critical');
    expect(json.strategy).toBe('feature-flag');
    expect(json.approval).toBe('none');
    expect(json.evaluatedAt).toBe('2026-11-24T10:20:00.000Z');
    const errorRate = json.triggers.find((t) => t.name === 'error-rate');
    expect(errorRate?.status).toBe('breached');
    expect(errorRate?.value).toBeGreaterThan(0.05);
    expect(errorRate?.since).toMatch(/^2026-11-24T10:0\d:00/);
    expect(Object.keys(errorRate ?? {}).sort()).toEqual([
      'name',
      'reason',
      'severity',
      'since',
      'sinceBefore',
      'state',
      'status',
      'threshold',
      'value',
    ]);
    expect(json.triggers.find((t) => t.name === 'completion-drop')?.status).toBe('breached');
    expect(json.triggers.find((t) => t.name === 'health')?.status).toBe('ok');
  });

  test('before the deploy everything is healthy: decision none', async () => {
    const r = await cli(
      'evaluate',
      '--policy',
      POLICY,
      '--environment',
      'production',
      '--source-file',
      SERIES,
      '--at',
      '1795513980',
      '--baseline',
      '2026-11-24T10:00:00Z',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).decision).toBe('none');
  });

  // #15 changed this from a `hold` of inconclusive triggers to an error naming the recording's
  // range: still never healthy, and now it says why and what to give instead.
  test('no data is never healthy: far outside the recording is an error giving its range', async () => {
    const r = await cli(
      'evaluate',
      '--policy',
      POLICY,
      '--environment',
      'production',
      '--source-file',
      SERIES,
      '--at',
      '2026-11-25T10:00:00Z',
      '--json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /--at: 2026-11-25 10:00 UTC is after the end of the recording .+, which covers 2026-11-24 \d\d:\d\d UTC to 2026-11-24 \d\d:\d\d UTC; give a time within it/,
    );
  });

  test.each([
    [
      ['evaluate', '--policy', POLICY, '--environment', 'production', '--at', 'yesterday'],
      /--at: "yesterday" is not a time; write ISO 8601/,
    ],
    [['evaluate', '--policy', POLICY], /--environment is required/],
    [
      ['evaluate', '--policy', POLICY, '--environment', 'staging'],
      /environment "staging" is not in the policy; write one of production/,
    ],
    [['evaluate', '--bogus'], /bogus/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('bad input %j exits 1 with a clear message', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
