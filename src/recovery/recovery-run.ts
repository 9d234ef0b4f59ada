/**
 * The staged-recovery action's use case around one runRecovery: the gates a stage is judged by
 * (the triggers and the verify checks, sources built only when a gate is read), the pause
 * switch read beside the incident for the summary, the notifications of each transition, the
 * incident report once recovered, and the recovery schedule switched off when nothing is left.
 *
 * The action (src/actions/staged-recovery/run.ts) parses the inputs, wires the services and writes
 * the outputs; this file takes every service as an argument.
 */
import type { Logger } from '../shared/logger.ts';
import type { NotifyValues } from '../notify/templates.ts';
import type { Environment, Policy } from '../policy/schema.ts';
import type { VerifyCheck } from '../policy/schema-verify.ts';
import type { Verdict } from '../signals/verdict.ts';
import { evaluateEnvironment } from '../signals/evaluate-environment.ts';
import type { RipcordIdentity } from '../github/identity.ts';
import type { IncidentStore, PauseIssue } from '../incident/store.ts';
import type { AcquireResult } from '../incident/lock.ts';
import type { ScheduleOutcome } from './schedule.ts';
import type { Notification, NotifyReport } from '../notify/dispatch.ts';
import type { ActorAccess } from '../rollback/authority.ts';
import { NO_PAUSE, settlePause, type PauseState } from '../rollback/pause.ts';
import type { SignalSource } from '../signals/factory.ts';
import type { FlagProvider } from '../rollback/flags/flag-provider.ts';
import { runChecksOnce, type CheckResult } from '../verify/checks.ts';
import { resolveCheckSecrets, type ReportRequest } from '../verify/verify-run.ts';
import {
  combineGates,
  gateFromVerdicts,
  runRecovery,
  type GateReader,
  type GateReading,
  type PercentDriver,
  type RecoveryNotification,
  type RecoveryRequest,
  type RecoveryResult,
} from './runner.ts';
import { relabel } from '../shared/outcome.ts';

type Authority = Environment['rollback']['authority'];

/** Outcomes after which no tick has anything left to do: the schedule can go. */
const SCHEDULE_DONE: readonly RecoveryResult['outcome'][] = ['no-incident', 'recovered', 'aborted'];

export interface RecoveryRunRequest extends RecoveryRequest {
  policy: Policy;
  /** The policy's section for the environment. */
  env: Environment;
  repository: string;
  serverUrl: string;
  /** What every notification of the run carries (run_url, deployment_url, actor). */
  notifyValues: NotifyValues;
}

export interface RecoveryRunServices {
  identity: RipcordIdentity;
  incidents: IncidentStore;
  /** The environment lock, waiting at most `waitMs` for another holder. */
  lock: (waitMs: number) => { acquire(): Promise<AcquireResult> };
  gates: GateReader;
  driver: PercentDriver;
  /** What an actor may do under `authority` (recovery.approval, else rollback.authority). */
  actorAccess: (authority: Authority) => (actor: string) => Promise<ActorAccess>;
  /** Who labelled the pause issues and whether they may pause, judged now. */
  judgePauses: (issues: readonly PauseIssue[], authority: Authority) => Promise<PauseState>;
  /** Switches the recovery workflow's schedule off (a failure is its outcome, not thrown). */
  disableSchedule: (workflow: string) => Promise<ScheduleOutcome>;
  /** Sends a notification; a failure to send warns and gives null (the transition is saved). */
  notify: (n: Notification) => Promise<NotifyReport | null>;
  /** The report's pull request URL, or '' (a report that cannot be written only warns). */
  proposeReport: (r: ReportRequest) => Promise<string>;
  now: () => number;
  logger: Logger;
  /** Starts the next phase of the log. */
  phase: (name: string) => void;
}

export interface RecoveryRunResult {
  result: RecoveryResult;
  /** The incident report's pull request, or ''. */
  reportUrl: string;
  /** What this run did to the recovery schedule (recovery.workflow), if anything. */
  schedule: ScheduleOutcome | null;
  /** The pause switch as read (null: no incident was looked for). */
  pause: PauseState | null;
  /** The channels of each notification sent, in order. */
  reports: NotifyReport[];
}

export async function recoverEnvironment(
  req: RecoveryRunRequest,
  svc: RecoveryRunServices,
): Promise<RecoveryRunResult> {
  const { env } = req;
  const reading = withPauseRead(req, svc);
  const reports: NotifyReport[] = [];
  // A scheduled tick that finds the lock taken leaves the work to its holder; a person's
  // command waits for it.
  const manual = req.command === 'proceed' || req.command === 'abort';
  const lock = svc.lock(manual ? env.rollback.lock.wait : 0);
  svc.phase('Recover');
  const result = await runRecovery(req, {
    policy: req.policy,
    incidents: reading.incidents,
    lock,
    gates: svc.gates,
    driver: svc.driver,
    actorAccess: svc.actorAccess(env.recovery.approval ?? env.rollback.authority),
    now: svc.now,
    logger: svc.logger,
    notify: async (n) => {
      const report = await notifyTransition(req, svc, n);
      if (report) reports.push(report);
      return report?.recorded ?? false;
    },
  });

  svc.phase('Report, outputs and summary');
  let reportUrl = '';
  if (result.incident && result.applied.some((e) => e.type === 'markRecovered')) {
    // The incident is recovered: a repository that refuses bot pull requests must not turn
    // that red (the report goes on the incident instead).
    reportUrl = await svc.proposeReport({
      identity: svc.identity,
      incident: { number: result.incident.number, store: reading.incidents },
      evidence: result.gates?.verdicts,
      recoveryTime: env.recovery_time ?? {},
      serverUrl: req.serverUrl,
      now: new Date(svc.now()),
    });
  }

  // The tick that finds nothing left to recover switches the schedule off (recovery.workflow);
  // the next rollback switches it on again. A run that did nothing (skipped, waiting) keeps it.
  const schedule =
    env.recovery.workflow && SCHEDULE_DONE.includes(result.outcome)
      ? await svc.disableSchedule(env.recovery.workflow)
      : null;
  if (schedule) {
    if (schedule.ok) svc.logger.info(schedule.message);
    else svc.logger.warning(schedule.message);
  }
  svc.logger.info(result.message);
  return { result, reportUrl, schedule, pause: await reading.pause(), reports };
}

/**
 * The pause switch, for the summary: the tick's first incident read lists the environment's
 * issues by its one label (incident and pause issues together, the same single request as
 * before), and the pause issues are judged beside the rest of the tick. A pause does not stop
 * the recovery (it stops automatic rollbacks; docs/architecture.md), so it is only shown.
 */
function withPauseRead(
  req: RecoveryRunRequest,
  svc: RecoveryRunServices,
): { incidents: IncidentStore; pause: () => Promise<PauseState | null> } {
  const store = svc.incidents;
  let pauseRead: Promise<PauseState> | null = null;
  const incidents: IncidentStore = {
    ...store,
    async findOpen(name) {
      if (pauseRead) return store.findOpen(name);
      const read = store.readEnvironment(name, svc.now());
      pauseRead = settlePause(
        read.then((r) =>
          r.pauseIssues.length > 0
            ? svc.judgePauses(r.pauseIssues, req.env.rollback.authority)
            : NO_PAUSE,
        ),
      );
      return (await read).incident;
    },
  };
  return { incidents, pause: async () => (pauseRead ? await pauseRead : null) };
}

/** One transition's notification: its status, stage and what this run did. */
async function notifyTransition(
  req: RecoveryRunRequest,
  svc: RecoveryRunServices,
  n: RecoveryNotification,
): Promise<NotifyReport | null> {
  return svc.notify({
    event: n.event,
    environment: req.environment,
    repository: req.repository,
    incident: n.incident,
    values: {
      status: n.state.status,
      ...(n.state.stage >= 0 ? { stage: `${n.state.stage + 1}: ${n.state.percent}%` } : {}),
      next_steps: [n.message, ...n.lines].join('\n'),
      ...req.notifyValues,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The gates of a stage

/**
 * The verify checks a stage is gated by (recovery.gates.verify), with their `${NAME}` secrets
 * resolved up front, as in the verify action, so a missing secret fails before any stage moves.
 */
export function verifyGateChecks(
  env: Environment,
  environment: string,
  runnerEnv: Record<string, string | undefined>,
): { checks: VerifyCheck[]; secrets: string[] } {
  return resolveCheckSecrets(
    // "The flag is really off" proves a rollback; during recovery the flag is meant to be on
    // again, so as a stage gate it would roll back every first stage.
    env.verify.checks.filter((check) => check.type !== 'flag-off'),
    runnerEnv,
    `environments.${environment}.verify.checks`,
  );
}

export interface StageGateOptions {
  policy: Policy;
  env: Environment;
  environment: string;
  /** Builds the policy's sources (masking their secrets): only when a gate is read. */
  openSources: () => { sources: Map<string, SignalSource>; secrets: readonly string[] };
  flags: ReadonlyMap<string, FlagProvider>;
  /** From verifyGateChecks. */
  verifyChecks: readonly VerifyCheck[];
  verifySecrets: readonly string[];
  /** A reader to use for the verify gate instead of the checks (a test seam). */
  verifyGates?: GateReader | undefined;
  repository: string;
  runUrl: string | null;
  now: () => number;
  logger: Logger;
}

/** The gates of a stage: the triggers and the verify checks, as the policy turns them on. */
export function stageGates(o: StageGateOptions): GateReader {
  const { env, environment } = o;
  return async (at, since) => {
    // Sources (and their secrets) are built only when a gate is read: a waiting tick needs none.
    const { sources, secrets } = o.openSources();
    const verifyGates: GateReader | undefined =
      o.verifyGates ??
      (o.verifyChecks.length > 0
        ? async (_at, stageSince) =>
            gateFromChecks(
              await runChecksOnce(o.verifyChecks, {
                environment,
                now: o.now,
                logger: o.logger,
                sources,
                flags: o.flags,
                step: env.step,
                lookback: env.lookback,
                ...(stageSince === null ? {} : { since: stageSince }),
                stepContext: {
                  repository: o.repository,
                  ...(o.runUrl ? { runUrl: o.runUrl } : {}),
                },
                secrets: [...o.verifySecrets, ...secrets],
              }),
            )
        : undefined);
    const readings: GateReading[] = [];
    if (env.recovery.gates.triggers && env.triggers.length > 0) {
      const decision = await evaluateEnvironment({
        policy: o.policy,
        environment,
        sources,
        at,
        ...(since === null ? {} : { deployedAt: since }),
        logger: o.logger,
      });
      readings.push(gateFromVerdicts(decision.triggers));
    }
    if (env.recovery.gates.verify && verifyGates) readings.push(await verifyGates(at, since));
    return combineGates(readings);
  };
}

/**
 * The verify checks as gate verdicts, all critical: a failed check regresses the stage, an
 * inconclusive one holds it (gateFromVerdicts), as the verify action would judge the round.
 */
export function gateFromChecks(results: readonly CheckResult[]): GateReading {
  const verdicts: Verdict[] = results.map((r) => ({
    name: `verify: ${r.name}`,
    kind: r.type,
    severity: 'critical',
    status: relabel('check', 'trigger', r.status),
    value: r.value,
    // With its unit (`17 ms`), as the verify summary shows it: a bare 17 says nothing.
    valueText: r.valueText ?? (r.value === null ? null : String(r.value)),
    threshold: 'check passes',
    since: null,
    reason: r.detail,
    query: '',
    source: r.type,
    labels: {},
    points: [],
    thresholdValue: null,
    impact: null,
  }));
  return gateFromVerdicts(verdicts);
}
