export const id = 577;
export const ids = [577];
export const modules = {

/***/ 8031:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G2: () => (/* binding */ requestStatus)
/* harmony export */ });
/* unused harmony exports repoName, requestMessage */
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


/***/ }),

/***/ 2577:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  pauseNotice: () => (/* binding */ pauseNotice),
  readPause: () => (/* binding */ readPause)
});

// UNUSED EXPORTS: MAX_PAUSE_MS, PAUSE_LABEL_PREFIX, pauseExpiry, pauseLabel

// EXTERNAL MODULE: ./src/core/duration.ts
var duration = __webpack_require__(8571);
// EXTERNAL MODULE: ./src/github/repo-ref.ts
var repo_ref = __webpack_require__(8031);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
;// CONCATENATED MODULE: ./src/github/team-membership.ts
/**
 * Which of the policy's organisation teams (rollback.authority.teams) an actor belongs to, so a
 * team member may pull the cord without the repository permission. Asks one team at a time and
 * stops at the first where the actor is an active member: authority needs only one.
 */


function messageOf(thrown) {
    return thrown instanceof Error ? thrown.message : String(thrown);
}
/**
 * The slugs (of `slugs`, as written there) of the teams of `org` that `username` is an active
 * member of: at most one, the first that matches. A pending invitation is not membership.
 *
 * A 404 means "not a member", "no such team", or, for a token without `read:org` (the
 * default GITHUB_TOKEN has none), "you may not look": GitHub answers 404, not 403, to hide
 * what exists (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource,
 * https://github.com/srvaroa/labeler/pull/188). So before answering "no team", the first
 * team is probed (GET /orgs/{org}/teams/{slug}); when it is invisible too, the token cannot
 * see the teams and that is a ConfigurationError naming read:org, never a silent refusal.
 * A 403 is the same ConfigurationError.
 */
async function team_membership_teamsOf(octokit, org, username, slugs) {
    for (const slug of slugs) {
        try {
            const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
                org,
                team_slug: slug,
                username,
            });
            if (data.state === 'active')
                return [slug];
        }
        catch (thrown) {
            const status = requestStatus(thrown);
            if (status === 404)
                continue;
            if (status === 403 && !/rate limit/i.test(messageOf(thrown))) {
                throw new ConfigurationError(`cannot check whether ${username} is a member of team @${org}/${slug} (HTTP 403): ` +
                    'the token needs `read:org` to check team membership (the default GITHUB_TOKEN cannot read organisation teams). ' +
                    'Pass a GitHub App token or a personal access token with read:org as the `token` input, ' +
                    'or list people under rollback.authority.users instead of rollback.authority.teams');
            }
            throw thrown;
        }
    }
    const [probe] = slugs;
    if (probe !== undefined) {
        try {
            await octokit.rest.teams.getByName({ org, team_slug: probe });
        }
        catch (thrown) {
            const status = requestStatus(thrown);
            if (status === 404 || status === 403) {
                throw new ConfigurationError(`cannot check whether ${username} is a member of team @${org}/${probe}: GitHub answers ${status} for the team itself, so either it does not exist or ` +
                    'the token cannot read organisation teams (it needs `read:org`; the default GITHUB_TOKEN has no such permission, and GitHub answers 404 rather than 403 to it). ' +
                    'Pass a GitHub App token or a personal access token with read:org as the `token` input, fix the team slug under rollback.authority.teams, ' +
                    'or list people under rollback.authority.users instead');
            }
            throw thrown;
        }
    }
    return [];
}

;// CONCATENATED MODULE: ./src/rollback/authority.ts
/**
 * Who may pull the cord by hand: the actor needs the repository permission the policy asks for
 * (from the collaborator permission API), or is listed by name, or belongs to an allowed team.
 *
 * The API answers two fields: `role_name` (admin, maintain, write, triage, read, or an
 * organisation's custom role such as "deployer") and `permission` (the legacy admin, write,
 * read, none that a custom role is based on). The higher of the two counts, so a custom role
 * based on write is not refused
 * (https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user,
 * https://github.com/github/rest-api-description/issues/564).
 *
 * On a re-run GITHUB_ACTOR stays the person who started the first run; the one who pressed
 * "Re-run" is GITHUB_TRIGGERING_ACTOR
 * (https://github.blog/changelog/2022-07-19-differentiating-triggering-actor-from-executing-actor/),
 * and that person is the one deciding now, so they are checked.
 */



const RANK = {
    none: 0,
    read: 1,
    triage: 2,
    write: 3,
    maintain: 4,
    admin: 5,
};
/** Whether a repository role is at least the required one (custom role names rank lowest). */
function roleAtLeast(role, required) {
    return (RANK[role] ?? 0) >= (RANK[required] ?? 5);
}
/**
 * The role that counts of `role_name` and `permission`: the higher-ranked, so a custom role
 * ("deployer", based on write) counts as its base permission. Shown as "deployer (write)".
 */
function effectiveRole(roleName, permission) {
    const named = roleName ?? '';
    if (named === '' || named === permission)
        return permission;
    if (!(named in RANK))
        return (RANK[permission] ?? 0) > 0 ? permission : named;
    return (RANK[named] ?? 0) >= (RANK[permission] ?? 0) ? named : permission;
}
/** The person deciding this run: the one who pressed "Re-run" on a re-run, else the actor. */
function decidingActor(env) {
    return env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || 'unknown';
}
/**
 * Reads what `actor` may do: the collaborator permission (one call) and, only when that and
 * the users list are not enough, team membership. A 403 from the permission API means the
 * token may not read collaborators: a ConfigurationError that refuses the rollback (fail
 * closed), not an internal error.
 */
async function readActorAccess(octokit, repo, actor, authority) {
    let data;
    try {
        ({ data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
            ...repo,
            username: actor,
        }));
    }
    catch (thrown) {
        const status = requestStatus(thrown);
        if (status === 403 || status === 401) {
            throw new ConfigurationError(`cannot check whether ${actor} may roll back: GitHub answered ${status} (${requestMessage(thrown)}) to the collaborator permission API, so the rollback is refused. ` +
                'Give the token read access to the repository metadata (a GITHUB_TOKEN has it unless `permissions:` removed it; add `metadata: read`), or pass a token that may read collaborators');
        }
        if (status === 404) {
            // Not a collaborator (or not a user): no permission at all.
            data = { permission: 'none', role_name: 'none' };
        }
        else
            throw thrown;
    }
    const role = effectiveRole(data.role_name, data.permission);
    const shown = data.role_name && data.role_name !== role ? `${data.role_name} (${role})` : role;
    const enough = authority.users.includes(actor) || roleAtLeast(role, authority.permission);
    return {
        role: shown,
        rank: role,
        teams: enough ? [] : await teamsOf(octokit, repo.owner, actor, authority.teams),
    };
}
/** Throws before anything is touched when the actor may not roll back, saying who may. */
function assertMayRollBack(actor, access, authority) {
    if (authority.users.includes(actor))
        return;
    if (roleAtLeast(access.rank ?? access.role, authority.permission))
        return;
    if (access.teams.some((t) => authority.teams.includes(t)))
        return;
    const who = [
        `people with the ${authority.permission} permission (or higher) on the repository`,
        ...(authority.teams.length > 0
            ? [`members of ${authority.teams.map((t) => `@${t}`).join(', ')}`]
            : []),
        ...(authority.users.length > 0 ? [authority.users.join(', ')] : []),
    ].join('; ');
    throw new ConfigurationError(`${actor} may not roll back (their permission is ${access.role}); who may: ${who}. Ask one of them to run the workflow, or change rollback.authority in the policy`);
}

;// CONCATENATED MODULE: ./src/rollback/pause.ts
/**
 * The pause switch: an open issue labelled `ripcord:pause:<environment>` stops automatic
 * rollbacks of that environment until the time its body states (`Pause until: 2026-12-01T06:00Z`
 * or `Pause for: 4h` counted from when the issue was opened), for planned maintenance. A
 * rollback run by hand (workflow_dispatch, or no decision) is never paused: a person chose it.
 *
 * Untrusted input: anyone may open an issue, and an issue form can apply labels on its own
 * (https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms#top-level-syntax,
 * `labels:`), so the label alone proves nothing. Only an issue whose author has the maintain or
 * admin role pauses; any other is listed as ignored, with why, so a pause that does not hold is
 * never silent. The pause must expire: without a readable time, or beyond a week, it is ignored.
 */



const PAUSE_LABEL_PREFIX = 'ripcord:pause:';
/** The longest pause honoured: a forgotten label must not switch Ripcord off for good. */
const MAX_PAUSE_MS = 7 * 24 * 3_600_000;
const REQUIRED_ROLE = 'maintain';
function pauseLabel(environment) {
    return `${PAUSE_LABEL_PREFIX}${environment}`;
}
/** The expiry an issue states, or why it states none. Pure. */
function pauseExpiry(body, openedAt, now) {
    const until = /^\s*pause until:\s*(\S+)/im.exec(body)?.[1];
    const forText = /^\s*pause for:\s*(\S+)/im.exec(body)?.[1];
    let end;
    if (until !== undefined) {
        end = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(until) ? until : `${until}Z`);
        if (Number.isNaN(end))
            return { why: `"Pause until: ${until}" is not a time; write 2026-12-01T06:00Z` };
    }
    else if (forText !== undefined) {
        const ms = (0,duration/* parseDuration */.E9)(forText);
        if (ms === undefined)
            return { why: `"Pause for: ${forText}" is not a duration; write 4h` };
        end = openedAt + ms;
    }
    else {
        return {
            why: 'states no expiry; add a line "Pause until: 2026-12-01T06:00Z" or "Pause for: 4h" to the issue body',
        };
    }
    if (end - Math.min(openedAt, now) > MAX_PAUSE_MS)
        return {
            why: `asks for a pause longer than ${(0,duration/* formatDuration */.a3)(MAX_PAUSE_MS)}; pauses are for planned maintenance, open a new issue when it is over`,
        };
    if (end <= now)
        return { why: `expired at ${new Date(end).toISOString()}` };
    return { until: end };
}
/** Reads the pause of an environment: open labelled issues, their expiry and their author's role. */
async function readPause(octokit, repo, environment, now) {
    const { data } = await octokit.rest.issues.listForRepo({
        ...repo,
        labels: pauseLabel(environment),
        state: 'open',
        sort: 'created',
        direction: 'desc',
        per_page: 20,
    });
    const state = { active: null, ignored: [] };
    for (const issue of data) {
        if (issue.pull_request)
            continue;
        const ref = { number: issue.number, url: issue.html_url };
        const author = issue.user?.login ?? '';
        const expiry = pauseExpiry(issue.body ?? '', Date.parse(issue.created_at), now);
        if ('why' in expiry) {
            state.ignored.push({ issue: ref, why: `#${issue.number} ${expiry.why}` });
            continue;
        }
        const role = await roleOf(octokit, repo, author);
        if (!roleAtLeast(role, REQUIRED_ROLE)) {
            state.ignored.push({
                issue: ref,
                why: `#${issue.number} was opened by ${author || 'an unknown user'} (${role}); only people with the ${REQUIRED_ROLE} or admin role may pause rollbacks`,
            });
            continue;
        }
        const pause = {
            issue: ref,
            by: author,
            until: new Date(expiry.until).toISOString(),
            reason: issue.title,
        };
        // The pause that lasts longest wins: two maintenance windows do not cut each other short.
        if (!state.active || pause.until > state.active.until)
            state.active = pause;
    }
    return state;
}
async function roleOf(octokit, repo, username) {
    if (!username)
        return 'none';
    try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
            ...repo,
            username,
        });
        return effectiveRole(data.role_name, data.permission);
    }
    catch (thrown) {
        // Not a collaborator: no role. Anything else (a 403 for a token without metadata read)
        // must not make an outsider's label count, so it counts as no role too.
        if ((0,repo_ref/* requestStatus */.G2)(thrown) !== undefined)
            return 'none';
        throw thrown;
    }
}
/** One line for every summary while a pause is on (or a label is ignored). */
function pauseNotice(state) {
    const lines = [];
    if (state.active) {
        const p = state.active;
        lines.push(`> ⏸️ **Automatic rollbacks are paused** until ${p.until.slice(0, 16).replace('T', ' ')} UTC by ${p.by} ([#${p.issue.number}](${p.issue.url}): ${p.reason}). Close the issue to resume; a rollback run by hand still runs.`);
    }
    for (const i of state.ignored)
        lines.push(`> A pause label was ignored: ${i.why} ([#${i.issue.number}](${i.issue.url})).`);
    return lines.length > 0 ? lines.join('\n>\n') : null;
}


/***/ })

};
