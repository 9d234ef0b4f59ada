/**
 * Job summaries as the on-call engineer reads them (#15): values with units, times formatted,
 * counts that agree with their nouns, and every summary ending with what to do next and a link
 * to the metric in its source's own UI (Prometheus, Datadog). A real probe against a loopback
 * server supplies the latency that used to show as a bare `17` in the recovery gate table.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderRollbackSummary } from '../../src/actions/rollback/run.ts';
import { gateFromChecks, renderRecoverySummary } from '../../src/actions/staged-recovery/run.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { plural } from '../../src/shared/plural.ts';
import { checkSchema } from '../../src/policy/schema-verify.ts';
import { recoverySchema } from '../../src/policy/schema-recovery.ts';
import {
  initialRecoveryState,
  recoverySettingsOf,
  transition,
} from '../../src/recovery/machine.ts';
import { datadogAppHost, metricLink, renderDecisionSummary } from '../../src/signals/summary.ts';
import { formatElapsed, formatUtc } from '../../src/shared/time-format.ts';
import type { Decision, Verdict } from '../../src/signals/verdict.ts';
import type { RollbackResult } from '../../src/rollback/rollback.ts';
import { runChecksOnce } from '../../src/verify/checks.ts';
import { renderVerifySummary, type VerifyOutcome } from '../../src/verify/rounds.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?Z/;
const PLURAL_SLIP =
  /\b1 (sources|environments|triggers|rounds|stages|gates|checks|components|queries|attempts)\b|\(s\)/;
const T0 = Date.parse('2026-11-30T21:00:00Z');

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ body: { health: 'healthy' } }));
});
afterAll(async () => {
  await receiver?.close();
});

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
    reason: 'error-ratio has been above 2% (now 7.2%) since 21:04 UTC.',
    query: 'sum:trace.http.request.errors{service:api,env:prod} by {resource_name}',
    source: 'dd',
    labels: {},
    points: [],
    thresholdValue: 0.02,
    impact: null,
    unit: 'ratio',
    ...over,
  };
}

function decision(triggers: Verdict[]): Decision {
  return {
    decision: 'rollback',
    environment: 'production',
    severity: 'critical',
    impact: null,
    strategy: 'redeploy',
    approval: 'none',
    evaluatedAt: '2026-11-30T21:20:00.000Z',
    triggered: triggers.map((t) => t.name),
    summary: 'Roll back production.',
    triggers,
  };
}

describe('links to the metric in its own UI', () => {
  test('a Datadog query opens in Metrics Explorer on the source site, with scope, aggregation and grouping', () => {
    const url = metricLink(verdict(), { type: 'datadog', site: 'datadoghq.eu' });
    expect(url).toBe(
      'https://app.datadoghq.eu/metric/explorer?exp_metric=trace.http.request.errors&exp_scope=service%3Aapi%2Cenv%3Aprod&exp_agg=sum&exp_group=resource_name&exp_row_type=metric',
    );
    expect(datadogAppHost('datadoghq.com')).toBe('app.datadoghq.com');
    expect(datadogAppHost('us3.datadoghq.com')).toBe('us3.datadoghq.com');
    expect(datadogAppHost('ddog-gov.com')).toBe('app.ddog-gov.com');
    // A source without a UI of its own (a recording, an HTTP endpoint) gets no link.
    expect(metricLink(verdict(), { type: 'other' })).toBeNull();
  });

  test('the evaluate-triggers summary ends with next steps that link each breached metric', () => {
    const md = renderDecisionSummary(
      decision([
        verdict(),
        verdict({ name: 'p99', source: 'prom', query: 'histogram_quantile(0.99, x)' }),
      ]),
      {
        dd: { type: 'datadog', site: 'datadoghq.com' },
        prom: { type: 'prometheus', url: 'http://prometheus:9090' },
      },
    );
    const next = md.slice(md.indexOf('### What to do next'));
    expect(next).toContain(
      '- See error-ratio where it is measured: [open in Datadog](https://app.datadoghq.com/metric/explorer?exp_metric=trace.http.request.errors&',
    );
    expect(next).toContain(
      `- See p99 where it is measured: [open in Prometheus](http://prometheus:9090/graph?g0.expr=${encodeURIComponent('histogram_quantile(0.99, x)')}`,
    );
  });
});

describe('the rollback summary', () => {
  const result: RollbackResult = {
    result: 'rolled-back',
    message: 'Rolled back production from v1.2.0 to v1.1.0 (config).',
    skipReason: null,
    incident: { number: 7, url: 'https://github.com/acme/shop/issues/7' },
    from: { deploymentId: 3, ref: 'v1.2.0', sha: 'c'.repeat(40) },
    target: { deploymentId: 2, ref: 'v1.1.0', sha: 'a'.repeat(40) },
    strategy: 'config',
    deploymentId: 4,
    steps: [
      {
        stepId: 'config-0',
        strategy: 'config',
        name: 'restore config',
        status: 'done',
        at: '2026-11-30T21:22:21.096Z',
        detail: 'exited 0 in 1.2 s',
      },
    ],
    plan: [],
    dataLossWindow: { from: '2026-11-30T21:04:00.000Z', to: '2026-11-30T21:22:21.096Z' },
  };

  test('times formatted, the incident, how to stop recovery, unlock, and the metric', () => {
    const md = renderRollbackSummary('production', result, 9, {
      metrics: [{ name: 'error-rate', link: '[open in Prometheus](http://p/graph?g0.expr=x)' }],
    });
    expect(md).not.toMatch(ISO);
    expect(md).toContain('| 2026-11-30 21:22:21 UTC | restore config | done |');
    expect(md).toContain(
      'Data-loss window: writes between 2026-11-30 21:04 UTC and 2026-11-30 21:22:21 UTC may be lost.',
    );
    const next = md.slice(md.indexOf('### What to do next'));
    expect(next).toContain('- Follow [incident #7](https://github.com/acme/shop/issues/7)');
    expect(next).toContain('command `abort`');
    expect(next).toContain(
      '`ripcord status --environment production`, then `ripcord unlock --environment production --reason "..."`',
    );
    expect(next).toContain(
      '- See error-rate where it is measured: [open in Prometheus](http://p/graph?g0.expr=x).',
    );
  });

  test('a failed rollback says to fix and re-run, and how to roll back by hand', () => {
    const md = renderRollbackSummary('production', { ...result, result: 'failed' }, 9);
    expect(md).toContain('fix the cause and re-run this job: the rollback resumes');
    expect(md).toContain('roll back by hand');
  });
});

describe('the staged-recovery summary', () => {
  test('a probe gate shows its latency with a unit; next time formatted; abort and links', async () => {
    const results = await runChecksOnce(
      [checkSchema.parse({ name: 'health', type: 'probe', url: `${receiver.url}/health` })],
      {
        environment: 'production',
        now: () => Date.now(),
        logger: silentLogger,
        sources: new Map(),
        flags: new Map(),
        step: 60_000,
        lookback: 300_000,
        stepContext: {},
      },
    );
    const gates = gateFromChecks(results);
    const row = gates.verdicts[0]?.valueText ?? '';
    expect(row).toMatch(/^\d+ ms$/);

    const plan = recoverySettingsOf(recoverySchema.parse({}));
    const t = transition(
      plan,
      initialRecoveryState(T0),
      { type: 'tick', gates: null, detail: '' },
      T0,
    );
    // The machine's own message, which also lands on the incident, reads as a time.
    expect(t.message).toContain('its gates are read after 2026-11-30 21:30 UTC');
    expect(t.message).not.toMatch(ISO);

    const md = renderRecoverySummary(
      'production',
      {
        outcome: 'advanced',
        message: t.message,
        incident: { number: 7, url: 'https://github.com/acme/shop/issues/7' },
        plan,
        state: t.state,
        next: { action: 'dwell', at: '2026-11-30T21:30:00.000Z' },
        gates: {
          ...gates,
          verdicts: [...gates.verdicts, verdict({ status: 'ok', name: 'error-ratio' })],
        },
        applied: [],
      },
      4,
      {
        workflow: 'staged-recovery.yml',
        links: { dd: { type: 'datadog', site: 'datadoghq.com' } },
      },
    );
    expect(md).toMatch(new RegExp(`\\| verify: health \\| ok \\| ${row} \\|`));
    expect(md).toContain('Next: read the gates when the stage has dwelt at 2026-11-30 21:30 UTC.');
    expect(md).not.toMatch(ISO);
    const next = md.slice(md.indexOf('### What to do next'));
    expect(next).toContain(
      '- To stop the recovery (back to 0%), run the staged-recovery.yml workflow with command `abort` and a reason.',
    );
    expect(next).toContain('[open in Datadog](https://app.datadoghq.com/metric/explorer?');
    expect(md).not.toMatch(PLURAL_SLIP);
  });
});

describe('the verify summary', () => {
  test('values with their unit, rounds in seconds, and next steps with the incident', () => {
    const outcome: VerifyOutcome = {
      result: 'failed',
      reason: '2 consecutive failing rounds (1 tolerated)',
      rounds: ['fail', 'fail'],
      startedAt: T0,
      finishedAt: T0 + 2012,
      checks: [
        {
          name: 'health',
          type: 'probe',
          status: 'fail',
          detail: 'status 503 in 17 ms',
          valueText: '17 ms',
          history: [
            { at: T0, status: 'fail', value: 12 },
            { at: T0 + 1000, status: 'fail', value: 17 },
          ],
        },
      ],
    } as VerifyOutcome;
    const md = renderVerifySummary('production', 'after-rollback', outcome, null, {
      incident: { number: 7, url: 'https://github.com/acme/shop/issues/7' },
    });
    expect(md).toMatch(
      /\| health \| probe \| ❌ fail \| `[▁-█]{2}` ❌❌ \| 17 ms \| status 503 in 17 ms \|/,
    );
    expect(md).toContain('2 rounds (❌❌) over 2.0 s.');
    expect(md).not.toContain('2s12ms');
    const next = md.slice(md.indexOf('### What to do next'));
    expect(next).toContain('- Follow [incident #7]');
    expect(next).toContain('ripcord unlock --environment production');
  });
});

describe('words and numbers', () => {
  test('counts agree with their nouns; elapsed times and times read as such', () => {
    expect(plural(1, 'source')).toBe('1 source');
    expect(plural(2, 'source')).toBe('2 sources');
    expect(plural(1, 'query')).toBe('1 query');
    expect(plural(3, 'query')).toBe('3 queries');
    expect(formatElapsed(17)).toBe('17 ms');
    expect(formatElapsed(2012)).toBe('2.0 s');
    expect(formatElapsed(185_000)).toBe('3m5s');
    expect(formatUtc('2026-11-30T21:22:21.096Z')).toBe('2026-11-30 21:22:21 UTC');
    expect(formatUtc(T0)).toBe('2026-11-30 21:00 UTC');
  });
});
