export const id = 576;
export const ids = [576];
export const modules = {

/***/ 576:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   unlock: () => (/* binding */ unlock)
/* harmony export */ });
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_util__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4296);
/* harmony import */ var _github_incident_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8629);
/* harmony import */ var _github_lock_inspect_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7724);
/* harmony import */ var _core_markdown_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6706);
/* harmony import */ var _github_access_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8142);
/* harmony import */ var _terminal_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1028);
/**
 * `ripcord unlock`: removes a stuck environment lock (a run killed before it released it,
 * whose lease a person does not want to wait out). It refuses while the lease is live unless
 * --force, because a live lease usually means a rollback is running right now. Who removed it
 * and why is written on the environment's open incident, so the audit log has it.
 */







async function unlock(args, io, logger) {
    const { values } = (0,node_util__WEBPACK_IMPORTED_MODULE_0__.parseArgs)({
        args,
        options: {
            environment: { type: 'string' },
            reason: { type: 'string' },
            force: { type: 'boolean', default: false },
            repo: { type: 'string' },
            token: { type: 'string' },
            json: { type: 'boolean', default: false },
        },
        strict: true,
    });
    const environment = values.environment;
    if (!environment)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j('--environment is required, such as --environment production');
    const reason = (values.reason ?? '').trim();
    if (reason === '')
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j('--reason is required: say why the lock is stuck, such as --reason "run 123 was cancelled"');
    const gh = (0,_github_access_js__WEBPACK_IMPORTED_MODULE_4__/* .githubAccess */ .Y)(values, io, logger, 'remove the lock (contents: write, issues: write)');
    const now = io.now();
    const actor = io.env.GITHUB_ACTOR ?? io.env.USER ?? 'someone';
    const lock = await (0,_github_lock_inspect_js__WEBPACK_IMPORTED_MODULE_3__/* .readLock */ .m)(gh.octokit, gh.repo, environment, now, gh.identity);
    if (!lock) {
        if (values.json)
            io.stdout(JSON.stringify({ environment, result: 'not-locked' }));
        else
            io.stdout(`${environment} is not locked; nothing to do.`);
        return 0;
    }
    const holder = lock.lease
        ? `${lock.lease.holder}${lock.lease.runUrl ? ` (${lock.lease.runUrl})` : ''}`
        : 'an unreadable lease';
    if (!lock.expired && !values.force) {
        const until = Date.parse(lock.lease?.expiresAt ?? '');
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`the lock on ${environment} is held by ${holder} until ${(0,_terminal_js__WEBPACK_IMPORTED_MODULE_5__/* .clockTime */ .qo)(until, now)} (${(0,_terminal_js__WEBPACK_IMPORTED_MODULE_5__/* .span */ .Ln)(until - now)} from now): the holder may still be working. Wait for the lease to expire, or pass --force if you know the run is gone`);
    }
    const result = await (0,_github_lock_inspect_js__WEBPACK_IMPORTED_MODULE_3__/* .removeLock */ .o)(gh.octokit, gh.repo, lock);
    if (result === 'moved') {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`the lock on ${environment} changed while unlocking (its holder renewed it, or another run took it); run ripcord status, then try again`);
    }
    const incidents = (0,_github_incident_js__WEBPACK_IMPORTED_MODULE_2__/* .createIncidentStore */ .sP)(gh.octokit, gh.repo, logger);
    const incident = await incidents.findOpen(environment);
    if (incident) {
        const forced = lock.expired ? '' : ' with --force, before its lease expired';
        await incidents.comment(incident.number, `🔓 **Lock removed by hand**${forced}: \`${lock.ref}\` was held by ${(0,_core_markdown_js__WEBPACK_IMPORTED_MODULE_6__/* .escapeMarkdown */ .F)(holder)}${lock.lease ? ` until ${lock.lease.expiresAt}` : ''}.\n\nRemoved by @${(0,_core_markdown_js__WEBPACK_IMPORTED_MODULE_6__/* .escapeMarkdown */ .F)(actor)} with \`ripcord unlock\`. Reason: ${(0,_core_markdown_js__WEBPACK_IMPORTED_MODULE_6__/* .escapeMarkdown */ .F)(reason)}`);
    }
    if (values.json) {
        io.stdout(JSON.stringify({
            environment,
            result: result === 'gone' ? 'already-gone' : 'removed',
            holder: lock.lease?.holder ?? null,
            expiresAt: lock.lease?.expiresAt ?? null,
            forced: !lock.expired,
            incident: incident?.number ?? null,
        }));
    }
    else {
        io.stdout(`${result === 'gone' ? `The lock on ${environment} was already gone` : `Removed the lock on ${environment}`} (held by ${holder}).${incident ? ` Recorded on incident #${incident.number}: ${incident.url}` : ' No open incident to record it on.'}`);
    }
    return 0;
}


/***/ })

};
