import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  comparableReport,
  formatDuration,
  keepHumanSections,
  renderIncidentReport,
  reportBranch,
  reportPath,
} from '../../src/incident/report.ts';
import {
  errorRateVerdict,
  fullInput,
  fullState,
  step,
} from '../fixtures/reports/incident-fixtures.ts';

describe('renderIncidentReport', () => {
  it('renders a full report (full strategy, data-loss window, staged recovery) as committed', async () => {
    const md = renderIncidentReport(fullInput());
    await expect(md).toMatchFileSnapshot('../fixtures/reports/incident-7.md');
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

  it('shows the readings at the moment of decision, not only the latest gate readings', () => {
    const base = fullState();
    const md = renderIncidentReport(
      fullInput({
        state: fullState({
          decision: base.decision && {
            ...base.decision,
            evaluatedAt: '2024-05-01T10:02:00Z',
            evidence: [
              {
                name: 'error-rate',
                severity: 'critical',
                status: 'breached',
                value: 0.093,
                valueText: '9.3%',
                threshold: '> 5% for 2m',
                since: '2024-05-01T09:58:00Z',
                reason: 'error-rate has been above 5% since 09:58 UTC.',
              },
            ],
          },
        }),
        // A recovery gate read much later, when the error rate was back to normal.
        evidence: [errorRateVerdict({ status: 'ok', valueText: '0.2%' })],
      }),
    );
    const decided = md.indexOf('Readings at the moment of decision (2024-05-01 10:02:00 UTC):');
    const latest = md.indexOf('Latest readings (when this report was written):');
    expect(decided).toBeGreaterThan(0);
    expect(latest).toBeGreaterThan(decided);
    expect(md.slice(decided, latest)).toContain('| error-rate | critical |');
    expect(md.slice(decided, latest)).toContain('| 9.3% |');
    expect(md.slice(decided, latest)).not.toContain('0.2%');
    // The timeline dates the breach from the decision's reading.
    expect(md).toContain('2024-05-01 09:58:00 UTC');
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

describe('recovery time: detection -> restored against recovery_time (#13)', () => {
  // Detection (the decision) 10:02:30, the rollback completed 10:09:00: 6m 30s.
  it('met, with the time to spare', () => {
    const md = renderIncidentReport(fullInput({ recoveryTime: { critical: 600_000 } }));
    expect(md).toContain('| Recovery time (critical, objective 10m) | 6m 30s: met |');
    expect(md).toContain(
      'Objective 10m (critical): **met**, 6m 30s from detection to restored, 3m 30s to spare, not verified.',
    );
    expect(md).toContain(
      '| Detection to restored | decision 2024-05-01 10:02:30 UTC | restored 2024-05-01 10:09:00 UTC | 6m 30s (met against 10m) |',
    );
  });

  it('missed, by how much; measured from the decision time and the first bad sample when kept', () => {
    const state = fullState();
    const md = renderIncidentReport(
      fullInput({
        recoveryTime: { critical: 300_000 },
        state: {
          ...state,
          decision: state.decision && {
            ...state.decision,
            evaluatedAt: '2024-05-01T10:02:00.000Z',
            evidence: [
              {
                name: 'error-rate',
                severity: 'critical',
                status: 'breached',
                value: 0.072,
                valueText: '7.2%',
                threshold: '> 5% for 5m',
                since: '2024-05-01T09:57:00.000Z',
                reason: 'error-rate is 7.2%',
              },
            ],
          },
          verification: {
            mode: 'after-rollback',
            result: 'passed',
            reason: '3 consecutive passing rounds',
            startedAt: '2024-05-01T10:09:00.000Z',
            finishedAt: '2024-05-01T10:12:00.000Z',
            rounds: 3,
            checks: [],
          },
        },
      }),
    );
    expect(md).toContain('| Recovery time (critical, objective 5m) | 7m: missed by 2m |');
    expect(md).toContain(
      'Objective 5m (critical): **missed by 2m**, 7m from detection to restored, verified 2024-05-01 10:12:00 UTC. From the first bad sample (2024-05-01 09:57:00 UTC) it was 12m',
    );
  });

  it('a failed verification after the rollback restored nothing', () => {
    const md = renderIncidentReport(
      fullInput({
        recoveryTime: { critical: 600_000 },
        state: fullState({
          status: 'verification-failed',
          verification: {
            mode: 'after-rollback',
            result: 'failed',
            reason: '2 consecutive failing rounds (1 tolerated)',
            startedAt: '2024-05-01T10:09:00.000Z',
            finishedAt: '2024-05-01T10:11:00.000Z',
            rounds: 2,
            checks: [
              {
                name: 'error-rate',
                type: 'metric',
                status: 'fail',
                detail: 'error-rate is 6.1%, not below 1%',
                value: 0.061,
                valueText: '6.1%',
                at: '2024-05-01T10:11:00.000Z',
                attempts: 2,
              },
            ],
          },
        }),
      }),
    );
    expect(md).toContain('| Recovery time (critical, objective 10m) | -: not restored |');
    expect(md).toContain(
      'Objective 10m (critical): not restored, the verification after the rollback failed.',
    );
    // The recorded checks replace "missing": result, value with unit, rounds, time.
    expect(md).toContain(
      'Verification after the rollback **failed** at 2024-05-01 10:11:00 UTC: 2 consecutive failing rounds \\(1 tolerated\\) (2 rounds from 2024-05-01 10:09:00 UTC, 2m).',
    );
    expect(md).toContain(
      '| error-rate | metric | 🔴 failed | 6.1% | 2 | 2024-05-01 10:11:00 UTC | error-rate is 6.1%, not below 1% |',
    );
    expect(md).not.toContain('No verification results were recorded');
  });

  it('a rollback by hand has no severity: not measured, but the span is given', () => {
    const md = renderIncidentReport(
      fullInput({ recoveryTime: { critical: 600_000 }, state: fullState({ decision: undefined }) }),
    );
    expect(md).toContain('| Recovery time (no severity) | 6m 30s: no objective |');
    expect(md).toContain(
      'Not measured against a recovery-time objective: a rollback by hand has no severity. Detection to restored took 6m 30s, not verified.',
    );
  });

  it('without recovery_time from the caller the report has no such row', () => {
    expect(renderIncidentReport(fullInput())).not.toContain('Recovery time');
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
    const text = readFileSync(
      new URL('../fixtures/reports/incident-7.md', import.meta.url),
      'utf8',
    );
    expect(text.startsWith('# Incident #7: production was rolled back from v1.4.0 to v1.3.9')).toBe(
      true,
    );
  });
});
