/**
 * rollback: the runner's inputs -> the rollback use case (src/rollback/rollback-run.ts) on
 * the services of the composition root (compose.ts) -> the outputs, a job summary (what
 * happened, from which version to which, the steps, the API calls used) and the step's verdict.
 */
import { ConfigurationError } from '../../shared/errors.ts';
import { sourceLinksOf } from '../../signals/summary.ts';
import { parseBooleanInput } from '../../shared/time-input.ts';
import type { IncidentRecord } from '../../incident/store.ts';
import { reportNotifications } from '../../notify/channel-verdict.ts';
import { decisionFromState } from '../../rollback/approval-gate.ts';
import { parseDecisionInput } from '../../rollback/decision-input.ts';
import type { RollbackResult } from '../../rollback/rollback.ts';
import { runRollback, type RollbackInputs, type RollbackRun } from '../../rollback/rollback-run.ts';
import { breachedMetrics, renderRollbackSummary } from '../../rollback/rollback-summary.ts';
import { STRATEGIES, type StrategyName } from '../../rollback/plan.ts';
import type { StepEvent } from '../../rollback/ladder.ts';
import type { ActionIO } from '../action-io.ts';
import { commentStart, ignoredComment } from '../comment-command.ts';
import { compose, type ActionDeps, type ActionServices } from '../compose.ts';

export { reportNotifications } from '../../notify/channel-verdict.ts';
export {
  renderRollbackSummary,
  type RollbackSummaryExtras,
} from '../../rollback/rollback-summary.ts';

export interface RollbackDepsIn extends ActionDeps {
  pollIntervalMs?: number;
  onStepEvent?: (event: StepEvent) => void;
}

export async function run(io: ActionIO, deps: RollbackDepsIn): Promise<RollbackResult> {
  const root = compose(io, deps, {
    action: 'rollback',
    tokenNeeds: 'deployments, issues and contents write',
    policyInput: io.getInput('policy'),
  });
  // An `issue_comment` run (/ripcord approve|reject) acts on the incident the comment is on.
  const started = await commentStart(io, deps.env, root.policyPath, ['approve', 'reject']);
  if (started.kind === 'ignore') return ignoredComment(io, started);
  const inputs = rollbackInputs(io, started.kind === 'command' ? started.incident : null);
  root.context();

  io.phase('Policy');
  const services = await root.load();
  const done = await runRollback(inputs, services, {
    ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
    ...(deps.onStepEvent ? { onStepEvent: deps.onStepEvent } : {}),
  });
  await reportRollback(io, inputs, done, services);
  return done.result;
}

/** The inputs, checked before anything is read; a comment-started run takes its incident's. */
function rollbackInputs(io: ActionIO, byComment: IncidentRecord | null): RollbackInputs {
  const environment = byComment
    ? byComment.state.environment
    : required(io, 'environment', 'production');
  const strategy = io.getInput('strategy') || 'auto';
  if (strategy !== 'auto' && !STRATEGIES.includes(strategy as StrategyName)) {
    throw new ConfigurationError(
      `input strategy: "${strategy}" is not a strategy; write auto or one of ${STRATEGIES.join(', ')}`,
    );
  }
  const decision = byComment
    ? decisionFromState(byComment.state)
    : parseDecisionInput(io.getInput('decision'));
  const dryRun = parseBooleanInput(io.getInput('dry-run'), 'input dry-run');
  const reason = io.getInput('reason') || decision?.summary || byComment?.state.reason || '';
  if (!reason)
    throw new ConfigurationError(
      'input reason is required when no decision is given; say why you roll back',
    );
  return {
    environment,
    strategy: strategy as 'auto' | StrategyName,
    target: io.getInput('target') || 'last-known-good',
    dryRun,
    decision,
    reason,
    byComment,
  };
}

/** The outputs, the job summary and the step's verdict. */
async function reportRollback(
  io: ActionIO,
  { environment, decision }: RollbackInputs,
  { result, reports, schedule, apiCalls }: RollbackRun,
  services: ActionServices,
): Promise<void> {
  io.info(result.message);
  io.setOutput('result', result.result);
  io.setOutput('environment', environment);
  io.setOutput('incident', result.incident ? String(result.incident.number) : '');
  io.setOutput('target-ref', result.target?.ref ?? '');
  io.setOutput('target-sha', result.target?.sha ?? '');
  io.setOutput('strategy', result.strategy ?? '');
  io.setOutput('deployment-id', result.deploymentId ? String(result.deploymentId) : '');
  io.setOutput('message', result.message);
  io.setOutput('skip-reason', result.skipReason ?? '');
  io.setOutput('approvers', (result.approval?.approvers ?? []).map((a) => a.login).join(','));
  await io.appendSummary(
    renderRollbackSummary(environment, result, apiCalls, {
      schedule,
      metrics: breachedMetrics(decision, sourceLinksOf(services.policy.sources)),
    }),
  );
  const notifyFailure = await reportNotifications(io, reports);
  // Asked to roll back and did not: never a silent green step. Skipping because Ripcord's own
  // rollback is live (or another run is doing it) warns; the failed cases fail below. A pause
  // warns too: a person allowed to roll back chose it for this window, and a red step on every
  // deploy during planned maintenance would teach people to ignore red.
  if (result.result === 'skipped' && result.skipReason !== 'not-asked')
    io.warning(`Ripcord did not roll back ${environment}: ${result.message}`);
  if (result.result === 'awaiting-approval')
    io.warning(`Ripcord did not roll back ${environment} yet: ${result.message}`);
  if (result.result === 'failed') io.setFailed(result.message);
  else if (notifyFailure) io.setFailed(notifyFailure);
}

function required(io: ActionIO, name: string, example: string): string {
  const value = io.getInput(name);
  if (!value)
    throw new ConfigurationError(`input ${name} is required; set \`${name}: ${example}\``);
  return value;
}
