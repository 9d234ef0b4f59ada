/** The real runner IO in a child process (see runner-io-child.ts), with the runner's files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ActionIO } from '../../src/actions/action-io.ts';

const root = resolve(import.meta.dirname, '../..');
// The repository's Node (24, which runs TypeScript), as test/cli/terminal.test.ts does.
const NODE = join(root, 'node_modules', '.bin', 'node');

export type IOCall = { [K in keyof ActionIO]: [K, ...Parameters<ActionIO[K]>] }[keyof ActionIO];

export interface IORun {
  /** stdout, one entry a line with its line break, as the runner reads it. */
  lines: string[];
  results: unknown[];
  exitCode: number | null;
  output: string;
  summary: string;
}

export function runIO(env: Record<string, string>, calls: IOCall[]): IORun {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-runner-'));
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const r = spawnSync(
    NODE,
    [join(root, 'test/support/runner-io-child.ts'), JSON.stringify(calls)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        ...env,
      },
      encoding: 'utf8',
    },
  );
  let results: unknown[];
  try {
    results = JSON.parse(r.stderr) as unknown[];
  } catch {
    throw new Error(`the runner IO child failed (${r.status}): ${r.stderr}`);
  }
  return {
    lines: r.stdout.split(/(?<=\n)/),
    results,
    exitCode: r.status,
    output: readFileSync(output, 'utf8'),
    summary: readFileSync(summary, 'utf8'),
  };
}
