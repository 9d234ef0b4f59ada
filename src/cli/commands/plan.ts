/**
 * `ripcord plan`: the rollback ladder that would run now for an environment, step by step,
 * with the commands, request URLs and bodies and the dispatch inputs filled in as the
 * rollback would fill them, and every secret value shown as ***. Nothing is executed: no flag
 * is touched, no request sent, no workflow dispatched. The steps are planned by the same
 * planStrategy the rollback action uses, so what is shown is what would run.
 *
 * Secrets the terminal does not have are planned with a stand-in value (and said so), so an
 * operator can read the plan without production credentials.
 */
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { referencedEnvs } from '../../policy/secrets.ts';
import { environmentOf } from '../../signals/evaluate-environment.ts';
import { createDeploymentStore } from '../../github/deployments.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import { createFlagProviders } from '../../rollback/flags/providers.ts';
import { ladderFrom, planStrategy, STRATEGIES, type StrategyName } from '../../rollback/plan.ts';
import type { StepContext } from '../../rollback/steps/command-step.ts';
import { GITHUB_OPTIONS, requiredEnvironment, type CliIO } from '../io.ts';
import { githubAccess, type GitHubAccess } from '../github-access.ts';
import { colourWanted, createStyle } from '../terminal.ts';

export async function plan(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...GITHUB_OPTIONS,
      strategy: { type: 'string' },
      policy: { type: 'string' },
      target: { type: 'string' },
    },
    strict: true,
  });
  const environment = requiredEnvironment(values.environment);
  if (values.strategy !== undefined && !(STRATEGIES as readonly string[]).includes(values.strategy))
    throw new ConfigurationError(
      `--strategy: "${values.strategy}" is not one of ${STRATEGIES.join(', ')}`,
    );
  const policy = await readPolicy(values.policy ?? defaultPolicyPath);
  const env = environmentOf(policy, environment);
  const start = (values.strategy as StrategyName | undefined) ?? env.default_strategy;

  // Unset secrets get a visible stand-in: the plan is for reading, not for running.
  const missing = referencedEnvs(policy).filter((n) => !io.env[n]);
  const planEnv = { ...io.env, ...Object.fromEntries(missing.map((n) => [n, `<${n} unset>`])) };

  const canReachGitHub = Boolean(
    (values.token ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN) &&
    (values.repo ?? io.env.GITHUB_REPOSITORY),
  );
  const gh: GitHubAccess | undefined = canReachGitHub
    ? githubAccess(values, io, logger, 'find the known-good deployment')
    : undefined;
  const step: StepContext = { environment, strategy: start, reason: 'ripcord plan (nothing runs)' };
  let targetNote: string;
  if (values.target) {
    step.targetRef = values.target;
    targetNote = `target ${values.target} (--target)`;
  } else if (gh) {
    const deployments = createDeploymentStore(gh.octokit, gh.repo, logger);
    const current = await deployments.current(environment);
    const good = current ? await deployments.findLastKnownGood(environment, current) : null;
    if (current) {
      step.fromRef = current.ref;
      step.fromSha = current.sha;
    }
    if (good) {
      step.targetRef = good.ref;
      step.targetSha = good.sha;
      targetNote = `target ${good.ref} (${good.sha.slice(0, 7)}), the last known-good deployment before ${current?.ref ?? '?'} (${current?.sha.slice(0, 7) ?? '?'})`;
    } else {
      targetNote = current
        ? `no known-good deployment of ${environment} older than ${current.ref}: a redeploy would fail; pass --target to see it with a version`
        : `no deployment of ${environment} on GitHub yet; pass --target to see the steps with a version`;
    }
  } else {
    targetNote =
      'target unknown (no GitHub access: set GITHUB_TOKEN and GITHUB_REPOSITORY, or pass --target)';
  }

  const provider = env.rollback.strategies['feature-flag']?.provider;
  const flags = createFlagProviders(policy.flags, {
    env: planEnv,
    logger,
    only: provider ? [provider] : [],
  });
  const rungs = ladderFrom(start, env.rollback);
  const ladder = rungs.map((strategy) => ({
    strategy,
    steps: planStrategy(strategy, environment, env.rollback, {
      flags: flags.providers,
      env: planEnv,
      logger,
      ...(gh ? { octokit: gh.octokit, repo: gh.repo } : {}),
    }).map((s) => ({
      id: s.id,
      name: s.name,
      kind: s.kind,
      shows: s.preview?.({ ...step, strategy }) ?? [],
    })),
  }));

  if (values.json) {
    io.stdout(
      JSON.stringify(
        {
          environment,
          start,
          target: step.targetSha ?? step.targetRef ?? null,
          targetNote,
          unsetSecrets: missing,
          ladder,
          executed: false,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const style = createStyle(colourWanted(io.env, io.isTTY === true));
  const out = [
    `${style.bold(`Rollback plan for ${environment}`)}, starting with ${start}${rungs.length > 1 ? `, then ${rungs.slice(1).join(', ')} if a rung fails` : ''}`,
    targetNote,
    style.dim('Nothing was executed.'),
  ];
  if (missing.length > 0)
    out.push(`${style.yellow('note')}: not set here, shown as <NAME unset>: ${missing.join(', ')}`);
  let n = 0;
  for (const rung of ladder) {
    out.push('', style.bold(`${rung.strategy}`));
    for (const s of rung.steps) {
      n += 1;
      out.push(`  ${String(n).padStart(2)}. ${s.name}  ${style.dim(`[${s.kind}, ${s.id}]`)}`);
      for (const line of s.shows) out.push(`      ${line}`);
    }
  }
  io.stdout(out.join('\n'));
  return 0;
}
