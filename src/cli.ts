/**
 * The ripcord CLI: the same use-cases as the actions, from a terminal.
 * Exit status: 0 decided (whatever the decision), 1 invalid input, 2 internal error.
 * Messages go to stderr; with --json the JSON object alone goes to stdout.
 */
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, toError } from './core/errors.ts';
import { neutraliseCommands, type Logger } from './core/logger.ts';
import { recoveryTimeWarnings } from './core/recovery-time.ts';
import { parseTime } from './core/time-input.ts';
import type { Decision } from './core/verdict.ts';
import { evaluableEnvironment, evaluateEnvironment } from './evaluate/evaluate-environment.ts';
import { defaultPolicyPath, readPolicy } from './policy/read-policy.ts';
import { createSources } from './sources/index.ts';
import { runDemo } from './demo/run-demo.ts';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  now: () => number;
  /** Answers to `init`'s prompts; absent, init asks nothing (as with --yes). */
  stdin?: NodeJS.ReadableStream | undefined;
}

const USAGE = `Usage:
  ripcord init [--environments production] [--source S] [--strategy S] [--notify C] [--yes]
  ripcord validate [--policy .github/ripcord.yml] [--github [--repo owner/name]]   (--github: GITHUB_TOKEN)
  ripcord evaluate --environment E [--policy P] [--source-file F] [--at T] [--baseline T] [--json]
  ripcord demo [--scenario examples/demo/scenario.yml]
  ripcord close --incident N --reason R [--repo owner/name] [--bot-login L]   (GITHUB_TOKEN; writes the report PR)

--at and --baseline take ISO 8601 (2026-11-24T10:15:00Z) or unix seconds.
--source-file makes every trigger read that recorded file (OpenMetrics or query_range JSON).`;

export async function main(argv: string[], cliIO: CliIO): Promise<number> {
  // In a workflow the runner reads stderr lines starting with `::` as commands; reasons and
  // problems quote metric labels, HTTP bodies and policy text, so none may start one.
  const io: CliIO = { ...cliIO, stderr: (text) => cliIO.stderr(neutraliseCommands(text)) };
  const logger = stderrLogger(io);
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'init': {
        const { init } = await import('./cli/init.ts');
        return await init(rest, io);
      }
      case 'validate':
        return await validate(rest, io, logger);
      case 'evaluate':
        return await evaluate(rest, io, logger);
      case 'demo':
        return await demo(rest, io, logger);
      case 'close':
        return await close(rest, io, logger);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stderr(USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new ConfigurationError(
          `unknown command "${command}"; run one of init, validate, evaluate, demo, close\n\n${USAGE}`,
        );
    }
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof ConfigurationError || isArgError(error)) {
      io.stderr(`ripcord: ${error.message}`);
      return 1;
    }
    io.stderr(`ripcord: internal error (please report it): ${error.stack ?? error.message}`);
    return 2;
  }
}

async function validate(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policy: { type: 'string' },
      github: { type: 'boolean', default: false },
      repo: { type: 'string' },
      token: { type: 'string' },
    },
    strict: true,
  });
  const path = values.policy ?? defaultPolicyPath;
  // strict: also what only evaluation needs (every environment has triggers).
  const policy = await readPolicy(path, { strict: true });
  const envs = Object.entries(policy.environments);
  io.stderr(
    `${path} is valid: ${Object.keys(policy.sources).length} sources, ${envs.length} environments (${envs
      .map(([name, env]) => `${name}: ${env.triggers.length} triggers`)
      .join('; ')})`,
  );
  for (const w of recoveryTimeWarnings(policy)) io.stderr(`warning: ${w.message}`);
  if (!values.github) return 0;
  const { owner, repo, token } = githubTarget(
    values,
    io,
    'read the environments (any token that can read the repository; a fine-grained one needs Environments: read)',
  );
  const { createGitHubClient } = await import('./github/client.ts');
  const { checkEnvironments, expectedEnvironments } = await import('./github/environments.ts');
  const { octokit } = createGitHubClient({ token, baseUrl: io.env.GITHUB_API_URL, logger });
  const findings = await checkEnvironments(
    octokit,
    { owner, repo },
    expectedEnvironments(envs.map(([name]) => name)),
  );
  for (const f of findings) io.stderr(`${f.ok ? 'ok  ' : 'FAIL'} ${f.message}`);
  const failed = findings.filter((f) => !f.ok);
  if (failed.length > 0) {
    throw new ConfigurationError(
      `${owner}/${repo}: ${failed.length} GitHub Environment${failed.length === 1 ? '' : 's'} not set up as the workflows expect (see above)`,
    );
  }
  io.stderr(`${owner}/${repo}: the GitHub Environments the workflows use exist as expected`);
  return 0;
}

/** --repo / GITHUB_REPOSITORY and --token / GITHUB_TOKEN / GH_TOKEN, or a message saying which is missing. */
function githubTarget(
  values: { repo?: string | undefined; token?: string | undefined },
  io: CliIO,
  purpose: string,
): { owner: string; repo: string; token: string } {
  const repository = values.repo ?? io.env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new ConfigurationError('--repo owner/name is required (or GITHUB_REPOSITORY)');
  const token = values.token ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  if (!token) throw new ConfigurationError(`set GITHUB_TOKEN or pass --token to ${purpose}`);
  return { owner, repo, token };
}

async function evaluate(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policy: { type: 'string' },
      environment: { type: 'string' },
      'source-file': { type: 'string' },
      at: { type: 'string' },
      baseline: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.environment)
    throw new ConfigurationError('--environment is required, such as --environment production');
  const policyPath = values.policy ?? defaultPolicyPath;
  // Check every input before any source is built, so a typo is reported before a missing secret.
  const at = values.at ? parseTime(values.at, '--at') : io.now();
  const deployedAt = values.baseline ? parseTime(values.baseline, '--baseline') : undefined;
  const policy = await readPolicy(policyPath);
  evaluableEnvironment(policy, values.environment);
  const { sources } = createSources(policy, {
    env: io.env,
    policyDir: dirname(resolve(policyPath)),
    logger,
    ...(values['source-file'] ? { fileOverride: resolve(values['source-file']) } : {}),
  });
  const decision = await evaluateEnvironment({
    policy,
    environment: values.environment,
    sources,
    at,
    logger,
    ...(deployedAt === undefined ? {} : { deployedAt }),
  });
  if (values.json) {
    io.stdout(JSON.stringify(toJson(decision), null, 2));
  } else {
    io.stderr(renderText(decision));
  }
  return 0;
}

async function demo(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { scenario: { type: 'string' } }, strict: true });
  await runDemo({ scenarioPath: values.scenario, print: io.stdout, logger });
  return 0;
}

/** Closes an incident by hand and proposes its report; the report PR's URL goes to stdout. */
async function close(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      incident: { type: 'string' },
      reason: { type: 'string' },
      repo: { type: 'string' },
      'bot-login': { type: 'string' },
    },
    strict: true,
  });
  const incident = Number(values.incident);
  if (!Number.isInteger(incident) || incident <= 0) {
    throw new ConfigurationError(
      '--incident is required: the incident issue number, such as --incident 42',
    );
  }
  const repository = values.repo ?? io.env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new ConfigurationError('--repo owner/name is required (or GITHUB_REPOSITORY)');
  const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  if (!token)
    throw new ConfigurationError(
      'set GITHUB_TOKEN (contents, issues and pull-requests write) to close an incident',
    );
  const { createGitHubClient } = await import('./github/client.ts');
  const { closeIncident } = await import('./report/close-incident.ts');
  const { ripcordIdentity } = await import('./github/identity.ts');
  const { octokit } = createGitHubClient({ token, baseUrl: io.env.GITHUB_API_URL, logger });
  const result = await closeIncident({
    octokit,
    repo: { owner, repo },
    incident,
    reason: values.reason ?? '',
    actor: io.env.GITHUB_ACTOR ?? io.env.USER ?? 'someone',
    serverUrl: io.env.GITHUB_SERVER_URL ?? 'https://github.com',
    now: io.now,
    logger,
    identity: ripcordIdentity(values['bot-login'] ?? io.env.RIPCORD_BOT_LOGIN),
  });
  io.stderr(`incident #${incident} closed; report ${result.result}: ${result.path}`);
  io.stdout(result.pullRequest?.url ?? '');
  return 0;
}

/** The stable JSON contract of `ripcord evaluate --json`. */
export function toJson(decision: Decision) {
  return {
    decision: decision.decision,
    environment: decision.environment,
    severity: decision.severity,
    strategy: decision.strategy,
    approval: decision.approval,
    evaluatedAt: decision.evaluatedAt,
    summary: decision.summary,
    triggers: decision.triggers.map((v) => ({
      name: v.name,
      status: v.status,
      severity: v.severity,
      value: v.value,
      threshold: v.threshold,
      since: v.since,
      reason: v.reason,
    })),
  };
}

function renderText(decision: Decision): string {
  const lines = [`${decision.decision.toUpperCase()}: ${decision.summary}`];
  for (const v of decision.triggers) {
    lines.push(
      `  ${v.status.padEnd(12)} ${v.name.padEnd(28)} ${(v.valueText ?? '-').padEnd(10)} ${v.threshold}  ${v.reason}`,
    );
  }
  return lines.join('\n');
}

function stderrLogger(io: CliIO): Logger {
  return {
    debug: (m) => {
      if (io.env.RIPCORD_DEBUG) io.stderr(`debug: ${m}`);
    },
    info: (m) => io.stderr(m),
    warning: (m) => io.stderr(`warning: ${m}`),
    error: (m) => io.stderr(`error: ${m}`),
  };
}

function isArgError(error: Error): boolean {
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
