/**
 * Where the test services keep what they download, and how a run reports each service.
 *
 * The cache lives under node_modules/.cache (ignored by git, removed by `npm ci`, which is the
 * moment an install of the project's own dependencies is redone anyway). Every entry is keyed
 * by what it was built from, and created in a private temporary folder that is renamed into
 * place when complete: two runs installing at once both succeed, the second one's rename finds
 * the finished entry and throws its own copy away, and a run killed halfway leaves only a
 * temporary folder that the next run removes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'ripcord-test-services');

/** A path as the progress lines show it: relative to the repository when inside it. */
export function shown(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

export function seconds(startedMs: number): string {
  return `${((performance.now() - startedMs) / 1000).toFixed(1)} s`;
}

/** One progress line per service: what, where from, how long. */
export function progress(line: string): void {
  process.stderr.write(`[test services] ${line}\n`);
}

export function hashOf(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (thrown) {
    return (thrown as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The cache entry `name`, built by `build(dir)` into a temporary folder when it is missing. An
 * entry is whole when it has its `.complete` marker, which is written last.
 */
export async function cachedEntry(
  name: string,
  build: (dir: string) => Promise<void>,
): Promise<{ dir: string; reused: boolean }> {
  const dir = join(CACHE_DIR, name);
  if (existsSync(join(dir, '.complete'))) return { dir, reused: true };
  await mkdir(CACHE_DIR, { recursive: true });
  // Leftovers of runs that died while building (the pid is in the name).
  for (const entry of await readdir(CACHE_DIR)) {
    const pid = /\.tmp-(\d+)-/.exec(entry)?.[1];
    if (pid !== undefined && !alive(Number(pid))) {
      await rm(join(CACHE_DIR, entry), { recursive: true, force: true });
    }
  }
  const tmp = await mkdtemp(join(CACHE_DIR, `${name}.tmp-${process.pid}-`));
  try {
    await build(tmp);
    await writeFile(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    if (existsSync(dir) && !existsSync(join(dir, '.complete'))) {
      // An incomplete entry from an older layout: nothing can be using it.
      await rm(dir, { recursive: true, force: true });
    }
    try {
      await rename(tmp, dir);
      return { dir, reused: false };
    } catch (thrown) {
      const code = (thrown as NodeJS.ErrnoException).code;
      // Another run finished the same entry first: use theirs.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(join(dir, '.complete'))) {
        await rm(tmp, { recursive: true, force: true });
        return { dir, reused: false };
      }
      throw thrown;
    }
  } catch (thrown) {
    await rm(tmp, { recursive: true, force: true });
    throw thrown;
  }
}
