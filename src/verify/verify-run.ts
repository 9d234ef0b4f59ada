/**
 * The verify action's use case, from parsed inputs to what its outputs report: find the incident
 * and the deployment the verification is about and since when "improved" counts, run the checks
 * round after round (verifyChecks), record the outcome (recordVerification), propose the
 * incident report when the verification ended the incident, and send verify.failed.
 *
 * The action (src/actions/verify/run.ts) parses the inputs, wires the services and writes the
 * outputs; this file takes every service as an argument, so the order of the GitHub reads and
 * writes lives in one place and no test has to go through the runner protocol to reach it.
 */
import { formatDuration } from '../policy/duration.ts';
import type { Logger } from '../shared/logger.ts';
import type { NotifyValues } from '../notify/templates.ts';
import type { Environment } from '../policy/schema.ts';
import type { VerifyCheck } from '../policy/schema-verify.ts';
import { resolveSecrets } from '../policy/secrets.ts';
import type { VerifyTiming } from './timing.ts';
import type { DeploymentStore } from '../github/deployments.ts';
import type { IncidentRecord, IncidentStore, PauseIssue } from '../incident/store.ts';
import type { Notification, NotifyReport } from '../notify/dispatch.ts';
import { environmentDeclares } from '../policy/read.ts';
import type { WriteIncidentReportOptions } from '../incident/write-report.ts';
import { NO_PAUSE, settlePause, type PauseState } from '../rollback/pause.ts';
import type { SignalSource } from '../signals/factory.ts';
import type { FlagProvider } from '../rollback/flags/flag-provider.ts';
import type { ExecFn } from '../rollback/steps/command-step.ts';
import type { CheckContext } from './checks.ts';
import {
  recordVerification,
  verifyChecks,
  type RecordResult,
  type VerifyMode,
  type VerifyOutcome,
} from './rounds.ts';
import { relabel } from '../shared/outcome.ts';

/** What to verify, as the inputs and the policy say it. */
export interface VerifyRequest {
  environment: string;
  mode: VerifyMode;
  /** The policy's section for the environment (step, lookback, rollback, verify, recovery_time). */
  env: Environment;
  /** The policy file: whether it declares a recovery section decides a passed rollback's end. */
  policyPath: string;
  /** With their `${NAME}` secrets resolved. */
  checks: readonly VerifyCheck[];
  timing: VerifyTiming;
  /** The inputs `deployment-id`, `incident` and `since`, when given. */
  deploymentId: number | null;
  incident: number | null;
  since: number | undefined;
  run: {
    repository: string;
    serverUrl: string;
    runUrl: string | null;
    /** What every notification of the run carries (run_url, deployment_url, actor). */
    notifyValues: NotifyValues;
  };
}

/** The incident report as a use case asks for it; the wiring adds the repository and the log. */
export type ReportRequest = Omit<
  WriteIncidentReportOptions,
  'octokit' | 'repo' | 'logger' | 'onPublishError'
>;

type Authority = Environment['rollback']['authority'];

export interface VerifyServices {
  deployments: DeploymentStore;
  incidents: IncidentStore;
  /** Built for the checks that name them (metric: sources, flag-off: flags). */
  sources: ReadonlyMap<string, SignalSource>;
  flags: ReadonlyMap<string, FlagProvider>;
  /** Secret values to keep out of check details. */
  secrets: readonly string[];
  exec?: ExecFn;
  /** The pause switch: the pause issues already listed, judged; or the environment's, read. */
  judgePauses: (issues: readonly PauseIssue[], authority: Authority) => Promise<PauseState>;
  readPause: (environment: string, authority: Authority) => Promise<PauseState>;
  /** Sends a notification; a failure to send warns and gives null (the outcome is recorded). */
  notify: (n: Notification) => Promise<NotifyReport | null>;
  /** The report's pull request URL, or '' (a report that cannot be written only warns). */
  proposeReport: (r: ReportRequest) => Promise<string>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /** Starts the next phase of the log. */
  phase: (name: string) => void;
}

export interface VerifyRunResult {
  outcome: VerifyOutcome;
  record: RecordResult;
  incident: IncidentRecord | null;
  deploymentId: number | null;
  /** The incident report's pull request, or ''. */
  reportUrl: string;
  /** The pause switch, for the summary (a failed read is shown there, never thrown). */
  pause: PauseState;
  /** verify.failed's channels, when it was sent. */
  notified: NotifyReport | null;
}

export async function verifyDeployment(
  req: VerifyRequest,
  svc: VerifyServices,
): Promise<VerifyRunResult> {
  const { environment, mode } = req;
  const { pause, incident } = await readIncidentAndPause(req, svc);
  if (mode === 'after-rollback' && !incident)
    svc.logger.warning(
      `no open incident for ${environment}: the outcome is recorded on the deployment only`,
    );
  const { deploymentId, since } = await deploymentAndSince(req, svc, incident);

  svc.phase('Verify');
  svc.logger.info(
    `verifying ${environment} (${mode}): ${req.checks.length} check${req.checks.length === 1 ? '' : 's'}, ${describeTiming(req.timing)}`,
  );
  const outcome = await verifyChecks({
    checks: req.checks,
    timing: req.timing,
    ctx: checkContext(req, svc, incident, since),
    sleep: svc.sleep,
    onRound: (round, results, roundResult) => {
      svc.logger.info(`round ${round}: ${roundResult}`);
      for (const r of results) svc.logger.info(`  ${r.name}: ${r.status}: ${r.detail}`);
    },
  });
  svc.logger.info(`verification ${outcome.result}: ${outcome.reason}`);

  svc.phase('Incident and report');
  const record = await recordVerification(
    {
      mode,
      environment,
      outcome,
      deploymentId,
      incident,
      rollback: req.env.rollback,
      escalate: req.env.verify.escalate,
      runUrl: req.run.runUrl,
      resolveOnPass:
        mode === 'after-rollback' &&
        !(await environmentDeclares(req.policyPath, environment, 'recovery')),
    },
    { deployments: svc.deployments, incidents: svc.incidents, now: svc.now, logger: svc.logger },
  );
  // As at the end of a staged recovery: the incident is over, so its report is proposed.
  const reportUrl =
    record.resolved && incident
      ? await svc.proposeReport({
          incident: { number: incident.number, store: svc.incidents },
          verification: outcome.checks.map((c) => ({
            name: c.name,
            kind: c.type,
            status: relabel('check', 'verify', c.status),
            detail: c.detail,
          })),
          recoveryTime: req.env.recovery_time ?? {},
          serverUrl: req.run.serverUrl,
          now: new Date(svc.now()),
        })
      : '';

  svc.phase('Outputs, summary and notifications');
  const notified =
    outcome.result === 'failed' ? await notifyFailed(req, svc, outcome, record, incident) : null;
  return { outcome, record, incident, deploymentId, reportUrl, pause: await pause, notified };
}

/**
 * The incident the verification is about, and the pause switch for the summary. After a
 * rollback, the open incident is read from the environment's one-label list, which holds the
 * pause issues too (the same single request); otherwise one list of its own. Either way the
 * pause is judged beside the checks and awaited only at the end, and a failed read is shown in
 * the summary, never fails the step.
 */
async function readIncidentAndPause(
  req: VerifyRequest,
  svc: VerifyServices,
): Promise<{ pause: Promise<PauseState>; incident: IncidentRecord | null }> {
  const authority = req.env.rollback.authority;
  if (req.incident === null && req.mode === 'after-rollback') {
    const read = svc.incidents.readEnvironment(req.environment, svc.now());
    const pause = settlePause(
      read.then((r) =>
        r.pauseIssues.length > 0 ? svc.judgePauses(r.pauseIssues, authority) : NO_PAUSE,
      ),
    );
    return { pause, incident: (await read).incident };
  }
  const pause = settlePause(svc.readPause(req.environment, authority));
  return { pause, incident: req.incident === null ? null : await svc.incidents.get(req.incident) };
}

/**
 * The deployment to put the status on (the input, the rollback's, or the environment's current
 * one after a deploy) and since when "improved" counts (the input, the rollback, the deploy).
 */
async function deploymentAndSince(
  req: VerifyRequest,
  svc: VerifyServices,
  incident: IncidentRecord | null,
): Promise<{ deploymentId: number | null; since: number | undefined }> {
  let deploymentId = req.deploymentId ?? incident?.state.rollbackDeploymentId ?? null;
  let deployedAt: number | undefined;
  if (deploymentId === null && req.mode === 'after-deploy') {
    const current = await svc.deployments.current(req.environment);
    deploymentId = current?.id ?? null;
    if (current) deployedAt = Date.parse(current.createdAt);
  }
  if (req.since !== undefined) return { deploymentId, since: req.since };
  if (req.mode === 'after-rollback')
    return {
      deploymentId,
      since: incident?.state.lastRollbackAt ? Date.parse(incident.state.lastRollbackAt) : undefined,
    };
  if (deployedAt === undefined && deploymentId !== null && needsSince(req.checks))
    deployedAt = Date.parse((await svc.deployments.get(deploymentId)).createdAt);
  return { deploymentId, since: deployedAt };
}

function checkContext(
  req: VerifyRequest,
  svc: VerifyServices,
  incident: IncidentRecord | null,
  since: number | undefined,
): CheckContext {
  const { runUrl, repository } = req.run;
  const state = incident?.state;
  return {
    environment: req.environment,
    now: svc.now,
    logger: svc.logger,
    sources: svc.sources,
    flags: svc.flags,
    step: req.env.step,
    lookback: req.env.lookback,
    ...(since === undefined ? {} : { since }),
    stepContext: {
      ...(incident ? { incident: incident.number } : {}),
      ...(state?.target ? { targetRef: state.target.ref, targetSha: state.target.sha } : {}),
      ...(state ? { fromRef: state.bad.ref, fromSha: state.bad.sha } : {}),
      ...(state?.strategy ? { strategy: state.strategy } : {}),
      repository,
      ...(runUrl ? { runUrl } : {}),
    },
    secrets: [...svc.secrets],
    ...(svc.exec ? { exec: svc.exec } : {}),
  };
}

/** verify.failed, with what the incident says of the rollback. */
async function notifyFailed(
  req: VerifyRequest,
  svc: VerifyServices,
  outcome: VerifyOutcome,
  record: RecordResult,
  incident: IncidentRecord | null,
): Promise<NotifyReport | null> {
  const state = incident?.state;
  return svc.notify({
    event: 'verify.failed',
    environment: req.environment,
    repository: req.run.repository,
    incident: incident ? { number: incident.number, url: incident.url } : null,
    values: {
      reason: outcome.reason,
      ...(state ? { status: 'verification-failed', from: state.bad.ref } : {}),
      ...(state?.target ? { to: state.target.ref } : {}),
      ...(state?.strategy ? { strategy: state.strategy } : {}),
      next_steps: record.next,
      ...req.run.notifyValues,
    },
  });
}

/**
 * The checks with the `${NAME}` secrets of probe URLs and headers resolved (a smoke command
 * keeps its own `$VARS`), and the values to mask. `where` names the checks in a missing
 * secret's message (`verify.checks`, `environments.production.verify.checks`).
 */
export function resolveCheckSecrets(
  checks: readonly VerifyCheck[],
  runnerEnv: Record<string, string | undefined>,
  where: string,
): { checks: VerifyCheck[]; secrets: string[] } {
  const secrets = new Set<string>();
  const resolved = checks.map((check): VerifyCheck => {
    if (check.type !== 'probe') return check;
    const r = resolveSecrets(
      { url: check.url, headers: check.headers },
      runnerEnv,
      `${where}.${check.name}`,
    );
    for (const secret of r.secrets) secrets.add(secret);
    return { ...check, url: r.value.url, ...(r.value.headers ? { headers: r.value.headers } : {}) };
  });
  return { checks: resolved, secrets: [...secrets] };
}

function needsSince(checks: readonly VerifyCheck[]): boolean {
  return checks.some((c) => c.type === 'metric' && c.improved !== undefined);
}

function describeTiming(t: VerifyTiming): string {
  const d = formatDuration;
  return `stabilization ${d(t.stabilization)}, every ${d(t.interval)} for up to ${d(t.duration)}, ${t.successes} consecutive success${t.successes === 1 ? '' : 'es'}, ${t.failuresTolerated} failure${t.failuresTolerated === 1 ? '' : 's'} tolerated${t.minDuration ? `, passing no sooner than ${d(t.minDuration)}` : ''}`;
}
