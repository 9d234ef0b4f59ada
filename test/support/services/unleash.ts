/**
 * unleash-server 8.2.0 for the tests: installed once from npm into the test-services cache,
 * from the pinned lockfile in test/support/unleash, then started by the services supervisor on
 * the shared PostgreSQL.
 *
 * unleash-server 8 needs Node >= 22, so both its install and the server run under Node 24 (the
 * root project's `node` package, or this process's own Node when new enough), whatever Node runs
 * vitest: npm under Node 20 silently resolves 7.5.1, and npm ci from the lockfile is what pins
 * 8.2.0. `--ignore-scripts`: none of unleash-server's install scripts is needed to run it (husky,
 * a telemetry ping, optional native ssh2 helpers).
 *
 * The cache entry is keyed by the lockfile's hash, so a changed lockfile installs afresh and an
 * unchanged one is reused (about 30 s saved per run).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { cachedEntry, hashOf, REPO_ROOT, shown } from './cache.ts';

export const UNLEASH_VERSION = '8.2.0';
const SOURCE = join(REPO_ROOT, 'test', 'support', 'unleash');
const START_SCRIPT = join(SOURCE, 'start-unleash.mjs');

function nodeMajor(version: string): number {
  return Number(/^v?(\d+)/.exec(version.trim())?.[1] ?? 0);
}

/** A Node >= 22 binary: this process's own, or the root project's `node` package. */
export function findNode24(): string {
  if (nodeMajor(process.version) >= 22) return process.execPath;
  const candidate = join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(candidate)) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' });
      if (nodeMajor(version) >= 22) return candidate;
    } catch {
      // not runnable: fall through to the error
    }
  }
  throw new Error(
    `unleash-server ${UNLEASH_VERSION} and the test services need Node >= 22, and neither this Node ` +
      `(${process.version}) nor node_modules/node/bin/node is; run npm ci at the repository root ` +
      '(it installs the node@24 package)',
  );
}

function installedVersion(dir: string): string | undefined {
  const manifest = join(dir, 'node_modules', 'unleash-server', 'package.json');
  if (!existsSync(manifest)) return undefined;
  // Read the file: unleash-server's "exports" hide package.json from require().
  return String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
}

/** Runs npm under `node`, with none of the calling npm's settings (npm_config_* and the like). */
function npmCi(node: string, cwd: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  env.PATH = `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`npm ci for unleash-server ${UNLEASH_VERSION} failed:\n${output}`));
    });
  });
}

/** The install folder (cached), and one line saying where it came from. */
export async function provisionUnleash(node: string): Promise<{ dir: string; summary: string }> {
  const manifest = await readFile(join(SOURCE, 'package.json'));
  const lock = await readFile(join(SOURCE, 'package-lock.json'));
  const { dir, reused } = await cachedEntry(
    `unleash-${UNLEASH_VERSION}-${hashOf(manifest, lock)}`,
    async (tmp) => {
      await copyFile(join(SOURCE, 'package.json'), join(tmp, 'package.json'));
      await copyFile(join(SOURCE, 'package-lock.json'), join(tmp, 'package-lock.json'));
      await npmCi(node, tmp);
      const version = installedVersion(tmp);
      if (version !== UNLEASH_VERSION) {
        throw new Error(
          `npm ci installed unleash-server ${String(version)}, the tests pin ${UNLEASH_VERSION}; check test/support/unleash/package-lock.json`,
        );
      }
    },
  );
  return {
    dir,
    summary: reused
      ? `unleash-server ${UNLEASH_VERSION}: cached in ${shown(dir)}`
      : `unleash-server ${UNLEASH_VERSION}: installed from npm (test/support/unleash/package-lock.json, Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}) into ${shown(dir)}`,
  };
}

export interface UnleashTokens {
  adminToken: string;
  /** Backend (client SDK) token per environment. */
  clientTokens: Record<string, string>;
}

export interface UnleashProcess {
  url: string;
  stop(): Promise<void>;
}

export interface UnleashDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Starts unleash-server from `installDir` under `node`; resolves once /health answers. */
export async function spawnUnleash(options: {
  node: string;
  installDir: string;
  port: number;
  db: UnleashDatabase;
  tokens: UnleashTokens;
  timeoutMs: number;
}): Promise<UnleashProcess> {
  const { port, tokens } = options;
  const url = `http://127.0.0.1:${port}`;
  const initApiTokens = [
    {
      secret: tokens.adminToken,
      type: 'admin',
      environment: '*',
      projects: ['*'],
      tokenName: 'ripcord-test-admin',
    },
    ...Object.entries(tokens.clientTokens).map(([environment, secret]) => ({
      secret,
      type: 'backend',
      environment,
      projects: ['*'],
      tokenName: `ripcord-test-${environment}`,
    })),
  ];
  const child = spawn(options.node, [START_SCRIPT], {
    cwd: options.installDir,
    // stdin stays open: the server stops itself when it closes, so it never outlives the
    // process that started it.
    stdio: ['pipe', 'pipe', 'pipe'],
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
        installDir: options.installDir,
        port,
        db: options.db,
        tokens: initApiTokens,
      }),
    },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = (): Promise<void> => stopChild(child);
  if (await waitHealthy(url, child, options.timeoutMs)) return { url, stop };
  await stop();
  throw new Error(`unleash-server did not become healthy on ${url}:\n${output.slice(-4000)}`);
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

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
