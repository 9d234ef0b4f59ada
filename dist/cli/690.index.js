export const id = 690;
export const ids = [690];
export const modules = {

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


/***/ }),

/***/ 5690:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  closeIncident: () => (/* binding */ closeIncident)
});

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/incident-state.ts
var incident_state = __webpack_require__(3201);
;// CONCATENATED MODULE: ./src/core/incident-lifecycle.ts
/**
 * The incident lifecycle as one table: which status an incident may move to, and which run
 * (rollback, verify, staged recovery, `ripcord close`) may move it there. Rollback, verify,
 * recovery and close all ask this module before they write a status, so a new rule is added
 * here once instead of in four `switch`es that drift apart.
 *
 * Why it exists: an open incident that had rolled back used to make every later rollback
 * "already handled", so a second bad deploy a week later was `skipped` and production stayed
 * on it with a green step. `planRollback` decides what a rollback run does about the open
 * incident and the live deployment; a breach on a deployment newer than the incident's own
 * rollback is a new incident, never "already handled".
 *
 * Pure: no I/O, no clock reads; the caller passes what it read from GitHub and the time.
 */

/** Every status but `closed`: derived, so a new status cannot be left out of the table. */
const OPEN_STATUSES = incident_state/* incidentStatusSchema */.cw.options.filter((s) => s !== 'closed');
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

// EXTERNAL MODULE: ./src/core/markdown.ts
var markdown = __webpack_require__(6706);
// EXTERNAL MODULE: ./src/github/incident.ts
var github_incident = __webpack_require__(8629);
// EXTERNAL MODULE: ./src/github/identity.ts
var github_identity = __webpack_require__(7369);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 10 modules
var schemas = __webpack_require__(7510);
// EXTERNAL MODULE: ./src/core/recovery-machine.ts
var recovery_machine = __webpack_require__(3880);
// EXTERNAL MODULE: ./src/core/duration.ts
var duration = __webpack_require__(8571);
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
const SHADOW_WOULD = {
    rollback: 'rolled back',
    warn: 'warned',
    hold: 'held the deployment',
    none: 'taken no action',
};
function renderDecisionSummary(decision, sources = {}) {
    const lines = [];
    const at = Date.parse(decision.evaluatedAt);
    lines.push(`## ${HEADLINE[decision.decision]}: ${escapeMarkdown(decision.environment)}`);
    lines.push('');
    lines.push(escapeMarkdown(decision.summary));
    lines.push('');
    lines.push(`Evaluated at ${utc(at)}.`);
    lines.push('');
    if (decision.shadow) {
        // Apart from the headline, so nobody reads a shadow breach as an action taken.
        lines.push(`> **Shadow decision: would have ${SHADOW_WOULD[decision.shadow.decision]}** (${escapeMarkdown(decision.shadow.triggered.join(', ') || 'no trigger breached')}); Ripcord did not act. Remove \`shadow: true\` from the policy to let it act.`);
        lines.push('');
    }
    lines.push('| Trigger | Severity | Status | Value | Threshold | Since | Reason |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const v of decision.triggers) {
        const since = v.since === null ? '—' : sinceText(Date.parse(v.since), at);
        lines.push(`| ${escapeMarkdown(v.name)}${v.shadow ? ' (shadow)' : ''} | ${v.severity} | ${STATUS_ICON[v.status]} | ${escapeMarkdown(v.valueText ?? '—')} | ${escapeMarkdown(v.threshold)} | ${since} | ${escapeMarkdown(v.reason)} |`);
    }
    for (const v of decision.triggers.filter((t) => t.status === 'breached')) {
        const chart = renderChart(v);
        if (chart) {
            lines.push('', `### ${escapeMarkdown(v.name)}`, '', chart);
            lines.push('', legend(v));
        }
        const link = metricLink(v, sources[v.source]);
        const query = `Query (${escapeMarkdown(v.source)}): \`${v.query.replace(/`/g, "'")}\``;
        lines.push('', link ? `${query} · [open in Prometheus](${link})` : query);
    }
    lines.push('', ...nextSteps(decision));
    return lines.join('\n') + '\n';
}
/** What a person can do next, by decision: the summary never ends on a verdict alone. */
function nextSteps(d) {
    const env = d.environment;
    const steps = ['### What to do next', ''];
    switch (d.decision) {
        case 'rollback':
            steps.push(`- The rollback (${d.strategy ?? 'default strategy'}) runs next in this workflow. To stop it, cancel this workflow run before the Roll back step starts.`, `- Follow it on the incident issue (label \`ripcord:incident\`, environment ${escapeMarkdown(env)}), which the rollback opens and links from its summary.`, `- If a run dies holding the lock: \`ripcord unlock --environment ${escapeMarkdown(env)} --reason "..."\`.`);
            break;
        case 'hold':
            steps.push('- A critical trigger cannot be read: fix the signal (query, source, token) or decide by hand; Ripcord will not clear this deployment.', `- To roll back by hand, run the rollback workflow (workflow_dispatch) for ${escapeMarkdown(env)}.`);
            break;
        case 'warn':
            steps.push('- A warning trigger breached: look at the chart and the query link above; no rollback is made for warnings.', `- To roll back by hand, run the rollback workflow (workflow_dispatch) for ${escapeMarkdown(env)}.`);
            break;
        case 'none':
            steps.push('- Nothing: the deployment is within its thresholds.');
            break;
    }
    if (d.shadow && d.shadow.decision !== 'none')
        steps.push('- Shadow mode: compare this with what you saw; when Ripcord would have been right, remove `shadow: true` to let it act.');
    return steps;
}
/** The Prometheus graph URL of the trigger's own query, over the last hour. */
function metricLink(v, source) {
    if (source?.type !== 'prometheus' || !v.query)
        return null;
    const base = source.url.replace(/\/+$/, '');
    return `${base}/graph?g0.expr=${encodeURIComponent(v.query)}&g0.tab=0&g0.range_input=1h`;
}
function utc(t) {
    const iso = new Date(t).toISOString();
    return `${iso.slice(0, 10)} ${t % 60_000 === 0 ? iso.slice(11, 16) : iso.slice(11, 19)} UTC`;
}
/** "21:02 UTC (18m before)": the time of day and how long ago, as read during an incident. */
function sinceText(t, at) {
    const iso = new Date(t).toISOString();
    const clock = `${t % 60_000 === 0 ? iso.slice(11, 16) : iso.slice(11, 19)} UTC`;
    return at > t ? `${clock} (${formatDuration(at - t)} before)` : clock;
}
const MAX_POINTS = 60;
/** The unit the table shows, for the y-axis: ratios in %, seconds in ms below one second. */
function scaleFor(v, values) {
    switch (v.unit) {
        case 'ratio':
            return { factor: 100, suffix: '%' };
        case 'seconds': {
            const top = Math.max(...values.map(Math.abs), Math.abs(v.thresholdValue ?? 0));
            return top < 1 ? { factor: 1000, suffix: 'ms' } : { factor: 1, suffix: 's' };
        }
        case 'bytes':
            return { factor: 1 / 1_000_000, suffix: 'MB' };
        default:
            return { factor: 1, suffix: '' };
    }
}
function legend(v) {
    const values = v.points.flatMap((p) => (p.v === null ? [] : [p.v]));
    const { suffix } = scaleFor(v, values);
    const unit = suffix ? ` in ${suffix}` : '';
    const threshold = v.thresholdValue === null
        ? ''
        : `; second line: the threshold (${escapeMarkdown(v.threshold)})`;
    return `Legend: first line: ${escapeMarkdown(v.name)}${unit}${threshold}.`;
}
/** A line for the series and one for the threshold; gaps are left out rather than drawn as zero. */
function renderChart(v) {
    const points = downsample(v.points.filter((p) => p.v !== null && Number.isFinite(p.v)));
    if (points.length < 2)
        return null;
    const scale = scaleFor(v, points.map((p) => p.v));
    const values = points.map((p) => p.v * scale.factor);
    const threshold = v.thresholdValue === null ? null : v.thresholdValue * scale.factor;
    const all = threshold === null ? values : [...values, threshold];
    const lo = Math.min(0, ...all);
    const hi = Math.max(...all) * 1.1 || 1;
    const out = [
        '```mermaid',
        'xychart-beta',
        `  title "${(0,markdown/* mermaidLabel */._)(`${v.name} ${v.threshold}`)}"`,
        `  x-axis [${xLabels(points.map((p) => p.t)).join(', ')}]`,
        `  y-axis "${(0,markdown/* mermaidLabel */._)(scale.suffix ? `${v.name} (${scale.suffix})` : v.name)}" ${fmt(lo)} --> ${fmt(hi)}`,
        `  line [${values.map(fmt).join(', ')}]`,
    ];
    if (threshold !== null)
        out.push(`  line [${points.map(() => fmt(threshold)).join(', ')}]`);
    out.push('```');
    return out.join('\n');
}
/**
 * Mermaid merges equal category labels into one, so every label must differ: HH:MM when the
 * points are a minute or more apart, HH:MM:SS when two would share a minute.
 */
function xLabels(times) {
    const minutes = times.map((t) => new Date(t).toISOString().slice(11, 16));
    const unique = new Set(minutes).size === minutes.length;
    const texts = unique ? minutes : times.map((t) => new Date(t).toISOString().slice(11, 19));
    return texts.map((t) => `"${t}"`);
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
    const machine = recovery_machine/* recoveryStateSchema */.UP.safeParse(state.recovery);
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
const STATUS_TEXT = {
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
function incident_report_formatDuration(fromIso, toIso) {
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
    // The breach start comes from the decision's own readings when they were kept.
    for (const v of state.decision?.evidence ?? input.evidence ?? []) {
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
    return `${env}: rollback of ${bad} (${STATUS_TEXT[state.status]})`;
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
    const ttd = incident_report_formatDuration(state.bad.createdAt, state.openedAt);
    const ttr = incident_report_formatDuration(state.openedAt, state.lastRollbackAt);
    const ttRecover = incident_report_formatDuration(state.openedAt, recovery?.completedAt);
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
    out(`| Status | ${STATUS_TEXT[state.status]} |`);
    if (state.decision?.severity)
        out(`| Severity | ${state.decision.severity} |`);
    out(`| Strategy | ${cell(state.strategy ?? state.decision?.strategy)} |`);
    out(`| Rollback attempts | ${state.attempts} |`);
    out(`| Time to detect | ${ttd ?? '-'} |`);
    out(`| Time to roll back | ${ttr ?? '-'} |`);
    out(`| Time to recover | ${ttRecover ?? (recovery ? 'recovery not completed' : '-')} |`);
    if (state.dataLossWindow) {
        out(`| Data-loss window | ${incident_report_formatDuration(state.dataLossWindow.from, state.dataLossWindow.to) ?? '-'} |`);
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
    // The readings that made the decision come first: later readings (recovery gates) say how
    // things are now, which is not why Ripcord acted.
    const atDecision = state.decision?.evidence ?? [];
    const evidenceRow = (v) => `| ${cell(v.name)} | ${v.severity} | ${VERDICT_ICON[v.status]} | ${cell(v.valueText)} | ${cell(v.threshold)} | ${when(v.since)} | ${cell(v.reason)} |`;
    const evidenceHeader = [
        '| Trigger | Severity | Status | Value | Threshold | Since | Reason |',
        '|---|---|---|---|---|---|---|',
    ];
    if (atDecision.length > 0) {
        out(`Readings at the moment of decision${state.decision?.evaluatedAt ? ` (${when(state.decision.evaluatedAt)})` : ''}:`, '', ...evidenceHeader);
        for (const v of atDecision)
            out(evidenceRow(v));
        out('');
    }
    if (evidence.length === 0) {
        if (atDecision.length === 0)
            out('_No trigger evidence was recorded with this report._', '');
    }
    else {
        if (atDecision.length > 0)
            out('Latest readings (when this report was written):', '');
        out(...evidenceHeader);
        for (const v of evidence)
            out(evidenceRow(v));
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
            out(`| ${i + 1} | ${cell(s.name || s.id)} | ${cell(s.strategy)} | ${s.status} | ${when(s.startedAt)} | ${when(s.finishedAt)} | ${incident_report_formatDuration(s.startedAt, s.finishedAt) ?? '-'} | ${cell(s.detail)} |`);
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
        out(`Data was restored to its state at ${when(from)}. Writes between **${when(from)}** and **${when(to)}** (${incident_report_formatDuration(from, to) ?? '-'}) are not in the restored data: find them (logs, queues, the backup taken before the restore) and replay or reconcile them.`, '');
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
                    out(`| ${stageLabel(st, i)} | ${cell(st.status)} | ${when(st.startedAt)} | ${when(end)} | ${incident_report_formatDuration(st.startedAt, end) ?? '-'} |`);
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

// EXTERNAL MODULE: ./src/github/repo-ref.ts
var repo_ref = __webpack_require__(8031);
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
    const status = (0,repo_ref/* requestStatus */.G2)(err);
    const message = (0,repo_ref/* requestMessage */.Vk)(err);
    const full = (0,repo_ref/* repoName */.Qq)(repo);
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
            if ((0,repo_ref/* requestStatus */.G2)(err) !== 404)
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
        logger.warning(`branch ${name} in ${(0,repo_ref/* repoName */.Qq)(repo)} already exists with commits Ripcord did not write (no open pull request by ${author} from it); not reusing it for the incident report`);
    }
    if (!chosen) {
        throw new ReportPublishError('branch', undefined, `Cannot propose the incident report in ${(0,repo_ref/* repoName */.Qq)(repo)}: branches ${candidates.join(' and ')} exist with commits Ripcord did not write.`, [
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
            logger.info(`Created branch ${branch} from ${baseBranch} in ${(0,repo_ref/* repoName */.Qq)(repo)}`);
        }
        catch (err) {
            // Another run created it a moment ago: the same branch is what both want.
            if (!((0,repo_ref/* requestStatus */.G2)(err) === 422 && /already exists/i.test((0,repo_ref/* requestMessage */.Vk)(err)))) {
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
                throw new errors/* ConfigurationError */.j(`${path} on branch ${branch} of ${(0,repo_ref/* repoName */.Qq)(repo)} is not a file.`, [`Move it away, then re-run the workflow.`]);
            }
            return { sha: data.sha, text: decodeBase64(data.content) };
        }
        catch (err) {
            if ((0,repo_ref/* requestStatus */.G2)(err) === 404)
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
            if ((0,repo_ref/* requestStatus */.G2)(err) === 409 && attempt < 2 && !PROTECTED.test((0,repo_ref/* requestMessage */.Vk)(err)))
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
        if ((0,repo_ref/* requestStatus */.G2)(err) === 422 &&
            /already exists/i.test((0,repo_ref/* requestMessage */.Vk)(err) + JSON.stringify(errorsOf(err)))) {
            const raced = await findOpen();
            if (raced)
                return { result: 'unchanged', branch, baseBranch, path, commitSha, pullRequest: raced };
        }
        // The report is already on the base branch (an earlier pull request was merged): nothing to propose.
        if ((0,repo_ref/* requestStatus */.G2)(err) === 422 && /no commits between/i.test(JSON.stringify(errorsOf(err)))) {
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
function iso(now) {
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
        generatedAt: iso(opts.now),
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
    if (text.length > github_incident/* ISSUE_BODY_MAX_LENGTH */.he) {
        const note = "\n\n_(cut to fit GitHub's comment limit; re-run once the pull request can be opened for the full report)_\n";
        text = text.slice(0, github_incident/* ISSUE_BODY_MAX_LENGTH */.he - note.length) + note;
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
    opts.logger.info(`Attached the incident report to ${(0,repo_ref/* repoName */.Qq)(repo)}#${incident.number}: ${data.html_url}`);
    return { url: data.html_url, result: 'created' };
}

;// CONCATENATED MODULE: ./src/report/close-incident.ts
/**
 * Closing an incident by hand (`ripcord close`): record who closed it and why, close the issue,
 * and propose the incident report as a pull request, as a recovery does at its end.
 */






async function closeIncident(opts) {
    const store = (0,github_incident/* createIncidentStore */.sP)(opts.octokit, opts.repo, opts.logger, {
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
            record = await store.save(record, (0,incident_state/* withStatus */.zC)(record.state, 'closed', at));
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
