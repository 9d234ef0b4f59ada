export const id = 629;
export const ids = [629,369];
export const modules = {

/***/ 3201:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bx: () => (/* binding */ renderIncidentBody),
/* harmony export */   Qh: () => (/* binding */ extractStateBlock),
/* harmony export */   _r: () => (/* binding */ refreshIncidentBody),
/* harmony export */   cw: () => (/* binding */ incidentStatusSchema),
/* harmony export */   yY: () => (/* binding */ sameState),
/* harmony export */   zC: () => (/* binding */ withStatus)
/* harmony export */ });
/* unused harmony exports INCIDENT_STATE_VERSION, stepStatusSchema, incidentStepSchema, incidentRunSchema, MAX_EVIDENCE, decisionEvidenceSchema, incidentStateSchema, formatPath, renderStateBlock, parseStateJson, replaceStateBlock, renderStateSummary, planSteps, markStep, hasRun, addRun */
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4377);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7510);
/* harmony import */ var _markdown_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6706);
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
const timestamp = zod__WEBPACK_IMPORTED_MODULE_0__/* .datetime */ .w$({ offset: true });
const incidentStatusSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n([
    'rolling-back',
    'rolled-back',
    'rollback-failed',
    'verification-failed',
    'recovering',
    'recovered',
    'closed',
]);
const stepStatusSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['pending', 'running', 'done', 'failed', 'skipped']);
const incidentStepSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
    /** Stable across runs (e.g. `feature-flag:disable`) so a re-run finds what is already done. */
    id: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().min(1),
    strategy: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().min(1),
    name: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    status: stepStatusSchema,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    detail: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
});
const incidentRunSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
    runId: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().min(1),
    attempt: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().min(1),
    startedAt: timestamp,
});
/** At most this many trigger readings are kept with the decision (the issue body is capped). */
const MAX_EVIDENCE = 40;
/**
 * One trigger's reading at the moment of the decision: what the incident report shows as the
 * evidence. Kept in the state because a later reading (a recovery gate, a verify round) says
 * how things are now, not why Ripcord acted.
 */
const decisionEvidenceSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
    name: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    severity: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['critical', 'warning']),
    status: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['breached', 'ok', 'inconclusive']),
    value: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().nullable(),
    valueText: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
    threshold: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    since: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
    reason: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
});
const incidentStateSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
    version: zod__WEBPACK_IMPORTED_MODULE_1__/* .literal */ .euz(INCIDENT_STATE_VERSION),
    environment: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().min(1),
    status: incidentStatusSchema,
    openedAt: timestamp,
    updatedAt: timestamp,
    reason: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    decision: zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
        decision: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['rollback', 'warn', 'hold', 'none']),
        severity: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['critical', 'warning']).nullable(),
        strategy: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
        approval: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
        triggered: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP()),
        summary: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        /** When the decision was taken, and what each trigger read then: the report's evidence. */
        evaluatedAt: timestamp.optional(),
        evidence: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(decisionEvidenceSchema).max(MAX_EVIDENCE).optional(),
    })
        .optional(),
    bad: zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
        deploymentId: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int(),
        ref: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        sha: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        createdAt: timestamp,
    }),
    target: zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({
        deploymentId: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().nullable(),
        ref: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        sha: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    })
        .nullable(),
    rollbackDeploymentId: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().nullable(),
    strategy: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().nullable(),
    attempts: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().min(0),
    lastRollbackAt: timestamp.nullable(),
    runs: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(incidentRunSchema),
    steps: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(incidentStepSchema),
    dataLossWindow: zod__WEBPACK_IMPORTED_MODULE_1__/* .strictObject */ .rej({ from: timestamp, to: timestamp }).nullable(),
    /** Reserved for staged recovery, which owns its shape. */
    recovery: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .unknown */ .L5J()).nullable(),
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
    const parts = [(0,_markdown_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .F)(v.ref)];
    if (v.sha !== '')
        parts.push(`@ ${(0,_markdown_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .F)(v.sha.slice(0, 12))}`);
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
    const cell = (text) => text === null || text === undefined || text === '' ? '-' : (0,_markdown_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .F)(text);
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


/***/ }),

/***/ 8629:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MY: () => (/* binding */ INCIDENT_LABEL),
/* harmony export */   he: () => (/* binding */ ISSUE_BODY_MAX_LENGTH),
/* harmony export */   sP: () => (/* binding */ createIncidentStore)
/* harmony export */ });
/* unused harmony exports environmentLabel, fitComment */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4296);
/* harmony import */ var _core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3201);
/* harmony import */ var _identity_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7369);
/* harmony import */ var _repo_ref_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8031);
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
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(env, 'utf8').digest('hex').slice(0, 8);
    const room = LABEL_MAX_LENGTH - ENV_LABEL_PREFIX.length - 1 - hash.length;
    const prefix = [...env.replaceAll(',', '_')].slice(0, room).join('');
    return `${ENV_LABEL_PREFIX}${prefix}~${hash}`;
}
/** True for GitHub's 422 whose errors all say `already_exists` (and nothing else wrong). */
function isAlreadyExists(err) {
    if ((0,_repo_ref_js__WEBPACK_IMPORTED_MODULE_4__/* .requestStatus */ .G2)(err) !== 422 || typeof err !== 'object' || err === null)
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
    const identity = options.identity ?? (0,_identity_js__WEBPACK_IMPORTED_MODULE_3__.ripcordIdentity)();
    const author = identity.describe;
    const writtenBy = (issue) => identity.is(issue.user?.login);
    /** Labels known to exist, so a second incident in the same run costs no label requests. */
    const ensuredLabels = new Set();
    const toRecord = (issue) => {
        const body = issue.body ?? '';
        const extracted = (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .extractStateBlock */ .Qh)(body);
        if ('absent' in extracted) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`Incident issue ${issue.html_url} has no Ripcord state block ("<!-- ripcord:state ... -->").`, [
                `If it is not a Ripcord incident, remove its "${INCIDENT_LABEL}" label; otherwise restore the block from the issue's edit history (the "edited" menu above the issue body), then re-run the workflow.`,
            ]);
        }
        if ('error' in extracted) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`The state block of incident issue ${issue.html_url} cannot be used.`, [extracted.error]);
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
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`#${number} in ${fullName} is a pull request, not a Ripcord incident issue.`);
            }
            if (!writtenBy(data)) {
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`#${number} in ${fullName} was opened by ${data.user?.login ?? 'an unknown user'}, not by ${author}, the identity Ripcord writes as: it is not a Ripcord incident, and Ripcord does not act on it.`, [
                    'Pass the number of an incident Ripcord opened. If Ripcord runs as another identity (a GitHub App token), set github.bot_login in the policy to its login, such as my-app[bot].',
                ]);
            }
            return data;
        }
        catch (err) {
            const status = (0,_repo_ref_js__WEBPACK_IMPORTED_MODULE_4__/* .requestStatus */ .G2)(err);
            if (status === 404 || status === 410) {
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`Incident issue #${number} does not exist in ${fullName} (GitHub answered ${status}).`, [
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
            const found = (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .extractStateBlock */ .Qh)(i.body ?? '');
            return ('state' in found && found.state.openedAt === state.openedAt && (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .sameState */ .yY)(found.state, state));
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
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ConfigurationError */ .j(`Incident issue ${record.url} has the label "${envLabel}" but its state block is for environment "${record.state.environment}".`, [
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
            const body = (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .renderIncidentBody */ .Bx)(state, summaryMarkdown);
            checkSize(body, `Cannot open the incident for ${state.environment}`);
            const request = { ...repo, title, body, labels: [INCIDENT_LABEL, envLabel] };
            let data;
            try {
                // Not retried blindly: a 5xx can come after GitHub created the issue (plugin-retry
                // would then open a second incident). Look first, then create again.
                ({ data } = await octokit.rest.issues.create({ ...request, request: { retries: 0 } }));
            }
            catch (err) {
                const status = (0,_repo_ref_js__WEBPACK_IMPORTED_MODULE_4__/* .requestStatus */ .G2)(err);
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
            const before = (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .extractStateBlock */ .Qh)(currentBody);
            if (!('state' in before) || !(0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .sameState */ .yY)(before.state, incident.state)) {
                // Under the environment lock only this run writes the block; a difference means a person
                // edited it. Recording what this run did matters more than their edit, but say so.
                logger.warning(`The state block of ${incident.url} changed since this run read it; writing this run's state over it (the previous body stays in the issue's edit history).`);
            }
            const body = (0,_core_incident_state_js__WEBPACK_IMPORTED_MODULE_2__/* .refreshIncidentBody */ ._r)(currentBody, state);
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


/***/ }),

/***/ 4377:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w$: () => (/* binding */ datetime)
/* harmony export */ });
/* unused harmony exports date, time, duration */
/* harmony import */ var _core_index_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3759);
/* harmony import */ var _schemas_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7510);



function datetime(params) {
    return _core_index_js__WEBPACK_IMPORTED_MODULE_0__/* ._isoDateTime */ .G1(_schemas_js__WEBPACK_IMPORTED_MODULE_1__/* .ZodISODateTime */ .You, params);
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


/***/ })

};
