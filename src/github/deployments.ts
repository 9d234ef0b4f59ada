/**
 * GitHub deployments as Ripcord's version history: which deployment is live, which one is the
 * last known-good, the rollback deployment itself, and the `failure` status that marks a
 * deployment as rolled back.
 *
 * Reads are budgeted: findLastKnownGood lists deployments 30 at a time (next page only when
 * the first has no answer) and reads statuses one candidate at a time, stopping at the first
 * good one; a typical history costs two calls.
 */
import { ConfigurationError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { GitHubClient } from './client.ts';
import { repoName, requestMessage, requestStatus, type RepoRef } from './repo-ref.ts';

export type { RepoRef } from './repo-ref.ts';

/**
 * Start of the description of the `failure` status Ripcord puts on a deployment it rolled
 * back. Deployments whose statuses carry it are never picked as known-good again.
 */
export const ROLLED_BACK_MARKER = 'Rolled back by Ripcord';

/** GitHub rejects longer status descriptions. */
export const STATUS_DESCRIPTION_LIMIT = 140;

export type DeploymentState =
  'success' | 'failure' | 'error' | 'inactive' | 'in_progress' | 'queued' | 'pending';

export interface RipcordPayload {
  kind: 'rollback';
  incident: number;
  from: { deploymentId: number; ref: string; sha: string };
  strategy: string;
  /**
   * What the rollback deploys, by name and sha. Filled in by createRollbackDeployment: the
   * deployment's own `ref` is the sha, so a deploy workflow that needs the version name
   * (an image tag, say) reads it from here.
   */
  target?: { ref: string; sha: string };
}

export interface DeploymentRecord {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  createdAt: string;
  creator: string | null;
  description: string | null;
  /** State of the newest status; null when the deployment has none (or they were not read). */
  latestState: string | null;
  /** Whether any status was `success`; null when statuses were not read. */
  everSucceeded: boolean | null;
  /** Whether Ripcord put its rolled-back `failure` status on it; null when not read. */
  markedBad: boolean | null;
  /** `payload.ripcord` when this is a rollback deployment Ripcord created. */
  ripcord: RipcordPayload | null;
  /**
   * The version names a deploy pipeline put in the payload (`tag`, `version`), or for Ripcord's
   * own rollback deployment the target's name; for the `{{target_tag}}` / `{{target_version}}`
   * inputs of a redeploy.
   */
  names: { tag: string | null; version: string | null };
  /** The deployment's API URL. */
  url: string;
}

export interface DeploymentStore {
  /** Newest deployment of the environment (the one under suspicion by default), with its latest status. */
  current(environment: string): Promise<DeploymentRecord | null>;
  /** One deployment with its statuses; a ConfigurationError when it does not exist. */
  get(id: number): Promise<DeploymentRecord>;
  /**
   * Newest deployment of `environment` older than `bad`, with a different sha, whose latest
   * status is `success` (or `inactive` after a `success`) and which is not marked bad.
   */
  findLastKnownGood(environment: string, bad: DeploymentRecord): Promise<DeploymentRecord | null>;
  createRollbackDeployment(opts: {
    environment: string;
    ref: string;
    sha: string;
    payload: RipcordPayload;
    description: string;
    productionEnvironment?: boolean;
  }): Promise<DeploymentRecord>;
  setStatus(
    id: number,
    state: DeploymentState,
    description: string,
    opts?: { logUrl?: string; environmentUrl?: string; autoInactive?: boolean },
  ): Promise<void>;
  /** Posts the rolled-back `failure` status; does nothing when the deployment already has it. */
  markBad(deployment: DeploymentRecord, incident: number, reason: string): Promise<void>;
}

export interface DeploymentStoreOptions {
  /**
   * Candidates whose statuses findLastKnownGood reads before giving up (default 50): a long
   * run of failed deployments must not turn one rollback into hundreds of API calls.
   */
  maxCandidates?: number;
}

type ApiDeployment = Awaited<ReturnType<GitHubClient['rest']['repos']['getDeployment']>>['data'];
type ApiStatus = Awaited<
  ReturnType<GitHubClient['rest']['repos']['listDeploymentStatuses']>
>['data'][number];

interface StatusSummary {
  latestState: string | null;
  everSucceeded: boolean;
  markedBad: boolean;
}

/** Cuts text to GitHub's 140-character limit for status descriptions, ending in an ellipsis. */
export function truncateDescription(text: string, limit = STATUS_DESCRIPTION_LIMIT): string {
  const chars = [...text];
  if (chars.length <= limit) return text;
  return `${chars
    .slice(0, limit - 1)
    .join('')
    .trimEnd()}…`;
}

export function isMarkedBadStatus(status: { state: string; description?: string | null }): boolean {
  return status.state === 'failure' && (status.description ?? '').startsWith(ROLLED_BACK_MARKER);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `payload.ripcord` of a rollback deployment, or null for anything else (by shape, not trust). */
export function parseRipcordPayload(payload: unknown): RipcordPayload | null {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isObject(value)) return null;
  const r = value['ripcord'];
  if (!isObject(r) || r['kind'] !== 'rollback') return null;
  const from = r['from'];
  if (
    typeof r['incident'] !== 'number' ||
    typeof r['strategy'] !== 'string' ||
    !isObject(from) ||
    typeof from['deploymentId'] !== 'number' ||
    typeof from['ref'] !== 'string' ||
    typeof from['sha'] !== 'string'
  ) {
    return null;
  }
  const parsed: RipcordPayload = {
    kind: 'rollback',
    incident: r['incident'],
    strategy: r['strategy'],
    from: { deploymentId: from['deploymentId'], ref: from['ref'], sha: from['sha'] },
  };
  const target = r['target'];
  if (isObject(target) && typeof target['ref'] === 'string' && typeof target['sha'] === 'string') {
    parsed.target = { ref: target['ref'], sha: target['sha'] };
  }
  return parsed;
}

function toRecord(d: ApiDeployment, statuses: StatusSummary | null): DeploymentRecord {
  return {
    id: d.id,
    ref: d.ref,
    sha: d.sha,
    environment: d.environment,
    createdAt: d.created_at,
    creator: d.creator?.login ?? null,
    description: d.description ?? null,
    latestState: statuses?.latestState ?? null,
    everSucceeded: statuses ? statuses.everSucceeded : null,
    markedBad: statuses ? statuses.markedBad : null,
    ripcord: parseRipcordPayload(d.payload),
    names: payloadNames(d.payload),
    url: d.url,
  };
}

const SHA_LIKE = /^[0-9a-f]{40}$/i;

/** `tag` and `version` from a deployment payload (an object or a JSON string); by shape only. */
export function payloadNames(payload: unknown): { tag: string | null; version: string | null } {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { tag: null, version: null };
    }
  }
  if (!isObject(value)) return { tag: null, version: null };
  const text = (v: unknown): string | null =>
    typeof v === 'string' && v.trim() !== '' && v.length <= 256 ? v : null;
  const ripcordTarget = parseRipcordPayload(value)?.target?.ref;
  const named = ripcordTarget && !SHA_LIKE.test(ripcordTarget) ? ripcordTarget : null;
  return {
    tag: text(value['tag']) ?? named,
    version: text(value['version']) ?? null,
  };
}

/** Whether `d` was created before `bad` (GitHub lists by creation time, then id). */
function isOlder(d: ApiDeployment, bad: DeploymentRecord): boolean {
  const a = Date.parse(d.created_at);
  const b = Date.parse(bad.createdAt);
  return a === b || Number.isNaN(a) || Number.isNaN(b) ? d.id < bad.id : a < b;
}

export function isKnownGood(record: DeploymentRecord): boolean {
  if (record.markedBad === true) return false;
  if (record.latestState === 'success') return true;
  return record.latestState === 'inactive' && record.everSucceeded === true;
}

export function createDeploymentStore(
  octokit: GitHubClient,
  repo: RepoRef,
  logger: Logger,
  options: DeploymentStoreOptions = {},
): DeploymentStore {
  const where = repoName(repo);
  const maxCandidates = options.maxCandidates ?? 50;

  /**
   * One call in practice: 100 statuses (newest first) give the latest state and, for an
   * `inactive` one, the earlier `success`. Further pages only when a full page leaves that
   * open, which takes a deployment with more than 100 statuses.
   */
  async function readStatuses(deploymentId: number): Promise<StatusSummary> {
    const summary: StatusSummary = { latestState: null, everSucceeded: false, markedBad: false };
    const pages = octokit.paginate.iterator(octokit.rest.repos.listDeploymentStatuses, {
      ...repo,
      deployment_id: deploymentId,
      per_page: 100,
    });
    for await (const page of pages) {
      const statuses: ApiStatus[] = page.data;
      for (const s of statuses) {
        summary.latestState ??= s.state;
        if (s.state === 'success') summary.everSucceeded = true;
        if (isMarkedBadStatus(s)) summary.markedBad = true;
      }
      const undecided =
        (summary.latestState === 'success' || summary.latestState === 'inactive') &&
        !summary.markedBad;
      if (statuses.length < 100 || !undecided) break;
    }
    return summary;
  }

  async function get(id: number): Promise<DeploymentRecord> {
    let deployment: ApiDeployment;
    try {
      deployment = (await octokit.rest.repos.getDeployment({ ...repo, deployment_id: id })).data;
    } catch (err) {
      if (requestStatus(err) === 404) {
        throw new ConfigurationError(
          `deployment ${id} not found in ${where}; pass an id from the repository's deployments ` +
            `(Settings > Environments, or GET /repos/${where}/deployments), or leave it out to ` +
            'use the newest deployment of the environment',
        );
      }
      throw err;
    }
    return toRecord(deployment, await readStatuses(id));
  }

  // The newest page of an environment, read by current() and reused by findLastKnownGood(),
  // which needs the same list: one call fewer before a rollback's first step.
  const PAGE = 30;
  const newestPage = new Map<string, ApiDeployment[]>();

  async function current(environment: string): Promise<DeploymentRecord | null> {
    const { data } = await octokit.rest.repos.listDeployments({
      ...repo,
      environment,
      per_page: PAGE,
    });
    newestPage.set(environment, data);
    const newest = data[0];
    if (!newest) {
      logger.debug(`no deployments of ${environment} in ${where}`);
      return null;
    }
    return toRecord(newest, await readStatuses(newest.id));
  }

  async function findLastKnownGood(
    environment: string,
    bad: DeploymentRecord,
  ): Promise<DeploymentRecord | null> {
    let examined = 0;
    const cached = newestPage.get(environment);
    const pages = (async function* () {
      if (cached) {
        yield { data: cached };
        if (cached.length < PAGE) return;
      }
      yield* octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
        ...repo,
        environment,
        per_page: PAGE,
        ...(cached ? { page: 2 } : {}),
      });
    })();
    // Versions Ripcord rolled back (each rollback deployment's payload names the bad one) are
    // never known-good, whatever later deployment carries them: a deploy job with
    // `environment:` that a redeploy dispatched makes GitHub record a deployment of its own, at
    // the dispatched branch's head (usually the bad commit), ending `success`.
    const rolledBackShas = new Set<string>();
    for await (const page of pages) {
      for (const d of page.data) {
        const payload = parseRipcordPayload(d.payload);
        if (payload) rolledBackShas.add(payload.from.sha);
      }
      for (const d of page.data) {
        if (d.id === bad.id || !isOlder(d, bad)) continue;
        if (rolledBackShas.has(d.sha)) {
          logger.debug(
            `skipping deployment ${d.id} (${d.ref}): ${d.sha} is a version Ripcord rolled back`,
          );
          continue;
        }
        if (d.sha === bad.sha) {
          logger.debug(
            `skipping deployment ${d.id} (${d.ref}): same sha ${d.sha} as the bad deployment ${bad.id}, so rolling back to it would change nothing`,
          );
          continue;
        }
        if (examined >= maxCandidates) {
          logger.warning(
            `no known-good deployment of ${environment} among the ${maxCandidates} newest candidates older than ${bad.id}; stopped looking to save API calls — pass a target version explicitly`,
          );
          return null;
        }
        examined += 1;
        const record = toRecord(d, await readStatuses(d.id));
        if (isKnownGood(record)) {
          logger.debug(
            `last known-good deployment of ${environment}: ${record.id} (${record.ref} @ ${record.sha}, ${record.latestState})`,
          );
          return record;
        }
        logger.debug(
          `skipping deployment ${d.id} (${d.ref}): ${
            record.markedBad
              ? 'already rolled back by Ripcord'
              : `latest status ${record.latestState ?? 'none'}${record.latestState === 'inactive' ? ' without an earlier success' : ''}`
          }`,
        );
      }
    }
    logger.debug(`no known-good deployment of ${environment} older than ${bad.id} in ${where}`);
    return null;
  }

  async function createRollbackDeployment(opts: {
    environment: string;
    ref: string;
    sha: string;
    payload: RipcordPayload;
    description: string;
    productionEnvironment?: boolean;
  }): Promise<DeploymentRecord> {
    newestPage.delete(opts.environment);
    let data: Awaited<ReturnType<typeof octokit.rest.repos.createDeployment>>['data'];
    const create = (retries?: number) =>
      octokit.rest.repos.createDeployment({
        ...repo,
        ...(retries === undefined ? {} : { request: { retries } }),
        // The sha, not the ref name: a branch has usually moved on to the bad code since the
        // known-good deployment, and GitHub resolves `ref` when the deployment is created.
        ref: opts.sha || opts.ref,
        environment: opts.environment,
        description: truncateDescription(opts.description),
        // The known-good sha is behind the default branch; merging it forward would deploy
        // the bad code again, and the checks of an old commit must not block a rollback.
        auto_merge: false,
        required_contexts: [],
        payload: { ripcord: { ...opts.payload, target: { ref: opts.ref, sha: opts.sha } } },
        transient_environment: false,
        ...(opts.productionEnvironment !== undefined
          ? { production_environment: opts.productionEnvironment }
          : {}),
      });
    try {
      try {
        // Not retried blindly: a 5xx can come after GitHub created the deployment, and a
        // second rollback deployment would confuse the history. Look first, then create again.
        ({ data } = await create(0));
      } catch (err) {
        const status = requestStatus(err);
        if (status !== undefined && status < 500) throw err;
        const existing = await findCreatedRollback(
          opts.environment,
          opts.sha,
          opts.payload.incident,
        );
        if (existing) {
          logger.warning(
            `GitHub answered ${status ?? 'no response'} to creating the rollback deployment, but it was created (${existing.id}); using it`,
          );
          return existing;
        }
        ({ data } = await create());
      }
    } catch (err) {
      const status = requestStatus(err);
      const message = requestMessage(err);
      if (status === 422 && /no ref found|not found|does not exist/i.test(message)) {
        throw new ConfigurationError(
          `target ref ${opts.ref} (${opts.sha}) does not exist in ${where}; pick a version that is in the repository (GitHub said: ${message})`,
        );
      }
      if (status === 403 || status === 404) {
        throw new ConfigurationError(
          `cannot create a deployment in ${where} (GitHub said ${status}: ${message}); give the workflow \`permissions: deployments: write\``,
        );
      }
      if (status === 409 || status === 422) {
        throw new Error(
          `GitHub refused the rollback deployment of ${opts.ref} (${opts.sha}) to ${opts.environment} in ${where}: ${status} ${message}`,
          { cause: err },
        );
      }
      throw err;
    }
    if (!('id' in data)) {
      // 202: GitHub merged the default branch instead of deploying, which auto_merge: false rules out.
      throw new Error(
        `GitHub did not create the rollback deployment of ${opts.sha} in ${where}: ${data.message ?? 'no reason given'}`,
      );
    }
    logger.info(
      `created rollback deployment ${data.id} of ${opts.ref} (${opts.sha}) to ${opts.environment}`,
    );
    return toRecord(data, { latestState: null, everSucceeded: false, markedBad: false });
  }

  /** A rollback deployment of `sha` to `environment` for this incident, created moments ago. */
  async function findCreatedRollback(
    environment: string,
    sha: string,
    incident: number,
  ): Promise<DeploymentRecord | undefined> {
    const { data: list } = await octokit.rest.repos.listDeployments({
      ...repo,
      environment,
      sha,
      per_page: 10,
    });
    const found = list.find((d) => parseRipcordPayload(d.payload)?.incident === incident);
    return found
      ? toRecord(found, { latestState: null, everSucceeded: false, markedBad: false })
      : undefined;
  }

  async function setStatus(
    id: number,
    state: DeploymentState,
    description: string,
    opts: { logUrl?: string; environmentUrl?: string; autoInactive?: boolean } = {},
  ): Promise<void> {
    try {
      await octokit.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: id,
        state,
        description: truncateDescription(description),
        ...(opts.logUrl !== undefined ? { log_url: opts.logUrl } : {}),
        ...(opts.environmentUrl !== undefined ? { environment_url: opts.environmentUrl } : {}),
        ...(state === 'success' ? { auto_inactive: opts.autoInactive ?? true } : {}),
      });
    } catch (err) {
      const status = requestStatus(err);
      if (status === 404 || status === 403) {
        throw new ConfigurationError(
          `cannot set status ${state} on deployment ${id} in ${where} (GitHub said ${status}: ${requestMessage(err)}); check that the deployment exists and the workflow has \`permissions: deployments: write\``,
        );
      }
      throw err;
    }
    logger.debug(`deployment ${id}: ${state} (${description})`);
  }

  async function markBad(
    deployment: DeploymentRecord,
    incident: number,
    reason: string,
  ): Promise<void> {
    if (deployment.markedBad === true) {
      logger.debug(
        `deployment ${deployment.id} is already marked as rolled back; not marking it again`,
      );
      return;
    }
    await setStatus(
      deployment.id,
      'failure',
      `${ROLLED_BACK_MARKER} (incident #${incident}): ${reason.replace(/\s+/g, ' ').trim()}`,
    );
  }

  return { current, get, findLastKnownGood, createRollbackDeployment, setStatus, markBad };
}
