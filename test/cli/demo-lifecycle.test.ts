/**
 * The full-lifecycle demo as a user runs it: `node scripts/demo-lifecycle/lifecycle.ts` starts
 * its own GitHub stand-in and loopback services, runs the committed bundles in order and exits 0
 * only when every stage happened (breach, rollback, verify, 5 -> 25 -> 50 -> 100, report PR).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

test(
  'the lifecycle demo runs an incident from breach to report PR',
  { timeout: 90_000 },
  async () => {
    const child = spawn(process.execPath, ['scripts/demo-lifecycle/lifecycle.ts'], { cwd: root });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const status = await new Promise<number | null>((done) => child.on('close', done));
    expect(status, out).toBe(0);
    expect(out).toMatch(/evaluate\s+decision rollback \(critical\), triggered error-rate/);
    expect(out).toMatch(
      /rollback\s+rolled back with feature-flag: flag new-checkout off; incident #\d+/,
    );
    expect(out).toMatch(/verify\s+verified: passed/);
    expect(out).toMatch(/recovered 100%: 5% -> 25% -> 50% -> 100%/);
    expect(out).toMatch(/report PR #\d+ .*docs\/incidents\/.+\.md/);
    const notified = /(\d+) notifications received by the local Slack receiver/.exec(out);
    expect(Number(notified?.[1])).toBeGreaterThanOrEqual(7);
    expect(out).toMatch(/Done in [\d.]+s: rolled back, verified, recovered 100%, report PR #\d+/);

    const report = join(root, '.tmp/demo/incident-report.md');
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toMatch(/production/);
    expect(readFileSync(join(root, '.tmp/demo/summaries/02-rollback.md'), 'utf8')).toMatch(
      /Rolled back: production/,
    );
  },
);
