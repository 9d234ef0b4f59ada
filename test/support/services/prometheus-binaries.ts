/**
 * prometheus and promtool for the tests, found once per run by the global setup.
 *
 * From PATH when both are there (Homebrew, a distribution package, a download). Otherwise, on
 * Debian and Ubuntu, the distribution's own package is fetched with `apt-get download` and
 * unpacked with `dpkg-deb -x` into the test-services cache: nothing is installed on the system,
 * no root is needed unless the machine has never fetched its package lists. Where neither works
 * the run stops at once naming the command that installs them: a skipped integration test would
 * let a broken adapter pass CI.
 *
 * RIPCORD_TEST_PROMETHEUS=cache ignores PATH, to exercise the download on a machine that has
 * Prometheus installed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cachedEntry, shown } from './cache.ts';

const exec = promisify(execFile);

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

export class ServiceUnavailable extends Error {}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function installCommand(): string {
  if (process.platform === 'darwin') return 'brew install prometheus';
  if (onPath('apt-get')) return 'sudo apt-get install -y prometheus';
  return 'download Prometheus 2.x from https://prometheus.io/download/ and put prometheus and promtool on PATH';
}

function unavailable(reason: string): ServiceUnavailable {
  return new ServiceUnavailable(
    `${reason}; the Prometheus tests need a real prometheus and promtool: ${installCommand()}`,
  );
}

async function version(binary: string): Promise<string> {
  const { stdout, stderr } = await exec(binary, ['--version'], { timeout: 30_000 });
  return /version (\S+)/.exec(`${stdout}${stderr}`)?.[1] ?? 'unknown version';
}

function packageListsPresent(): boolean {
  const lists = '/var/lib/apt/lists';
  return existsSync(lists) && readdirSync(lists).some((f) => f.includes('_Packages'));
}

async function candidateVersion(): Promise<string | undefined> {
  const { stdout } = await exec('apt-cache', ['policy', 'prometheus'], { timeout: 60_000 });
  const candidate = /Candidate:\s*(\S+)/.exec(stdout)?.[1];
  return candidate === undefined || candidate === '(none)' ? undefined : candidate;
}

function stderrOf(thrown: unknown): string {
  const err = thrown as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(thrown)).trim().split('\n').slice(-3).join(' / ');
}

async function fromAptPackage(): Promise<PrometheusBinaries & { from: string }> {
  if (process.platform !== 'linux' || !onPath('apt-get') || !onPath('dpkg-deb')) {
    throw unavailable('prometheus and promtool are not on PATH');
  }
  if (!packageListsPresent()) {
    if (process.getuid?.() !== 0) {
      throw unavailable(
        'prometheus and promtool are not on PATH and apt has no package lists to download them from (apt-get update needs root)',
      );
    }
    try {
      await exec('apt-get', ['update', '-qq'], { timeout: 300_000 });
    } catch (thrown) {
      throw unavailable(`apt-get update failed (${stderrOf(thrown)})`);
    }
  }
  const debVersion = await candidateVersion();
  if (debVersion === undefined) {
    throw unavailable(
      'prometheus and promtool are not on PATH and apt knows no prometheus package',
    );
  }
  const { dir } = await cachedEntry(
    `prometheus-${debVersion.replace(/[^\w.+-]/g, '_')}-${process.arch}`,
    async (tmp) => {
      try {
        await exec('apt-get', ['download', `prometheus=${debVersion}`], {
          cwd: tmp,
          timeout: 300_000,
        });
      } catch (thrown) {
        throw unavailable(`apt-get download prometheus failed (${stderrOf(thrown)})`);
      }
      const deb = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
      if (deb === undefined) throw unavailable('apt-get download prometheus left no .deb file');
      await exec('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'root')], { timeout: 120_000 });
      await rm(join(tmp, deb));
    },
  );
  const bin = join(dir, 'root', 'usr', 'bin');
  return {
    prometheus: join(bin, 'prometheus'),
    promtool: join(bin, 'promtool'),
    from: `Debian package ${debVersion} (apt-get download) in ${shown(bin)}`,
  };
}

/** The binaries, and one line saying which and where from. */
export async function provisionPrometheus(): Promise<PrometheusBinaries & { summary: string }> {
  const usePath = process.env.RIPCORD_TEST_PROMETHEUS !== 'cache';
  const prometheus = usePath ? onPath('prometheus') : undefined;
  const promtool = usePath ? onPath('promtool') : undefined;
  const found =
    prometheus !== undefined && promtool !== undefined
      ? { prometheus, promtool, from: `PATH (${dirname(prometheus)})` }
      : await fromAptPackage();
  const v = await version(found.prometheus).catch((thrown: unknown) => {
    throw unavailable(`${found.prometheus} does not run (${stderrOf(thrown)})`);
  });
  return {
    prometheus: found.prometheus,
    promtool: found.promtool,
    summary: `Prometheus ${v} (prometheus, promtool) from ${found.from}`,
  };
}
