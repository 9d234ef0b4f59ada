/**
 * The JSON Schema editors use and `ripcord validate` must give the same answer: a policy an
 * editor accepts as the user types and validate then rejects (or the reverse) is a trap. Each
 * value below goes into a policy through both: ajv over schema/ripcord.schema.json (the
 * committed file, as an editor reads it) and the CLI's validate over the same YAML text.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.ts';

const root = resolve(import.meta.dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schema', 'ripcord.schema.json'), 'utf8')) as {
  $schema?: string;
};
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
// ajv 8 knows draft-07 without being told; its $schema URL would make it look for a meta-schema.
const compilable = { ...schema };
delete compilable.$schema;
const schemaAccepts = ajv.compile(compilable);

const dir = mkdtempSync(join(tmpdir(), 'ripcord-schema-agrees-'));
let files = 0;

async function validateAccepts(yaml: string): Promise<{ ok: boolean; stderr: string }> {
  const path = join(dir, `policy-${files++}.yml`);
  writeFileSync(path, yaml);
  let stderr = '';
  const code = await main(['validate', '--policy', path], {
    stdout: () => undefined,
    stderr: (text) => (stderr += `${text}\n`),
    env: {},
    now: () => Date.parse('2026-11-24T10:00:00Z'),
  });
  return { ok: code === 0, stderr };
}

/** A small valid policy with one value (YAML text, as written) swapped in. */
function policy(field: 'for' | 'threshold' | 'timeout' | 'dwell', value: string): string {
  return [
    'version: 1',
    'sources:',
    '  prom:',
    '    type: prometheus',
    '    url: https://prometheus.example.internal',
    `    timeout: ${field === 'timeout' ? value : '10s'}`,
    'environments:',
    '  production:',
    '    triggers:',
    '      - name: error-rate',
    '        severity: critical',
    '        source: prom',
    '        query: sum(rate(http_requests_total{code=~"5.."}[5m]))',
    `        threshold: ${field === 'threshold' ? value : '5%'}`,
    `        for: ${field === 'for' ? value : '15m'}`,
    '    recovery:',
    '      stages:',
    `        - { percent: 5, dwell: ${field === 'dwell' ? value : '30m'} }`,
    '        - { percent: 100 }',
    '',
  ].join('\n');
}

const durations: [string, boolean][] = [
  ['15m', true],
  ['1h30m', true],
  ['500ms', true],
  ['2d', true],
  ['1.5h', true],
  ['0s', true],
  ['"15m"', true],
  ['5 minutes', false],
  ['300', false],
  ['15', false],
  ['15M', false],
  ['m', false],
  ['"-5m"', false],
  ['15m30', false],
  ['""', false],
  ['PT15M', false],
  ['true', false],
];

const quantities: [string, boolean][] = [
  ['5%', true],
  ['0.05', true],
  ['"5 %"', true],
  ['2s', true],
  ['500ms', true],
  ['500MB', true],
  ['1.5GiB', true],
  ['-1', true],
  ['1e-3', true],
  ['"1e3"', true],
  ['five percent', false],
  ['5 percent', false],
  ['5mb', false],
  ['"%5"', false],
  ['""', false],
  ['true', false],
  ['[5]', false],
];

const table = [
  ...durations.map(([v, ok]) => ['for', v, ok] as const),
  // A timeout must be longer than zero (#11): both refuse `timeout: 0s`.
  ...durations.map(([v, ok]) => ['timeout', v, ok && v !== '0s'] as const),
  ...durations.map(([v, ok]) => ['dwell', v, ok] as const),
  ...quantities.map(([v, ok]) => ['threshold', v, ok] as const),
];

describe('the JSON Schema and validate agree', () => {
  test.each(table)('%s: %s -> valid %s', async (field, value, valid) => {
    const yaml = policy(field, value);
    const editor = schemaAccepts(parse(yaml));
    const cli = await validateAccepts(yaml);
    expect(cli.ok, `validate on ${field}: ${value}\n${cli.stderr}`).toBe(valid);
    expect(editor, `schema on ${field}: ${value}: ${ajv.errorsText(schemaAccepts.errors)}`).toBe(
      valid,
    );
  });

  test('the issue report: for: 5 minutes and for: 300 are refused by both, with a hint from validate', async () => {
    for (const [value, hint] of [
      ['5 minutes', 'write 5m'],
      ['300', 'write 300s'],
    ] as const) {
      const yaml = policy('for', value);
      expect(schemaAccepts(parse(yaml))).toBe(false);
      const cli = await validateAccepts(yaml);
      expect(cli.ok).toBe(false);
      expect(cli.stderr).toContain(hint);
    }
  });

  test('every example policy is valid for both', async () => {
    const examples = [
      'examples/policies/runbook.yml',
      'examples/demo/policy.yml',
      'examples/chat-assistant-flag/policy.yml',
      'examples/django-celery-postgres/policy.yml',
      'examples/node-mvp/policy.yml',
      'examples/blue-green/policy.yml',
      'examples/helm-kubernetes/policy.yml',
    ];
    for (const file of examples) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(schemaAccepts(parse(text)), `${file}: ${ajv.errorsText(schemaAccepts.errors)}`).toBe(
        true,
      );
      const cli = await validateAccepts(text);
      expect(cli.ok, `${file}: ${cli.stderr}`).toBe(true);
    }
  });
});
