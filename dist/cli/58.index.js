export const id = 58;
export const ids = [58];
export const modules = {

/***/ 3058:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   status: () => (/* binding */ status)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_util__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3201);
/* harmony import */ var _core_recovery_machine_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3880);
/* harmony import */ var _github_incident_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8629);
/* harmony import */ var _github_lock_inspect_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(7724);
/* harmony import */ var _policy_read_policy_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(8818);
/* harmony import */ var _github_access_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8142);
/* harmony import */ var _terminal_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1028);
/**
 * `ripcord status`: what an on-call engineer asks first. For each environment (the policy's,
 * plus any with an open incident): the open incident with its status, target and age, who
 * holds the lock and until when, the recovery stage and when the next step can happen, and the
 * last decision. Everything comes from GitHub (incident issues, lock refs), read-only.
 *
 * Only Ripcord's writing counts: an issue with the incident label opened by someone else, or
 * a lock commit by another author, is listed as a look-alike, never as the incident.
 */









async function status(args, io, logger) {
    const { values } = (0,node_util__WEBPACK_IMPORTED_MODULE_1__.parseArgs)({
        args,
        options: {
            environment: { type: 'string' },
            policy: { type: 'string' },
            repo: { type: 'string' },
            token: { type: 'string' },
            json: { type: 'boolean', default: false },
        },
        strict: true,
    });
    const gh = (0,_github_access_js__WEBPACK_IMPORTED_MODULE_7__/* .githubAccess */ .Y)(values, io, logger, 'read incidents and locks (issues: read, contents: read)');
    const now = io.now();
    const policy = await optionalPolicy(values.policy, logger);
    const schedule = await recoverySchedule();
    const { data } = await gh.octokit.rest.issues.listForRepo({
        ...gh.repo,
        labels: _github_incident_js__WEBPACK_IMPORTED_MODULE_4__/* .INCIDENT_LABEL */ .MY,
        state: 'open',
        sort: 'created',
        direction: 'asc',
        per_page: 100,
    });
    const lookAlikes = [];
    const incidents = [];
    for (const issue of data) {
        if (issue.pull_request)
            continue;
        if (!gh.identity.is(issue.user?.login)) {
            lookAlikes.push(`#${issue.number} (opened by ${issue.user?.login ?? 'unknown'})`);
            continue;
        }
        const view = incidentView(issue, policy, now, schedule);
        if (values.environment && view.environment.toLowerCase() !== values.environment.toLowerCase())
            continue;
        incidents.push(view);
    }
    const environments = new Set();
    if (values.environment)
        environments.add(values.environment);
    else {
        for (const name of Object.keys(policy?.environments ?? {}))
            environments.add(name);
        for (const i of incidents)
            if (!i.problem)
                environments.add(i.environment);
    }
    const locks = [];
    for (const environment of environments) {
        const lock = await (0,_github_lock_inspect_js__WEBPACK_IMPORTED_MODULE_5__/* .readLock */ .m)(gh.octokit, gh.repo, environment, now, gh.identity);
        if (lock)
            locks.push({ environment, lock });
    }
    if (values.json) {
        io.stdout(JSON.stringify({
            repository: `${gh.repo.owner}/${gh.repo.repo}`,
            at: new Date(now).toISOString(),
            incidents,
            locks: locks.map(({ environment, lock }) => ({
                environment,
                holder: lock.lease?.holder ?? null,
                runUrl: lock.lease?.runUrl ?? null,
                acquiredAt: lock.lease?.acquiredAt ?? null,
                expiresAt: lock.lease?.expiresAt ?? null,
                expired: lock.expired,
                byRipcord: lock.byRipcord,
            })),
            lookAlikes,
        }, null, 2));
        return 0;
    }
    const style = (0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .createStyle */ ._r)((0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .colourWanted */ .qd)(io.env, io.isTTY === true));
    const out = [
        `${style.bold(`${gh.repo.owner}/${gh.repo.repo}`)} at ${(0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .clockTime */ .qo)(now, now)}${values.environment ? `, environment ${values.environment}` : ''}`,
        '',
    ];
    if (incidents.length === 0)
        out.push('No open incidents.');
    else {
        out.push(style.bold('Open incidents'));
        out.push(...(0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .table */ .tp)([
            ['ENVIRONMENT', 'INCIDENT', 'STATUS', 'TARGET', 'AGE', 'RECOVERY'].map(style.dim),
            ...incidents.map((i) => [
                i.environment,
                `#${i.number}`,
                (0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .statusWord */ .Hm)(style, i.status),
                i.target ?? '-',
                (0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .span */ .Ln)(i.ageSeconds * 1000),
                i.recovery?.description ?? '-',
            ]),
        ]).map((l) => `  ${l}`));
        for (const i of incidents) {
            out.push('');
            out.push(`#${i.number} ${i.url}`);
            if (i.problem)
                out.push(`  ${style.red('state block unreadable')}: ${i.problem}`);
            if (i.lastDecision)
                out.push(`  last decision: ${i.lastDecision}`);
            if (i.recovery?.nextAt)
                out.push(`  next recovery tick: ${(0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .clockTime */ .qo)(Date.parse(i.recovery.nextAt), now)} (in ${(0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .span */ .Ln)(Date.parse(i.recovery.nextAt) - now)})`);
        }
    }
    out.push('');
    if (locks.length === 0)
        out.push('No locks held.');
    else {
        out.push(style.bold('Locks'));
        out.push(...(0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .table */ .tp)([
            ['ENVIRONMENT', 'HOLDER', 'UNTIL', 'LEASE'].map(style.dim),
            ...locks.map(({ environment, lock }) => [
                environment,
                lock.lease ? lock.lease.holder : '(unreadable lease)',
                lock.lease ? (0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .clockTime */ .qo)(Date.parse(lock.lease.expiresAt), now) : '-',
                `${(0,_terminal_js__WEBPACK_IMPORTED_MODULE_8__/* .statusWord */ .Hm)(style, lock.expired ? 'expired' : 'live')}${lock.byRipcord ? '' : ` (written by ${lock.author}, not Ripcord)`}`,
            ]),
        ]).map((l) => `  ${l}`));
        const stuck = locks.filter((l) => l.lock.expired);
        for (const { environment } of stuck)
            out.push(`  ${environment}: the lease has expired; the next run takes it over, or: ripcord unlock --environment ${environment} --reason "..."`);
    }
    if (lookAlikes.length > 0) {
        out.push('');
        out.push(`${style.yellow('warning')}: ignored ${lookAlikes.length} issue${lookAlikes.length === 1 ? '' : 's'} labelled ${_github_incident_js__WEBPACK_IMPORTED_MODULE_4__/* .INCIDENT_LABEL */ .MY} not opened by ${gh.identity.describe}: ${lookAlikes.join(', ')}`);
    }
    io.stdout(out.join('\n'));
    return 0;
}
function incidentView(issue, policy, now, schedule) {
    const extracted = (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .extractStateBlock */ .Qh)(issue.body ?? '');
    if (!('state' in extracted)) {
        return {
            number: issue.number,
            url: issue.html_url,
            environment: '?',
            status: 'unreadable',
            openedAt: '',
            ageSeconds: 0,
            target: null,
            lastDecision: null,
            recovery: null,
            problem: 'error' in extracted ? extracted.error : 'no Ripcord state block in the issue body',
        };
    }
    const state = extracted.state;
    const opened = Date.parse(state.openedAt);
    return {
        number: issue.number,
        url: issue.html_url,
        environment: state.environment,
        status: state.status,
        openedAt: state.openedAt,
        ageSeconds: Math.round((now - opened) / 1000),
        target: state.target ? `${state.target.ref} (${state.target.sha.slice(0, 7)})` : null,
        lastDecision: state.decision
            ? `${state.decision.decision}${state.decision.strategy ? ` (${state.decision.strategy})` : ''}: ${state.decision.summary}`
            : state.reason || null,
        recovery: recoveryView(state, policy, now, schedule),
    };
}
function recoveryView(state, policy, now, scheduleMs) {
    if (state.recovery === null)
        return null;
    const parsed = (0,_core_recovery_machine_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecoveryState */ ._K)(state.recovery);
    if ('error' in parsed)
        return { description: `unreadable: ${parsed.error}`, status: '?', nextAt: null };
    const env = policy?.environments[state.environment];
    const recovery = parsed.state;
    if (!env) {
        return {
            description: `${recovery.status}, ${recovery.percent}% (stage ${recovery.stage + 1})`,
            status: recovery.status,
            nextAt: null,
        };
    }
    const plan = (0,_core_recovery_machine_js__WEBPACK_IMPORTED_MODULE_3__/* .planOf */ .XC)(env.recovery);
    const wait = (0,_core_recovery_machine_js__WEBPACK_IMPORTED_MODULE_3__/* .waitFor */ .fm)(plan, recovery, now)[0];
    // The next tick is the first scheduled run at or after what the machine waits for.
    const ready = wait?.type === 'wait' && wait.until ? Math.max(now, Date.parse(wait.until)) : now;
    const nextAt = wait === undefined || (wait.type === 'wait' && wait.reason === 'approval')
        ? null
        : scheduleMs === undefined
            ? wait.type === 'wait' && wait.until
                ? wait.until
                : null
            : new Date(Math.ceil(ready / scheduleMs) * scheduleMs).toISOString();
    return { description: (0,_core_recovery_machine_js__WEBPACK_IMPORTED_MODULE_3__/* .describe */ .q0)(plan, recovery, now), status: recovery.status, nextAt };
}
async function optionalPolicy(path, logger) {
    try {
        return await (0,_policy_read_policy_js__WEBPACK_IMPORTED_MODULE_6__/* .readPolicy */ .T4)(path ?? _policy_read_policy_js__WEBPACK_IMPORTED_MODULE_6__/* .defaultPolicyPath */ .r2);
    }
    catch (err) {
        // Named explicitly, a broken policy is an error; the default one may simply not be here.
        if (path !== undefined)
            throw err;
        logger.debug(`no readable ${_policy_read_policy_js__WEBPACK_IMPORTED_MODULE_6__/* .defaultPolicyPath */ .r2}; recovery stages are shown without the plan`);
        return undefined;
    }
}
/** The recovery workflow's `*\/N * * * *` schedule in ms, from the checkout, when it has one. */
async function recoverySchedule() {
    for (const path of [
        '.github/workflows/ripcord-recovery.yml',
        '.github/workflows/staged-recovery.yml',
    ]) {
        let text;
        try {
            text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(path, 'utf8');
        }
        catch {
            continue;
        }
        const m = /cron:\s*['"]\*\/(\d+) \* \* \* \*['"]/.exec(text);
        if (m)
            return Number(m[1]) * 60_000;
    }
    return undefined;
}


/***/ }),

/***/ 3880:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   UP: () => (/* binding */ recoveryStateSchema),
/* harmony export */   XC: () => (/* binding */ planOf),
/* harmony export */   _K: () => (/* binding */ parseRecoveryState),
/* harmony export */   fm: () => (/* binding */ waitFor),
/* harmony export */   q0: () => (/* binding */ describe)
/* harmony export */ });
/* unused harmony exports RECOVERY_STATE_VERSION, gateResultSchema, recoveryStatusSchema, initialRecoveryState, isTerminal, backoffDelay, dwellEndsAt, transition */
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4377);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7510);
/**
 * The staged-recovery state machine, pure: `(plan, state, event, now) -> {state, effects}`.
 * Scheduled runs come late, twice or not at all, so every decision is computed from the
 * timestamps recorded in the state, never from how many runs there were. The caller applies
 * the effects (flag, incident, comments) and then stores the new state; a transition that
 * returns `changed: false` needs no write and therefore no lock.
 *
 * The state lives in the incident's `recovery` block, validated with its own versioned schema,
 * so a hand edit that breaks it is reported instead of silently restarting the rollout.
 */

const RECOVERY_STATE_VERSION = 1;
const HISTORY_LIMIT = 40;
const timestamp = zod__WEBPACK_IMPORTED_MODULE_0__/* .datetime */ .w$({ offset: true });
const gateResultSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['healthy', 'regressed', 'inconclusive']);
const recoveryStatusSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n([
    /** Not started yet (the incident was only rolled back). */
    'pending',
    /** A stage is live: its dwell runs, then its gates are read. */
    'running',
    /** auto_proceed is off: waiting for someone to run `proceed`. */
    'awaiting-approval',
    /** The last attempt regressed and was rolled back; the next starts at `nextAttemptAt`. */
    'backoff',
    'recovered',
    'aborted',
]);
const recoveryStateSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
    version: zod__WEBPACK_IMPORTED_MODULE_1__/* .literal */ .euz(RECOVERY_STATE_VERSION),
    status: recoveryStatusSchema,
    /** Index into the policy's stages; -1 before the first stage of an attempt. */
    stage: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().min(-1),
    /** The percentage live now (0 when rolled back). */
    percent: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().min(0).max(100),
    attempt: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().min(1),
    /** When the current stage's percentage went live: its dwell counts from here. */
    stageStartedAt: timestamp.nullable(),
    nextAttemptAt: timestamp.nullable(),
    lastGate: zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({ at: timestamp, result: gateResultSchema, detail: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP() })
        .nullable(),
    abortReason: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
    updatedAt: timestamp,
    history: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
        at: timestamp,
        event: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        attempt: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int(),
        stage: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int(),
        percent: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int(),
        detail: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    })),
});
function planOf(policy) {
    return {
        stages: policy.stages,
        autoProceed: policy.auto_proceed,
        maxAttempts: policy.max_attempts,
        backoff: policy.backoff,
    };
}
const iso = (ms) => new Date(ms).toISOString();
function initialRecoveryState(now) {
    return {
        version: RECOVERY_STATE_VERSION,
        status: 'pending',
        stage: -1,
        percent: 0,
        attempt: 1,
        stageStartedAt: null,
        nextAttemptAt: null,
        lastGate: null,
        abortReason: null,
        updatedAt: iso(now),
        history: [],
    };
}
function isTerminal(state) {
    return state.status === 'recovered' || state.status === 'aborted';
}
/** Wait before attempt n+1 after attempt n regressed: base * 2^(n-1), capped. */
function backoffDelay(plan, failedAttempt) {
    const exponent = Math.max(0, failedAttempt - 1);
    // 2^exponent overflows to Infinity long after it passed any sane max; min() keeps it finite.
    return Math.min(plan.backoff.base * 2 ** Math.min(exponent, 52), plan.backoff.max);
}
/** When the current stage's dwell ends, or null when no stage is live. */
function dwellEndsAt(plan, state) {
    const stage = plan.stages[state.stage];
    if (!stage || state.stageStartedAt === null)
        return null;
    return Date.parse(state.stageStartedAt) + stage.dwell;
}
function transition(plan, state, event, now) {
    checkPlan(plan);
    if (state.stage >= plan.stages.length) {
        throw new RangeError(`the recovery state is at stage ${state.stage + 1} but the policy has ${plan.stages.length} stages; the stages changed during the recovery`);
    }
    switch (event.type) {
        case 'status':
            return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
        case 'abort':
            return abort(plan, state, event, now);
        case 'proceed':
            return proceed(plan, state, event, now);
        case 'tick':
            return tick(plan, state, event, now);
    }
}
function tick(plan, state, event, now) {
    switch (state.status) {
        case 'recovered':
        case 'aborted':
            return unchanged(state, describe(plan, state, now), []);
        case 'pending':
            return plan.autoProceed
                ? startAttempt(plan, state, now, 'start')
                : awaitApproval(plan, state, now, 'recovery is ready to start');
        case 'backoff': {
            const at = state.nextAttemptAt === null ? now : Date.parse(state.nextAttemptAt);
            if (now < at)
                return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
            return plan.autoProceed
                ? startAttempt(plan, state, now, 'retry')
                : awaitApproval(plan, state, now, `attempt ${state.attempt} is ready to start`);
        }
        case 'running':
        case 'awaiting-approval': {
            if (state.stage < 0) {
                // Awaiting approval before the first stage: nothing is live, so nothing to gate; a
                // policy switched to auto_proceed since then starts it.
                if (plan.autoProceed)
                    return startAttempt(plan, state, now, 'start');
                return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
            }
            const ends = dwellEndsAt(plan, state) ?? now;
            if (now < ends)
                return unchanged(state, describe(plan, state, now), waitFor(plan, state, now));
            if (event.gates === null) {
                return unchanged(state, `stage ${state.stage + 1} dwell is over: reading its gates`, [
                    { type: 'evaluateGates' },
                ]);
            }
            return judge(plan, state, event.gates, event.detail ?? '', now, true);
        }
    }
}
/** The gates of a live stage whose dwell is over decide what happens next. */
function judge(plan, state, gates, detail, now, mayAdvance) {
    const lastGate = { at: iso(now), result: gates, detail };
    if (gates === 'regressed')
        return regress(plan, state, detail, now);
    if (gates === 'inconclusive') {
        // Holding does not need a write when it was already holding: costs stay flat while metrics are down.
        const message = `stage ${state.stage + 1} (${state.percent}%) holds: its gates are inconclusive${detail ? ` (${detail})` : ''}; it never advances on missing data`;
        if (state.lastGate?.result === 'inconclusive') {
            return unchanged(state, message, [{ type: 'wait', until: null, reason: 'gates' }]);
        }
        return changedTo({ ...state, lastGate }, 'held', detail, now, message, [
            { type: 'wait', until: null, reason: 'gates' },
        ]);
    }
    const last = state.stage === plan.stages.length - 1;
    if (last) {
        const message = `${state.percent}% held healthy for its dwell: recovered (attempt ${state.attempt})`;
        return changedTo({ ...state, status: 'recovered', lastGate, nextAttemptAt: null }, 'recovered', detail, now, message, [{ type: 'markRecovered' }, { type: 'notify', event: 'recovery.completed', message }]);
    }
    if (!mayAdvance || !plan.autoProceed) {
        if (state.status === 'awaiting-approval') {
            return unchanged(state, describe(plan, state, now), [
                { type: 'wait', until: null, reason: 'approval' },
            ]);
        }
        return awaitApproval(plan, { ...state, lastGate }, now, `stage ${state.stage + 1} (${state.percent}%) is healthy`);
    }
    return advance(plan, { ...state, lastGate }, now, detail);
}
function proceed(plan, state, event, now) {
    if (isTerminal(state)) {
        return unchanged(state, `proceed does nothing: the recovery is ${state.status}${state.abortReason ? ` (${state.abortReason})` : ''}`, []);
    }
    if (state.status === 'pending' || state.status === 'backoff' || state.stage < 0) {
        // Nothing is live, so there is nothing to gate: a person may start (or retry early).
        return startAttempt(plan, state, now, `proceed by ${event.actor}`);
    }
    const ends = dwellEndsAt(plan, state) ?? now;
    if (now < ends) {
        return unchanged(state, `proceed refused: stage ${state.stage + 1} (${state.percent}%) dwells until ${iso(ends)}; stages are never cut short`, waitFor(plan, state, now));
    }
    if (event.gates === null) {
        return unchanged(state, 'reading the gates before proceeding', [{ type: 'evaluateGates' }]);
    }
    if (event.gates !== 'healthy') {
        return judge(plan, state, event.gates, event.detail ?? '', now, false);
    }
    const lastGate = { at: iso(now), result: event.gates, detail: event.detail ?? '' };
    if (state.stage === plan.stages.length - 1) {
        return judge(plan, state, 'healthy', event.detail ?? '', now, true);
    }
    return advance(plan, { ...state, lastGate }, now, `proceed by ${event.actor}`);
}
function abort(plan, state, event, now) {
    if (isTerminal(state)) {
        return unchanged(state, `abort does nothing: the recovery is already ${state.status}`, []);
    }
    const reason = `aborted by ${event.actor}${event.reason ? `: ${event.reason}` : ''}`;
    const message = `recovery ${reason}; the change stays rolled back`;
    const effects = [];
    if (state.percent > 0)
        effects.push({ type: 'rollbackAgain', reason });
    effects.push({ type: 'notify', event: 'recovery.aborted', message });
    return changedTo({
        ...state,
        status: 'aborted',
        percent: 0,
        abortReason: reason,
        nextAttemptAt: null,
        stageStartedAt: null,
    }, 'aborted', reason, now, message, effects);
}
function regress(plan, state, detail, now) {
    const lastGate = { at: iso(now), result: 'regressed', detail };
    const where = `stage ${state.stage + 1} (${state.percent}%) of attempt ${state.attempt} regressed${detail ? ` (${detail})` : ''}`;
    if (state.attempt >= plan.maxAttempts) {
        const reason = `${where}; max_attempts ${plan.maxAttempts} reached`;
        const message = `${reason}: rolled back again and stopped trying`;
        return changedTo({
            ...state,
            status: 'aborted',
            percent: 0,
            lastGate,
            abortReason: reason,
            stageStartedAt: null,
            nextAttemptAt: null,
        }, 'regressed', detail, now, message, [
            { type: 'rollbackAgain', reason: where },
            { type: 'notify', event: 'recovery.aborted', message },
        ]);
    }
    const next = now + backoffDelay(plan, state.attempt);
    const message = `${where}: rolled back again; attempt ${state.attempt + 1} of ${plan.maxAttempts} starts at ${iso(next)}`;
    return changedTo({
        ...state,
        status: 'backoff',
        stage: -1,
        percent: 0,
        attempt: state.attempt + 1,
        lastGate,
        stageStartedAt: null,
        nextAttemptAt: iso(next),
    }, 'regressed', detail, now, message, [
        { type: 'rollbackAgain', reason: where },
        { type: 'notify', event: 'recovery.aborted', message },
        { type: 'wait', until: iso(next), reason: 'backoff' },
    ]);
}
function startAttempt(plan, state, now, why) {
    return advance(plan, { ...state, stage: -1, nextAttemptAt: null }, now, why);
}
/** Exactly one stage forward: never more, so no stage is ever skipped. */
function advance(plan, state, now, why) {
    const stage = state.stage + 1;
    const next = plan.stages[stage];
    if (!next)
        throw new RangeError(`no stage ${stage + 1}: the plan has ${plan.stages.length}`);
    const until = now + next.dwell;
    const message = `attempt ${state.attempt}: stage ${stage + 1} of ${plan.stages.length}, ${next.percent}% (${why}); its gates are read after ${iso(until)}`;
    return changedTo({ ...state, status: 'running', stage, percent: next.percent, stageStartedAt: iso(now) }, 'stage', why, now, message, [
        { type: 'setPercent', percent: next.percent, stage },
        { type: 'notify', event: 'recovery.stage', message },
        { type: 'wait', until: iso(until), reason: 'dwell' },
    ]);
}
function awaitApproval(plan, state, now, why) {
    const nextStage = plan.stages[state.stage + 1];
    const message = `${why}; waiting for someone with the approval permission to run proceed${nextStage ? ` (next: ${nextStage.percent}%)` : ''}`;
    return changedTo({ ...state, status: 'awaiting-approval', nextAttemptAt: null }, 'awaiting-approval', why, now, message, [
        { type: 'notify', event: 'recovery.stage', message },
        { type: 'wait', until: null, reason: 'approval' },
    ]);
}
function changedTo(state, event, detail, now, message, effects) {
    const entry = {
        at: iso(now),
        event,
        attempt: state.attempt,
        stage: state.stage,
        percent: state.percent,
        detail,
    };
    return {
        state: {
            ...state,
            updatedAt: iso(now),
            history: [...state.history, entry].slice(-HISTORY_LIMIT),
        },
        effects,
        changed: true,
        message,
    };
}
function unchanged(state, message, effects) {
    return { state, effects, changed: false, message };
}
/** What the recovery waits for now, as a wait effect (empty when it is over). */
function waitFor(plan, state, now) {
    switch (state.status) {
        case 'recovered':
        case 'aborted':
            return [];
        case 'pending':
            return [{ type: 'wait', until: null, reason: plan.autoProceed ? 'gates' : 'approval' }];
        case 'backoff':
            return [{ type: 'wait', until: state.nextAttemptAt, reason: 'backoff' }];
        case 'awaiting-approval':
            return [{ type: 'wait', until: null, reason: 'approval' }];
        case 'running': {
            const ends = dwellEndsAt(plan, state);
            return ends !== null && now < ends
                ? [{ type: 'wait', until: iso(ends), reason: 'dwell' }]
                : [{ type: 'wait', until: null, reason: 'gates' }];
        }
    }
}
/** The state in one sentence. */
function describe(plan, state, now) {
    const of = `stage ${state.stage + 1} of ${plan.stages.length} (${state.percent}%), attempt ${state.attempt}`;
    switch (state.status) {
        case 'pending':
            return 'recovery has not started';
        case 'recovered':
            return `recovered at 100% (attempt ${state.attempt})`;
        case 'aborted':
            return `recovery aborted: ${state.abortReason ?? 'no reason recorded'}`;
        case 'backoff':
            return `rolled back after a regression; attempt ${state.attempt} of ${plan.maxAttempts} starts at ${state.nextAttemptAt ?? 'the next run'}`;
        case 'awaiting-approval':
            return state.stage < 0
                ? `attempt ${state.attempt} waits for proceed before its first stage`
                : `${of} is healthy and waits for proceed`;
        case 'running': {
            const ends = dwellEndsAt(plan, state);
            return ends !== null && now < ends
                ? `${of} dwells until ${iso(ends)}`
                : `${of}: dwell over, gates due`;
        }
    }
}
function checkPlan(plan) {
    // The policy schema guarantees this; a plan built by hand (tests, the CLI) gets the same rules.
    const stages = plan.stages;
    if (stages.length === 0 || stages.at(-1)?.percent !== 100) {
        throw new RangeError('a recovery plan needs stages ending at 100%');
    }
    for (let i = 1; i < stages.length; i++) {
        const a = stages[i - 1];
        const b = stages[i];
        if (a && b && b.percent <= a.percent) {
            throw new RangeError(`stages must increase: ${b.percent} after ${a.percent}`);
        }
    }
}
/** The recovery block as stored, or every problem with it (a hand edit) and how to fix it. */
function parseRecoveryState(raw) {
    if (typeof raw === 'object' && raw !== null && 'version' in raw) {
        const version = raw.version;
        if (typeof version === 'number' && version > RECOVERY_STATE_VERSION) {
            return {
                error: `the recovery block has version ${version}, written by a newer Ripcord than this one (which reads ${RECOVERY_STATE_VERSION}); upgrade the staged-recovery action`,
            };
        }
    }
    const parsed = recoveryStateSchema.safeParse(raw);
    if (parsed.success)
        return { state: parsed.data };
    const problems = parsed.error.issues.map((i) => `recovery.${i.path.map(String).join('.') || '(block)'}: ${i.message}`);
    return { error: problems.join('; ') };
}


/***/ })

};
