/**
 * Reuse in the policy: YAML anchors with merge keys, and `extends:` between environments with
 * triggers overridden by name. Every problem must still point at the text a person edits.
 */
import { expect, test } from 'vitest';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';

const head = [
  'version: 1',
  'sources:',
  '  prom: {type: prometheus, url: "http://prometheus:9090"}',
];

function problems(lines: string[]): string[] {
  const r = parsePolicy(lines.join('\n') + '\n', 'ripcord.yml');
  if (r.ok) throw new Error('expected problems');
  return r.problems.map(formatProblem);
}

function policy(lines: string[]) {
  const r = parsePolicy(lines.join('\n') + '\n', 'ripcord.yml');
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.policy;
}

test('anchors and merge keys: values come through, unknown key "<<" is no longer reported', () => {
  const p = policy([
    ...head,
    'environments:',
    '  production:',
    '    triggers:',
    '      - &errors',
    '        name: error-ratio',
    '        severity: critical',
    '        source: prom',
    '        query: job:errors:ratio5m',
    '        threshold: 2%',
    '        for: 5m',
    '      - <<: *errors',
    '        name: error-ratio-fast',
    '        threshold: 10%',
    '        for: 1m',
  ]);
  const [slow, fast] = p.environments.production?.triggers ?? [];
  expect(slow).toMatchObject({ name: 'error-ratio', for: 300_000 });
  expect(fast).toMatchObject({
    name: 'error-ratio-fast',
    query: 'job:errors:ratio5m',
    for: 60_000,
  });
  expect(fast && 'threshold' in fast ? fast.threshold.value : null).toBe(0.1);
});

test('a bad value reached through a merge key is reported at the anchored text', () => {
  const out = problems([
    ...head,
    'environments:',
    '  production:',
    '    triggers:',
    '      - &errors',
    '        name: error-ratio',
    '        severity: fatal',
    '        source: prom',
    '        query: job:errors:ratio5m',
    '        threshold: 2%',
    '      - <<: *errors',
    '        name: error-ratio-fast',
  ]);
  // Line 9 is `severity: fatal` under the anchor; both triggers inherit it, one report is enough.
  expect(out).toEqual([
    'ripcord.yml:9:19: environments.production.triggers[0].severity: "fatal" is not a severity; write one of critical, warning',
    'ripcord.yml:9:19: environments.production.triggers[1].severity: "fatal" is not a severity; write one of critical, warning',
  ]);
});

const inheriting = [
  ...head,
  'environments:',
  '  production:',
  '    step: 30s',
  '    default_strategy: config',
  '    triggers:',
  '      - {name: error-ratio, severity: critical, source: prom, query: "job:errors:ratio5m", threshold: 2%, for: 5m}',
  '      - {name: latency-p99, severity: warning, source: prom, query: "job:latency:p99", threshold: 800ms}',
  '  staging:',
  '    extends: production',
  '    triggers:',
  '      - {name: error-ratio, threshold: 10%}',
  '      - {name: saturation, severity: warning, source: prom, query: "job:cpu:ratio", threshold: 90%}',
];

test('extends: staging inherits production, overrides one trigger by name and adds one', () => {
  const p = policy(inheriting);
  const staging = p.environments.staging;
  expect(staging?.step).toBe(30_000);
  expect(staging?.default_strategy).toBe('config');
  expect(staging?.triggers.map((t) => t.name)).toEqual([
    'error-ratio',
    'latency-p99',
    'saturation',
  ]);
  const errors = staging?.triggers[0];
  expect(errors).toMatchObject({ query: 'job:errors:ratio5m', for: 300_000, severity: 'critical' });
  expect(errors && 'threshold' in errors ? errors.threshold.value : null).toBeCloseTo(0.1);
  // Production itself is untouched by the override.
  const prod = p.environments.production?.triggers[0];
  expect(prod && 'threshold' in prod ? prod.threshold.value : null).toBeCloseTo(0.02);
});

test("a problem in an override is reported on staging's line, one in an inherited trigger on production's", () => {
  const lines = [...inheriting];
  lines[8] =
    '      - {name: error-ratio, severity: critical, source: prom, query: "job:errors:ratio5m", threshold: 2%, for: 5 minutes}';
  lines[13] = '      - {name: error-ratio, treshold: 10%}';
  expect(problems(lines)).toEqual([
    'ripcord.yml:9:112: environments.production.triggers[0].for: "5 minutes" is not a duration; write 5m',
    'ripcord.yml:14:29: environments.staging.triggers[0].treshold: unknown key "treshold"; did you mean "threshold"?',
  ]);
});

test('extends naming no environment, or a cycle, is reported at the extends value', () => {
  expect(
    problems([...inheriting.slice(0, 11), '    extends: prodution', ...inheriting.slice(12)]),
  ).toEqual([
    'ripcord.yml:12:14: environments.staging.extends: no environment named "prodution" to extend; did you mean "production"?',
  ]);
  expect(problems([...head, 'environments:', '  a: {extends: b}', '  b: {extends: a}'])).toEqual([
    'ripcord.yml:6:16: environments.b.extends: environment "b" extends "a", which extends "b" again; break the cycle',
  ]);
});
