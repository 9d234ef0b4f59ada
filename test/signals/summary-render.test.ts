/**
 * The job summary as a reader sees it: the Mermaid charts parsed by Mermaid itself (its
 * xychart grammar, with jsdom standing in for the browser DOM mermaid.parse expects), so a
 * syntax slip fails here instead of showing as "Unable to render rich display" on GitHub.
 */
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, test } from 'vitest';
import { renderChart, renderDecisionSummary } from '../../src/signals/summary.ts';
import type { Decision, Verdict } from '../../src/signals/verdict.ts';

type Mermaid = { parse: (text: string) => Promise<unknown> };
let mermaid: Mermaid;

beforeAll(async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  g.DOMParser = dom.window.DOMParser;
  g.Element = dom.window.Element;
  mermaid = ((await import('mermaid')) as unknown as { default: Mermaid }).default;
});

const T0 = Date.parse('2026-11-30T21:00:00Z');

function verdict(over: Partial<Verdict> = {}): Verdict {
  return {
    name: 'error-ratio',
    kind: 'threshold',
    severity: 'critical',
    status: 'breached',
    value: 0.072,
    valueText: '7.2%',
    threshold: '> 2% for 5m',
    since: '2026-11-30T21:04:00.000Z',
    reason:
      'error-ratio has been above 2% (now 7.2%) since 21:04 UTC, longer than the 5m required.',
    query: 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    source: 'prom',
    labels: {},
    points: Array.from({ length: 21 }, (_, i) => ({
      t: T0 + i * 60_000,
      v: i < 4 ? 0.004 : 0.072,
    })),
    thresholdValue: 0.02,
    impact: null,
    unit: 'ratio',
    ...over,
  };
}

function decision(triggers: Verdict[], over: Partial<Decision> = {}): Decision {
  return {
    decision: 'rollback',
    environment: 'production',
    severity: 'critical',
    impact: null,
    strategy: 'redeploy',
    approval: 'none',
    evaluatedAt: '2026-11-30T21:20:00.000Z',
    triggered: ['error-ratio'],
    summary: 'Roll back production: error-ratio above 2% since 21:04 UTC.',
    triggers,
    ...over,
  };
}

const inner = (fenced: string): string => fenced.replace(/^```mermaid\n/, '').replace(/```$/, '');

function charts(md: string): string[] {
  return [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('charts Mermaid parses, in the table unit', () => {
  test('title keeps the operator, y-axis in %, threshold as a second line, legend below', async () => {
    const md = renderDecisionSummary(decision([verdict()]), {
      prom: { type: 'prometheus', url: 'http://prometheus:9090/' },
    });
    const [chart] = charts(md);
    expect(chart).toContain('title "error-ratio > 2% for 5m"');
    expect(chart).toContain('y-axis "error-ratio (%)" 0 --> 7.92');
    expect(chart).toMatch(/line \[0\.4, 0\.4, 0\.4, 0\.4, 7\.2,/);
    expect(chart).toMatch(/line \[2, 2, 2,/);
    expect(md).toContain('Legend: first line: error-ratio in %; second line: the threshold');
    await expect(mermaid.parse(chart ?? '')).resolves.toBeTruthy();
  });

  test('sub-minute steps get unique x labels (Mermaid would merge equal ones)', async () => {
    const chart =
      renderChart(
        verdict({
          points: Array.from({ length: 8 }, (_, i) => ({ t: T0 + i * 15_000, v: 0.05 })),
        }),
      ) ?? '';
    const labels = /x-axis \[(.*)\]/.exec(chart)?.[1]?.split(', ') ?? [];
    expect(labels[0]).toBe('"21:00:00"');
    expect(new Set(labels).size).toBe(8);
    await expect(mermaid.parse(inner(chart))).resolves.toBeTruthy();
  });

  test('latency in ms, a "<" operator and a hostile trigger name still parse', async () => {
    const chart =
      renderChart(
        verdict({
          name: 'p99"]; click x call alert(1)',
          threshold: '< 0.8 for 5m',
          unit: 'seconds',
          thresholdValue: 0.8,
          points: Array.from({ length: 5 }, (_, i) => ({ t: T0 + i * 60_000, v: 0.1 + i * 0.15 })),
        }),
      ) ?? '';
    expect(chart).toContain('(ms)');
    expect(chart).toMatch(/line \[100, 250, 400, 550, 700\]/);
    expect(chart).toContain('#lt; 0.8');
    await expect(mermaid.parse(inner(chart))).resolves.toBeTruthy();
  });

  test('a slip Mermaid cannot parse is caught (the check can fail)', async () => {
    await expect(mermaid.parse('xychart-beta\n  x-axis [a, b\n  line [1, 2]')).rejects.toThrow();
  });
});

describe('the summary reads as a person needs it', () => {
  test('times are formatted, links to the metric, and it ends with what to do next', () => {
    const md = renderDecisionSummary(decision([verdict()]), {
      prom: { type: 'prometheus', url: 'http://prometheus:9090/' },
    });
    expect(md).toContain('Evaluated at 2026-11-30 21:20 UTC.');
    expect(md).toContain('| 21:04 UTC (16m before) |');
    expect(md).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
    expect(md).toContain(
      `[open in Prometheus](http://prometheus:9090/graph?g0.expr=${encodeURIComponent(verdict().query)}&g0.tab=0&g0.range_input=1h)`,
    );
    const next = md.slice(md.indexOf('### What to do next'));
    expect(next).toMatch(/cancel this workflow run before the Roll back step starts/);
    expect(next).toMatch(/ripcord unlock --environment production/);
    expect(md.trimEnd().endsWith(next.trimEnd())).toBe(true);
  });
});

describe('other summaries: counts and times in words', () => {
  test('verify rounds: a count, the marks and seconds, not "in 2s12ms"', async () => {
    const { roundsText } = await import('../../src/verify/rounds.ts');
    expect(roundsText(['✅', '✅'], 2012)).toBe('2 rounds (✅✅) over 2.0 s.');
    expect(roundsText(['❌'], 95_400)).toBe('1 round (❌) over 1m35s.');
    expect(roundsText([], 0)).toBe('No round ran.');
  });
});
