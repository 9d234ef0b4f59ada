import { describe, expect, test } from 'vitest';
import { decide } from '../../src/signals/decide.ts';
import { evaluateTrigger } from '../../src/signals/engine.ts';
import { seriesFromSamples } from '../../src/signals/signal.ts';
import { environment, trigger as triggerSchema } from '../../src/policy/schema.ts';
import type { Severity } from '../../src/policy/schema.ts';
import type { Verdict, VerdictStatus } from '../../src/signals/verdict.ts';

const AT = Date.UTC(2025, 0, 15, 10, 17);

function verdict(
  name: string,
  severity: Severity,
  status: VerdictStatus,
  impact: number | null = null,
): Verdict {
  return {
    name,
    kind: 'threshold',
    severity,
    status,
    value: null,
    valueText: null,
    threshold: '> 5%',
    since: null,
    reason: `${name} is ${status}.`,
    query: 'q',
    source: 'prom',
    labels: {},
    points: [],
    thresholdValue: 0.05,
    impact,
  };
}

const env = environment.parse({
  decision: [
    { severity: 'critical', min_impact: '50%', strategy: 'full', approval: 'lead' },
    {
      severity: 'critical',
      min_impact: '10%',
      max_impact: '50%',
      strategy: 'feature-flag',
      approval: 'none',
    },
    { severity: 'warning', strategy: 'config', approval: 'on-call' },
  ],
  default_strategy: 'redeploy',
  default_approval: 'on-call',
});

describe('decision kind', () => {
  test.each([
    ['critical breached rolls back', [['a', 'critical', 'breached']], 'rollback', 'critical'],
    [
      'critical breached wins over critical inconclusive',
      [
        ['a', 'critical', 'inconclusive'],
        ['b', 'critical', 'breached'],
      ],
      'rollback',
      'critical',
    ],
    ['critical inconclusive holds, never none', [['a', 'critical', 'inconclusive']], 'hold', null],
    [
      'hold wins over a warning breach',
      [
        ['a', 'critical', 'inconclusive'],
        ['w', 'warning', 'breached'],
      ],
      'hold',
      'warning',
    ],
    [
      'warning breached warns',
      [
        ['a', 'critical', 'ok'],
        ['w', 'warning', 'breached'],
      ],
      'warn',
      'warning',
    ],
    [
      // Issue #11: a source failing while only warning triggers read it must surface.
      'warning inconclusive alone warns, never a silent none',
      [
        ['a', 'critical', 'ok'],
        ['w', 'warning', 'inconclusive'],
      ],
      'warn',
      'warning',
    ],
    ['all ok is none', [['a', 'critical', 'ok']], 'none', null],
    ['no triggers is none', [], 'none', null],
  ] as const)('%s', (_d, list, kind, severity) => {
    const d = decide(
      'production',
      env,
      list.map(([n, s, st]) => verdict(n, s, st)),
      AT,
    );
    expect(d.decision).toBe(kind);
    expect(d.severity).toBe(severity);
    expect(d.evaluatedAt).toBe('2025-01-15T10:17:00.000Z');
    expect(d.environment).toBe('production');
  });

  test('triggered lists every breached trigger', () => {
    const d = decide(
      'production',
      env,
      [
        verdict('a', 'critical', 'breached'),
        verdict('w', 'warning', 'breached'),
        verdict('o', 'critical', 'ok'),
      ],
      AT,
    );
    expect(d.triggered).toEqual(['a', 'w']);
    expect(d.triggers).toHaveLength(3);
  });
});

describe('decision matrix', () => {
  test.each([
    ['impact at min_impact is inclusive', 0.5, undefined, 'full', 'lead'],
    ['impact below max_impact', 0.15, undefined, 'feature-flag', 'none'],
    ['impact below every bound falls back to the default', 0.05, undefined, 'redeploy', 'on-call'],
    ['unknown impact never matches an impact bound', null, undefined, 'redeploy', 'on-call'],
    ['the override replaces trigger impacts', 0.05, 0.6, 'full', 'lead'],
  ] as const)('%s', (_d, triggerImpact, override, strategy, approval) => {
    const d = decide(
      'production',
      env,
      [verdict('a', 'critical', 'breached', triggerImpact)],
      AT,
      override,
    );
    expect(d.strategy).toBe(strategy);
    expect(d.approval).toBe(approval);
  });

  test('impact is the largest among breached triggers', () => {
    const d = decide(
      'production',
      env,
      [
        verdict('a', 'critical', 'breached', 0.2),
        verdict('b', 'warning', 'breached', 0.7),
        verdict('c', 'critical', 'ok', 0.9),
      ],
      AT,
    );
    expect(d.impact).toBe(0.7);
    expect(d.strategy).toBe('full');
  });

  test('a null override keeps the trigger impact', () => {
    expect(
      decide('production', env, [verdict('a', 'critical', 'breached', 0.2)], AT, null).impact,
    ).toBe(0.2);
  });

  test('a warning picks what a rollback would use', () => {
    const d = decide('production', env, [verdict('w', 'warning', 'breached')], AT);
    expect(d).toMatchObject({ decision: 'warn', strategy: 'config', approval: 'on-call' });
  });

  test.each(['hold', 'none'] as const)('%s has no strategy or approval', (kind) => {
    const status = kind === 'hold' ? 'inconclusive' : 'ok';
    const d = decide('production', env, [verdict('a', 'critical', status, 0.9)], AT);
    expect(d.decision).toBe(kind);
    expect(d.strategy).toBeNull();
    expect(d.approval).toBeNull();
  });

  test('max_impact is exclusive', () => {
    const capped = environment.parse({ decision: [{ max_impact: '50%', strategy: 'config' }] });
    expect(
      decide('staging', capped, [verdict('a', 'critical', 'breached', 0.5)], AT).strategy,
    ).toBe('redeploy');
    expect(
      decide('staging', capped, [verdict('a', 'critical', 'breached', 0.49)], AT).strategy,
    ).toBe('config');
  });

  test('a rule without severity matches any severity', () => {
    const anyEnv = environment.parse({ decision: [{ strategy: 'config' }] });
    expect(decide('staging', anyEnv, [verdict('w', 'warning', 'breached')], AT).strategy).toBe(
      'config',
    );
  });
});

describe('summary', () => {
  test('a rollback explained in plain words, from real verdicts', () => {
    const t = triggerSchema.parse({
      name: 'error-rate',
      severity: 'critical',
      source: 'prom',
      query: 'q',
      threshold: '5%',
      for: '15m',
      impact: '15%',
    });
    const start = Date.UTC(2025, 0, 15, 10, 2);
    const series = seriesFromSamples(
      {},
      Array.from({ length: 16 }, (_, i) => ({ t: start + i * 60_000, v: 0.072 })),
    );
    const v = evaluateTrigger(
      t,
      { ok: true, kind: 'raw', series: [series], query: 'q' },
      { at: AT, step: 60_000, lookback: 300_000 },
      'inconclusive',
      'prom',
    );
    const d = decide('production', env, [v], AT);
    expect(d.summary).toBe(
      'Roll back production: error-rate has been above 5% (now 7.2%) since 10:02 UTC, longer than the 15m required; critical, affecting about 15% of users; the decision matrix picks feature-flag, no approval is needed.',
    );
  });

  test.each([
    [
      'hold',
      [verdict('latency', 'critical', 'inconclusive')],
      /^Hold production: latency is inconclusive; .*never taken as healthy/,
    ],
    [
      'default strategy',
      [verdict('a', 'critical', 'breached')],
      /no decision rule matches, so the default strategy redeploy applies, on-call must approve before it runs\.$/,
    ],
    [
      'warn',
      [verdict('w', 'warning', 'breached')],
      /^Warn on production: w is breached; warning only, so no rollback/,
    ],
    [
      'none',
      [verdict('a', 'critical', 'ok')],
      /^No action for production: its only trigger is within its threshold\.$/,
    ],
    [
      'an inconclusive warning warns and says why, with no strategy',
      [verdict('a', 'critical', 'ok'), verdict('w', 'warning', 'inconclusive')],
      /^Warn on production: w is inconclusive; a warning trigger that cannot be read is not taken as healthy: fix the signal/,
    ],
  ])('%s', (_d, verdicts, text) => {
    expect(decide('production', env, verdicts, AT).summary).toMatch(text);
  });
});
