/**
 * The staged-recovery use-case: one run (a scheduled tick, or a person's proceed / abort /
 * status) reads the open incident, lets the pure machine decide, and applies what it says.
 *
 * Cost discipline: scheduled runs come every few minutes and mostly have nothing to do, so the
 * decision is made from the recorded timestamps first, without the lock; a tick whose dwell is
 * still running costs one GitHub call (the incident search, which returns the body holding the
 * state). Only a transition that changes something takes the environment lock, re-reads the
 * incident under it, and acts only if the recovery is still what it decided on: of two runs at
 * once, the second finds the state moved and does nothing.
 */
import { ConfigurationError, toError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { NotifyEvent } from '../notify/templates.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { Environment, Policy } from '../policy/schema.ts';
import { assertMove } from '../incident/lifecycle.ts';
import { addRun, withStatus, type IncidentState, type IncidentStatus } from '../incident/state.ts';
import {
  initialRecoveryState,
  parseRecoveryState,
  recoverySettingsOf,
  transition,
  type GateResult,
  type RecoveryEffect,
  type RecoveryEvent,
  type RecoverySettings,
  type RecoveryState,
  type Transition,
  type WaitReason,
} from './machine.ts';
import { combineOutcomes, labelOutcome, outcomeOf, type Outcome } from '../shared/outcome.ts';
import type { Verdict } from '../signals/verdict.ts';
import type { IncidentRecord, IncidentStore } from '../incident/store.ts';
import type { AcquireResult } from '../incident/lock.ts';
import { assertMayRollBack, type ActorAccess } from '../rollback/authority.ts';
import { environmentOf } from '../signals/evaluate-environment.ts';
import type { FlagProvider } from '../rollback/flags/flag-provider.ts';
import { ripcordEnv, runCommandStep, type ExecFn } from '../rollback/steps/command-step.ts';

export type RecoveryCommand = 'tick' | 'proceed' | 'abort' | 'status';

export interface RecoveryRequest {
  environment: string;
  command: RecoveryCommand;
  actor: string;
  reason?: string;
  run: { id: string; attempt: number; url: string | null };
}

/** What the gates of a stage said, with the evidence for the summary and the incident. */
export interface GateReading {
  result: GateResult;
  detail: string;
  verdicts: Verdict[];
}

/** Reads the gates at `at`; `since` is when the stage went live (baseline triggers compare to before it). */
export type GateReader = (at: number, since: number | null) => Promise<GateReading>;

/** Moves the live percentage: a flag's rollout or a command. */
export interface PercentDriver {
  readonly describe: string;
  setPercent(percent: number, incident: number): Promise<string>;
  rollbackAgain(incident: number): Promise<string>;
}

export interface RecoveryDeps {
  policy: Policy;
  incidents: IncidentStore;
  lock: { acquire(): Promise<AcquireResult> };
  gates: GateReader;
  driver: PercentDriver;
  actorAccess: (actor: string) => Promise<ActorAccess>;
  now: () => number;
  logger: Logger;
  /**
   * Sends the transition's notify effects (the notify action's code). Resolves true when it
   * recorded them on the incident, which then is the transition's audit record; without it, or
   * when nothing was recorded, the transition is written as a plain incident comment.
   */
  notify?: (n: RecoveryNotification) => Promise<boolean>;
}

export interface RecoveryNotification {
  event: NotifyEvent;
  message: string;
  incident: { number: number; url: string };
  state: RecoveryState;
  /** What this run did (percentages set, rollbacks), one line each. */
  lines: string[];
}

export type RecoveryOutcome =
  | 'no-incident'
  | 'not-ready'
  | 'waiting'
  | 'held'
  | 'advanced'
  | 'awaiting-approval'
  | 'rolled-back-again'
  | 'recovered'
  | 'aborted'
  | 'skipped'
  | 'status';

export interface RecoveryResult {
  outcome: RecoveryOutcome;
  message: string;
  incident: { number: number; url: string } | null;
  /** The recovery settings the run used (the staged-recovery summary lists the stages). */
  plan: RecoverySettings;
  state: RecoveryState | null;
  next: { action: WaitReason | 'none'; at: string | null };
  gates: GateReading | null;
  /** The effects this run carried out (empty when it changed nothing). */
  applied: RecoveryEffect[];
}

export async function runRecovery(
  req: RecoveryRequest,
  deps: RecoveryDeps,
): Promise<RecoveryResult> {
  const env = environmentOf(deps.policy, req.environment);
  const settings = recoverySettingsOf(env.recovery);
  checkGatesConfigured(env, req.environment);
  const base: RecoveryResult = {
    outcome: 'status',
    message: '',
    incident: null,
    plan: settings,
    state: null,
    next: { action: 'none', at: null },
    gates: null,
    applied: [],
  };

  if (req.command === 'proceed' || req.command === 'abort') {
    const authority = env.recovery.approval ?? env.rollback.authority;
    try {
      assertMayRollBack(req.actor, await deps.actorAccess(req.actor), authority);
    } catch (e) {
      if (!(e instanceof ConfigurationError)) throw e;
      throw new ConfigurationError(
        `${req.actor} may not ${req.command} the recovery of ${req.environment}: ${e.message.replace(/^.*? may not roll back /, '')}`,
      );
    }
  }

  const now = deps.now();
  const incident = await deps.incidents.findOpen(req.environment);
  if (!incident) {
    return {
      ...base,
      outcome: 'no-incident',
      message: `No open Ripcord incident for ${req.environment} (the last one may be closed already): nothing to recover.`,
    };
  }
  const ref = { number: incident.number, url: incident.url };
  const notReady = readiness(incident);
  if (notReady) return { ...base, outcome: 'not-ready', incident: ref, message: notReady };

  const read = readRecoveryState(incident, now);
  let gates: GateReading | null = null;
  let decided = transition(settings, read, eventFor(req, null, ''), now);
  if (decided.effects.some((e) => e.type === 'evaluateGates')) {
    const since = read.stageStartedAt === null ? null : Date.parse(read.stageStartedAt);
    gates = await deps.gates(now, since);
    decided = transition(settings, read, eventFor(req, gates.result, gates.detail), now);
  }
  const summary = { ...base, incident: ref, gates, plan: settings };

  if (!decided.changed) {
    return {
      ...summary,
      gates,
      outcome: outcomeOfUnchanged(req, decided, read),
      message: decided.message,
      state: read,
      next: nextOf(decided),
    };
  }

  const acquired = await deps.lock.acquire();
  if (!acquired.acquired) {
    return {
      ...summary,
      gates,
      outcome: 'skipped',
      state: read,
      next: nextOf(decided),
      message: `Another run holds the ${req.environment} lock (${acquired.heldBy.holder}); it is acting on the incident, so this run did nothing.`,
    };
  }
  // Renewed while held, as in a rollback: a slow flag provider must not let a second tick in.
  acquired.lock.keepAlive();
  try {
    const fresh = await deps.incidents.findOpen(req.environment);
    if (
      !fresh ||
      fresh.number !== incident.number ||
      fresh.state.status !== incident.state.status ||
      JSON.stringify(readRecoveryState(fresh, now)) !== JSON.stringify(read)
    ) {
      return {
        ...summary,
        gates,
        outcome: 'skipped',
        state: fresh ? readRecoveryState(fresh, now) : read,
        next: nextOf(decided),
        message: fresh
          ? `Another run moved the recovery of incident #${incident.number} first; this run did nothing.`
          : `Incident #${incident.number} was closed meanwhile; this run did nothing.`,
      };
    }
    const applied = await apply(req, deps, fresh, decided, gates);
    return {
      ...summary,
      gates,
      outcome: outcomeOfChanged(decided),
      message: decided.message,
      state: decided.state,
      next: nextOf(decided),
      applied,
    };
  } finally {
    await acquired.lock
      .release()
      .catch((e: unknown) =>
        deps.logger.warning(`could not release the lock: ${toError(e).message}`),
      );
  }
}

function eventFor(req: RecoveryRequest, gates: GateResult | null, detail: string): RecoveryEvent {
  switch (req.command) {
    case 'tick':
      return { type: 'tick', gates, detail };
    case 'proceed':
      return { type: 'proceed', actor: req.actor, gates, detail };
    case 'abort':
      return { type: 'abort', actor: req.actor, ...(req.reason ? { reason: req.reason } : {}) };
    case 'status':
      return { type: 'status' };
  }
}

/** The incident statuses recovery may act on, or why it waits. */
function readiness(incident: IncidentRecord): string | null {
  const s = incident.state.status;
  switch (s) {
    case 'rolled-back':
    case 'recovering':
    case 'recovered':
      return null;
    case 'rolling-back':
      return `Incident #${incident.number} is still rolling back; recovery starts once the rollback completed.`;
    case 'awaiting-approval':
      return `Incident #${incident.number} waits for approval of its rollback; recovery starts once it rolled back.`;
    case 'rollback-failed':
      return `The rollback of incident #${incident.number} failed; fix it (run the rollback again) before recovering.`;
    case 'verification-failed':
      return `The rollback of incident #${incident.number} did not verify healthy; recovery does not start on an unhealthy environment.`;
    case 'closed':
      return `Incident #${incident.number} is closed: nothing to recover.`;
  }
}

function readRecoveryState(incident: IncidentRecord, now: number): RecoveryState {
  if (incident.state.recovery === null) {
    return initialRecoveryState(Date.parse(incident.state.lastRollbackAt ?? '') || now);
  }
  const parsed = parseRecoveryState(incident.state.recovery);
  if ('error' in parsed) {
    throw new ConfigurationError(
      `The recovery block in the state of incident ${incident.url} cannot be used; nothing was changed.`,
      [
        parsed.error,
        'Fix it by hand, or restore it from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow. Delete the whole "recovery" value (set it to null) only to start the recovery over.',
      ],
    );
  }
  return parsed.state;
}

function checkGatesConfigured(env: Environment, name: string): void {
  const gates = env.recovery.gates;
  const triggers = gates.triggers && env.triggers.length > 0;
  if (!triggers && !gates.verify) {
    throw new ConfigurationError(
      `recovery of ${name} has no gates: a stage would advance without evidence. Add triggers to environments.${name}, or set recovery.gates.verify`,
    );
  }
}

async function apply(
  req: RecoveryRequest,
  deps: RecoveryDeps,
  incident: IncidentRecord,
  t: Transition,
  gates: GateReading | null,
): Promise<RecoveryEffect[]> {
  const at = new Date(deps.now()).toISOString();
  const done: RecoveryEffect[] = [];
  const lines: string[] = [];
  let rolledBack = false;
  try {
    for (const effect of t.effects) {
      if (effect.type === 'setPercent') {
        lines.push(await deps.driver.setPercent(effect.percent, incident.number));
        done.push(effect);
      } else if (effect.type === 'rollbackAgain') {
        lines.push(await deps.driver.rollbackAgain(incident.number));
        rolledBack = true;
        done.push(effect);
      } else if (effect.type === 'markRecovered' || effect.type === 'notify') {
        done.push(effect);
      }
    }
  } catch (thrown) {
    // The stored state still says where the recovery was, so the next run retries this step.
    const error = toError(thrown);
    await deps.incidents
      .comment(
        incident.number,
        `### Recovery step failed\n\n${escapeMarkdown(t.message)}\n\nFailed: ${escapeMarkdown(error.message)}\n\nThe recovery state is unchanged; the next run tries again.`,
      )
      .catch((e: unknown) =>
        deps.logger.warning(`could not comment on #${incident.number}: ${toError(e).message}`),
      );
    throw error;
  }

  const nextStatus = incidentStatusFor(t.state);
  if (nextStatus !== incident.state.status)
    assertMove(incident.state.status, nextStatus, 'recovery');
  let state: IncidentState = addRun(incident.state, req.run.id, req.run.attempt, at);
  state = {
    ...withStatus(state, nextStatus, at),
    recovery: t.state,
    ...(rolledBack ? { lastRollbackAt: at } : {}),
  };
  await deps.incidents.save(incident, state, { unchangedSinceRead: true });
  const notes = t.effects.flatMap((e) => (e.type === 'notify' ? [e] : []));
  // The first stage of an attempt is the recovery starting; the machine calls every stage a stage.
  const firstStage = t.effects.some((e) => e.type === 'setPercent' && e.stage === 0);
  let recorded = false;
  if (deps.notify) {
    for (const note of notes) {
      const event = note.event === 'recovery.stage' && firstStage ? 'recovery.started' : note.event;
      const sent = await deps.notify({
        event,
        message: note.message,
        incident: { number: incident.number, url: incident.url },
        state: t.state,
        lines,
      });
      recorded ||= sent;
    }
  }
  const title = notes[0]?.event ?? 'recovery';
  const comment = [
    `### ${title}`,
    '',
    escapeMarkdown(t.message),
    ...lines.map((l) => `- ${escapeMarkdown(l)}`),
    ...(gates ? ['', gateEvidence(gates)] : []),
    ...(req.run.url ? ['', `Run: ${req.run.url}`] : []),
  ].join('\n');
  // The gate evidence is the audit record of why a stage advanced or rolled back: keep it on
  // the incident even when a notification already recorded the transition itself.
  if (!recorded || gates) await deps.incidents.comment(incident.number, comment);
  if (t.state.status === 'recovered') await deps.incidents.close(incident.number, 'completed');
  return done;
}

function incidentStatusFor(r: RecoveryState): IncidentStatus {
  switch (r.status) {
    case 'running':
      return 'recovering';
    case 'awaiting-approval':
      return r.stage >= 0 ? 'recovering' : 'rolled-back';
    case 'recovered':
      return 'recovered';
    case 'pending':
    case 'backoff':
    case 'aborted':
      return 'rolled-back';
  }
}

/** The gate evidence as Markdown: one row per trigger verdict. */
export function gateEvidence(g: GateReading): string {
  const rows = g.verdicts.map(
    (v) =>
      `| ${escapeMarkdown(v.name)} | ${v.status} | ${escapeMarkdown(v.valueText ?? '-')} | ${escapeMarkdown(v.threshold)} | ${escapeMarkdown(v.reason)} |`,
  );
  return [
    `Gates: **${g.result}**${g.detail ? ` (${escapeMarkdown(g.detail)})` : ''}`,
    ...(rows.length > 0
      ? [
          '',
          '| Gate | Verdict | Value | Condition | Why |',
          '| --- | --- | --- | --- | --- |',
          ...rows,
        ]
      : []),
  ].join('\n');
}

function nextOf(t: Transition): RecoveryResult['next'] {
  const wait = t.effects.find((e) => e.type === 'wait');
  if (wait?.type === 'wait') return { action: wait.reason, at: wait.until };
  if (t.effects.some((e) => e.type === 'evaluateGates')) return { action: 'gates', at: null };
  return { action: 'none', at: null };
}

function outcomeOfUnchanged(
  req: RecoveryRequest,
  t: Transition,
  s: RecoveryState,
): RecoveryOutcome {
  if (req.command === 'status') return 'status';
  if (s.status === 'recovered') return 'recovered';
  if (s.status === 'aborted') return 'aborted';
  if (
    t.effects.some((e) => e.type === 'wait' && e.reason === 'gates') &&
    s.lastGate?.result === 'inconclusive'
  )
    return 'held';
  if (s.status === 'awaiting-approval') return 'awaiting-approval';
  return 'waiting';
}

function outcomeOfChanged(t: Transition): RecoveryOutcome {
  if (t.effects.some((e) => e.type === 'rollbackAgain')) {
    return t.state.status === 'aborted' ? 'aborted' : 'rolled-back-again';
  }
  switch (t.state.status) {
    case 'recovered':
      return 'recovered';
    case 'aborted':
      return 'aborted';
    case 'awaiting-approval':
      return 'awaiting-approval';
    case 'running':
      return t.effects.some((e) => e.type === 'setPercent') ? 'advanced' : 'held';
    default:
      return 'waiting';
  }
}

/** Maps a trigger decision to a gate: a critical breach regresses; a warning or missing data holds. */
export function gateFromVerdicts(verdicts: readonly Verdict[]): GateReading {
  const read = (v: Verdict) => outcomeOf('trigger', v.status);
  const breached = verdicts.filter((v) => read(v) === 'fail');
  const critical = breached.filter((v) => v.severity === 'critical');
  const unsure = verdicts.filter((v) => read(v) === 'inconclusive');
  const names = (vs: Verdict[]) => vs.map((v) => v.name).join(', ');
  const reading = (outcome: Outcome, detail: string): GateReading => ({
    result: labelOutcome('gate', outcome),
    detail,
    verdicts: [...verdicts],
  });
  if (critical.length > 0) return reading('fail', `${names(critical)} breached`);
  if (unsure.length > 0 || breached.length > 0) {
    const parts = [
      ...(unsure.length > 0 ? [`${names(unsure)} inconclusive`] : []),
      ...(breached.length > 0 ? [`${names(breached)} warning`] : []),
    ];
    return reading('inconclusive', parts.join('; '));
  }
  if (verdicts.length === 0) return reading('inconclusive', 'no gate verdicts');
  return reading(
    'pass',
    `${verdicts.length === 1 ? 'the gate is' : `all ${verdicts.length} gates are`} ok`,
  );
}

/** Worst of several gate readings: regressed over inconclusive over healthy. */
export function combineGates(readings: readonly GateReading[]): GateReading {
  if (readings.length === 0) return { result: 'inconclusive', detail: 'no gates', verdicts: [] };
  const worst = labelOutcome(
    'gate',
    combineOutcomes(readings.map((r) => outcomeOf('gate', r.result))),
  );
  const verdicts = readings.flatMap((r) => r.verdicts);
  // Healthy readings each say "the gate is ok"; joined they would repeat it once per reading.
  if (worst === 'healthy' && verdicts.length > 0)
    return {
      result: worst,
      detail: `${verdicts.length === 1 ? 'the gate is' : `all ${verdicts.length} gates are`} ok`,
      verdicts,
    };
  return {
    result: worst,
    detail: readings
      .map((r) => r.detail)
      .filter(Boolean)
      .join('; '),
    verdicts: readings.flatMap((r) => r.verdicts),
  };
}

export interface DriverOptions {
  environment: string;
  flags: Map<string, FlagProvider>;
  repository?: string;
  logger: Logger;
  cwd?: string;
  exec?: ExecFn;
}

/**
 * The percentage driver the policy asks for: recovery.flag, else the feature-flag strategy's
 * provider and flag (the flag the rollback switched off), else recovery.command.
 */
export function percentDriver(env: Environment, opts: DriverOptions): PercentDriver {
  const where = `environments.${opts.environment}.recovery`;
  const recovery = env.recovery;
  if (recovery.command !== undefined) {
    const command = recovery.command;
    const run = async (percent: number, incident: number): Promise<string> => {
      const result = await runCommandStep({
        command,
        env: ripcordEnv({
          environment: opts.environment,
          percent,
          incident,
          ...(opts.repository ? { repository: opts.repository } : {}),
        }),
        timeoutMs: recovery.timeout,
        logger: opts.logger,
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
        ...(opts.exec ? { exec: opts.exec } : {}),
      });
      if (!result.ok)
        throw new Error(`recovery command at ${percent}%: ${result.reason ?? 'failed'}`);
      return `command ran with RIPCORD_PERCENT=${percent}`;
    };
    return {
      describe: 'command',
      setPercent: run,
      rollbackAgain: (incident) => run(0, incident),
    };
  }
  const strategy = env.rollback.strategies['feature-flag'];
  const providerName = recovery.flag?.provider ?? strategy?.provider;
  const flag = recovery.flag?.flag ?? strategy?.flag;
  const flagEnv = recovery.flag?.environment ?? strategy?.environment ?? opts.environment;
  if (!providerName || !flag) {
    throw new ConfigurationError(
      `${where}: nothing to drive; set recovery.flag (provider and flag), configure rollback.strategies.feature-flag, or set recovery.command`,
    );
  }
  const provider = opts.flags.get(providerName);
  if (!provider) {
    throw new ConfigurationError(
      `${where}: flag provider "${providerName}" is not available; define it under flags`,
    );
  }
  const name = `${flag} in ${provider.kind} ${flagEnv}`;
  return {
    describe: `flag ${name}`,
    async setPercent(percent) {
      // Unleash switches a flag without a rollout on for everyone: the percentage goes first.
      await provider.setRollout(flag, flagEnv, percent);
      await provider.enable(flag, flagEnv);
      return `flag ${name} at ${percent}%`;
    },
    async rollbackAgain() {
      await provider.disable(flag, flagEnv);
      try {
        await provider.setRollout(flag, flagEnv, 0);
      } catch (e) {
        // The flag is off, which is what protects users; a stale percentage only matters later.
        opts.logger.warning(`flag ${name} is off but its rollout stays: ${toError(e).message}`);
      }
      return `flag ${name} switched off (rollout 0%)`;
    },
  };
}
