/**
 * The ripcord CLI: the same use-cases as the actions, from a terminal.
 * Exit status: 0 decided (whatever the decision), 1 invalid input, 2 internal error.
 * Messages go to stderr; with --json the JSON object alone goes to stdout.
 */
import { parseArgs } from 'node:util';
import { ConfigurationError, toError } from '../shared/errors.ts';
import { neutraliseCommands, type Logger } from '../shared/logger.ts';
import { recoveryTimeWarnings } from '../incident/recovery-time.ts';
import { plural } from '../shared/plural.ts';
import { didYouMean } from '../shared/did-you-mean.ts';
import { PACKAGE_NAME, VERSION } from '../shared/published.ts';
import { explainServiceError } from './terminal.ts';
import { defaultPolicyPath, readPolicy } from '../policy/read.ts';
import { runDemo } from './demo/run-demo.ts';
import { githubTarget, type CliIO } from './io.ts';

export type { CliIO } from './io.ts';
export { githubTarget } from './io.ts';

interface Command {
  summary: string;
  usage: string;
  run: (args: string[], io: CliIO, logger: Logger) => Promise<number>;
}

const GITHUB_NOTE =
  'GitHub access: --token or GITHUB_TOKEN (or GH_TOKEN), --repo or GITHUB_REPOSITORY, GITHUB_API_URL for GitHub Enterprise Server.';

/** Every command, in the order `ripcord --help` lists them. */
const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'write a first policy and the three workflows from the closest example set-up',
    usage: `ripcord init [--environments production,staging] [--source prometheus|datadog]
             [--strategy feature-flag|redeploy|helm|blue-green|ladder]
             [--notify slack|teams|pagerduty|webhook|issue] [--dir .] [--yes]`,
    run: async (args, io) => {
      const { init } = await import('./commands/init.ts');
      return init(args, io);
    },
  },
  validate: {
    summary: 'check the policy; with --github, also the GitHub Environments the workflows use',
    usage: `ripcord validate [--policy .github/ripcord.yml] [--github [--repo owner/name] [--token T]]`,
    run: (args, io, logger) => validate(args, io, logger),
  },
  evaluate: {
    summary: 'evaluate the triggers of an environment now, at a past time, or watch them',
    usage: `ripcord evaluate --environment E [--policy P] [--source-file F] [--at T] [--baseline T]
                 [--watch 10m [--interval 30s]] [--json]

  --at           when to evaluate: -30m (relative), 2026-11-24T10:15:00Z, 2026-11-24 10:15
                 (read as UTC), or unix seconds. The time used is printed. Against live
                 sources never in the future; against recordings (--source-file, type: file)
                 within the recording, whose range the error gives.
  --baseline     when the deployment happened (for baseline triggers), same forms as --at.
  --watch        evaluate every --interval (default: the policy's evaluation interval) for this
                 long, a line per poll; stops at the first rollback decision.
  --source-file  make every trigger read this recorded file (OpenMetrics or query_range JSON).`,
    run: async (args, io, logger) => {
      const { evaluate } = await import('./commands/evaluate.ts');
      return evaluate(args, io, logger);
    },
  },
  status: {
    summary: 'open incidents, locks, recovery stage and the last decision, read from GitHub',
    usage: `ripcord status [--environment E] [--policy P] [--repo owner/name] [--token T] [--json]

  ${GITHUB_NOTE}`,
    run: async (args, io, logger) => {
      const { status } = await import('./commands/status.ts');
      return status(args, io, logger);
    },
  },
  unlock: {
    summary: 'remove a stuck environment lock, recording who and why on the incident',
    usage: `ripcord unlock --environment E --reason "..." [--force] [--repo owner/name] [--token T] [--json]

  Refuses while the holder's lease is live unless --force (the holder may still be rolling back).
  ${GITHUB_NOTE}`,
    run: async (args, io, logger) => {
      const { unlock } = await import('./commands/unlock.ts');
      return unlock(args, io, logger);
    },
  },
  pause: {
    summary: 'pause automatic rollbacks of an environment for planned maintenance',
    usage: `ripcord pause --environment E --for 2h --reason "..." [--repo owner/name] [--token T] [--json]
       ripcord pause --environment E --end [--reason "..."] [--repo owner/name] [--token T] [--json]

  Opens an issue labelled ripcord:pause and ripcord:env:E with your token; automatic rollbacks
  of E are skipped until it ends (at most 7d), rollbacks run by hand still run. It holds only if
  you may roll back by hand (rollback.authority). --end resumes now: it comments who ended the
  pause (and --reason) on each open pause issue of E and closes it. \`ripcord status\` lists pauses.
  ${GITHUB_NOTE}`,
    run: async (args, io, logger) => {
      const { pause } = await import('./commands/pause.ts');
      return pause(args, io, logger);
    },
  },
  plan: {
    summary: 'show the rollback ladder that would run now, step by step; nothing is executed',
    usage: `ripcord plan --environment E [--strategy feature-flag|config|redeploy|full] [--policy P]
             [--target REF] [--repo owner/name] [--token T] [--json]

  The target (the known-good version) is --target, or with GitHub access the last known-good
  deployment of the environment. Secrets are shown as ***.`,
    run: async (args, io, logger) => {
      const { plan } = await import('./commands/plan.ts');
      return plan(args, io, logger);
    },
  },
  demo: {
    summary: 'replay the demo incident end to end, offline',
    usage: `ripcord demo [--scenario examples/demo/scenario.yml]`,
    run: (args, io, logger) => demo(args, io, logger),
  },
  close: {
    summary: 'close an incident by hand and open its report pull request',
    usage: `ripcord close --incident N --reason R [--repo owner/name] [--token T] [--bot-login L]

  ${GITHUB_NOTE} The token needs contents, issues and pull-requests write.`,
    run: (args, io, logger) => close(args, io, logger),
  },
};

const COMMAND_NAMES = Object.keys(COMMANDS);

function usage(): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return `Usage: ripcord <command> [options]   (ripcord <command> --help for its options)

Commands:
${COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]?.summary ?? ''}`).join('\n')}

  --version  print the version
  --help     print this help`;
}

export async function main(argv: string[], cliIO: CliIO): Promise<number> {
  // In a workflow the runner reads stderr lines starting with `::` as commands; reasons and
  // problems quote metric labels, HTTP bodies and policy text, so none may start one.
  const io: CliIO = {
    ...cliIO,
    stdout: (text) => cliIO.stdout(neutraliseCommands(text)),
    stderr: (text) => cliIO.stderr(neutraliseCommands(text)),
  };
  const logger = stderrLogger(io);
  try {
    const [command, ...rest] = argv;
    if (command === '--version' || command === '-V' || command === 'version') {
      io.stdout(`${PACKAGE_NAME} ${VERSION}`);
      return 0;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      if (command === undefined) {
        io.stderr(usage());
        return 1;
      }
      const about = command === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
      io.stdout(about ? `Usage: ${about.usage}` : usage());
      return 0;
    }
    const found = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!found) {
      const hint = didYouMean(command, COMMAND_NAMES);
      throw new ConfigurationError(
        `unknown command "${command}"${hint ? ` (did you mean ${hint}?)` : ''}; the commands are ${COMMAND_NAMES.join(', ')}\n\n${usage()}`,
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`Usage: ${found.usage}`);
      return 0;
    }
    return await found.run(rest, io, logger);
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof ConfigurationError || isArgError(error)) {
      io.stderr(`ripcord: ${error.message}`);
      return 1;
    }
    const service = explainServiceError(error, io.env);
    if (service) {
      io.stderr(`ripcord: ${service.message}`);
      if (io.env.RIPCORD_DEBUG) io.stderr(error.stack ?? error.message);
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
  // The result on stdout (what a script or a person reads), problems and warnings on stderr.
  io.stdout(
    `${path} is valid: ${plural(Object.keys(policy.sources).length, 'source')}, ${plural(envs.length, 'environment')} (${envs
      .map(([name, env]) => `${name}: ${plural(env.triggers.length, 'trigger')}`)
      .join('; ')})`,
  );
  for (const w of recoveryTimeWarnings(policy)) io.stderr(`warning: ${w.message}`);
  if (!values.github) return 0;
  const { owner, repo, token } = githubTarget(
    values,
    io,
    'read the environments (any token that can read the repository; a fine-grained one needs Environments: read)',
  );
  const { createGitHubClient } = await import('../github/client.ts');
  const { checkEnvironments, expectedEnvironments, usesEnvironmentApprovals } =
    await import('../github/environments.ts');
  const { octokit } = createGitHubClient({ token, baseUrl: io.env.GITHUB_API_URL, logger });
  const findings = await checkEnvironments(
    octokit,
    { owner, repo },
    expectedEnvironments(
      envs.map(([name]) => name),
      usesEnvironmentApprovals(policy),
    ),
  );
  for (const f of findings) {
    if (f.ok) io.stdout(`ok   ${f.message}`);
    else io.stderr(`FAIL ${f.message}`);
  }
  const failed = findings.filter((f) => !f.ok);
  if (failed.length > 0) {
    throw new ConfigurationError(
      `${owner}/${repo}: ${failed.length} GitHub Environment${failed.length === 1 ? '' : 's'} not set up as the workflows expect (see above)`,
    );
  }
  io.stdout(`${owner}/${repo}: the GitHub Environments the workflows use exist as expected`);
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
      token: { type: 'string' },
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
  const token = values.token ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  if (!token)
    throw new ConfigurationError(
      'set GITHUB_TOKEN (contents, issues and pull-requests write) to close an incident',
    );
  const { createGitHubClient } = await import('../github/client.ts');
  const { closeIncident } = await import('../incident/close.ts');
  const { ripcordIdentity } = await import('../github/identity.ts');
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

export { toJson } from './commands/evaluate.ts';

export function stderrLogger(io: CliIO): Logger {
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
