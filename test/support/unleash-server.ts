/**
 * A real Unleash server (unleash-server 8.2.0 from test/support/unleash) on a loopback port,
 * backed by a throwaway PostgreSQL cluster. One per test file (beforeAll): startup runs
 * Unleash's migrations on an empty database, which is most of its ~5 s.
 *
 * unleash-server 8 needs Node >= 22, so it runs in a child process under Node 24 (the one the
 * root project ships as the `node` package, or this process's own when it is new enough),
 * whatever Node runs vitest.
 *
 * A missing PostgreSQL or Unleash install fails the test with the command that installs it:
 * a skipped integration test would let a broken flag provider pass CI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort } from './http-receiver.ts';
import { INSTALL_POSTGRES, startPostgres, type Postgres } from './postgres.ts';

export const UNLEASH_VERSION = '8.2.0';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const UNLEASH_DIR = join(HERE, 'unleash');
const REPO_ROOT = join(HERE, '..', '..');

export const INSTALL_UNLEASH =
  'bash .ci/install-test-services.sh (or: cd test/support/unleash && PATH="$PWD/../../../node_modules/node/bin:$PATH" npm ci --ignore-scripts)';

export interface UnleashServer {
  url: string;
  /** Admin token (`*:*.<secret>`) for the Admin API. */
  adminToken: string;
  /** Backend (client SDK) token for one environment, for `/api/client/features`. */
  clientToken(environment: string): string;
  environments: readonly string[];
  stop(): Promise<void>;
}

export interface StartUnleashOptions {
  /** Unleash's open-source edition ships `development` and `production`. */
  environments?: readonly string[];
  startupTimeoutMs?: number;
}

function nodeMajor(version: string): number {
  return Number(/^v?(\d+)/.exec(version.trim())?.[1] ?? 0);
}

/** A Node >= 22 binary: this process's own, or the root project's `node` package. */
export function findNode24(): string {
  if (nodeMajor(process.version) >= 22) return process.execPath;
  const candidates = [
    join(REPO_ROOT, 'node_modules', '.bin', 'node'),
    join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node'),
  ];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' });
      if (nodeMajor(version) >= 22) return candidate;
    } catch {
      // not runnable: try the next one
    }
  }
  throw new Error(
    `unleash-server ${UNLEASH_VERSION} needs Node >= 22, and neither this Node (${process.version}) ` +
      'nor node_modules/.bin/node is; run npm ci at the repository root (it installs the node@24 package)',
  );
}

function checkUnleashInstalled(): string {
  const manifest = join(UNLEASH_DIR, 'node_modules', 'unleash-server', 'package.json');
  if (!existsSync(manifest)) {
    throw new Error(
      `unleash-server is not installed in test/support/unleash; the Unleash integration tests need it: ${INSTALL_UNLEASH}`,
    );
  }
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
  if (version !== UNLEASH_VERSION) {
    throw new Error(
      `test/support/unleash has unleash-server ${String(version)}, the tests pin ${UNLEASH_VERSION} ` +
        `(npm under Node < 22 silently picks 7.x); reinstall: ${INSTALL_UNLEASH}`,
    );
  }
  return join(UNLEASH_DIR, 'start-unleash.mjs');
}

const secret = (): string => randomBytes(16).toString('hex');

export async function startUnleash(options: StartUnleashOptions = {}): Promise<UnleashServer> {
  const environments = options.environments ?? ['development', 'production'];
  const script = checkUnleashInstalled();
  const node = findNode24();
  let postgres: Postgres;
  try {
    postgres = await startPostgres();
  } catch (thrown) {
    const message = (thrown as Error).message;
    throw new Error(
      message.includes(INSTALL_POSTGRES)
        ? message
        : `${message}\n(install PostgreSQL with: ${INSTALL_POSTGRES})`,
      { cause: thrown },
    );
  }

  try {
    await postgres.createDatabase('unleash');
    const adminToken = `*:*.${secret()}`;
    const clientTokens = new Map(environments.map((env) => [env, `*:${env}.${secret()}`]));
    const tokens = [
      {
        secret: adminToken,
        type: 'admin',
        environment: '*',
        projects: ['*'],
        tokenName: 'ripcord-test-admin',
      },
      ...[...clientTokens].map(([environment, token]) => ({
        secret: token,
        type: 'backend',
        environment,
        projects: ['*'],
        tokenName: `ripcord-test-${environment}`,
      })),
    ];

    let lastOutput = '';
    // Another process may take the free port between probing and binding: try again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(node, [script], {
        cwd: UNLEASH_DIR,
        stdio: ['ignore', 'pipe', 'pipe'],
        // A small, explicit environment: Unleash also reads DATABASE_URL, AUTH_TYPE and the like
        // from the environment, and a developer's shell must not change what the tests run.
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          TMPDIR: process.env.TMPDIR ?? '/tmp',
          NODE_ENV: 'production',
          SEND_TELEMETRY: 'false',
          CHECK_VERSION: 'false',
          RIPCORD_UNLEASH_CONFIG: JSON.stringify({
            port,
            db: {
              host: postgres.host,
              port: postgres.port,
              user: postgres.user,
              database: 'unleash',
            },
            tokens,
          }),
        },
      });
      let output = '';
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-20_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const healthy = await waitHealthy(url, child, options.startupTimeoutMs ?? 60_000);
      if (healthy) {
        const pg = postgres;
        return {
          url,
          adminToken,
          environments,
          clientToken: (environment) => {
            const token = clientTokens.get(environment);
            if (token === undefined) {
              throw new Error(
                `no backend token for environment ${environment}; started with ${environments.join(', ')}`,
              );
            }
            return token;
          },
          stop: async () => {
            try {
              await stopChild(child);
            } finally {
              await pg.stop();
            }
          },
        };
      }
      await stopChild(child);
      lastOutput = output;
    }
    throw new Error(`unleash-server did not become healthy:\n${lastOutput.slice(-4000)}`);
  } catch (thrown) {
    await postgres.stop();
    throw thrown;
  }
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
