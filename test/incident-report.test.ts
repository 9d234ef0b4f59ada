import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  comparableReport,
  formatDuration,
  keepHumanSections,
  renderIncidentReport,
  reportBranch,
  reportPath,
  type IncidentReportInput,
} from '../src/core/incident-report.ts';
import type { IncidentState } from '../src/core/incident-state.ts';
import type { Verdict } from '../src/core/verdict.ts';

const T0 = Date.parse('2024-05-01T09:50:00Z');

export function fullState(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    version: 1,
    environment: 'production',
    status: 'recovered',
    openedAt: '2024-05-01T10:02:30.000Z',
    updatedAt: '2024-05-01T14:10:00.000Z',
    reason: 'error rate 7.2% (threshold 5% for 5m)',
    decision: {
      decision: 'rollback',
      severity: 'critical',
      strategy: 'full',
      approval: null,
      triggered: ['error-rate'],
      summary: 'Roll back production: error-rate is 7.2%, over 5% for 5m.',
    },
    bad: {
      deploymentId: 42,
      ref: 'v1.4.0',
      sha: 'a'.repeat(40),
      createdAt: '2024-05-01T09:50:00Z',
    },
    target: { deploymentId: 41, ref: 'v1.3.9', sha: 'b'.repeat(40) },
    rollbackDeploymentId: 43,
    strategy: 'full',
    attempts: 1,
    lastRollbackAt: '2024-05-01T10:09:00.000Z',
    runs: [{ runId: '9001', attempt: 1, startedAt: '2024-05-01T10:02:30.000Z' }],
    steps: [
      step('full:maintenance-on', 'Maintenance on', '10:02:40', '10:02:45'),
      step('full:redeploy', 'Redeploy v1.3.9', '10:02:45', '10:06:00'),
      step('full:restore-data', 'Restore database snapshot', '10:06:00', '10:08:30'),
      step('full:maintenance-off', 'Maintenance off', '10:08:30', '10:09:00'),
    ],
    dataLossWindow: { from: '2024-05-01T09:45:00.000Z', to: '2024-05-01T10:06:00.000Z' },
    recovery: {
      status: 'completed',
      startedAt: '2024-05-01T11:00:00.000Z',
      completedAt: '2024-05-01T14:10:00.000Z',
      stages: [
        {
          percent: 5,
          status: 'passed',
          startedAt: '2024-05-01T11:00:00Z',
          finishedAt: '2024-05-01T11:30:00Z',
        },
        {
          percent: 25,
          status: 'passed',
          startedAt: '2024-05-01T11:30:00Z',
          finishedAt: '2024-05-01T12:30:00Z',
        },
        {
          percent: 50,
          status: 'passed',
          startedAt: '2024-05-01T12:30:00Z',
          finishedAt: '2024-05-01T14:10:00Z',
        },
        { percent: 100, status: 'done', startedAt: '2024-05-01T14:10:00Z' },
      ],
    },
    ...overrides,
  };
}

function step(id: string, name: string, from: string, to: string) {
  return {
    id,
    strategy: 'full',
    name,
    status: 'done' as const,
    startedAt: `2024-05-01T${from}.000Z`,
    finishedAt: `2024-05-01T${to}.000Z`,
    detail: null,
  };
}

export function errorRateVerdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    name: 'error-rate',
    kind: 'threshold',
    severity: 'critical',
    status: 'breached',
    value: 7.2,
    valueText: '7.2%',
    threshold: '> 5% for 5m',
    since: '2024-05-01T09:57:00.000Z',
    reason: 'error rate held above 5% for 5m',
    query:
      'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m])) * 100',
    source: 'prometheus',
    labels: {},
    points: Array.from({ length: 16 }, (_, i) => ({ t: T0 + i * 60_000, v: i < 7 ? 0.5 : 7.2 })),
    thresholdValue: 5,
    impact: 0.3,
    ...overrides,
  };
}

export function fullInput(overrides: Partial<IncidentReportInput> = {}): IncidentReportInput {
  return {
    state: fullState(),
    incident: { number: 7, url: 'https://github.com/acme/shop/issues/7' },
    repo: { owner: 'acme', repo: 'shop' },
    serverUrl: 'https://github.com',
    generatedAt: '2024-05-01T14:15:00.000Z',
    evidence: [
      errorRateVerdict(),
      {
        ...errorRateVerdict(),
        name: 'latency-p95',
        status: 'ok',
        valueText: '180ms',
        threshold: '> 500ms',
        since: null,
        reason: 'p95 latency 180ms is below 500ms',
        thresholdValue: 500,
        points: [],
      },
    ],
    verification: [
      {
        name: 'GET /healthz',
        kind: 'http',
        status: 'passed',
        attempts: 2,
        at: '2024-05-01T10:10:00Z',
        detail: '200 OK 3 times in a row',
      },
      {
        name: 'error-rate',
        kind: 'metric',
        status: 'passed',
        attempts: 1,
        at: '2024-05-01T10:15:00Z',
        detail: '0.4% < 5%',
      },
    ],
    ...overrides,
  };
}

describe('renderIncidentReport', () => {
  it('renders a full report (full strategy, data-loss window, staged recovery) as committed', async () => {
    const md = renderIncidentReport(fullInput());
    await expect(md).toMatchFileSnapshot('fixtures/reports/incident-7.md');
  });

  it('is deterministic for the same incident', () => {
    expect(renderIncidentReport(fullInput())).toBe(renderIncidentReport(fullInput()));
  });

  it('only its generated-at line depends on the render time', () => {
    const a = renderIncidentReport(fullInput());
    const b = renderIncidentReport(fullInput({ generatedAt: '2024-06-01T00:00:00Z' }));
    expect(a).not.toBe(b);
    expect(comparableReport(a)).toBe(comparableReport(b));
  });

  it('has the sections people need, with timings, links and a checklist', () => {
    const md = renderIncidentReport(fullInput());
    for (const heading of [
      '## Summary',
      '## Timeline',
      '## Trigger and evidence',
      '## Versions',
      '## Strategy and steps taken',
      '## Verification',
      '## Data-loss window',
      '## Recovery',
      '### Contributing factors',
      '### What went well',
      '### What to improve',
      '### Action items',
      '### Prevention',
    ]) {
      expect(md).toContain(`\n${heading}\n`);
    }
    expect(md).toContain('| Time to detect | 12m 30s |');
    expect(md).toContain('| Time to roll back | 6m 30s |');
    expect(md).toContain('| Time to recover | 4h 7m 30s |');
    expect(md).toContain(`(https://github.com/acme/shop/commit/${'a'.repeat(40)})`);
    expect(md).toContain(`(https://github.com/acme/shop/commit/${'b'.repeat(40)})`);
    expect(md).toMatch(/^- \[ \] /m);
    expect(md).toContain('```mermaid\ngantt');
    expect(md).toContain('```mermaid\nxychart-beta');
    // Charts only for breached triggers.
    expect(md.match(/xychart-beta/g)).toHaveLength(1);
  });

  it('uses the server URL for GitHub Enterprise Server links', () => {
    const md = renderIncidentReport(fullInput({ serverUrl: 'https://ghe.example.com/' }));
    expect(md).toContain(`(https://ghe.example.com/acme/shop/commit/${'a'.repeat(40)})`);
  });

  it('escapes untrusted text: no pings, no HTML, no broken tables', () => {
    const evil = '@channel <script>alert(1)</script> | @acme/oncall';
    const md = renderIncidentReport(
      fullInput({
        state: fullState({
          environment: `prod ${evil}`,
          reason: evil,
          bad: {
            deploymentId: 42,
            ref: `v1 ${evil}`,
            sha: 'not a sha <b>',
            createdAt: '2024-05-01T09:50:00Z',
          },
          steps: [{ ...step('x', evil, '10:02:40', '10:02:45'), detail: evil }],
        }),
        evidence: [errorRateVerdict({ name: evil, reason: evil, query: 'up`\n@channel' })],
        verification: [{ name: evil, status: 'failed', detail: evil }],
      }),
    );
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<b>');
    // GitHub links no mentions inside fenced blocks (the charts); everywhere else, a zero-width
    // space after every @ keeps it from pinging.
    const prose = md.replace(/```[\s\S]*?```/g, '');
    expect(prose).toContain('@\u200bchannel');
    expect(prose).not.toMatch(/@(?!\u200b)/);
    // A pipe in text would add a table column.
    const stepRow = prose.split('\n').find((l) => l.startsWith('| 1 | '));
    expect(stepRow?.match(/(?<!\\)\|/g)).toHaveLength(9);
    // The only HTML is Ripcord's own comments.
    expect(prose.match(/(?<!\\)<(?!!--)/g) ?? []).toEqual([]);
  });

  it('renders a manual rollback without evidence, verification or recovery', () => {
    const md = renderIncidentReport(
      fullInput({
        state: fullState({
          status: 'closed',
          decision: undefined,
          strategy: 'redeploy',
          dataLossWindow: null,
          recovery: null,
          steps: [],
        }),
        evidence: undefined,
        verification: undefined,
      }),
    );
    expect(md).toContain('Rolled back by hand');
    expect(md).toContain('_No trigger evidence was recorded with this report._');
    expect(md).toContain('_No verification results were recorded with this report._');
    expect(md).not.toContain('## Data-loss window');
    expect(md).not.toContain('## Recovery\n');
    expect(md).toContain('| Time to recover | - |');
  });

  it('tolerates a recovery record in a shape it does not know', () => {
    const md = renderIncidentReport(
      fullInput({ state: fullState({ recovery: { stages: 'many' } }) }),
    );
    expect(md).toContain('has a shape this version of Ripcord does not read');
  });
});

describe('paths and helpers', () => {
  it('names the file by date, environment and incident number', () => {
    expect(reportPath(fullState(), 7)).toBe('docs/incidents/2024-05-01-production-incident-7.md');
    expect(reportPath(fullState({ environment: 'EU West/Prod ../x' }), 8)).toBe(
      'docs/incidents/2024-05-01-eu-west-prod-x-incident-8.md',
    );
    expect(reportBranch(7)).toBe('ripcord/incident-7');
  });

  it('formats durations', () => {
    expect(formatDuration('2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z')).toBe('0s');
    expect(formatDuration('2024-05-01T10:00:00Z', '2024-05-02T11:01:05Z')).toBe('1d 1h 1m 5s');
    expect(formatDuration('2024-05-01T10:00:00Z', null)).toBeNull();
    expect(formatDuration('2024-05-01T10:00:00Z', '2024-05-01T09:00:00Z')).toBeNull();
  });

  it('keeps what people wrote in the root-cause sections when the facts change', () => {
    const first = renderIncidentReport(fullInput());
    const edited = first.replace(
      '### Contributing factors\n\n_To be filled in._',
      '### Contributing factors\n\nA missing index on orders.',
    );
    const next = renderIncidentReport(fullInput({ state: fullState({ attempts: 2 }) }));
    const merged = keepHumanSections(edited, next);
    expect(merged).toContain('A missing index on orders.');
    expect(merged).toContain('| Rollback attempts | 2 |');
    expect(keepHumanSections(null, next)).toBe(next);
  });

  it('the committed snapshot is a plain Markdown file', () => {
    const text = readFileSync(new URL('fixtures/reports/incident-7.md', import.meta.url), 'utf8');
    expect(text.startsWith('# Incident #7: production was rolled back from v1.4.0 to v1.3.9')).toBe(
      true,
    );
  });
});
