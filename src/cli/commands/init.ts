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
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { isMap, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import { didYouMean } from '../../shared/did-you-mean.ts';
import { ConfigurationError } from '../../shared/errors.ts';
import { PACKAGE_NAME, POLICY_SCHEMA_MODELINE, REPOSITORY } from '../../shared/published.ts';
import { referencedEnvs } from '../../policy/secrets.ts';
import { expectedEnvironments } from '../../github/environments.ts';

export interface InitIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Answers to the prompts, one a line; without it (or with --yes) nothing is asked. */
  stdin?: NodeJS.ReadableStream | undefined;
}

export const SOURCES = ['prometheus', 'datadog'] as const;
export const NOTIFY_CHANNELS = ['slack', 'teams', 'pagerduty', 'webhook', 'issue'] as const;

/** Rollback strategy -> the example set-up built around it. */
export const STRATEGY_SETUPS = {
  'feature-flag': 'chat-assistant-flag',
  redeploy: 'node-mvp',
  helm: 'helm-kubernetes',
  'blue-green': 'blue-green',
  ladder: 'django-celery-postgres',
} as const;
export type InitStrategy = keyof typeof STRATEGY_SETUPS;

export interface InitAnswers {
  environments: string[];
  source: (typeof SOURCES)[number];
  strategy: InitStrategy;
  notify: (typeof NOTIFY_CHANNELS)[number];
}

export const DEFAULT_ANSWERS: InitAnswers = {
  environments: ['production'],
  source: 'prometheus',
  strategy: 'feature-flag',
  notify: 'slack',
};

const POLICY_PATH = '.github/ripcord.yml';
export const WORKFLOW_PATHS = {
  guard: '.github/workflows/ripcord-guard.yml',
  rollback: '.github/workflows/ripcord-rollback.yml',
  recovery: '.github/workflows/ripcord-recovery.yml',
} as const;

const USAGE = `ripcord init [--environments production,staging] [--source prometheus|datadog]
             [--strategy feature-flag|redeploy|helm|blue-green|ladder]
             [--notify slack|teams|pagerduty|webhook|issue] [--dir .] [--yes]`;

/**
 * examples/ of this file's package, the first found walking up: from src/cli/ and from the
 * bundle dist/ripcord.js alike (they sit at different depths).
 */
function examplesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    // Built from parts so the bundler sees no asset path to copy into dist/.
    const candidate = resolve(dir, ['examples', 'workflows'].join('/'));
    if (existsSync(candidate)) return dirname(candidate);
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');
    dir = parent;
  }
}

export async function init(args: string[], io: InitIO): Promise<number> {
  const { values } = parseArgs({
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
  const dir = resolve(values.dir);
  const files = await planInit(answers, examplesDir());

  const existing: string[] = [];
  for (const file of files) {
    if (await exists(join(dir, file.path))) existing.push(file.path);
  }
  if (existing.length > 0) {
    throw new ConfigurationError(
      `ripcord init writes nothing over existing files; already present in ${dir}:`,
      existing.map((p) => `${p} (move it away, or compare it with what init would write)`),
    );
  }
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    // wx: fail rather than overwrite a file created since the check above.
    await writeFile(target, file.content, { flag: 'wx' });
  }
  const shown = relative(process.cwd(), dir);
  io.stdout(nextSteps(answers, files, shown === '' ? '.' : shown.startsWith('..') ? dir : shown));
  return 0;
}

interface RawAnswers {
  environments?: string | undefined;
  source?: string | undefined;
  strategy?: string | undefined;
  notify?: string | undefined;
}

async function ask(given: RawAnswers, io: InitIO): Promise<RawAnswers> {
  const rl = createInterface({ input: io.stdin as NodeJS.ReadableStream, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const question = async (text: string, fallback: string): Promise<string> => {
    io.stderr(`${text} [${fallback}]:`);
    const next = await lines.next();
    const answer = next.done ? '' : String(next.value).trim();
    return answer === '' ? fallback : answer;
  };
  try {
    return {
      environments:
        given.environments ??
        (await question(
          'GitHub environments to guard, comma-separated (the first is watched after each deploy)',
          DEFAULT_ANSWERS.environments.join(','),
        )),
      source:
        given.source ??
        (await question(`Metric source (${SOURCES.join(', ')})`, DEFAULT_ANSWERS.source)),
      strategy:
        given.strategy ??
        (await question(
          `Rollback strategy (${Object.keys(STRATEGY_SETUPS).join(', ')})`,
          DEFAULT_ANSWERS.strategy,
        )),
      notify:
        given.notify ??
        (await question(
          `Notification channel (${NOTIFY_CHANNELS.join(', ')})`,
          DEFAULT_ANSWERS.notify,
        )),
    };
  } finally {
    rl.close();
  }
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  flag: string,
): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const hint = didYouMean(value, [...allowed]);
  throw new ConfigurationError(
    `${flag}: "${value}" is not one of ${allowed.join(', ')}${hint ? `; did you mean ${hint}?` : ''}\n\n${USAGE}`,
  );
}

export function checkAnswers(raw: RawAnswers): InitAnswers {
  const environments = (raw.environments ?? DEFAULT_ANSWERS.environments.join(','))
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (environments.length === 0)
    throw new ConfigurationError('--environments: name at least one, such as production');
  for (const env of environments) {
    // Environment names end up in workflow expressions and in GitHub Environment names.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(env))
      throw new ConfigurationError(
        `--environments: "${env}" is not a usable environment name; use letters, digits, ".", "_" and "-", such as production`,
      );
  }
  if (new Set(environments).size !== environments.length)
    throw new ConfigurationError(`--environments: "${environments.join(',')}" names one twice`);
  return {
    environments,
    source: oneOf(raw.source, SOURCES, DEFAULT_ANSWERS.source, '--source'),
    strategy: oneOf(
      raw.strategy,
      Object.keys(STRATEGY_SETUPS) as InitStrategy[],
      DEFAULT_ANSWERS.strategy,
      '--strategy',
    ),
    notify: oneOf(raw.notify, NOTIFY_CHANNELS, DEFAULT_ANSWERS.notify, '--notify'),
  };
}

export interface PlannedFile {
  path: string;
  content: string;
}

/** What init writes for these answers: the policy and the three workflows. Reads only examples/. */
export async function planInit(answers: InitAnswers, examples: string): Promise<PlannedFile[]> {
  const setup = STRATEGY_SETUPS[answers.strategy];
  const policyText = await readFile(join(examples, setup, 'policy.yml'), 'utf8');
  const policy = adaptPolicy(policyText, answers, setup);
  const secrets = secretsOf(policy.toJS());
  const [first] = answers.environments;
  const workflow = async (name: string) =>
    readFile(join(examples, 'workflows', name), 'utf8').then((text) =>
      adaptWorkflow(text, {
        // The manual button serves every environment; the guard and the schedule the first.
        guarded: name === 'manual-rollback.yml' ? 'production' : (first ?? 'production'),
        environments: answers.environments,
        secrets,
      }),
    );
  return [
    { path: POLICY_PATH, content: withProvenance(policy.toString({ lineWidth: 0 }), answers) },
    { path: WORKFLOW_PATHS.guard, content: await workflow('post-deploy-guard.yml') },
    { path: WORKFLOW_PATHS.rollback, content: await workflow('manual-rollback.yml') },
    { path: WORKFLOW_PATHS.recovery, content: await workflow('staged-recovery.yml') },
  ];
}

const CHANNELS: Record<InitAnswers['notify'], Record<string, string>> = {
  slack: { type: 'slack', url: '${SLACK_WEBHOOK_URL}' },
  teams: { type: 'teams', url: '${TEAMS_WEBHOOK_URL}' },
  pagerduty: { type: 'pagerduty', routing_key: '${PD_ROUTING_KEY}' },
  webhook: { type: 'webhook', url: '${WEBHOOK_URL}', secret: '${WEBHOOK_SECRET}' },
  issue: { type: 'issue' },
};

function adaptPolicy(text: string, answers: InitAnswers, setup: string): Document {
  const doc = parseDocument(text);
  // Environments: the set-up's production, once per name, its own name inside it too.
  const environments = doc.get('environments');
  if (!isMap(environments)) throw new Error(`examples/${setup}/policy.yml has no environments`);
  const template = environments.get('production', true);
  if (!isMap(template)) throw new Error(`examples/${setup}/policy.yml has no production`);
  environments.items = answers.environments.map((name) => {
    const copy = template.clone() as typeof template;
    visit(copy, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && name !== 'production')
          node.value = node.value.replace(/\bproduction\b/g, name);
      },
    });
    return doc.createPair(name, copy);
  });

  if (answers.source === 'datadog') {
    const sources = doc.get('sources');
    if (isMap(sources)) {
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
    visit(doc, {
      Pair(_key, pair) {
        if (
          isScalar(pair.key) &&
          pair.key.value === 'source' &&
          isScalar(pair.value) &&
          pair.value.value === 'prometheus'
        )
          pair.value.value = 'datadog';
      },
    });
  }

  const channel = doc.createNode({
    channels:
      answers.notify === 'issue'
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
export function secretsOf(policy: unknown): string[] {
  const names = new Set(referencedEnvs(policy));
  const walk = (node: unknown, key: string): void => {
    if (typeof node === 'string' && key === 'command') {
      for (const m of node.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g))
        if (m[1] && !m[1].startsWith('RIPCORD_') && !m[1].startsWith('GITHUB_')) names.add(m[1]);
    } else if (Array.isArray(node)) node.forEach((item) => walk(item, key));
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(policy, '');
  return [...names];
}

/** The schema modeline stays the first line (editors read it there); what init did follows it. */
function withProvenance(policy: string, answers: InitAnswers): string {
  const setup = STRATEGY_SETUPS[answers.strategy];
  const lines = policy.split('\n');
  const rest = lines[0]?.startsWith('# yaml-language-server:') ? lines.slice(1) : lines;
  return [
    POLICY_SCHEMA_MODELINE,
    '#',
    `# Written by \`${PACKAGE_NAME} init\` from the example set-up examples/${setup} of ${REPOSITORY}`,
    `# (strategy ${answers.strategy}, source ${answers.source}, notify ${answers.notify}). Adapt the`,
    '# queries, thresholds and commands to your service, then run validate.',
    ...rest,
  ].join('\n');
}

function adaptWorkflow(
  text: string,
  {
    guarded,
    environments,
    secrets,
  }: { guarded: string; environments: string[]; secrets: string[] },
): string {
  const doc = parseDocument(text);
  const jobs = doc.get('jobs');
  if (!isMap(jobs)) throw new Error('example workflow without jobs');
  visit(doc, {
    Map(_key, node) {
      const uses = node.get('uses');
      if (typeof uses === 'string' && uses.startsWith(`${REPOSITORY}/`)) {
        // Every Ripcord step sees every secret the policy names: each reads only its own part.
        node.set(
          'env',
          doc.createNode(Object.fromEntries(secrets.map((s) => [s, `\${{ secrets.${s} }}`]))),
        );
        if (secrets.length === 0) node.delete('env');
      }
      // The manual button offers exactly the policy's environments.
      const options = node.get('options', true);
      if (node.get('type') === 'choice' && isSeq(options) && node.has('default')) {
        const values = options.items.map((i) => (isScalar(i) ? i.value : undefined));
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

function nextSteps(answers: InitAnswers, files: PlannedFile[], where: string): string {
  const policy = files[0];
  const secrets = policy ? secretsOf(parseDocument(policy.content).toJS()) : [];
  const envs = expectedEnvironments(answers.environments);
  const lines = [
    `Wrote ${files.map((f) => f.path).join(', ')} in ${where}, from examples/${STRATEGY_SETUPS[answers.strategy]}.`,
    '',
    'Next:',
    '1. In GitHub, Settings -> Environments, create these environments (GitHub would create a missing one on first use WITHOUT reviewers):',
    ...envs.map(
      (e) =>
        `     ${e.name.padEnd(24)} ${e.reviewers === 'required' ? 'add Required reviewers' : e.reviewers === 'none' ? 'no reviewers' : 'reviewers optional'} (${e.usedBy})`,
    ),
    `   and under Settings -> Secrets and variables -> Actions these secrets: ${secrets.join(', ') || '(none)'}`,
    `2. Adapt the queries and commands in ${POLICY_PATH}, then check it, and the environments above:`,
    `     npx ${PACKAGE_NAME} validate`,
    `     GITHUB_TOKEN=... npx ${PACKAGE_NAME} validate --github --repo owner/name`,
    `3. Commit and push: git add .github && git commit -m "Ripcord: rollback policy and workflows" && git push`,
  ];
  if (answers.strategy === 'helm' || answers.strategy === 'blue-green')
    lines.push(
      '',
      `Note: the rollback commands run ${answers.strategy === 'helm' ? 'helm and kubectl' : 'kubectl'}: give the rollback jobs cluster access, as the KUBECONFIG_DATA step of examples/${STRATEGY_SETUPS[answers.strategy]}/workflow.yml does.`,
    );
  if (answers.source === 'datadog')
    lines.push('', `Note: the queries in ${POLICY_PATH} are PromQL: rewrite them for Datadog.`);
  if (answers.environments.length > 1)
    lines.push(
      '',
      `Note: the guard and the recovery schedule watch ${answers.environments[0]}; copy them for ${answers.environments.slice(1).join(', ')}.`,
    );
  return lines.join('\n');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
