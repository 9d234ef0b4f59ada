/**
 * A real Prometheus on a loopback port, holding history backfilled from OpenMetrics text with
 * `promtool tsdb create-blocks-from openmetrics`. Backfilled blocks must be older than the
 * head block, so recorded windows should end a few hours before now.
 *
 * One per test file that needs its own history; the binaries come from the run's global setup
 * (test/support/services/prometheus-binaries.ts: PATH, or the distribution's package unpacked
 * into a cache), which stops the run naming the install command when it cannot find them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { freePort } from './http-receiver.ts';

const run = promisify(execFile);

export interface PrometheusServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(openMetrics: string): Promise<PrometheusServer> {
  const { prometheus, promtool } = inject('prometheusBinaries');
  const dir = await mkdtemp(join(tmpdir(), 'ripcord-prom-'));
  const tsdb = join(dir, 'data');
  await mkdir(tsdb);
  const input = join(dir, 'series.om');
  await writeFile(input, openMetrics);
  try {
    await run(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', input, tsdb]);
  } catch (thrown) {
    const err = thrown as { stderr?: string; message?: string };
    await rm(dir, { recursive: true, force: true });
    throw new Error(`promtool could not backfill: ${err.stderr ?? err.message ?? String(thrown)}`, {
      cause: thrown,
    });
  }
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');

  let lastError = '';
  // Another process may take the free port between probing and binding: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      prometheus,
      [
        `--config.file=${config}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${tsdb}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const ready = await waitReady(url, child, 15_000);
    if (ready) {
      return {
        url,
        stop: async () => {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    lastError = output.slice(-2000);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`Prometheus did not become ready:\n${lastError}`);
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
