/**
 * A throwaway PostgreSQL cluster from Debian's packages, on a loopback port, with its data and
 * socket directory in a fresh temporary folder. Trust authentication on 127.0.0.1 only: nothing
 * else can reach it and it lives as long as one test file.
 *
 * PostgreSQL refuses to run as root, and the tests do run as root in CI, so initdb, pg_ctl and
 * the server run as the `postgres` account that the Debian package creates.
 *
 * Missing binaries fail the test with the command that installs them: a skipped integration
 * test would let a broken adapter pass CI.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './http-receiver.ts';

export const INSTALL_POSTGRES =
  'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  /** The folder holding the cluster, for log files of services started beside it. */
  dir: string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** The newest installed major version's bin folder (Debian keeps them side by side). */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) are not installed under ${root}; ` +
        `the Unleash integration tests need a real PostgreSQL: ${INSTALL_POSTGRES}`,
    );
  }
  return join(root, newest, 'bin');
}

function postgresAccount(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(
      `running as root, but there is no postgres account to run PostgreSQL as; ${INSTALL_POSTGRES}`,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function run(
  file: string,
  args: string[],
  as: RunAs | undefined,
  timeoutMs = 60_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: timeoutMs,
        ...as,
        // Locale variables from the caller can name a locale the machine lacks; initdb then fails.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' },
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${file} ${args.join(' ')} failed: ${stderr || stdout || error.message}`, {
              cause: error,
            }),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

export async function startPostgres(): Promise<Postgres> {
  const bin = findPostgresBin();
  const as = postgresAccount();
  const dir = await mkdtemp(join(tmpdir(), 'ripcord-pg-'));
  if (as) await chown(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });

  try {
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync', '--locale=C'],
      as,
    );
  } catch (thrown) {
    await cleanup();
    throw thrown;
  }

  let lastError: unknown;
  // Another process may take the free port between probing and binding: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // Durability settings off: the cluster is thrown away, and fsync dominates migration time.
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    try {
      await run(
        join(bin, 'pg_ctl'),
        ['start', '-D', data, '-l', log, '-w', '-t', '30', '-o', serverOptions],
        as,
      );
    } catch (thrown) {
      lastError = new Error(`${(thrown as Error).message}\n${tail(log)}`, { cause: thrown });
      continue;
    }
    const stop = async (): Promise<void> => {
      try {
        // Immediate: nothing in this cluster is worth a clean checkpoint.
        await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], as);
      } finally {
        await cleanup();
      }
    };
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      dir,
      createDatabase: async (name) => {
        await run(
          join(bin, 'createdb'),
          ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name],
          as,
        );
      },
      stop,
    };
  }
  await cleanup();
  throw lastError instanceof Error ? lastError : new Error('PostgreSQL did not start');
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}
