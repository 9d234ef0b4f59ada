/**
 * The environment lock: `refs/ripcord/locks/<environment>` guards every mutation of an
 * environment. GitHub creates a ref only if it is absent, so of any number of concurrent runs
 * exactly one wins the create. The ref points at a dedicated root commit whose message holds
 * the lease as JSON (holder, run URL, acquired, expires), so a crashed run blocks others only
 * until its lease expires.
 *
 * Taking over an expired lease, renewing and re-acquiring are compare-and-swap: a new commit
 * whose parent is the lock commit we read, written with `PATCH ... force: false`. GitHub only
 * fast-forwards, so when another run moved the ref first our PATCH fails with 422 and we lost.
 *
 * Costs: an uncontended acquire is 3 calls (tree, commit, ref), a release 2 (get, delete);
 * while waiting, each poll is one GET of the ref (the lease is re-read only when the ref moved).
 *
 * Anyone who may push can write a ref under refs/ripcord/locks/, so a lease is input, not
 * truth: a lease running further ahead than the policy's `lease` allows (a lock "until 2099"
 * would stop every rollback) is invalid and taken over with a warning, and where the
 * identity Ripcord runs as is a bot (whose API commits carry its login as author), a lease
 * commit somebody else wrote is not trusted either. A run holding the lock keeps its lease
 * alive (keepAlive) so a long step cannot outlive it and let a second run in.
 */
import type { Logger } from '../shared/logger.ts';
import { ConfigurationError, toError } from '../shared/errors.ts';
import type { GitHubClient } from '../github/client.ts';
import type { RipcordIdentity } from '../github/identity.ts';
import { repoName, requestMessage, requestStatus, type RepoRef } from '../github/repo-ref.ts';

export interface Lease {
  /** Who holds it, e.g. "run 123 attempt 1"; the same string re-acquires (a re-run of the attempt). */
  holder: string;
  runUrl: string | null;
  acquiredAt: string;
  expiresAt: string;
}

export interface HeldLock {
  /** The lease as last written by us (renew updates it). */
  readonly lease: Lease;
  /** Deletes the lock ref if it still points at our lease; leaves a takeover alone. */
  release(): Promise<void>;
  /** Extends the lease to now + extendMs (default: the lease length); throws if the lock was lost. */
  renew(extendMs?: number): Promise<void>;
  /**
   * Renews the lease every third of its length (wall-clock timers) until the returned stop()
   * is called; release() stops it too. A renewal that finds the lock lost is logged as an
   * error and stops renewing (`lost` says so).
   */
  keepAlive(): { stop(): void; readonly lost: boolean };
}

export type AcquireResult =
  | {
      acquired: true;
      lock: HeldLock;
      waitedMs: number;
      tookOverExpired: boolean;
      /**
       * False when the first create-if-absent won: nobody held the lock when it was asked for.
       * A caller that read before holding the lock re-reads from scratch when it is true.
       */
      contended: boolean;
    }
  | { acquired: false; heldBy: Lease; waitedMs: number };

export interface LockOptions {
  holder: string;
  runUrl?: string | null;
  leaseMs: number;
  waitMs: number;
  /** Time between looks at a held lock (default 2000). */
  pollMs?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /**
   * Who Ripcord runs as. When it is a bot (`…[bot]`), a lease commit whose committer is
   * someone else is not trusted (taken over with a warning). Unset: no authorship check.
   */
  identity?: RipcordIdentity;
  /** Interval of keepAlive's renewals (default a third of leaseMs); tests shorten it. */
  renewEveryMs?: number;
}

/**
 * How far past `now + leaseMs` a lease may reach before it is invalid: clocks of runners
 * disagree by seconds, and a renewal in flight adds the time of one request.
 */
export const LEASE_CLOCK_SLACK_MS = 60_000;

export const LOCK_REF_PREFIX = 'refs/ripcord/locks/';
const LEASE_VERSION = 1;

/**
 * Environment name -> a valid git ref component, deterministically: lowercased (GitHub
 * environment names are case-insensitive), every run of characters outside `[a-z0-9._-]`
 * becomes one `-`, and the shapes git forbids (`..`, a leading or trailing `.`, a `.lock`
 * suffix) are defused. Two names that map to the same component share one lock, which
 * serialises more than needed but never less.
 */
export function lockComponent(environment: string): string {
  const trimmed = environment.trim();
  if (trimmed === '') throw new ConfigurationError('the environment name for the lock is empty');
  let name = trimmed.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  name = name.replace(/\.{2,}/g, '-');
  name = name.replace(/^\./, '-').replace(/\.$/, '-');
  if (name.endsWith('.lock')) name = `${name.slice(0, -'.lock'.length)}-lock`;
  return name;
}

export function lockRefName(environment: string): string {
  return `${LOCK_REF_PREFIX}${lockComponent(environment)}`;
}

function leaseMessage(environment: string, lease: Lease): string {
  const json = JSON.stringify({ v: LEASE_VERSION, environment, ...lease });
  return `Ripcord lock for ${environment}: held by ${lease.holder} until ${lease.expiresAt}\n\n${json}\n`;
}

/** The lease in a lock commit's message, or null when it cannot be trusted. */
export function parseLease(message: string): Lease | null {
  const start = message.indexOf('{');
  const end = message.lastIndexOf('}');
  if (start < 0 || end < start) return null;
  let value: unknown;
  try {
    value = JSON.parse(message.slice(start, end + 1));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const { holder, runUrl, acquiredAt, expiresAt } = v;
  if (
    typeof holder !== 'string' ||
    typeof acquiredAt !== 'string' ||
    typeof expiresAt !== 'string' ||
    Number.isNaN(Date.parse(expiresAt)) ||
    (runUrl !== null && runUrl !== undefined && typeof runUrl !== 'string')
  ) {
    return null;
  }
  return { holder, runUrl: typeof runUrl === 'string' ? runUrl : null, acquiredAt, expiresAt };
}

/** What the ref points at, as last read. `lease` null means unreadable (treated as expired). */
interface Observed {
  sha: string;
  lease: Lease | null;
}

type Attempt =
  | { kind: 'won'; sha: string; lease: Lease; tookOver: boolean; created: boolean }
  | { kind: 'held'; observed: Observed & { lease: Lease } }
  /** The ref changed under us: look again at once (create it when it is gone, else re-read it). */
  | { kind: 'changed'; gone: boolean };

/** Immediate re-looks before a poll interval is enforced, so a flapping ref cannot spin us. */
const MAX_IMMEDIATE_RETRIES = 5;

export function createEnvironmentLock(
  octokit: GitHubClient,
  repo: RepoRef,
  environment: string,
  opts: LockOptions,
): { acquire(): Promise<AcquireResult> } {
  const ref = lockRefName(environment);
  // GET/PATCH/DELETE take the ref without its `refs/` prefix.
  const shortRef = ref.slice('refs/'.length);
  const where = `${ref} in ${repoName(repo)}`;
  const pollMs = opts.pollMs ?? 2000;
  const { logger } = opts;

  const iso = (ms: number): string => new Date(ms).toISOString();

  function newLease(durationMs: number, acquiredAt?: string): Lease {
    const now = opts.now();
    return {
      holder: opts.holder,
      runUrl: opts.runUrl ?? null,
      acquiredAt: acquiredAt ?? iso(now),
      expiresAt: iso(now + durationMs),
    };
  }

  async function writeLeaseCommit(lease: Lease, parent: string | null): Promise<string> {
    const tree = await octokit.rest.git.createTree({
      ...repo,
      tree: [
        {
          path: 'lease.json',
          mode: '100644',
          type: 'blob',
          content: `${JSON.stringify({ v: LEASE_VERSION, environment, ...lease }, null, 2)}\n`,
        },
      ],
    });
    const commit = await octokit.rest.git.createCommit({
      ...repo,
      message: leaseMessage(environment, lease),
      tree: tree.data.sha,
      parents: parent === null ? [] : [parent],
    });
    return commit.data.sha;
  }

  /** The ref's target, or null when there is no lock. */
  async function readRef(): Promise<string | null> {
    try {
      const { data } = await octokit.rest.git.getRef({ ...repo, ref: shortRef });
      return data.object.sha;
    } catch (err) {
      if (requestStatus(err) === 404) return null;
      throw err;
    }
  }

  async function readLease(sha: string): Promise<Lease | null> {
    const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
    const lease = parseLease(data.message);
    if (!lease) {
      logger.warning(
        `the lease on ${where} (commit ${sha}) is unreadable; treating it as expired so the lock cannot block forever`,
      );
      return null;
    }
    // A commit made through the API without an author is authored by the token's identity
    // (and committed by it, unless GitHub signs it as its web-flow committer): a bot's commit
    // carries the bot's login as author name.
    const identity = opts.identity;
    const author = data.author.name;
    const committer = data.committer.name;
    if (
      identity &&
      identity.logins.every((l) => l.endsWith('[bot]')) &&
      !identity.is(author) &&
      !identity.is(committer)
    ) {
      logger.warning(
        `the lease on ${where} (commit ${sha}, "held by ${lease.holder}") was written by ${JSON.stringify(author)}, not by ${identity.describe} as Ripcord's leases are; not trusting it, taking the lock over`,
      );
      return null;
    }
    const limit = opts.now() + opts.leaseMs + LEASE_CLOCK_SLACK_MS;
    if (lease.holder !== opts.holder && Date.parse(lease.expiresAt) > limit) {
      logger.warning(
        `the lease on ${where} (held by ${lease.holder}) runs until ${lease.expiresAt}, longer than the policy's lease of ${opts.leaseMs} ms allows; it is invalid (planted or from a misconfigured run), taking the lock over`,
      );
      return null;
    }
    return lease;
  }

  /**
   * Create-if-absent. Returns false when the ref already exists, or when GitHub answers 409 or
   * 422 "Reference update failed": it does so for concurrent writes to the same ref
   * (https://github.com/github/rest-api-description/issues/4887,
   * https://github.com/orgs/community/discussions/42272), which is a lost race: re-read and
   * look again, as for "Reference already exists".
   */
  async function tryCreate(sha: string): Promise<boolean> {
    try {
      await octokit.rest.git.createRef({ ...repo, ref, sha });
      return true;
    } catch (err) {
      const status = requestStatus(err);
      const message = requestMessage(err);
      if (status === 422 && /already exists/i.test(message)) return false;
      if (status === 409 || (status === 422 && /reference update failed/i.test(message))) {
        logger.debug(`creating ${where} answered ${status} "${message}"; looking again`);
        return false;
      }
      throw lockError('create', err);
    }
  }

  /** Compare-and-swap: moves the ref from `from` to `to` (a child of `from`) or reports a loss. */
  async function tryFastForward(to: string): Promise<boolean> {
    try {
      await octokit.rest.git.updateRef({ ...repo, ref: shortRef, sha: to, force: false });
      return true;
    } catch (err) {
      // "Update is not a fast forward" (someone moved it), "Reference does not exist"
      // (released) or "Reference update failed" (a concurrent write, also as 409).
      if (requestStatus(err) === 422 || requestStatus(err) === 409) return false;
      throw lockError('update', err);
    }
  }

  function lockError(action: string, err: unknown): Error {
    const status = requestStatus(err);
    if (status === 403 || status === 404) {
      return new ConfigurationError(
        `cannot ${action} the lock ${where} (GitHub said ${status}: ${requestMessage(err)}); give the workflow \`permissions: contents: write\``,
      );
    }
    return new Error(`could not ${action} the lock ${where}: ${requestMessage(err)}`, {
      cause: err,
    });
  }

  function isExpired(lease: Lease | null): boolean {
    return lease === null || Date.parse(lease.expiresAt) <= opts.now();
  }

  function heldLock(initialSha: string, initialLease: Lease): HeldLock {
    let sha = initialSha;
    let lease = initialLease;
    let stopKeepAlive: (() => void) | undefined;
    let renewing: Promise<void> = Promise.resolve();
    const handle: HeldLock = {
      get lease() {
        return lease;
      },
      keepAlive() {
        stopKeepAlive?.();
        const every = Math.max(50, opts.renewEveryMs ?? Math.floor(opts.leaseMs / 3));
        const state = { stopped: false, lost: false };
        let timer: ReturnType<typeof setTimeout> | undefined;
        const tick = (): void => {
          renewing = handle
            .renew()
            .catch((e: unknown) => {
              state.lost = true;
              state.stopped = true;
              logger.error(`${toError(e).message} (while keeping the lease alive)`);
            })
            .then(() => {
              if (!state.stopped) schedule();
            });
        };
        const schedule = (): void => {
          timer = setTimeout(tick, every);
          timer.unref();
        };
        stopKeepAlive = () => {
          state.stopped = true;
          if (timer) clearTimeout(timer);
        };
        schedule();
        return {
          stop: () => stopKeepAlive?.(),
          get lost() {
            return state.lost;
          },
        };
      },
      async release() {
        stopKeepAlive?.();
        // A renewal in flight would move the ref after we read it.
        await renewing;
        const target = await readRef();
        if (target === null) {
          // A read can lag a write (replicas): delete anyway; "does not exist" is the answer
          // when it really is gone.
          await deleteOurs();
          return;
        }
        if (target !== sha) {
          logger.warning(
            `not releasing ${where}: it no longer holds our lease (${lease.holder}, expired ${lease.expiresAt}); another run took it over`,
          );
          return;
        }
        await deleteOurs();
      },
      async renew(extendMs = opts.leaseMs) {
        const next = newLease(extendMs, lease.acquiredAt);
        const commit = await writeLeaseCommit(next, sha);
        if (!(await tryFastForward(commit))) {
          throw new Error(
            `lost the lock ${where}: another run took it over after our lease expired at ${lease.expiresAt}; stop mutating ${environment}`,
          );
        }
        sha = commit;
        lease = next;
        logger.debug(`renewed ${where} until ${lease.expiresAt}`);
      },
    };
    async function deleteOurs(): Promise<void> {
      try {
        await octokit.rest.git.deleteRef({ ...repo, ref: shortRef });
      } catch (err) {
        if (requestStatus(err) === 422 || requestStatus(err) === 404) {
          logger.debug(`lock ${where} was already gone at release`);
          return;
        }
        throw lockError('release', err);
      }
      logger.info(`released ${where}`);
    }
    return handle;
  }

  async function attempt(known: Observed | undefined, createFirst: boolean): Promise<Attempt> {
    let observed = known;
    if (createFirst) {
      const lease = newLease(opts.leaseMs);
      const sha = await writeLeaseCommit(lease, null);
      if (await tryCreate(sha)) return { kind: 'won', sha, lease, tookOver: false, created: true };
      observed = undefined;
    }
    const target = await readRef();
    if (target === null) return { kind: 'changed', gone: true };
    if (observed?.sha !== target) observed = { sha: target, lease: await readLease(target) };

    const current = observed.lease;
    const ours = current !== null && current.holder === opts.holder;
    if (current !== null && !ours && !isExpired(current)) {
      return { kind: 'held', observed: { sha: observed.sha, lease: current } };
    }
    const lease = newLease(opts.leaseMs);
    const sha = await writeLeaseCommit(lease, observed.sha);
    if (await tryFastForward(sha)) {
      if (ours) {
        logger.info(`re-acquired ${where}: it was already held by ${opts.holder} (a re-run)`);
      } else {
        logger.info(
          `took over ${where} from ${current?.holder ?? 'an unreadable lease'}${current ? `, whose lease expired at ${current.expiresAt}` : ''}`,
        );
      }
      return { kind: 'won', sha, lease, tookOver: !ours, created: false };
    }
    logger.debug(`lost the race to take over ${where}; looking again`);
    return { kind: 'changed', gone: false };
  }

  async function acquire(): Promise<AcquireResult> {
    const started = opts.now();
    const waited = (): number => Math.max(0, opts.now() - started);
    let known: Observed | undefined;
    let lastHolder: Lease | undefined;
    let createFirst = true;
    let immediate = 0;
    let announced = false;
    let attempts = 0;

    for (;;) {
      const result = await attempt(known, createFirst);
      attempts += 1;
      if (result.kind === 'won') {
        if (!result.tookOver) logger.info(`acquired ${where} until ${result.lease.expiresAt}`);
        return {
          acquired: true,
          lock: heldLock(result.sha, result.lease),
          waitedMs: waited(),
          tookOverExpired: result.tookOver,
          contended: attempts > 1 || !result.created,
        };
      }
      if (result.kind === 'changed') {
        known = undefined;
        // A lost compare-and-swap means the ref exists: re-reading it is cheaper than a create.
        createFirst = result.gone;
        immediate += 1;
        if (immediate <= MAX_IMMEDIATE_RETRIES) continue;
      } else {
        known = result.observed;
        lastHolder = result.observed.lease;
        // While held, a poll is one GET of the ref; creating only pays once it is gone.
        createFirst = false;
      }
      immediate = 0;

      const remaining = opts.waitMs - waited();
      if (remaining <= 0) {
        const heldBy: Lease = lastHolder ?? {
          holder: 'unknown (the lock changed hands repeatedly while we looked)',
          runUrl: null,
          acquiredAt: iso(opts.now()),
          expiresAt: iso(opts.now()),
        };
        logger.warning(
          `${environment} is locked by ${heldBy.holder} until ${heldBy.expiresAt}; gave up after ${waited()} ms`,
        );
        return { acquired: false, heldBy, waitedMs: waited() };
      }
      if (!announced && lastHolder) {
        announced = true;
        logger.info(
          `${environment} is locked by ${lastHolder.holder}${lastHolder.runUrl ? ` (${lastHolder.runUrl})` : ''} until ${lastHolder.expiresAt}; waiting up to ${opts.waitMs} ms`,
        );
      }
      await opts.sleep(Math.min(pollMs, remaining));
    }
  }

  return { acquire };
}
