/**
 * evaluate-triggers: the runner's inputs -> the evaluation (src/signals/evaluate-run.ts) on
 * the services of the composition root (compose.ts) -> roll back / warn / hold / none, with
 * the evidence, as outputs and a job summary.
 */
import { resolve } from 'node:path';
import { ConfigurationError } from '../../shared/errors.ts';
import { parseQuantity } from '../../policy/quantity.ts';
import { renderDecisionSummary, sourceLinksOf } from '../../signals/summary.ts';
import { parseBooleanInput, parseDurationInput, parseTime } from '../../shared/time-input.ts';
import type { Policy } from '../../policy/schema.ts';
import type { Decision } from '../../signals/verdict.ts';
import { evaluableEnvironment } from '../../signals/evaluate-environment.ts';
import {
  runEvaluation,
  type EvaluateInputs,
  type EvaluateRun,
} from '../../signals/evaluate-run.ts';
import type { ActionIO } from '../action-io.ts';
import { compose, type ActionDeps } from '../compose.ts';

export type EvaluateDeps = ActionDeps;

export async function run(io: ActionIO, deps: EvaluateDeps): Promise<Decision> {
  const root = compose(io, deps, {
    action: 'evaluate-triggers',
    tokenNeeds: 'issues and deployments read',
    policyInput: io.getInput('policy'),
  });
  const inputs = evaluateInputs(io);
  io.phase('Policy');
  const services = await root.load();
  evaluableEnvironment(services.policy, inputs.environment);
  const evaluation = await runEvaluation(inputs, services, (deployedAt) =>
    io.setOutput('baseline', deployedAt === undefined ? '' : new Date(deployedAt).toISOString()),
  );
  io.info(evaluation.decision.summary);
  io.phase('Outputs and summary');
  await reportDecision(io, services.policy, inputs, evaluation);
  return evaluation.decision;
}

/** The inputs, checked before anything is read or asked of GitHub. */
function evaluateInputs(io: ActionIO): EvaluateInputs {
  const environment = io.getInput('environment');
  if (!environment) {
    throw new ConfigurationError(
      'input environment is required; set `environment: production` (a key under environments: in the policy)',
    );
  }
  const at = parsed(io.getInput('at'), (text) => parseTime(text, 'input at'));
  const watch = parsed(io.getInput('watch'), (text) => parseDurationInput(text, 'input watch'));
  if (watch && at !== null)
    throw new ConfigurationError(
      'inputs at and watch exclude each other; watch evaluates the present',
    );
  const baselineDeployment = io.getInput('baseline-deployment');
  const baseline = io.getInput('baseline');
  if (baselineDeployment && baseline)
    throw new ConfigurationError(
      'inputs baseline and baseline-deployment exclude each other; pass one',
    );
  return {
    environment,
    sourceFile: parsed(io.getInput('source-file'), (text) => resolve(text)),
    token: io.getInput('token'),
    at,
    baseline: parsed(baseline, (text) => parseTime(text, 'input baseline')),
    baselineDeployment,
    impact: parsed(io.getInput('impact'), impactFrom),
    watch: watch ?? 0,
    interval:
      parsed(io.getInput('interval'), (text) => parseDurationInput(text, 'input interval')) ??
      60_000,
    failOnRollback: parseBooleanInput(io.getInput('fail-on-rollback'), 'input fail-on-rollback'),
  };
}

/** The outputs, the job summary (the pause notice at its top) and the step's verdict. */
async function reportDecision(
  io: ActionIO,
  policy: Policy,
  { environment, failOnRollback }: EvaluateInputs,
  { decision, pauseNotice }: EvaluateRun,
): Promise<void> {
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
  await io.appendSummary(
    (pauseNotice ? `${pauseNotice}\n\n` : '') + renderDecisionSummary(decision, links),
  );
  if (decision.decision === 'rollback' && failOnRollback) {
    io.setFailed(`rollback decided for ${environment}: ${decision.summary}`);
  } else if (decision.decision === 'warn' || decision.decision === 'hold') {
    io.warning(decision.summary);
  } else if (decision.shadow && decision.shadow.decision !== 'none') {
    io.warning(decision.shadow.summary);
  }
}

/** An optional input: null when empty, else what `parse` makes of it. */
function parsed<T>(text: string, parse: (text: string) => T): T | null {
  return text ? parse(text) : null;
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
