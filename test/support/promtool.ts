/**
 * Runs Prometheus' own rule unit tester, so the engine's verdicts can be held to what
 * Prometheus would fire. Missing promtool is a failure, not a skip: the run's global setup
 * provides it (test/support/services/prometheus-binaries.ts) or stops naming how to install it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

export interface PromtoolBatch extends PromtoolRun {
  /** The test files promtool reported as FAILED (as passed in). */
  failed: string[];
  /** The test files promtool reported as SUCCESS. */
  passed: string[];
  /** What promtool printed for each file, from its "Unit Testing" line on. */
  reports: Map<string, string>;
}

/**
 * `promtool test rules <files...>`: one process for many test files (its start-up is most of a
 * small file's cost). promtool prints "Unit Testing:  <file>" to stdout and "  FAILED:" to
 * stderr, so both go to one file descriptor, which keeps them in order and lets each verdict be
 * read back per file.
 */
export function testRulesBatch(testFiles: string[], cwd: string): PromtoolBatch {
  const log = join(cwd, `promtool-${process.pid}-${Date.now()}.log`);
  const fd = openSync(log, 'w');
  let result;
  try {
    result = spawnSync(requirePromtool(), ['test', 'rules', ...testFiles], {
      cwd,
      stdio: ['ignore', fd, fd],
      timeout: 600_000,
    });
  } finally {
    closeSync(fd);
  }
  if (result.error) throw result.error;
  const output = readFileSync(log, 'utf8');
  const failed: string[] = [];
  const passed: string[] = [];
  const reports = new Map<string, string>();
  let current: string | undefined;
  let decided = false;
  for (const line of output.split('\n')) {
    const unit = /^Unit Testing:\s+(.+?)\s*$/.exec(line);
    if (unit) {
      current = unit[1] ?? '';
      decided = false;
      reports.set(current, '');
    } else if (current !== undefined && !decided && /^\s+(FAILED:|SUCCESS)/.test(line)) {
      (line.includes('FAILED:') ? failed : passed).push(current);
      decided = true;
    }
    if (current !== undefined) reports.set(current, `${reports.get(current) ?? ''}${line}\n`);
  }
  return { status: result.status, output, failed, passed, reports };
}

/** Durations as promtool reads them (`90s`, `10m`, `10m30s`). */
export function promDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes === 0) return `${seconds}s`;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
