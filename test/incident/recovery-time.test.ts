/**
 * Recovery-time objectives per severity (#13; seeds 003 and 004: "critical: under 2 minutes"):
 * `ripcord validate` warns, naming the trigger, the strategy and the arithmetic, when a
 * critical trigger's detection plus the strategy's timeouts can exceed the objective.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.ts';
import { readPolicy } from '../../src/policy/read.ts';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import { recoveryTimeWarnings } from '../../src/incident/recovery-time.ts';

const file = join(import.meta.dirname, '..', 'fixtures', 'policies', 'recovery-time.yml');

async function validate(...extra: string[]) {
  const err: string[] = [];
  const code = await main(['validate', '--policy', file, ...extra], {
    stdout: () => {},
    stderr: (t) => err.push(t),
    env: {},
    now: () => Date.parse('2026-11-24T10:20:00Z'),
  });
  return { code, stderr: err.join('\n') };
}

describe('recovery_time', () => {
  test('validate warns for each critical trigger and strategy that can miss 2 minutes, and still passes', async () => {
    const r = await validate();
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toEqual([
      "warning: environments.production: trigger health with strategy full can take 12m5s from the first bad sample to restored, above recovery_time.critical 2m: detection takes up to 1m and full may take up to 11m5s by its timeouts; shorten for/interval or the strategy's timeouts, or pick a faster strategy for critical",
      "warning: environments.production: trigger error-rate with strategy full can take 16m25s from the first bad sample to restored, above recovery_time.critical 2m: detection alone takes 5m20s; shorten for/interval or the strategy's timeouts, or pick a faster strategy for critical",
      "warning: environments.production: trigger error-rate with strategy redeploy can take 6m5s from the first bad sample to restored, above recovery_time.critical 2m: detection alone takes 5m20s; shorten for/interval or the strategy's timeouts, or pick a faster strategy for critical",
    ]);
  });

  test('the probe with the blue/green switch fits: 60 s to detect plus 45 s is under 2 minutes', async () => {
    const policy = await readPolicy(file);
    const fits = recoveryTimeWarnings(policy).filter(
      (w) => w.trigger === 'health' && w.strategy === 'redeploy',
    );
    expect(fits).toEqual([]);
  });
});

describe('recovery_time follows the rows and the maintenance wrapper', () => {
  // Seed 000's shape: rows per trigger, a gradual row; seed 002's: maintenance around redeploy.
  const text = [
    'version: 1',
    'sources: {prom: {type: prometheus, url: https://prometheus.example.com}}',
    'flags: {unleash: {type: unleash, url: https://unleash.example.com/api, token: "${T}", timeout: 10s}}',
    'environments:',
    '  production:',
    '    step: 1m',
    '    recovery_time: {critical: 3m}',
    '    default_strategy: feature-flag',
    '    triggers:',
    '      - {name: errors, severity: critical, source: prom, query: e, threshold: 5%, for: 1m}',
    '      - {name: completion, severity: critical, source: prom, query: c, op: <, threshold: 70%, for: 1m}',
    '    decision:',
    '      - {severity: critical, triggers: [completion], strategy: feature-flag, flag: {mode: gradual, steps: [25, 0], step_wait: 5m}}',
    '      - {severity: critical, triggers: [errors], strategy: redeploy}',
    '    rollback:',
    '      maintenance:',
    '        strategies: [redeploy]',
    '        on: {command: ./maint on, timeout: 1m}',
    '        off: {command: ./maint off, timeout: 1m}',
    '      strategies:',
    '        feature-flag: {provider: unleash, flag: chat}',
    '        redeploy: {command: ./switch, timeout: 30s}',
    '',
  ].join('\n');

  function warnings(source: string) {
    const result = parsePolicy(source, 'p.yml');
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    return recoveryTimeWarnings(result.policy).map((w) => w.message.split(': ')[1]);
  }

  test("a row's gradual steps count for its own triggers only; maintenance only for what it wraps", () => {
    expect(warnings(text)).toEqual([
      // errors: 2m to detect + redeploy 30s + maintenance 2m = 4m30s; the gradual row is not its.
      'trigger errors with strategy redeploy can take 4m30s from the first bad sample to restored, above recovery_time.critical 3m',
      // completion: 2m + two flag calls (10s each) + the 5m wait between them.
      'trigger completion with strategy feature-flag (gradual) can take 7m20s from the first bad sample to restored, above recovery_time.critical 3m',
    ]);
  });

  test('without the wrapper and with an immediate row both fit', () => {
    const fits = text
      .replace(/ {6}maintenance:\n(?: {8}.*\n){3}/, '')
      .replace('flag: {mode: gradual, steps: [25, 0], step_wait: 5m}', 'flag: {mode: immediate}');
    expect(warnings(fits)).toEqual([]);
  });
});
