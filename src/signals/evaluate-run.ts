/**
 * The evaluate-triggers action's use case, on the services of the composition root
 * (src/actions/compose.ts): find the baseline (an input, the triggering deployment event, or
 * the environment's newest GitHub deployment when a baseline trigger needs one), evaluate the
 * environment's triggers once or watching for a while, and read the pause switch beside it for
 * the summary. The action's run() reads the inputs before and writes the outputs after.
 */
import { readFile } from 'node:fs/promises';
import { parseTime } from '../shared/time-input.ts';
import type { Decision } from './verdict.ts';
import type { ActionServices } from '../actions/compose.ts';
import { evaluateEnvironment } from './evaluate-environment.ts';
import { watch } from './watch.ts';

export interface EvaluateInputs {
  environment: string;
  /** A recorded file every source reads instead (`source-file`), resolved. */
  sourceFile: string | null;
  /** The `token` input: GitHub is read only with one (the baseline deployment, the pause). */
  token: string;
  /** Evaluate at this time (a replay); null: now. */
  at: number | null;
  /** The `baseline` input: the deployment's time. */
  baseline: number | null;
  /** The `baseline-deployment` input: a deployment id whose creation time is the baseline. */
  baselineDeployment: string;
  /** The share of users affected, instead of the policy's measure. */
  impact: number | null;
  /** Watch this long (ms), evaluating every `interval`; 0: evaluate once. */
  watch: number;
  interval: number;
  failOnRollback: boolean;
}

export interface EvaluateRun {
  decision: Decision;
  /** The baseline the triggers were measured against, when there was one. */
  deployedAt: number | undefined;
  /** The pause switch's notice for the top of the summary, while it is on. */
  pauseNotice: string | null;
}

export async function runEvaluation(
  inputs: EvaluateInputs,
  services: ActionServices,
  onBaseline: (deployedAt: number | undefined) => void,
): Promise<EvaluateRun> {
  const { io, deps, policy } = services;
  const { environment } = inputs;
  const { sources } = services.sources(
    inputs.sourceFile ? { fileOverride: inputs.sourceFile } : {},
  );
  // Started now and awaited for the summary, so it costs the evaluation no time of its own.
  const pause = inputs.at === null ? pauseNoticeFor(services, environment) : null;
  pause?.catch(() => undefined);
  let deployedAt = inputs.baselineDeployment
    ? await readDeploymentTime(services, inputs.token, inputs.baselineDeployment)
    : (inputs.baseline ?? (await eventDeploymentTime(deps.env)));
  if (
    deployedAt === undefined &&
    services.environment(environment).triggers.some((t) => t.kind === 'baseline')
  )
    deployedAt = await currentDeploymentTime(services, inputs.token, environment);
  onBaseline(deployedAt);
  const common = {
    policy,
    environment,
    sources,
    logger: io,
    impactOverride: inputs.impact,
    ...(deployedAt === undefined ? {} : { deployedAt }),
  };

  io.phase('Evaluate the triggers');
  const decision =
    inputs.watch > 0
      ? (
          await watch({
            ...common,
            duration: inputs.watch,
            interval: inputs.interval,
            now: deps.now,
            sleep: deps.sleep,
            onPoll: (d, poll) =>
              io.info(
                `poll ${poll}: ${d.decision} (${d.triggered.join(', ') || 'nothing breached'})`,
              ),
          })
        ).decision
      : await evaluateEnvironment({ ...common, at: inputs.at ?? deps.now() });
  return { decision, deployedAt, pauseNotice: pause ? await pause : null };
}

/**
 * The pause switch at the top of this summary while it is on, so the evaluation of a paused
 * environment never looks as if a rollback will follow. Only for the present (a replay at a past
 * `at` is not paused now) and with a token in a repository run; a failure to read it warns and
 * never fails the evaluation (the rollback action reads it again and acts on it).
 */
async function pauseNoticeFor(
  services: ActionServices,
  environment: string,
): Promise<string | null> {
  try {
    const gh = await services.githubIfAvailable();
    if (!gh) return null;
    const { pauseNotice } = await import('../rollback/pause.ts');
    const authority = services.environment(environment).rollback.authority;
    return pauseNotice(await gh.readPause(environment, authority));
  } catch (thrown) {
    services.io.warning(
      `could not read the pause switch (${'ripcord:pause'} issues of ${environment}): ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    );
    return null;
  }
}

/**
 * No baseline input: the triggering `deployment` / `deployment_status` event's creation time,
 * so a post-deploy workflow needs no extra input.
 */
async function eventDeploymentTime(
  env: Record<string, string | undefined>,
): Promise<number | undefined> {
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

/**
 * No baseline given: the environment's newest GitHub deployment is the one under watch. Asked
 * only when a baseline trigger needs it, so other evaluations make no GitHub call.
 */
async function currentDeploymentTime(
  services: ActionServices,
  token: string,
  environment: string,
): Promise<number | undefined> {
  const { io, deps } = services;
  if (!token || !deps.env.GITHUB_REPOSITORY) {
    io.warning(
      `no baseline for the baseline triggers of ${environment}: no input baseline or baseline-deployment, no deployment event, and no token to read the deployments with`,
    );
    return undefined;
  }
  io.setSecret(token);
  const { currentDeployment } = await import('../github/deployment-time.ts');
  const found = await currentDeployment({
    environment,
    token,
    repository: deps.env.GITHUB_REPOSITORY,
    apiUrl: deps.env.GITHUB_API_URL,
    logger: io,
  });
  if (!found) {
    io.warning(
      `no baseline for the baseline triggers of ${environment}: it has no GitHub deployments in ${deps.env.GITHUB_REPOSITORY}`,
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
  services: ActionServices,
  token: string,
  deploymentId: string,
): Promise<number> {
  const { io, deps } = services;
  const { deploymentCreatedAt } = await import('../github/deployment-time.ts');
  if (token) io.setSecret(token);
  return deploymentCreatedAt({
    deploymentId,
    token,
    repository: deps.env.GITHUB_REPOSITORY,
    apiUrl: deps.env.GITHUB_API_URL,
    logger: io,
  });
}
