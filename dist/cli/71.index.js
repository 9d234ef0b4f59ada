export const id = 71;
export const ids = [71,584,369];
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

/***/ 1071:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  plan: () => (/* binding */ plan)
});

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/secrets.ts
var core_secrets = __webpack_require__(8198);
// EXTERNAL MODULE: ./src/evaluate/evaluate-environment.ts + 1 modules
var evaluate_environment = __webpack_require__(3346);
// EXTERNAL MODULE: ./src/github/repo-ref.ts
var repo_ref = __webpack_require__(8031);
;// CONCATENATED MODULE: ./src/github/deployments.ts
/**
 * GitHub deployments as Ripcord's version history: which deployment is live, which one is the
 * last known-good, the rollback deployment itself, and the `failure` status that marks a
 * deployment as rolled back.
 *
 * Reads are budgeted: findLastKnownGood lists deployments 30 at a time (next page only when
 * the first has no answer) and reads statuses one candidate at a time, stopping at the first
 * good one; a typical history costs two calls.
 */


/**
 * Start of the description of the `failure` status Ripcord puts on a deployment it rolled
 * back. Deployments whose statuses carry it are never picked as known-good again.
 */
const ROLLED_BACK_MARKER = 'Rolled back by Ripcord';
/** GitHub rejects longer status descriptions. */
const STATUS_DESCRIPTION_LIMIT = 140;
/** Cuts text to GitHub's 140-character limit for status descriptions, ending in an ellipsis. */
function truncateDescription(text, limit = STATUS_DESCRIPTION_LIMIT) {
    const chars = [...text];
    if (chars.length <= limit)
        return text;
    return `${chars
        .slice(0, limit - 1)
        .join('')
        .trimEnd()}…`;
}
function isMarkedBadStatus(status) {
    return status.state === 'failure' && (status.description ?? '').startsWith(ROLLED_BACK_MARKER);
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** `payload.ripcord` of a rollback deployment, or null for anything else (by shape, not trust). */
function parseRipcordPayload(payload) {
    let value = payload;
    if (typeof value === 'string') {
        try {
            value = JSON.parse(value);
        }
        catch {
            return null;
        }
    }
    if (!isObject(value))
        return null;
    const r = value['ripcord'];
    if (!isObject(r) || r['kind'] !== 'rollback')
        return null;
    const from = r['from'];
    if (typeof r['incident'] !== 'number' ||
        typeof r['strategy'] !== 'string' ||
        !isObject(from) ||
        typeof from['deploymentId'] !== 'number' ||
        typeof from['ref'] !== 'string' ||
        typeof from['sha'] !== 'string') {
        return null;
    }
    const parsed = {
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
function toRecord(d, statuses) {
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
function payloadNames(payload) {
    let value = payload;
    if (typeof value === 'string') {
        try {
            value = JSON.parse(value);
        }
        catch {
            return { tag: null, version: null };
        }
    }
    if (!isObject(value))
        return { tag: null, version: null };
    const text = (v) => typeof v === 'string' && v.trim() !== '' && v.length <= 256 ? v : null;
    const ripcordTarget = parseRipcordPayload(value)?.target?.ref;
    const named = ripcordTarget && !SHA_LIKE.test(ripcordTarget) ? ripcordTarget : null;
    return {
        tag: text(value['tag']) ?? named,
        version: text(value['version']) ?? null,
    };
}
/** Whether `d` was created before `bad` (GitHub lists by creation time, then id). */
function isOlder(d, bad) {
    const a = Date.parse(d.created_at);
    const b = Date.parse(bad.createdAt);
    return a === b || Number.isNaN(a) || Number.isNaN(b) ? d.id < bad.id : a < b;
}
function isKnownGood(record) {
    if (record.markedBad === true)
        return false;
    if (record.latestState === 'success')
        return true;
    return record.latestState === 'inactive' && record.everSucceeded === true;
}
function createDeploymentStore(octokit, repo, logger, options = {}) {
    const where = (0,repo_ref/* repoName */.Qq)(repo);
    const maxCandidates = options.maxCandidates ?? 50;
    /**
     * One call in practice: 100 statuses (newest first) give the latest state and, for an
     * `inactive` one, the earlier `success`. Further pages only when a full page leaves that
     * open, which takes a deployment with more than 100 statuses.
     */
    async function readStatuses(deploymentId) {
        const summary = { latestState: null, everSucceeded: false, markedBad: false };
        const pages = octokit.paginate.iterator(octokit.rest.repos.listDeploymentStatuses, {
            ...repo,
            deployment_id: deploymentId,
            per_page: 100,
        });
        for await (const page of pages) {
            const statuses = page.data;
            for (const s of statuses) {
                summary.latestState ??= s.state;
                if (s.state === 'success')
                    summary.everSucceeded = true;
                if (isMarkedBadStatus(s))
                    summary.markedBad = true;
            }
            const undecided = (summary.latestState === 'success' || summary.latestState === 'inactive') &&
                !summary.markedBad;
            if (statuses.length < 100 || !undecided)
                break;
        }
        return summary;
    }
    async function get(id) {
        let deployment;
        try {
            deployment = (await octokit.rest.repos.getDeployment({ ...repo, deployment_id: id })).data;
        }
        catch (err) {
            if ((0,repo_ref/* requestStatus */.G2)(err) === 404) {
                throw new errors/* ConfigurationError */.j(`deployment ${id} not found in ${where}; pass an id from the repository's deployments ` +
                    `(Settings > Environments, or GET /repos/${where}/deployments), or leave it out to ` +
                    'use the newest deployment of the environment');
            }
            throw err;
        }
        return toRecord(deployment, await readStatuses(id));
    }
    // The newest page of an environment, read by current() and reused by findLastKnownGood(),
    // which needs the same list: one call fewer before a rollback's first step.
    const PAGE = 30;
    const newestPage = new Map();
    async function current(environment) {
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
    async function findLastKnownGood(environment, bad) {
        let examined = 0;
        const cached = newestPage.get(environment);
        const pages = (async function* () {
            if (cached) {
                yield { data: cached };
                if (cached.length < PAGE)
                    return;
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
        const rolledBackShas = new Set();
        for await (const page of pages) {
            for (const d of page.data) {
                const payload = parseRipcordPayload(d.payload);
                if (payload)
                    rolledBackShas.add(payload.from.sha);
            }
            for (const d of page.data) {
                if (d.id === bad.id || !isOlder(d, bad))
                    continue;
                if (rolledBackShas.has(d.sha)) {
                    logger.debug(`skipping deployment ${d.id} (${d.ref}): ${d.sha} is a version Ripcord rolled back`);
                    continue;
                }
                if (d.sha === bad.sha) {
                    logger.debug(`skipping deployment ${d.id} (${d.ref}): same sha ${d.sha} as the bad deployment ${bad.id}, so rolling back to it would change nothing`);
                    continue;
                }
                if (examined >= maxCandidates) {
                    logger.warning(`no known-good deployment of ${environment} among the ${maxCandidates} newest candidates older than ${bad.id}; stopped looking to save API calls — pass a target version explicitly`);
                    return null;
                }
                examined += 1;
                const record = toRecord(d, await readStatuses(d.id));
                if (isKnownGood(record)) {
                    logger.debug(`last known-good deployment of ${environment}: ${record.id} (${record.ref} @ ${record.sha}, ${record.latestState})`);
                    return record;
                }
                logger.debug(`skipping deployment ${d.id} (${d.ref}): ${record.markedBad
                    ? 'already rolled back by Ripcord'
                    : `latest status ${record.latestState ?? 'none'}${record.latestState === 'inactive' ? ' without an earlier success' : ''}`}`);
            }
        }
        logger.debug(`no known-good deployment of ${environment} older than ${bad.id} in ${where}`);
        return null;
    }
    async function createRollbackDeployment(opts) {
        newestPage.delete(opts.environment);
        let data;
        const create = (retries) => octokit.rest.repos.createDeployment({
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
            }
            catch (err) {
                const status = (0,repo_ref/* requestStatus */.G2)(err);
                if (status !== undefined && status < 500)
                    throw err;
                const existing = await findCreatedRollback(opts.environment, opts.sha, opts.payload.incident);
                if (existing) {
                    logger.warning(`GitHub answered ${status ?? 'no response'} to creating the rollback deployment, but it was created (${existing.id}); using it`);
                    return existing;
                }
                ({ data } = await create());
            }
        }
        catch (err) {
            const status = (0,repo_ref/* requestStatus */.G2)(err);
            const message = (0,repo_ref/* requestMessage */.Vk)(err);
            if (status === 422 && /no ref found|not found|does not exist/i.test(message)) {
                throw new errors/* ConfigurationError */.j(`target ref ${opts.ref} (${opts.sha}) does not exist in ${where}; pick a version that is in the repository (GitHub said: ${message})`);
            }
            if (status === 403 || status === 404) {
                throw new errors/* ConfigurationError */.j(`cannot create a deployment in ${where} (GitHub said ${status}: ${message}); give the workflow \`permissions: deployments: write\``);
            }
            if (status === 409 || status === 422) {
                throw new Error(`GitHub refused the rollback deployment of ${opts.ref} (${opts.sha}) to ${opts.environment} in ${where}: ${status} ${message}`, { cause: err });
            }
            throw err;
        }
        if (!('id' in data)) {
            // 202: GitHub merged the default branch instead of deploying, which auto_merge: false rules out.
            throw new Error(`GitHub did not create the rollback deployment of ${opts.sha} in ${where}: ${data.message ?? 'no reason given'}`);
        }
        logger.info(`created rollback deployment ${data.id} of ${opts.ref} (${opts.sha}) to ${opts.environment}`);
        return toRecord(data, { latestState: null, everSucceeded: false, markedBad: false });
    }
    /** A rollback deployment of `sha` to `environment` for this incident, created moments ago. */
    async function findCreatedRollback(environment, sha, incident) {
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
    async function setStatus(id, state, description, opts = {}) {
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
        }
        catch (err) {
            const status = (0,repo_ref/* requestStatus */.G2)(err);
            if (status === 404 || status === 403) {
                throw new errors/* ConfigurationError */.j(`cannot set status ${state} on deployment ${id} in ${where} (GitHub said ${status}: ${(0,repo_ref/* requestMessage */.Vk)(err)}); check that the deployment exists and the workflow has \`permissions: deployments: write\``);
            }
            throw err;
        }
        logger.debug(`deployment ${id}: ${state} (${description})`);
    }
    async function markBad(deployment, incident, reason) {
        if (deployment.markedBad === true) {
            logger.debug(`deployment ${deployment.id} is already marked as rolled back; not marking it again`);
            return;
        }
        await setStatus(deployment.id, 'failure', `${ROLLED_BACK_MARKER} (incident #${incident}): ${reason.replace(/\s+/g, ' ').trim()}`);
    }
    return { current, get, findLastKnownGood, createRollbackDeployment, setStatus, markBad };
}

// EXTERNAL MODULE: ./src/policy/read-policy.ts + 7 modules
var read_policy = __webpack_require__(8818);
// EXTERNAL MODULE: ./src/core/logger.ts
var core_logger = __webpack_require__(1227);
// EXTERNAL MODULE: ./src/sources/fetch-with-retry.ts
var fetch_with_retry = __webpack_require__(3016);
// EXTERNAL MODULE: ./src/sources/json-path.ts
var json_path = __webpack_require__(8420);
// EXTERNAL MODULE: ./src/core/did-you-mean.ts
var did_you_mean = __webpack_require__(7568);
;// CONCATENATED MODULE: ./src/strategies/template.ts
/**
 * `{{name}}` placeholders in the URLs, headers and bodies of http steps and http flag
 * providers. Templates are compiled once, when the policy is turned into executors, so a typo
 * such as `{{enviroment}}` fails before any rollback starts instead of halfway through one.
 *
 * Each place a value lands has its own escaping, so a value can never change the shape of what
 * it is put into: JSON string content in bodies, percent-encoding in URLs, and no line breaks in
 * headers.
 */


const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Compiles `source`; `allowed` are the placeholders this place offers and `where` names it in
 * errors (`flags.launchdarkly.disable.body`). Throws a ConfigurationError naming every unknown
 * placeholder at once.
 */
function compileTemplate(source, options) {
    const placeholders = [];
    const problems = [];
    for (const match of source.matchAll(PLACEHOLDER)) {
        const name = match[1] ?? '';
        if (!NAME.test(name) || !options.allowed.includes(name)) {
            const hint = (0,did_you_mean/* didYouMean */.a)(name, options.allowed);
            problems.push(`${options.where}: unknown placeholder {{${name}}}${hint ? `; did you mean {{${hint}}}?` : ''} ` +
                `(available here: ${options.allowed.map((a) => `{{${a}}}`).join(', ') || 'none'})`);
            continue;
        }
        if (!placeholders.includes(name))
            placeholders.push(name);
    }
    if (problems.length > 0) {
        throw new errors/* ConfigurationError */.j(`invalid template in ${options.where}`, problems);
    }
    return {
        source,
        placeholders,
        render: (values) => source.replace(PLACEHOLDER, (_whole, raw) => {
            const name = raw.trim();
            const value = values[name];
            if (value === undefined) {
                // A bug in the caller, not the policy: compile-time checks passed for this name.
                throw new Error(`${options.where}: no value for {{${name}}}`);
            }
            return escapeValue(value, options.escaping, name, options.where);
        }),
    };
}
function escapeValue(value, escaping, name, where) {
    const text = String(value);
    switch (escaping) {
        case 'json':
            return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : text;
        case 'url':
            return encodeURIComponent(text);
        case 'header':
            if (/[\r\n\0]/.test(text)) {
                throw new errors/* ConfigurationError */.j(`${where}: the value of {{${name}}} contains a line break, which cannot go into an HTTP header`);
            }
            return text;
        case 'text':
            return text;
    }
}
/** Compiles every header value of a header map with `header` escaping. */
function compileHeaders(headers, allowed, where) {
    const out = {};
    const problems = [];
    for (const [name, value] of Object.entries(headers ?? {})) {
        try {
            out[name] = compileTemplate(value, {
                allowed,
                escaping: 'header',
                where: `${where}.${name}`,
            });
        }
        catch (thrown) {
            if (thrown instanceof errors/* ConfigurationError */.j)
                problems.push(...thrown.problems);
            else
                throw thrown;
        }
    }
    if (problems.length > 0) {
        throw new errors/* ConfigurationError */.j(`invalid template in ${where}`, problems);
    }
    return out;
}
function renderHeaders(headers, values) {
    return Object.fromEntries(Object.entries(headers).map(([name, template]) => [name, template.render(values)]));
}

;// CONCATENATED MODULE: ./src/strategies/flags/flag-provider.ts
/**
 * What the `feature-flag` strategy needs from a flag service (Unleash, or any other through the
 * generic HTTP provider): read a flag, switch it off or on, change its rollout percentage, and
 * switch off single components of a feature.
 *
 * Components: a feature such as `chat-assistant` may have parts that can fail on their own
 * (`streaming`, `voice`). Each component is a flag of its own named `<flag>.<component>`
 * (`chat-assistant.streaming`) that the application checks together with the parent flag. This
 * works on every flag service, shows up as plain flags in the service's UI, and lets a rollback
 * switch off one part without touching the rest; a component flag that does not exist is a
 * configuration error, like a missing parent flag.
 *
 * Errors every provider throws:
 * - ConfigurationError when the user can fix it: the flag or environment does not exist (was
 *   it deleted?), the token is rejected or lacks permission (naming the variable that holds it),
 *   an invalid percentage.
 * - Error for everything else (network, timeouts, 5xx after retries), with the reason.
 */
/** The flag name of one component of a feature (see the module comment). */
function componentFlag(flag, component) {
    return `${flag}.${component}`;
}

;// CONCATENATED MODULE: ./src/strategies/flags/http-flag.ts
/**
 * A flag provider for any flag service with an HTTP API (LaunchDarkly, Flagsmith, an in-house
 * switchboard...): each operation is a request written in the policy, with `{{placeholders}}`.
 *
 * Placeholders, per operation:
 * - every operation: `{{flag}}`, `{{environment}}`
 * - `set_rollout`: also `{{percent}}` (0..100) and `{{fraction}}` (0..1)
 * - `disable_component` / `enable_component`: also `{{component}}` (`{{flag}}` is the parent)
 *
 * Values are escaped for where they land: JSON string content in bodies (write `"{{flag}}"`;
 * numbers go in bare, so `{"rollout": {{percent}}}` stays a number), percent-encoding in URLs,
 * and no line breaks in headers. An unknown placeholder is a ConfigurationError when the
 * provider is created, before any rollback runs.
 *
 * Components without their own operations use the `<flag>.<component>` convention of
 * flag-provider.ts: the `disable` / `enable` requests with `{{flag}}` = `<flag>.<component>`.
 */






const PLACEHOLDERS = {
    disable: ['flag', 'environment'],
    enable: ['flag', 'environment'],
    get: ['flag', 'environment'],
    set_rollout: ['flag', 'environment', 'percent', 'fraction'],
    disable_component: ['flag', 'environment', 'component'],
    enable_component: ['flag', 'environment', 'component'],
};
const METHOD = /^[A-Z]+$/;
function compileOperation(provider, name, operation) {
    const where = `flag provider ${provider}: ${name}`;
    const allowed = PLACEHOLDERS[name];
    const method = (operation.method ?? (name === 'get' ? 'GET' : 'POST')).toUpperCase();
    if (!METHOD.test(method)) {
        throw new errors/* ConfigurationError */.j(`${where}: "${operation.method}" is not an HTTP method`);
    }
    if (!/^https?:\/\//i.test(operation.url)) {
        throw new errors/* ConfigurationError */.j(`${where}: url "${operation.url}" must start with http:// or https://`);
    }
    const problems = [];
    const collect = (compile) => {
        try {
            return compile();
        }
        catch (thrown) {
            if (thrown instanceof errors/* ConfigurationError */.j) {
                problems.push(...thrown.problems);
                return undefined;
            }
            throw thrown;
        }
    };
    const url = collect(() => compileTemplate(operation.url, { allowed, escaping: 'url', where: `${where}.url` }));
    const headers = collect(() => compileHeaders(operation.headers, allowed, `${where}.headers`));
    const body = operation.body === undefined
        ? undefined
        : collect(() => compileTemplate(operation.body ?? '', {
            allowed,
            escaping: 'json',
            where: `${where}.body`,
        }));
    if (problems.length > 0 || url === undefined || headers === undefined) {
        throw new errors/* ConfigurationError */.j(`invalid request template for flag provider ${provider}`, problems);
    }
    return { name, method, url, headers, body, expectStatus: operation.expect_status };
}
function validPercent(flag, percent) {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
        throw new errors/* ConfigurationError */.j(`rollout ${String(percent)} for flag ${flag} is not a percentage; write a whole number from 0 to 100`);
    }
}
function createHttpFlagProvider(config) {
    const label = `flag provider ${config.name}`;
    const logger = config.logger ?? core_logger/* silentLogger */.q;
    const secrets = config.secrets ?? [];
    const ops = {};
    const problems = [];
    for (const name of Object.keys(PLACEHOLDERS)) {
        const operation = config[name];
        if (operation === undefined)
            continue;
        try {
            ops[name] = compileOperation(config.name, name, operation);
        }
        catch (thrown) {
            if (!(thrown instanceof errors/* ConfigurationError */.j))
                throw thrown;
            problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
        }
    }
    let enabledPath = [];
    let rolloutPath;
    const scale = config.get?.rollout_scale ?? 100;
    if (config.get) {
        try {
            enabledPath = (0,json_path/* parseJsonPath */.Hf)(config.get.enabled);
            rolloutPath =
                config.get.rollout === undefined ? undefined : (0,json_path/* parseJsonPath */.Hf)(config.get.rollout);
        }
        catch (thrown) {
            if (!(thrown instanceof errors/* ConfigurationError */.j))
                throw thrown;
            problems.push(`${label}: get: ${thrown.message}`);
        }
        if (!(scale > 0))
            problems.push(`${label}: get.rollout_scale must be a positive number`);
    }
    if (problems.length > 0) {
        throw new errors/* ConfigurationError */.j(`invalid flag provider ${config.name}`, problems);
    }
    const credentialHint = config.secret_envs && config.secret_envs.length > 0
        ? `check the secret${config.secret_envs.length > 1 ? 's' : ''} behind ${config.secret_envs.join(', ')}`
        : 'check the credentials in the request headers';
    function need(name) {
        const op = ops[name];
        if (!op) {
            throw new errors/* ConfigurationError */.j(`${label} has no ${name} request; add one under its ${name} key to use this step`);
        }
        return op;
    }
    async function send(op, values, subject) {
        const url = op.url.render(values);
        const what = `${op.name.replace('_', ' ')} ${subject}`;
        const shownUrl = `${op.method} ${(0,fetch_with_retry/* redact */.E$)((0,fetch_with_retry/* displayUrl */.Qy)(url), secrets)}`;
        const outcome = await (0,fetch_with_retry/* requestWithRetry */.En)(url, {
            method: op.method,
            headers: {
                accept: 'application/json',
                ...(op.body ? { 'content-type': 'application/json' } : {}),
                ...renderHeaders(op.headers, values),
            },
            body: op.body?.render(values),
        }, {
            fetch: config.fetch ?? fetch,
            timeoutMs: config.timeoutMs ?? 10_000,
            retries: config.retries ?? 2,
            retryDelayMs: config.retryDelayMs ?? 500,
            logger,
            label: `${label} (${what})`,
        });
        if (!outcome.ok) {
            throw new Error(`${label} could not ${what} (${shownUrl}): ${(0,fetch_with_retry/* redact */.E$)(outcome.reason, secrets)}`);
        }
        const { status } = outcome;
        const body = (0,fetch_with_retry/* redact */.E$)((0,fetch_with_retry/* snippet */.UA)(outcome.text), secrets);
        const expected = op.expectStatus
            ? op.expectStatus.includes(status)
            : status >= 200 && status < 300;
        if (expected)
            return outcome.text;
        const detail = `HTTP ${status} from ${shownUrl}${body ? `: ${body}` : ''}`;
        if (status === 401 || status === 403) {
            throw new errors/* ConfigurationError */.j(`${label} refused to ${what} (${detail}); ${credentialHint}`);
        }
        if (status === 404) {
            throw new errors/* ConfigurationError */.j(`${subject} not found by ${label} (${detail}); was it deleted, or is the URL template wrong?`);
        }
        const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
        throw new Error(`${label} could not ${what}${tries}: ${detail}`);
    }
    function readState(text, flag) {
        let document;
        try {
            document = JSON.parse(text);
        }
        catch {
            throw new Error(`${label} answered get for flag ${flag} with a body that is not JSON: ${(0,fetch_with_retry/* snippet */.UA)(text)}`);
        }
        const enabled = (0,json_path/* getJsonPath */.yh)(document, enabledPath);
        const raw = enabled.found ? enabled.value : undefined;
        const on = raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : undefined;
        if (on === undefined) {
            throw new Error(`${label}: get for flag ${flag}: ${config.get?.enabled} is ${enabled.found ? JSON.stringify(raw) : 'missing'}, not true or false`);
        }
        let rollout = null;
        if (rolloutPath) {
            const found = (0,json_path/* getJsonPath */.yh)(document, rolloutPath);
            const value = found.found ? Number(found.value) : NaN;
            if (!found.found || found.value === null || found.value === '' || !Number.isFinite(value)) {
                throw new Error(`${label}: get for flag ${flag}: ${config.get?.rollout} is ${found.found ? JSON.stringify(found.value) : 'missing'}, not a number`);
            }
            rollout = (value / scale) * 100;
        }
        return { enabled: on, rollout };
    }
    async function getOne(flag, environment) {
        const text = await send(need('get'), { flag, environment }, `flag ${flag} in ${environment}`);
        return readState(text, flag);
    }
    async function eachComponent(flag, environment, components, on) {
        const own = ops[on ? 'enable_component' : 'disable_component'];
        const failures = [];
        for (const component of components) {
            try {
                if (own) {
                    await send(own, { flag, environment, component }, `component ${component} of flag ${flag} in ${environment}`);
                }
                else {
                    const name = componentFlag(flag, component);
                    await send(need(on ? 'enable' : 'disable'), { flag: name, environment }, `flag ${name} in ${environment}`);
                }
                logger.info(`${label}: component ${component} of ${flag} switched ${on ? 'on' : 'off'} in ${environment}`);
            }
            catch (thrown) {
                failures.push(thrown instanceof Error ? thrown : new Error(String(thrown)));
            }
        }
        if (failures.length === 1 && failures[0])
            throw failures[0];
        if (failures.length > 1) {
            const message = `${failures.length} of ${components.length} components of flag ${flag} failed`;
            const lines = failures.map((f) => f.message);
            throw failures.every((f) => f instanceof errors/* ConfigurationError */.j)
                ? new errors/* ConfigurationError */.j(message, lines)
                : new Error(`${message}:\n  ${lines.join('\n  ')}`);
        }
    }
    return {
        kind: `http:${config.name}`,
        async getState(flag, environment, options = {}) {
            const state = { flag, environment, ...(await getOne(flag, environment)) };
            if (options.components && options.components.length > 0) {
                const components = {};
                for (const component of options.components) {
                    components[component] = await getOne(componentFlag(flag, component), environment);
                }
                state.components = components;
            }
            return state;
        },
        async disable(flag, environment) {
            await send(need('disable'), { flag, environment }, `flag ${flag} in ${environment}`);
            logger.info(`${label}: flag ${flag} switched off in ${environment}`);
        },
        async enable(flag, environment) {
            await send(need('enable'), { flag, environment }, `flag ${flag} in ${environment}`);
            logger.info(`${label}: flag ${flag} switched on in ${environment}`);
        },
        async setRollout(flag, environment, percent) {
            validPercent(flag, percent);
            await send(need('set_rollout'), { flag, environment, percent, fraction: percent / 100 }, `flag ${flag} in ${environment}`);
            logger.info(`${label}: flag ${flag} rollout set to ${percent}% in ${environment}`);
        },
        disableComponents: (flag, environment, components) => eachComponent(flag, environment, components, false),
        enableComponents: (flag, environment, components) => eachComponent(flag, environment, components, true),
    };
}

;// CONCATENATED MODULE: ./src/strategies/flags/unleash.ts
/**
 * Unleash through its Admin API (tested against unleash-server 8.2.0).
 *
 * - Off / on: `POST /api/admin/projects/<project>/features/<flag>/environments/<env>/off|on`.
 * - Percentage: the `rollout` parameter (a string, "0".."100") of the flag's `flexibleRollout`
 *   strategies in that environment; `setRollout` changes every enabled one (`PUT
 *   .../strategies/<id>`, keeping constraints, segments and stickiness), or adds one when there
 *   is none, and never switches the flag on or off. Strategies in Unleash are OR-ed, so a
 *   percentage cannot limit a flag that also has an unconstrained `default` strategy: that is
 *   refused instead of reporting a rollback that changed nothing.
 * - Components are flags of their own, `<flag>.<component>` (see flag-provider.ts).
 *
 * Unleash switches a flag on with a 100% rollout when it has no strategy; to bring a feature
 * back gradually, call setRollout before enable.
 */




const PERCENT_HELP = 'write a whole number from 0 to 100';
function createUnleashProvider(config) {
    const base = config.url.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(base)) {
        throw new errors/* ConfigurationError */.j(`Unleash url "${config.url}" is not an http(s) URL; write the server's base URL, such as https://unleash.example.com`);
    }
    if (config.token.trim() === '') {
        throw new errors/* ConfigurationError */.j(`the Unleash token${config.tokenEnv ? ` in ${config.tokenEnv}` : ''} is empty; set it from a secret holding an admin API token`);
    }
    const project = config.project ?? 'default';
    const tokenName = config.tokenEnv ?? 'the Unleash token';
    const logger = config.logger ?? core_logger/* silentLogger */.q;
    const where = `Unleash at ${(0,fetch_with_retry/* displayUrl */.Qy)(base)}`;
    const projectPath = `/api/admin/projects/${encodeURIComponent(project)}/features`;
    const featurePath = (flag) => `${projectPath}/${encodeURIComponent(flag)}`;
    const envPath = (flag, env) => `${featurePath(flag)}/environments/${encodeURIComponent(env)}`;
    const flagNotFound = (flag, serverMessage) => new errors/* ConfigurationError */.j(`flag ${flag} not found in Unleash project ${project}; was it deleted or archived?` +
        (serverMessage ? ` (Unleash says: ${serverMessage})` : ''));
    const envNotFound = (flag, env) => new errors/* ConfigurationError */.j(`environment ${env} not found for flag ${flag} in Unleash project ${project}; check the environment name and that it is enabled in the project`);
    /**
     * One Admin API call. `retry: false` for requests that are not idempotent, where a timeout
     * may hide a success and a retry would do the change twice.
     */
    async function call(method, path, what, options) {
        const outcome = await (0,fetch_with_retry/* requestWithRetry */.En)(`${base}${path}`, {
            method,
            headers: {
                authorization: config.token,
                accept: 'application/json',
                ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
        }, {
            fetch: config.fetch ?? fetch,
            timeoutMs: config.timeoutMs ?? 10_000,
            retries: options.retry === false ? 0 : (config.retries ?? 2),
            retryDelayMs: config.retryDelayMs ?? 500,
            logger,
            label: `${where} (${what})`,
        });
        if (!outcome.ok) {
            throw new Error(`${where} could not ${what}: ${(0,fetch_with_retry/* redact */.E$)(outcome.reason, [config.token])}`);
        }
        const message = (0,fetch_with_retry/* redact */.E$)(serverMessage(outcome.text), [config.token]);
        const status = outcome.status;
        if (status >= 200 && status < 300) {
            if (outcome.text.trim() === '')
                return undefined;
            try {
                return JSON.parse(outcome.text);
            }
            catch {
                throw new Error(`${where} answered ${what} with a body that is not JSON: ${message}`);
            }
        }
        if (status === 401) {
            throw new errors/* ConfigurationError */.j(`${where} rejected ${tokenName} (HTTP 401${message ? `: ${message}` : ''}); ` +
                `check that ${config.tokenEnv ? `the secret behind ${config.tokenEnv}` : 'it'} holds a valid admin API token or personal access token for this server`);
        }
        if (status === 403) {
            throw new errors/* ConfigurationError */.j(`${where} does not allow ${tokenName} to ${what} (HTTP 403${message ? `: ${message}` : ''}); ` +
                `Ripcord needs an admin API token, or a personal access token that may update flags in project ${project}, not a client/backend token`);
        }
        if (status === 404)
            throw options.onNotFound(message);
        // Unleash 8 answers changes to an archived flag with 400, not 404.
        if (status === 400 && /archived/i.test(message))
            throw options.onNotFound(message);
        const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
        throw new Error(`${where} answered HTTP ${status}${tries} when asked to ${what}${message ? `: ${message}` : ''}`);
    }
    async function getFeature(flag) {
        const body = await call('GET', featurePath(flag), `read flag ${flag}`, {
            onNotFound: (m) => flagNotFound(flag, m),
        });
        const feature = body;
        if (!feature || typeof feature !== 'object' || !Array.isArray(feature.environments)) {
            throw new Error(`${where} answered the read of flag ${flag} without its environments`);
        }
        if (feature.archived === true)
            throw flagNotFound(flag, 'the flag is archived');
        return feature;
    }
    async function getEnvironment(flag, env) {
        const feature = await getFeature(flag);
        const found = feature.environments?.find((e) => e.name === env);
        if (!found)
            throw envNotFound(flag, env);
        return found;
    }
    async function switchFlag(flag, env, on) {
        const what = `switch flag ${flag} ${on ? 'on' : 'off'} in ${env}`;
        await call('POST', `${envPath(flag, env)}/${on ? 'on' : 'off'}`, what, {
            // A 404 here does not say whether the flag or the environment is missing.
            onNotFound: (m) => (/environment/i.test(m) ? envNotFound(flag, env) : flagNotFound(flag, m)),
        });
        logger.info(`${where}: flag ${flag} switched ${on ? 'on' : 'off'} in ${env}`);
    }
    async function setRollout(flag, env, percent) {
        if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
            throw new errors/* ConfigurationError */.j(`rollout ${String(percent)} for flag ${flag} is not a percentage; ${PERCENT_HELP}`);
        }
        const environment = await getEnvironment(flag, env);
        const strategies = (environment.strategies ?? []).filter((s) => s.disabled !== true);
        const rollouts = strategies.filter((s) => s.name === 'flexibleRollout');
        const everyone = strategies.filter((s) => s.name === 'default' &&
            (s.constraints ?? []).length === 0 &&
            (s.segments ?? []).length === 0);
        if (everyone.length > 0 && percent < 100) {
            throw new errors/* ConfigurationError */.j(`flag ${flag} in ${env} has a "default" strategy that gives it to everyone; Unleash ORs strategies, ` +
                `so a ${percent}% rollout would change nothing. Remove that strategy in Unleash or switch the flag off instead`);
        }
        const others = strategies.filter((s) => s.name !== 'flexibleRollout' && !everyone.includes(s));
        if (others.length > 0) {
            logger.warning(`${where}: flag ${flag} in ${env} also has ${others.map((s) => s.name).join(', ')} strategies; ` +
                `users they match get the flag whatever the rollout percentage`);
        }
        const rollout = String(percent);
        if (rollouts.length === 0) {
            await call('POST', `${envPath(flag, env)}/strategies`, `add a rollout strategy to ${flag} in ${env}`, {
                body: {
                    name: 'flexibleRollout',
                    constraints: [],
                    parameters: { rollout, stickiness: 'default', groupId: flag },
                },
                retry: false,
                onNotFound: (m) => flagNotFound(flag, m),
            });
        }
        for (const strategy of rollouts) {
            await call('PUT', `${envPath(flag, env)}/strategies/${encodeURIComponent(strategy.id)}`, `set the rollout of ${flag} in ${env}`, {
                body: {
                    name: strategy.name,
                    title: strategy.title ?? undefined,
                    disabled: strategy.disabled ?? false,
                    constraints: strategy.constraints ?? [],
                    variants: strategy.variants ?? [],
                    segments: strategy.segments ?? [],
                    parameters: { ...strategy.parameters, rollout },
                },
                onNotFound: (m) => flagNotFound(flag, m),
            });
        }
        logger.info(`${where}: flag ${flag} rollout set to ${percent}% in ${env}`);
    }
    function stateOf(environment) {
        const rollouts = (environment.strategies ?? [])
            .filter((s) => s.disabled !== true && s.name === 'flexibleRollout')
            .map((s) => Number(s.parameters?.rollout))
            .filter((n) => Number.isFinite(n));
        return {
            enabled: environment.enabled === true,
            rollout: rollouts.length > 0 ? Math.max(...rollouts) : null,
        };
    }
    async function discoverComponents(flag) {
        const body = (await call('GET', projectPath, `list the flags of project ${project}`, {
            onNotFound: () => new errors/* ConfigurationError */.j(`Unleash project ${project} not found; check the project name`),
        }));
        const prefix = componentFlag(flag, '');
        return (body?.features ?? [])
            .map((f) => f.name)
            .filter((name) => typeof name === 'string' && name.startsWith(prefix))
            .map((name) => name.slice(prefix.length))
            .sort();
    }
    async function eachComponent(flag, components, action) {
        // Keep going past a failed component: a rollback should switch off as much as it can.
        const failures = [];
        for (const component of components) {
            try {
                await action(componentFlag(flag, component));
            }
            catch (thrown) {
                failures.push(thrown instanceof Error ? thrown : new Error(String(thrown)));
            }
        }
        if (failures.length === 1 && failures[0])
            throw failures[0];
        if (failures.length > 1) {
            const allConfig = failures.every((f) => f instanceof errors/* ConfigurationError */.j);
            const message = `${failures.length} of ${components.length} components of flag ${flag} failed`;
            const lines = failures.map((f) => f.message);
            throw allConfig
                ? new errors/* ConfigurationError */.j(message, lines)
                : new Error(`${message}:\n  ${lines.join('\n  ')}`);
        }
    }
    return {
        kind: 'unleash',
        async getState(flag, env, options = {}) {
            const state = {
                flag,
                environment: env,
                ...stateOf(await getEnvironment(flag, env)),
            };
            const names = options.components ?? (await discoverComponents(flag));
            if (names.length > 0) {
                const components = {};
                for (const name of names) {
                    components[name] = stateOf(await getEnvironment(componentFlag(flag, name), env));
                }
                state.components = components;
            }
            return state;
        },
        disable: (flag, env) => switchFlag(flag, env, false),
        enable: (flag, env) => switchFlag(flag, env, true),
        setRollout,
        disableComponents: (flag, env, components) => eachComponent(flag, components, (name) => switchFlag(name, env, false)),
        enableComponents: (flag, env, components) => eachComponent(flag, components, (name) => switchFlag(name, env, true)),
    };
}
/** Unleash errors are `{message, details: [{message}]}`; anything else is shown briefly. */
function serverMessage(text) {
    if (text.trim() === '')
        return '';
    try {
        const body = JSON.parse(text);
        const details = (body.details ?? [])
            .map((d) => d.message)
            .filter((m) => typeof m === 'string' && m !== body.message);
        if (typeof body.message === 'string') {
            return (0,fetch_with_retry/* snippet */.UA)([body.message, ...details].join('; '));
        }
    }
    catch {
        // not JSON: fall through
    }
    return (0,fetch_with_retry/* snippet */.UA)(text);
}

;// CONCATENATED MODULE: ./src/strategies/flag-providers.ts
/**
 * The flag services named under `flags:` in a policy, built once per run with their `${NAME}`
 * secrets filled from the environment. The resolved values come back too, for the action to
 * mask before anything is logged.
 */





function createFlagProviders(flags, opts) {
    const providers = new Map();
    const secrets = new Set();
    const problems = [];
    const wanted = opts.only === undefined ? undefined : new Set(opts.only);
    if (wanted) {
        for (const name of wanted) {
            if (!(name in flags)) {
                const known = Object.keys(flags);
                problems.push(`flags.${name}: no flag provider of that name; ${known.length > 0 ? `defined: ${known.join(', ')}` : 'add it under flags'}`);
            }
        }
    }
    for (const [name, config] of Object.entries(flags)) {
        if (wanted && !wanted.has(name))
            continue;
        const where = `flags.${name}`;
        let resolved;
        try {
            const result = (0,core_secrets/* resolveSecrets */.Mx)(config, opts.env, where);
            resolved = result.value;
            for (const s of result.secrets)
                secrets.add(s);
        }
        catch (thrown) {
            // Collected across providers, so one run names every variable the workflow lacks.
            if (!(thrown instanceof errors/* ConfigurationError */.j))
                throw thrown;
            problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
            continue;
        }
        try {
            providers.set(name, build(name, resolved, config, [...secrets], opts));
        }
        catch (thrown) {
            if (!(thrown instanceof errors/* ConfigurationError */.j))
                throw thrown;
            problems.push(...(thrown.problems.length > 0 ? thrown.problems : [thrown.message]));
        }
    }
    if (problems.length > 0) {
        throw new errors/* ConfigurationError */.j('invalid flag providers', problems);
    }
    return { providers, secrets: [...secrets] };
}
function build(name, resolved, raw, secrets, opts) {
    const common = {
        logger: opts.logger,
        timeoutMs: resolved.timeout,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
        ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    };
    if (resolved.type === 'unleash') {
        return createUnleashProvider({
            ...common,
            url: resolved.url,
            token: resolved.token,
            project: resolved.project,
            tokenEnv: (0,core_secrets/* referencedEnvs */.KV)(raw.type === 'unleash' ? raw.token : '')[0] ?? `flags.${name}.token`,
        });
    }
    return createHttpFlagProvider({
        ...common,
        disable: resolved.disable,
        enable: resolved.enable,
        set_rollout: resolved.set_rollout,
        get: resolved.get,
        disable_component: resolved.disable_component,
        enable_component: resolved.enable_component,
        name,
        secret_envs: (0,core_secrets/* referencedEnvs */.KV)(raw),
        secrets,
    });
}

// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 3 modules
var lib_exec = __webpack_require__(1260);
// EXTERNAL MODULE: ./src/core/duration.ts
var duration = __webpack_require__(8571);
;// CONCATENATED MODULE: ./src/strategies/steps/command-step.ts
/**
 * The `command` rollback step: a shell command from the policy (`helm rollback chat-api`,
 * `kubectl rollout undo deploy/chat-api`), run with bash the way a workflow `run:` step is
 * (`bash --noprofile --norc -eo pipefail`).
 *
 * Every value Ripcord knows (target ref and sha, environment, incident, reason...) reaches the
 * command only as an environment variable (`RIPCORD_TARGET_REF`...); nothing is ever spliced
 * into the command text, so a ref named `$(curl evil | sh)` is just a string to the shell.
 * Write `"$RIPCORD_TARGET_REF"` in the command.
 *
 * The time limit is enforced by coreutils `timeout`, which signals the command's whole process
 * group (TERM, then KILL a few seconds later), so a `sleep` in a pipeline cannot outlive it.
 */



/** The context's fields as `RIPCORD_*` variable names and `{{placeholder}}` names. */
const FIELDS = [
    ['environment', 'RIPCORD_ENVIRONMENT', 'environment'],
    ['targetRef', 'RIPCORD_TARGET_REF', 'target_ref'],
    ['targetSha', 'RIPCORD_TARGET_SHA', 'target_sha'],
    ['targetTag', 'RIPCORD_TARGET_TAG', 'target_tag'],
    ['targetVersion', 'RIPCORD_TARGET_VERSION', 'target_version'],
    ['fromRef', 'RIPCORD_FROM_REF', 'from_ref'],
    ['fromSha', 'RIPCORD_FROM_SHA', 'from_sha'],
    ['incident', 'RIPCORD_INCIDENT', 'incident'],
    ['reason', 'RIPCORD_REASON', 'reason'],
    ['strategy', 'RIPCORD_STRATEGY', 'strategy'],
    ['percent', 'RIPCORD_PERCENT', 'percent'],
    ['repository', 'RIPCORD_REPOSITORY', 'repository'],
    ['runUrl', 'RIPCORD_RUN_URL', 'run_url'],
];
/** The placeholders http steps may use; each is always defined (empty when unknown). */
const STEP_PLACEHOLDERS = FIELDS.map(([, , placeholder]) => placeholder);
/** The environment variables a command step gets; unknown fields are left out, not empty. */
function ripcordEnv(context) {
    const env = {};
    for (const [field, name] of FIELDS) {
        const value = context[field];
        if (value !== undefined)
            env[name] = String(value);
    }
    return env;
}
/** The values for `{{placeholders}}` in http steps. */
function stepValues(context) {
    const values = {};
    for (const [field, , placeholder] of FIELDS) {
        values[placeholder] = context[field] ?? '';
    }
    return values;
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Exit statuses of GNU timeout: 124 after TERM, 128+9 after KILL. */
const TIMEOUT_EXITS = new Set([124, 137]);
async function runCommandStep(options) {
    const { command, logger } = options;
    if (command.trim() === '')
        throw new errors/* ConfigurationError */.j('a command step has an empty command');
    if (!(options.timeoutMs > 0)) {
        throw new errors/* ConfigurationError */.j(`a command step needs a positive timeout, not ${options.timeoutMs}`);
    }
    const problems = [];
    for (const [name, value] of Object.entries(options.env)) {
        if (!ENV_NAME.test(name))
            problems.push(`${name}: not a valid environment variable name`);
        if (value.includes('\0'))
            problems.push(`${name}: the value contains a NUL byte`);
    }
    if (problems.length > 0) {
        throw new errors/* ConfigurationError */.j('invalid environment for a command step', problems);
    }
    // The runner's environment minus any RIPCORD_* left over from an earlier step, so the
    // command sees exactly this step's values.
    const env = {};
    for (const [name, value] of Object.entries(process.env)) {
        if (value !== undefined && !name.startsWith('RIPCORD_'))
            env[name] = value;
    }
    Object.assign(env, options.env);
    const killAfterMs = options.killAfterMs ?? 5_000;
    const tailChars = options.tailChars ?? 4_000;
    const exec = options.exec ?? lib_exec/* getExecOutput */.H;
    const seconds = (ms) => `${Math.max(ms, 1) / 1000}s`;
    const args = [
        `--kill-after=${seconds(killAfterMs)}`,
        seconds(options.timeoutMs),
        'bash',
        '--noprofile',
        '--norc',
        '-eo',
        'pipefail',
        '-c',
        command,
    ];
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const limit = (0,duration/* formatDuration */.a3)(options.timeoutMs);
    logger.info(`running command (time limit ${limit}): ${command}`);
    let output;
    // Last resort should `timeout` itself hang: report the step as failed rather than wait forever.
    let guard;
    const hung = new Promise((resolve) => {
        guard = setTimeout(() => resolve('hung'), options.timeoutMs + killAfterMs + 10_000);
    });
    try {
        const outcome = await Promise.race([
            exec('timeout', args, {
                cwd: options.cwd,
                env,
                silent: true,
                ignoreReturnCode: true,
                listeners: {
                    stdline: (line) => logger.info(`  ${line}`),
                    errline: (line) => logger.info(`  ${line}`),
                },
            }),
            hung,
        ]);
        if (outcome === 'hung') {
            return {
                ok: false,
                exitCode: null,
                timedOut: true,
                stdoutTail: '',
                stderrTail: '',
                durationMs: elapsed(),
                reason: `command did not exit within ${limit} and could not be stopped`,
            };
        }
        output = outcome;
    }
    catch (thrown) {
        const message = (0,errors/* toError */.i)(thrown).message;
        const reason = /Unable to locate executable file: timeout/.test(message)
            ? 'coreutils `timeout` is not installed on this runner (it is on every Linux runner; on macOS: brew install coreutils)'
            : `command could not be started: ${message}`;
        return {
            ok: false,
            exitCode: null,
            timedOut: false,
            stdoutTail: '',
            stderrTail: '',
            durationMs: elapsed(),
            reason,
        };
    }
    finally {
        clearTimeout(guard);
    }
    const durationMs = elapsed();
    const stdoutTail = tail(output.stdout, tailChars);
    const stderrTail = tail(output.stderr, tailChars);
    // @actions/exec reports a process killed by a signal with a null code, despite its types:
    // that is what happens when `timeout` escalates to KILL, which takes down its own group.
    const exitCode = Number.isInteger(output.exitCode) ? output.exitCode : null;
    // A command may exit 124 by itself: only a run that lasted the whole limit was cut off.
    const timedOut = (exitCode === null || TIMEOUT_EXITS.has(exitCode)) && durationMs >= options.timeoutMs - 50;
    const fail = (reason) => {
        logger.error(reason);
        return { ok: false, exitCode, timedOut, stdoutTail, stderrTail, durationMs, reason };
    };
    if (timedOut)
        return fail(`command timed out after ${limit} and was stopped`);
    if (exitCode === null)
        return fail('command was killed by a signal');
    if (exitCode !== 0) {
        const lastLine = stderrTail.trim().split('\n').pop() ?? '';
        return fail(`command exited with code ${exitCode}${lastLine ? `: ${lastLine}` : ''}`);
    }
    logger.info(`command succeeded in ${(0,duration/* formatDuration */.a3)(durationMs)}`);
    return { ok: true, exitCode: 0, timedOut: false, stdoutTail, stderrTail, durationMs };
}
function tail(text, max) {
    return text.length > max ? `...${text.slice(-max)}` : text;
}

;// CONCATENATED MODULE: ./src/strategies/steps/http-step.ts
/**
 * The `http` rollback step: one request from the policy (a deploy system's rollback endpoint,
 * a maintenance switch), with `{{placeholders}}` from the rollback's context in the URL,
 * headers and body (see STEP_PLACEHOLDERS), escaped for where they land (template.ts).
 *
 * A step is compiled when the policy is turned into a plan, so a misspelt placeholder fails
 * before the rollback starts; running it never throws for HTTP or network failures, it returns
 * ok: false with the reason, like a command step.
 */





const http_step_METHOD = /^[A-Z]+$/;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
function compileHttpStep(config, allowed = STEP_PLACEHOLDERS) {
    const name = config.name ?? 'http step';
    const method = (config.method ?? 'POST').toUpperCase();
    if (!http_step_METHOD.test(method)) {
        throw new errors/* ConfigurationError */.j(`${name}: "${config.method}" is not an HTTP method`);
    }
    if (!/^https?:\/\//i.test(config.url)) {
        throw new errors/* ConfigurationError */.j(`${name}: url "${config.url}" must start with http:// or https://`);
    }
    if (!(config.timeoutMs > 0)) {
        throw new errors/* ConfigurationError */.j(`${name}: needs a positive timeout, not ${config.timeoutMs}`);
    }
    const expected = config.expectStatus === undefined
        ? undefined
        : typeof config.expectStatus === 'number'
            ? [config.expectStatus]
            : [...config.expectStatus];
    const badStatus = expected?.find((s) => !Number.isInteger(s) || s < 100 || s > 599);
    if (badStatus !== undefined) {
        throw new errors/* ConfigurationError */.j(`${name}: expected status ${badStatus} is not an HTTP status`);
    }
    const problems = [];
    const collect = (compile) => {
        try {
            return compile();
        }
        catch (thrown) {
            if (thrown instanceof errors/* ConfigurationError */.j) {
                problems.push(...thrown.problems);
                return undefined;
            }
            throw thrown;
        }
    };
    const url = collect(() => compileTemplate(config.url, { allowed, escaping: 'url', where: `${name}.url` }));
    const headers = collect(() => compileHeaders(config.headers, allowed, `${name}.headers`));
    const body = config.body === undefined
        ? undefined
        : collect(() => compileTemplate(config.body ?? '', { allowed, escaping: 'json', where: `${name}.body` }));
    if (problems.length > 0 || url === undefined || headers === undefined) {
        throw new errors/* ConfigurationError */.j(`invalid request template in ${name}`, problems);
    }
    const secrets = config.secrets ?? [];
    const retries = config.retries ?? (IDEMPOTENT.has(method) ? 2 : 0);
    const hasContentType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    return {
        name,
        async run(values, runtime) {
            const started = performance.now();
            const elapsed = () => Math.round(performance.now() - started);
            let target;
            let renderedHeaders;
            let renderedBody;
            try {
                target = url.render(values);
                renderedHeaders = renderHeaders(headers, values);
                renderedBody = body?.render(values);
            }
            catch (thrown) {
                // A header value with a line break: the request must not be sent at all.
                const reason = thrown instanceof Error ? thrown.message : String(thrown);
                return {
                    ok: false,
                    status: null,
                    durationMs: elapsed(),
                    attempts: 0,
                    bodyTail: '',
                    reason,
                };
            }
            const shown = `${method} ${(0,fetch_with_retry/* redact */.E$)((0,fetch_with_retry/* displayUrl */.Qy)(target), secrets)}`;
            runtime.logger.info(`${name}: ${shown}`);
            const outcome = await (0,fetch_with_retry/* requestWithRetry */.En)(target, {
                method,
                headers: {
                    ...(renderedBody !== undefined && !hasContentType
                        ? { 'content-type': 'application/json' }
                        : {}),
                    ...renderedHeaders,
                },
                body: renderedBody,
            }, {
                fetch: runtime.fetch ?? fetch,
                timeoutMs: config.timeoutMs,
                retries,
                retryDelayMs: config.retryDelayMs ?? 1_000,
                signal: runtime.signal,
                logger: runtime.logger,
                label: name,
            });
            const durationMs = elapsed();
            if (!outcome.ok) {
                const reason = `${shown} failed: ${(0,fetch_with_retry/* redact */.E$)(outcome.reason, secrets)}`;
                runtime.logger.error(`${name}: ${reason}`);
                return {
                    ok: false,
                    status: null,
                    durationMs,
                    attempts: outcome.attempts,
                    bodyTail: '',
                    reason,
                };
            }
            const bodyTail = (0,fetch_with_retry/* redact */.E$)(outcome.text.slice(-2_000), secrets);
            const ok = expected
                ? expected.includes(outcome.status)
                : outcome.status >= 200 && outcome.status < 300;
            if (ok) {
                runtime.logger.info(`${name}: HTTP ${outcome.status} in ${(0,duration/* formatDuration */.a3)(durationMs)}`);
                return { ok, status: outcome.status, durationMs, attempts: outcome.attempts, bodyTail };
            }
            const wanted = expected ? expected.join(' or ') : '2xx';
            const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
            const flat = bodyTail.replace(/\s+/g, ' ').trim().slice(0, 300);
            const reason = `${shown} answered HTTP ${outcome.status}${tries}, expected ${wanted}${flat ? `: ${flat}` : ''}`;
            runtime.logger.error(`${name}: ${reason}`);
            return {
                ok: false,
                status: outcome.status,
                durationMs,
                attempts: outcome.attempts,
                bodyTail,
                reason,
            };
        },
    };
}
/** Compiles and runs in one go, for callers that have the values at hand. */
async function runHttpStep(options) {
    const values = options.values ?? {};
    const step = compileHttpStep(options, Object.keys(values));
    return step.run(values, options);
}

;// CONCATENATED MODULE: ./src/strategies/workflow-dispatch-step.ts
/**
 * The `workflow-dispatch` rollback step: the redeploy strategy runs the repository's own deploy
 * workflow for the known-good version and waits for that run to succeed.
 *
 * Which ref the workflow runs from: GitHub runs the workflow *file* at the dispatched `ref`, and
 * that ref must be a branch or tag, never a bare sha. Ripcord dispatches on the repository's
 * default branch (today's deploy pipeline, with its current secrets, environments and fixes)
 * and passes the known-good version in the `ref_input` input (the sha when known, since a tag
 * or branch may move; else the ref). The deploy workflow checks out that input. Dispatching on
 * the old tag instead would run an old copy of the pipeline, which may point at retired
 * infrastructure.
 *
 * Finding the run: the dispatch asks for `return_run_details` and uses the run id GitHub sends
 * back. GitHub Enterprise Server before 3.21 refuses that key with 400 or 422 (`"return_run_details"
 * is not a permitted key.`, https://github.com/benc-uk/workflow-dispatch/issues/86): Ripcord
 * then dispatches once more without it (the refused request started nothing). A server that
 * ignores it (answering 204) gets the
 * oldest workflow_dispatch run of that workflow on that branch created at or after the
 * dispatch, by the server's own clock (the response's Date header), so runner clock skew
 * cannot pick an older run.
 *
 * The run is polled until it completes; only `success` counts. A run still going at the time
 * limit fails the step but is not cancelled: stopping a deploy halfway can leave things worse
 * than letting it finish, and the timeline links to it.
 */





/** How far a run's created_at may sit before the dispatch's Date header (second resolution). */
const SERVER_CLOCK_SLACK_MS = 1_000;
/** How long a dispatch may take to show up as a run when the run id did not come back. */
const FIND_RUN_LIMIT_MS = 120_000;
function compileWorkflowDispatch(config) {
    const name = config.name ?? `workflow ${config.workflow}`;
    if (config.workflow.trim() === '') {
        throw new errors/* ConfigurationError */.j(`${name}: the workflow file name is empty`);
    }
    if (!(config.timeoutMs > 0)) {
        throw new errors/* ConfigurationError */.j(`${name}: needs a positive timeout, not ${config.timeoutMs}`);
    }
    const problems = [];
    const inputs = [];
    for (const [key, value] of Object.entries(config.inputs ?? {})) {
        // inputs.<ref_input> replaces the sha Ripcord puts there by default: a pipeline that deploys
        // an image tag writes `{{target_tag}}` (or `{{target_version}}`) for it.
        try {
            inputs.push([
                key,
                compileTemplate(value, {
                    allowed: STEP_PLACEHOLDERS,
                    escaping: 'text',
                    where: `${name}.inputs.${key}`,
                }),
            ]);
        }
        catch (thrown) {
            if (!(thrown instanceof errors/* ConfigurationError */.j))
                throw thrown;
            problems.push(...thrown.problems);
        }
    }
    if (problems.length > 0)
        throw new errors/* ConfigurationError */.j(`invalid ${name}`, problems);
    const pollIntervalMs = config.pollIntervalMs ?? 10_000;
    const limit = (0,duration/* formatDuration */.a3)(config.timeoutMs);
    return {
        name,
        async run(context, runtime) {
            const { octokit, owner, repo, logger } = runtime;
            const started = runtime.now();
            const fail = (detail, run) => {
                logger.error(`${name}: ${detail}`);
                return {
                    ok: false,
                    runId: run?.id ?? null,
                    runUrl: run?.html_url ?? null,
                    conclusion: run?.conclusion ?? null,
                    detail,
                };
            };
            const version = context.targetSha ?? context.targetRef;
            if (version === undefined || version === '') {
                return fail('no known-good version to redeploy (neither a target sha nor a ref is known)');
            }
            const values = stepValues(context);
            const body = { [config.refInput]: version };
            for (const [key, template] of inputs)
                body[key] = template.render(values);
            const unfilled = Object.entries(body).filter(([key, value]) => value === '' && (config.inputs?.[key] ?? '').includes('{{'));
            if (unfilled.length > 0) {
                return fail(`input${unfilled.length > 1 ? 's' : ''} ${unfilled.map(([k]) => `${k} (${config.inputs?.[k] ?? ''})`).join(', ')} would be empty: the known-good deployment does not carry that value (tag or version in its payload, or a named ref); use {{target_sha}} or {{target_ref}}, or have the deploy pipeline put tag/version in the deployment payload`);
            }
            let ref = config.dispatchRef;
            try {
                if (ref === undefined) {
                    ref = (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
                }
            }
            catch (thrown) {
                return fail(`could not read the default branch of ${owner}/${repo}: ${apiReason(thrown)}`);
            }
            let runId;
            let serverTime;
            const dispatch = (withRunDetails) => octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
                owner,
                repo,
                workflow_id: config.workflow,
                ref,
                inputs: body,
                ...(withRunDetails ? { return_run_details: true } : {}),
            });
            try {
                let response;
                try {
                    response = await dispatch(true);
                }
                catch (thrown) {
                    if (!refusesRunDetails(thrown))
                        throw thrown;
                    logger.info(`${name}: this GitHub does not accept return_run_details (${apiReason(thrown)}); dispatching without it and finding the run by listing`);
                    response = await dispatch(false);
                }
                const data = response.data;
                if (isRecord(data) && typeof data['workflow_run_id'] === 'number') {
                    runId = data['workflow_run_id'];
                }
                const date = Date.parse(String(response.headers.date ?? ''));
                serverTime = Number.isFinite(date) ? date : started;
            }
            catch (thrown) {
                return fail(dispatchReason(thrown, config.workflow, owner, repo));
            }
            logger.info(`${name}: dispatched on ${ref} with ${config.refInput}=${body[config.refInput] ?? version}${runId ? ` (run ${runId})` : ''}`);
            if (runId === undefined) {
                const found = await findRun(config.workflow, ref, serverTime, runtime, pollIntervalMs);
                if (typeof found === 'string')
                    return fail(found);
                runId = found;
            }
            let run;
            let lastError;
            let toldWaiting = false;
            for (;;) {
                try {
                    run = (await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: runId })).data;
                    lastError = undefined;
                    if (run.status === 'completed')
                        break;
                    if (run.status === 'waiting' && !toldWaiting) {
                        // A deploy job whose environment has required reviewers waits for a person: say
                        // so at once, with the link, rather than only at the time limit.
                        toldWaiting = true;
                        logger.warning(`${name}: run #${run.run_number} is waiting for approval of its environment's required reviewers: approve it at ${run.html_url}`);
                    }
                }
                catch (thrown) {
                    // A 404 will not heal; anything else (network, 5xx past Octokit's retries) may.
                    if ((0,repo_ref/* requestStatus */.G2)(thrown) === 404)
                        return fail(`run ${runId} disappeared: ${apiReason(thrown)}`);
                    lastError = apiReason(thrown);
                    logger.warning(`${name}: could not read run ${runId}: ${lastError}; trying again`);
                }
                if (runtime.now() - started >= config.timeoutMs) {
                    const where = run
                        ? run.status === 'waiting'
                            ? `run #${run.run_number} (${run.html_url}) is still waiting for environment approval (a required reviewer must approve it there)`
                            : `run #${run.run_number} (${run.html_url}) is still ${run.status}`
                        : `run ${runId}`;
                    return fail(`${where} after ${limit}, the redeploy time limit; it was not cancelled${lastError ? ` (last error: ${lastError})` : ''}`, run);
                }
                await runtime.sleep(pollIntervalMs);
            }
            const took = (0,duration/* formatDuration */.a3)(Math.max(0, runtime.now() - started));
            const what = `${config.workflow} run #${run.run_number} (${run.html_url}) for ${version} on ${ref}`;
            if (run.conclusion !== 'success') {
                return fail(`${what} concluded ${run.conclusion ?? 'without a conclusion'} after ${took}`, run);
            }
            logger.info(`${name}: ${what} succeeded in ${took}`);
            return {
                ok: true,
                runId: run.id,
                runUrl: run.html_url,
                conclusion: run.conclusion,
                detail: `${what} succeeded in ${took}`,
            };
        },
    };
    async function findRun(workflow, branch, serverTime, runtime, interval) {
        const since = serverTime - SERVER_CLOCK_SLACK_MS;
        const started = runtime.now();
        for (;;) {
            try {
                const { data } = await runtime.octokit.rest.actions.listWorkflowRuns({
                    owner: runtime.owner,
                    repo: runtime.repo,
                    workflow_id: workflow,
                    branch,
                    event: 'workflow_dispatch',
                    per_page: 20,
                });
                const fresh = data.workflow_runs
                    .filter((r) => Date.parse(r.created_at) >= since)
                    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
                if (fresh[0])
                    return fresh[0].id;
            }
            catch (thrown) {
                runtime.logger.warning(`${name}: could not list runs of ${workflow}: ${apiReason(thrown)}`);
            }
            if (runtime.now() - started >= Math.min(FIND_RUN_LIMIT_MS, config.timeoutMs)) {
                return `${workflow} was dispatched on ${branch} but no run showed up within ${(0,duration/* formatDuration */.a3)(runtime.now() - started)}`;
            }
            await runtime.sleep(Math.min(interval, 5_000));
        }
    }
}
function isRecord(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}
function apiReason(thrown) {
    const status = (0,repo_ref/* requestStatus */.G2)(thrown);
    const message = (0,errors/* toError */.i)(thrown).message.split('\n')[0] ?? '';
    return status === undefined ? message : `HTTP ${status}: ${message}`;
}
/** GitHub Enterprise Server before 3.21 refusing the return_run_details key (400 or 422). */
function refusesRunDetails(thrown) {
    const status = (0,repo_ref/* requestStatus */.G2)(thrown);
    if (status !== 400 && status !== 422)
        return false;
    return /return_run_details/i.test((0,repo_ref/* requestMessage */.Vk)(thrown)) || status === 400;
}
function dispatchReason(thrown, workflow, owner, repo) {
    const status = (0,repo_ref/* requestStatus */.G2)(thrown);
    const reason = apiReason(thrown);
    const prefix = `could not dispatch ${workflow} in ${owner}/${repo} (${reason})`;
    if (status === 404) {
        return `${prefix}; check the workflow file name under rollback.strategies.redeploy.workflow and that the token has actions: write`;
    }
    if (status === 403)
        return `${prefix}; give the workflow permissions: actions: write`;
    const unexpected = /Unexpected inputs provided: (\[.*?\])/.exec((0,repo_ref/* requestMessage */.Vk)(thrown));
    if (status === 422 && unexpected) {
        return `${prefix}; ${workflow} does not declare the input(s) ${unexpected[1]}: declare them under on: workflow_dispatch: inputs: in ${workflow}, or remove them from rollback.strategies.redeploy (ref_input, inputs)`;
    }
    if (status === 422) {
        return `${prefix}; the workflow needs an on: workflow_dispatch trigger that declares every input Ripcord sends`;
    }
    return prefix;
}

;// CONCATENATED MODULE: ./src/strategies/plan.ts
/**
 * A policy's rollback strategy as ordered, resumable steps.
 *
 * Each step has an id that stays the same from one run to the next as long as the policy does
 * (`feature-flag:rollout-25`, `full:restore-data`), so a re-run of a crashed rollback can skip
 * what the recorded timeline says is done. Everything the policy can get wrong (a missing
 * provider, a misspelt placeholder, a missing secret) fails here, before any step runs.
 *
 * Steps never throw for operational failures: they return `{ok: false, detail}` with the reason.
 * Every step is idempotent (a flag switched off twice, the same version redeployed twice),
 * because a crash between a step's effect and its record makes the next run repeat it.
 *
 * Decisions:
 * - gradual feature-flag steps ending at 0% leave the flag switched on at 0%, so staged recovery
 *   only has to raise the percentage; the step's detail says so, since users matched by other
 *   strategies of that flag still get it. Use mode `immediate` to switch it off.
 * - `step_wait` is slept before each gradual step after the first, not after the last one, so
 *   the last percentage is recorded as done as soon as it is set.
 * - full: maintenance_off runs only when redeploy and restore_data succeeded (see ladder.ts).
 *   Taking a site out of maintenance over a failed redeploy or a half-restored database exposes
 *   users to the very state the runbook shut them out of; a person decides, and a re-run of the
 *   rollback resumes after the steps already done.
 * - Secrets (`${NAME}`) are resolved in http steps only. A command is bash: `${NAME}` there is
 *   the shell's own expansion of the runner's environment, and splicing a secret's value into
 *   the command text would break the rule that values reach commands only through variables.
 */







const STRATEGIES = ['feature-flag', 'config', 'redeploy', 'full'];
function planStrategy(strategy, environment, rollback, deps) {
    const where = `environments.${environment}.rollback.strategies`;
    const strategies = rollback.strategies;
    const missing = (name) => new errors/* ConfigurationError */.j(`strategy ${name} is not configured for ${environment}; add rollback.strategies.${name} to the policy`);
    switch (strategy) {
        case 'feature-flag': {
            const config = strategies['feature-flag'];
            if (!config)
                throw missing(strategy);
            return planFeatureFlag(config, environment, `${where}.feature-flag`, deps);
        }
        case 'config': {
            const config = strategies.config;
            if (!config)
                throw missing(strategy);
            return [
                planStepPolicy('config', 'config:restore', 'Restore config', config, `${where}.config`, deps),
            ];
        }
        case 'redeploy': {
            const config = strategies.redeploy;
            if (!config)
                throw missing(strategy);
            return [planRedeploy('redeploy', undefined, config, `${where}.redeploy`, deps)];
        }
        case 'full': {
            const config = strategies.full;
            if (!config)
                throw missing(strategy);
            if (!strategies.redeploy) {
                throw new errors/* ConfigurationError */.j(`strategy full redeploys as configured under rollback.strategies.redeploy, which ${environment} lacks; add it to the policy`);
            }
            return planFull(config, strategies.redeploy, `${where}.full`, deps);
        }
    }
}
/**
 * `rollback.maintenance` as two steps around the ladder (ladder.ts runs `off` even when every
 * rung failed), or none when the policy has none or it does not wrap `start`.
 */
function planMaintenance(start, environment, rollback, deps) {
    const config = rollback.maintenance;
    if (!config)
        return null;
    if (config.strategies && !config.strategies.includes(start))
        return null;
    const where = `environments.${environment}.rollback.maintenance`;
    const on = planStepPolicy('maintenance', 'maintenance:on', 'Maintenance mode on', config.on, `${where}.on`, deps);
    const off = planStepPolicy('maintenance', 'maintenance:off', 'Maintenance mode off', config.off, `${where}.off`, deps);
    return { on, off };
}
/**
 * The rungs a rollback starting at `start` may climb: `start`, then (when `escalate`) the
 * configured strategies after it in `rollback.ladder`. A start outside the ladder (an operator's
 * explicit choice) has no "after", so it is tried alone.
 */
function ladderFrom(start, rollback) {
    const rungs = [start];
    if (!rollback.escalate)
        return rungs;
    const at = rollback.ladder.indexOf(start);
    if (at < 0)
        return rungs;
    for (const rung of rollback.ladder.slice(at + 1)) {
        if (rollback.strategies[rung] !== undefined && !rungs.includes(rung))
            rungs.push(rung);
    }
    return rungs;
}
/** A maintenance step sees the strategy the rollback runs (RIPCORD_STRATEGY), not its own owner. */
function ownStrategy(owner) {
    return owner === 'maintenance' ? {} : { strategy: owner };
}
function oneLine(text) {
    return text.replace(/\s*\n\s*/g, '; ').trim();
}
/** Runs `body`, turning anything thrown into a failed outcome: a step never throws. */
async function guarded(body) {
    try {
        return await body();
    }
    catch (thrown) {
        return { ok: false, detail: oneLine((0,errors/* toError */.i)(thrown).message) };
    }
}
function planFeatureFlag(config, environment, where, deps) {
    const provider = deps.flags.get(config.provider);
    if (!provider) {
        const known = [...deps.flags.keys()];
        throw new errors/* ConfigurationError */.j(`${where}.provider: flag provider ${config.provider} is not defined under flags${known.length > 0 ? ` (defined: ${known.join(', ')})` : ''}; add it under flags or fix the name`);
    }
    const flag = config.flag;
    const flagEnv = config.environment ?? environment;
    const base = { strategy: 'feature-flag', kind: 'flag' };
    const on = `${provider.kind} ${flagEnv}`;
    switch (config.mode) {
        case 'immediate':
            return [
                {
                    ...base,
                    id: 'feature-flag:disable',
                    name: `Switch flag ${flag} off`,
                    preview: () => [`${on}: switch flag ${flag} off`],
                    run: () => guarded(async () => {
                        await provider.disable(flag, flagEnv);
                        return { ok: true, detail: `flag ${flag} switched off in ${on}` };
                    }),
                },
            ];
        case 'components': {
            if (config.components.length === 0) {
                throw new errors/* ConfigurationError */.j(`${where}.components: mode components needs the components to switch off; list them, or use mode immediate`);
            }
            const names = config.components;
            return [
                {
                    ...base,
                    id: 'feature-flag:components',
                    name: `Switch off ${names.join(', ')} of flag ${flag}`,
                    preview: () => [`${on}: switch off ${names.join(', ')} of flag ${flag}`],
                    run: () => guarded(async () => {
                        await provider.disableComponents(flag, flagEnv, names);
                        return {
                            ok: true,
                            detail: `components ${names.join(', ')} of flag ${flag} switched off in ${on}; ${flag} itself left as it was`,
                        };
                    }),
                },
            ];
        }
        case 'gradual': {
            if (config.steps.length === 0) {
                throw new errors/* ConfigurationError */.j(`${where}.steps: mode gradual needs at least one percentage`);
            }
            const seen = new Map();
            return config.steps.map((percent, index) => {
                const count = (seen.get(percent) ?? 0) + 1;
                seen.set(percent, count);
                const wait = index > 0 ? config.step_wait : 0;
                return {
                    ...base,
                    id: `feature-flag:rollout-${percent}${count > 1 ? `-${count}` : ''}`,
                    name: `Set flag ${flag} rollout to ${percent}%`,
                    preview: () => [
                        `${wait > 0 ? `after ${Math.round(wait / 1000)}s, ` : ''}${on}: set flag ${flag} rollout to ${percent}%`,
                    ],
                    run: (ctx) => guarded(async () => {
                        if (wait > 0)
                            await ctx.sleep(wait);
                        await provider.setRollout(flag, flagEnv, percent);
                        const note = percent === 0
                            ? '; the flag stays switched on at 0% so staged recovery can raise it (users matched by its other strategies still get it)'
                            : '';
                        return {
                            ok: true,
                            detail: `flag ${flag} rollout set to ${percent}% in ${on}${note}`,
                        };
                    }),
                };
            });
        }
    }
}
function planStepPolicy(strategy, id, name, config, where, deps) {
    if (config.command !== undefined) {
        const command = config.command;
        return {
            id,
            strategy,
            name,
            kind: 'command',
            run: (ctx) => runCommand(command, config.timeout, strategy, ctx, deps),
            preview: (step) => commandPreview(command, { ...step, strategy }),
        };
    }
    if (config.http === undefined) {
        throw new errors/* ConfigurationError */.j(`${where}: write exactly one of command, http`);
    }
    const { value: http, secrets } = (0,core_secrets/* resolveSecrets */.Mx)(config.http, deps.env, `${where}.http`);
    // Before anything can print them: the URL is logged and failures quote the request.
    for (const secret of secrets)
        deps.mask?.(secret);
    const compiled = compileHttpStep({
        method: http.method,
        url: http.url,
        ...(http.headers ? { headers: http.headers } : {}),
        ...(http.body !== undefined ? { body: http.body } : {}),
        ...(http.expect_status ? { expectStatus: http.expect_status } : {}),
        timeoutMs: config.timeout,
        name: where,
        secrets,
    });
    return {
        id,
        strategy,
        name,
        kind: 'http',
        preview: (step) => {
            const values = stepValues({ ...step, strategy });
            const at = (what) => `${where}.http.${what}`;
            const template = (source, escaping, what) => compileTemplate(source, { allowed: STEP_PLACEHOLDERS, escaping, where: at(what) }).render(values);
            const lines = [`${http.method} ${template(http.url, 'url', 'url')}`];
            const headers = renderHeaders(compileHeaders(http.headers, STEP_PLACEHOLDERS, at('headers')), values);
            for (const [key, value] of Object.entries(headers))
                lines.push(`${key}: ${value}`);
            if (http.body !== undefined)
                lines.push(template(http.body, 'json', 'body'));
            return lines.map((line) => redact(line, secrets));
        },
        run: (ctx) => guarded(async () => {
            const result = await compiled.run(stepValues({ ...ctx.step, ...ownStrategy(strategy) }), {
                logger: ctx.logger,
                ...(deps.fetch ? { fetch: deps.fetch } : {}),
            });
            return result.ok
                ? { ok: true, detail: `HTTP ${String(result.status)} from ${http.method} request` }
                : { ok: false, detail: oneLine(result.reason ?? `HTTP ${String(result.status)}`) };
        }),
    };
}
/** `$ command` and the RIPCORD_* variables it gets (it is bash: `${NAME}` is its own business). */
function commandPreview(command, step) {
    const env = Object.entries(ripcordEnv(step))
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${k}=${v}`);
    return [
        ...command
            .trim()
            .split('\n')
            .map((line) => `$ ${line}`),
        ...(env.length > 0 ? [`  with ${env.join(' ')}`] : []),
    ];
}
/** Every secret value in `text` replaced by ***, longest first so a secret inside another goes too. */
function redact(text, secrets) {
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
        if (secret !== '')
            out = out.split(secret).join('***');
    }
    return out;
}
function runCommand(command, timeoutMs, strategy, ctx, deps) {
    return guarded(async () => {
        const result = await runCommandStep({
            command,
            env: ripcordEnv({ ...ctx.step, ...ownStrategy(strategy) }),
            timeoutMs,
            logger: ctx.logger,
            ...(deps.cwd !== undefined ? { cwd: deps.cwd } : {}),
        });
        return result.ok
            ? { ok: true, detail: `command succeeded in ${Math.round(result.durationMs / 100) / 10}s` }
            : { ok: false, detail: oneLine(result.reason ?? 'command failed') };
    });
}
function planRedeploy(strategy, 
/** `redeploy:workflow` or `redeploy:command` when omitted. */
id, config, where, deps) {
    if (config.command !== undefined) {
        const command = config.command;
        return {
            id: id ?? 'redeploy:command',
            strategy,
            name: 'Redeploy the known-good version (command)',
            kind: 'command',
            run: (ctx) => runCommand(command, config.timeout, strategy, ctx, deps),
            preview: (step) => commandPreview(command, { ...step, strategy }),
        };
    }
    const workflow = config.workflow;
    if (workflow === undefined) {
        throw new errors/* ConfigurationError */.j(`${where}: write exactly one of workflow, command`);
    }
    const { octokit, repo } = deps;
    const compiled = compileWorkflowDispatch({
        workflow,
        refInput: config.ref_input,
        inputs: config.inputs,
        timeoutMs: config.timeout,
        name: `${where}.workflow`,
        ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    });
    return {
        id: id ?? 'redeploy:workflow',
        strategy,
        name: `Redeploy the known-good version (${workflow})`,
        kind: 'workflow-dispatch',
        preview: (step) => {
            const values = stepValues({ ...step, strategy });
            const inputs = [
                `${config.ref_input}=${step.targetSha ?? step.targetRef ?? '(the known-good version)'}`,
            ];
            for (const [key, value] of Object.entries(config.inputs ?? {})) {
                const where_ = `${where}.inputs.${key}`;
                inputs.push(`${key}=${compileTemplate(value, { allowed: STEP_PLACEHOLDERS, escaping: 'text', where: where_ }).render(values)}`);
            }
            const repoText = repo ? ` in ${repo.owner}/${repo.repo}` : '';
            return [
                `dispatch workflow ${workflow}${repoText} with inputs:`,
                ...inputs.map((i) => `  ${i}`),
            ];
        },
        run: (ctx) => guarded(async () => {
            if (!octokit || !repo) {
                // A wiring bug, not the user's: the action always has a token and a repository.
                throw new Error(`${where}: a workflow redeploy needs a GitHub client and the repository`);
            }
            const result = await compiled.run({ ...ctx.step, strategy }, {
                octokit,
                owner: repo.owner,
                repo: repo.repo,
                logger: ctx.logger,
                now: ctx.now,
                sleep: ctx.sleep,
            });
            return { ok: result.ok, detail: oneLine(result.detail) };
        }),
    };
}
function planFull(config, redeploy, where, deps) {
    const on = planStepPolicy('full', 'full:maintenance-on', 'Maintenance mode on', config.maintenance_on, `${where}.maintenance_on`, deps);
    const again = planRedeploy('full', 'full:redeploy', redeploy, where.replace(/full$/, 'redeploy'), deps);
    const restore = planStepPolicy('full', 'full:restore-data', 'Restore data', config.restore_data, `${where}.restore_data`, deps);
    const off = planStepPolicy('full', 'full:maintenance-off', 'Maintenance mode off', config.maintenance_off, `${where}.maintenance_off`, deps);
    return [
        on,
        again,
        { ...restore, restoresData: true },
        {
            ...off,
            whenNotRun: 'maintenance mode stays on: the redeploy or the restore is not known to be good, so users are kept out until someone checks; re-run the rollback to resume after the steps already done, or switch maintenance off by hand',
        },
    ];
}

// EXTERNAL MODULE: ./src/cli/github-access.ts
var github_access = __webpack_require__(8142);
// EXTERNAL MODULE: ./src/cli/terminal.ts
var terminal = __webpack_require__(1028);
;// CONCATENATED MODULE: ./src/cli/plan.ts
/**
 * `ripcord plan`: the rollback ladder that would run now for an environment, step by step,
 * with the commands, request URLs and bodies and the dispatch inputs filled in as the
 * rollback would fill them, and every secret value shown as ***. Nothing is executed: no flag
 * is touched, no request sent, no workflow dispatched. The steps are planned by the same
 * planStrategy the rollback action uses, so what is shown is what would run.
 *
 * Secrets the terminal does not have are planned with a stand-in value (and said so), so an
 * operator can read the plan without production credentials.
 */










async function plan(args, io, logger) {
    const { values } = (0,external_node_util_.parseArgs)({
        args,
        options: {
            environment: { type: 'string' },
            strategy: { type: 'string' },
            policy: { type: 'string' },
            target: { type: 'string' },
            repo: { type: 'string' },
            token: { type: 'string' },
            json: { type: 'boolean', default: false },
        },
        strict: true,
    });
    const environment = values.environment;
    if (!environment)
        throw new errors/* ConfigurationError */.j('--environment is required, such as --environment production');
    if (values.strategy !== undefined && !STRATEGIES.includes(values.strategy))
        throw new errors/* ConfigurationError */.j(`--strategy: "${values.strategy}" is not one of ${STRATEGIES.join(', ')}`);
    const policy = await (0,read_policy/* readPolicy */.T4)(values.policy ?? read_policy/* defaultPolicyPath */.r2);
    const env = (0,evaluate_environment/* environmentOf */.p7)(policy, environment);
    const start = values.strategy ?? env.default_strategy;
    // Unset secrets get a visible stand-in: the plan is for reading, not for running.
    const missing = (0,core_secrets/* referencedEnvs */.KV)(policy).filter((n) => !io.env[n]);
    const planEnv = { ...io.env, ...Object.fromEntries(missing.map((n) => [n, `<${n} unset>`])) };
    const canReachGitHub = Boolean((values.token ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN) &&
        (values.repo ?? io.env.GITHUB_REPOSITORY));
    const gh = canReachGitHub
        ? (0,github_access/* githubAccess */.Y)(values, io, logger, 'find the known-good deployment')
        : undefined;
    const step = { environment, strategy: start, reason: 'ripcord plan (nothing runs)' };
    let targetNote;
    if (values.target) {
        step.targetRef = values.target;
        targetNote = `target ${values.target} (--target)`;
    }
    else if (gh) {
        const deployments = createDeploymentStore(gh.octokit, gh.repo, logger);
        const current = await deployments.current(environment);
        const good = current ? await deployments.findLastKnownGood(environment, current) : null;
        if (current) {
            step.fromRef = current.ref;
            step.fromSha = current.sha;
        }
        if (good) {
            step.targetRef = good.ref;
            step.targetSha = good.sha;
            targetNote = `target ${good.ref} (${good.sha.slice(0, 7)}), the last known-good deployment before ${current?.ref ?? '?'} (${current?.sha.slice(0, 7) ?? '?'})`;
        }
        else {
            targetNote = current
                ? `no known-good deployment of ${environment} older than ${current.ref}: a redeploy would fail; pass --target to see it with a version`
                : `no deployment of ${environment} on GitHub yet; pass --target to see the steps with a version`;
        }
    }
    else {
        targetNote =
            'target unknown (no GitHub access: set GITHUB_TOKEN and GITHUB_REPOSITORY, or pass --target)';
    }
    const provider = env.rollback.strategies['feature-flag']?.provider;
    const flags = createFlagProviders(policy.flags, {
        env: planEnv,
        logger,
        only: provider ? [provider] : [],
    });
    const rungs = ladderFrom(start, env.rollback);
    const ladder = rungs.map((strategy) => ({
        strategy,
        steps: planStrategy(strategy, environment, env.rollback, {
            flags: flags.providers,
            env: planEnv,
            logger,
            ...(gh ? { octokit: gh.octokit, repo: gh.repo } : {}),
        }).map((s) => ({
            id: s.id,
            name: s.name,
            kind: s.kind,
            shows: s.preview?.({ ...step, strategy }) ?? [],
        })),
    }));
    if (values.json) {
        io.stdout(JSON.stringify({
            environment,
            start,
            target: step.targetSha ?? step.targetRef ?? null,
            targetNote,
            unsetSecrets: missing,
            ladder,
            executed: false,
        }, null, 2));
        return 0;
    }
    const style = (0,terminal/* createStyle */._r)((0,terminal/* colourWanted */.qd)(io.env, io.isTTY === true));
    const out = [
        `${style.bold(`Rollback plan for ${environment}`)}, starting with ${start}${rungs.length > 1 ? `, then ${rungs.slice(1).join(', ')} if a rung fails` : ''}`,
        targetNote,
        style.dim('Nothing was executed.'),
    ];
    if (missing.length > 0)
        out.push(`${style.yellow('note')}: not set here, shown as <NAME unset>: ${missing.join(', ')}`);
    let n = 0;
    for (const rung of ladder) {
        out.push('', style.bold(`${rung.strategy}`));
        for (const s of rung.steps) {
            n += 1;
            out.push(`  ${String(n).padStart(2)}. ${s.name}  ${style.dim(`[${s.kind}, ${s.id}]`)}`);
            for (const line of s.shows)
                out.push(`      ${line}`);
        }
    }
    io.stdout(out.join('\n'));
    return 0;
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

/***/ 7369:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ripcordIdentity: () => (/* binding */ ripcordIdentity)
/* harmony export */ });
/* unused harmony exports GITHUB_ACTIONS_BOT, identityFor */
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/**
 * Who Ripcord is on GitHub, so that what it reads back (notification markers, the report
 * fallback comment, lock leases, incident issues) is only trusted when Ripcord wrote it.
 * Anyone who may comment on an issue or push a ref can write text that looks like Ripcord's.
 *
 * Found without an API call: a workflow's GITHUB_TOKEN always acts as `github-actions[bot]`
 * (https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication).
 * An App installation token cannot ask who it is (GET /user answers 403 to it), so a workflow
 * that passes an App's or a person's token names that login in `RIPCORD_BOT_LOGIN` (a
 * comma-separated list, e.g. `my-ripcord[bot],github-actions[bot]` while moving from one to
 * the other).
 */

const GITHUB_ACTIONS_BOT = 'github-actions[bot]';
/** GitHub logins: letters, digits, single hyphens; Apps and GitHub's own bots end in `[bot]`. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
function ripcordIdentity(configured) {
    const raw = (configured ?? '').trim();
    const logins = raw === '' ? [GITHUB_ACTIONS_BOT] : raw.split(',').map((l) => l.trim());
    const bad = logins.filter((l) => !LOGIN.test(l));
    if (bad.length > 0) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigurationError */ .j(`RIPCORD_BOT_LOGIN: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a GitHub login; write the login Ripcord's token acts as, e.g. my-app[bot] (comma-separated for several), or leave it unset for ${GITHUB_ACTIONS_BOT}`);
    }
    const lower = new Set(logins.map((l) => l.toLowerCase()));
    return {
        logins,
        is: (login) => typeof login === 'string' && lower.has(login.toLowerCase()),
        describe: logins.join(' or '),
    };
}
/**
 * The identity for this run: the policy's `github.bot_login` (github-actions[bot] unless the
 * policy says otherwise), or RIPCORD_BOT_LOGIN when the workflow sets it (several logins while
 * moving from one token to another, or the CLI run with a person's token).
 */
function identityFor(botLogin, env) {
    const override = env.RIPCORD_BOT_LOGIN?.trim();
    return ripcordIdentity(override === undefined || override === '' ? botLogin : override);
}


/***/ })

};
