/**
 * A test's scratch folder: a fresh temporary directory holding the policy file
 * (`ripcord.yml`) and whatever logs the policy's commands append to, removed again by
 * `cleanup()`. The policy's text stays in each test, since what it says is what the test is
 * about; only the writing and the reading back are shared.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workspace {
  dir: string;
  /** `<dir>/ripcord.yml`, the `policy` input. */
  policy: string;
  /** A path in the folder. */
  path(name: string): string;
  /** Writes the policy, one line per entry, ending with a newline. */
  writePolicy(lines: string[]): void;
  cleanup(): void;
}

export function workspace(prefix: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const policy = join(dir, 'ripcord.yml');
  return {
    dir,
    policy,
    path: (name) => join(dir, name),
    writePolicy: (lines) => writeLines(policy, lines),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes `lines`, each ended by a newline. */
export function writeLines(file: string, lines: string[]): void {
  writeFileSync(file, [...lines, ''].join('\n'));
}

/** The non-empty lines a command appended to `file`; none when it never ran. */
export function loggedLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}
