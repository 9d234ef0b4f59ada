import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { didYouMean, editDistance } from '../../src/shared/did-you-mean.ts';
import { ConfigurationError } from '../../src/shared/errors.ts';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import { defaultPolicyPath, readPolicy } from '../../src/policy/read.ts';
import { POLICY_SCHEMA_MODELINE } from '../../src/shared/published.ts';

const fixtures = 'test/fixtures/policies';

function problemsOf(name: string): string[] {
  const file = `${fixtures}/${name}`;
  const result = parsePolicy(readFileSync(file, 'utf8'), file);
  if (result.ok) throw new Error(`${file} parsed, but it was meant to be invalid`);
  return result.problems.map(formatProblem);
}

// Each bad fixture holds several mistakes: every one must be reported in one pass, in file order.
const cases: { fixture: string; expected: string[] }[] = [
  {
    fixture: 'many-problems.yml',
    expected: [
      '2:1: treshold: unknown key "treshold"; expected one of $schema, version, sources, notify, flags, environments, github',
      '7:5: sources.prom.timeot: unknown key "timeot"; did you mean "timeout"?',
      '9:15: sources.prom.auth.bearer: secrets are never written inline; write ${NAME} and set the environment variable NAME from a secret in the workflow',
      '11:11: sources.graph.type: "graphite" is not a source type; write one of prometheus, datadog, http, file',
      '16:19: environments.production.triggers[0].severity: "fatal" is not a severity; write one of critical, warning',
      '20:14: environments.production.triggers[0].for: "15 minutes" is not a duration; write 15m',
      '22:15: environments.production.triggers[1].kind: "treshold" is not a trigger kind; did you mean "threshold"? (one of threshold, aggregate, probe, trend, baseline, burn-rate)',
      // No "missing required key threshold" at 26:9: the did-you-mean below already says it.
      '30:9: environments.production.triggers[2].treshold: unknown key "treshold"; did you mean "threshold"?',
      '37:17: environments.production.triggers[3].window: expected a duration such as 15m, got true',
      '38:20: environments.production.triggers[3].threshold: "abc" is not a quantity; write a number or a number with a unit such as 5%, 2s, 500ms or 500MB',
      '39:9: environments.production.triggers[3].retries: unknown key "retries"; expected one of kind, name, description, severity, source, query, impact, shadow, aggregate, quantile, window, op, threshold, for',
      '40:15: environments.production.triggers[4].name: "Bad Name" is not allowed; names are lower-case letters, digits, ".", "_" and "-", such as error-rate',
      '45:9: environments.production.triggers[4].window: unknown key "window" in a threshold trigger; only aggregate, trend and baseline triggers take it (set kind)',
    ],
  },
  {
    fixture: 'yaml-syntax.yml',
    expected: [
      '6:5: YAML: key "url" appears twice in the same mapping; keep one',
      // The unclosed quote swallows the next line, so threshold really is missing.
      '10:9: environments.production.triggers[0].threshold: missing required key "threshold"',
      '13:16: YAML: the quoted value starting here is never closed; add the closing "',
    ],
  },
  {
    fixture: 'cross-references.yml',
    expected: [
      '12:15: environments.production.impact.source: no source named "metrics" under sources; define it there or use one of prom, health',
      '17:17: environments.production.triggers[0].source: no source named "promm" under sources; did you mean "prom"?',
      '20:15: environments.production.triggers[1].name: trigger name "error-rate" is already used by triggers[0]; names must be unique within an environment',
      '25:9: environments.production.triggers[2].quantile: missing required key "quantile" (aggregate: quantile needs one, such as 0.95)',
      '39:19: environments.production.triggers[3].quantile: quantile only applies to aggregate: quantile; remove it or write aggregate: quantile',
      '45:17: environments.production.triggers[4].source: a probe trigger needs an http or file source; "prom" is a prometheus source',
      '48:21: environments.production.decision[0].min_impact: min_impact 10% must be below max_impact 5%; a rule matches impact from min_impact up to, not including, max_impact',
    ],
  },
  {
    fixture: 'sources.yml',
    expected: [
      '5:14: sources.dd.api_key: secrets are never written inline; write ${NAME} and set the environment variable NAME from a secret in the workflow',
      '7:5: sources.dd.sevrity: unknown key "sevrity"; expected one of type, site, api_key, app_key, timeout, retries, missing_data, query_error_budget',
      '9:11: sources.legacy.type: "graphite" is not a source type; write one of prometheus, datadog, http, file',
      '12:5: sources.untyped.type: missing required key "type"; write one of prometheus, datadog, http, file',
      '16:5: sources.recorded.timeout: unknown key "timeout" in a file source; only prometheus, datadog and http sources take it (set type)',
      '19:10: sources.web.url: "not a url" is not a URL; write a full URL such as https://prometheus.example.com',
      '20:13: sources.web.method: "PUT" is not an HTTP method; write one of GET, POST, HEAD',
    ],
  },
  {
    fixture: 'types.yml',
    expected: [
      '1:10: version: 2 is not supported; write version: 1',
      '4:11: environments.production.step: "fast" is not a duration; write 15m',
      '10:13: environments.production.triggers[0].op: "=>" is not a comparison; did you mean ">="? (one of >, >=, <, <=)',
      '11:20: environments.production.triggers[0].threshold: expected a number or a quantity such as 5%, 2s or 500MB, got a list',
      '12:13: environments.production.triggers[0].for: expected a duration such as 15m, got nothing',
      '17:19: environments.production.triggers[1].failures: 0 is too small; write at least 1',
      '18:19: environments.production.triggers[1].interval: 30 is not a duration; write 30s',
      '20:19: environments.production.triggers[1].expect.status: expected a number or a list, got "ok"',
      '22:21: environments.production.triggers[1].expect.json[0].path: "health" is not allowed; a JSON path starts with ".", such as .health',
      '30:18: environments.production.triggers[2].windows: needs at least one entry',
      '32:19: environments.production.decision[0].strategy: "rollback" is not a strategy; write one of feature-flag, config, redeploy, full',
      '33:19: environments.production.decision[0].approval: expected a string, got 3',
    ],
  },
  {
    // Unknown keys in flow mappings, nested objects, list items and decision rules.
    fixture: 'nested-keys.yml',
    expected: [
      '6:29: sources.prom.auth.usernme: unknown key "usernme"; expected one of bearer',
      '8:10: sources.prom.headers.X: expected a string, got 1',
      '11:5: environments.production.defaul_strategy: unknown key "defaul_strategy"; did you mean "default_strategy"?',
      '13:67: environments.production.triggers[0].failure: unknown key "failure"; did you mean "failures"?',
      '13:89: environments.production.triggers[0].expect.stauts: unknown key "stauts"; did you mean "status"?',
      '21:25: environments.production.triggers[1].windows[0].shrt: unknown key "shrt"; did you mean "short"?',
      '24:9: environments.production.decision[0].aproval: unknown key "aproval"; did you mean "approval"?',
    ],
  },
  {
    fixture: 'empty.yml',
    expected: [
      '1:1: the policy is empty; start with "version: 1" and an "environments:" mapping (see examples/policies/runbook.yml)',
    ],
  },
  { fixture: 'not-a-mapping.yml', expected: ['1:1: expected a mapping, got a list'] },
];

describe('parsePolicy reports every problem with its position and a fix', () => {
  test.each(cases)('$fixture', ({ fixture, expected }) => {
    expect(problemsOf(fixture)).toEqual(expected.map((line) => `${fixtures}/${fixture}:${line}`));
  });

  test('a tab in the indentation is a syntax error at its position, reported with what follows from it', () => {
    const result = parsePolicy('version: 1\nenvironments:\n\tproduction: {}\n', 'p.yml');
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(formatProblem)).toEqual([
      'p.yml:2:14: environments: expected a mapping, got nothing',
      'p.yml:3:1: YAML: tabs are not allowed as indentation; indent with spaces',
      'p.yml:3:2: production: unknown key "production"; expected one of $schema, version, sources, notify, flags, environments, github',
    ]);
  });

  test('never echoes an inline secret', () => {
    const text =
      'version: 1\nsources:\n  dd:\n    type: datadog\n    api_key: s3cr3t-value\n    app_key: ${APP}\nenvironments: {}\n';
    const result = parsePolicy(text, 'p.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem).join('\n')).not.toContain('s3cr3t-value');
  });

  test('a misspelt key in basic auth is explained against the username/password form', () => {
    const text =
      'version: 1\nsources:\n  prom:\n    type: prometheus\n    url: https://p.example.com\n    auth:\n      usernme: x\n      password: ${P}\nenvironments: {}\n';
    const result = parsePolicy(text, 'p.yml');
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(formatProblem)).toEqual([
      'p.yml:7:7: sources.prom.auth.usernme: unknown key "usernme"; did you mean "username"?',
    ]);
  });

  test('keys with dots are quoted in paths', () => {
    const text =
      'version: 1\nsources:\n  prom.eu:\n    type: prometheus\n    url: x\nenvironments: {}\n';
    const result = parsePolicy(text, 'p.yml');
    if (result.ok) throw new Error('expected problems');
    expect(result.problems[0]?.path).toBe('sources["prom.eu"].url');
  });
});

describe('the runbook example', () => {
  const file = 'examples/policies/runbook.yml';
  const text = readFileSync(file, 'utf8');

  test('parses, with values normalised', () => {
    const result = parsePolicy(text, file);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const env = result.policy.environments.production;
    if (!env) throw new Error('no production environment');
    const byName = new Map(env.triggers.map((t) => [t.name, t]));

    const critical = byName.get('error-rate-critical');
    expect(critical?.kind).toBe('threshold');
    if (critical?.kind !== 'threshold') return;
    expect(critical.for).toBe(900_000);
    expect(critical.threshold.value).toBe(0.05);
    expect(critical.severity).toBe('critical');

    const memory = byName.get('memory');
    expect(memory?.kind === 'threshold' && memory.threshold.value).toBe(5e8);

    const latency = byName.get('latency-p95');
    expect(latency?.kind === 'threshold' && latency.threshold.value).toBe(2);

    const extraction = byName.get('context-extraction-time');
    expect(extraction?.kind === 'aggregate' && [extraction.aggregate, extraction.window]).toEqual([
      'avg',
      300_000,
    ]);

    const health = byName.get('health-check');
    expect(health?.kind === 'probe' && health.failures).toBe(3);
    expect(health?.kind === 'probe' && health.expect.json).toEqual([
      { path: '.health', equals: 'healthy' },
    ]);

    const burn = byName.get('slo-burn-rate');
    expect(burn?.kind === 'burn-rate' && burn.windows).toEqual([
      { long: 3_600_000, short: 300_000, factor: 14.4 },
      { long: 21_600_000, short: 1_800_000, factor: 6 },
    ]);

    expect(new Set(env.triggers.map((t) => t.kind))).toEqual(
      new Set(['threshold', 'aggregate', 'probe', 'trend', 'baseline', 'burn-rate']),
    );
    expect(env.decision.map((r) => r.strategy)).toEqual([
      'feature-flag',
      'redeploy',
      'config',
      'config',
    ]);

    const prom = result.policy.sources.prom;
    expect(prom?.type === 'prometheus' && prom.auth).toEqual({ bearer: '${PROM_TOKEN}' });
    expect(prom?.type === 'prometheus' && prom.query_error_budget).toBe(2);
  });

  test('points editors at the generated schema', () => {
    expect(text.split('\n')[0]).toBe(POLICY_SCHEMA_MODELINE);
  });
});

describe('did you mean', () => {
  test('a transposition is one edit', () => {
    expect(editDistance('treshold', 'threshold')).toBe(1);
    expect(editDistance('sevreity', 'severity')).toBe(1);
  });
  test('suggests only plausible typos', () => {
    expect(didYouMean('treshold', ['threshold', 'for', 'op'])).toBe('threshold');
    expect(didYouMean('Min-Impact', ['min_impact', 'max_impact'])).toBe('min_impact');
    expect(didYouMean('banana', ['threshold', 'for'])).toBeUndefined();
  });
});

describe('readPolicy', () => {
  test('the default path is .github/ripcord.yml', () => {
    expect(defaultPolicyPath).toBe('.github/ripcord.yml');
  });

  test('a missing file says where it looked and how to create one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ripcord-policy-'));
    const error = await readPolicy(join(dir, 'ripcord.yml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(join(dir, 'ripcord.yml'));
    expect((error as Error).message).toContain('examples/policies/runbook.yml');
  });

  test('an invalid file lists every problem', async () => {
    const error = await readPolicy(`${fixtures}/cross-references.yml`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const config = error as ConfigurationError;
    expect(config.message.split('\n')[0]).toBe(
      `${fixtures}/cross-references.yml is not a valid Ripcord policy (7 problems)`,
    );
    expect(config.problems).toHaveLength(7);
    expect(config.problems[0]).toMatch(/^test\/fixtures\/policies\/cross-references\.yml:12:15: /);
  });

  test('a valid file comes back parsed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ripcord-policy-'));
    const path = join(dir, 'ripcord.yml');
    await writeFile(path, 'version: 1\nenvironments:\n  production: {}\n');
    const policy = await readPolicy(path);
    expect(policy.environments.production?.default_strategy).toBe('redeploy');
  });
});
