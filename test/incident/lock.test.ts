import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/shared/logger.ts';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.ts';
import { ripcordIdentity } from '../../src/github/identity.ts';
import {
  createEnvironmentLock,
  lockComponent,
  lockRefName,
  parseLease,
  type AcquireResult,
  type HeldLock,
  type LockOptions,
} from '../../src/incident/lock.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const repo = { owner: 'acme', repo: 'shop' };
const REF = 'refs/ripcord/locks/production';
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

/**
 * Throttling on (secondary rate limits are honoured) but without the one-second spacing of
 * writes, and with `retry-after` seconds counted as milliseconds.
 */
function throttledClient(url: string, onSecondary: () => void): GitHubClient {
  // Duck-typed: the plugin only calls `write.key(id).schedule(options, fn)`.
  const unspaced = {
    key: () => ({ schedule: (_o: unknown, fn: () => Promise<unknown>) => fn() }),
  } as unknown as ThrottleGroup;
  return getOctokit(
    't',
    {
      baseUrl: url,
      retry: { retries: 3, retryAfterBaseValue: 1 },
      throttle: {
        id: randomUUID(),
        write: unspaced,
        retryAfterBaseValue: 1,
        onRateLimit: () => true,
        onSecondaryRateLimit: () => {
          onSecondary();
          return true;
        },
      },
    },
    retry,
    throttling,
  );
}

type ThrottleGroup = NonNullable<
  NonNullable<NonNullable<Parameters<typeof getOctokit>[1]>['throttle']>['write']
>;

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

/** A fake clock shared by every run in a test: sleeping advances it. */
function fakeClock(startAt = Date.parse('2030-01-01T00:00:00Z')) {
  const clock = {
    t: startAt,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

type Clock = ReturnType<typeof fakeClock>;

function lockFor(
  octokit: GitHubClient,
  clock: Clock,
  holder: string,
  extra: Partial<LockOptions> = {},
  environment = 'production',
) {
  return createEnvironmentLock(octokit, repo, environment, {
    holder,
    runUrl: `https://github.com/acme/shop/actions/runs/${holder.replace(/\D/g, '')}`,
    leaseMs: 60_000,
    waitMs: 0,
    now: clock.now,
    sleep: clock.sleep,
    logger: silentLogger,
    ...extra,
  });
}

function held(result: AcquireResult): HeldLock {
  if (!result.acquired) throw new Error(`expected to acquire, held by ${result.heldBy.holder}`);
  return result.lock;
}

function leaseAt(standIn: GitHubStandIn, ref = REF) {
  const r = standIn.state.repo();
  const sha = r.refs.get(ref);
  const commit = sha !== undefined ? r.commits.get(sha) : undefined;
  return commit
    ? { sha: commit.sha, parents: commit.parents, lease: parseLease(commit.message) }
    : undefined;
}

describe('environment lock: acquire and release', () => {
  it('acquires with three calls and releases with two (through createGitHubClient)', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const client = createGitHubClient({
      token: 't',
      baseUrl: standIn.url,
      logger: silentLogger,
      retryAfterBaseValue: 1,
    });
    const result = await lockFor(client.octokit, clock, 'run 123 attempt 1').acquire();
    const lock = held(result);
    expect(result).toMatchObject({ acquired: true, waitedMs: 0, tookOverExpired: false });
    expect(lock.lease).toEqual({
      holder: 'run 123 attempt 1',
      runUrl: 'https://github.com/acme/shop/actions/runs/1231',
      acquiredAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:01:00.000Z',
    });
    expect(standIn.calls.counts()).toEqual({
      'git/create-tree': 1,
      'git/create-commit': 1,
      'git/create-ref': 1,
    });
    const stored = leaseAt(standIn);
    expect(stored?.lease).toEqual(lock.lease);
    expect(stored?.parents).toEqual([]);
    const tree = standIn.state
      .repo()
      .trees.get(standIn.state.repo().commits.get(stored?.sha ?? '')?.tree ?? '');
    expect([...(tree?.keys() ?? [])]).toEqual(['lease.json']);

    standIn.calls.reset();
    await lock.release();
    expect(standIn.calls.counts()).toEqual({ 'git/get-ref': 1, 'git/delete-ref': 1 });
    expect(standIn.state.repo().refs.has(REF)).toBe(false);
    expect(client.totalRequests()).toBe(5);

    // A second release is harmless.
    await lock.release();
  });

  it('a second run waits, polling with one GET per poll, then reports the holder', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    held(await lockFor(octokit, clock, 'run 1 attempt 1').acquire());
    standIn.calls.reset();
    const log = recorder();
    const result = await lockFor(octokit, clock, 'run 2 attempt 1', {
      waitMs: 10_000,
      pollMs: 3_000,
      logger: log,
    }).acquire();
    expect(result).toMatchObject({
      acquired: false,
      waitedMs: 10_000,
      heldBy: {
        holder: 'run 1 attempt 1',
        runUrl: 'https://github.com/acme/shop/actions/runs/11',
        expiresAt: '2030-01-01T00:01:00.000Z',
      },
    });
    expect(clock.sleeps).toEqual([3_000, 3_000, 3_000, 1_000]);
    expect(standIn.calls.counts()).toEqual({
      'git/create-tree': 1,
      'git/create-commit': 1,
      'git/create-ref': 1,
      'git/get-ref': 5,
      'git/get-commit': 1,
    });
    expect(log.lines.filter((l) => l.startsWith('info:'))).toHaveLength(1);
    expect(log.lines.some((l) => l.startsWith('warning:') && l.includes('run 1 attempt 1'))).toBe(
      true,
    );
  });

  it('a waiting run gets the lock once the holder releases it', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    const first = held(await lockFor(octokit, clock, 'run 1 attempt 1').acquire());
    let polls = 0;
    const result = await lockFor(octokit, clock, 'run 2 attempt 1', {
      waitMs: 60_000,
      sleep: async (ms) => {
        polls += 1;
        await clock.sleep(ms);
        if (polls === 2) await first.release();
      },
    }).acquire();
    expect(result).toMatchObject({ acquired: true, waitedMs: 4_000, tookOverExpired: false });
    expect(leaseAt(standIn)?.lease?.holder).toBe('run 2 attempt 1');
    expect(leaseAt(standIn)?.parents).toEqual([]);
  });

  it('a waiting run takes over once the lease expires, without re-reading an unchanged lease', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    held(await lockFor(octokit, clock, 'run 1 attempt 1', { leaseMs: 5_000 }).acquire());
    standIn.calls.reset();
    const result = await lockFor(octokit, clock, 'run 2 attempt 1', {
      waitMs: 60_000,
      pollMs: 2_000,
    }).acquire();
    expect(result).toMatchObject({ acquired: true, tookOverExpired: true, waitedMs: 6_000 });
    expect(standIn.calls.count('git/get-commit')).toBe(1);
    expect(standIn.calls.count('git/get-ref')).toBe(4);
    expect(leaseAt(standIn)?.lease?.holder).toBe('run 2 attempt 1');
  });

  it('the same holder re-acquires (a re-run of the attempt) and moves the lease forward', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    const first = held(await lockFor(octokit, clock, 'run 5 attempt 1').acquire());
    const firstSha = leaseAt(standIn)?.sha;
    clock.t += 30_000;
    const again = await lockFor(octokit, clock, 'run 5 attempt 1').acquire();
    expect(again).toMatchObject({ acquired: true, tookOverExpired: false });
    const now = leaseAt(standIn);
    expect(now?.parents).toEqual([firstSha]);
    expect(now?.lease?.expiresAt).toBe('2030-01-01T00:01:30.000Z');
    // The first handle no longer owns the ref; the new one releases it.
    await first.release();
    expect(standIn.state.repo().refs.has(REF)).toBe(true);
    await held(again).release();
    expect(standIn.state.repo().refs.has(REF)).toBe(false);
  });

  it('renews by compare-and-swap', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    const lock = held(await lockFor(octokit, clock, 'run 8 attempt 1').acquire());
    const before = leaseAt(standIn)?.sha;
    clock.t += 50_000;
    standIn.calls.reset();
    await lock.renew();
    expect(standIn.calls.counts()).toEqual({
      'git/create-tree': 1,
      'git/create-commit': 1,
      'git/update-ref': 1,
    });
    expect(lock.lease).toMatchObject({
      acquiredAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:01:50.000Z',
    });
    expect(leaseAt(standIn)).toMatchObject({ parents: [before], lease: lock.lease });
    await lock.renew(5_000);
    expect(lock.lease.expiresAt).toBe('2030-01-01T00:00:55.000Z');
    await lock.release();
  });
});

describe('environment lock: expiry and races', () => {
  it('takes over an expired lease; the old holder can neither release nor renew it', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    const crashed = held(
      await lockFor(octokit, clock, 'run 1 attempt 1', { leaseMs: 1_000 }).acquire(),
    );
    const crashedSha = leaseAt(standIn)?.sha;
    clock.t += 5_000;
    const log = recorder();
    const result = await lockFor(octokit, clock, 'run 2 attempt 1', { logger: log }).acquire();
    expect(result).toMatchObject({ acquired: true, tookOverExpired: true, waitedMs: 0 });
    expect(leaseAt(standIn)).toMatchObject({
      parents: [crashedSha],
      lease: { holder: 'run 2 attempt 1' },
    });
    expect(log.lines.some((l) => l.includes('took over') && l.includes('run 1 attempt 1'))).toBe(
      true,
    );

    await crashed.release();
    expect(leaseAt(standIn)?.lease?.holder).toBe('run 2 attempt 1');
    await expect(crashed.renew()).rejects.toThrow(/lost the lock/);
    expect(leaseAt(standIn)?.lease?.holder).toBe('run 2 attempt 1');
    await held(result).release();
  });

  it('logs a warning on release when someone else took over', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    const log = recorder();
    const first = held(
      await lockFor(octokit, clock, 'run 1 attempt 1', { leaseMs: 1_000, logger: log }).acquire(),
    );
    clock.t += 2_000;
    held(await lockFor(octokit, clock, 'run 2 attempt 1').acquire());
    standIn.calls.reset();
    await first.release();
    expect(standIn.calls.counts()).toEqual({ 'git/get-ref': 1 });
    expect(log.lines.some((l) => l.startsWith('warning:') && l.includes('not releasing'))).toBe(
      true,
    );
  });

  it('a corrupted lease is treated as expired after a warning', async () => {
    const standIn = await start();
    const r = standIn.state.repo();
    const junk = r.writeCommit({ tree: r.writeTree(new Map()), parents: [], message: 'oops {' });
    r.refs.set(REF, junk);
    const clock = fakeClock();
    const log = recorder();
    const result = await lockFor(fastClient(standIn.url), clock, 'run 3 attempt 1', {
      logger: log,
    }).acquire();
    expect(result).toMatchObject({ acquired: true, tookOverExpired: true });
    expect(log.lines.some((l) => l.startsWith('warning:') && l.includes('unreadable'))).toBe(true);
    expect(leaseAt(standIn)?.parents).toEqual([junk]);
  });

  it('a create race lost to another run (ref-race fault) reports that run as the holder', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    // The other run's lease commit, written the way a lock writes it.
    const other = held(await lockFor(octokit, clock, 'run 9 attempt 2').acquire());
    const otherSha = leaseAt(standIn)?.sha ?? '';
    await other.release();
    standIn.calls.reset();
    standIn.faults.inject({ match: 'git/create-ref', kind: 'ref-race', sha: otherSha });
    const result = await lockFor(octokit, clock, 'run 10 attempt 1').acquire();
    expect(result).toMatchObject({ acquired: false, heldBy: { holder: 'run 9 attempt 2' } });
    expect(standIn.state.repo().refs.get(REF)).toBe(otherSha);
  });

  it('a create whose answer was lost (ref-race to our own commit) still acquires', async () => {
    const standIn = await start();
    standIn.faults.inject({ match: 'git/create-ref', kind: 'ref-race' });
    const result = await lockFor(fastClient(standIn.url), fakeClock(), 'run 4 attempt 1').acquire();
    expect(result).toMatchObject({ acquired: true });
    expect(leaseAt(standIn)?.lease?.holder).toBe('run 4 attempt 1');
    await held(result).release();
    expect(standIn.state.repo().refs.has(REF)).toBe(false);
  });

  it('ten runs racing to take over one expired lease leave exactly one holder', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    held(await lockFor(octokit, clock, 'run 0 attempt 1', { leaseMs: 1_000 }).acquire());
    const expiredSha = leaseAt(standIn)?.sha;
    clock.t += 10_000;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        lockFor(fastClient(standIn.url), clock, `run ${i + 1} attempt 1`).acquire(),
      ),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ tookOverExpired: true });
    const holder = leaseAt(standIn);
    expect(holder?.parents).toEqual([expiredSha]);
    for (const r of results) {
      if (!r.acquired) expect(r.heldBy.holder).toBe(holder?.lease?.holder);
      else expect(r.lock.lease).toEqual(holder?.lease);
    }
    // Every other compare-and-swap that got as far as GitHub was refused: it only fast-forwards.
    const swaps = standIn.calls.log.filter((c) => c.operationId === 'git/update-ref');
    expect(swaps.filter((c) => c.status === 200)).toHaveLength(1);
    expect(swaps.every((c) => c.status === 200 || c.status === 422)).toBe(true);
  });

  it('twenty concurrent acquirers: exactly one acquires, the rest name it', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        lockFor(fastClient(standIn.url), clock, `run ${100 + i} attempt 1`).acquire(),
      ),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const holder = leaseAt(standIn)?.lease?.holder;
    expect(winners[0]?.acquired && winners[0].lock.lease.holder).toBe(holder);
    for (const r of results) if (!r.acquired) expect(r.heldBy.holder).toBe(holder);
    expect(standIn.calls.count('git/create-ref')).toBe(20);
  });
});

describe('environment lock: transient GitHub errors', () => {
  /** Acquire fresh, take over an expired lease, release: touches every lock endpoint. */
  async function scenario(octokit: GitHubClient): Promise<void> {
    const clock = fakeClock();
    held(await lockFor(octokit, clock, 'run 1 attempt 1', { leaseMs: 1_000 }).acquire());
    clock.t += 5_000;
    const second = await lockFor(octokit, clock, 'run 2 attempt 1').acquire();
    expect(second).toMatchObject({ acquired: true, tookOverExpired: true });
    await held(second).release();
  }

  const endpoints = [
    'git/create-tree',
    'git/create-commit',
    'git/create-ref',
    'git/get-ref',
    'git/get-commit',
    'git/update-ref',
    'git/delete-ref',
  ];

  it('the fault-free scenario, for reference', async () => {
    const standIn = await start();
    await scenario(fastClient(standIn.url));
    expect(standIn.calls.counts()).toEqual({
      'git/create-tree': 3,
      'git/create-commit': 3,
      'git/create-ref': 2,
      'git/get-ref': 2,
      'git/get-commit': 1,
      'git/update-ref': 1,
      'git/delete-ref': 1,
    });
    expect(standIn.state.repo().refs.has(REF)).toBe(false);
  });

  for (const endpoint of endpoints) {
    it(`a 502 and a secondary rate limit on ${endpoint} are retried and the lock still works`, async () => {
      const baseline = await start();
      await scenario(fastClient(baseline.url));
      const expected = baseline.calls.counts();
      await baseline.close();
      gh = undefined;

      const standIn = await start();
      let secondary = 0;
      standIn.faults.inject({ match: endpoint, kind: 'status', status: 502 });
      standIn.faults.inject({ match: endpoint, kind: 'secondary-rate-limit', retryAfter: 1 });
      await scenario(throttledClient(standIn.url, () => (secondary += 1)));
      expect(standIn.faults.remaining).toBe(0);
      expect(secondary).toBe(1);
      expect(standIn.calls.counts()).toEqual({
        ...expected,
        [endpoint]: (expected[endpoint] ?? 0) + 2,
      });
      expect(standIn.state.repo().refs.has(REF)).toBe(false);
    });
  }
});

describe('environment lock: ref names', () => {
  it('sanitises environment names deterministically into valid ref components', () => {
    expect(lockComponent('production')).toBe('production');
    expect(lockComponent('Production')).toBe('production');
    expect(lockComponent('EU West / prod')).toBe('eu-west-prod');
    expect(lockComponent('pr-123.preview')).toBe('pr-123.preview');
    expect(lockComponent('.hidden')).toBe('-hidden');
    expect(lockComponent('a..b')).toBe('a-b');
    expect(lockComponent('trailing.')).toBe('trailing-');
    expect(lockComponent('db.lock')).toBe('db-lock');
    expect(lockComponent('ümlaut~^:?*[\\')).toBe('-mlaut-');
    expect(lockComponent('  staging ')).toBe('staging');
    expect(lockRefName('EU West / prod')).toBe('refs/ripcord/locks/eu-west-prod');
    expect(() => lockComponent('  ')).toThrow(/empty/);
  });

  it('locks an environment whose name needs sanitising', async () => {
    const standIn = await start();
    const clock = fakeClock();
    const octokit = fastClient(standIn.url);
    const lock = held(
      await lockFor(octokit, clock, 'run 1 attempt 1', {}, 'EU West / prod').acquire(),
    );
    expect(standIn.state.repo().refs.has('refs/ripcord/locks/eu-west-prod')).toBe(true);
    const other = await lockFor(octokit, clock, 'run 2 attempt 1', {}, 'eu-west-prod').acquire();
    expect(other.acquired).toBe(false);
    await lock.release();
    expect(standIn.state.repo().refs.has('refs/ripcord/locks/eu-west-prod')).toBe(false);
  });
});

describe('lease parsing', () => {
  it('reads the JSON after the summary line and rejects anything malformed', () => {
    const lease = {
      holder: 'run 1 attempt 1',
      runUrl: null,
      acquiredAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:01:00.000Z',
    };
    expect(parseLease(`Ripcord lock\n\n${JSON.stringify({ v: 1, ...lease })}\n`)).toEqual(lease);
    expect(parseLease('no json')).toBeNull();
    expect(parseLease('{"holder": 1}')).toBeNull();
    expect(parseLease(JSON.stringify({ ...lease, expiresAt: 'soon' }))).toBeNull();
    expect(parseLease(JSON.stringify({ ...lease, runUrl: 5 }))).toBeNull();
  });
});

/** A lease commit someone pushed by hand (or through the API), as Ripcord would word it. */
function plantLease(
  standIn: GitHubStandIn,
  lease: { holder: string; acquiredAt: string; expiresAt: string },
  committer?: { name: string; email: string },
): string {
  const r = standIn.state.repo();
  const json = JSON.stringify({ v: 1, environment: 'production', runUrl: null, ...lease });
  const sha = r.writeCommit({
    tree: r.writeTree(new Map()),
    parents: [],
    message: `Ripcord lock for production: held by ${lease.holder} until ${lease.expiresAt}\n\n${json}\n`,
    ...(committer ? { author: committer, committer } : {}),
  });
  r.refs.set(REF, sha);
  return sha;
}

describe('environment lock: untrusted leases (#11)', () => {
  it('a planted lease running to 2099 is invalid: taken over at once, with a warning', async () => {
    const standIn = await start();
    const planted = plantLease(standIn, {
      holder: 'run 1 attempt 1',
      acquiredAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2099-12-31T23:59:59.000Z',
    });
    const log = recorder();
    const result = await lockFor(fastClient(standIn.url), fakeClock(), 'run 2 attempt 1', {
      logger: log,
      waitMs: 60_000,
    }).acquire();
    expect(result).toMatchObject({ acquired: true, tookOverExpired: true, waitedMs: 0 });
    expect(leaseAt(standIn)).toMatchObject({
      parents: [planted],
      lease: { holder: 'run 2 attempt 1' },
    });
    expect(log.lines.join('\n')).toMatch(
      /warning: .*runs until 2099-12-31T23:59:59.000Z, longer than the policy's lease of 60000 ms allows/,
    );
  });

  it("a lease within the policy's length is honoured", async () => {
    const standIn = await start();
    plantLease(standIn, {
      holder: 'run 1 attempt 1',
      acquiredAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:01:30.000Z',
    });
    const result = await lockFor(fastClient(standIn.url), fakeClock(), 'run 2 attempt 1', {
      identity: ripcordIdentity(),
    }).acquire();
    expect(result).toMatchObject({ acquired: false, heldBy: { holder: 'run 1 attempt 1' } });
  });

  it('a lease committed by someone other than the bot Ripcord runs as is not trusted', async () => {
    const standIn = await start();
    plantLease(
      standIn,
      {
        holder: 'run 1 attempt 1',
        acquiredAt: '2030-01-01T00:00:00.000Z',
        expiresAt: '2030-01-01T00:00:50.000Z',
      },
      { name: 'Mallory', email: 'mallory@example.com' },
    );
    const log = recorder();
    const result = await lockFor(fastClient(standIn.url), fakeClock(), 'run 2 attempt 1', {
      identity: ripcordIdentity(),
      logger: log,
    }).acquire();
    expect(result).toMatchObject({ acquired: true, tookOverExpired: true });
    expect(log.lines.join('\n')).toMatch(/written by "Mallory", not by github-actions\[bot\]/);
  });
});

describe('environment lock: GitHub answers seen on real repositories (#10)', () => {
  for (const status of [409, 422]) {
    it(`a create answered ${status} "Reference update failed" is a lost race: look again, then acquire`, async () => {
      const standIn = await start();
      // https://github.com/github/rest-api-description/issues/4887: POST /git/refs sometimes
      // answers "Reference update failed" (409 or 422) when another write touches the ref.
      standIn.faults.inject({
        match: 'git/create-ref',
        kind: 'status',
        status,
        message: 'Reference update failed',
      });
      const result = await lockFor(fastClient(standIn.url), fakeClock(), 'run 1 attempt 1', {
        waitMs: 10_000,
      }).acquire();
      expect(result).toMatchObject({ acquired: true });
      expect(standIn.calls.log.map((c) => [c.operationId, c.status])).toContainEqual([
        'git/create-ref',
        status,
      ]);
      expect(leaseAt(standIn)?.lease?.holder).toBe('run 1 attempt 1');
    });
  }

  it('release deletes the ref even when a (lagging) read says it is gone', async () => {
    const standIn = await start();
    const lock = held(
      await lockFor(fastClient(standIn.url), fakeClock(), 'run 1 attempt 1').acquire(),
    );
    standIn.faults.inject({
      match: 'git/get-ref',
      kind: 'status',
      status: 404,
      message: 'Not Found',
    });
    await lock.release();
    expect(standIn.state.repo().refs.has(REF)).toBe(false);
    // Really gone: the delete's 422 "Reference does not exist" is not an error.
    await lock.release();
  });

  it('keepAlive renews a held lease, so a second run cannot take it over mid-step', async () => {
    const standIn = await start();
    const octokit = fastClient(standIn.url);
    const lease = 400;
    const real = { now: () => Date.now(), sleep: (ms: number) => sleep(ms) };
    const first = held(
      await createEnvironmentLock(octokit, repo, 'production', {
        holder: 'run 1 attempt 1',
        leaseMs: lease,
        waitMs: 0,
        ...real,
        logger: silentLogger,
      }).acquire(),
    );
    const keeper = first.keepAlive();
    await sleep(lease * 2.5);
    const second = await createEnvironmentLock(octokit, repo, 'production', {
      holder: 'run 2 attempt 1',
      leaseMs: lease,
      waitMs: 0,
      ...real,
      logger: silentLogger,
    }).acquire();
    expect(second.acquired).toBe(false);
    expect(keeper.lost).toBe(false);
    expect(standIn.calls.count('git/update-ref')).toBeGreaterThanOrEqual(3);
    await first.release();
    expect(standIn.state.repo().refs.has(REF)).toBe(false);
  });
});
