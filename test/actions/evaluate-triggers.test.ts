import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/evaluate-triggers/run.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn } from '../support/github/stand-in.ts';

const POLICY = 'examples/demo/policy.yml';
const SERIES = 'examples/demo/incident.om';
const at = (iso: string) => Date.parse(iso);
const noSleep = async () => {};

describe('evaluate-triggers on a recorded incident', () => {
  test('a critical breach: outputs, a summary a person can act on, and the step fails when asked', async () => {
    const io = recorder({
      policy: POLICY,
      environment: 'production',
      'source-file': SERIES,
      at: '2026-11-24T10:20:00Z',
      baseline: '2026-11-24T10:00:00Z',
      'fail-on-rollback': 'true',
    });
    await run(io, { env: {}, now: () => 0, sleep: noSleep });
    expect(io.outputs.decision).toBe('rollback');
    expect(io.outputs.severity).toBe('critical');
    expect(io.outputs.strategy).toBe('feature-flag');
    expect(io.outputs.approval).toBe('none');
    expect(io.outputs.triggered?.split(',')).toContain('error-rate');
    const report = JSON.parse(io.outputs.report ?? '{}') as {
      decision: string;
      triggers: unknown[];
    };
    expect(report.decision).toBe('rollback');
    expect(report.triggers).toHaveLength(9);
    const summary = io.summaries.join('\n');
    expect(summary).toContain('Roll back');
    expect(summary).toContain(
      '| Trigger | Severity | Status | Value | Threshold | Since | Reason |',
    );
    expect(summary).toMatch(/```mermaid\nxychart-beta/);
    expect(io.failed).toHaveLength(1);
    expect(io.failed[0]).toMatch(/rollback decided for production/);
  });

  test('healthy before the deploy: decision none, nothing failed', async () => {
    const io = recorder({
      policy: POLICY,
      environment: 'production',
      'source-file': SERIES,
      at: '2026-11-24T09:58:00Z',
      baseline: '2026-11-24T10:00:00Z',
    });
    await run(io, { env: {}, now: () => 0, sleep: noSleep });
    expect(io.outputs.decision).toBe('none');
    expect(io.outputs.triggered).toBe('');
    expect(io.failed).toEqual([]);
  });

  test('watch returns at the first critical breach instead of waiting out the duration', async () => {
    let now = at('2026-11-24T10:10:00Z');
    const slept: number[] = [];
    const io = recorder({
      policy: POLICY,
      environment: 'production',
      'source-file': SERIES,
      watch: '30m',
      interval: '1m',
      baseline: '2026-11-24T10:00:00Z',
    });
    await run(io, {
      env: {},
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    expect(io.outputs.decision).toBe('rollback');
    // Breached once error-rate has held > 5% for 15m (from about 10:03): well before 10:40.
    expect(now).toBeLessThan(at('2026-11-24T10:25:00Z'));
    expect(now).toBeGreaterThan(at('2026-11-24T10:15:00Z'));
    expect(slept.every((ms) => ms === 60_000)).toBe(true);
  });

  test('the baseline comes from the deployment event when no input is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-event-'));
    const eventPath = join(dir, 'event.json');
    writeFileSync(
      eventPath,
      JSON.stringify({ deployment: { id: 1, created_at: '2026-11-24T10:00:00Z' } }),
    );
    const io = recorder({
      policy: POLICY,
      environment: 'production',
      'source-file': SERIES,
      at: '2026-11-24T10:12:00Z',
    });
    await run(io, { env: { GITHUB_EVENT_PATH: eventPath }, now: () => 0, sleep: noSleep });
    const report = JSON.parse(io.outputs.report ?? '{}') as {
      triggers: { name: string; status: string }[];
    };
    expect(report.triggers.find((t) => t.name === 'completion-drop')?.status).toBe('breached');
  });

  test.each([
    [{ environment: '' }, /input environment is required/],
    [{ at: 'noon' }, /input at: "noon" is not a time/],
    [{ watch: 'ten minutes' }, /input watch: "ten minutes" is not a duration/],
    [{ 'fail-on-rollback': 'maybe' }, /input fail-on-rollback: "maybe" is not a boolean/],
    [{ impact: 'lots' }, /input impact: "lots" is not a share of users/],
    [{ policy: 'nowhere/ripcord.yml' }, /nowhere\/ripcord\.yml/],
  ])('bad input %j is a clear configuration error', async (override, message) => {
    const io = recorder({
      policy: POLICY,
      environment: 'production',
      'source-file': SERIES,
      ...override,
    });
    await expect(run(io, { env: {}, now: () => 0, sleep: noSleep })).rejects.toThrow(message);
  });
});

describe('evaluate-triggers against a live HTTP source', () => {
  let server: Server;
  let url = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { error_rate: 0.09 } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('a secret reaches the source, is masked, and never appears in logs or outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-live-'));
    const policy = join(dir, 'ripcord.yml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'sources:',
        `  api: {type: http, url: "${url}/metrics", headers: {Authorization: "Bearer \${API_TOKEN}"}}`,
        'environments:',
        '  production:',
        '    triggers:',
        '      - {name: error-rate, severity: critical, source: api, query: .data.error_rate, threshold: 5%}',
        '',
      ].join('\n'),
    );
    const io = recorder({ policy, environment: 'production' });
    await run(io, { env: { API_TOKEN: 's3cr3t-token' }, now: () => Date.now(), sleep: noSleep });
    expect(seen).toContain('Bearer s3cr3t-token');
    expect(io.secrets).toContain('s3cr3t-token');
    expect(io.outputs.decision).toBe('rollback');
    const everything = JSON.stringify([io.logs, io.outputs, io.summaries, io.failed]);
    expect(everything).not.toContain('s3cr3t-token');
  });
});

describe('evaluate-triggers with the baseline named by deployment id', () => {
  test('reads the deployment creation time from GitHub (stand-in held to the OpenAPI description)', async () => {
    const gh = await startGitHubStandIn();
    try {
      const deployment = gh.state.repo().addDeployment({
        ref: 'v2.14.0',
        environment: 'production',
        created_at: '2026-11-24T10:00:00Z',
      });
      const io = recorder({
        policy: POLICY,
        environment: 'production',
        'source-file': SERIES,
        at: '2026-11-24T10:12:00Z',
        'baseline-deployment': String(deployment.id),
        token: 'ghs_test-token',
      });
      await run(io, {
        env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url },
        now: () => 0,
        sleep: noSleep,
      });
      const report = JSON.parse(io.outputs.report ?? '{}') as {
        triggers: { name: string; status: string }[];
      };
      expect(report.triggers.find((t) => t.name === 'completion-drop')?.status).toBe('breached');
      expect(io.secrets).toContain('ghs_test-token');
      expect(gh.calls.count('repos/get-deployment')).toBe(1);

      const missing = recorder({ ...io.inputs, 'baseline-deployment': '999999' });
      await expect(
        run(missing, {
          env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url },
          now: () => 0,
          sleep: noSleep,
        }),
      ).rejects.toThrow(/deployment 999999 not found in acme\/shop/);
    } finally {
      await gh.close();
    }
  });
});
