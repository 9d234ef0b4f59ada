export const id = 584;
export const ids = [584];
export const modules = {

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


/***/ })

};
