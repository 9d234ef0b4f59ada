import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { silentLogger, type Logger } from '../../src/shared/logger.ts';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.ts';
import {
  ROLLED_BACK_MARKER,
  createDeploymentStore,
  parseRipcordPayload,
  truncateDescription,
  type RipcordPayload,
} from '../../src/github/deployments.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import type { DeploymentState } from '../support/github/state.ts';

const repo = { owner: 'acme', repo: 'shop' };
let gh: GitHubStandIn | undefined;

async function start(): Promise<GitHubStandIn> {
  gh = await startGitHubStandIn();
  return gh;
}

afterEach(async () => {
  const standIn = gh;
  gh = undefined;
  if (!standIn) return;
  expect(standIn.violations).toEqual([]);
  await standIn.close();
});

/** Throttling off: plugin-throttling spaces writes a second apart, which only slows tests. */
function fastClient(url: string): GitHubClient {
  return getOctokit(
    't',
    { baseUrl: url, throttle: { enabled: false }, retry: { retries: 3, retryAfterBaseValue: 1 } },
    retry,
    throttling,
  );
}

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

const sha = (n: number): string => n.toString(16).padStart(40, 'a');
const day = (n: number): string => new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString();

interface Seed {
  sha?: string;
  statuses?: Array<DeploymentState | { state: DeploymentState; description: string }>;
  payload?: Record<string, unknown>;
  environment?: string;
}

/** Seeds deployments oldest first, one minute apart; returns their ids in the same order. */
function seed(standIn: GitHubStandIn, history: Seed[], startAt = 0): number[] {
  const r = standIn.state.repo();
  return history.map((h, i) => {
    const at = day(startAt + i);
    return r.addDeployment({
      ref: `v1.${startAt + i}`,
      sha: h.sha ?? sha(startAt + i + 1),
      environment: h.environment ?? 'production',
      created_at: at,
      ...(h.payload ? { payload: h.payload } : {}),
      statuses: (h.statuses ?? []).map((s) =>
        typeof s === 'string' ? { state: s, created_at: at } : { ...s, created_at: at },
      ),
    }).id;
  });
}

describe('deployment store: reading', () => {
  it('finds the previous success in a typical history with two calls (through createGitHubClient)', async () => {
    const standIn = await start();
    const [, good, bad] = seed(standIn, [
      { statuses: ['success', 'inactive'] },
      { statuses: ['success', 'inactive'] },
      { statuses: ['in_progress', 'success'] },
    ]);
    const client = createGitHubClient({
      token: 't',
      baseUrl: standIn.url,
      logger: silentLogger,
      retryAfterBaseValue: 1,
    });
    const store = createDeploymentStore(client.octokit, repo, silentLogger);

    const current = await store.current('production');
    expect(current).toMatchObject({
      id: bad,
      latestState: 'success',
      everSucceeded: true,
      markedBad: false,
      ripcord: null,
      environment: 'production',
      creator: 'github-actions[bot]',
    });
    expect(standIn.calls.counts()).toEqual({
      'repos/list-deployments': 1,
      'repos/list-deployment-statuses': 1,
    });
    standIn.calls.reset();
    if (!current) throw new Error('expected a current deployment');

    const good1 = await store.findLastKnownGood('production', current);
    expect(good1).toMatchObject({ id: good, latestState: 'inactive', everSucceeded: true });
    // current() read the newest page already: only the known-good's statuses are new.
    expect(standIn.calls.count()).toBe(1);
    expect(client.totalRequests()).toBe(3);
  });

  it('skips failures, marked-bad, inactive-without-success and same-sha deployments, reading statuses only of candidates', async () => {
    const standIn = await start();
    const badSha = sha(999);
    const log = recorder();
    const ids = seed(standIn, [
      { statuses: ['success'] }, // 0: older good, never reached
      { statuses: ['success', 'inactive'] }, // 1: the answer
      { statuses: ['error'] }, // 2
      { statuses: ['in_progress', 'inactive'] }, // 3: inactive, never succeeded
      {
        statuses: [
          'success',
          { state: 'failure', description: `${ROLLED_BACK_MARKER} (incident #3): p95 high` },
        ],
      }, // 4: marked bad
      { statuses: ['failure'] }, // 5
      { sha: badSha, statuses: ['success'] }, // 6: same code as the bad one
      { sha: badSha, statuses: ['success'] }, // 7: the bad one
      { statuses: ['success'] }, // 8: newer than the bad one (an explicit older target)
    ]);
    const store = createDeploymentStore(fastClient(standIn.url), repo, log);
    const bad = await store.get(ids[7] ?? 0);
    standIn.calls.reset();

    const found = await store.findLastKnownGood('production', bad);
    expect(found?.id).toBe(ids[1]);
    // One list, then statuses of 5, 4, 3, 2, 1 only: not of 8 (newer), 7 (bad), 6 (same sha), 0.
    expect(standIn.calls.counts()).toEqual({
      'repos/list-deployments': 1,
      'repos/list-deployment-statuses': 5,
    });
    const statusPaths = standIn.calls.log
      .filter((c) => c.operationId === 'repos/list-deployment-statuses')
      .map((c) => Number(c.path.split('/')[5]));
    expect(statusPaths).toEqual([ids[5], ids[4], ids[3], ids[2], ids[1]]);
    expect(standIn.calls.log[0]?.query).toContain('per_page=30');
    expect(log.lines.some((l) => l.startsWith('debug:') && l.includes('same sha'))).toBe(true);
    expect(log.lines.some((l) => l.includes('already rolled back by Ripcord'))).toBe(true);
  });

  it('counts a successful Ripcord rollback deployment as known-good', async () => {
    const standIn = await start();
    const goodSha = sha(1);
    const payload: RipcordPayload = {
      kind: 'rollback',
      incident: 4,
      from: { deploymentId: 2, ref: 'v1.1', sha: sha(2) },
      strategy: 'redeploy',
    };
    const ids = seed(standIn, [
      { sha: goodSha, statuses: ['success', 'inactive'] },
      {
        statuses: [
          'success',
          { state: 'failure', description: `${ROLLED_BACK_MARKER} (incident #4): errors` },
        ],
      },
      { sha: goodSha, payload: { ripcord: payload }, statuses: ['in_progress', 'success'] },
      { statuses: ['success'] },
    ]);
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const bad = await store.current('production');
    if (!bad) throw new Error('expected a deployment');
    expect(bad.id).toBe(ids[3]);
    standIn.calls.reset();
    const found = await store.findLastKnownGood('production', bad);
    expect(found).toMatchObject({ id: ids[2], sha: goodSha, ripcord: payload });
    expect(standIn.calls.count()).toBe(1);
  });

  it('pages lazily past 30 deployments and stops at the first good one', async () => {
    const standIn = await start();
    const badSha = sha(500);
    // 34 deployments of the bad sha (a busy day of re-deploys), then an older good one.
    const history: Seed[] = [{ statuses: ['success'] }, { statuses: ['success', 'inactive'] }];
    for (let i = 0; i < 34; i++) history.push({ sha: badSha, statuses: ['success'] });
    const ids = seed(standIn, history);
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const bad = await store.current('production');
    if (!bad) throw new Error('expected a deployment');
    standIn.calls.reset();
    const found = await store.findLastKnownGood('production', bad);
    expect(found?.id).toBe(ids[1]);
    // Page 1 came with current(); page 2 is read now.
    expect(standIn.calls.counts()).toEqual({
      'repos/list-deployments': 1,
      'repos/list-deployment-statuses': 1,
    });
  });

  it('only looks at the asked environment', async () => {
    const standIn = await start();
    seed(standIn, [{ statuses: ['success'], environment: 'staging' }]);
    const ids = seed(standIn, [{ statuses: ['failure'] }, { statuses: ['success'] }], 10);
    seed(standIn, [{ statuses: ['success'], environment: 'staging' }], 20);
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const bad = await store.current('production');
    expect(bad?.id).toBe(ids[1]);
    if (!bad) throw new Error('expected a deployment');
    expect(await store.findLastKnownGood('production', bad)).toBeNull();
    expect(await store.current('preview')).toBeNull();
  });

  it('returns null when nothing older succeeded, and gives up after maxCandidates', async () => {
    const standIn = await start();
    const history: Seed[] = [{ statuses: ['success'] }];
    for (let i = 0; i < 6; i++) history.push({ statuses: ['failure'] });
    seed(standIn, history);
    const log = recorder();
    const client = fastClient(standIn.url);
    const store = createDeploymentStore(client, repo, log, { maxCandidates: 3 });
    const bad = await store.current('production');
    if (!bad) throw new Error('expected a deployment');
    standIn.calls.reset();
    expect(await store.findLastKnownGood('production', bad)).toBeNull();
    expect(standIn.calls.count('repos/list-deployment-statuses')).toBe(3);
    expect(log.lines.some((l) => l.startsWith('warning:') && l.includes('3 newest'))).toBe(true);

    const unbounded = createDeploymentStore(client, repo, silentLogger);
    expect((await unbounded.findLastKnownGood('production', bad))?.latestState).toBe('success');
    const onlyFailures = seed(standIn, [{ statuses: ['failure'] }], -10);
    const first = await unbounded.get(onlyFailures[0] ?? 0);
    expect(await unbounded.findLastKnownGood('production', first)).toBeNull();
  });

  it('get: an unknown id is a ConfigurationError that says where to find one', async () => {
    const standIn = await start();
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const err = await store.get(123).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/^deployment 123 not found in acme\/shop; pass an id/);
  });
});

describe('deployment store: writing', () => {
  it('creates a rollback deployment of the known-good sha and drives its statuses', async () => {
    const standIn = await start();
    const r = standIn.state.repo();
    const goodSha = r.commitFiles('main', { 'app.txt': 'v1' }, 'v1');
    r.setRef('refs/tags/v1.0.0', goodSha);
    const badSha = r.commitFiles('main', { 'app.txt': 'v2' }, 'v2');
    const [good, bad] = [
      r.addDeployment({ ref: 'v1.0.0', created_at: day(0), statuses: [{ state: 'success' }] }),
      r.addDeployment({ ref: 'main', created_at: day(1), statuses: [{ state: 'success' }] }),
    ];
    expect(bad?.sha).toBe(badSha);
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const payload: RipcordPayload = {
      kind: 'rollback',
      incident: 7,
      from: { deploymentId: bad?.id ?? 0, ref: 'main', sha: badSha },
      strategy: 'redeploy',
    };
    standIn.calls.reset();
    const created = await store.createRollbackDeployment({
      environment: 'production',
      ref: 'v1.0.0',
      sha: goodSha,
      payload,
      description: 'Ripcord rollback of production to v1.0.0 (incident #7)',
    });
    const sent = { ...payload, target: { ref: 'v1.0.0', sha: goodSha } };
    expect(created).toMatchObject({
      sha: goodSha,
      environment: 'production',
      ripcord: sent,
      latestState: null,
      markedBad: false,
    });
    const request = standIn.calls.log[0]?.requestBody;
    expect(request).toMatchObject({
      ref: goodSha,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
    });
    expect((request as { payload: unknown }).payload).toEqual({ ripcord: sent });
    expect(request).not.toHaveProperty('production_environment');
    const stored = r.findDeployment(created.id);
    expect(stored).toMatchObject({ auto_merge: false, required_contexts: [], sha: goodSha });

    await store.setStatus(created.id, 'in_progress', 'Rolling back', {
      logUrl: 'https://github.com/acme/shop/actions/runs/1',
    });
    await store.markBad(await store.get(bad?.id ?? 0), 7, 'error rate 12%\nabove 5%');
    await store.setStatus(created.id, 'success', 'Rolled back to v1.0.0', {
      environmentUrl: 'https://shop.example',
    });
    expect(r.findDeployment(created.id)?.statuses.map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
    // auto_inactive only retires older deployments of non-production environments (GitHub's
    // documented behaviour): in production the known-good keeps its success; the bad one
    // keeps its failure.
    expect(good?.statuses.map((s) => s.state)).toEqual(['success']);
    const badStatuses = r.findDeployment(bad?.id ?? 0)?.statuses ?? [];
    expect(badStatuses.at(-1)).toMatchObject({
      state: 'failure',
      description: `${ROLLED_BACK_MARKER} (incident #7): error rate 12% above 5%`,
    });

    const markedBad = await store.get(bad?.id ?? 0);
    expect(markedBad).toMatchObject({ markedBad: true, latestState: 'failure' });
    standIn.calls.reset();
    await store.markBad(markedBad, 7, 'again');
    expect(standIn.calls.count()).toBe(0);

    const current = await store.current('production');
    expect(current?.id).toBe(created.id);
    if (!current) throw new Error('expected a deployment');
    // The rollback itself is now the newest good deployment for a later incident.
    const next = r.addDeployment({ ref: 'main', created_at: new Date(Date.now() + 60_000) });
    const later = await store.get(next.id);
    expect((await store.findLastKnownGood('production', later))?.id).toBe(created.id);
  });

  it('passes auto_inactive and production_environment only as asked', async () => {
    const standIn = await start();
    const r = standIn.state.repo();
    const [older] = seed(standIn, [{ statuses: ['success'] }]);
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const main = r.resolveRef('main') ?? '';
    const created = await store.createRollbackDeployment({
      environment: 'preview',
      ref: 'main',
      sha: main,
      payload: {
        kind: 'rollback',
        incident: 1,
        from: { deploymentId: 1, ref: 'x', sha: sha(3) },
        strategy: 'redeploy',
      },
      description: 'x',
      productionEnvironment: true,
    });
    expect(r.findDeployment(created.id)?.production_environment).toBe(true);
    const other = await store.createRollbackDeployment({
      environment: 'production',
      ref: 'main',
      sha: main,
      payload: {
        kind: 'rollback',
        incident: 1,
        from: { deploymentId: 1, ref: 'x', sha: sha(3) },
        strategy: 'redeploy',
      },
      description: 'x',
    });
    standIn.calls.reset();
    await store.setStatus(other.id, 'success', 'done', { autoInactive: false });
    expect(standIn.calls.log[0]?.requestBody).toMatchObject({ auto_inactive: false });
    expect(r.findDeployment(older ?? 0)?.statuses.map((s) => s.state)).toEqual(['success']);
    await store.setStatus(other.id, 'failure', 'later failure');
    expect(standIn.calls.log[1]?.requestBody).not.toHaveProperty('auto_inactive');
  });

  it('truncates status descriptions to 140 characters with an ellipsis', async () => {
    const standIn = await start();
    const [id] = seed(standIn, [{ statuses: ['success'] }]);
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const long = `${'x'.repeat(130)} and then a much longer tail that GitHub would reject`;
    await store.setStatus(id ?? 0, 'failure', long);
    const sent = standIn.calls.log[0]?.requestBody as { description: string };
    expect([...sent.description]).toHaveLength(140);
    expect(sent.description.endsWith('…')).toBe(true);
    expect(sent.description.startsWith('x'.repeat(130))).toBe(true);

    expect(truncateDescription('short')).toBe('short');
    expect(truncateDescription('y'.repeat(140))).toBe('y'.repeat(140));
    // Code points, not UTF-16 units: an emoji is not cut in half.
    const emoji = truncateDescription('🚨'.repeat(200));
    expect([...emoji]).toHaveLength(140);
    expect(emoji.endsWith('🚨…')).toBe(true);

    const store2 = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const record = await store2.get(id ?? 0);
    await store2.markBad(record, 12, 'r'.repeat(300));
    const marked = standIn.state
      .repo()
      .findDeployment(id ?? 0)
      ?.statuses.at(-1)?.description;
    expect(marked?.startsWith(`${ROLLED_BACK_MARKER} (incident #12): rrr`)).toBe(true);
    expect([...(marked ?? '')]).toHaveLength(140);
  });

  it('a target that does not exist is a ConfigurationError; a 502 is retried', async () => {
    const standIn = await start();
    const store = createDeploymentStore(fastClient(standIn.url), repo, silentLogger);
    const opts = {
      environment: 'production',
      ref: 'v9.9.9',
      sha: 'deadbeef',
      payload: {
        kind: 'rollback' as const,
        incident: 2,
        from: { deploymentId: 1, ref: 'main', sha: sha(1) },
        strategy: 'redeploy',
      },
      description: 'rollback',
    };
    const err = await store.createRollbackDeployment(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(
      /^target ref v9\.9\.9 \(deadbeef\) does not exist in acme\/shop/,
    );

    standIn.faults.inject({ match: 'repos/create-deployment', kind: 'status', status: 502 });
    const main = standIn.state.repo().resolveRef('main') ?? '';
    const created = await store.createRollbackDeployment({ ...opts, ref: 'main', sha: main });
    expect(created.sha).toBe(main);
    expect(standIn.calls.count('repos/create-deployment')).toBe(3);
  });
});

describe('ripcord payload parsing', () => {
  it('accepts only a well-formed rollback payload, as an object or a JSON string', () => {
    const p: RipcordPayload = {
      kind: 'rollback',
      incident: 1,
      from: { deploymentId: 2, ref: 'main', sha: sha(1) },
      strategy: 'redeploy',
    };
    expect(parseRipcordPayload({ ripcord: p })).toEqual(p);
    expect(parseRipcordPayload(JSON.stringify({ ripcord: p }))).toEqual(p);
    expect(parseRipcordPayload({ ripcord: { ...p, kind: 'deploy' } })).toBeNull();
    expect(parseRipcordPayload({ ripcord: { ...p, incident: '1' } })).toBeNull();
    expect(parseRipcordPayload({ ripcord: { ...p, from: { ref: 'main' } } })).toBeNull();
    expect(parseRipcordPayload('not json')).toBeNull();
    expect(parseRipcordPayload({})).toBeNull();
    expect(parseRipcordPayload(null)).toBeNull();
  });
});
