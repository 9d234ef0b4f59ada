export const id = 485;
export const ids = [485,369];
export const modules = {

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


/***/ }),

/***/ 6485:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  closeIncident: () => (/* binding */ closeIncident)
});

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./node_modules/zod/v4/core/api.js
var api = __webpack_require__(3759);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 10 modules
var schemas = __webpack_require__(7510);
;// CONCATENATED MODULE: ./node_modules/zod/v4/classic/iso.js



function datetime(params) {
    return api/* _isoDateTime */.G1(schemas/* ZodISODateTime */.You, params);
}
function date(params) {
    return core._isoDate(ZodISODate, params);
}
function time(params) {
    return core._isoTime(ZodISOTime, params);
}
function duration(params) {
    return core._isoDuration(ZodISODuration, params);
}

// EXTERNAL MODULE: ./src/core/markdown.ts
var markdown = __webpack_require__(6706);
;// CONCATENATED MODULE: ./src/core/incident-state.ts
/**
 * The incident's machine-readable state, kept in the incident issue body as one HTML comment
 * holding versioned JSON:
 *
 *   <!-- ripcord:state
 *   {"version": 1, ...}
 *   -->
 *
 * GitHub is the database, so this block is the row: it is validated on every read, and a block
 * that a person broke by hand is reported with what is wrong and how to fix it, never reset.
 * Any change to the shape bumps `version`; objects are strict so a typo in a hand edit is
 * caught instead of silently dropped on the next save.
 */


const INCIDENT_STATE_VERSION = 1;
const timestamp = datetime({ offset: true });
const incidentStatusSchema = schemas/* enum */.k5n([
    'rolling-back',
    'rolled-back',
    'rollback-failed',
    'verification-failed',
    'recovering',
    'recovered',
    'closed',
]);
const stepStatusSchema = schemas/* enum */.k5n(['pending', 'running', 'done', 'failed', 'skipped']);
const incidentStepSchema = schemas/* strictObject */.rej({
    /** Stable across runs (e.g. `feature-flag:disable`) so a re-run finds what is already done. */
    id: schemas/* string */.YjP().min(1),
    strategy: schemas/* string */.YjP().min(1),
    name: schemas/* string */.YjP(),
    status: stepStatusSchema,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    detail: schemas/* string */.YjP().nullable(),
});
const incidentRunSchema = schemas/* strictObject */.rej({
    runId: schemas/* string */.YjP().min(1),
    attempt: schemas/* number */.aig().int().min(1),
    startedAt: timestamp,
});
const incidentStateSchema = schemas/* strictObject */.rej({
    version: schemas/* literal */.euz(INCIDENT_STATE_VERSION),
    environment: schemas/* string */.YjP().min(1),
    status: incidentStatusSchema,
    openedAt: timestamp,
    updatedAt: timestamp,
    reason: schemas/* string */.YjP(),
    decision: schemas/* strictObject */.rej({
        decision: schemas/* enum */.k5n(['rollback', 'warn', 'hold', 'none']),
        severity: schemas/* enum */.k5n(['critical', 'warning']).nullable(),
        strategy: schemas/* string */.YjP().nullable(),
        approval: schemas/* string */.YjP().nullable(),
        triggered: schemas/* array */.YOg(schemas/* string */.YjP()),
        summary: schemas/* string */.YjP(),
    })
        .optional(),
    bad: schemas/* strictObject */.rej({
        deploymentId: schemas/* number */.aig().int(),
        ref: schemas/* string */.YjP(),
        sha: schemas/* string */.YjP(),
        createdAt: timestamp,
    }),
    target: schemas/* strictObject */.rej({
        deploymentId: schemas/* number */.aig().int().nullable(),
        ref: schemas/* string */.YjP(),
        sha: schemas/* string */.YjP(),
    })
        .nullable(),
    rollbackDeploymentId: schemas/* number */.aig().int().nullable(),
    strategy: schemas/* string */.YjP().nullable(),
    attempts: schemas/* number */.aig().int().min(0),
    lastRollbackAt: timestamp.nullable(),
    runs: schemas/* array */.YOg(incidentRunSchema),
    steps: schemas/* array */.YOg(incidentStepSchema),
    dataLossWindow: schemas/* strictObject */.rej({ from: timestamp, to: timestamp }).nullable(),
    /** Reserved for staged recovery, which owns its shape. */
    recovery: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* unknown */.L5J()).nullable(),
});
const OPEN = '<!-- ripcord:state';
const CLOSE = '-->';
const OPEN_PATTERN = /<!--\s*ripcord:state\b/g;
const SUMMARY_START = '<!-- ripcord:summary (generated from the state block; edits here are replaced) -->';
const SUMMARY_START_PATTERN = /<!--\s*ripcord:summary\b[^>]*-->/g;
const SUMMARY_END = '<!-- /ripcord:summary -->';
const SUMMARY_END_PATTERN = /<!--\s*\/ripcord:summary\s*-->/g;
const FIX = 'Fix it by hand, or restore the block from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.';
/** Where a zod issue points, as a reader would write it: `steps[2].status`. */
function formatPath(path) {
    if (path.length === 0)
        return '(the whole block)';
    let out = '';
    for (const key of path) {
        if (typeof key === 'number')
            out += `[${key}]`;
        else
            out += out === '' ? String(key) : `.${String(key)}`;
    }
    return out;
}
function validationProblems(error) {
    return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}
/**
 * The block as written into the issue. `<`, `>` and `&` inside strings become JSON escapes so
 * no reason or detail can end the comment (`-->`) or open HTML; JSON.parse undoes them.
 */
function renderStateBlock(state) {
    const checked = incidentStateSchema.safeParse(state);
    if (!checked.success) {
        throw new Error(`Refusing to write an invalid incident state: ${validationProblems(checked.error).join('; ')}`);
    }
    const json = JSON.stringify(checked.data, null, 2).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return `${OPEN}\n${json}\n${CLOSE}`;
}
function locateBlock(body) {
    const opens = [...body.matchAll(OPEN_PATTERN)];
    const [first] = opens;
    if (first === undefined)
        return { absent: true };
    if (opens.length > 1) {
        return {
            error: `The incident issue body has ${opens.length} Ripcord state blocks ("${OPEN}"); it must have exactly one. ` +
                'Keep the current one and delete the others, or restore the body from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.',
        };
    }
    const innerStart = first.index + first[0].length;
    const close = body.indexOf(CLOSE, innerStart);
    if (close < 0) {
        return {
            error: `The Ripcord state block in the incident issue body is not closed: "${CLOSE}" is missing after "${OPEN}". ${FIX}`,
        };
    }
    return {
        span: { start: first.index, end: close + CLOSE.length, inner: body.slice(innerStart, close) },
    };
}
/** Parses the block's JSON and checks it against the schema; every failure says how to fix it. */
function parseStateJson(text) {
    let raw;
    try {
        raw = JSON.parse(text);
    }
    catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return { error: `The Ripcord state block is not valid JSON (${why}). ${FIX}` };
    }
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'version' in raw) {
        const version = raw.version;
        if (typeof version === 'number' && version > INCIDENT_STATE_VERSION) {
            return {
                error: `The Ripcord state block has version ${version}: it was written by a newer Ripcord ` +
                    `than this one, which reads version ${INCIDENT_STATE_VERSION}. ` +
                    'Upgrade the Ripcord actions this workflow uses to the version that wrote it; do not edit the block.',
            };
        }
    }
    const parsed = incidentStateSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = validationProblems(parsed.error);
        return {
            error: `The Ripcord state block does not match state version ${INCIDENT_STATE_VERSION}: ${problems.join('; ')}. ${FIX}`,
        };
    }
    return { state: parsed.data };
}
function extractStateBlock(body) {
    const located = locateBlock(body);
    if (!('span' in located))
        return located;
    return parseStateJson(located.span.inner);
}
/**
 * Swaps the state block for a new one and leaves every other character of the body as it was
 * (people write in incident issues). A body without a block gets one appended.
 */
function replaceStateBlock(body, state) {
    const block = renderStateBlock(state);
    const located = locateBlock(body);
    if ('absent' in located) {
        return body === '' ? block : `${body.replace(/\s*$/, '')}\n\n${block}\n`;
    }
    // Which of several blocks is current, or where an unclosed one ends, cannot be known:
    // writing anyway would lose or duplicate state.
    if ('error' in located)
        throw new Error(located.error);
    return body.slice(0, located.span.start) + block + body.slice(located.span.end);
}
function describeVersion(v) {
    const parts = [(0,markdown/* escapeMarkdown */.F)(v.ref)];
    if (v.sha !== '')
        parts.push(`@ ${(0,markdown/* escapeMarkdown */.F)(v.sha.slice(0, 12))}`);
    if (v.deploymentId !== null)
        parts.push(`(deployment ${v.deploymentId})`);
    return parts.join(' ');
}
const STATUS_TEXT = {
    'rolling-back': 'Rolling back',
    'rolled-back': 'Rolled back',
    'rollback-failed': 'Rollback failed',
    'verification-failed': 'Rollback done, verification failed',
    recovering: 'Recovering in stages',
    recovered: 'Recovered',
    closed: 'Closed',
};
/** The facts a person scans first, rebuilt from the state on every save. Untrusted text escaped. */
function renderStateSummary(state) {
    const cell = (text) => text === null || text === undefined || text === '' ? '-' : (0,markdown/* escapeMarkdown */.F)(text);
    const rows = [
        ['Environment', cell(state.environment)],
        ['Status', STATUS_TEXT[state.status]],
        ['Reason', cell(state.reason)],
        ['Bad version', describeVersion(state.bad)],
        ['Target version', state.target ? describeVersion(state.target) : 'not chosen yet'],
        ['Strategy', cell(state.strategy)],
        ['Rollback attempts', String(state.attempts)],
        ['Opened', cell(state.openedAt)],
        ['Updated', cell(state.updatedAt)],
    ];
    if (state.rollbackDeploymentId !== null) {
        rows.push(['Rollback deployment', String(state.rollbackDeploymentId)]);
    }
    if (state.dataLossWindow) {
        rows.push([
            'Data-loss window',
            `${cell(state.dataLossWindow.from)} to ${cell(state.dataLossWindow.to)}`,
        ]);
    }
    if (state.decision)
        rows.push(['Decision', cell(state.decision.summary)]);
    const lines = ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
    if (state.steps.length > 0) {
        lines.push('', '| Step | Strategy | Status | Started | Finished | Detail |', '|---|---|---|---|---|---|', ...state.steps.map((s) => `| ${cell(s.name || s.id)} | ${cell(s.strategy)} | ${s.status} | ${cell(s.startedAt)} | ${cell(s.finishedAt)} | ${cell(s.detail)} |`));
    }
    return lines.join('\n');
}
/**
 * The whole issue body: the caller's summary (Markdown the caller built; it must already have
 * escaped what it quotes), the generated facts, and the state block.
 */
function renderIncidentBody(state, summaryMarkdown) {
    const intro = summaryMarkdown.trim();
    return [
        ...(intro === '' ? [] : [intro, '']),
        SUMMARY_START,
        renderStateSummary(state),
        SUMMARY_END,
        '',
        renderStateBlock(state),
        '',
    ].join('\n');
}
/**
 * What a save writes: the new state block, and the generated facts between their markers
 * rebuilt so they do not go stale. Text outside both is kept byte for byte; a body whose
 * markers were removed or duplicated by hand keeps its text and only gets the new block.
 */
function refreshIncidentBody(body, state) {
    const withBlock = replaceStateBlock(body, state);
    const starts = [...withBlock.matchAll(SUMMARY_START_PATTERN)];
    const ends = [...withBlock.matchAll(SUMMARY_END_PATTERN)];
    const start = starts[0];
    const end = ends[0];
    if (starts.length !== 1 || ends.length !== 1 || !start || !end || end.index < start.index) {
        return withBlock;
    }
    return (withBlock.slice(0, start.index + start[0].length) +
        `\n${renderStateSummary(state)}\n` +
        withBlock.slice(end.index));
}
function iso(at) {
    const date = at instanceof Date ? at : new Date(at);
    if (Number.isNaN(date.getTime()))
        throw new RangeError(`Not a time: ${String(at)}`);
    return date.toISOString();
}
function withStatus(state, status, at) {
    return { ...state, status, updatedAt: iso(at) };
}
/**
 * Adds steps that are not recorded yet (by id) as pending, keeping recorded ones as they are,
 * so planning the same strategy again in a re-run does not forget what already happened.
 */
function planSteps(state, steps, at) {
    const known = new Set(state.steps.map((s) => s.id));
    const added = [];
    for (const s of steps) {
        if (known.has(s.id))
            continue;
        known.add(s.id);
        added.push({ ...s, status: 'pending', startedAt: null, finishedAt: null, detail: null });
    }
    if (added.length === 0)
        return state;
    return { ...state, steps: [...state.steps, ...added], updatedAt: iso(at) };
}
/**
 * Records a step's progress. `running` (re)starts its clock; `done`, `failed` and `skipped`
 * stop it; `pending` clears both. Unknown ids throw: a step must be planned before it runs,
 * otherwise the record would not say which strategy it belonged to.
 */
function markStep(state, stepId, status, detail, at) {
    const when = iso(at);
    const index = state.steps.findIndex((s) => s.id === stepId);
    const step = state.steps[index];
    if (!step) {
        throw new Error(`Incident step "${stepId}" is not in the incident state (known: ${state.steps.map((s) => s.id).join(', ') || 'none'}); plan it with planSteps first.`);
    }
    const updated = status === 'pending'
        ? { ...step, status, startedAt: null, finishedAt: null, detail }
        : status === 'running'
            ? { ...step, status, startedAt: when, finishedAt: null, detail }
            : { ...step, status, startedAt: step.startedAt ?? when, finishedAt: when, detail };
    const steps = [...state.steps];
    steps[index] = updated;
    return { ...state, steps, updatedAt: when };
}
function hasRun(state, runId, attempt) {
    return state.runs.some((r) => r.runId === runId && r.attempt === attempt);
}
/** Idempotent: a run attempt already recorded leaves the state unchanged (same object). */
function addRun(state, runId, attempt, at) {
    if (hasRun(state, runId, attempt))
        return state;
    const when = iso(at);
    return {
        ...state,
        runs: [...state.runs, { runId, attempt, startedAt: when }],
        updatedAt: when,
    };
}
/** Equal as stored: key order and absent optional fields do not matter. */
function sameState(a, b) {
    const canonical = (s) => JSON.stringify(incidentStateSchema.parse(s));
    return canonical(a) === canonical(b);
}

;// CONCATENATED MODULE: ./src/core/incident-lifecycle.ts
const OPEN_STATUSES = [
    'rolling-back',
    'rolled-back',
    'rollback-failed',
    'verification-failed',
    'recovering',
    'recovered',
];
/** The whole lifecycle. docs/architecture.md renders the same rows. */
const INCIDENT_LIFECYCLE = [
    { from: null, to: 'rolling-back', by: 'rollback', when: 'a rollback starts; the incident opens' },
    {
        from: 'rolling-back',
        to: 'rolling-back',
        by: 'rollback',
        when: 'a re-run or a later run resumes a rollback that stopped half-way (crash, cancel)',
    },
    {
        from: 'rolling-back',
        to: 'rolled-back',
        by: 'rollback',
        when: 'the strategy ladder succeeded',
    },
    {
        from: 'rolling-back',
        to: 'rollback-failed',
        by: 'rollback',
        when: 'every rung failed, or an error stopped the run',
    },
    {
        from: 'rollback-failed',
        to: 'rolling-back',
        by: 'rollback',
        when: 'a rollback is asked for again while attempts < max_attempts',
    },
    {
        from: 'verification-failed',
        to: 'rolling-back',
        by: 'rollback',
        when: 'a rollback is asked for again (escalation to the next strategy) while attempts < max_attempts',
    },
    ...['rolled-back', 'recovering', 'recovered'].map((from) => ({
        from,
        to: 'rolling-back',
        by: 'rollback',
        when: "the incident's bad deployment is live again: roll back again",
    })),
    {
        from: 'rolled-back',
        to: 'verification-failed',
        by: 'verify',
        when: 'verification after the rollback failed',
    },
    {
        from: 'verification-failed',
        to: 'rolled-back',
        by: 'verify',
        when: 'a later verification after the rollback passed',
    },
    {
        from: 'rolled-back',
        to: 'closed',
        by: 'verify',
        when: 'verification after the rollback passed and the environment has no recovery section: the incident is resolved',
    },
    {
        from: 'verification-failed',
        to: 'closed',
        by: 'verify',
        when: 'as above, after an earlier failed verification',
    },
    { from: 'rolled-back', to: 'recovering', by: 'recovery', when: 'the first stage starts' },
    { from: 'rolled-back', to: 'rolled-back', by: 'recovery', when: 'waiting (backoff, approval)' },
    { from: 'recovering', to: 'recovering', by: 'recovery', when: 'a stage advances' },
    {
        from: 'recovering',
        to: 'rolled-back',
        by: 'recovery',
        when: 'a regression rolls the change back to 0% (or recovery is aborted)',
    },
    { from: 'recovering', to: 'recovered', by: 'recovery', when: '100% held; the issue is closed' },
    { from: 'rolled-back', to: 'recovered', by: 'recovery', when: 'a one-stage plan completed' },
    ...OPEN_STATUSES.map((from) => ({
        from,
        to: 'closed',
        by: 'close',
        when: 'a person closes the incident by hand (`ripcord close`)',
    })),
    ...OPEN_STATUSES.map((from) => ({
        from,
        to: 'closed',
        by: 'rollback',
        when: 'a breach on a deployment newer than the incident supersedes it (a new incident opens)',
    })),
];
function mayMove(from, to, by) {
    return INCIDENT_LIFECYCLE.some((t) => t.from === from && t.to === to && t.by === by);
}
/**
 * Throws when a run is about to write a move the table does not allow: a programming error
 * (the caller should have asked `planRollback` or checked the status), never a user's.
 */
function assertMove(from, to, by) {
    if (!mayMove(from, to, by)) {
        throw new Error(`incident lifecycle: ${by} may not move an incident from ${from ?? '(none)'} to ${to}; see INCIDENT_LIFECYCLE in src/core/incident-lifecycle.ts`);
    }
}
/**
 * Is `current` a deploy that happened after the incident's rollback? Ripcord's own rollback
 * deployments are not, nor are deployments created while the rollback ran (GitHub creates one
 * for every `environment:` job a redeploy dispatches): only what was created after the
 * rollback finished, and is not the incident's bad deployment itself, is new.
 */
function isNewerThanIncident(incident, current) {
    if (current.id === incident.bad.deploymentId)
        return false;
    if (current.id === incident.rollbackDeploymentId)
        return false;
    if (current.ripcordIncident === incident.number)
        return false;
    if (current.ripcordIncident !== null) {
        // Another incident's rollback deployment: a newer incident than this one rolled back.
        return current.ripcordIncident > incident.number;
    }
    if (incident.lastRollbackAt === null)
        return false;
    const created = Date.parse(current.createdAt);
    const rolledBack = Date.parse(incident.lastRollbackAt);
    return !Number.isNaN(created) && !Number.isNaN(rolledBack) && created > rolledBack;
}
/**
 * What a rollback run does, given the open incident (or none) and the live deployment.
 * The cooldown check on a live Ripcord rollback deployment with no open incident is the
 * caller's (it needs the policy's cooldown and the clock); everything about the incident is here.
 */
function planRollback(input) {
    const { incident, current } = input;
    if (!incident || incident.status === 'closed')
        return { kind: 'open' };
    if (current && isNewerThanIncident(incident, current)) {
        return {
            kind: 'supersede',
            reason: `deployment ${current.id} (${current.sha.slice(0, 7)}) was deployed at ${current.createdAt}, after incident #${incident.number} rolled back${incident.lastRollbackAt ? ` at ${incident.lastRollbackAt}` : ''}: it is a new incident`,
        };
    }
    const liveIsBad = current !== null && current.id === incident.bad.deploymentId;
    switch (incident.status) {
        case 'rolling-back':
            return { kind: 'resume' };
        case 'rollback-failed':
        case 'verification-failed':
            if (incident.attempts >= input.maxAttempts) {
                return { kind: 'skip', production: 'bad', reason: 'max-attempts' };
            }
            return { kind: 'retry' };
        case 'rolled-back':
        case 'recovering':
        case 'recovered':
            // Ripcord's rollback is live (or the bad deployment is, when a person redeployed it by
            // hand without a new deployment, which GitHub does not allow; kept for safety).
            return liveIsBad
                ? { kind: 'retry' }
                : { kind: 'skip', production: 'rolled-back', reason: 'already-rolled-back' };
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/github/identity.ts
var github_identity = __webpack_require__(7369);
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

;// CONCATENATED MODULE: ./src/github/incident.ts
/**
 * The incident issue as a store: labels find it, the state block in its body is the record,
 * comments are the audit log. At most one open incident per environment is the caller's
 * invariant (it holds the environment lock around findOpen + create); this store reports
 * a breach of it instead of hiding it.
 */





const INCIDENT_LABEL = 'ripcord:incident';
const ENV_LABEL_PREFIX = 'ripcord:env:';
/** GitHub rejects longer label names ("name is too long (maximum is 50 characters)"). */
const LABEL_MAX_LENGTH = 50;
const LABEL_DESCRIPTION_MAX_LENGTH = 100;
/** GitHub's limit on an issue body. */
const ISSUE_BODY_MAX_LENGTH = 65_536;
const LIST_PAGE_SIZE = 100;
/**
 * `ripcord:env:<env>`. A name that would pass GitHub's 50-character limit, or that holds a
 * comma (the separator of the `labels` filter), keeps a readable prefix and ends in a hash
 * of the full name, so the same environment always maps to the same label.
 */
function environmentLabel(env) {
    const plain = `${ENV_LABEL_PREFIX}${env}`;
    if ([...plain].length <= LABEL_MAX_LENGTH && !env.includes(','))
        return plain;
    const hash = (0,external_node_crypto_.createHash)('sha256').update(env, 'utf8').digest('hex').slice(0, 8);
    const room = LABEL_MAX_LENGTH - ENV_LABEL_PREFIX.length - 1 - hash.length;
    const prefix = [...env.replaceAll(',', '_')].slice(0, room).join('');
    return `${ENV_LABEL_PREFIX}${prefix}~${hash}`;
}
/** True for GitHub's 422 whose errors all say `already_exists` (and nothing else wrong). */
function isAlreadyExists(err) {
    if (requestStatus(err) !== 422 || typeof err !== 'object' || err === null)
        return false;
    const response = 'response' in err ? err.response : undefined;
    const data = typeof response === 'object' && response !== null && 'data' in response
        ? response.data
        : undefined;
    const errors = typeof data === 'object' && data !== null && 'errors' in data ? data.errors : undefined;
    return (Array.isArray(errors) &&
        errors.length > 0 &&
        errors.every((e) => typeof e === 'object' && e !== null && 'code' in e && e.code === 'already_exists'));
}
/**
 * A comment cut to GitHub's 65,536-character limit (a longer one is refused with 422). The
 * middle goes: the head says what happened, and the tail holds the hidden markers (such as
 * the notification record) that later runs read back.
 */
function fitComment(markdown, limit = ISSUE_BODY_MAX_LENGTH) {
    if (markdown.length <= limit)
        return markdown;
    const mark = (cut) => `\n\n… _(${cut} characters cut to fit GitHub's comment limit; the job log has everything)_ …\n\n`;
    const tail = Math.min(4_000, Math.floor(limit / 4));
    // The note for the longest cut is at least as long as the one written, so it always fits.
    const head = limit - tail - mark(markdown.length).length;
    const note = mark(markdown.length - head - tail);
    return `${markdown.slice(0, head)}${note}${markdown.slice(markdown.length - tail)}`;
}
function truncate(text, max) {
    const chars = [...text];
    return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
function createIncidentStore(octokit, repo, logger, options = {}) {
    const fullName = `${repo.owner}/${repo.repo}`;
    const identity = options.identity ?? (0,github_identity.ripcordIdentity)();
    const author = identity.describe;
    const writtenBy = (issue) => identity.is(issue.user?.login);
    /** Labels known to exist, so a second incident in the same run costs no label requests. */
    const ensuredLabels = new Set();
    const toRecord = (issue) => {
        const body = issue.body ?? '';
        const extracted = extractStateBlock(body);
        if ('absent' in extracted) {
            throw new errors/* ConfigurationError */.j(`Incident issue ${issue.html_url} has no Ripcord state block ("<!-- ripcord:state ... -->").`, [
                `If it is not a Ripcord incident, remove its "${INCIDENT_LABEL}" label; otherwise restore the block from the issue's edit history (the "edited" menu above the issue body), then re-run the workflow.`,
            ]);
        }
        if ('error' in extracted) {
            throw new errors/* ConfigurationError */.j(`The state block of incident issue ${issue.html_url} cannot be used.`, [extracted.error]);
        }
        return {
            number: issue.number,
            url: issue.html_url,
            state: extracted.state,
            body,
            open: issue.state === 'open',
        };
    };
    const fetchIssue = async (number) => {
        try {
            const { data } = await octokit.rest.issues.get({ ...repo, issue_number: number });
            if (data.pull_request) {
                throw new errors/* ConfigurationError */.j(`#${number} in ${fullName} is a pull request, not a Ripcord incident issue.`);
            }
            if (!writtenBy(data)) {
                throw new errors/* ConfigurationError */.j(`#${number} in ${fullName} was opened by ${data.user?.login ?? 'an unknown user'}, not by ${author}, the identity Ripcord writes as: it is not a Ripcord incident, and Ripcord does not act on it.`, [
                    'Pass the number of an incident Ripcord opened. If Ripcord runs as another identity (a GitHub App token), set github.bot_login in the policy to its login, such as my-app[bot].',
                ]);
            }
            return data;
        }
        catch (err) {
            const status = requestStatus(err);
            if (status === 404 || status === 410) {
                throw new errors/* ConfigurationError */.j(`Incident issue #${number} does not exist in ${fullName} (GitHub answered ${status}).`, [
                    'Check the incident number, and that the token may read issues (permissions: issues: read).',
                ]);
            }
            throw err;
        }
    };
    const ensureLabel = async (name, color, description) => {
        if (ensuredLabels.has(name))
            return;
        try {
            await octokit.rest.issues.createLabel({
                ...repo,
                name,
                color,
                description: truncate(description, LABEL_DESCRIPTION_MAX_LENGTH),
            });
            logger.info(`Created label "${name}" in ${fullName}`);
        }
        catch (err) {
            // Someone (an earlier incident, a person) made it already; its colour is theirs to keep.
            if (!isAlreadyExists(err))
                throw err;
        }
        ensuredLabels.add(name);
    };
    const setUpLabels = async (environment) => {
        await ensureLabel(INCIDENT_LABEL, 'b60205', 'Ripcord rollback incident; its body holds the state block Ripcord reads');
        await ensureLabel(environmentLabel(environment), '5319e7', `Ripcord incidents of environment ${environment}`);
    };
    const checkSize = (body, what) => {
        if (body.length > ISSUE_BODY_MAX_LENGTH) {
            throw new Error(`${what}: the issue body would be ${body.length} characters, over GitHub's limit of ${ISSUE_BODY_MAX_LENGTH}. Shorten the text people added to the issue body (keep the state block), then re-run the workflow.`);
        }
    };
    /** The open incident this run created a moment ago (same environment and opening time), if any. */
    const findCreated = async (envLabel, state) => {
        const { data } = await octokit.rest.issues.listForRepo({
            ...repo,
            labels: `${INCIDENT_LABEL},${envLabel}`,
            state: 'open',
            sort: 'created',
            direction: 'desc',
            per_page: 10,
        });
        return data.find((i) => {
            if (i.pull_request)
                return false;
            const found = extractStateBlock(i.body ?? '');
            return ('state' in found && found.state.openedAt === state.openedAt && sameState(found.state, state));
        });
    };
    return {
        async findOpen(environment) {
            const envLabel = environmentLabel(environment);
            const { data } = await octokit.rest.issues.listForRepo({
                ...repo,
                labels: `${INCIDENT_LABEL},${envLabel}`,
                state: 'open',
                sort: 'created',
                direction: 'asc',
                per_page: LIST_PAGE_SIZE,
            });
            // The issues endpoint also returns pull requests; a labelled PR is not an incident. Labels
            // are not proof: anyone with triage access can add them, so only Ripcord's own issues count.
            const labelled = data.filter((i) => !i.pull_request);
            const issues = labelled.filter((i) => writtenBy(i));
            const lookalikes = labelled.filter((i) => !writtenBy(i));
            if (lookalikes.length > 0) {
                logger.warning(`ignored ${lookalikes.length} open issue${lookalikes.length === 1 ? '' : 's'} labelled as a Ripcord incident of "${environment}" but not opened by ${author} (${lookalikes
                    .map((i) => `#${i.number} by ${i.user?.login ?? 'unknown'}`)
                    .join(', ')}): Ripcord only trusts incidents it opened. Remove the labels, or set github.bot_login in the policy if Ripcord runs as another identity.`);
            }
            const [oldest] = issues;
            if (!oldest)
                return null;
            if (issues.length > 1) {
                logger.warning(`${issues.length} open Ripcord incidents for environment "${environment}" in ${fullName} ` +
                    `(${issues.map((i) => `#${i.number}`).join(', ')}); using the oldest, #${oldest.number}. ` +
                    'There should be one: close the others once their history is merged into it.');
            }
            const record = toRecord(oldest);
            if (record.state.environment.toLowerCase() !== environment.toLowerCase()) {
                throw new errors/* ConfigurationError */.j(`Incident issue ${record.url} has the label "${envLabel}" but its state block is for environment "${record.state.environment}".`, [
                    `Move the label to the right environment's incident, or fix "environment" in the state block.`,
                ]);
            }
            return record;
        },
        async get(number) {
            return toRecord(await fetchIssue(number));
        },
        async create(state, title, summaryMarkdown = '', opts = {}) {
            if (!opts.fast)
                await setUpLabels(state.environment);
            const envLabel = environmentLabel(state.environment);
            const body = renderIncidentBody(state, summaryMarkdown);
            checkSize(body, `Cannot open the incident for ${state.environment}`);
            const request = { ...repo, title, body, labels: [INCIDENT_LABEL, envLabel] };
            let data;
            try {
                // Not retried blindly: a 5xx can come after GitHub created the issue (plugin-retry
                // would then open a second incident). Look first, then create again.
                ({ data } = await octokit.rest.issues.create({ ...request, request: { retries: 0 } }));
            }
            catch (err) {
                const status = requestStatus(err);
                if (status !== undefined && status < 500)
                    throw err;
                const created = await findCreated(envLabel, state);
                if (created) {
                    logger.warning(`GitHub answered ${status ?? 'no response'} to opening the incident, but it was opened: ${created.html_url}; using it`);
                    return { number: created.number, url: created.html_url, state, body, open: true };
                }
                ({ data } = await octokit.rest.issues.create(request));
            }
            logger.info(`Opened incident ${data.html_url}`);
            return { number: data.number, url: data.html_url, state, body, open: true };
        },
        setUpLabels,
        async save(incident, state, opts = {}) {
            const currentBody = opts.unchangedSinceRead
                ? incident.body
                : ((await fetchIssue(incident.number)).body ?? '');
            const before = extractStateBlock(currentBody);
            if (!('state' in before) || !sameState(before.state, incident.state)) {
                // Under the environment lock only this run writes the block; a difference means a person
                // edited it. Recording what this run did matters more than their edit, but say so.
                logger.warning(`The state block of ${incident.url} changed since this run read it; writing this run's state over it (the previous body stays in the issue's edit history).`);
            }
            const body = refreshIncidentBody(currentBody, state);
            checkSize(body, `Cannot save incident ${incident.url}`);
            const { data } = await octokit.rest.issues.update({
                ...repo,
                issue_number: incident.number,
                body,
            });
            return {
                number: data.number,
                url: data.html_url,
                state,
                body: data.body ?? body,
                open: data.state === 'open',
            };
        },
        async comment(number, markdown) {
            await octokit.rest.issues.createComment({
                ...repo,
                issue_number: number,
                body: fitComment(markdown),
            });
        },
        async close(number, reason) {
            await octokit.rest.issues.update({
                ...repo,
                issue_number: number,
                state: 'closed',
                state_reason: reason,
            });
        },
    };
}

;// CONCATENATED MODULE: ./src/core/recovery-machine.ts
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
const recovery_machine_timestamp = datetime({ offset: true });
const gateResultSchema = schemas/* enum */.k5n(['healthy', 'regressed', 'inconclusive']);
const recoveryStatusSchema = schemas/* enum */.k5n([
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
const recoveryStateSchema = schemas/* strictObject */.rej({
    version: schemas/* literal */.euz(RECOVERY_STATE_VERSION),
    status: recoveryStatusSchema,
    /** Index into the policy's stages; -1 before the first stage of an attempt. */
    stage: schemas/* number */.aig().int().min(-1),
    /** The percentage live now (0 when rolled back). */
    percent: schemas/* number */.aig().int().min(0).max(100),
    attempt: schemas/* number */.aig().int().min(1),
    /** When the current stage's percentage went live: its dwell counts from here. */
    stageStartedAt: recovery_machine_timestamp.nullable(),
    nextAttemptAt: recovery_machine_timestamp.nullable(),
    lastGate: schemas/* strictObject */.rej({ at: recovery_machine_timestamp, result: gateResultSchema, detail: schemas/* string */.YjP() })
        .nullable(),
    abortReason: schemas/* string */.YjP().nullable(),
    updatedAt: recovery_machine_timestamp,
    history: schemas/* array */.YOg(schemas/* strictObject */.rej({
        at: recovery_machine_timestamp,
        event: schemas/* string */.YjP(),
        attempt: schemas/* number */.aig().int(),
        stage: schemas/* number */.aig().int(),
        percent: schemas/* number */.aig().int(),
        detail: schemas/* string */.YjP(),
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
const recovery_machine_iso = (ms) => new Date(ms).toISOString();
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
        updatedAt: recovery_machine_iso(now),
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
    const lastGate = { at: recovery_machine_iso(now), result: gates, detail };
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
        return unchanged(state, `proceed refused: stage ${state.stage + 1} (${state.percent}%) dwells until ${recovery_machine_iso(ends)}; stages are never cut short`, waitFor(plan, state, now));
    }
    if (event.gates === null) {
        return unchanged(state, 'reading the gates before proceeding', [{ type: 'evaluateGates' }]);
    }
    if (event.gates !== 'healthy') {
        return judge(plan, state, event.gates, event.detail ?? '', now, false);
    }
    const lastGate = { at: recovery_machine_iso(now), result: event.gates, detail: event.detail ?? '' };
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
    const lastGate = { at: recovery_machine_iso(now), result: 'regressed', detail };
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
    const message = `${where}: rolled back again; attempt ${state.attempt + 1} of ${plan.maxAttempts} starts at ${recovery_machine_iso(next)}`;
    return changedTo({
        ...state,
        status: 'backoff',
        stage: -1,
        percent: 0,
        attempt: state.attempt + 1,
        lastGate,
        stageStartedAt: null,
        nextAttemptAt: recovery_machine_iso(next),
    }, 'regressed', detail, now, message, [
        { type: 'rollbackAgain', reason: where },
        { type: 'notify', event: 'recovery.aborted', message },
        { type: 'wait', until: recovery_machine_iso(next), reason: 'backoff' },
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
    const message = `attempt ${state.attempt}: stage ${stage + 1} of ${plan.stages.length}, ${next.percent}% (${why}); its gates are read after ${recovery_machine_iso(until)}`;
    return changedTo({ ...state, status: 'running', stage, percent: next.percent, stageStartedAt: recovery_machine_iso(now) }, 'stage', why, now, message, [
        { type: 'setPercent', percent: next.percent, stage },
        { type: 'notify', event: 'recovery.stage', message },
        { type: 'wait', until: recovery_machine_iso(until), reason: 'dwell' },
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
        at: recovery_machine_iso(now),
        event,
        attempt: state.attempt,
        stage: state.stage,
        percent: state.percent,
        detail,
    };
    return {
        state: {
            ...state,
            updatedAt: recovery_machine_iso(now),
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
                ? [{ type: 'wait', until: recovery_machine_iso(ends), reason: 'dwell' }]
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
                ? `${of} dwells until ${recovery_machine_iso(ends)}`
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

;// CONCATENATED MODULE: ./src/core/summary.ts
/**
 * The job summary of evaluate-triggers: the decision in one sentence, the table of triggers and,
 * for each breached trigger, a chart of its series against the threshold (Mermaid xychart-beta,
 * which GitHub renders in Markdown).
 */

const STATUS_ICON = {
    breached: '🔴 breached',
    ok: '🟢 ok',
    inconclusive: '🟡 inconclusive',
};
const HEADLINE = {
    rollback: '🚨 Roll back',
    warn: '⚠️ Warning',
    hold: '⏸️ Hold',
    none: '✅ Healthy',
};
function renderDecisionSummary(decision) {
    const lines = [];
    lines.push(`## ${HEADLINE[decision.decision]}: ${escapeMarkdown(decision.environment)}`);
    lines.push('');
    lines.push(escapeMarkdown(decision.summary));
    lines.push('');
    lines.push(`Evaluated at ${decision.evaluatedAt}.`);
    lines.push('');
    lines.push('| Trigger | Severity | Status | Value | Threshold | Since | Reason |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const v of decision.triggers) {
        lines.push(`| ${escapeMarkdown(v.name)} | ${v.severity} | ${STATUS_ICON[v.status]} | ${escapeMarkdown(v.valueText ?? '—')} | ${escapeMarkdown(v.threshold)} | ${v.since ?? '—'} | ${escapeMarkdown(v.reason)} |`);
    }
    for (const v of decision.triggers.filter((t) => t.status === 'breached')) {
        const chart = renderChart(v);
        if (chart) {
            lines.push('', `### ${escapeMarkdown(v.name)}`, '', chart);
        }
        lines.push('', `Query (${escapeMarkdown(v.source)}): \`${v.query.replace(/`/g, "'")}\``);
    }
    return lines.join('\n') + '\n';
}
const MAX_POINTS = 60;
/** A line for the series and one for the threshold; gaps are left out rather than drawn as zero. */
function renderChart(v) {
    const points = downsample(v.points.filter((p) => p.v !== null && Number.isFinite(p.v)));
    if (points.length < 2)
        return null;
    const values = points.map((p) => p.v);
    const all = v.thresholdValue === null ? values : [...values, v.thresholdValue];
    const lo = Math.min(0, ...all);
    const hi = Math.max(...all) * 1.1 || 1;
    const labels = points.map((p) => `"${new Date(p.t).toISOString().slice(11, 16)}"`);
    const out = [
        '```mermaid',
        'xychart-beta',
        `  title "${(0,markdown/* mermaidLabel */._)(`${v.name}: ${v.threshold}`)}"`,
        `  x-axis [${labels.join(', ')}]`,
        `  y-axis "${(0,markdown/* mermaidLabel */._)(v.name)}" ${fmt(lo)} --> ${fmt(hi)}`,
        `  line [${values.map(fmt).join(', ')}]`,
    ];
    const threshold = v.thresholdValue;
    if (threshold !== null)
        out.push(`  line [${points.map(() => fmt(threshold)).join(', ')}]`);
    out.push('```');
    return out.join('\n');
}
function downsample(points) {
    if (points.length <= MAX_POINTS)
        return points;
    const stride = Math.ceil(points.length / MAX_POINTS);
    return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}
function fmt(n) {
    return String(Math.round(n * 1e6) / 1e6);
}

;// CONCATENATED MODULE: ./src/core/incident-report.ts
/**
 * The incident report: a Markdown file for `docs/incidents/`, rendered from what the incident
 * recorded (its state block), the trigger evidence and the verification results. Pure: the
 * same inputs give the same bytes (no clock reads, `generatedAt` is a parameter), so a re-run
 * can tell "nothing changed" from a real update and leave the pull request alone.
 */




/**
 * Staged recovery owns the shape of `state.recovery`; the report reads the parts it knows
 * and ignores the rest, so a new field there never breaks a report.
 */
const looseTime = schemas/* string */.YjP().nullable().optional();
const recoveryStageSchema = schemas/* looseObject */._H3({
    name: schemas/* string */.YjP().optional(),
    percent: schemas/* number */.aig().optional(),
    status: schemas/* string */.YjP().optional(),
    startedAt: looseTime,
    finishedAt: looseTime,
    completedAt: looseTime,
});
const recoverySchema = schemas/* looseObject */._H3({
    status: schemas/* string */.YjP().optional(),
    startedAt: looseTime,
    completedAt: looseTime,
    stages: schemas/* array */.YOg(recoveryStageSchema).optional(),
});
/** Read from the record, or null when absent or in a shape this version does not know. */
function recoveryOf(state) {
    if (state.recovery === null)
        return null;
    const machine = recoveryStateSchema.safeParse(state.recovery);
    if (machine.success)
        return fromMachine(machine.data);
    const parsed = recoverySchema.safeParse(state.recovery);
    return parsed.success ? parsed.data : null;
}
/**
 * The staged-recovery machine records a history of transitions; the report wants stages with
 * start and end times: each percentage that went live is a stage, ending when the next began.
 */
function fromMachine(r) {
    const live = r.history.filter((h, i, all) => h.percent > 0 && h.percent !== all[i - 1]?.percent);
    const completedAt = r.status === 'recovered' ? (r.history.at(-1)?.at ?? r.updatedAt) : null;
    return {
        status: r.status,
        startedAt: r.history[0]?.at ?? null,
        completedAt,
        stages: live.map((h, i) => ({
            percent: h.percent,
            status: live[i + 1] || completedAt ? 'done' : r.status,
            startedAt: h.at,
            finishedAt: live[i + 1]?.at ?? completedAt,
        })),
    };
}
function reportBranch(incidentNumber) {
    return `ripcord/incident-${incidentNumber}`;
}
/** Lower-case, other characters as `-`: an environment name is free text, a path is not. */
function slug(text) {
    const s = text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '');
    return s === '' ? 'environment' : s.slice(0, 60);
}
/** `docs/incidents/<date>-<environment>-incident-<n>.md`, dated by when the incident opened (UTC). */
function reportPath(state, incidentNumber) {
    return `docs/incidents/${state.openedAt.slice(0, 10)}-${slug(state.environment)}-incident-${incidentNumber}.md`;
}
function reportTitle(state, incidentNumber) {
    const env = state.environment.replace(/[\r\n]+/g, ' ');
    return `Incident report: ${env} incident #${incidentNumber} (${state.openedAt.slice(0, 10)})`;
}
/**
 * The one line that changes on every render. Comparing reports without it
 * (`comparableReport`) keeps a re-run from committing a new timestamp and nothing else.
 */
const GENERATED_PREFIX = '_Generated by Ripcord at ';
function comparableReport(markdown) {
    return markdown
        .replace(/\r\n/g, '\n')
        .split('\n')
        .filter((line) => !line.startsWith(GENERATED_PREFIX))
        .join('\n');
}
const RCA_HEADING = '## Root-cause analysis';
const FOOTER_RULE = '\n---\n';
/**
 * People fill in the root-cause sections on the report's branch; a later render (the record
 * changed) must not wipe them. Keeps `existing`'s section from its heading to the footer.
 */
function keepHumanSections(existing, next) {
    if (existing === null)
        return next;
    const span = (text) => {
        const start = text.indexOf(`\n${RCA_HEADING}\n`);
        const end = text.lastIndexOf(FOOTER_RULE);
        return start < 0 || end < start ? null : { start, end };
    };
    const old = span(existing.replace(/\r\n/g, '\n'));
    const fresh = span(next);
    if (!old || !fresh)
        return next;
    const kept = existing.replace(/\r\n/g, '\n').slice(old.start, old.end);
    return next.slice(0, fresh.start) + kept + next.slice(fresh.end);
}
function isResolved(status, issueOpen) {
    return status === 'recovered' || status === 'closed' || !issueOpen;
}
const incident_report_STATUS_TEXT = {
    'rolling-back': 'rolling back',
    'rolled-back': 'rolled back',
    'rollback-failed': 'rollback failed',
    'verification-failed': 'rolled back, verification failed',
    recovering: 'recovering in stages',
    recovered: 'recovered',
    closed: 'closed',
};
const CHECK_ICON = {
    passed: '🟢 passed',
    failed: '🔴 failed',
    inconclusive: '🟡 inconclusive',
    skipped: '⚪ skipped',
};
const VERDICT_ICON = {
    breached: '🔴 breached',
    ok: '🟢 ok',
    inconclusive: '🟡 inconclusive',
};
function ms(at) {
    if (at === null || at === undefined)
        return null;
    const t = Date.parse(at);
    return Number.isNaN(t) ? null : t;
}
/** `2024-05-01 10:12:30 UTC`: one format, whatever precision the record used. */
function when(at) {
    const t = ms(at);
    if (t === null)
        return '-';
    return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
function formatDuration(fromIso, toIso) {
    const a = ms(fromIso);
    const b = ms(toIso);
    if (a === null || b === null || b < a)
        return null;
    let s = Math.round((b - a) / 1000);
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    const parts = [];
    if (d > 0)
        parts.push(`${d}d`);
    if (h > 0)
        parts.push(`${h}h`);
    if (m > 0)
        parts.push(`${m}m`);
    if (s > 0 || parts.length === 0)
        parts.push(`${s}s`);
    return parts.join(' ');
}
function cell(text) {
    return text === null || text === undefined || text === '' ? '-' : (0,markdown/* escapeMarkdown */.F)(text);
}
function isSha(sha) {
    return /^[0-9a-f]{7,64}$/i.test(sha);
}
function commitLink(links, sha) {
    if (!isSha(sha))
        return sha === '' ? '-' : (0,markdown/* escapeMarkdown */.F)(sha);
    const { owner, repo } = links.repo;
    const url = `${links.server}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/commit/${sha.toLowerCase()}`;
    return `[\`${sha.slice(0, 12).toLowerCase()}\`](${url})`;
}
function timelineEvents(input, recovery) {
    const { state } = input;
    const events = [];
    const push = (at, what) => {
        if (ms(at) !== null && at)
            events.push({ at, what });
    };
    push(state.bad.createdAt, `Deployed ${(0,markdown/* escapeMarkdown */.F)(state.bad.ref)} (deployment ${state.bad.deploymentId})`);
    for (const v of input.evidence ?? []) {
        if (v.status === 'breached')
            push(v.since, `Trigger ${(0,markdown/* escapeMarkdown */.F)(v.name)} started breaching (${(0,markdown/* escapeMarkdown */.F)(v.threshold)})`);
    }
    const decided = state.decision
        ? `Detected; decision: ${state.decision.decision}${state.decision.severity ? ` (${state.decision.severity})` : ''}`
        : `Detected; rollback requested: ${(0,markdown/* escapeMarkdown */.F)(state.reason)}`;
    push(state.openedAt, `${decided}; incident opened`);
    for (const step of state.steps) {
        const name = (0,markdown/* escapeMarkdown */.F)(step.name || step.id);
        push(step.startedAt, `Step started: ${name}`);
        push(step.finishedAt, `Step ${step.status}: ${name}`);
    }
    push(state.lastRollbackAt, `Rollback done${state.target ? `: ${(0,markdown/* escapeMarkdown */.F)(state.target.ref)} is live` : ''}`);
    for (const check of input.verification ?? []) {
        push(check.at, `Verification ${check.status}: ${(0,markdown/* escapeMarkdown */.F)(check.name)}`);
    }
    if (recovery) {
        push(recovery.startedAt, 'Staged recovery started');
        for (const [i, stage] of (recovery.stages ?? []).entries()) {
            const label = stageLabel(stage, i);
            push(stage.startedAt, `Recovery stage ${label} started`);
            push(stage.finishedAt ?? stage.completedAt, `Recovery stage ${label} ${stage.status ? (0,markdown/* escapeMarkdown */.F)(stage.status) : 'finished'}`);
        }
        push(recovery.completedAt, 'Recovered: the change is back at 100%');
    }
    // Stable sort: equal times keep the order above, which is the order things happen in.
    return events
        .map((e, i) => ({ e, i, t: ms(e.at) ?? 0 }))
        .sort((a, b) => a.t - b.t || a.i - b.i)
        .map(({ e }) => e);
}
function stageLabel(stage, index) {
    if (stage.name !== undefined && stage.name !== '')
        return (0,markdown/* escapeMarkdown */.F)(stage.name);
    if (stage.percent !== undefined)
        return `${stage.percent}%`;
    return String(index + 1);
}
/** Gantt task names end at `:` and comments start at `#` or `%%`. */
function ganttName(text) {
    return ((0,markdown/* mermaidLabel */._)(text)
        .replace(/[:;#]|%%/g, ' ')
        .replace(/\s+/g, ' ')
        .trim() || 'step');
}
/**
 * A Gantt chart of the phases (dateFormat `x` is milliseconds since the epoch, so no time zone
 * or format ambiguity). Null when fewer than two phases have both ends.
 */
function renderGantt(input, recovery) {
    const { state } = input;
    const rows = [];
    const add = (section, name, from, to, tag = '') => {
        const a = ms(from);
        const b = ms(to);
        if (a !== null && b !== null && b >= a)
            rows.push({ section, name, from: a, to: Math.max(b, a + 1000), tag });
    };
    add('Detection', 'Bad version live until detected', state.bad.createdAt, state.openedAt, 'crit');
    add('Rollback', 'Rollback', state.openedAt, state.lastRollbackAt, 'active');
    for (const step of state.steps) {
        add('Rollback', step.name || step.id, step.startedAt, step.finishedAt, step.status === 'failed' ? 'crit' : 'done');
    }
    if (state.dataLossWindow)
        add('Data', 'Data-loss window', state.dataLossWindow.from, state.dataLossWindow.to, 'crit');
    for (const [i, stage] of (recovery?.stages ?? []).entries()) {
        const label = stage.name ?? (stage.percent !== undefined ? `${stage.percent}%` : `stage ${i + 1}`);
        add('Recovery', `Stage ${label}`, stage.startedAt, stage.finishedAt ?? stage.completedAt, 'done');
    }
    if (rows.length < 2)
        return null;
    const lines = [
        '```mermaid',
        'gantt',
        `  title ${ganttName(`Incident ${input.incident.number} (${state.environment})`)}`,
        '  dateFormat x',
        '  axisFormat %H:%M',
    ];
    let section = '';
    rows.forEach((r, i) => {
        if (r.section !== section) {
            section = r.section;
            lines.push(`  section ${section}`);
        }
        const tags = r.tag === '' ? '' : `${r.tag}, `;
        lines.push(`  ${ganttName(r.name)} :${tags}t${i}, ${r.from}, ${r.to}`);
    });
    lines.push('```');
    return lines.join('\n');
}
function headline(input) {
    const { state } = input;
    const env = (0,markdown/* escapeMarkdown */.F)(state.environment);
    const bad = (0,markdown/* escapeMarkdown */.F)(state.bad.ref);
    if (state.target && state.lastRollbackAt) {
        return `${env} was rolled back from ${bad} to ${(0,markdown/* escapeMarkdown */.F)(state.target.ref)}`;
    }
    return `${env}: rollback of ${bad} (${incident_report_STATUS_TEXT[state.status]})`;
}
function renderIncidentReport(input) {
    const { state, incident } = input;
    const links = { server: input.serverUrl.replace(/\/+$/, ''), repo: input.repo };
    const recovery = recoveryOf(state);
    const lines = [];
    const out = (...l) => {
        lines.push(...l);
    };
    out(`# Incident #${incident.number}: ${headline(input)}`, '');
    out(`<!-- ripcord:incident-report incident=${incident.number} -->`, '');
    // Summary
    const ttd = formatDuration(state.bad.createdAt, state.openedAt);
    const ttr = formatDuration(state.openedAt, state.lastRollbackAt);
    const ttRecover = formatDuration(state.openedAt, recovery?.completedAt);
    out('## Summary', '');
    const sentence = [
        `On ${when(state.openedAt)}, Ripcord opened [incident #${incident.number}](${incident.url}) for **${(0,markdown/* escapeMarkdown */.F)(state.environment)}**: ${(0,markdown/* escapeMarkdown */.F)(state.reason.replace(/\.\s*$/, ''))}.`,
    ];
    // The rollback's reason defaults to the decision's summary: say it once.
    if (state.decision && state.decision.summary.trim() !== state.reason.trim()) {
        sentence.push((0,markdown/* escapeMarkdown */.F)(state.decision.summary));
    }
    if (state.lastRollbackAt && state.target) {
        sentence.push(`${(0,markdown/* escapeMarkdown */.F)(state.target.ref)} was live again ${ttr ?? 'after an unknown time'} after detection.`);
    }
    if (recovery?.completedAt && ttRecover) {
        sentence.push(`The change was fully recovered ${ttRecover} after detection.`);
    }
    out(sentence.join(' '), '');
    out('| | |', '|---|---|');
    out(`| Environment | ${cell(state.environment)} |`);
    out(`| Status | ${incident_report_STATUS_TEXT[state.status]} |`);
    if (state.decision?.severity)
        out(`| Severity | ${state.decision.severity} |`);
    out(`| Strategy | ${cell(state.strategy ?? state.decision?.strategy)} |`);
    out(`| Rollback attempts | ${state.attempts} |`);
    out(`| Time to detect | ${ttd ?? '-'} |`);
    out(`| Time to roll back | ${ttr ?? '-'} |`);
    out(`| Time to recover | ${ttRecover ?? (recovery ? 'recovery not completed' : '-')} |`);
    if (state.dataLossWindow) {
        out(`| Data-loss window | ${formatDuration(state.dataLossWindow.from, state.dataLossWindow.to) ?? '-'} |`);
    }
    out('');
    // Timeline
    out('## Timeline', '');
    const gantt = renderGantt(input, recovery);
    if (gantt)
        out(gantt, '');
    out('| Time (UTC) | Event |', '|---|---|');
    for (const e of timelineEvents(input, recovery))
        out(`| ${when(e.at)} | ${e.what} |`);
    out('');
    out('| Measure | From | To | Duration |', '|---|---|---|---|');
    out(`| Time to detect | deploy ${when(state.bad.createdAt)} | detection ${when(state.openedAt)} | ${ttd ?? '-'} |`);
    out(`| Time to roll back | detection ${when(state.openedAt)} | rollback done ${when(state.lastRollbackAt)} | ${ttr ?? '-'} |`);
    out(`| Time to recover | detection ${when(state.openedAt)} | recovered ${when(recovery?.completedAt)} | ${ttRecover ?? '-'} |`);
    out('');
    // Trigger and evidence
    out('## Trigger and evidence', '');
    if (state.decision) {
        out(`Decision: **${state.decision.decision}**${state.decision.severity ? ` (${state.decision.severity})` : ''}; triggered by ${state.decision.triggered.length > 0 ? state.decision.triggered.map((t) => (0,markdown/* escapeMarkdown */.F)(t)).join(', ') : 'nothing (manual)'}.`);
        if (state.decision.approval)
            out('', `Approval: ${(0,markdown/* escapeMarkdown */.F)(state.decision.approval)}.`);
        out('');
    }
    else {
        out(`Rolled back by hand: ${(0,markdown/* escapeMarkdown */.F)(state.reason)}.`, '');
    }
    const evidence = [...(input.evidence ?? [])];
    if (evidence.length === 0) {
        out('_No trigger evidence was recorded with this report._', '');
    }
    else {
        out('| Trigger | Severity | Status | Value | Threshold | Since | Reason |', '|---|---|---|---|---|---|---|');
        for (const v of evidence) {
            out(`| ${cell(v.name)} | ${v.severity} | ${VERDICT_ICON[v.status]} | ${cell(v.valueText)} | ${cell(v.threshold)} | ${when(v.since)} | ${cell(v.reason)} |`);
        }
        out('');
        for (const v of evidence.filter((t) => t.status === 'breached')) {
            out(`### ${(0,markdown/* escapeMarkdown */.F)(v.name)}`, '');
            const chart = renderChart(v);
            if (chart)
                out(chart, '');
            // A code span shows HTML as text; a backtick or newline would end it, and the zero-width
            // space after @ costs nothing where mentions are inert and stops a ping where they are not.
            out(`Query (${(0,markdown/* escapeMarkdown */.F)(v.source)}): \`${v.query
                .replace(/`/g, "'")
                .replace(/\r?\n/g, ' ')
                .replace(/@/g, '@\u200b')}\``, '');
        }
    }
    // Versions
    out('## Versions', '');
    out('| | Ref | Commit | Deployment | Deployed |', '|---|---|---|---|---|');
    out(`| Bad | ${cell(state.bad.ref)} | ${commitLink(links, state.bad.sha)} | ${state.bad.deploymentId} | ${when(state.bad.createdAt)} |`);
    if (state.target) {
        out(`| Known-good (rolled back to) | ${cell(state.target.ref)} | ${commitLink(links, state.target.sha)} | ${state.target.deploymentId ?? '-'} | - |`);
    }
    else {
        out('| Known-good | none chosen | - | - | - |');
    }
    if (state.rollbackDeploymentId !== null)
        out('', `Rollback deployment: ${state.rollbackDeploymentId}.`);
    if (state.target && isSha(state.bad.sha) && isSha(state.target.sha)) {
        const { owner, repo } = input.repo;
        out('', `Changes rolled back: [${state.target.sha.slice(0, 12)}...${state.bad.sha.slice(0, 12)}](${links.server}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/compare/${state.target.sha}...${state.bad.sha}).`);
    }
    out('');
    // Strategy and steps
    out('## Strategy and steps taken', '');
    out(`Strategy: **${cell(state.strategy)}**.`, '');
    if (state.steps.length === 0) {
        out('_No steps were recorded._', '');
    }
    else {
        out('| # | Step | Strategy | Status | Started | Finished | Took | Detail |', '|---|---|---|---|---|---|---|---|');
        state.steps.forEach((s, i) => {
            out(`| ${i + 1} | ${cell(s.name || s.id)} | ${cell(s.strategy)} | ${s.status} | ${when(s.startedAt)} | ${when(s.finishedAt)} | ${formatDuration(s.startedAt, s.finishedAt) ?? '-'} | ${cell(s.detail)} |`);
        });
        out('');
    }
    // Verification
    out('## Verification', '');
    const checks = input.verification ?? [];
    if (checks.length === 0) {
        out('_No verification results were recorded with this report._', '');
    }
    else {
        out('| Check | Kind | Result | Attempts | At | Detail |', '|---|---|---|---|---|---|');
        for (const c of checks) {
            out(`| ${cell(c.name)} | ${cell(c.kind)} | ${CHECK_ICON[c.status]} | ${c.attempts ?? '-'} | ${when(c.at)} | ${cell(c.detail)} |`);
        }
        out('');
    }
    // Data loss
    if (state.dataLossWindow) {
        const { from, to } = state.dataLossWindow;
        out('## Data-loss window', '');
        out(`Data was restored to its state at ${when(from)}. Writes between **${when(from)}** and **${when(to)}** (${formatDuration(from, to) ?? '-'}) are not in the restored data: find them (logs, queues, the backup taken before the restore) and replay or reconcile them.`, '');
    }
    // Recovery
    if (state.recovery !== null) {
        out('## Recovery', '');
        if (!recovery) {
            out('_The recovery record has a shape this version of Ripcord does not read; see the incident issue._', '');
        }
        else {
            out(`Status: ${cell(recovery.status ?? (recovery.completedAt ? 'completed' : 'in progress'))}.`, '');
            const stages = recovery.stages ?? [];
            if (stages.length > 0) {
                out('| Stage | Status | Started | Finished | Took |', '|---|---|---|---|---|');
                stages.forEach((st, i) => {
                    const end = st.finishedAt ?? st.completedAt;
                    out(`| ${stageLabel(st, i)} | ${cell(st.status)} | ${when(st.startedAt)} | ${when(end)} | ${formatDuration(st.startedAt, end) ?? '-'} |`);
                });
                out('');
            }
        }
    }
    // Analysis for people
    const todo = '_To be filled in._';
    out(RCA_HEADING, '');
    out('<!-- Ripcord fills in the facts above; the sections below are for the people who handled the incident. -->', '');
    out('### What happened and why', '', todo, '');
    out('### Contributing factors', '', todo, '');
    out('### What went well', '', todo, '');
    out('### What to improve', '', todo, '');
    out('### Action items', '');
    out(`- [ ] Find and fix the defect in ${(0,markdown/* escapeMarkdown */.F)(state.bad.ref)}`);
    out('- [ ] Add a test or check that would have caught it before deploy');
    if (state.dataLossWindow)
        out('- [ ] Reconcile the writes from the data-loss window');
    out('- [ ] Review the triggers and thresholds that detected it (earlier? fewer false alarms?)');
    out('');
    out('### Prevention', '', todo, '');
    out('---', '');
    out(`${GENERATED_PREFIX}${when(input.generatedAt)} from [incident #${incident.number}](${incident.url}) (record updated ${when(state.updatedAt)})._`);
    return `${lines.join('\n')}\n`;
}

;// CONCATENATED MODULE: ./src/github/report-pr.ts
/**
 * One file on one branch, proposed as one pull request, the way peter-evans/create-pull-request
 * does it: look before creating, update instead of duplicating, and say which happened
 * (`created`, `updated`, `unchanged`). A re-run that would write the same file makes no commit
 * and leaves the pull request alone.
 *
 * Writes go through the contents API (one commit per change, no local clone): the branch is
 * created from the base branch's head when missing and only ever moves forward.
 */



const ACTIONS_PR_SETTING = 'Settings -> Actions -> General -> Workflow permissions -> "Allow GitHub Actions to create and approve pull requests"';
/**
 * A report that could not be proposed because of the repository's configuration (a missing
 * permission, branch protection, the Actions pull-request setting). The fix is in the message.
 */
class ReportPublishError extends errors/* ConfigurationError */.j {
    name = 'ReportPublishError';
    stage;
    status;
    constructor(stage, status, message, fixes) {
        super(message, fixes);
        this.stage = stage;
        this.status = status;
    }
}
const NOT_ACCESSIBLE = /resource not accessible by integration/i;
const ACTIONS_MAY_NOT_CREATE_PRS = /not permitted to create or approve pull requests/i;
/** GitHub's words for a branch protection rule or ruleset refusing a write. */
const PROTECTED = /protected branch|rule violation|ruleset|restricted|protection/i;
/**
 * Maps a failed write to what the person must change, or returns the error as it was (a 5xx
 * that outlived the retries, a network failure: not the repository's configuration).
 */
function explain(err, stage, what, repo, branch) {
    const status = requestStatus(err);
    const message = requestMessage(err);
    const full = repoName(repo);
    const said = `GitHub answered ${status ?? '?'} "${message}"`;
    if (status === 403 && ACTIONS_MAY_NOT_CREATE_PRS.test(message)) {
        return new ReportPublishError(stage, status, `Cannot open the incident report pull request in ${full}: this repository does not allow GitHub Actions to create pull requests (${said}).`, [
            `Turn on ${ACTIONS_PR_SETTING} (an organization can lock it: then in the organization's Settings -> Actions -> General),`,
            'or pass a token that is not GITHUB_TOKEN (a GitHub App installation token with pull_requests: write).',
        ]);
    }
    if (status === 403 && NOT_ACCESSIBLE.test(message)) {
        const permission = stage === 'pull-request'
            ? 'pull-requests: write'
            : stage === 'read'
                ? 'contents: read'
                : 'contents: write';
        return new ReportPublishError(stage, status, `Cannot ${what} in ${full}: the token lacks the "${permission}" permission (${said}).`, [
            `Add "${permission}" under "permissions:" in the workflow job that writes the incident report (with "contents: write" and "pull-requests: write" both needed).`,
        ]);
    }
    if ((status === 403 || status === 422 || status === 409) &&
        stage !== 'pull-request' &&
        PROTECTED.test(message)) {
        return new ReportPublishError(stage, status, `Cannot ${what} in ${full}: a branch protection rule or ruleset refuses writes to "${branch}" (${said}).`, [
            `Exempt branches named "ripcord/incident-*" from the rule (Settings -> Rules -> Rulesets, or Settings -> Branches), or let the workflow's token bypass it.`,
        ]);
    }
    if (status === 403 && stage !== 'pull-request') {
        // A 403 on a branch write that is neither of the above is still the repository's say-so.
        return new ReportPublishError(stage, status, `Cannot ${what} in ${full} (${said}).`, [
            `Check that the token has "contents: write" and that no branch protection rule or ruleset covers "${branch}".`,
        ]);
    }
    return err;
}
function decodeBase64(content) {
    return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
}
async function publishFileAsPullRequest(input) {
    const { octokit, repo, path, logger } = input;
    const identity = input.identity ?? (0,github_identity.ripcordIdentity)();
    const author = identity.describe;
    let branch = input.branch;
    const same = input.sameContent ?? ((a, b) => a === b);
    const guard = async (stage, what, call) => {
        try {
            return await call();
        }
        catch (err) {
            throw explain(err, stage, what, repo, branch);
        }
    };
    const baseBranch = input.baseBranch ??
        (await guard('read', 'read the repository', () => octokit.rest.repos.get({ ...repo }))).data
            .default_branch;
    const headOf = async (name) => {
        try {
            return (await octokit.rest.repos.getBranch({ ...repo, branch: name })).data.commit.sha;
        }
        catch (err) {
            if (requestStatus(err) !== 404)
                throw explain(err, 'read', `read branch "${name}"`, repo, name);
            return null;
        }
    };
    let baseHead = null;
    const baseHeadSha = async () => {
        baseHead ??= (await guard('read', `read base branch "${baseBranch}"`, () => octokit.rest.repos.getBranch({ ...repo, branch: baseBranch }))).data.commit.sha;
        return baseHead;
    };
    /**
     * A branch without Ripcord's pull request (a run that committed, then was refused the pull
     * request) is still Ripcord's when everything on it is: only the report file changes, in
     * commits by Ripcord's login. The file rule is the one that matters (a commit's author is
     * only an email away from being anyone's): nothing else can ride along under Ripcord's name.
     */
    const onlyOurs = async (name) => {
        const { data } = await guard('read', `compare "${name}" with "${baseBranch}"`, () => octokit.rest.repos.compareCommitsWithBasehead({
            ...repo,
            basehead: `${baseBranch}...${name}`,
            per_page: 100,
        }));
        const files = data.files ?? [];
        return (data.commits.length <= 100 &&
            files.every((f) => f.filename === path && f.status !== 'renamed') &&
            data.commits.every((c) => identity.is(c.author?.login)));
    };
    // The branch: reuse it only when it is Ripcord's (a re-run, or people's edits on Ripcord's
    // pull request), else take the alternative name; create it from the base when missing.
    const candidates = [input.branch, `${input.branch}-by-ripcord`];
    let branchExists = false;
    let chosen = false;
    for (const name of candidates) {
        const head = await headOf(name);
        if (head === null) {
            branch = name;
            branchExists = false;
            chosen = true;
            break;
        }
        const { data: prs } = await guard('read', 'list pull requests', () => octokit.rest.pulls.list({
            ...repo,
            head: `${repo.owner}:${name}`,
            state: 'open',
            per_page: 10,
        }));
        const ours = prs.some((p) => identity.is(p.user?.login));
        if (ours || head === (await baseHeadSha()) || (await onlyOurs(name))) {
            branch = name;
            branchExists = true;
            chosen = true;
            break;
        }
        logger.warning(`branch ${name} in ${repoName(repo)} already exists with commits Ripcord did not write (no open pull request by ${author} from it); not reusing it for the incident report`);
    }
    if (!chosen) {
        throw new ReportPublishError('branch', undefined, `Cannot propose the incident report in ${repoName(repo)}: branches ${candidates.join(' and ')} exist with commits Ripcord did not write.`, [
            `Look at what is on them (someone may have planted changes to pass off as Ripcord's), then delete them and re-run the workflow.`,
        ]);
    }
    if (!branchExists) {
        const sha = await baseHeadSha();
        try {
            await octokit.rest.git.createRef({
                ...repo,
                ref: `refs/heads/${branch}`,
                sha,
            });
            logger.info(`Created branch ${branch} from ${baseBranch} in ${repoName(repo)}`);
        }
        catch (err) {
            // Another run created it a moment ago: the same branch is what both want.
            if (!(requestStatus(err) === 422 && /already exists/i.test(requestMessage(err)))) {
                throw explain(err, 'branch', `create branch "${branch}"`, repo, branch);
            }
        }
    }
    // The file: write it only when its content differs (a person's edit to the RCA sections is
    // the content too: only Ripcord's part is compared, by `sameContent`).
    const readExisting = async () => {
        try {
            const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref: branch });
            if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
                throw new errors/* ConfigurationError */.j(`${path} on branch ${branch} of ${repoName(repo)} is not a file.`, [`Move it away, then re-run the workflow.`]);
            }
            return { sha: data.sha, text: decodeBase64(data.content) };
        }
        catch (err) {
            if (requestStatus(err) === 404)
                return null;
            throw explain(err, 'read', `read ${path} on "${branch}"`, repo, branch);
        }
    };
    let commitSha = null;
    for (let attempt = 1;; attempt++) {
        const existing = await readExisting();
        const content = typeof input.content === 'string' ? input.content : input.content(existing?.text ?? null);
        if (existing && same(existing.text, content))
            break;
        try {
            const { data } = await octokit.rest.repos.createOrUpdateFileContents({
                ...repo,
                path,
                branch,
                message: input.commitMessage,
                content: Buffer.from(content, 'utf8').toString('base64'),
                ...(existing ? { sha: existing.sha } : {}),
            });
            commitSha = data.commit.sha ?? null;
            logger.info(`Committed ${path} to ${branch}${commitSha ? ` (${commitSha.slice(0, 12)})` : ''}`);
            break;
        }
        catch (err) {
            // 409: the file changed between read and write (a concurrent run): read it again, once.
            if (requestStatus(err) === 409 && attempt < 2 && !PROTECTED.test(requestMessage(err)))
                continue;
            throw explain(err, 'contents', `commit ${path} to branch "${branch}"`, repo, branch);
        }
    }
    // The pull request: at most one open for this branch.
    const head = `${repo.owner}:${branch}`;
    const findOpen = async () => {
        const { data } = await guard('read', 'list pull requests', () => octokit.rest.pulls.list({ ...repo, head, state: 'open', per_page: 10 }));
        const [first] = data;
        return first ? { number: first.number, url: first.html_url } : null;
    };
    const open = await findOpen();
    if (open) {
        if (commitSha === null)
            return { result: 'unchanged', branch, baseBranch, path, commitSha, pullRequest: open };
        await guard('pull-request', `update pull request #${open.number}`, () => octokit.rest.pulls.update({
            ...repo,
            pull_number: open.number,
            title: input.title,
            body: input.body,
        }));
        logger.info(`Updated pull request ${open.url}`);
        return { result: 'updated', branch, baseBranch, path, commitSha, pullRequest: open };
    }
    try {
        const { data } = await octokit.rest.pulls.create({
            ...repo,
            head: branch,
            base: baseBranch,
            title: input.title,
            body: input.body,
            maintainer_can_modify: true,
        });
        logger.info(`Opened pull request ${data.html_url}`);
        return {
            result: 'created',
            branch,
            baseBranch,
            path,
            commitSha,
            pullRequest: { number: data.number, url: data.html_url },
        };
    }
    catch (err) {
        // Another run opened it between our look and our create: use theirs.
        if (requestStatus(err) === 422 &&
            /already exists/i.test(requestMessage(err) + JSON.stringify(errorsOf(err)))) {
            const raced = await findOpen();
            if (raced)
                return { result: 'unchanged', branch, baseBranch, path, commitSha, pullRequest: raced };
        }
        // The report is already on the base branch (an earlier pull request was merged): nothing to propose.
        if (requestStatus(err) === 422 && /no commits between/i.test(JSON.stringify(errorsOf(err)))) {
            const { data } = await guard('read', 'list pull requests', () => octokit.rest.pulls.list({ ...repo, head, state: 'closed', per_page: 1 }));
            const [last] = data;
            logger.info(`${path} is already on ${baseBranch} as wanted; no pull request needed`);
            return {
                result: 'unchanged',
                branch,
                baseBranch,
                path,
                commitSha,
                pullRequest: last ? { number: last.number, url: last.html_url } : null,
            };
        }
        throw explain(err, 'pull-request', `open a pull request from "${branch}" to "${baseBranch}"`, repo, branch);
    }
}
function errorsOf(err) {
    if (typeof err !== 'object' || err === null || !('response' in err))
        return undefined;
    const response = err.response;
    if (typeof response !== 'object' || response === null || !('data' in response))
        return undefined;
    const data = response.data;
    return typeof data === 'object' && data !== null && 'errors' in data ? data.errors : undefined;
}

;// CONCATENATED MODULE: ./src/report/write-report.ts
/**
 * Writes the incident report as a pull request once an incident is resolved, and makes sure
 * it is never lost: when the repository refuses the branch or the pull request (a missing
 * permission, branch protection, the Actions pull-request setting), the report goes onto the
 * incident issue as a comment before the error is raised.
 */






/** A ReportPublishError after the fallback: says where the report went. */
class IncidentReportNotProposedError extends ReportPublishError {
    name = 'IncidentReportNotProposedError';
    attachedToIssue;
    commentUrl;
    constructor(cause, attached, incidentUrl) {
        const where = attached
            ? `The report is attached to the incident issue as a comment: ${attached.url}`
            : `Attaching the report to ${incidentUrl} as a comment failed too; it is in this step's log.`;
        super(cause.stage, cause.status, `${cause.message.split('\n')[0] ?? ''} ${where}`, cause.problems);
        this.attachedToIssue = attached !== null;
        this.commentUrl = attached?.url ?? null;
    }
}
const FALLBACK_MARKER = '<!-- ripcord:incident-report-fallback -->';
function isRecord(i) {
    return 'state' in i;
}
function write_report_iso(now) {
    const d = now instanceof Date ? now : new Date(now);
    if (Number.isNaN(d.getTime()))
        throw new RangeError(`Not a time: ${String(now)}`);
    return d.toISOString();
}
async function writeIncidentReport(opts) {
    const { octokit, repo, logger } = opts;
    const incident = isRecord(opts.incident)
        ? opts.incident
        : await opts.incident.store.get(opts.incident.number);
    const { state } = incident;
    if (state.status !== 'recovered' && state.status !== 'closed' && incident.open) {
        logger.warning(`Incident ${incident.url} is ${state.status}, not resolved: the report shows what is recorded so far.`);
    }
    const path = reportPath(state, incident.number);
    const branch = reportBranch(incident.number);
    const report = renderIncidentReport({
        state,
        incident: { number: incident.number, url: incident.url },
        repo,
        serverUrl: opts.serverUrl,
        generatedAt: write_report_iso(opts.now),
        evidence: opts.evidence,
        verification: opts.verification,
    });
    const body = [
        `Incident report for [incident #${incident.number}](${incident.url}) in **${(0,markdown/* escapeMarkdown */.F)(state.environment)}**, written by Ripcord from the incident record: \`${path}\`.`,
        '',
        'Before merging, fill in the root-cause analysis sections (contributing factors, what went well, what to improve, action items, prevention) on this branch. Ripcord keeps those sections when it updates the facts above them.',
    ].join('\n');
    try {
        const outcome = await publishFileAsPullRequest({
            octokit,
            repo,
            branch,
            baseBranch: opts.baseBranch,
            path,
            content: (existing) => keepHumanSections(existing, report),
            sameContent: (a, b) => comparableReport(a) === comparableReport(b),
            commitMessage: `Incident report for #${incident.number} (${state.environment.replace(/[\r\n]+/g, ' ')})`,
            title: reportTitle(state, incident.number),
            body,
            logger,
            ...(opts.identity ? { identity: opts.identity } : {}),
        });
        if (outcome.result === 'created' && outcome.pullRequest) {
            // The issue is the audit log: the report's pull request belongs in it.
            await octokit.rest.issues.createComment({
                ...repo,
                issue_number: incident.number,
                body: `📝 Incident report proposed in ${outcome.pullRequest.url} (\`${path}\`).`,
            });
        }
        return {
            result: outcome.result,
            path,
            branch: outcome.branch,
            pullRequest: outcome.pullRequest,
            attachedToIssue: false,
        };
    }
    catch (err) {
        if (!(err instanceof ReportPublishError))
            throw err;
        logger.error(err.message);
        const attached = await attachToIssue(opts, incident, path, report, err).catch((attachErr) => {
            logger.error(`Could not attach the incident report to ${incident.url}: ${attachErr instanceof Error ? attachErr.message : String(attachErr)}`);
            logger.info(report);
            return null;
        });
        if (opts.onPublishError === 'warn' && attached) {
            logger.warning(`${err.message.split('\n')[0] ?? ''} The report is attached to ${attached.url}.`);
            return { result: attached.result, path, branch, pullRequest: null, attachedToIssue: true };
        }
        throw new IncidentReportNotProposedError(err, attached, incident.url);
    }
}
/** One fallback comment per incident, edited in place on re-runs (so a retry loop does not spam the issue). */
async function attachToIssue(opts, incident, path, report, cause) {
    const { octokit, repo } = opts;
    const head = [
        FALLBACK_MARKER,
        `> [!WARNING]`,
        `> Ripcord could not open the incident report pull request (\`${path}\` on \`${reportBranch(incident.number)}\`), so the report is here instead.`,
        ...cause.message.split('\n').map((l) => `> ${(0,markdown/* escapeMarkdown */.F)(l.trim())}`),
        '',
    ].join('\n');
    let text = `${head}\n${report}`;
    if (text.length > ISSUE_BODY_MAX_LENGTH) {
        const note = "\n\n_(cut to fit GitHub's comment limit; re-run once the pull request can be opened for the full report)_\n";
        text = text.slice(0, ISSUE_BODY_MAX_LENGTH - note.length) + note;
    }
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        ...repo,
        issue_number: incident.number,
        per_page: 100,
    });
    const identity = opts.identity ?? (0,github_identity.ripcordIdentity)();
    const lookalikes = comments.filter((c) => (c.body ?? '').startsWith(FALLBACK_MARKER) && !identity.is(c.user?.login));
    for (const c of lookalikes)
        opts.logger.warning(`left alone a comment on #${incident.number} by ${c.user?.login ?? 'an unknown user'} that starts with the report marker (${c.html_url}): only ${identity.describe}'s own report comment is edited`);
    const mine = comments.find((c) => (c.body ?? '').startsWith(FALLBACK_MARKER) && identity.is(c.user?.login));
    if (mine) {
        if (comparableReport(mine.body ?? '') === comparableReport(text)) {
            return { url: mine.html_url, result: 'unchanged' };
        }
        const { data } = await octokit.rest.issues.updateComment({
            ...repo,
            comment_id: mine.id,
            body: text,
        });
        return { url: data.html_url, result: 'updated' };
    }
    const { data } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: incident.number,
        body: text,
    });
    opts.logger.info(`Attached the incident report to ${repoName(repo)}#${incident.number}: ${data.html_url}`);
    return { url: data.html_url, result: 'created' };
}

;// CONCATENATED MODULE: ./src/report/close-incident.ts
/**
 * Closing an incident by hand (`ripcord close`): record who closed it and why, close the issue,
 * and propose the incident report as a pull request, as a recovery does at its end.
 */






async function closeIncident(opts) {
    const store = createIncidentStore(opts.octokit, opts.repo, opts.logger, {
        ...(opts.identity ? { identity: opts.identity } : {}),
    });
    let record = await store.get(opts.incident);
    const at = new Date(opts.now()).toISOString();
    if (record.open) {
        if (!opts.reason.trim()) {
            throw new errors/* ConfigurationError */.j('--reason is required to close an incident by hand; say why it is over');
        }
        if (record.state.status !== 'closed') {
            assertMove(record.state.status, 'closed', 'close');
            record = await store.save(record, withStatus(record.state, 'closed', at));
        }
        await store.comment(opts.incident, `### Closed by hand\n\n${(0,markdown/* escapeMarkdown */.F)(opts.actor)}: ${(0,markdown/* escapeMarkdown */.F)(opts.reason)}`);
        await store.close(opts.incident, 'completed');
    }
    return writeIncidentReport({
        octokit: opts.octokit,
        repo: opts.repo,
        incident: record,
        serverUrl: opts.serverUrl,
        now: at,
        logger: opts.logger,
        ...(opts.identity ? { identity: opts.identity } : {}),
    });
}


/***/ })

};
