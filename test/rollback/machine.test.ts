/**
 * The rollback machine (src/rollback/machine.ts), driven by a model of GitHub kept in memory:
 * property tests over random ladders (rungs, steps that succeed or fail, maintenance around
 * them) for the three ways a rollback runs in real life: re-run after it finished, killed after
 * any of its effects and started again, and two runs racing for the environment's lock. The
 * model performs each effect as GitHub would (one open incident, deployments newest first, a
 * lock one holder at a time), and checks at the moment of each write that it is allowed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IncidentState } from '../../src/incident/state.ts';
import {
  isDone,
  startRollback,
  transition,
  type Deployment,
  type MachineResult,
  type RollbackEffect,
  type RollbackEvent,
  type RollbackSetup,
  type RollbackTransition,
  type StepSpec,
  type Strategy,
} from '../../src/rollback/machine.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const SHA = (n: number) => String(n).repeat(40).slice(0, 40);
const NUM_RUNS = 150;
/** Each case of the crash property replays the whole rollback once per effect (about 40). */
const CRASH_RUNS = 100;

/** A generated policy: the rungs in ladder order, each step's outcome, maintenance or not. */
interface Ladder {
  rungs: { strategy: Strategy; steps: boolean[] }[];
  maintenance: { on: boolean; off: boolean } | null;
}

const ladderArb: fc.Arbitrary<Ladder> = fc.record({
  rungs: fc
    .subarray(['feature-flag', 'config', 'redeploy', 'full'] as Strategy[], { minLength: 1 })
    .chain((strategies) =>
      fc.tuple(
        ...strategies.map((strategy) =>
          fc.record({
            strategy: fc.constant(strategy),
            // Mostly succeeding steps, so that many ladders end well, some after escalating.
            steps: fc.array(
              fc.oneof(
                { arbitrary: fc.constant(true), weight: 3 },
                { arbitrary: fc.constant(false), weight: 1 },
              ),
              { minLength: 1, maxLength: 3 },
            ),
          }),
        ),
      ),
    ),
  maintenance: fc.option(fc.record({ on: fc.boolean(), off: fc.boolean() }), { nil: null }),
});

/** The ladder reaches a good end: some rung succeeds and users are let back in. */
function succeeds(l: Ladder): boolean {
  return l.rungs.some((r) => r.steps.every(Boolean)) && (l.maintenance?.off ?? true);
}

function stepsOf(l: Ladder, strategy: Strategy): StepSpec[] {
  const rung = l.rungs.find((r) => r.strategy === strategy);
  return (rung?.steps ?? []).map((_, i) => ({
    id: `${strategy}:step-${i}`,
    strategy,
    name: `${strategy} step ${i}`,
  }));
}

function setupFor(l: Ladder, runId: string, attempt = 1): RollbackSetup {
  const rungs = l.rungs.map((r) => r.strategy);
  const maintenance = l.maintenance
    ? {
        on: { id: 'maintenance:on', strategy: 'maintenance' as const, name: 'Maintenance on' },
        off: { id: 'maintenance:off', strategy: 'maintenance' as const, name: 'Maintenance off' },
      }
    : null;
  const steps = rungs.flatMap((s) => stepsOf(l, s));
  const all = maintenance ? [maintenance.on, ...steps, maintenance.off] : steps;
  return {
    environment: 'production',
    reason: 'error-rate above 5%',
    target: 'last-known-good',
    manual: false,
    run: { id: runId, attempt, url: null },
    repository: 'acme/shop',
    decision: null,
    strategy: rungs[0] as Strategy,
    ladder: { rungs, steps: (s) => stepsOf(l, s), maintenance },
    plan: all.map((s) => ({ id: s.id, name: s.name, strategy: s.strategy })),
    maxAttempts: 3,
    cooldown: 30 * 60_000,
    approvalRule: false,
  };
}

interface ModelDeployment extends Deployment {
  statuses: string[];
  markedBad: boolean;
}

/** GitHub as the rollback sees it, and what happened to it. */
class World {
  incidents = new Map<number, { state: IncidentState; open: boolean; comments: string[] }>();
  deployments: ModelDeployment[] = [];
  lock: string | null = null;
  /** Every step run, in order, with the run that ran it. */
  stepRuns: { runId: string; stepId: string }[] = [];
  incidentsCreated = 0;
  /** Steps some stored incident state recorded done: completed, whatever came after. */
  completed = new Set<string>();
  /** Writes (anything a person would see change) by run. */
  acts: { runId: string; type: string }[] = [];
  now = T0;
  private nextIssue = 1;
  private nextDeployment = 100;
  readonly outcome: (stepId: string) => boolean;

  constructor(outcome: (stepId: string) => boolean) {
    this.outcome = outcome;
    for (let i = 0; i < 3; i++) this.deploy(`v1.${i}.0`, SHA(i + 1), ['success']);
  }

  deploy(ref: string, sha: string, statuses: string[], ripcord: number | null = null) {
    const d: ModelDeployment = {
      id: this.nextDeployment++,
      ref,
      sha,
      createdAt: new Date(this.now).toISOString(),
      ripcord: ripcord === null ? null : { incident: ripcord },
      names: { tag: null, version: null },
      statuses,
      markedBad: false,
    };
    this.deployments.push(d);
    this.now += 60_000;
    return d;
  }

  openIncident() {
    for (const [number, i] of this.incidents) if (i.open) return { number, ...i };
    return null;
  }

  /** What outlives a crash, for comparing two worlds: no times, no run ids. */
  persisted() {
    const incidents = [...this.incidents.values()].map(({ state, open }) => ({
      open,
      status: state.status,
      bad: state.bad.deploymentId,
      target: state.target,
      hasRollbackDeployment: state.rollbackDeploymentId !== null,
      strategy: state.strategy,
      attempts: state.attempts,
      // A step done before a crash is `skipped` by the run that resumed: both mean done.
      steps: state.steps.map((s) => ({
        id: s.id,
        status: s.status === 'skipped' ? 'done' : s.status,
      })),
    }));
    const bad = this.deployments.find((d) => d.markedBad)?.id ?? null;
    const last = this.deployments.at(-1);
    return { incidents, markedBad: bad, lastStatus: last?.statuses.at(-1) ?? null };
  }
}

/** One run of the machine against the world, one effect at a time (so runs can interleave). */
class Run {
  t: RollbackTransition = startRollback();
  private index = 0;
  private answer: RollbackEvent = { type: 'continue' };
  holds = false;
  result: MachineResult | null = null;
  effects = 0;
  readonly world: World;
  readonly setup: RollbackSetup;

  constructor(world: World, setup: RollbackSetup) {
    this.world = world;
    this.setup = setup;
  }

  get id() {
    return this.setup.run.id;
  }

  /** Performs the next effect, or takes the next transition; false once the run has ended. */
  step(): boolean {
    if (this.result) return false;
    if (this.index < this.t.effects.length) {
      const effect = this.t.effects[this.index++] as RollbackEffect;
      this.answer = this.perform(effect) ?? this.answer;
      this.effects += 1;
      return true;
    }
    if (isDone(this.t.state)) {
      this.result = this.t.state.result;
      if (this.holds) this.world.lock = null;
      this.holds = false;
      return false;
    }
    this.world.now += 1000;
    this.t = transition(this.setup, this.t.state, this.answer, this.world.now);
    this.index = 0;
    this.answer = { type: 'continue' };
    return true;
  }

  /** Runs to the end, or until `crashAfter` effects were performed (then the run is dead). */
  finish(crashAfter = Infinity): 'finished' | 'crashed' {
    while (this.step()) {
      if (this.effects >= crashAfter) {
        // The process died; its lease runs out and the next run may take the lock.
        if (this.holds) this.world.lock = null;
        return 'crashed';
      }
    }
    return 'finished';
  }

  private act(type: string) {
    // The heart of the concurrency property: nothing is written without holding the lock.
    expect(this.holds, `${this.id} wrote (${type}) without holding the lock`).toBe(true);
    expect(this.world.lock).toBe(this.id);
    this.world.acts.push({ runId: this.id, type });
  }

  private perform(effect: RollbackEffect): RollbackEvent | null {
    const w = this.world;
    switch (effect.type) {
      case 'acquireLock':
        if (w.lock === null || w.lock === this.id) {
          w.lock = this.id;
          this.holds = true;
          return { type: 'lock', acquired: true, contended: false };
        }
        return {
          type: 'lock',
          acquired: false,
          holder: w.lock,
          runUrl: null,
          expiresAt: w.now + 600_000,
          waitedMs: 0,
        };
      case 'read': {
        const open = w.openIncident();
        return {
          type: 'read',
          incident: open
            ? { number: open.number, url: `#${open.number}`, state: open.state }
            : null,
          current: w.deployments.at(-1) ?? null,
          pause: null,
        };
      }
      case 'revalidate':
        // Reads happen under the lock here, so nothing can change in between.
        return { type: 'revalidated', again: null };
      case 'checkRecord': {
        const bad = w.deployments.find((d) => d.id === effect.bad);
        const state = w.incidents.get(effect.incident)?.state;
        if (!bad || !state?.target) throw new Error('model: no record to check');
        return { type: 'recordChecked', bad, target: state.target, names: bad.names };
      }
      case 'resolveTarget': {
        const current = w.deployments.at(-1) as ModelDeployment;
        const good = w.deployments.findLast(
          (d) =>
            d.id < current.id &&
            d.statuses.at(-1) === 'success' &&
            !d.markedBad &&
            d.ripcord === null,
        );
        if (!good) throw new Error('model: no known-good deployment');
        return { type: 'target', target: good };
      }
      case 'createIncident': {
        this.act(effect.type);
        expect(w.openIncident(), 'a second open incident').toBeNull();
        const number = w.incidents.size + 1;
        w.incidents.set(number, { state: effect.state, open: true, comments: [] });
        w.incidentsCreated += 1;
        return { type: 'incidentWritten', number, url: `#${number}` };
      }
      case 'saveIncident': {
        this.act(effect.type);
        const incident = w.incidents.get(effect.incident);
        if (!incident) throw new Error(`model: no incident #${effect.incident}`);
        incident.state = effect.state;
        for (const s of effect.state.steps) if (s.status === 'done') w.completed.add(s.id);
        return null;
      }
      case 'comment':
        this.act(effect.type);
        w.incidents.get(effect.incident)?.comments.push(effect.markdown);
        return null;
      case 'closeIssue': {
        this.act(effect.type);
        const incident = w.incidents.get(effect.incident);
        if (incident) incident.open = false;
        return null;
      }
      case 'createDeployment': {
        this.act(effect.type);
        const open = w.openIncident();
        // A second rollback deployment only when the first was never recorded.
        expect(
          open?.state.rollbackDeploymentId ?? null,
          'a recorded rollback deployment made again',
        ).toBeNull();
        const d = w.deploy(effect.ref, effect.sha || SHA(9), [], effect.payload.incident);
        return { type: 'deploymentCreated', id: d.id, sha: d.sha };
      }
      case 'setStatus': {
        this.act(effect.type);
        w.deployments.find((d) => d.id === effect.deployment)?.statuses.push(effect.state);
        return null;
      }
      case 'markBad': {
        this.act(effect.type);
        const d = w.deployments.find((x) => x.id === effect.deployment);
        if (d) d.markedBad = true;
        return null;
      }
      case 'run': {
        this.act(effect.type);
        // A step recorded done by an earlier run (or earlier in this one) never runs again.
        expect(
          w.completed.has(effect.stepId),
          `${effect.stepId} ran again after it was recorded done`,
        ).toBe(false);
        w.stepRuns.push({ runId: this.id, stepId: effect.stepId });
        const ok = w.outcome(effect.stepId);
        return { type: 'ran', ok, detail: ok ? 'done' : 'exit 1' };
      }
      case 'checkApproval':
      case 'requestApproval':
        throw new Error(`model: ${effect.type} is not part of these properties`);
      case 'stepEvent':
      case 'log':
        return null;
    }
  }
}

function outcomes(l: Ladder) {
  const table = new Map<string, boolean>();
  for (const r of l.rungs) r.steps.forEach((ok, i) => table.set(`${r.strategy}:step-${i}`, ok));
  if (l.maintenance) {
    table.set('maintenance:on', l.maintenance.on);
    table.set('maintenance:off', l.maintenance.off);
  }
  return (id: string) => table.get(id) ?? false;
}

/** A world where the newest deployment (v2.0.0) is the bad one. */
function badWorld(l: Ladder): World {
  const w = new World(outcomes(l));
  w.deploy('v2.0.0', SHA(7), ['success']);
  return w;
}

function snapshot(w: World) {
  return JSON.parse(
    JSON.stringify({
      incidents: [...w.incidents],
      deployments: w.deployments,
      stepRuns: w.stepRuns,
      acts: w.acts,
    }),
  ) as unknown;
}

describe('rollback machine: properties', () => {
  test('re-run: the same run again after success does nothing new', () => {
    fc.assert(
      fc.property(ladderArb.filter(succeeds), fc.integer({ min: 1, max: 3 }), (ladder, attempt) => {
        const w = badWorld(ladder);
        const first = new Run(w, setupFor(ladder, 'run-1'));
        expect(first.finish()).toBe('finished');
        expect(first.result?.result).toBe('rolled-back');
        const before = snapshot(w);
        // The same workflow run re-run (any attempt), then another run asked about the same breach.
        for (const setup of [setupFor(ladder, 'run-1', attempt), setupFor(ladder, 'run-2')]) {
          const again = new Run(w, setup);
          again.finish();
          expect(again.result).toMatchObject({
            result: 'skipped',
            skipReason: 'already-rolled-back',
            incident: { number: 1 },
          });
          expect(snapshot(w)).toEqual(before);
        }
        expect(w.incidentsCreated).toBe(1);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('resume after a crash at every effect: the same end, no completed step repeated', () => {
    let crashes = 0;
    fc.assert(
      fc.property(ladderArb, (ladder) => {
        const reference = badWorld(ladder);
        const whole = new Run(reference, setupFor(ladder, 'run-0'));
        expect(whole.finish()).toBe('finished');
        for (let k = 1; k <= whole.effects; k++) {
          const w = badWorld(ladder);
          const killed = new Run(w, setupFor(ladder, 'run-0'));
          // Killed right after its k-th effect (the last one included: before it could report).
          expect(killed.finish(k)).toBe('crashed');
          crashes += 1;
          // Restarted while the rollback is unfinished: no incident yet, or one still rolling back.
          // (A crash after the final status was written left a finished rollback.)
          for (let n = 1; n < 10; n++) {
            const open = w.openIncident();
            if (open && open.state.status !== 'rolling-back') break;
            if (!open && w.incidentsCreated > 0) break;
            const restarted = new Run(w, setupFor(ladder, `run-${n}`));
            expect(restarted.finish()).toBe('finished');
          }
          expect(w.persisted()).toEqual(reference.persisted());
          expect(w.incidentsCreated).toBe(1);
        }
      }),
      { numRuns: CRASH_RUNS },
    );
    expect(crashes).toBeGreaterThan(CRASH_RUNS * 5);
  }, 180_000);

  test('concurrent runs: interleaved, never both act; the other reports its rival', () => {
    fc.assert(
      fc.property(
        ladderArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 400 }),
        (ladder, schedule) => {
          const w = badWorld(ladder);
          const runs = [
            new Run(w, setupFor(ladder, 'run-a')),
            new Run(w, setupFor(ladder, 'run-b')),
          ];
          let turn = 0;
          // Each boolean picks which run takes its next effect; then both run to their end.
          while (runs.some((r) => r.result === null)) {
            const pick = schedule[turn++ % schedule.length] ? 0 : 1;
            const r = runs[pick] as Run;
            if (!r.step()) (runs[1 - pick] as Run).step();
          }
          expect(w.incidentsCreated).toBe(1);
          const acted = new Set(w.acts.map((a) => a.runId));
          const [a, b] = runs as [Run, Run];
          const results = [a.result, b.result];
          const rolled = results.filter(
            (r) => r?.result === 'rolled-back' || r?.result === 'failed',
          );
          if (succeeds(ladder)) {
            // One rollback; the other run saw the lock held, or the rollback already done.
            expect(acted.size).toBe(1);
            expect(rolled).toHaveLength(1);
            const other = results.find((r) => r !== rolled[0]);
            expect(['lock-held', 'already-rolled-back']).toContain(other?.skipReason);
            if (other?.skipReason === 'lock-held')
              expect(other.message).toContain(`(${[...acted][0] ?? ''}`);
          } else {
            // A failed rollback may be tried again by the next run, but only one after the other.
            const order = w.acts.map((x) => x.runId);
            const switches = order.filter((id, i) => i > 0 && id !== order[i - 1]).length;
            expect(switches).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
