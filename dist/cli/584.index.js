export const id = 584;
export const ids = [584];
export const modules = {

/***/ 6584:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createGitHubClient: () => (/* binding */ createGitHubClient)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1758);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9735);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6856);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2203);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(bottleneck__WEBPACK_IMPORTED_MODULE_1__);
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
    }, _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_2__/* .retry */ .L, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_3__/* .throttling */ .A);
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
