export const id = 418;
export const ids = [418];
export const modules = {

/***/ 4418:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
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
;// CONCATENATED MODULE: ./src/github/client.ts
/**
 * One Octokit for every action: the token input, GitHub Enterprise Server through
 * GITHUB_API_URL, Octokit's retry and throttling plugins (secondary rate limits and
 * `retry-after` honoured), and a request counter for the job summary.
 */




function createGitHubClient(opts) {
    const rateLimitRetries = opts.rateLimitRetries ?? 4;
    // Both limits: wait what GitHub says (the plugin does), a bounded number of times, and say so.
    const onLimit = (kind) => (retryAfter, options, _o, retryCount) => {
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


/***/ })

};
