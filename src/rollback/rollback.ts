/**
 * The rollback use-case, the runner of the pure machine in machine.ts: it checks authority,
 * plans every rung (a policy mistake fails before anything changes), answers a dry run, and then
 * performs the machine's effects under the environment lock (GitHub reads and writes, the
 * strategy steps, logs), feeding each answer back as the next event with the time. Every
 * decision (the lifecycle, which step runs, what is recorded, what a failure leaves) is the
 * machine's; what is here is I/O, and reading ahead: the reads start beside the lock, and the
 * target lookup beside the pause check, because a rollback's round trips before its first
 * step are the time production stays broken (test/rollback/round-trips.test.ts).
 * GitHub, the clock and the strategy executors come in as parameters.
 */
import { ConfigurationError, toError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { Policy } from '../policy/schema.ts';
import type { FeatureFlagStrategy, RollbackPolicy } from '../policy/schema-rollback.ts';
import { isKnownGood, type DeploymentRecord, type DeploymentStore } from '../github/deployments.ts';
import type { RollbackPlan } from '../incident/lifecycle.ts';
import type { EnvironmentIssues, IncidentRecord, IncidentStore } from '../incident/store.ts';
import type { AcquireResult } from '../incident/lock.ts';
import type { StepEvent } from './ladder.ts';
import {
  ladderFrom,
  planMaintenance,
  planStrategy,
  type PlanDeps,
  type PlannedStep,
  type StrategyName,
} from './plan.ts';
import { environmentOf } from '../signals/evaluate-environment.ts';
import { assertMayRollBack, type ActorAccess } from './authority.ts';
import { checkApproval, requestApproval, ruleFor } from './approval-gate.ts';
import type { ApprovalGateway } from '../incident/approval-comments.ts';
import type { DecisionInput } from './decision-input.ts';
import type { PauseIssue } from '../incident/store.ts';
import { NO_PAUSE, settlePause, type PauseState } from './pause.ts';
import {
  abortEffects,
  describeVersion,
  emptyMachineResult,
  isDone,
  needsTarget,
  rollbackPlan,
  startRollback,
  transition,
  versionOf,
  type MachineResult,
  type RollbackEffect,
  type RollbackEvent,
  type RollbackSetup,
  type RollbackState,
  type RollbackTransition,
} from './machine.ts';

export type { RollbackOutcome, RollbackSkipReason } from './machine.ts';

export interface RollbackRequest {
  environment: string;
  reason: string;
  strategy: 'auto' | StrategyName;
  /** `last-known-good`, a deployment id (digits), a 40-hex sha, or a ref. */
  target: string;
  dryRun: boolean;
  decision: DecisionInput | null;
  actor: string;
  /** A person pressed the button (workflow_dispatch): authority is checked. */
  manual: boolean;
  run: { id: string; attempt: number; url: string | null };
  repository: string;
  /**
   * Started by a comment on this incident (`/ripcord approve` or `reject`): act only when it
   * is the open incident and it awaits approval; never open a new one.
   */
  commentOn?: number;
}

export interface RollbackDeps {
  policy: Policy;
  deployments: DeploymentStore;
  incidents: IncidentStore;
  lock: { acquire(): Promise<AcquireResult> };
  planDeps: PlanDeps;
  actorAccess: (actor: string) => Promise<ActorAccess>;
  /**
   * Judges the pause issues found with the incident (who labelled them, until when); null or
   * absent: no pause switch.
   */
  judgePause?: (issues: readonly PauseIssue[]) => Promise<PauseState>;
  /** Whether the repository has this commit: an explicit sha target is checked before anything is written. */
  commitExists: (sha: string) => Promise<boolean>;
  /** Comment approvals (rollback.approvals); needed only when a decision names a rule. */
  approvals?: ApprovalGateway;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /**
   * Told of each step as it starts and ends (logs, the bench's time-to-first-step, and the
   * rollback.started notification, which needs the incident the step belongs to).
   */
  onStepEvent?: (event: StepEvent, incident: { number: number; url: string }) => void;
}

export interface RollbackResult extends MachineResult {
  /** The pause switch as read (active, or ignored labels), for the summary; null when not read. */
  pause?: PauseState | null;
}

const SHA = /^[0-9a-f]{40}$/i;

export async function rollback(req: RollbackRequest, deps: RollbackDeps): Promise<RollbackResult> {
  const env = environmentOf(deps.policy, req.environment);
  const policy = env.rollback;

  if (req.manual) {
    assertMayRollBack(req.actor, await deps.actorAccess(req.actor), policy.authority);
  }
  if (req.strategy === 'auto' && req.decision && req.decision.decision !== 'rollback') {
    return {
      ...emptyResult(),
      result: 'skipped',
      skipReason: 'not-asked',
      message: req.decision.teamDecision
        ? `The decision is a team decision, not an automatic rollback${req.decision.ask && req.decision.ask.length > 0 ? ` (asking ${req.decision.ask.join(', ')})` : ''}: nothing rolled back. To roll back, run the rollback by hand with a strategy.`
        : `The decision is ${req.decision.decision}, not rollback: nothing to do.`,
    };
  }
  const strategy = chooseStrategy(req, env.default_strategy);
  const rungs = ladderFrom(strategy, policy);
  const planned = withDecisionFlag(policy, req);
  // Plan every rung before anything changes, so a policy mistake fails first and cleanly.
  const plans = new Map<StrategyName, PlannedStep[]>(
    rungs.map((s) => [s, planStrategy(s, req.environment, planned, deps.planDeps)]),
  );
  const maintenance = planMaintenance(strategy, req.environment, policy, deps.planDeps);
  const steps = [...plans.values()].flat();
  const planList = (maintenance ? [maintenance.on, ...steps, maintenance.off] : steps).map((s) => ({
    id: s.id,
    name: s.name,
    strategy: s.strategy,
  }));
  const rule = req.manual ? null : ruleFor(policy.approvals, req.decision);

  if (req.dryRun) {
    // The pause is read beside the deployments, for the summary; its failure is shown there.
    const pauseRead = deps.judgePause ? settlePause(dryRunPause(req, deps, deps.judgePause)) : null;
    const bad = await deps.deployments.current(req.environment);
    const target = bad ? await resolveTarget(req, bad, deps) : null;
    const pause = pauseRead ? await pauseRead : null;
    // As a real run: only an automatic rollback is paused.
    const p = req.manual ? null : pause?.active;
    return {
      ...emptyResult(),
      result: 'dry-run',
      pause,
      message: `${p ? `Automatic rollback of ${req.environment} is paused until ${p.until} by ${p.by} (#${p.issue.number}: ${p.reason}): this run would do nothing. Without the pause: ` : ''}Dry run: would roll back ${req.environment} from ${describeVersion(bad)} to ${describeVersion(target)} with ${rungs.join(' then ')}${rule ? ` once approval rule ${req.decision?.approval ?? ''} has its approvals` : ''}; nothing was changed.`,
      from: bad ? versionOf(bad) : null,
      target: target ? { deploymentId: target.id, ref: target.ref, sha: target.sha } : null,
      strategy,
      plan: planList,
    };
  }

  const setup: RollbackSetup = {
    environment: req.environment,
    reason: req.reason,
    target: req.target,
    manual: req.manual,
    ...(req.commentOn !== undefined ? { commentOn: req.commentOn } : {}),
    run: req.run,
    repository: req.repository,
    decision: req.decision,
    strategy,
    ladder: { rungs, steps: (s) => plans.get(s) ?? [], maintenance },
    plan: planList,
    maxAttempts: policy.max_attempts,
    cooldown: policy.cooldown,
    approvalRule: rule !== null,
  };
  return new Runner(req, deps, setup, plans, maintenance, rule).run();
}

/** A lookup whose failure matters only if its answer is used. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function settled<T>(s: Settled<T>): T {
  if (s.ok) return s.value;
  throw s.error;
}

/** What a rollback reads before it writes: issues (incident, pauses), the live deployment, the target. */
interface EnvironmentState {
  issues: EnvironmentIssues;
  current: DeploymentRecord | null;
  /** The known-good target, looked up only when a new incident will need one. */
  target: Settled<DeploymentRecord> | null;
  pause: PauseState | null;
}

/** The reads a plan needs (issues, live deployment), ready before the target lookup ends. */
interface BasicReads {
  issues: EnvironmentIssues;
  current: DeploymentRecord | null;
  plan: RollbackPlan;
}

interface Reads {
  basics: Promise<BasicReads>;
  full: Promise<EnvironmentState>;
}

/**
 * Performs the machine's effects. The reads start early: the lock's three writes (tree, commit,
 * ref) are the longest chain, so its first request goes out first and the incident list, the
 * deployments and the target lookup fit in that time. Reading before holding the lock is safe
 * because those reads are trusted only when the lock was free when asked for (not contended)
 * and, before any write, one list of the environment's issues `since` the read shows that no
 * Ripcord run wrote an incident in between (every run that mutates the environment under the
 * lock writes its incident before releasing it). Deployment statuses are written by deploy
 * pipelines without the lock, so a read under the lock would be no fresher.
 */
class Runner {
  /** The incident records as last read or written (a save needs the issue body). */
  private readonly records = new Map<number, IncidentRecord>();
  /** Deployments read, by id, for markBad. */
  private readonly deployments = new Map<number, DeploymentRecord>();
  private early: Reads | null = null;
  private read: EnvironmentState | null = null;
  private revalidation: Promise<boolean> | null = null;
  private pause: PauseState | null = null;
  /** Set while this run holds the environment's lock. */
  private release: (() => Promise<void>) | null = null;

  private readonly req: RollbackRequest;
  private readonly deps: RollbackDeps;
  private readonly setup: RollbackSetup;
  private readonly plans: Map<StrategyName, PlannedStep[]>;
  private readonly maintenance: { on: PlannedStep; off: PlannedStep } | null;
  private readonly rule: ReturnType<typeof ruleFor>;

  constructor(
    req: RollbackRequest,
    deps: RollbackDeps,
    setup: RollbackSetup,
    plans: Map<StrategyName, PlannedStep[]>,
    maintenance: { on: PlannedStep; off: PlannedStep } | null,
    rule: ReturnType<typeof ruleFor>,
  ) {
    this.req = req;
    this.deps = deps;
    this.setup = setup;
    this.plans = plans;
    this.maintenance = maintenance;
    this.rule = rule;
  }

  async run(): Promise<RollbackResult> {
    const { deps } = this;
    let t: RollbackTransition = startRollback();
    let completed = 0;
    try {
      for (;;) {
        let answer: RollbackEvent = { type: 'continue' };
        completed = 0;
        for (const effect of t.effects) {
          answer = (await this.perform(effect)) ?? answer;
          completed += 1;
        }
        if (isDone(t.state)) {
          const result = t.state.result ?? emptyMachineResult();
          // A run that took the lock reports the pause switch as read; one that did not, nothing.
          return { ...result, pause: this.release ? this.pause : null };
        }
        t = transition(this.setup, t.state, answer, deps.now());
      }
    } catch (thrown) {
      if (this.release) await this.abort(t.state, completed, thrown);
      throw thrown;
    } finally {
      await this.release?.().catch((e: unknown) =>
        deps.logger.warning(`could not release the lock: ${toError(e).message}`),
      );
    }
  }

  /** The lock, with the reads started beside it: its three writes are the longest chain. */
  private async acquire(): Promise<RollbackEvent> {
    const acquiring = this.deps.lock.acquire();
    this.early = this.startReads();
    const lock = await acquiring;
    if (!lock.acquired)
      return {
        type: 'lock',
        acquired: false,
        holder: lock.heldBy.holder,
        runUrl: lock.heldBy.runUrl,
        expiresAt: lock.heldBy.expiresAt,
        waitedMs: lock.waitedMs,
      };
    // Renewed while held: a step longer than the lease must not let a second run in.
    lock.lock.keepAlive();
    this.release = () => lock.lock.release();
    return { type: 'lock', acquired: true, contended: lock.contended };
  }

  /** The effects after an error: best effort, the original error is what the step reports. */
  private async abort(state: RollbackState, completed: number, thrown: unknown): Promise<void> {
    const effects = abortEffects(
      this.setup,
      state,
      completed,
      toError(thrown).message,
      this.deps.now(),
    );
    for (const effect of effects.filter((e) => e.type === 'run')) await this.runStep(effect);
    const record = effects.filter((e) => e.type !== 'run');
    if (record.length === 0) return;
    try {
      for (const effect of record) await this.perform(effect);
    } catch (e) {
      const incident = record[0]?.type === 'saveIncident' ? record[0].incident : 0;
      this.deps.logger.warning(
        `could not record the failure on incident #${incident}: ${toError(e).message}`,
      );
    }
  }

  private async perform(effect: RollbackEffect): Promise<RollbackEvent | null> {
    const { req, deps } = this;
    switch (effect.type) {
      case 'acquireLock':
        return this.acquire();
      case 'read': {
        // The lock changed hands while this run asked for it: what was read before is not trusted.
        const reads = effect.again || !this.early ? this.startReads() : this.early;
        const basics = await reads.basics;
        // A skip writes nothing, and the states it comes from (rolled back, out of attempts, in
        // the cooldown) are left only through a new deployment, which no lock orders; anything
        // that writes first checks that no incident changed since the read. The check starts as
        // soon as the plan is known, beside the target lookup.
        this.revalidation =
          !effect.again && basics.plan.kind !== 'skip'
            ? deps.incidents.changedSince(req.environment, basics.issues)
            : null;
        this.revalidation?.catch(() => undefined);
        const read = await reads.full;
        this.read = read;
        this.pause = read.pause;
        return { type: 'read', ...this.seen(read), pause: read.pause };
      }
      case 'revalidate': {
        if (!this.revalidation || !(await this.revalidation))
          return { type: 'revalidated', again: null };
        deps.logger.info(
          `an incident of ${req.environment} changed while this run took the lock; reading again`,
        );
        const again = this.startReads();
        await again.basics;
        this.read = await again.full;
        return { type: 'revalidated', again: this.seen(this.read) };
      }
      case 'checkApproval': {
        const policy = environmentOf(deps.policy, req.environment).rollback;
        const gate = await checkApproval(
          this.record(effect.incident),
          policy.approvals,
          policy.authority,
          req.manual ? req.actor : null,
          deps,
          effect.escalated,
        );
        this.records.set(gate.incident.number, gate.incident);
        return {
          type: 'approval',
          kind: gate.kind,
          message: gate.kind === 'approved' ? '' : gate.message,
          incident: gate.incident,
        };
      }
      case 'requestApproval': {
        if (!this.rule)
          throw new Error('rollback runner: an approval was asked for without a rule');
        const asked = await requestApproval(
          effect.state,
          effect.title,
          effect.summary,
          this.rule,
          deps,
          req.decision?.ask ?? [],
        );
        return { type: 'approvalRequested', message: asked.message, incident: asked.incident };
      }
      case 'checkRecord': {
        const bad = await deps.deployments.get(effect.bad);
        this.deployments.set(bad.id, bad);
        const { target, names } = await checkedRecordTarget(
          this.record(effect.incident),
          req,
          deps,
        );
        return { type: 'recordChecked', bad, target, names };
      }
      case 'resolveTarget': {
        const read = this.read;
        const bad = read?.current;
        if (!bad) throw new Error('rollback runner: a target was asked for without a deployment');
        const found = read.target ? settled(read.target) : await resolveTarget(req, bad, deps);
        return { type: 'target', target: found };
      }
      case 'createIncident': {
        const incident = await deps.incidents.create(effect.state, effect.title, effect.summary, {
          fast: true,
        });
        this.records.set(incident.number, incident);
        return { type: 'incidentWritten', number: incident.number, url: incident.url };
      }
      case 'saveIncident': {
        const saved = await deps.incidents.save(
          this.record(effect.incident),
          effect.state,
          effect.unchangedSinceRead === undefined
            ? undefined
            : { unchangedSinceRead: effect.unchangedSinceRead },
        );
        this.records.set(saved.number, saved);
        return null;
      }
      case 'comment':
        await deps.incidents.comment(effect.incident, effect.markdown);
        return null;
      case 'closeIssue':
        await deps.incidents.close(effect.incident, 'completed');
        return null;
      case 'createDeployment': {
        const created = await deps.deployments.createRollbackDeployment({
          environment: req.environment,
          ref: effect.ref,
          sha: effect.sha,
          payload: effect.payload,
          description: effect.description,
        });
        return { type: 'deploymentCreated', id: created.id, sha: created.sha };
      }
      case 'setStatus':
        await deps.deployments.setStatus(
          effect.deployment,
          effect.state,
          effect.description,
          req.run.url ? { logUrl: req.run.url } : {},
        );
        return null;
      case 'markBad': {
        const bad = this.deployments.get(effect.deployment);
        if (!bad) throw new Error(`rollback runner: deployment ${effect.deployment} was not read`);
        await deps.deployments.markBad(bad, effect.incident, effect.reason);
        return null;
      }
      case 'stepEvent':
        deps.onStepEvent?.(effect.event, { number: effect.incident, url: effect.url });
        return null;
      case 'run':
        return this.runStep(effect);
      case 'log':
        deps.logger[effect.level](effect.message);
        return null;
    }
  }

  /** A step's outcome; one that throws (it should return `{ok: false}`) counts as failed. */
  private async runStep(effect: Extract<RollbackEffect, { type: 'run' }>): Promise<RollbackEvent> {
    const { deps } = this;
    const step =
      effect.part === 'climb'
        ? (this.plans.get(effect.rung as StrategyName) ?? []).find((s) => s.id === effect.stepId)
        : this.maintenance?.[effect.part];
    if (!step) throw new Error(`rollback runner: step ${effect.stepId} was not planned`);
    try {
      const outcome = await step.run({
        step: effect.context,
        logger: deps.logger,
        now: deps.now,
        sleep: deps.sleep,
      });
      return { type: 'ran', ok: outcome.ok, detail: outcome.detail };
    } catch (thrown) {
      return { type: 'ran', ok: false, detail: `step threw: ${toError(thrown).message}` };
    }
  }

  private record(number: number): IncidentRecord {
    const record = this.records.get(number);
    if (!record) throw new Error(`rollback runner: incident #${number} was not read`);
    return record;
  }

  /** The read as the machine sees it; the records are kept for the writes. */
  private seen(read: EnvironmentState) {
    const incident = read.issues.incident;
    if (incident) this.records.set(incident.number, incident);
    if (read.current) this.deployments.set(read.current.id, read.current);
    return { incident, current: read.current };
  }

  /**
   * The reads in as few round trips as they allow: the issue list, and the deployments with
   * the newest one's statuses, side by side (`basics`); then, only when the run will open a new
   * incident, the target, while the pause issues' authors are checked from the list (`full`).
   */
  private startReads(): Reads {
    const { req, deps, setup } = this;
    const issuesRead = deps.incidents.readEnvironment(req.environment, deps.now());
    // The pause issues are judged as soon as the list is in, beside the deployment reads.
    const pauseRead = issuesRead.then((i) =>
      deps.judgePause && i.pauseIssues.length > 0 ? deps.judgePause(i.pauseIssues) : NO_PAUSE,
    );
    const basics = Promise.all([issuesRead, deps.deployments.current(req.environment)]).then(
      ([issues, current]): BasicReads => ({
        issues,
        current,
        plan: rollbackPlan(setup, issues.incident, current),
      }),
    );
    const full = basics.then(async ({ issues, current, plan }): Promise<EnvironmentState> => {
      const [target, pause] = await Promise.all([
        current && needsTarget(setup, issues.incident, current, plan, deps.now())
          ? settle(resolveTarget(req, current, deps))
          : null,
        pauseRead,
      ]);
      return { issues, current, target, pause };
    });
    // Awaited later (or never, when the lock is lost or contended): no unhandled rejections.
    for (const p of [pauseRead, basics, full]) p.catch(() => undefined);
    return { basics, full };
  }
}

/**
 * The target recorded on an incident is deployed only when it is a successful deployment of
 * the environment (the state block is Ripcord's, but a deployment can have failed since, and a
 * record is never trusted further than GitHub's own history confirms it). A target without a
 * deployment (an explicit ref a person asked for) is accepted when Ripcord's own rollback
 * deployment for this incident already carries it, or the person asks for it again.
 */
async function checkedRecordTarget(
  incident: IncidentRecord,
  req: RollbackRequest,
  deps: RollbackDeps,
): Promise<{
  target: { deploymentId: number | null; ref: string; sha: string };
  names: DeploymentRecord['names'];
}> {
  const target = incident.state.target;
  const env = incident.state.environment;
  const refuse = (why: string): never => {
    throw new ConfigurationError(
      `incident #${incident.number} records target ${target?.ref ?? '?'} (${target?.sha.slice(0, 7) || 'sha unknown'}), but ${why}; Ripcord only rolls back to a successful deployment of ${env}.`,
      [
        `Close incident #${incident.number} (npx ripcord close ${incident.number} --reason ...) and run the rollback again, or run it with input target set to a known-good version.`,
      ],
    );
  };
  if (!target) return refuse('it has none');
  if (target.deploymentId !== null) {
    const d = await deps.deployments.get(target.deploymentId);
    if (d.environment.toLowerCase() !== env.toLowerCase())
      return refuse(`deployment ${d.id} is of environment ${d.environment}`);
    if (target.sha && d.sha !== target.sha)
      return refuse(`deployment ${d.id} deployed ${d.sha.slice(0, 7)}, not that sha`);
    if (!isKnownGood(d))
      return refuse(
        `deployment ${d.id} is not known-good (latest status ${d.latestState ?? 'none'}${d.markedBad ? ', rolled back by Ripcord' : ''})`,
      );
    return { target: { ...target, sha: target.sha || d.sha }, names: d.names };
  }
  const asked = req.target.trim();
  const named = { tag: SHA.test(target.ref) ? null : target.ref, version: null };
  if (asked !== '' && (asked === target.ref || asked.toLowerCase() === target.sha))
    return { target, names: named };
  if (incident.state.rollbackDeploymentId !== null) {
    const r = await deps.deployments.get(incident.state.rollbackDeploymentId);
    if (r.ripcord?.incident === incident.number && (!target.sha || r.sha === target.sha))
      return { target: { ...target, sha: target.sha || r.sha }, names: named };
  }
  return refuse('it is not a deployment of the environment');
}

/**
 * The decision row's way of switching the flag (`flag: {mode: gradual, steps: [25, 0]}`)
 * replaces those keys of rollback.strategies.feature-flag, so one flag serves "immediate off
 * for critical, gradual for less critical" (seed 000). Only an automatic choice takes it: an
 * operator who names a strategy gets the policy's own feature-flag configuration.
 */
function withDecisionFlag(policy: RollbackPolicy, req: RollbackRequest): RollbackPolicy {
  const flag = req.strategy === 'auto' ? req.decision?.flag : null;
  const base = policy.strategies['feature-flag'];
  if (!flag || !base || req.decision?.strategy !== 'feature-flag') return policy;
  const merged: FeatureFlagStrategy = {
    ...base,
    mode: flag.mode,
    ...(flag.steps ? { steps: flag.steps } : {}),
    ...(flag.step_wait !== undefined ? { step_wait: flag.step_wait } : {}),
    ...(flag.components ? { components: flag.components } : {}),
  };
  return { ...policy, strategies: { ...policy.strategies, 'feature-flag': merged } };
}

function chooseStrategy(req: RollbackRequest, fallback: StrategyName): StrategyName {
  if (req.strategy !== 'auto') return req.strategy;
  return req.decision?.strategy ?? fallback;
}

async function resolveTarget(
  req: RollbackRequest,
  bad: DeploymentRecord,
  deps: RollbackDeps,
): Promise<DeploymentRecord> {
  const t = req.target.trim() || 'last-known-good';
  if (t === 'last-known-good') {
    const good = await deps.deployments.findLastKnownGood(req.environment, bad);
    if (!good) {
      throw new ConfigurationError(
        `no known-good deployment of ${req.environment} older than ${bad.ref} (${bad.sha.slice(0, 7)}): none succeeded before it. Pass input target with a ref, sha or deployment id to roll back to`,
      );
    }
    return good;
  }
  if (/^\d+$/.test(t)) {
    const d = await deps.deployments.get(Number(t));
    if (d.environment.toLowerCase() !== req.environment.toLowerCase() || !isKnownGood(d)) {
      throw new ConfigurationError(
        `target deployment ${d.id} (${d.ref}) is ${d.environment.toLowerCase() !== req.environment.toLowerCase() ? `a deployment of ${d.environment}, not ${req.environment}` : `not known-good (latest status ${d.latestState ?? 'none'}${d.markedBad ? ', rolled back by Ripcord' : ''})`}; Ripcord rolls back only to a successful deployment of ${req.environment}. Pass another deployment id, a ref or sha, or last-known-good`,
      );
    }
    return d;
  }
  if (SHA.test(t) && !(await deps.commitExists(t.toLowerCase()))) {
    throw new ConfigurationError(
      `target sha ${t} is not a commit of ${req.repository}; pass a sha from the repository's history, a tag, or last-known-good`,
    );
  }
  // A ref name: GitHub checks it exists when the rollback deployment is created.
  return {
    ...bad,
    id: 0,
    ref: t,
    sha: SHA.test(t) ? t.toLowerCase() : '',
    ripcord: null,
    names: { tag: SHA.test(t) ? null : t, version: null },
    createdAt: bad.createdAt,
  };
}

export function emptyResult(): RollbackResult {
  return { ...emptyMachineResult(), pause: null };
}

/** A dry run's pause: the environment's issue list (as a real run reads it), then judged. */
async function dryRunPause(
  req: RollbackRequest,
  deps: RollbackDeps,
  judge: NonNullable<RollbackDeps['judgePause']>,
): Promise<PauseState> {
  const { pauseIssues } = await deps.incidents.readEnvironment(req.environment, deps.now());
  return pauseIssues.length > 0 ? judge(pauseIssues) : NO_PAUSE;
}
