/**
 * evaluate-triggers: read the policy, evaluate an environment's triggers (once, or watching for
 * a while), and say roll back / warn / hold / none with the evidence.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../../shared/errors.ts';
import { parseQuantity } from '../../policy/quantity.ts';
import { renderDecisionSummary, sourceLinksOf } from '../../signals/summary.ts';
import { parseBooleanInput, parseDurationInput, parseTime } from '../../shared/time-input.ts';
import type { Policy } from '../../policy/schema.ts';
import type { Decision } from '../../signals/verdict.ts';
import {
  environmentOf,
  evaluableEnvironment,
  evaluateEnvironment,
} from '../../signals/evaluate-environment.ts';
import { watch } from '../../signals/watch.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import { createSources } from '../../signals/factory.ts';
import type { ActionIO } from '../action-io.ts';

export interface EvaluateDeps {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export async function run(io: ActionIO, deps: EvaluateDeps): Promise<Decision> {
  const policyPath = io.getInput('policy') || defaultPolicyPath;
  const environment = io.getInput('environment');
  if (!environment) {
    throw new ConfigurationError(
      'input environment is required; set `environment: production` (a key under environments: in the policy)',
    );
  }
  io.phase('Policy');
  const policy = await readPolicy(policyPath);
  evaluableEnvironment(policy, environment);
  const { sources, secrets } = createSources(policy, {
    env: deps.env,
    policyDir: dirname(resolve(policyPath)),
    logger: io,
    ...(io.getInput('source-file') ? { fileOverride: resolve(io.getInput('source-file')) } : {}),
  });
  for (const secret of secrets) io.setSecret(secret);

  const atInput = io.getInput('at');
  // Started now and awaited for the summary, so it costs the evaluation no time of its own.
  const pauseText = atInput ? null : pauseNoticeFor(io, deps, policy, environment);
  pauseText?.catch(() => undefined);
  let deployedAt = io.getInput('baseline-deployment')
    ? await readDeploymentTime(io, deps.env)
    : await baselineTime(io.getInput('baseline'), deps.env);
  if (deployedAt === undefined && needsBaseline(policy, environment))
    deployedAt = await currentDeploymentTime(io, deps.env, environment);
  io.setOutput('baseline', deployedAt === undefined ? '' : new Date(deployedAt).toISOString());
  const impactInput = io.getInput('impact');
  const impactOverride = impactInput ? impactFrom(impactInput) : null;
  const watchFor = io.getInput('watch')
    ? parseDurationInput(io.getInput('watch'), 'input watch')
    : 0;
  const interval = io.getInput('interval')
    ? parseDurationInput(io.getInput('interval'), 'input interval')
    : 60_000;
  const failOnRollback = parseBooleanInput(
    io.getInput('fail-on-rollback'),
    'input fail-on-rollback',
  );
  const common = {
    policy,
    environment,
    sources,
    logger: io,
    impactOverride,
    ...(deployedAt === undefined ? {} : { deployedAt }),
  };

  io.phase('Evaluate the triggers');
  let decision: Decision;
  if (watchFor > 0) {
    if (atInput)
      throw new ConfigurationError(
        'inputs at and watch exclude each other; watch evaluates the present',
      );
    ({ decision } = await watch({
      ...common,
      duration: watchFor,
      interval,
      now: deps.now,
      sleep: deps.sleep,
      onPoll: (d, poll) =>
        io.info(`poll ${poll}: ${d.decision} (${d.triggered.join(', ') || 'nothing breached'})`),
    }));
  } else {
    const at = atInput ? parseTime(atInput, 'input at') : deps.now();
    decision = await evaluateEnvironment({ ...common, at });
  }

  io.info(decision.summary);
  io.phase('Outputs and summary');
  io.setOutput('decision', decision.decision);
  io.setOutput('severity', decision.severity ?? '');
  io.setOutput('strategy', decision.strategy ?? '');
  io.setOutput('approval', decision.approval ?? '');
  // A rule under rollback.approvals is asked for on the incident by the rollback action
  // itself: the workflow must not also hold the job for a GitHub Environment's reviewers.
  const approvalRules = policy.environments[environment]?.rollback.approvals ?? {};
  io.setOutput(
    'approval-by',
    !decision.approval || decision.approval === 'none'
      ? 'none'
      : Object.hasOwn(approvalRules, decision.approval)
        ? 'comments'
        : 'environment',
  );
  io.setOutput('triggered', decision.triggered.join(','));
  io.setOutput('ask', (decision.ask ?? []).join(' '));
  io.setOutput('report', JSON.stringify(decision));
  io.setOutput('shadow-decision', decision.shadow?.decision ?? '');
  const links = sourceLinksOf(policy.sources);
  const notice = pauseText ? await pauseText : null;
  await io.appendSummary((notice ? `${notice}\n\n` : '') + renderDecisionSummary(decision, links));
  if (decision.decision === 'rollback' && failOnRollback) {
    io.setFailed(`rollback decided for ${environment}: ${decision.summary}`);
  } else if (decision.decision === 'warn' || decision.decision === 'hold') {
    io.warning(decision.summary);
  } else if (decision.shadow && decision.shadow.decision !== 'none') {
    io.warning(decision.shadow.summary);
  }
  return decision;
}

/**
 * The pause switch at the top of this summary while it is on, so the evaluation of a paused
 * environment never looks as if a rollback will follow. Only for the present (a replay at a past
 * `at` is not paused now) and with a token in a repository run; a failure to read it warns and
 * never fails the evaluation (the rollback action reads it again and acts on it).
 */
async function pauseNoticeFor(
  io: ActionIO,
  deps: EvaluateDeps,
  policy: Policy,
  environment: string,
): Promise<string | null> {
  const token = io.getInput('token');
  const [owner, repo] = (deps.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!token || !owner || !repo) return null;
  try {
    const { createGitHubClient } = await import('../../github/client.ts');
    const { readPause, pauseNotice } = await import('../../rollback/pause.ts');
    io.setSecret(token);
    const client = createGitHubClient({ token, baseUrl: deps.env.GITHUB_API_URL, logger: io });
    const authority = environmentOf(policy, environment).rollback.authority;
    return pauseNotice(
      await readPause(client.octokit, { owner, repo }, environment, authority, deps.now()),
    );
  } catch (thrown) {
    io.warning(
      `could not read the pause switch (${'ripcord:pause'} issues of ${environment}): ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    );
    return null;
  }
}

function impactFrom(text: string): number {
  const q = parseQuantity(text);
  if (!q || q.value < 0 || q.value > 1) {
    throw new ConfigurationError(
      `input impact: "${text}" is not a share of users; write a percentage such as 15%`,
    );
  }
  return q.value;
}

/**
 * The baseline is the deployment's creation time: from the input, or from the triggering
 * `deployment` / `deployment_status` event, so a post-deploy workflow needs no extra input.
 */
async function baselineTime(
  input: string,
  env: Record<string, string | undefined>,
): Promise<number | undefined> {
  if (input) return parseTime(input, 'input baseline');
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(await readFile(eventPath, 'utf8')) as {
      deployment?: { created_at?: unknown };
    };
    const created = event.deployment?.created_at;
    return typeof created === 'string'
      ? parseTime(created, 'event deployment.created_at')
      : undefined;
  } catch {
    return undefined;
  }
}

function needsBaseline(policy: Policy, environment: string): boolean {
  return environmentOf(policy, environment).triggers.some((t) => t.kind === 'baseline');
}

/**
 * No baseline given: the environment's newest GitHub deployment is the one under watch. Asked
 * only when a baseline trigger needs it, so other evaluations make no GitHub call.
 */
async function currentDeploymentTime(
  io: ActionIO,
  env: Record<string, string | undefined>,
  environment: string,
): Promise<number | undefined> {
  const token = io.getInput('token');
  if (!token || !env.GITHUB_REPOSITORY) {
    io.warning(
      `no baseline for the baseline triggers of ${environment}: no input baseline or baseline-deployment, no deployment event, and no token to read the deployments with`,
    );
    return undefined;
  }
  io.setSecret(token);
  const { currentDeployment } = await import('../../github/deployment-time.ts');
  const found = await currentDeployment({
    environment,
    token,
    repository: env.GITHUB_REPOSITORY,
    apiUrl: env.GITHUB_API_URL,
    logger: io,
  });
  if (!found) {
    io.warning(
      `no baseline for the baseline triggers of ${environment}: it has no GitHub deployments in ${env.GITHUB_REPOSITORY}`,
    );
    return undefined;
  }
  io.info(
    `baseline: deployment ${found.id} (${found.ref}) of ${environment}, created ${new Date(found.createdAt).toISOString()}`,
  );
  return found.createdAt;
}

/** Loaded on demand so evaluations that need no GitHub call do not pay for Octokit at start-up. */
async function readDeploymentTime(
  io: ActionIO,
  env: Record<string, string | undefined>,
): Promise<number> {
  if (io.getInput('baseline')) {
    throw new ConfigurationError(
      'inputs baseline and baseline-deployment exclude each other; pass one',
    );
  }
  const { deploymentCreatedAt } = await import('../../github/deployment-time.ts');
  const token = io.getInput('token');
  if (token) io.setSecret(token);
  return deploymentCreatedAt({
    deploymentId: io.getInput('baseline-deployment'),
    token,
    repository: env.GITHUB_REPOSITORY,
    apiUrl: env.GITHUB_API_URL,
    logger: io,
  });
}
