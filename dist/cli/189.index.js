export const id = 189;
export const ids = [189,584];
export const modules = {

/***/ 8142:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Y: () => (/* binding */ githubAccess)
/* harmony export */ });
/* harmony import */ var _cli_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8131);
/* harmony import */ var _github_client_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6584);
/* harmony import */ var _github_identity_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7369);



function githubAccess(values, io, logger, purpose) {
    const { owner, repo, token } = (0,_cli_js__WEBPACK_IMPORTED_MODULE_0__/* .githubTarget */ .nY)(values, io, purpose);
    // No retries from a terminal: a person waiting at 3 am wants the failure now, not in a minute.
    const { octokit } = (0,_github_client_js__WEBPACK_IMPORTED_MODULE_1__.createGitHubClient)({
        token,
        baseUrl: io.env.GITHUB_API_URL,
        logger,
        retryAfterBaseValue: 1,
        rateLimitRetries: 0,
    });
    return { octokit, repo: { owner, repo }, identity: (0,_github_identity_js__WEBPACK_IMPORTED_MODULE_2__.ripcordIdentity)(io.env.RIPCORD_BOT_LOGIN) };
}


/***/ }),

/***/ 6584:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createGitHubClient: () => (/* binding */ createGitHubClient)
/* harmony export */ });
/* unused harmony exports DEFAULT_RATE_LIMIT_WAIT_MS, RateLimitError */
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1758);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9735);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6856);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2203);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(bottleneck__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _core_duration_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8571);
/**
 * One Octokit for every action: the token input, GitHub Enterprise Server through
 * GITHUB_API_URL, Octokit's retry and throttling plugins (secondary rate limits and
 * `retry-after` honoured), and a request counter for the job summary.
 *
 * Waiting out a rate limit is capped: a workflow's GITHUB_TOKEN may make 1,000 requests an
 * hour per repository (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-github_token-in-github-actions),
 * and when they are used up the reset can be most of an hour away. plugin-throttling would
 * sleep until then; in an incident that is worse than failing, so a wait longer than
 * `maxRateLimitWaitMs` (rollback.rate_limit_wait, 5 minutes by default) fails at once with a
 * RateLimitError saying when the limit resets and what to do instead.
 */





const DEFAULT_RATE_LIMIT_WAIT_MS = 5 * 60_000;
/** GitHub's rate limit is used up and resets later than Ripcord may wait. */
class RateLimitError extends Error {
    name = 'RateLimitError';
}
function createGitHubClient(opts) {
    const rateLimitRetries = opts.rateLimitRetries ?? 4;
    const cap = opts.maxRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    const setting = opts.rateLimitWaitSetting ?? 'rollback.rate_limit_wait';
    // Both limits: wait what GitHub says (the plugin does), a bounded number of times and never
    // longer than the cap, and say so.
    const onLimit = (kind) => (retryAfter, options, _o, retryCount) => {
        if (retryAfter * 1000 > cap) {
            opts.logger.error(`GitHub ${kind} on ${options.method} ${options.url}: it resets in ${(0,_core_duration_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(retryAfter * 1000)}, longer than ${setting} (${(0,_core_duration_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(cap)}); not waiting`);
            return false;
        }
        opts.logger.warning(`GitHub ${kind} on ${options.method} ${options.url}; retrying after ${retryAfter}s`);
        return retryCount < rateLimitRetries;
    };
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(opts.token, {
        baseUrl: (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
        retry: { retryAfterBaseValue: opts.retryAfterBaseValue ?? 1000 },
        throttle: {
            write: new (bottleneck__WEBPACK_IMPORTED_MODULE_1___default().Group)({ maxConcurrent: 1, minTime: opts.writeSpacingMs ?? 0 }),
            // Comments and pull requests notify people: the plugin's default spaces them 3 s apart
            // process-wide, which would hold an incident's one or two comments for seconds.
            notifications: new (bottleneck__WEBPACK_IMPORTED_MODULE_1___default().Group)({
                maxConcurrent: 1,
                minTime: opts.writeSpacingMs ?? 0,
            }),
            onRateLimit: onLimit('rate limit'),
            onSecondaryRateLimit: onLimit('secondary rate limit'),
        },
    }, _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_3__/* .retry */ .L, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_4__/* .throttling */ .A);
    // A request refused for the rate limit (after the cap): say what it means and what to do.
    octokit.hook.error('request', (error) => {
        const e = error;
        const headers = e.response?.headers ?? {};
        if ((e.status === 403 || e.status === 429) && headers['x-ratelimit-remaining'] === '0') {
            const limit = headers['x-ratelimit-limit'] ?? 'its';
            const reset = Number(headers['x-ratelimit-reset']);
            const when = Number.isFinite(reset)
                ? ` It resets at ${new Date(reset * 1000).toISOString()}, ${(0,_core_duration_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(Math.max(0, reset * 1000 - Date.now()))} from now, longer than ${setting} (${(0,_core_duration_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(cap)}).`
                : '';
            throw new RateLimitError(`GitHub's API rate limit for this token is used up (${limit} requests an hour${limit === '1000' ? ", the limit of a workflow's GITHUB_TOKEN per repository" : ''}).${when} ` +
                'Ripcord stopped instead of waiting through the incident: act by hand now (the job summary and the incident say how far it got), ' +
                'and pass a GitHub App token as the `token` input (5,000 an hour or more), or raise the cap if waiting is acceptable.', { cause: error });
        }
        throw error;
    });
    const requests = new Map();
    octokit.hook.before('request', (options) => {
        const key = `${options.method} ${String(options.url)}`;
        requests.set(key, (requests.get(key) ?? 0) + 1);
    });
    return {
        octokit,
        requests,
        totalRequests: () => [...requests.values()].reduce((a, b) => a + b, 0),
    };
}


/***/ }),

/***/ 7724:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  m: () => (/* binding */ readLock),
  o: () => (/* binding */ removeLock)
});

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
;// CONCATENATED MODULE: ./src/github/lock.ts


/**
 * How far past `now + leaseMs` a lease may reach before it is invalid: clocks of runners
 * disagree by seconds, and a renewal in flight adds the time of one request.
 */
const LEASE_CLOCK_SLACK_MS = 60_000;
const LOCK_REF_PREFIX = 'refs/ripcord/locks/';
const LEASE_VERSION = 1;
/**
 * Environment name -> a valid git ref component, deterministically: lowercased (GitHub
 * environment names are case-insensitive), every run of characters outside `[a-z0-9._-]`
 * becomes one `-`, and the shapes git forbids (`..`, a leading or trailing `.`, a `.lock`
 * suffix) are defused. Two names that map to the same component share one lock, which
 * serialises more than needed but never less.
 */
function lockComponent(environment) {
    const trimmed = environment.trim();
    if (trimmed === '')
        throw new errors/* ConfigurationError */.j('the environment name for the lock is empty');
    let name = trimmed.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
    name = name.replace(/\.{2,}/g, '-');
    name = name.replace(/^\./, '-').replace(/\.$/, '-');
    if (name.endsWith('.lock'))
        name = `${name.slice(0, -'.lock'.length)}-lock`;
    return name;
}
function lockRefName(environment) {
    return `${LOCK_REF_PREFIX}${lockComponent(environment)}`;
}
function leaseMessage(environment, lease) {
    const json = JSON.stringify({ v: LEASE_VERSION, environment, ...lease });
    return `Ripcord lock for ${environment}: held by ${lease.holder} until ${lease.expiresAt}\n\n${json}\n`;
}
/** The lease in a lock commit's message, or null when it cannot be trusted. */
function parseLease(message) {
    const start = message.indexOf('{');
    const end = message.lastIndexOf('}');
    if (start < 0 || end < start)
        return null;
    let value;
    try {
        value = JSON.parse(message.slice(start, end + 1));
    }
    catch {
        return null;
    }
    if (typeof value !== 'object' || value === null)
        return null;
    const v = value;
    const { holder, runUrl, acquiredAt, expiresAt } = v;
    if (typeof holder !== 'string' ||
        typeof acquiredAt !== 'string' ||
        typeof expiresAt !== 'string' ||
        Number.isNaN(Date.parse(expiresAt)) ||
        (runUrl !== null && runUrl !== undefined && typeof runUrl !== 'string')) {
        return null;
    }
    return { holder, runUrl: typeof runUrl === 'string' ? runUrl : null, acquiredAt, expiresAt };
}
/** Immediate re-looks before a poll interval is enforced, so a flapping ref cannot spin us. */
const MAX_IMMEDIATE_RETRIES = 5;
function createEnvironmentLock(octokit, repo, environment, opts) {
    const ref = lockRefName(environment);
    // GET/PATCH/DELETE take the ref without its `refs/` prefix.
    const shortRef = ref.slice('refs/'.length);
    const where = `${ref} in ${repoName(repo)}`;
    const pollMs = opts.pollMs ?? 2000;
    const { logger } = opts;
    const iso = (ms) => new Date(ms).toISOString();
    function newLease(durationMs, acquiredAt) {
        const now = opts.now();
        return {
            holder: opts.holder,
            runUrl: opts.runUrl ?? null,
            acquiredAt: acquiredAt ?? iso(now),
            expiresAt: iso(now + durationMs),
        };
    }
    async function writeLeaseCommit(lease, parent) {
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
    async function readRef() {
        try {
            const { data } = await octokit.rest.git.getRef({ ...repo, ref: shortRef });
            return data.object.sha;
        }
        catch (err) {
            if (requestStatus(err) === 404)
                return null;
            throw err;
        }
    }
    async function readLease(sha) {
        const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
        const lease = parseLease(data.message);
        if (!lease) {
            logger.warning(`the lease on ${where} (commit ${sha}) is unreadable; treating it as expired so the lock cannot block forever`);
            return null;
        }
        // A commit made through the API without an author is authored by the token's identity
        // (and committed by it, unless GitHub signs it as its web-flow committer): a bot's commit
        // carries the bot's login as author name.
        const identity = opts.identity;
        const author = data.author.name;
        const committer = data.committer.name;
        if (identity &&
            identity.logins.every((l) => l.endsWith('[bot]')) &&
            !identity.is(author) &&
            !identity.is(committer)) {
            logger.warning(`the lease on ${where} (commit ${sha}, "held by ${lease.holder}") was written by ${JSON.stringify(author)}, not by ${identity.describe} as Ripcord's leases are; not trusting it, taking the lock over`);
            return null;
        }
        const limit = opts.now() + opts.leaseMs + LEASE_CLOCK_SLACK_MS;
        if (lease.holder !== opts.holder && Date.parse(lease.expiresAt) > limit) {
            logger.warning(`the lease on ${where} (held by ${lease.holder}) runs until ${lease.expiresAt}, longer than the policy's lease of ${opts.leaseMs} ms allows; it is invalid (planted or from a misconfigured run), taking the lock over`);
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
    async function tryCreate(sha) {
        try {
            await octokit.rest.git.createRef({ ...repo, ref, sha });
            return true;
        }
        catch (err) {
            const status = requestStatus(err);
            const message = requestMessage(err);
            if (status === 422 && /already exists/i.test(message))
                return false;
            if (status === 409 || (status === 422 && /reference update failed/i.test(message))) {
                logger.debug(`creating ${where} answered ${status} "${message}"; looking again`);
                return false;
            }
            throw lockError('create', err);
        }
    }
    /** Compare-and-swap: moves the ref from `from` to `to` (a child of `from`) or reports a loss. */
    async function tryFastForward(to) {
        try {
            await octokit.rest.git.updateRef({ ...repo, ref: shortRef, sha: to, force: false });
            return true;
        }
        catch (err) {
            // "Update is not a fast forward" (someone moved it), "Reference does not exist"
            // (released) or "Reference update failed" (a concurrent write, also as 409).
            if (requestStatus(err) === 422 || requestStatus(err) === 409)
                return false;
            throw lockError('update', err);
        }
    }
    function lockError(action, err) {
        const status = requestStatus(err);
        if (status === 403 || status === 404) {
            return new ConfigurationError(`cannot ${action} the lock ${where} (GitHub said ${status}: ${requestMessage(err)}); give the workflow \`permissions: contents: write\``);
        }
        return new Error(`could not ${action} the lock ${where}: ${requestMessage(err)}`, {
            cause: err,
        });
    }
    function isExpired(lease) {
        return lease === null || Date.parse(lease.expiresAt) <= opts.now();
    }
    function heldLock(initialSha, initialLease) {
        let sha = initialSha;
        let lease = initialLease;
        let stopKeepAlive;
        let renewing = Promise.resolve();
        const handle = {
            get lease() {
                return lease;
            },
            keepAlive() {
                stopKeepAlive?.();
                const every = Math.max(50, opts.renewEveryMs ?? Math.floor(opts.leaseMs / 3));
                const state = { stopped: false, lost: false };
                let timer;
                const tick = () => {
                    renewing = handle
                        .renew()
                        .catch((e) => {
                        state.lost = true;
                        state.stopped = true;
                        logger.error(`${toError(e).message} (while keeping the lease alive)`);
                    })
                        .then(() => {
                        if (!state.stopped)
                            schedule();
                    });
                };
                const schedule = () => {
                    timer = setTimeout(tick, every);
                    timer.unref();
                };
                stopKeepAlive = () => {
                    state.stopped = true;
                    if (timer)
                        clearTimeout(timer);
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
                    logger.warning(`not releasing ${where}: it no longer holds our lease (${lease.holder}, expired ${lease.expiresAt}); another run took it over`);
                    return;
                }
                await deleteOurs();
            },
            async renew(extendMs = opts.leaseMs) {
                const next = newLease(extendMs, lease.acquiredAt);
                const commit = await writeLeaseCommit(next, sha);
                if (!(await tryFastForward(commit))) {
                    throw new Error(`lost the lock ${where}: another run took it over after our lease expired at ${lease.expiresAt}; stop mutating ${environment}`);
                }
                sha = commit;
                lease = next;
                logger.debug(`renewed ${where} until ${lease.expiresAt}`);
            },
        };
        async function deleteOurs() {
            try {
                await octokit.rest.git.deleteRef({ ...repo, ref: shortRef });
            }
            catch (err) {
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
    async function attempt(known, createFirst) {
        let observed = known;
        if (createFirst) {
            const lease = newLease(opts.leaseMs);
            const sha = await writeLeaseCommit(lease, null);
            if (await tryCreate(sha))
                return { kind: 'won', sha, lease, tookOver: false };
            observed = undefined;
        }
        const target = await readRef();
        if (target === null)
            return { kind: 'changed', gone: true };
        if (observed?.sha !== target)
            observed = { sha: target, lease: await readLease(target) };
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
            }
            else {
                logger.info(`took over ${where} from ${current?.holder ?? 'an unreadable lease'}${current ? `, whose lease expired at ${current.expiresAt}` : ''}`);
            }
            return { kind: 'won', sha, lease, tookOver: !ours };
        }
        logger.debug(`lost the race to take over ${where}; looking again`);
        return { kind: 'changed', gone: false };
    }
    async function acquire() {
        const started = opts.now();
        const waited = () => Math.max(0, opts.now() - started);
        let known;
        let lastHolder;
        let createFirst = true;
        let immediate = 0;
        let announced = false;
        for (;;) {
            const result = await attempt(known, createFirst);
            if (result.kind === 'won') {
                if (!result.tookOver)
                    logger.info(`acquired ${where} until ${result.lease.expiresAt}`);
                return {
                    acquired: true,
                    lock: heldLock(result.sha, result.lease),
                    waitedMs: waited(),
                    tookOverExpired: result.tookOver,
                };
            }
            if (result.kind === 'changed') {
                known = undefined;
                // A lost compare-and-swap means the ref exists: re-reading it is cheaper than a create.
                createFirst = result.gone;
                immediate += 1;
                if (immediate <= MAX_IMMEDIATE_RETRIES)
                    continue;
            }
            else {
                known = result.observed;
                lastHolder = result.observed.lease;
                // While held, a poll is one GET of the ref; creating only pays once it is gone.
                createFirst = false;
            }
            immediate = 0;
            const remaining = opts.waitMs - waited();
            if (remaining <= 0) {
                const heldBy = lastHolder ?? {
                    holder: 'unknown (the lock changed hands repeatedly while we looked)',
                    runUrl: null,
                    acquiredAt: iso(opts.now()),
                    expiresAt: iso(opts.now()),
                };
                logger.warning(`${environment} is locked by ${heldBy.holder} until ${heldBy.expiresAt}; gave up after ${waited()} ms`);
                return { acquired: false, heldBy, waitedMs: waited() };
            }
            if (!announced && lastHolder) {
                announced = true;
                logger.info(`${environment} is locked by ${lastHolder.holder}${lastHolder.runUrl ? ` (${lastHolder.runUrl})` : ''} until ${lastHolder.expiresAt}; waiting up to ${opts.waitMs} ms`);
            }
            await opts.sleep(Math.min(pollMs, remaining));
        }
    }
    return { acquire };
}

// EXTERNAL MODULE: ./src/github/repo-ref.ts
var repo_ref = __webpack_require__(8031);
;// CONCATENATED MODULE: ./src/github/lock-inspect.ts
/**
 * The environment lock seen from outside a run: who holds it and until when (`ripcord
 * status`), and its removal by a person (`ripcord unlock`). Acquiring and renewing stay in
 * lock.ts; this file never takes the lock.
 *
 * Removal re-reads the ref right before deleting it and refuses when it moved since the caller
 * looked: a holder that renewed in between is alive. GitHub has no compare-and-delete for refs,
 * so a renewal in the few milliseconds between that read and the DELETE can still be lost; the
 * holder then finds its lock gone at its next renewal and fails loudly (lock.ts).
 */



async function readLock(octokit, repo, environment, now, identity) {
    const ref = lockRefName(environment);
    let sha;
    try {
        const { data } = await octokit.rest.git.getRef({ ...repo, ref: ref.slice('refs/'.length) });
        sha = data.object.sha;
    }
    catch (err) {
        if ((0,repo_ref/* requestStatus */.G2)(err) === 404)
            return null;
        throw err;
    }
    const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
    const lease = parseLease(data.message);
    const author = data.author.name;
    return {
        ref,
        sha,
        lease,
        expired: lease === null || Date.parse(lease.expiresAt) <= now,
        author,
        byRipcord: identity.is(author) || identity.is(data.committer.name),
    };
}
/** Deletes the lock ref if it still points at `sha`; false when it moved or is gone already. */
async function removeLock(octokit, repo, view) {
    const short = view.ref.slice('refs/'.length);
    try {
        const { data } = await octokit.rest.git.getRef({ ...repo, ref: short });
        if (data.object.sha !== view.sha)
            return 'moved';
        await octokit.rest.git.deleteRef({ ...repo, ref: short });
        return 'removed';
    }
    catch (err) {
        const status = (0,repo_ref/* requestStatus */.G2)(err);
        // 422 "Reference does not exist" on DELETE: another unlock (or the holder's release) won.
        if (status === 404 || (status === 422 && /does not exist/i.test((0,repo_ref/* requestMessage */.Vk)(err))))
            return 'gone';
        if (status === 403) {
            throw new errors/* ConfigurationError */.j(`cannot remove ${view.ref} in ${(0,repo_ref/* repoName */.Qq)(repo)} (GitHub said 403: ${(0,repo_ref/* requestMessage */.Vk)(err)}); the token needs contents: write`);
        }
        throw err;
    }
}


/***/ })

};
