/**
 * The incident lifecycle table (src/incident/lifecycle.ts): examples for the rules the
 * architecture document states, then a property test in the style of the recovery machine's.
 *
 * The property drives a small model of an environment with the real decision code
 * (`planRollback`, `mayMove`) through any sequence of deploys (good or bad), breaches,
 * rollbacks that succeed, fail or crash half-way, re-runs, verifications, recovery ticks and
 * closes, and checks after every rollback run:
 *  - a rollback asked for on a breach of a deployment someone deployed is never answered with
 *    success or `skipped` while that deployment is still what production runs;
 *  - production never runs a version Ripcord itself marked bad while it reports success or `skipped`;
 *  - every status written is a move the table allows, by the run that wrote it;
 *  - at most one incident is open.
 * The same property run with the rule Ripcord had before (any open incident that is not
 * rolling-back or rollback-failed is "already handled") finds the Nov 1 / Nov 8 counterexample.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  INCIDENT_LIFECYCLE,
  mayMove,
  planRollback,
  type LifecycleActor,
  type LifecycleIncident,
  type RollbackPlan,
} from '../../src/incident/lifecycle.ts';
import { incidentStatusSchema, type IncidentStatus } from '../../src/incident/state.ts';

const MIN = 60_000;

describe('lifecycle table', () => {
  test('every status is reachable from "no incident" and every open status can be closed by hand', () => {
    const reached = new Set<IncidentStatus | null>([null]);
    for (let changed = true; changed;) {
      changed = false;
      for (const t of INCIDENT_LIFECYCLE) {
        if (reached.has(t.from) && !reached.has(t.to)) {
          reached.add(t.to);
          changed = true;
        }
      }
    }
    expect([...reached].filter((s) => s !== null).sort()).toEqual(
      [...incidentStatusSchema.options].sort(),
    );
    for (const s of incidentStatusSchema.options.filter((x) => x !== 'closed'))
      expect(mayMove(s, 'closed', 'close'), s).toBe(true);
  });

  test('nothing leaves closed, and verify never starts a rollback', () => {
    expect(INCIDENT_LIFECYCLE.filter((t) => t.from === 'closed')).toEqual([]);
    expect(mayMove('rolled-back', 'rolling-back', 'verify')).toBe(false);
    expect(mayMove('rolled-back', 'closed', 'verify')).toBe(true);
    expect(mayMove('rolling-back', 'recovering', 'recovery')).toBe(false);
  });

  const incident = (over: Partial<LifecycleIncident> = {}): LifecycleIncident => ({
    number: 1,
    status: 'rolled-back',
    attempts: 1,
    bad: { deploymentId: 2, sha: 'bad' },
    lastRollbackAt: '2026-11-01T10:20:01Z',
    rollbackDeploymentId: 3,
    runIds: ['1'],
    ...over,
  });

  test('the Nov 8 deploy is a new incident, not "already handled"', () => {
    const plan = planRollback({
      incident: incident(),
      current: { id: 4, sha: 'v140', createdAt: '2026-11-08T09:00:00Z', ripcordIncident: null },
      maxAttempts: 3,
      runId: '9',
    });
    expect(plan.kind).toBe('supersede');
  });

  test("Ripcord's own rollback deployment, and one GitHub created while the rollback ran, are the same incident", () => {
    const own = planRollback({
      incident: incident(),
      current: { id: 3, sha: 'good', createdAt: '2026-11-01T10:20:00Z', ripcordIncident: 1 },
      maxAttempts: 3,
      runId: '9',
    });
    expect(own).toEqual({ kind: 'skip', production: 'rolled-back', reason: 'already-rolled-back' });
    // An `environment:` job of the dispatched redeploy, created before the rollback finished.
    const actions = planRollback({
      incident: incident(),
      current: { id: 5, sha: 'bad', createdAt: '2026-11-01T10:19:30Z', ripcordIncident: null },
      maxAttempts: 3,
      runId: '9',
    });
    expect(actions.kind).toBe('skip');
  });

  test('a failed verification is retried until max_attempts, then the run fails (production may be bad)', () => {
    const input = (attempts: number) => ({
      incident: incident({ status: 'verification-failed', attempts }),
      current: { id: 3, sha: 'good', createdAt: '2026-11-01T10:20:00Z', ripcordIncident: 1 },
      maxAttempts: 3,
      runId: '9',
    });
    expect(planRollback(input(1)).kind).toBe('retry');
    expect(planRollback(input(3))).toEqual({
      kind: 'skip',
      production: 'bad',
      reason: 'max-attempts',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The model.

interface Deployment {
  id: number;
  sha: string;
  /** What the metrics would say about this version. */
  bad: boolean;
  at: number;
  ripcordIncident: number | null;
  fromSha: string | null;
}

interface Incident {
  number: number;
  status: IncidentStatus;
  attempts: number;
  bad: { deploymentId: number; sha: string };
  target: { deploymentId: number; sha: string } | null;
  lastRollbackAt: number | null;
  rollbackDeploymentId: number | null;
  runIds: string[];
}

type Op =
  | { type: 'deploy'; bad: boolean }
  | { type: 'breach'; outcome: 'ok' | 'fail' | 'crash'; rerun: boolean }
  | { type: 'manual'; outcome: 'ok' | 'fail' | 'crash' }
  | { type: 'verify' }
  | { type: 'recovery'; regress: boolean }
  | { type: 'close' }
  | { type: 'wait'; minutes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('deploy' as const), bad: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('breach' as const),
      outcome: fc.constantFrom('ok' as const, 'ok' as const, 'fail' as const, 'crash' as const),
      rerun: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('manual' as const),
      outcome: fc.constantFrom('ok' as const, 'fail' as const, 'crash' as const),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ type: 'verify' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('recovery' as const), regress: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'close' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('wait' as const),
      minutes: fc.integer({ min: 1, max: 7 * 24 * 60 }),
    }),
  },
);

type Planner = (input: Parameters<typeof planRollback>[0]) => RollbackPlan;

/** The rule before issue #10: any open incident past rolling-back/rollback-failed is handled. */
const legacyPlanner: Planner = ({ incident, maxAttempts }) => {
  if (!incident) return { kind: 'open' };
  if (incident.status !== 'rolling-back' && incident.status !== 'rollback-failed')
    return { kind: 'skip', production: 'rolled-back', reason: 'already-rolled-back' };
  if (incident.status === 'rollback-failed' && incident.attempts >= maxAttempts)
    return { kind: 'skip', production: 'bad', reason: 'max-attempts' };
  return incident.status === 'rolling-back' ? { kind: 'resume' } : { kind: 'retry' };
};

class World {
  deployments: Deployment[] = [];
  incidents: Incident[] = [];
  markedBad = new Set<number>();
  /** The sha production actually runs (a redeploy step deploys it, whatever GitHub lists). */
  running: { sha: string; bad: boolean };
  now = Date.parse('2026-11-01T00:00:00Z');
  private nextId = 1;
  private nextSha = 1;
  private nextRun = 1;
  lastRunId = '';
  violations: string[] = [];

  private readonly plan: Planner;
  private readonly hasRecovery: boolean;
  private readonly maxAttempts = 3;
  private readonly cooldown = 30 * MIN;

  constructor(plan: Planner, hasRecovery: boolean) {
    this.plan = plan;
    this.hasRecovery = hasRecovery;
    const first = this.addDeployment(`v${this.nextSha++}`, false, null, null);
    this.running = { sha: first.sha, bad: false };
  }

  addDeployment(sha: string, bad: boolean, ripcordIncident: number | null, fromSha: string | null) {
    const d = { id: this.nextId++, sha, bad, at: (this.now += 1000), ripcordIncident, fromSha };
    this.deployments.push(d);
    return d;
  }

  current(): Deployment | null {
    return this.deployments.at(-1) ?? null;
  }

  open(): Incident | null {
    const open = this.incidents.filter((i) => i.status !== 'closed');
    if (open.length > 1) this.violations.push(`${open.length} open incidents`);
    return open[0] ?? null;
  }

  move(incident: Incident | null, to: IncidentStatus, by: LifecycleActor) {
    const from = incident ? incident.status : null;
    // Writing the same status again (a resumed rollback) is only a move when the table says so.
    if (from === to && by !== 'rollback') return;
    if (!mayMove(from, to, by)) this.violations.push(`${by} moved ${from ?? '(none)'} -> ${to}`);
    if (incident) incident.status = to;
  }

  /** findLastKnownGood: newest older than bad, another sha, not marked bad, not a known-bad sha. */
  lastKnownGood(bad: Deployment): Deployment | null {
    const badShas = new Set(
      this.deployments.flatMap((d) => (d.fromSha ? [d.fromSha] : [])).concat(bad.sha),
    );
    for (const d of [...this.deployments].reverse()) {
      if (d.id >= bad.id || badShas.has(d.sha) || this.markedBad.has(d.id)) continue;
      return d;
    }
    return null;
  }

  apply(op: Op): void {
    switch (op.type) {
      case 'deploy': {
        const d = this.addDeployment(`v${this.nextSha++}`, op.bad, null, null);
        this.running = { sha: d.sha, bad: d.bad };
        return;
      }
      case 'wait':
        this.now += op.minutes * MIN;
        return;
      case 'breach': {
        // Triggers only breach on a version that is bad.
        if (!this.running.bad) return;
        const live = this.current();
        const runId = op.rerun && this.lastRunId ? this.lastRunId : String(this.nextRun++);
        this.lastRunId = runId;
        const result = this.rollback(op.outcome, runId);
        this.check(result, live);
        return;
      }
      case 'manual': {
        const runId = String(this.nextRun++);
        this.check(this.rollback(op.outcome, runId), null);
        return;
      }
      case 'verify': {
        const incident = this.open();
        if (!incident || !['rolled-back', 'verification-failed'].includes(incident.status)) return;
        if (this.running.bad) this.move(incident, 'verification-failed', 'verify');
        else this.move(incident, this.hasRecovery ? 'rolled-back' : 'closed', 'verify');
        return;
      }
      case 'recovery': {
        const incident = this.open();
        if (!this.hasRecovery || !incident) return;
        if (incident.status === 'rolled-back') this.move(incident, 'recovering', 'recovery');
        else if (incident.status === 'recovering') {
          if (op.regress) this.move(incident, 'rolled-back', 'recovery');
          else {
            this.move(incident, 'recovered', 'recovery');
            incident.status = 'closed'; // the issue is closed with it
          }
        }
        return;
      }
      case 'close': {
        const incident = this.open();
        if (incident) this.move(incident, 'closed', 'close');
        return;
      }
    }
  }

  /** What rollback.ts does under the lock, with the decision from `plan`. */
  rollback(
    outcome: 'ok' | 'fail' | 'crash',
    runId: string,
  ): 'rolled-back' | 'failed' | 'skipped' | 'crashed' {
    let incident = this.open();
    const current = this.current();
    const plan = this.plan({
      incident: incident ? toLifecycle(incident) : null,
      current: current
        ? {
            id: current.id,
            sha: current.sha,
            createdAt: new Date(current.at).toISOString(),
            ripcordIncident: current.ripcordIncident,
          }
        : null,
      maxAttempts: this.maxAttempts,
      runId,
    });
    if (incident && plan.kind === 'skip')
      return plan.reason === 'max-attempts' ? 'failed' : 'skipped';
    if (incident && (plan.kind === 'open' || plan.kind === 'supersede')) {
      this.move(incident, 'closed', 'rollback');
      incident = null;
    }
    let target: { deploymentId: number; sha: string };
    if (incident && incident.target) {
      target = incident.target;
      if (plan.kind === 'retry' && incident.status !== 'rollback-failed')
        incident.rollbackDeploymentId = null;
      this.move(incident, 'rolling-back', 'rollback');
      incident.attempts += plan.kind === 'retry' ? 1 : 0;
    } else {
      if (!current) return 'failed';
      if (current.ripcordIncident !== null && this.now - current.at < this.cooldown)
        return 'skipped';
      const good = this.lastKnownGood(current);
      if (!good) return 'failed'; // a ConfigurationError: the step fails
      target = { deploymentId: good.id, sha: good.sha };
      this.move(null, 'rolling-back', 'rollback');
      incident = {
        number: this.incidents.length + 1,
        status: 'rolling-back',
        attempts: 1,
        bad: { deploymentId: current.id, sha: current.sha },
        target,
        lastRollbackAt: null,
        rollbackDeploymentId: null,
        runIds: [],
      };
      this.incidents.push(incident);
    }
    if (!incident.runIds.includes(runId)) incident.runIds.push(runId);
    if (incident.rollbackDeploymentId === null) {
      const targetDeployment = this.deployments.find((d) => d.id === target.deploymentId);
      const r = this.addDeployment(
        target.sha,
        targetDeployment?.bad ?? false,
        incident.number,
        incident.bad.sha,
      );
      incident.rollbackDeploymentId = r.id;
    }
    if (outcome === 'crash') {
      // Half-way: the redeploy may or may not have happened; the record says rolling-back.
      if (this.now % 2 === 0) this.running = { sha: target.sha, bad: this.badSha(target.sha) };
      return 'crashed';
    }
    if (outcome === 'fail') {
      this.move(incident, 'rollback-failed', 'rollback');
      return 'failed';
    }
    this.running = { sha: target.sha, bad: this.badSha(target.sha) };
    this.move(incident, 'rolled-back', 'rollback');
    incident.lastRollbackAt = this.now += 1000;
    this.markedBad.add(incident.bad.deploymentId);
    return 'rolled-back';
  }

  badSha(sha: string): boolean {
    return this.deployments.some((d) => d.sha === sha && d.bad);
  }

  check(result: string, breached: Deployment | null): void {
    const green = result === 'rolled-back' || result === 'skipped';
    if (!green) return;
    if (breached && breached.ripcordIncident === null && this.running.sha === breached.sha)
      this.violations.push(
        `a breach of ${breached.sha} (deployment ${breached.id}) was answered ${result} and production still runs it`,
      );
    const marked = this.deployments.filter((d) => this.markedBad.has(d.id)).map((d) => d.sha);
    if (marked.includes(this.running.sha))
      this.violations.push(
        `${result} while production runs ${this.running.sha}, which Ripcord marked bad`,
      );
  }
}

function toLifecycle(i: Incident): LifecycleIncident {
  return {
    number: i.number,
    status: i.status,
    attempts: i.attempts,
    bad: i.bad,
    lastRollbackAt: i.lastRollbackAt === null ? null : new Date(i.lastRollbackAt).toISOString(),
    rollbackDeploymentId: i.rollbackDeploymentId,
    runIds: i.runIds,
  };
}

const scenario = fc.record({
  hasRecovery: fc.boolean(),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
});

function violationsOf(planner: Planner, s: { hasRecovery: boolean; ops: Op[] }): string[] {
  const world = new World(planner, s.hasRecovery);
  for (const op of s.ops) {
    world.apply(op);
    if (world.violations.length > 0) break;
  }
  return world.violations;
}

describe('lifecycle: property over any sequence of deploys, breaches, rollbacks, verifies, recovery ticks, closes, re-runs and crashes', () => {
  test('production is never left on a known-bad deployment while Ripcord reports success or skipped', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        expect(violationsOf(planRollback, s)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  test('the same property finds the bug in the rule Ripcord had before (Nov 1 rollback, Nov 8 bad deploy)', () => {
    const found = fc.check(
      fc.property(scenario, (s) => violationsOf(legacyPlanner, s).length === 0),
      { numRuns: 3000, seed: 42 },
    );
    expect(found.failed).toBe(true);
    // And the hand-written week: no recovery, rollback verified, then a new bad deploy.
    const week: Op[] = [
      { type: 'deploy', bad: false },
      { type: 'deploy', bad: true },
      { type: 'breach', outcome: 'ok', rerun: false },
      { type: 'wait', minutes: 7 * 24 * 60 },
      { type: 'deploy', bad: true },
      { type: 'breach', outcome: 'ok', rerun: false },
    ];
    expect(violationsOf(legacyPlanner, { hasRecovery: false, ops: week })).toEqual([
      expect.stringMatching(/was answered skipped and production still runs it/),
    ]);
    expect(violationsOf(planRollback, { hasRecovery: false, ops: week })).toEqual([]);
  });
});
