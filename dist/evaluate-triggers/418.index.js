export const id = 418;
export const ids = [418];
export const modules = {

/***/ 4418:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  currentDeployment: () => (/* binding */ currentDeployment),
  deploymentCreatedAt: () => (/* binding */ deploymentCreatedAt)
});

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js + 21 modules
var github = __webpack_require__(1758);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-retry/dist-bundle/index.js
var dist_bundle = __webpack_require__(9735);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-throttling/dist-bundle/index.js
var plugin_throttling_dist_bundle = __webpack_require__(6856);
// EXTERNAL MODULE: ./node_modules/bottleneck/lib/index.js
var lib = __webpack_require__(2203);
var lib_default = /*#__PURE__*/__webpack_require__.n(lib);
// EXTERNAL MODULE: ./src/core/duration.ts
var duration = __webpack_require__(8571);
;// CONCATENATED MODULE: ./src/github/client.ts
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
            opts.logger.error(`GitHub ${kind} on ${options.method} ${options.url}: it resets in ${(0,duration/* formatDuration */.a3)(retryAfter * 1000)}, longer than ${setting} (${(0,duration/* formatDuration */.a3)(cap)}); not waiting`);
            return false;
        }
        opts.logger.warning(`GitHub ${kind} on ${options.method} ${options.url}; retrying after ${retryAfter}s`);
        return retryCount < rateLimitRetries;
    };
    const octokit = (0,github/* getOctokit */.Q)(opts.token, {
        baseUrl: (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
        retry: { retryAfterBaseValue: opts.retryAfterBaseValue ?? 1000 },
        throttle: {
            write: new (lib_default()).Group({ maxConcurrent: 1, minTime: opts.writeSpacingMs ?? 0 }),
            // Comments and pull requests notify people: the plugin's default spaces them 3 s apart
            // process-wide, which would hold an incident's one or two comments for seconds.
            notifications: new (lib_default()).Group({
                maxConcurrent: 1,
                minTime: opts.writeSpacingMs ?? 0,
            }),
            onRateLimit: onLimit('rate limit'),
            onSecondaryRateLimit: onLimit('secondary rate limit'),
        },
    }, dist_bundle/* retry */.L, plugin_throttling_dist_bundle/* throttling */.A);
    // A request refused for the rate limit (after the cap): say what it means and what to do.
    octokit.hook.error('request', (error) => {
        const e = error;
        const headers = e.response?.headers ?? {};
        if ((e.status === 403 || e.status === 429) && headers['x-ratelimit-remaining'] === '0') {
            const limit = headers['x-ratelimit-limit'] ?? 'its';
            const reset = Number(headers['x-ratelimit-reset']);
            const when = Number.isFinite(reset)
                ? ` It resets at ${new Date(reset * 1000).toISOString()}, ${(0,duration/* formatDuration */.a3)(Math.max(0, reset * 1000 - Date.now()))} from now, longer than ${setting} (${(0,duration/* formatDuration */.a3)(cap)}).`
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

;// CONCATENATED MODULE: ./src/github/repo-ref.ts
/**
 * The repository a GitHub adapter works on, and the few facts it needs from a failed Octokit
 * request. Octokit's RequestError is not a direct dependency, so errors are read by shape.
 */
function repoName(ref) {
    return `${ref.owner}/${ref.repo}`;
}
/** HTTP status of a failed Octokit request, or undefined for anything else (network, bugs). */
function requestStatus(err) {
    if (typeof err !== 'object' || err === null || !('status' in err))
        return undefined;
    return typeof err.status === 'number' ? err.status : undefined;
}
/** GitHub's own error text (`Reference already exists`), falling back to Octokit's message. */
function requestMessage(err) {
    if (typeof err === 'object' && err !== null && 'response' in err) {
        const response = err.response;
        if (typeof response === 'object' && response !== null && 'data' in response) {
            const data = response.data;
            if (typeof data === 'object' && data !== null && 'message' in data) {
                if (typeof data.message === 'string')
                    return data.message;
            }
        }
    }
    return err instanceof Error ? err.message : String(err);
}

;// CONCATENATED MODULE: ./src/github/deployment-time.ts
/**
 * The creation time of a deployment, for baseline triggers ("completion rate drops more than
 * 20% against the hour before the deploy") when the workflow names the deployment by id.
 */



async function deploymentCreatedAt(opts) {
    const id = Number(opts.deploymentId);
    if (!Number.isInteger(id) || id <= 0) {
        throw new errors/* ConfigurationError */.j(`input baseline-deployment: "${opts.deploymentId}" is not a deployment id; pass a number such as \${{ github.event.deployment.id }}`);
    }
    const [owner, repo] = (opts.repository ?? '').split('/');
    if (!owner || !repo) {
        throw new errors/* ConfigurationError */.j('GITHUB_REPOSITORY is not set; baseline-deployment can only be read inside a workflow run');
    }
    if (!opts.token) {
        throw new errors/* ConfigurationError */.j('input token is empty; baseline-deployment needs a token with deployments: read');
    }
    const { octokit } = createGitHubClient({
        token: opts.token,
        baseUrl: opts.apiUrl,
        logger: opts.logger,
    });
    try {
        const { data } = await octokit.rest.repos.getDeployment({ owner, repo, deployment_id: id });
        return Date.parse(data.created_at);
    }
    catch (thrown) {
        const status = requestStatus(thrown);
        if (status === 404) {
            throw new errors/* ConfigurationError */.j(`deployment ${id} not found in ${owner}/${repo}; check input baseline-deployment`);
        }
        if (status === 401 || status === 403) {
            throw new errors/* ConfigurationError */.j(`reading deployment ${id} was refused (HTTP ${String(status)}); give the job \`permissions: deployments: read\``);
        }
        throw thrown;
    }
}
/**
 * The environment's newest deployment and its creation time, for a post-deploy workflow that
 * names no deployment: GitHub never sets a DEPLOYMENT_ID variable, and a job with
 * `environment: production` creates its deployment without telling the next job its id. One
 * call (`GET /deployments?environment=...&per_page=1`, newest first). Null when there is none.
 */
async function currentDeployment(opts) {
    const [owner, repo] = (opts.repository ?? '').split('/');
    if (!owner || !repo || !opts.token)
        return null;
    const { octokit } = createGitHubClient({
        token: opts.token,
        baseUrl: opts.apiUrl,
        logger: opts.logger,
    });
    try {
        const { data } = await octokit.rest.repos.listDeployments({
            owner,
            repo,
            environment: opts.environment,
            per_page: 1,
        });
        const newest = data[0];
        return newest
            ? { id: newest.id, ref: newest.ref, createdAt: Date.parse(newest.created_at) }
            : null;
    }
    catch (thrown) {
        const status = requestStatus(thrown);
        if (status === 401 || status === 403) {
            throw new errors/* ConfigurationError */.j(`reading the deployments of ${opts.environment} was refused (HTTP ${String(status)}); give the job \`permissions: deployments: read\`, or pass input baseline`);
        }
        throw thrown;
    }
}


/***/ })

};
