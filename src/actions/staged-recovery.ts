/**
 * staged-recovery: the runner's inputs (a scheduled tick, a person's proceed / abort / status,
 * or a `/ripcord proceed` comment) -> the recovery use case (src/recovery/recovery-run.ts) ->
 * the outputs and a job summary: the plan with the current stage marked, the gate evidence,
 * and what happens next and when. The services are wired here.
 */
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors.ts';
import type { Environment, Policy } from '../core/policy-schema.ts';
import type { VerifyCheck } from '../core/policy-verify-schema.ts';
import { sourceLinksOf } from '../core/summary.ts';
import { environmentOf } from '../evaluate/evaluate-environment.ts';
import { createGitHubClient } from '../github/client.ts';
import { identityFor, type RipcordIdentity } from '../github/identity.ts';
import { createIncidentStore } from '../github/incident.ts';
import { createEnvironmentLock } from '../github/lock.ts';
import { notify, renderNotifySummary } from '../notify/dispatch.ts';
import { createCommentHistory } from '../notify/issue-comment.ts';
import { defaultPolicyPath, readPolicy } from '../policy/read-policy.ts';
import {
  recoverEnvironment,
  stageGates,
  verifyGateChecks,
  type RecoveryRunRequest,
  type RecoveryRunResult,
  type RecoveryRunServices,
} from '../recovery/recovery-run.ts';
import { renderRecoverySummary } from '../recovery/recovery-summary.ts';
import {
  percentDriver,
  type GateReader,
  type RecoveryCommand,
  type RecoveryResult,
} from '../recovery/run-recovery.ts';
import { decidingActor } from '../rollback/authority.ts';
import { createSources } from '../sources/index.ts';
import { createFlagProviders } from '../strategies/flag-providers.ts';
import type { ActionIO } from './action-io.ts';
import { ignoredCheckpoint, recoveryCheckpoint, type Checkpoint } from './recovery-checkpoint.ts';
import { proposeIncidentReport } from './incident-report.ts';
import { runContext, type RunContext } from './run-context.ts';

// Where the tests and the docs have always found them.
export { gateFromChecks } from '../recovery/recovery-run.ts';
export { renderRecoverySummary, type RecoverySummaryExtras } from '../recovery/recovery-summary.ts';

export interface StagedRecoveryDeps {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Tests shorten Octokit's retry waits. */
  retryAfterBaseValue?: number;
  lockPollMs?: number;
  /** Seam for extra gates (the verify checks); `recovery.gates.verify` needs it. */
  verifyGates?: GateReader;
  fetch?: typeof fetch;
}

const COMMANDS: readonly RecoveryCommand[] = ['tick', 'proceed', 'abort', 'status'];

export async function run(io: ActionIO, deps: StagedRecoveryDeps): Promise<RecoveryResult> {
  const inputs = await recoveryInputs(io, deps);
  if (inputs.kind === 'ignore') return ignoredCheckpoint(io, inputs);
  const { request, services, apiCalls } = wireRecovery(io, deps, inputs);
  const ran = await recoverEnvironment(request, services);
  await writeRecoveryOutputs(io, inputs, ran, apiCalls());
  return ran.result;
}

/** The action's inputs, checked in the order a user fixes them, with the policy they name. */
interface RecoveryInputs {
  kind: 'run';
  environment: string;
  command: RecoveryCommand;
  /** Who asked: the comment's author, or the workflow run's deciding actor. */
  actor: string;
  reason: string;
  policyPath: string;
  context: RunContext;
  policy: Policy;
  env: Environment;
  identity: RipcordIdentity;
}

async function recoveryInputs(
  io: ActionIO,
  deps: StagedRecoveryDeps,
): Promise<RecoveryInputs | Extract<Checkpoint, { kind: 'ignore' }>> {
  const policyPath = io.getInput('policy') || defaultPolicyPath;
  // An `issue_comment` run: `/ripcord proceed` (or approve) passes a manual checkpoint.
  const checkpoint = await recoveryCheckpoint(io, deps.env, policyPath);
  if (checkpoint.kind === 'ignore') return checkpoint;
  const proceed = checkpoint.kind === 'proceed' ? checkpoint : null;
  const environment = proceed ? proceed.environment : io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const command = proceed ? 'proceed' : (io.getInput('command') || 'tick').trim().toLowerCase();
  if (!COMMANDS.includes(command as RecoveryCommand)) {
    throw new ConfigurationError(
      `input command: "${command}" is not a command; write one of ${COMMANDS.join(', ')} (empty means tick)`,
    );
  }
  const context = runContext(
    io,
    deps.env,
    deps.now,
    'staged-recovery',
    'issues and contents write',
  );
  io.phase('Policy');
  const policy = await readPolicy(policyPath);
  const identity = identityFor(policy.github.bot_login, deps.env);
  const env = environmentOf(policy, environment);
  if (env.recovery.gates.verify && !deps.verifyGates && env.verify.checks.length === 0) {
    throw new ConfigurationError(
      `environments.${environment}.recovery.gates.verify: environments.${environment}.verify.checks is empty, so there is nothing to gate the stages with; add checks there or set gates.verify to false`,
    );
  }
  const actor = proceed ? proceed.actor : decidingActor(deps.env);
  const reason = io.getInput('reason');
  return {
    kind: 'run',
    environment,
    command: command as RecoveryCommand,
    actor,
    reason,
    policyPath,
    context,
    policy,
    env,
    identity,
  };
}

/**
 * The services the use case needs: the verify gate's checks and their secrets (masked before
 * anything logs), GitHub's client and stores, the flag providers and the driver that moves
 * the percentage, the stage gates, the lock, notify and the report.
 */
function wireRecovery(
  io: ActionIO,
  deps: StagedRecoveryDeps,
  inputs: RecoveryInputs,
): { request: RecoveryRunRequest; services: RecoveryRunServices; apiCalls: () => number } {
  const { environment, policy, env, identity } = inputs;
  const { token, repository, owner, repo, runId, attempt, serverUrl, runUrl } = inputs.context;
  const verify: { checks: VerifyCheck[]; secrets: string[] } =
    env.recovery.gates.verify && !deps.verifyGates
      ? verifyGateChecks(env, environment, deps.env)
      : { checks: [], secrets: [] };
  for (const secret of verify.secrets) io.setSecret(secret);
  const client = createGitHubClient({
    token,
    baseUrl: deps.env.GITHUB_API_URL,
    logger: io,
    ...(deps.retryAfterBaseValue === undefined
      ? {}
      : { retryAfterBaseValue: deps.retryAfterBaseValue }),
  });
  const repoRef = { owner, repo };
  const wantedFlag =
    env.recovery.command === undefined
      ? (env.recovery.flag?.provider ?? env.rollback.strategies['feature-flag']?.provider)
      : undefined;
  const flags = createFlagProviders(policy.flags, {
    env: deps.env,
    logger: io,
    only: [
      ...(wantedFlag ? [wantedFlag] : []),
      ...verify.checks.flatMap((c) => (c.type === 'flag-off' ? [c.provider] : [])),
    ],
  });
  for (const secret of flags.secrets) io.setSecret(secret);
  const driver = percentDriver(env, {
    environment,
    flags: flags.providers,
    repository,
    logger: io,
  });
  const gates = stageGates({
    ...{ policy, env, environment, flags: flags.providers, repository, runUrl },
    openSources: () => {
      const built = createSources(policy, {
        env: deps.env,
        policyDir: dirname(resolve(inputs.policyPath)),
        logger: io,
      });
      for (const secret of built.secrets) io.setSecret(secret);
      return built;
    },
    ...{
      verifyChecks: verify.checks,
      verifySecrets: verify.secrets,
      verifyGates: deps.verifyGates,
    },
    ...{ now: deps.now, logger: io },
  });
  const incidents = createIncidentStore(client.octokit, repoRef, io, { identity });
  const history = createCommentHistory(client.octokit, repoRef, identity, io);
  const actor = deps.env.GITHUB_ACTOR;
  return {
    request: {
      ...{ environment, command: inputs.command, actor: inputs.actor },
      ...(inputs.reason ? { reason: inputs.reason } : {}),
      run: { id: runId, attempt, url: runUrl },
      ...{ policy, env, repository, serverUrl, ...(actor ? { githubActor: actor } : {}) },
    },
    services: {
      ...{ octokit: client.octokit, repo: repoRef, identity, incidents, gates, driver },
      lock: (waitMs) =>
        createEnvironmentLock(client.octokit, repoRef, environment, {
          holder: `run ${runId} attempt ${attempt}`,
          ...{ identity, runUrl, leaseMs: env.rollback.lock.lease, waitMs },
          ...(deps.lockPollMs === undefined ? {} : { pollMs: deps.lockPollMs }),
          ...{ now: deps.now, sleep: deps.sleep, logger: io },
        }),
      notify: (n) =>
        notify(n, {
          ...{ policy: policy.notify, env: deps.env, incidents, history, logger: io },
          mask: (secret) => io.setSecret(secret),
          ...{ sleep: deps.sleep, now: deps.now, ...(deps.fetch ? { fetch: deps.fetch } : {}) },
        }),
      proposeReport: (r) => proposeIncidentReport(io, r),
      ...{ now: deps.now, logger: io, phase: (name) => io.phase(name) },
    },
    apiCalls: () => client.totalRequests(),
  };
}

/**
 * The outputs, the job summary (the recovery, the report, the channels notified) and the
 * step's verdict on the channels: a failed required one fails it, any other failure warns.
 */
async function writeRecoveryOutputs(
  io: ActionIO,
  inputs: RecoveryInputs,
  { result, reportUrl, schedule, pause, reports }: RecoveryRunResult,
  apiCalls: number,
): Promise<void> {
  const s = result.state;
  io.setOutput('outcome', result.outcome);
  io.setOutput('status', s?.status ?? '');
  io.setOutput('stage', s && s.stage >= 0 ? String(s.stage + 1) : '0');
  io.setOutput('percentage', s ? String(s.percent) : '');
  io.setOutput('next-action', result.next.action);
  io.setOutput('next-at', result.next.at ?? '');
  io.setOutput('incident', result.incident ? String(result.incident.number) : '');
  io.setOutput('message', result.message);
  io.setOutput('report-pr', reportUrl);
  await io.appendSummary(
    renderRecoverySummary(inputs.environment, result, apiCalls, {
      pause,
      schedule,
      workflow: inputs.env.recovery.workflow ?? null,
      links: sourceLinksOf(inputs.policy.sources),
    }),
  );
  if (reportUrl) await io.appendSummary(`Incident report: ${reportUrl}\n`);
  for (const r of reports)
    if (r.outcomes.length > 0) await io.appendSummary(renderNotifySummary(r));
  const required = reports.flatMap((r) => r.requiredFailed);
  const failed = reports.flatMap((r) => r.failed);
  if (required.length > 0)
    io.setFailed(
      `required notification channel${required.length > 1 ? 's' : ''} failed: ${required
        .map((o) => `${o.channel} (${o.detail ?? 'failed'})`)
        .join('; ')}`,
    );
  else if (failed.length > 0)
    io.warning(
      `notification channel${failed.length > 1 ? 's' : ''} failed: ${failed
        .map((o) => o.channel)
        .join(', ')}; see the job summary`,
    );
}
