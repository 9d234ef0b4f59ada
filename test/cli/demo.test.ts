import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/shared/logger.ts';
import { runDemo } from '../../src/cli/demo/run-demo.ts';

describe('the demo replay', () => {
  test('prints minute by minute and rolls back once error-rate has held above 5% for 15m', async () => {
    const lines: string[] = [];
    const result = await runDemo({ print: (l) => lines.push(l), logger: silentLogger });
    const minutes = lines.filter((l) => /^\d\d:\d\d {2}/.test(l));
    expect(minutes).toHaveLength(31); // 09:55 to 10:25, one line a minute
    // The error ratio is above 5% from 10:05 on the evaluation grid: 15 minutes later is 10:20.
    expect(result.firstRollback?.evaluatedAt).toBe('2026-11-24T10:20:00.000Z');
    expect(result.firstRollback?.triggered).toContain('error-rate');
    // Before the deploy nothing is wrong; the completion drop warns well before the rollback.
    expect(result.decisions.slice(0, 5).every((d) => d.decision === 'none')).toBe(true);
    expect(result.decisions.some((d) => d.decision === 'warn')).toBe(true);
    expect(lines.join('\n')).toMatch(
      /Verdict: roll back at 10:20 UTC, 20m after the deploy, strategy feature-flag/,
    );
  });
});
