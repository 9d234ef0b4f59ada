/**
 * Recovery-time objectives per severity (#13; seeds 003 and 004: "critical: under 2 minutes"):
 * `ripcord validate` warns, naming the trigger, the strategy and the arithmetic, when a
 * critical trigger's detection plus the strategy's timeouts can exceed the objective.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.ts';
import { readPolicy } from '../src/policy/read-policy.ts';
import { recoveryTimeWarnings } from '../src/core/recovery-time.ts';

const file = join(import.meta.dirname, 'fixtures', 'policies', 'recovery-time.yml');

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
