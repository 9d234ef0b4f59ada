/**
 * The rollback ladder: resume after a crash without repeating a step, escalation, the data-loss
 * window of a full rollback, real bash commands with RIPCORD_* variables, and the redeploy
 * workflow dispatched against the GitHub stand-in with a fake clock.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/shared/logger.ts';
import { rollbackSchema, type RollbackPolicy } from '../../src/policy/schema-rollback.ts';
import { executeLadder, type StepEvent } from '../../src/rollback/ladder.ts';
import {
  ladderFrom,
  planStrategy,
  type PlannedStep,
  type StepOutcome,
  type StepRunContext,
  type StrategyName,
} from '../../src/rollback/plan.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: () => {},
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

/** A clock that only moves when the code under test sleeps (or a test advances it). */
function fakeClock(start = Date.parse('2025-03-01T12:00:00Z')) {
  const clock = {
    t: start,
    slept: [] as number[],
    onSleep: undefined as ((ms: number) => void) | undefined,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms;
      clock.slept.push(ms);
      clock.onSleep?.(ms);
      return Promise.resolve();
    },
  };
  return clock;
}

function context(clock = fakeClock(), logger: Logger = recorder()): StepRunContext {
  return {
    step: {
      environment: 'production',
      targetRef: 'v1.4.2',
      targetSha: 'a1b2c3d4e5f6',
      targetTag: 'v1.4.2',
      targetVersion: '1.4.2',
      fromRef: 'v1.5.0',
      incident: 7,
      reason: 'error rate 12% > 5% for 5m',
    },
    logger,
    now: clock.now,
    sleep: clock.sleep,
  };
}

/** Steps that log each run, and fail or throw when told to. */
function fakePlan(
  shape: Partial<Record<StrategyName, string[]>>,
  ran: string[],
  behaviour: Record<string, 'fail' | 'throw'> = {},
): (s: StrategyName) => PlannedStep[] {
  return (strategy) =>
    (shape[strategy] ?? []).map((name) => ({
      id: `${strategy}:${name}`,
      strategy,
      name,
      kind: 'command',
      ...(name === 'restore-data' ? { restoresData: true } : {}),
      run: (ctx): Promise<StepOutcome> => {
        const id = `${strategy}:${name}`;
        ran.push(id);
        expect(ctx.step.strategy).toBe(strategy);
        if (behaviour[id] === 'throw') return Promise.reject(new Error(`${id} exploded`));
        if (behaviour[id] === 'fail') return Promise.resolve({ ok: false, detail: `${id} broke` });
        return Promise.resolve({ ok: true, detail: `${id} ok` });
      },
    }));
}

/** A timeline store, as the incident issue would keep it. */
function timeline() {
  const events: StepEvent[] = [];
  return {
    events,
    record: (e: StepEvent) => {
      events.push(e);
      return Promise.resolve();
    },
    done: () => new Set(events.filter((e) => e.status === 'done').map((e) => e.stepId)),
    doneAt: () =>
      new Map(events.filter((e) => e.status === 'done').map((e) => [e.stepId, e.at] as const)),
  };
}

describe('executeLadder', () => {
  const shape = { 'feature-flag': ['rollout-25', 'rollout-0'], redeploy: ['workflow'] };

  it('runs each step once, recording running before and done after', async () => {
    const ran: string[] = [];
    const t = timeline();
    const result = await executeLadder({
      rungs: ['feature-flag'],
      plan: fakePlan(shape, ran),
      done: new Set(),
      record: t.record,
      ctx: context(),
    });
    expect(result).toEqual({
      ok: true,
      strategy: 'feature-flag',
      tried: ['feature-flag'],
      failure: null,
      dataLossWindow: null,
    });
    expect(ran).toEqual(['feature-flag:rollout-25', 'feature-flag:rollout-0']);
    expect(t.events.map((e) => `${e.stepId} ${e.status}`)).toEqual([
      'feature-flag:rollout-25 running',
      'feature-flag:rollout-25 done',
      'feature-flag:rollout-0 running',
      'feature-flag:rollout-0 done',
    ]);
    expect(t.events[1]).toMatchObject({
      strategy: 'feature-flag',
      name: 'rollout-25',
      detail: 'feature-flag:rollout-25 ok',
      at: '2025-03-01T12:00:00.000Z',
    });
  });

  it('skips steps done in an earlier run and never repeats them', async () => {
    const ran: string[] = [];
    const t = timeline();
    await executeLadder({
      rungs: ['feature-flag'],
      plan: fakePlan(shape, ran),
      done: new Set(['feature-flag:rollout-25']),
      record: t.record,
      ctx: context(),
    });
    expect(ran).toEqual(['feature-flag:rollout-0']);
    expect(t.events[0]).toMatchObject({
      stepId: 'feature-flag:rollout-25',
      status: 'skipped',
      detail: 'done in an earlier run',
    });
  });

  it('after a crash (a record that throws), a second run completes exactly the remaining steps', async () => {
    const plan = { full: ['maintenance-on', 'redeploy', 'restore-data', 'maintenance-off'] };
    // Crash 1: recording "running" of the third step fails, before that step starts.
    for (const crashAt of ['full:restore-data running', 'full:redeploy done']) {
      const ran: string[] = [];
      const t = timeline();
      const crashing = (e: StepEvent): Promise<void> =>
        `${e.stepId} ${e.status}` === crashAt
          ? Promise.reject(new Error('GitHub went away'))
          : t.record(e);
      await expect(
        executeLadder({
          rungs: ['full'],
          plan: fakePlan(plan, ran),
          done: new Set(),
          record: crashing,
          ctx: context(),
        }),
      ).rejects.toThrow('GitHub went away');
      const firstRun = [...ran];
      ran.length = 0;
      const result = await executeLadder({
        rungs: ['full'],
        plan: fakePlan(plan, ran),
        done: t.done(),
        record: t.record,
        ctx: context(),
      });
      expect(result.ok).toBe(true);
      if (crashAt === 'full:restore-data running') {
        // Nothing unrecorded happened: the second run picks up exactly where the first stopped.
        expect(firstRun).toEqual(['full:maintenance-on', 'full:redeploy']);
        expect(ran).toEqual(['full:restore-data', 'full:maintenance-off']);
      } else {
        // The redeploy ran but its "done" was never recorded: it runs again (steps are idempotent).
        expect(firstRun).toEqual(['full:maintenance-on', 'full:redeploy']);
        expect(ran).toEqual(['full:redeploy', 'full:restore-data', 'full:maintenance-off']);
      }
      // Each step is recorded done exactly once across both runs.
      const doneIds = t.events.filter((e) => e.status === 'done').map((e) => e.stepId);
      expect(doneIds).toEqual(plan.full.map((s) => `full:${s}`));
    }
  });

  it('escalates to the next rung when a step fails, recording the failure', async () => {
    const ran: string[] = [];
    const t = timeline();
    const logger = recorder();
    const result = await executeLadder({
      rungs: ['feature-flag', 'redeploy'],
      plan: fakePlan(shape, ran, { 'feature-flag:rollout-25': 'fail' }),
      done: new Set(),
      record: t.record,
      ctx: context(fakeClock(), logger),
    });
    expect(ran).toEqual(['feature-flag:rollout-25', 'redeploy:workflow']);
    expect(result).toMatchObject({
      ok: true,
      strategy: 'redeploy',
      tried: ['feature-flag', 'redeploy'],
    });
    expect(t.events.map((e) => `${e.stepId} ${e.status}`)).toEqual([
      'feature-flag:rollout-25 running',
      'feature-flag:rollout-25 failed',
      'redeploy:workflow running',
      'redeploy:workflow done',
    ]);
    expect(t.events[1]?.detail).toBe('feature-flag:rollout-25 broke');
    expect(logger.lines).toContain('warning: escalating from feature-flag to redeploy');
  });

  it('a throwing step is a failed step: recorded, then the ladder escalates', async () => {
    const ran: string[] = [];
    const t = timeline();
    const result = await executeLadder({
      rungs: ['feature-flag', 'redeploy'],
      plan: fakePlan(shape, ran, {
        'feature-flag:rollout-0': 'throw',
        'redeploy:workflow': 'fail',
      }),
      done: new Set(),
      record: t.record,
      ctx: context(),
    });
    expect(result.ok).toBe(false);
    expect(result.strategy).toBe('redeploy');
    expect(result.tried).toEqual(['feature-flag', 'redeploy']);
    expect(result.failure).toBe(
      'feature-flag failed at "rollout-0": step threw: feature-flag:rollout-0 exploded | redeploy failed at "workflow": redeploy:workflow broke',
    );
    expect(t.events.filter((e) => e.status === 'failed').map((e) => e.stepId)).toEqual([
      'feature-flag:rollout-0',
      'redeploy:workflow',
    ]);
  });

  it('plans every rung before running anything, so a policy mistake touches nothing', async () => {
    const ran: string[] = [];
    await expect(
      executeLadder({
        rungs: ['feature-flag', 'redeploy'],
        plan: (s) => {
          if (s === 'redeploy') throw new Error('redeploy misconfigured');
          return fakePlan(shape, ran)(s);
        },
        done: new Set(),
        record: () => Promise.resolve(),
        ctx: context(),
      }),
    ).rejects.toThrow('redeploy misconfigured');
    expect(ran).toEqual([]);
  });

  it('full: data-loss window from the bad deployment to the end of the restore', async () => {
    const clock = fakeClock();
    const ran: string[] = [];
    const t = timeline();
    const full = { full: ['maintenance-on', 'redeploy', 'restore-data', 'maintenance-off'] };
    const plan = (s: StrategyName): PlannedStep[] =>
      fakePlan(
        full,
        ran,
      )(s).map((step) => ({
        ...step,
        // Each step takes a minute of (fake) time.
        run: async (ctx) => {
          await ctx.sleep(60_000);
          return step.run(ctx);
        },
      }));
    const result = await executeLadder({
      rungs: ['full'],
      plan,
      done: new Set(),
      record: t.record,
      ctx: context(clock),
      badDeployedAt: '2025-03-01T11:40:00Z',
    });
    expect(result.dataLossWindow).toEqual({
      from: '2025-03-01T11:40:00Z',
      to: '2025-03-01T12:03:00.000Z',
    });

    // Restore done in an earlier run: its recorded time still ends the window.
    const resumed = await executeLadder({
      rungs: ['full'],
      plan,
      done: t.done(),
      doneAt: t.doneAt(),
      record: () => Promise.resolve(),
      ctx: context(fakeClock()),
      badDeployedAt: '2025-03-01T11:40:00Z',
    });
    expect(resumed.dataLossWindow).toEqual(result.dataLossWindow);
  });

  it('full: a failed restore keeps maintenance on and says so', async () => {
    const ran: string[] = [];
    const t = timeline();
    const full = { full: ['maintenance-on', 'redeploy', 'restore-data', 'maintenance-off'] };
    const plan = (s: StrategyName): PlannedStep[] =>
      fakePlan(full, ran, { 'full:restore-data': 'fail' })(s).map((step) =>
        step.id === 'full:maintenance-off'
          ? { ...step, whenNotRun: 'maintenance mode stays on' }
          : step,
      );
    const result = await executeLadder({
      rungs: ['full'],
      plan,
      done: new Set(),
      record: t.record,
      ctx: context(),
      badDeployedAt: '2025-03-01T11:40:00Z',
    });
    expect(ran).toEqual(['full:maintenance-on', 'full:redeploy', 'full:restore-data']);
    expect(result).toMatchObject({ ok: false, strategy: 'full', dataLossWindow: null });
    expect(result.failure).toBe(
      'full failed at "restore-data": full:restore-data broke; maintenance mode stays on',
    );
  });
});

describe('command steps from the policy (real bash)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ripcord-ladder-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('values reach commands only as RIPCORD_* variables, in the full strategy order', async () => {
    const log = join(dir, 'full.log');
    const policy = rollbackSchema.parse({
      strategies: {
        redeploy: { command: `echo "redeploy $RIPCORD_TARGET_SHA" >> '${log}'` },
        full: {
          maintenance_on: {
            command: `echo "on $RIPCORD_STRATEGY $RIPCORD_ENVIRONMENT" >> '${log}'`,
          },
          restore_data: { command: `echo "restore $RIPCORD_INCIDENT" >> '${log}'` },
          maintenance_off: { command: `echo "off $RIPCORD_TARGET_REF" >> '${log}'` },
        },
      },
    });
    const ctx = context();
    // A hostile ref is only ever a value: it is written, never executed.
    ctx.step.targetRef = '$(touch pwned)';
    const t = timeline();
    const result = await executeLadder({
      rungs: ['full'],
      plan: (s) =>
        planStrategy(s, 'production', policy, {
          flags: new Map(),
          env: {},
          logger: ctx.logger,
          cwd: dir,
        }),
      done: new Set(),
      record: t.record,
      ctx,
      badDeployedAt: '2025-03-01T11:00:00Z',
    });
    expect(result.ok).toBe(true);
    expect(await readFile(log, 'utf8')).toBe(
      'on full production\nredeploy a1b2c3d4e5f6\nrestore 7\noff $(touch pwned)\n',
    );
    expect(t.events.filter((e) => e.status === 'done').map((e) => e.stepId)).toEqual([
      'full:maintenance-on',
      'full:redeploy',
      'full:restore-data',
      'full:maintenance-off',
    ]);
    expect(result.dataLossWindow?.from).toBe('2025-03-01T11:00:00Z');
  });

  it('a failing command fails its strategy with the exit code and escalates', async () => {
    const out = join(dir, 'sha.txt');
    const policy = rollbackSchema.parse({
      strategies: {
        config: { command: 'echo "config store unreachable" >&2; exit 3' },
        redeploy: { command: `printf %s "$RIPCORD_TARGET_SHA" > '${out}'` },
      },
    });
    const ctx = context();
    const t = timeline();
    const result = await executeLadder({
      rungs: ladderFrom('config', policy),
      plan: (s) =>
        planStrategy(s, 'production', policy, { flags: new Map(), env: {}, logger: ctx.logger }),
      done: new Set(),
      record: t.record,
      ctx,
    });
    expect(result).toMatchObject({ ok: true, strategy: 'redeploy', tried: ['config', 'redeploy'] });
    expect(t.events[1]).toMatchObject({
      stepId: 'config:restore',
      status: 'failed',
      detail: 'command exited with code 3: config store unreachable',
    });
    expect(await readFile(out, 'utf8')).toBe('a1b2c3d4e5f6');
  });
});

describe('redeploy by workflow dispatch (GitHub stand-in)', () => {
  let gh: GitHubStandIn | undefined;
  afterEach(async () => {
    await gh?.close();
    gh = undefined;
  });

  function client(url: string) {
    return getOctokit(
      't',
      { baseUrl: url, throttle: { enabled: false }, retry: { retries: 3, retryAfterBaseValue: 1 } },
      retry,
      throttling,
    );
  }

  function redeployPolicy(extra: Record<string, unknown> = {}): RollbackPolicy {
    return rollbackSchema.parse({
      strategies: {
        redeploy: {
          workflow: 'deploy.yml',
          ref_input: 'version',
          inputs: { environment: '{{environment}}', reason: 'ripcord incident {{incident}}' },
          timeout: '5m',
          ...extra,
        },
      },
    });
  }

  async function run(
    policy: RollbackPolicy,
    clock: ReturnType<typeof fakeClock>,
    options: { stripRunDetails?: boolean; setup?: (standIn: GitHubStandIn) => void } = {},
  ) {
    gh = await startGitHubStandIn();
    options.setup?.(gh);
    const octokit = client(gh.url);
    const stripRunDetails = options.stripRunDetails ?? false;
    if (stripRunDetails) {
      // An older GitHub Enterprise Server: the dispatch answers 204 without the run id.
      octokit.hook.before('request', (options) => {
        delete (options as Record<string, unknown>)['return_run_details'];
      });
    }
    const logger = recorder();
    const t = timeline();
    const result = await executeLadder({
      rungs: ['redeploy'],
      plan: (s) =>
        planStrategy(s, 'production', policy, {
          flags: new Map(),
          env: {},
          logger,
          octokit,
          repo: { owner: 'acme', repo: 'shop' },
        }),
      done: new Set(),
      record: t.record,
      ctx: context(clock, logger),
    });
    return { result, events: t.events, logger };
  }

  it('dispatches on the default branch with the known-good sha and waits for success', async () => {
    const clock = fakeClock();
    let polls = 0;
    clock.onSleep = () => {
      polls += 1;
      const r = gh?.state.repo();
      const dispatched = r?.runs[0];
      if (r && dispatched && polls === 1) r.setRunStatus(dispatched.id, 'in_progress');
      if (r && dispatched && polls === 3) r.setRunStatus(dispatched.id, 'completed', 'success');
    };
    const { result, events } = await run(redeployPolicy(), clock);
    expect(result).toMatchObject({ ok: true, strategy: 'redeploy' });
    const runs = gh?.state.repo().runs ?? [];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      head_branch: 'main',
      event: 'workflow_dispatch',
      inputs: { version: 'a1b2c3d4e5f6', environment: 'production', reason: 'ripcord incident 7' },
    });
    expect(clock.slept).toEqual([10_000, 10_000, 10_000]);
    const done = events.find((e) => e.status === 'done');
    expect(done?.stepId).toBe('redeploy:workflow');
    expect(done?.detail).toMatch(
      /^deploy\.yml run #1 \(http\S+\/acme\/shop\/actions\/runs\/\d+\) for a1b2c3d4e5f6 on main succeeded in 30s$/,
    );
    gh?.assertNoViolations();
  });

  it('a run that concludes failure fails the step (and the strategy) with the link', async () => {
    const clock = fakeClock();
    const { result, events } = await run(redeployPolicy(), clock, {
      setup: (standIn) => {
        // The deploy fails a little after it is dispatched.
        standIn.state.onDispatch = (dispatched, repo) => {
          clock.onSleep = () => repo.setRunStatus(dispatched.id, 'completed', 'failure');
        };
      },
    });
    expect(result.ok).toBe(false);
    expect(result.failure).toMatch(
      /^redeploy failed at "Redeploy the known-good version \(deploy\.yml\)": deploy\.yml run #1 \(.+\/actions\/runs\/\d+\) for a1b2c3d4e5f6 on main concluded failure after 10s$/,
    );
    expect(events.map((e) => e.status)).toEqual(['running', 'failed']);
  });

  it('a run still going at the time limit fails the step without cancelling it', async () => {
    const clock = fakeClock();
    const { result } = await run(redeployPolicy({ timeout: '1m' }), clock);
    expect(result.ok).toBe(false);
    expect(result.failure).toMatch(
      /run #1 \(.+\) is still queued after 1m, the redeploy time limit; it was not cancelled/,
    );
    // 1 minute of 10 s polls, not a second more.
    expect(clock.slept).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
    expect(gh?.state.repo().runs[0]?.status).toBe('queued');
  });

  it('a run waiting for environment approval is shown as waiting, with its link, at once and at the time limit', async () => {
    const clock = fakeClock();
    const { result, logger } = await run(redeployPolicy({ timeout: '1m' }), clock, {
      setup: (standIn) => {
        // The deploy job's environment has required reviewers: GitHub holds the run as `waiting`.
        standIn.state.onDispatch = (dispatched, repo) =>
          repo.setRunStatus(dispatched.id, 'waiting');
      },
    });
    expect(result.ok).toBe(false);
    expect(result.failure).toMatch(
      /run #1 \(.+\/actions\/runs\/\d+\) is still waiting for environment approval \(a required reviewer must approve it there\) after 1m/,
    );
    const warned = logger.lines.filter((l) => /waiting for approval/.test(l));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/approve it at http.+\/actions\/runs\/\d+/);
  });

  it('the ref_input can carry the known-good tag instead of the sha ({{target_tag}})', async () => {
    const clock = fakeClock();
    clock.onSleep = () => {
      const r = gh?.state.repo();
      const dispatched = r?.runs[0];
      if (r && dispatched) r.setRunStatus(dispatched.id, 'completed', 'success');
    };
    const policy = rollbackSchema.parse({
      strategies: {
        redeploy: {
          workflow: 'deploy.yml',
          ref_input: 'version',
          inputs: { version: '{{target_tag}}', image: 'shop:{{target_version}}' },
          timeout: '5m',
        },
      },
    });
    const { result } = await run(policy, clock, {});
    expect(result.ok).toBe(true);
    expect(gh?.state.repo().runs[0]?.inputs).toEqual({ version: 'v1.4.2', image: 'shop:1.4.2' });
  });

  it('finds the run by listing when the server does not return its id', async () => {
    const clock = fakeClock();
    clock.onSleep = () => {
      const r = gh?.state.repo();
      const dispatched = r?.runs.at(-1);
      if (r && dispatched) r.setRunStatus(dispatched.id, 'completed', 'success');
    };
    const { result } = await run(redeployPolicy(), clock, { stripRunDetails: true });
    expect(result.ok).toBe(true);
    expect(gh?.calls.count('actions/list-workflow-runs')).toBe(1);
  });

  it('GitHub Enterprise Server before 3.21 refuses return_run_details: dispatch again without it and find the run (#10)', async () => {
    const clock = fakeClock();
    clock.onSleep = () => {
      const r = gh?.state.repo();
      const dispatched = r?.runs.at(-1);
      if (r && dispatched) r.setRunStatus(dispatched.id, 'completed', 'success');
    };
    const { result } = await run(redeployPolicy(), clock, {
      setup: (standIn) => {
        standIn.state.enterpriseServer = '3.19';
      },
    });
    expect(result.ok).toBe(true);
    const dispatches = gh?.calls.log.filter(
      (c) => c.operationId === 'actions/create-workflow-dispatch',
    );
    expect(dispatches?.map((c) => c.status)).toEqual([422, 204]);
    expect(dispatches?.[1]?.requestBody).not.toHaveProperty('return_run_details');
    // The refused request started nothing: one run, found by listing.
    expect(gh?.state.repo().runs).toHaveLength(1);
    expect(gh?.calls.count('actions/list-workflow-runs')).toBe(1);
    gh?.assertNoViolations();
  });

  it('an input the deploy workflow does not declare is a 422 naming it, and the step says what to fix (#10)', async () => {
    const clock = fakeClock();
    const { result } = await run(redeployPolicy(), clock, {
      setup: (standIn) => {
        standIn.state
          .repo()
          .addWorkflow('deploy.yml', 'Deploy', { inputs: ['version', 'environment'] });
      },
    });
    expect(result.ok).toBe(false);
    expect(result.failure).toMatch(
      /deploy\.yml does not declare the input\(s\) \["reason"\]: declare them under on: workflow_dispatch: inputs: in deploy\.yml, or remove them from rollback\.strategies\.redeploy/,
    );
    expect(gh?.state.repo().runs).toHaveLength(0);
    // Not mistaken for a server that refuses return_run_details: dispatched once.
    expect(gh?.calls.count('actions/create-workflow-dispatch')).toBe(1);
    gh?.assertNoViolations();
  });

  it('an unknown workflow or a missing known-good version fails with what to fix', async () => {
    gh = await startGitHubStandIn();
    gh.state.repo().addWorkflow('deploy.yml');
    const octokit = client(gh.url);
    const logger = recorder();
    const steps = planStrategy('redeploy', 'production', redeployPolicy({ workflow: '1234' }), {
      flags: new Map(),
      env: {},
      logger,
      octokit,
      repo: { owner: 'acme', repo: 'shop' },
    });
    const ctx = context(fakeClock(), logger);
    const outcome = await steps[0]?.run(ctx);
    expect(outcome?.ok).toBe(false);
    expect(outcome?.detail).toMatch(
      /could not dispatch 1234 in acme\/shop \(HTTP 404.*\); check the workflow file name/,
    );
    const none = await steps[0]?.run({ ...ctx, step: { environment: 'production' } });
    expect(none).toEqual({
      ok: false,
      detail: 'no known-good version to redeploy (neither a target sha nor a ref is known)',
    });
  });
});
