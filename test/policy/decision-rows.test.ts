/**
 * Decision rows that say more than a strategy (#13): a row chooses how the flag is switched
 * (seed 000: immediate off for critical, gradual 25 -> 0 for less critical, only some
 * components), and a row may leave a critical breach to a team decision (seed 001: "Low: may
 * not rollback ... evaluate, team decision"). From the policy file through decide() to the
 * rollback action, which switches a real Unleash flag and records in the GitHub stand-in.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { run as rollbackRun } from '../../src/actions/rollback/run.ts';
import { decide } from '../../src/signals/decide.ts';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/schema.ts';
import type { Decision, Verdict } from '../../src/signals/verdict.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { sharedUnleash, type UnleashServer } from '../support/unleash-server.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'policies');
const AT = Date.UTC(2026, 10, 24, 10, 20);
const ENV = 'production';

function load(name: string, text = readFileSync(join(fixtures, name), 'utf8')): Policy {
  const result = parsePolicy(text, name);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.policy;
}

function breached(impact: number): Verdict {
  return {
    name: 'error-rate',
    kind: 'threshold',
    severity: 'critical',
    status: 'breached',
    value: 0.07,
    valueText: '7%',
    threshold: '> 5% for 5m',
    since: '2026-11-24T10:14:00.000Z',
    reason: 'error-rate is 7%, above 5% for 5m.',
    query: 'error_ratio',
    source: 'prom',
    labels: {},
    points: [],
    thresholdValue: 0.05,
    impact,
  };
}

function decideAt(policy: Policy, impact: number): Decision {
  const env = policy.environments[ENV];
  if (!env) throw new Error('no production');
  return decide(ENV, env, [breached(impact)], AT);
}

describe('a decision row chooses the flag mode (seed 000)', () => {
  const policy = load('decision-rows.yml');

  test.each([
    [0.15, { mode: 'immediate' }, /picks feature-flag \(switched off at once\)/],
    [0.2 / 100, { mode: 'components', components: ['voice'] }, /only voice switched off/],
    [
      0.08,
      { mode: 'gradual', steps: [25, 0], step_wait: 300_000 },
      /picks feature-flag \(gradual 25% -> 0%, 5m apart\)/,
    ],
  ])('impact %s: the row picks its flag mode and the summary says so', (impact, flag, said) => {
    const decision = decideAt(policy, impact);
    expect(decision.decision).toBe('rollback');
    expect(decision.strategy).toBe('feature-flag');
    expect(decision.flag).toEqual(flag);
    expect(decision.summary).toMatch(said);
  });

  test('a row with another strategy carries no flag mode', () => {
    const decision = decideAt(policy, 0.03);
    expect(decision.strategy).toBe('redeploy');
    expect(decision.flag).toBeNull();
  });
});

describe('a row may leave the case to a team decision (seed 001)', () => {
  const policy = load('decision-rows.yml');

  test('a critical breach matched by an evaluate row warns, names who decides, never rolls back', () => {
    const decision = decideAt(policy, 0.03);
    expect(decision.decision).toBe('warn');
    expect(decision.severity).toBe('critical');
    expect(decision.teamDecision).toBe(true);
    expect(decision.ask).toEqual(['@alice', '@acme/sre-leads']);
    expect(decision.summary).toMatch(
      /^Team decision on production: error-rate is 7%, above 5% for 5m; critical, affecting about 3% of users, but the decision matrix leaves this case to a team decision/,
    );
    expect(decision.summary).toContain('Asking @alice, @acme/sre-leads to decide.');
    expect(decision.summary).toContain(
      'If they decide to roll back, the decision matrix picks redeploy',
    );
  });

  test('the same breach at a higher impact still rolls back on its own', () => {
    expect(decideAt(policy, 0.15).decision).toBe('rollback');
    expect(decideAt(policy, 0.15).teamDecision).toBe(false);
  });
});

describe('a row may name the triggers it answers (seed 000: the runbook picks a strategy per trigger)', () => {
  const text = [
    'version: 1',
    'flags:',
    '  unleash: {type: unleash, url: https://unleash.example/api, token: "${UNLEASH_TOKEN}"}',
    'environments:',
    '  production:',
    '    triggers:',
    '      - {name: error-rate, severity: critical, source: prom, query: error_ratio, threshold: 5%}',
    '      - {name: slow-answers, severity: critical, source: prom, query: answer_seconds, threshold: 10s}',
    '    decision:',
    '      - {severity: critical, triggers: [slow-answers], strategy: feature-flag, flag: {mode: gradual, steps: [25, 0], step_wait: 5m}}',
    '      - {severity: critical, strategy: feature-flag, flag: {mode: immediate}}',
    '    rollback:',
    '      strategies:',
    '        feature-flag: {provider: unleash, flag: chat}',
    'sources:',
    '  prom: {type: prometheus, url: https://prom.example}',
    '',
  ].join('\n');
  const policy = load('triggers.yml', text);
  const env = policy.environments[ENV];
  if (!env) throw new Error('no production');
  const slow: Verdict = { ...breached(0.1), name: 'slow-answers', reason: 'slow-answers is 12s.' };

  test('only the named trigger breached: that row, gradual', () => {
    const decision = decide(ENV, env, [slow], AT);
    expect(decision.decision).toBe('rollback');
    expect(decision.flag).toEqual({ mode: 'gradual', steps: [25, 0], step_wait: 300_000 });
    expect(decision.summary).toMatch(/picks feature-flag \(gradual 25% -> 0%, 5m apart\)/);
  });

  test('another trigger breached too, or alone: the next row, immediate', () => {
    expect(decide(ENV, env, [breached(0.1)], AT).flag).toEqual({ mode: 'immediate' });
    // The first row still matches when its trigger is among the breached ones.
    expect(decide(ENV, env, [breached(0.1), slow], AT).flag?.mode).toBe('gradual');
  });

  test('a row naming a trigger that does not exist is refused, with the near name', () => {
    const result = parsePolicy(
      text.replace('triggers: [slow-answers]', 'triggers: [slow-answer]'),
      'p.yml',
    );
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(formatProblem)).toEqual([
      'p.yml:10:41: environments.production.decision[0].triggers[0]: trigger "slow-answer" is not a trigger of this environment, so the row would never match; did you mean "slow-answers"?',
    ]);
  });
});

describe('validation of decision rows says where and how to fix', () => {
  test('flag on a non-flag row, mode components without components', () => {
    const text = readFileSync(join(fixtures, 'decision-rows-bad.yml'), 'utf8');
    const result = parsePolicy(text, 'decision-rows-bad.yml');
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(formatProblem)).toEqual([
      'decision-rows-bad.yml:7:15: environments.production.decision[0].flag: flag applies to strategy feature-flag only; this row picks redeploy, so remove flag or write strategy: feature-flag',
      'decision-rows-bad.yml:10:22: environments.production.decision[1].flag.mode: mode components needs the components to switch off; add components: [...] here or under rollback.strategies.feature-flag',
    ]);
  });

  test('ask takes only GitHub mentions, so a policy cannot make Ripcord ping @everyone or write markup', () => {
    const text = [
      'version: 1',
      'environments:',
      '  production:',
      '    decision:',
      '      - {severity: critical, strategy: redeploy, action: evaluate, ask: [alice, "@everyone here", "@a/b](x)"]}',
      '',
    ].join('\n');
    const result = parsePolicy(text, 'p.yml');
    if (result.ok) throw new Error('expected problems');
    const fix =
      'write a GitHub mention: @login or @org/team-slug, such as @alice or @acme/sre-leads';
    expect(result.problems.map(formatProblem)).toEqual([
      `p.yml:5:74: environments.production.decision[0].ask[0]: "alice" is not allowed; ${fix}`,
      `p.yml:5:81: environments.production.decision[0].ask[1]: "@everyone here" is not allowed; ${fix}`,
      `p.yml:5:99: environments.production.decision[0].ask[2]: "@a/b](x)" is not allowed; ${fix}`,
    ]);
  });
});

describe('the rollback action follows the row (real Unleash, GitHub stand-in)', () => {
  let unleash: UnleashServer;
  let gh: GitHubStandIn;
  let dir: string;
  let policyPath: string;

  beforeAll(() => {
    unleash = sharedUnleash();
  });

  beforeEach(async () => {
    gh = await startGitHubStandIn();
    dir = mkdtempSync(join(tmpdir(), 'ripcord-rows-'));
    policyPath = join(dir, 'ripcord.yml');
    const repo = gh.state.repo();
    repo.addDeployment({
      ref: 'v1.1.0',
      sha: 'a'.repeat(40),
      environment: ENV,
      created_at: '2026-11-24T09:00:00Z',
      statuses: [{ state: 'success' }],
    });
    repo.addDeployment({
      ref: 'v1.2.0',
      sha: 'c'.repeat(40),
      environment: ENV,
      created_at: '2026-11-24T10:00:00Z',
      statuses: [{ state: 'success' }],
    });
  });

  afterEach(async () => {
    await gh.close();
  });

  async function admin(method: string, path: string, body?: unknown): Promise<void> {
    const res = await fetch(`${unleash.url}${path}`, {
      method,
      headers: { authorization: unleash.adminToken, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  }

  async function createFlag(name: string): Promise<void> {
    await admin('POST', '/api/admin/projects/default/features', { name, type: 'release' });
    await admin(
      'POST',
      `/api/admin/projects/default/features/${name}/environments/${ENV}/strategies`,
      {
        name: 'flexibleRollout',
        constraints: [],
        parameters: { rollout: '100', stickiness: 'default', groupId: name },
      },
    );
    await admin('POST', `/api/admin/projects/default/features/${name}/environments/${ENV}/on`);
  }

  async function clientView(name: string) {
    const res = await fetch(`${unleash.url}/api/client/features`, {
      headers: { authorization: unleash.clientToken(ENV) },
    });
    const body = (await res.json()) as {
      features: {
        name: string;
        enabled: boolean;
        strategies: { parameters?: Record<string, string> }[];
      }[];
    };
    return body.features.find((f) => f.name === name);
  }

  /** The fixture with this test's Unleash and a flag of its own. */
  function writePolicy(flag: string): Policy {
    const text = readFileSync(join(fixtures, 'decision-rows.yml'), 'utf8')
      .replace('http://127.0.0.1:4242', unleash.url)
      .replace('flag: dashboard-chat', `flag: ${flag}`);
    writeFileSync(policyPath, text);
    return load('decision-rows.yml', text);
  }

  async function rollBack(decision: Decision) {
    const io = recorder({
      policy: policyPath,
      environment: ENV,
      token: 'ghs_token',
      decision: JSON.stringify(decision),
    });
    const slept: number[] = [];
    const result = await rollbackRun(io, {
      env: {
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_API_URL: gh.url,
        GITHUB_RUN_ID: '7001',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_ACTOR: 'deploy-bot',
        GITHUB_EVENT_NAME: 'deployment_status',
        UNLEASH_TOKEN: unleash.adminToken,
        PATH: process.env.PATH ?? '',
      },
      now: () => Date.now(),
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
      retryAfterBaseValue: 1,
      lockPollMs: 50,
    });
    return { io, result, slept };
  }

  test('critical, high impact: the flag is switched off at once', async () => {
    await createFlag('rows-immediate');
    const policy = writePolicy('rows-immediate');
    const { result } = await rollBack(decideAt(policy, 0.15));
    expect(result.result).toBe('rolled-back');
    expect(result.steps.filter((s) => s.status === 'done').map((s) => s.stepId)).toEqual([
      'feature-flag:disable',
    ]);
    expect((await clientView('rows-immediate'))?.enabled).toBe(false);
  });

  test('critical, medium impact: the same flag steps down 25% then 0%, 5m apart', async () => {
    await createFlag('rows-gradual');
    const policy = writePolicy('rows-gradual');
    const { result, slept } = await rollBack(decideAt(policy, 0.08));
    expect(result.result).toBe('rolled-back');
    expect(result.steps.filter((s) => s.status === 'done').map((s) => s.stepId)).toEqual([
      'feature-flag:rollout-25',
      'feature-flag:rollout-0',
    ]);
    expect(slept).toContain(300_000);
    const after = await clientView('rows-gradual');
    expect(after?.enabled).toBe(true);
    expect(after?.strategies.map((s) => s.parameters?.rollout)).toEqual(['0']);
  });

  test('critical, tiny impact: only the voice component goes off', async () => {
    await createFlag('rows-comp');
    await createFlag('rows-comp.voice');
    await createFlag('rows-comp.search');
    const policy = writePolicy('rows-comp');
    const { result } = await rollBack(decideAt(policy, 0.002));
    expect(result.result).toBe('rolled-back');
    expect((await clientView('rows-comp.voice'))?.enabled).toBe(false);
    expect((await clientView('rows-comp.search'))?.enabled).toBe(true);
    expect((await clientView('rows-comp'))?.enabled).toBe(true);
  });

  test('a team decision rolls nothing back and says whom it asks', async () => {
    await createFlag('rows-team');
    const policy = writePolicy('rows-team');
    const { result } = await rollBack(decideAt(policy, 0.03));
    expect(result.result).toBe('skipped');
    expect(result.message).toBe(
      'The decision is a team decision, not an automatic rollback (asking @alice, @acme/sre-leads): nothing rolled back. To roll back, run the rollback by hand with a strategy.',
    );
    expect(result.incident).toBeNull();
    expect((await clientView('rows-team'))?.enabled).toBe(true);
    const deployments = await fetch(`${gh.url}/repos/acme/shop/deployments`, {
      headers: { authorization: 'token ghs_token' },
    });
    expect(((await deployments.json()) as unknown[]).length).toBe(2);
  });
});
