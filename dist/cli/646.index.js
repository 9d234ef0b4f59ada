export const id = 646;
export const ids = [646,821];
export const modules = {

/***/ 7646:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   init: () => (/* binding */ init)
/* harmony export */ });
/* unused harmony exports SOURCES, NOTIFY_CHANNELS, STRATEGY_SETUPS, DEFAULT_ANSWERS, WORKFLOW_PATHS, checkAnswers, planInit, secretsOf */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3136);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_url__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_readline_promises__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6848);
/* harmony import */ var node_readline_promises__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_readline_promises__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_util__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(8815);
/* harmony import */ var _core_did_you_mean_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(7568);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4296);
/* harmony import */ var _core_published_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(7685);
/* harmony import */ var _core_secrets_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8198);
/* harmony import */ var _github_environments_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(4821);
/**
 * `ripcord init`: a first policy and the three workflows in a repository, from the example
 * set-up closest to four answers (environments, metric source, rollback strategy, notification
 * channel), so a new user starts from a replayed, tested runbook rather than a blank file.
 *
 * The policy is the set-up's examples/<set-up>/policy.yml edited as a YAML document (its
 * comments, which explain each rule, are kept); the workflows are examples/workflows/ with the
 * environment names and the secrets the policy references filled in. Nothing is overwritten:
 * when any target exists, nothing is written. The answers come from flags, from prompts
 * (node:readline/promises), or with --yes from the flags and defaults alone.
 */











const SOURCES = ['prometheus', 'datadog'];
const NOTIFY_CHANNELS = ['slack', 'teams', 'pagerduty', 'webhook', 'issue'];
/** Rollback strategy -> the example set-up built around it. */
const STRATEGY_SETUPS = {
    'feature-flag': 'chat-assistant-flag',
    redeploy: 'node-mvp',
    helm: 'helm-kubernetes',
    'blue-green': 'blue-green',
    ladder: 'django-celery-postgres',
};
const DEFAULT_ANSWERS = {
    environments: ['production'],
    source: 'prometheus',
    strategy: 'feature-flag',
    notify: 'slack',
};
const POLICY_PATH = '.github/ripcord.yml';
const WORKFLOW_PATHS = {
    guard: '.github/workflows/ripcord-guard.yml',
    rollback: '.github/workflows/ripcord-rollback.yml',
    recovery: '.github/workflows/ripcord-recovery.yml',
};
const USAGE = `ripcord init [--environments production,staging] [--source prometheus|datadog]
             [--strategy feature-flag|redeploy|helm|blue-green|ladder]
             [--notify slack|teams|pagerduty|webhook|issue] [--dir .] [--yes]`;
/** examples/ next to this file's package: src/cli/../../examples and dist/cli/../../examples alike. */
function examplesDir() {
    const here = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)((0,node_url__WEBPACK_IMPORTED_MODULE_2__.fileURLToPath)(import.meta.url));
    // Built from parts so the bundler sees no asset path to copy into dist/.
    return (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(here, ['..', '..', 'examples'].join('/'));
}
async function init(args, io) {
    const { values } = (0,node_util__WEBPACK_IMPORTED_MODULE_4__.parseArgs)({
        args,
        options: {
            environments: { type: 'string' },
            source: { type: 'string' },
            strategy: { type: 'string' },
            notify: { type: 'string' },
            dir: { type: 'string', default: '.' },
            yes: { type: 'boolean', short: 'y', default: false },
        },
        strict: true,
    });
    const given = {
        environments: values.environments,
        source: values.source,
        strategy: values.strategy,
        notify: values.notify,
    };
    const raw = values.yes || !io.stdin ? given : await ask(given, io);
    const answers = checkAnswers(raw);
    const dir = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(values.dir);
    const files = await planInit(answers, examplesDir());
    const existing = [];
    for (const file of files) {
        if (await exists((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, file.path)))
            existing.push(file.path);
    }
    if (existing.length > 0) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ConfigurationError */ .j(`ripcord init writes nothing over existing files; already present in ${dir}:`, existing.map((p) => `${p} (move it away, or compare it with what init would write)`));
    }
    for (const file of files) {
        const target = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, file.path);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)(target), { recursive: true });
        // wx: fail rather than overwrite a file created since the check above.
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(target, file.content, { flag: 'wx' });
    }
    const shown = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.relative)(process.cwd(), dir);
    io.stdout(nextSteps(answers, files, shown === '' ? '.' : shown.startsWith('..') ? dir : shown));
    return 0;
}
async function ask(given, io) {
    const rl = (0,node_readline_promises__WEBPACK_IMPORTED_MODULE_3__.createInterface)({ input: io.stdin, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    const question = async (text, fallback) => {
        io.stderr(`${text} [${fallback}]:`);
        const next = await lines.next();
        const answer = next.done ? '' : String(next.value).trim();
        return answer === '' ? fallback : answer;
    };
    try {
        return {
            environments: given.environments ??
                (await question('GitHub environments to guard, comma-separated (the first is watched after each deploy)', DEFAULT_ANSWERS.environments.join(','))),
            source: given.source ??
                (await question(`Metric source (${SOURCES.join(', ')})`, DEFAULT_ANSWERS.source)),
            strategy: given.strategy ??
                (await question(`Rollback strategy (${Object.keys(STRATEGY_SETUPS).join(', ')})`, DEFAULT_ANSWERS.strategy)),
            notify: given.notify ??
                (await question(`Notification channel (${NOTIFY_CHANNELS.join(', ')})`, DEFAULT_ANSWERS.notify)),
        };
    }
    finally {
        rl.close();
    }
}
function oneOf(value, allowed, fallback, flag) {
    if (value === undefined || value === '')
        return fallback;
    if (allowed.includes(value))
        return value;
    const hint = (0,_core_did_you_mean_js__WEBPACK_IMPORTED_MODULE_8__/* .didYouMean */ .a)(value, [...allowed]);
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ConfigurationError */ .j(`${flag}: "${value}" is not one of ${allowed.join(', ')}${hint ? `; did you mean ${hint}?` : ''}\n\n${USAGE}`);
}
function checkAnswers(raw) {
    const environments = (raw.environments ?? DEFAULT_ANSWERS.environments.join(','))
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
    if (environments.length === 0)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ConfigurationError */ .j('--environments: name at least one, such as production');
    for (const env of environments) {
        // Environment names end up in workflow expressions and in GitHub Environment names.
        if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(env))
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ConfigurationError */ .j(`--environments: "${env}" is not a usable environment name; use letters, digits, ".", "_" and "-", such as production`);
    }
    if (new Set(environments).size !== environments.length)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ConfigurationError */ .j(`--environments: "${environments.join(',')}" names one twice`);
    return {
        environments,
        source: oneOf(raw.source, SOURCES, DEFAULT_ANSWERS.source, '--source'),
        strategy: oneOf(raw.strategy, Object.keys(STRATEGY_SETUPS), DEFAULT_ANSWERS.strategy, '--strategy'),
        notify: oneOf(raw.notify, NOTIFY_CHANNELS, DEFAULT_ANSWERS.notify, '--notify'),
    };
}
/** What init writes for these answers: the policy and the three workflows. Reads only examples/. */
async function planInit(answers, examples) {
    const setup = STRATEGY_SETUPS[answers.strategy];
    const policyText = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(examples, setup, 'policy.yml'), 'utf8');
    const policy = adaptPolicy(policyText, answers, setup);
    const secrets = secretsOf(policy.toJS());
    const [first] = answers.environments;
    const workflow = async (name) => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(examples, 'workflows', name), 'utf8').then((text) => adaptWorkflow(text, {
        // The manual button serves every environment; the guard and the schedule the first.
        guarded: name === 'manual-rollback.yml' ? 'production' : (first ?? 'production'),
        environments: answers.environments,
        secrets,
    }));
    return [
        { path: POLICY_PATH, content: withProvenance(policy.toString({ lineWidth: 0 }), answers) },
        { path: WORKFLOW_PATHS.guard, content: await workflow('post-deploy-guard.yml') },
        { path: WORKFLOW_PATHS.rollback, content: await workflow('manual-rollback.yml') },
        { path: WORKFLOW_PATHS.recovery, content: await workflow('staged-recovery.yml') },
    ];
}
const CHANNELS = {
    slack: { type: 'slack', url: '${SLACK_WEBHOOK_URL}' },
    teams: { type: 'teams', url: '${TEAMS_WEBHOOK_URL}' },
    pagerduty: { type: 'pagerduty', routing_key: '${PD_ROUTING_KEY}' },
    webhook: { type: 'webhook', url: '${WEBHOOK_URL}', secret: '${WEBHOOK_SECRET}' },
    issue: { type: 'issue' },
};
function adaptPolicy(text, answers, setup) {
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .parseDocument */ .Tp)(text);
    // Environments: the set-up's production, once per name, its own name inside it too.
    const environments = doc.get('environments');
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isMap */ .jh)(environments))
        throw new Error(`examples/${setup}/policy.yml has no environments`);
    const template = environments.get('production', true);
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isMap */ .jh)(template))
        throw new Error(`examples/${setup}/policy.yml has no production`);
    environments.items = answers.environments.map((name) => {
        const copy = template.clone();
        (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .visit */ .YR)(copy, {
            Scalar(_key, node) {
                if (typeof node.value === 'string' && name !== 'production')
                    node.value = node.value.replace(/\bproduction\b/g, name);
            },
        });
        return doc.createPair(name, copy);
    });
    if (answers.source === 'datadog') {
        const sources = doc.get('sources');
        if ((0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isMap */ .jh)(sources)) {
            sources.delete('prometheus');
            const datadog = doc.createNode({
                type: 'datadog',
                site: 'datadoghq.com',
                api_key: '${DD_API_KEY}',
                app_key: '${DD_APP_KEY}',
                timeout: '10s',
                retries: 2,
                missing_data: 'inconclusive',
            });
            datadog.commentBefore =
                ' The set-up was written for Prometheus: every `query:` below is PromQL. Rewrite each in\n Datadog metric query syntax, such as avg:trace.http.request.errors{service:web}.as_rate()';
            sources.items.unshift(doc.createPair('datadog', datadog));
        }
        (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .visit */ .YR)(doc, {
            Pair(_key, pair) {
                if ((0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isScalar */ .jn)(pair.key) &&
                    pair.key.value === 'source' &&
                    (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isScalar */ .jn)(pair.value) &&
                    pair.value.value === 'prometheus')
                    pair.value.value = 'datadog';
            },
        });
    }
    const channel = doc.createNode({
        channels: answers.notify === 'issue'
            ? { incident: CHANNELS.issue }
            : { [answers.notify]: CHANNELS[answers.notify], incident: CHANNELS.issue },
        routes: [
            {
                events: '*',
                channels: answers.notify === 'issue' ? ['incident'] : [answers.notify, 'incident'],
            },
        ],
    });
    channel.commentBefore =
        ' Every event to your channel and to the incident issue; see docs/policy-reference.md for routes by event and severity.';
    doc.set('notify', channel);
    return doc;
}
/**
 * The secrets the policy needs from the workflow: its `${NAME}` references, and the variables
 * its shell commands read (`$MONGODB_URI`), except the RIPCORD_* ones Ripcord sets itself.
 */
function secretsOf(policy) {
    const names = new Set((0,_core_secrets_js__WEBPACK_IMPORTED_MODULE_7__/* .referencedEnvs */ .KV)(policy));
    const walk = (node, key) => {
        if (typeof node === 'string' && key === 'command') {
            for (const m of node.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g))
                if (m[1] && !m[1].startsWith('RIPCORD_') && !m[1].startsWith('GITHUB_'))
                    names.add(m[1]);
        }
        else if (Array.isArray(node))
            node.forEach((item) => walk(item, key));
        else if (node !== null && typeof node === 'object')
            for (const [k, v] of Object.entries(node))
                walk(v, k);
    };
    walk(policy, '');
    return [...names];
}
/** The schema modeline stays the first line (editors read it there); what init did follows it. */
function withProvenance(policy, answers) {
    const setup = STRATEGY_SETUPS[answers.strategy];
    const lines = policy.split('\n');
    const rest = lines[0]?.startsWith('# yaml-language-server:') ? lines.slice(1) : lines;
    return [
        _core_published_js__WEBPACK_IMPORTED_MODULE_9__/* .POLICY_SCHEMA_MODELINE */ .DV,
        '#',
        `# Written by \`${_core_published_js__WEBPACK_IMPORTED_MODULE_9__/* .PACKAGE_NAME */ .rM} init\` from the example set-up examples/${setup} of ${_core_published_js__WEBPACK_IMPORTED_MODULE_9__/* .REPOSITORY */ .Bw}`,
        `# (strategy ${answers.strategy}, source ${answers.source}, notify ${answers.notify}). Adapt the`,
        '# queries, thresholds and commands to your service, then run validate.',
        ...rest,
    ].join('\n');
}
function adaptWorkflow(text, { guarded, environments, secrets, }) {
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .parseDocument */ .Tp)(text);
    const jobs = doc.get('jobs');
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isMap */ .jh)(jobs))
        throw new Error('example workflow without jobs');
    (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .visit */ .YR)(doc, {
        Map(_key, node) {
            const uses = node.get('uses');
            if (typeof uses === 'string' && uses.startsWith(`${_core_published_js__WEBPACK_IMPORTED_MODULE_9__/* .REPOSITORY */ .Bw}/`)) {
                // Every Ripcord step sees every secret the policy names: each reads only its own part.
                node.set('env', doc.createNode(Object.fromEntries(secrets.map((s) => [s, `\${{ secrets.${s} }}`]))));
                if (secrets.length === 0)
                    node.delete('env');
            }
            // The manual button offers exactly the policy's environments.
            const options = node.get('options', true);
            if (node.get('type') === 'choice' && (0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isSeq */ .oP)(options) && node.has('default')) {
                const values = options.items.map((i) => ((0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .isScalar */ .jn)(i) ? i.value : undefined));
                if (values.includes('production')) {
                    node.set('options', doc.createNode(environments, { flow: true }));
                    node.set('default', environments[0]);
                }
            }
        },
    });
    const out = doc.toString({ lineWidth: 0 });
    // The guard and the recovery schedule watch the first environment; names in comments too.
    return guarded === 'production' ? out : out.replace(/\bproduction\b/g, guarded);
}
function nextSteps(answers, files, where) {
    const policy = files[0];
    const secrets = policy ? secretsOf((0,yaml__WEBPACK_IMPORTED_MODULE_5__/* .parseDocument */ .Tp)(policy.content).toJS()) : [];
    const envs = (0,_github_environments_js__WEBPACK_IMPORTED_MODULE_10__.expectedEnvironments)(answers.environments);
    const lines = [
        `Wrote ${files.map((f) => f.path).join(', ')} in ${where}, from examples/${STRATEGY_SETUPS[answers.strategy]}.`,
        '',
        'Next:',
        '1. In GitHub, Settings -> Environments, create these environments (GitHub would create a missing one on first use WITHOUT reviewers):',
        ...envs.map((e) => `     ${e.name.padEnd(24)} ${e.reviewers === 'required' ? 'add Required reviewers' : e.reviewers === 'none' ? 'no reviewers' : 'reviewers optional'} (${e.usedBy})`),
        `   and under Settings -> Secrets and variables -> Actions these secrets: ${secrets.join(', ') || '(none)'}`,
        `2. Adapt the queries and commands in ${POLICY_PATH}, then check it, and the environments above:`,
        `     npx ${_core_published_js__WEBPACK_IMPORTED_MODULE_9__/* .PACKAGE_NAME */ .rM} validate`,
        `     GITHUB_TOKEN=... npx ${_core_published_js__WEBPACK_IMPORTED_MODULE_9__/* .PACKAGE_NAME */ .rM} validate --github --repo owner/name`,
        `3. Commit and push: git add .github && git commit -m "Ripcord: rollback policy and workflows" && git push`,
    ];
    if (answers.strategy === 'helm' || answers.strategy === 'blue-green')
        lines.push('', `Note: the rollback commands run ${answers.strategy === 'helm' ? 'helm and kubectl' : 'kubectl'}: give the rollback jobs cluster access, as the KUBECONFIG_DATA step of examples/${STRATEGY_SETUPS[answers.strategy]}/workflow.yml does.`);
    if (answers.source === 'datadog')
        lines.push('', `Note: the queries in ${POLICY_PATH} are PromQL: rewrite them for Datadog.`);
    if (answers.environments.length > 1)
        lines.push('', `Note: the guard and the recovery schedule watch ${answers.environments[0]}; copy them for ${answers.environments.slice(1).join(', ')}.`);
    return lines.join('\n');
}
async function exists(path) {
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.access)(path);
        return true;
    }
    catch {
        return false;
    }
}


/***/ }),

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
