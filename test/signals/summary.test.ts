import { describe, expect, test } from 'vitest';
import { escapeMarkdown } from '../../src/shared/markdown.ts';
import { renderChart, renderDecisionSummary } from '../../src/signals/summary.ts';
import type { Decision, Verdict } from '../../src/signals/verdict.ts';

const t0 = Date.parse('2026-11-24T10:00:00Z');
function verdict(over: Partial<Verdict> = {}): Verdict {
  return {
    name: 'error-rate',
    kind: 'threshold',
    severity: 'critical',
    status: 'breached',
    value: 0.072,
    valueText: '7.2%',
    threshold: '> 5% for 15m',
    since: '2026-11-24T10:03:00.000Z',
    reason: 'above 5% at every step since 10:03',
    query: 'http_error_ratio',
    source: 'prometheus',
    labels: {},
    points: Array.from({ length: 20 }, (_, i) => ({
      t: t0 + i * 60_000,
      v: i < 3 ? 0.006 : 0.072,
    })),
    thresholdValue: 0.05,
    impact: 0.15,
    ...over,
  };
}
function decision(triggers: Verdict[]): Decision {
  return {
    decision: 'rollback',
    environment: 'production',
    severity: 'critical',
    impact: 0.15,
    strategy: 'feature-flag',
    approval: 'none',
    evaluatedAt: '2026-11-24T10:20:00.000Z',
    triggered: ['error-rate'],
    summary: 'Roll back production: error-rate above 5% for 15m.',
    triggers,
  };
}

describe('job summary', () => {
  test('one row per trigger and a chart of each breached series against its threshold', () => {
    const md = renderDecisionSummary(
      decision([verdict(), verdict({ name: 'p95', status: 'ok', points: [] })]),
    );
    expect(md).toContain('## 🚨 Roll back: production');
    expect(md.match(/^\| error-rate /m)).not.toBeNull();
    expect(md.match(/^\| p95 /m)).not.toBeNull();
    expect(md.match(/```mermaid/g)).toHaveLength(1);
    expect(md).toContain('line [0.05, 0.05');
    expect(md).toContain('x-axis ["10:00", "10:01"');
  });

  test('a gap in the data is left out of the chart, never drawn as zero', () => {
    const chart = renderChart(
      verdict({
        points: [
          { t: t0, v: 0.01 },
          { t: t0 + 60_000, v: null },
          { t: t0 + 120_000, v: 0.09 },
        ],
      }),
    );
    expect(chart).toContain('line [0.01, 0.09]');
  });

  test.each([
    ['@channel please look', '@\u200bchannel please look'],
    ['<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert\\(1\\)\\>'],
    ['a | b', 'a \\| b'],
    ['@org/team', '@\u200borg/team'],
  ])('untrusted text %j is escaped', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  test('labels and reasons from metrics cannot ping people or inject HTML into the summary', () => {
    const md = renderDecisionSummary(
      decision([
        verdict({ name: 'x', reason: 'value from pod @here <script>', valueText: '7%|x' }),
      ]),
    );
    expect(md).not.toMatch(/@here/);
    expect(md).not.toContain('<script>');
    expect(md).toContain('7%\\|x');
  });
});
