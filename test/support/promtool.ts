/**
 * Runs Prometheus' own rule unit tester, so the engine's verdicts can be held to what
 * Prometheus would fire. Missing promtool is a failure, not a skip: the run's global setup
 * provides it (test/support/services/prometheus-binaries.ts) or stops naming how to install it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { inject } from 'vitest';

export function requirePromtool(): string {
  const { promtool } = inject('prometheusBinaries');
  if (!existsSync(promtool)) {
    throw new Error(`promtool is gone from ${promtool} since the run's global setup found it`);
  }
  return promtool;
}

export interface PromtoolRun {
  status: number | null;
  output: string;
}

/** `promtool test rules <file>`, run in the file's folder so relative rule_files resolve. */
export function testRules(testFile: string, cwd: string): PromtoolRun {
  const result = spawnSync(requirePromtool(), ['test', 'rules', testFile], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Durations as promtool reads them (`90s`, `10m`, `10m30s`). */
export function promDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes === 0) return `${seconds}s`;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
