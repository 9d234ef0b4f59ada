export const id = 821;
export const ids = [821];
export const modules = {

/***/ 4821:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   checkEnvironments: () => (/* binding */ checkEnvironments),
/* harmony export */   expectedEnvironments: () => (/* binding */ expectedEnvironments)
/* harmony export */ });
/** Environments the workflows expect for the policy's environments. */
function expectedEnvironments(policyEnvironments) {
    const list = [];
    for (const env of policyEnvironments) {
        list.push({
            name: env,
            usedBy: 'your deploy job (records the deployments)',
            reviewers: 'either',
        });
        list.push({
            name: `${env}-rollback`,
            usedBy: 'the manual "Roll back" workflow: who may approve a rollback by hand',
            reviewers: 'required',
        });
    }
    list.push({
        name: 'rollback-approval',
        usedBy: 'the post-deploy guard, for decisions whose approval is not none',
        reviewers: 'required',
    }, {
        name: 'rollback-auto',
        usedBy: 'the post-deploy guard, for decisions with approval: none',
        reviewers: 'none',
    });
    return list;
}
/** GET /repos/{owner}/{repo}/environments/{name} for each, and what is wrong with each. */
async function checkEnvironments(octokit, repo, expected) {
    const findings = [];
    for (const env of expected) {
        let rules;
        try {
            const { data } = await octokit.rest.repos.getEnvironment({
                ...repo,
                environment_name: env.name,
            });
            rules = (data.protection_rules ?? []);
        }
        catch (thrown) {
            const status = thrown.status;
            if (status !== 404)
                throw thrown;
            findings.push({
                name: env.name,
                ok: env.reviewers === 'none',
                message: env.reviewers === 'none'
                    ? `${env.name}: missing; GitHub creates it without reviewers on first use, which is what ${env.usedBy} needs`
                    : `${env.name}: missing; GitHub would create it on first use WITHOUT reviewers. Create it under Settings -> Environments${env.reviewers === 'required' ? ' and add Required reviewers' : ''} (used by ${env.usedBy})`,
            });
            continue;
        }
        const reviewers = rules.find((r) => r.type === 'required_reviewers');
        const count = Array.isArray(reviewers?.reviewers) ? reviewers.reviewers.length : 0;
        if (env.reviewers === 'required' && count === 0) {
            findings.push({
                name: env.name,
                ok: false,
                message: `${env.name}: has no required reviewers, so ${env.usedBy} runs without approval; add Required reviewers under Settings -> Environments -> ${env.name}`,
            });
        }
        else if (env.reviewers === 'none' && count > 0) {
            findings.push({
                name: env.name,
                ok: false,
                message: `${env.name}: has required reviewers, so automatic rollbacks (${env.usedBy}) wait for a person; remove them, or set approval in the policy's decision matrix instead`,
            });
        }
        else {
            findings.push({
                name: env.name,
                ok: true,
                message: `${env.name}: exists${count > 0 ? `, ${count} required reviewer${count === 1 ? '' : 's'}` : ''}`,
            });
        }
    }
    return findings;
}


/***/ })

};
