/**
 * staged-recovery: the runner's inputs (a scheduled tick, a person's proceed / abort / status,
 * or a `/ripcord proceed` comment) -> the recovery use case (src/recovery/recovery-run.ts) on
 * the services of the composition root (compose.ts) -> the outputs and a job summary: the plan
 * with the current stage marked, the gate evidence, and what happens next and when.
 */
import { ConfigurationError } from '../../shared/errors.ts';
import type { Environment } from '../../policy/schema.ts';
import { sourceLinksOf } from '../../signals/summary.ts';
import { setRecoverySchedule } from '../../recovery/schedule.ts';
import { reportNotifications } from '../../notify/channel-verdict.ts';
import {
  recoverEnvironment,
  stageGates,
  verifyGateChecks,
  type RecoveryRunRequest,
  type RecoveryRunResult,
  type RecoveryRunServices,
} from '../../recovery/recovery-run.ts';
import { renderRecoverySummary } from '../../recovery/recovery-summary.ts';
import {
  percentDriver,
  type GateReader,
  type RecoveryCommand,
  type RecoveryResult,
} from '../../recovery/runner.ts';
import { decidingActor } from '../../rollback/authority.ts';
import type { ActionIO } from '../action-io.ts';
import { compose, type ActionDeps, type ActionRoot, type ActionServices } from '../compose.ts';
import { proposeIncidentReport } from '../../incident/propose-report.ts';
import { ignoredCheckpoint, recoveryCheckpoint, type Checkpoint } from './checkpoint.ts';

// Where the tests and the docs have always found them.
export { gateFromChecks } from '../../recovery/recovery-run.ts';
export {
  renderRecoverySummary,
  type RecoverySummaryExtras,
} from '../../recovery/recovery-summary.ts';

export interface StagedRecoveryDeps extends ActionDeps {
  /** Seam for extra gates (the verify checks); `recovery.gates.verify` needs it. */
  verifyGates?: GateReader;
}

const COMMANDS: readonly RecoveryCommand[] = ['tick', 'proceed', 'abort', 'status'];

export async function run(io: ActionIO, deps: StagedRecoveryDeps): Promise<RecoveryResult> {
  const root = compose(io, deps, {
    action: 'staged-recovery',
    tokenNeeds: 'issues and contents write',
    policyInput: io.getInput('policy'),
  });
  const inputs = await recoveryInputs(root, deps);
  if (inputs.kind === 'ignore') return ignoredCheckpoint(io, inputs);
  const { request, services, apiCalls } = await recoveryServices(inputs, deps);
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
  services: ActionServices;
  env: Environment;
}

async function recoveryInputs(
  root: ActionRoot,
  deps: StagedRecoveryDeps,
): Promise<RecoveryInputs | Extract<Checkpoint, { kind: 'ignore' }>> {
  const { io } = root;
  // An `issue_comment` run: `/ripcord proceed` (or approve) passes a manual checkpoint.
  const checkpoint = await recoveryCheckpoint(io, deps.env, root.policyPath);
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
  root.context(); // the token and the repository, before the policy
  io.phase('Policy');
  const services = await root.load();
  services.identity(); // RIPCORD_BOT_LOGIN is checked with the policy
  const env = services.environment(environment);
  if (env.recovery.gates.verify && !deps.verifyGates && env.verify.checks.length === 0) {
    throw new ConfigurationError(
      `environments.${environment}.recovery.gates.verify: environments.${environment}.verify.checks is empty, so there is nothing to gate the stages with; add checks there or set gates.verify to false`,
    );
  }
  return {
    kind: 'run',
    environment,
    command: command as RecoveryCommand,
    services,
    env,
    actor: proceed ? proceed.actor : decidingActor(deps.env),
    reason: io.getInput('reason'),
  };
}

/**
 * The composition root's services as the use case takes them: the verify gate's checks with
 * their secrets resolved (and masked before anything logs), the flag providers and the driver
 * that moves the percentage, the stage gates, GitHub's stores and lock, notify and the report.
 */
async function recoveryServices(
  inputs: RecoveryInputs,
  deps: StagedRecoveryDeps,
): Promise<{ request: RecoveryRunRequest; services: RecoveryRunServices; apiCalls: () => number }> {
  const { environment, services, env } = inputs;
  const { io, root, policy } = services;
  const verify =
    env.recovery.gates.verify && !deps.verifyGates
      ? verifyGateChecks(env, environment, deps.env)
      : { checks: [], secrets: [] };
  root.mask(verify.secrets);
  const gh = await services.github();
  const { repository, serverUrl, runId, attempt, runUrl } = gh.context;
  const wantedFlag =
    env.recovery.command === undefined
      ? (env.recovery.flag?.provider ?? env.rollback.strategies['feature-flag']?.provider)
      : undefined;
  const flags = services.flags([
    ...(wantedFlag ? [wantedFlag] : []),
    ...verify.checks.flatMap((c) => (c.type === 'flag-off' ? [c.provider] : [])),
  ]).providers;
  const driver = percentDriver(env, { environment, flags, repository, logger: io });
  const gates = stageGates({
    policy,
    env,
    environment,
    flags,
    repository,
    runUrl,
    now: deps.now,
    logger: io,
    // Sources (and their secrets) are built on the first gate read: a waiting tick needs none.
    openSources: () => services.sources(),
    verifyChecks: verify.checks,
    verifySecrets: verify.secrets,
    verifyGates: deps.verifyGates,
  });
  return {
    request: {
      environment,
      command: inputs.command,
      actor: inputs.actor,
      ...(inputs.reason ? { reason: inputs.reason } : {}),
      run: { id: runId, attempt, url: runUrl },
      policy,
      env,
      repository,
      serverUrl,
      notifyValues: root.runValues(),
    },
    services: {
      identity: services.identity(),
      incidents: gh.incidents(),
      gates,
      driver,
      lock: (waitMs) => gh.lock(environment, { leaseMs: env.rollback.lock.lease, waitMs }),
      actorAccess: (authority) => gh.actorAccess(authority),
      judgePauses: (issues, authority) => gh.judgePauses(issues, authority),
      disableSchedule: (workflow) =>
        setRecoverySchedule(gh.octokit(), gh.repo, workflow, 'disable'),
      notify: (n) => gh.send(n),
      proposeReport: (r) =>
        proposeIncidentReport(io, { ...r, octokit: gh.octokit(), repo: gh.repo }),
      now: deps.now,
      logger: io,
      phase: (name) => io.phase(name),
    },
    apiCalls: () => gh.client().totalRequests(),
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
      links: sourceLinksOf(inputs.services.policy.sources),
    }),
  );
  if (reportUrl) await io.appendSummary(`Incident report: ${reportUrl}\n`);
  const failure = await reportNotifications(io, reports);
  if (failure) io.setFailed(failure);
}
