/**
 * A whole staged recovery against the real parts: unleash-server 8.2.0 holds the flag (the
 * rollout really changes; checked through the client API an SDK reads) and a real Prometheus
 * answers the gates' PromQL over backfilled history. Time moves by the injected clock through
 * the backfilled window, never by sleeping. Faults: Prometheus down (hold), the flag deleted
 * (clear error, state kept).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { run } from '../../src/actions/staged-recovery/run.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { closedPort } from '../support/http-receiver.ts';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.ts';
import { sharedUnleash, type UnleashServer } from '../support/unleash-server.ts';

const MIN = 60_000;
const ENV = 'production';
const FLAG = 'basket-v2';
// Backfilled blocks must be older than Prometheus' head: the story ends five hours ago.
const T0 = Math.floor((Date.now() - 9 * 60 * MIN) / MIN) * MIN;

let unleash: UnleashServer;
let prom: PrometheusServer;
let gh: GitHubStandIn;
let dir: string;

/** Requests counters: 1% errors throughout, so every stage is healthy. */
function history(): string {
  const ok = {
    labels: { __name__: 'http_requests_total', code: '200' },
    samples: [] as { t: number; v: number }[],
  };
  const bad = {
    labels: { __name__: 'http_requests_total', code: '500' },
    samples: [] as { t: number; v: number }[],
  };
  let okCount = 1000;
  let errCount = 1000;
  for (let t = T0 - 30 * MIN; t <= T0 + 4 * 60 * MIN; t += 15_000) {
    ok.samples.push({ t, v: okCount });
    bad.samples.push({ t, v: errCount });
    okCount += 15 * 99;
    errCount += 15;
  }
  return formatOpenMetrics([ok, bad]);
}

beforeAll(async () => {
  unleash = sharedUnleash();
  prom = await startPrometheus(history());
}, 90_000);

afterAll(async () => {
  await prom?.stop();
});

async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { authorization: unleash.adminToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
}

/** The flag as the application's SDK sees it. */
async function clientView(): Promise<{ enabled: boolean; rollout: string | undefined } | null> {
  const res = await fetch(`${unleash.url}/api/client/features`, {
    headers: { authorization: unleash.clientToken(ENV) },
  });
  const body = (await res.json()) as {
    features: {
      name: string;
      enabled: boolean;
      strategies: { parameters?: Record<string, string> }[];
    }[];
  };
  const f = body.features.find((x) => x.name === FLAG);
  return f ? { enabled: f.enabled, rollout: f.strategies[0]?.parameters?.rollout } : null;
}

function writePolicy(promUrl: string, name = 'ripcord.yml'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'version: 1',
      'sources:',
      `  prom: {type: prometheus, url: "${promUrl}", retries: 0, timeout: 2s}`,
      'flags:',
      `  unleash: {type: unleash, url: "${unleash.url}", token: "\${UNLEASH_TOKEN}"}`,
      'environments:',
      `  ${ENV}:`,
      '    triggers:',
      '      - name: error-rate',
      '        severity: critical',
      '        source: prom',
      '        query: sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total[5m]))',
      '        op: ">"',
      '        threshold: 5%',
      '        for: 5m',
      '    rollback:',
      `      strategies: {feature-flag: {provider: unleash, flag: ${FLAG}}}`,
      '    recovery:',
      '      stages: [{percent: 5, dwell: 30m}, {percent: 25, dwell: 30m}, {percent: 100, dwell: 30m}]',
      '',
    ].join('\n'),
  );
  return file;
}

async function tick(policy: string, at: number) {
  const io = recorder({ policy, environment: ENV, token: 'ghs_t' });
  const result = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: String(at),
      UNLEASH_TOKEN: unleash.adminToken,
    },
    now: () => at,
    sleep: () => Promise.resolve(),
    retryAfterBaseValue: 1,
  });
  return { io, result };
}

function incident(): number {
  const at = new Date(T0 - 5 * MIN).toISOString();
  const state: IncidentState = {
    version: 1,
    environment: ENV,
    status: 'rolled-back',
    openedAt: at,
    updatedAt: at,
    reason: 'error-rate above 5%',
    bad: { deploymentId: 3, ref: 'v2', sha: 'c'.repeat(40), createdAt: at },
    target: { deploymentId: 2, ref: 'v1', sha: 'a'.repeat(40) },
    rollbackDeploymentId: 4,
    strategy: 'feature-flag',
    attempts: 1,
    lastRollbackAt: at,
    runs: [],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
  return gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, ''),
    labels: ['ripcord:incident', `ripcord:env:${ENV}`],
  }).number;
}

test('a whole recovery against real Unleash and Prometheus, with Prometheus down and the flag deleted on the way', async () => {
  gh = await startGitHubStandIn();
  dir = mkdtempSync(join(tmpdir(), 'ripcord-recovery-real-'));
  try {
    // The rollback left the flag off.
    await admin('POST', '/api/admin/projects/default/features', { name: FLAG, type: 'release' });
    await admin(
      'POST',
      `/api/admin/projects/default/features/${FLAG}/environments/${ENV}/strategies`,
      {
        name: 'flexibleRollout',
        constraints: [],
        parameters: { rollout: '100', stickiness: 'default', groupId: FLAG },
      },
    );
    expect(await clientView()).toMatchObject({ enabled: false });
    const policy = writePolicy(prom.url);
    const number = incident();

    const start = await tick(policy, T0);
    expect(start.result.outcome).toBe('advanced');
    expect(await clientView()).toEqual({ enabled: true, rollout: '5' });

    // Prometheus unreachable at the end of the dwell: the gate is inconclusive and 5% holds.
    const down = writePolicy(`http://127.0.0.1:${await closedPort()}`, 'down.yml');
    const held = await tick(down, T0 + 31 * MIN);
    expect(held.result.outcome).toBe('held');
    expect(held.result.gates?.result).toBe('inconclusive');
    expect(await clientView()).toEqual({ enabled: true, rollout: '5' });

    // Real PromQL over the backfilled counters says 1% errors: healthy, on to 25%.
    const up = await tick(policy, T0 + 35 * MIN);
    expect(up.result.outcome).toBe('advanced');
    expect(up.result.gates?.verdicts[0]?.status).toBe('ok');
    expect(up.io.summaries[0]).toMatch(/\| error-rate \| ok \| 1%/);
    expect(await clientView()).toEqual({ enabled: true, rollout: '25' });

    // Idle: during the dwell nothing is read but the incident.
    gh.calls.reset();
    expect((await tick(policy, T0 + 40 * MIN)).result.outcome).toBe('waiting');
    expect(gh.calls.total).toBe(1);

    expect((await tick(policy, T0 + 66 * MIN)).result.outcome).toBe('advanced');
    expect(await clientView()).toEqual({ enabled: true, rollout: '100' });
    const done = await tick(policy, T0 + 97 * MIN);
    expect(done.result.outcome).toBe('recovered');
    expect(gh.state.repo().findIssue(number)?.state).toBe('closed');

    // A second incident whose flag was deleted on Unleash: a clear error, and its state kept.
    const second = incident();
    const before = gh.state.repo().findIssue(second)?.body;
    await admin('DELETE', `/api/admin/projects/default/features/${FLAG}`);
    await expect(tick(policy, T0 + 120 * MIN)).rejects.toThrow(new RegExp(FLAG));
    const after = gh.state.repo().findIssue(second);
    expect(after?.body).toBe(before);
    expect(after?.comments.at(-1)?.body).toMatch(/Recovery step failed[\s\S]*unchanged/);
  } finally {
    await gh.close();
  }
}, 30_000);
