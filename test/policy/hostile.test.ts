/**
 * `ripcord validate` against hostile policies: every file in test/fixtures/hostile-policies
 * (each names what it attacks and the message it must get, `# expect: ...`) and a few
 * generated ones too large to keep in the repository (over the size cap, 100,000 problems,
 * 100,000 levels of nesting). Each must end in exit 1 with a `file:line:col` location and the
 * expected message, no stack trace, in under 2 s and 300 MB. The examples' policies must pass.
 *
 * The CLI runs in a child process (test/support/validate-corpus.ts), so time and peak memory
 * are the CLI's own, not the test runner's. Time is the CLI's CPU time (user + system): on a
 * shared machine the wall clock also counts every other job, and a hang would still show.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const corpusDir = 'test/fixtures/hostile-policies';
const MAX_MS = 2_000;
const MAX_RSS_MB = 300;

interface Row {
  file: string;
  code: number;
  ms: number;
  cpuMs: number;
  maxRssMb: number;
  output: string;
}

function validate(files: string[]): Row[] {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/support/validate-corpus.ts', ...files],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit 1, the fragment on a `file:line:col:` line, and nothing that looks like a stack. */
function expectHandled(row: Row, fragment: string): void {
  expect(row.code, row.output).toBe(1);
  const located = new RegExp(`^\\s*${escape(row.file)}:\\d+:\\d+: .*${escape(fragment)}`, 'm');
  expect(row.output).toMatch(located);
  expect(row.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(row.output).not.toContain('internal error');
}

describe('validate on the hostile corpus', () => {
  const files = readdirSync(join(root, corpusDir))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => `${corpusDir}/${f}`);

  test('the corpus holds at least 100 files, each saying what it expects', () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
    for (const file of files) {
      expect(readFileSync(join(root, file), 'utf8')).toMatch(/^# hostile: .+\n# expect: .+\n/);
    }
  });

  test('every file ends in exit 1 with its located message, quickly and in little memory', () => {
    const rows = validate(files);
    expect(rows.map((r) => r.file)).toEqual(files);
    for (const row of rows) {
      const fragment = /^# expect: (.+)$/m.exec(readFileSync(join(root, row.file), 'utf8'))?.[1];
      expectHandled(row, fragment ?? '<no expectation>');
      expect(row.cpuMs, row.file).toBeLessThan(MAX_MS);
    }
    // One process ran them all: its peak bounds every file's.
    expect(Math.max(...rows.map((r) => r.maxRssMb))).toBeLessThan(MAX_RSS_MB);
  }, 300_000);
});

describe('PromQL errors are placed inside the query', () => {
  test('at the column in a plain scalar and at the line in a block scalar', () => {
    const [plain, block] = validate([
      `${corpusDir}/086-promql-unclosed-paren.yml`,
      `${corpusDir}/096-promql-block-scalar.yml`,
    ]);
    // `        query: sum(rate(http_errors_total[5m])`: the query starts at column 16 and is
    // 31 characters long, so the missing parenthesis is due at column 47.
    expect(plain?.output).toContain('086-promql-unclosed-paren.yml:14:47: ');
    // The block scalar's third line `            > 0.05` ends at column 18.
    expect(block?.output).toContain('096-promql-block-scalar.yml:17:19: ');
  }, 60_000);
});

describe('validate on generated amplification attacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-hostile-'));
  const head = 'version: 1\nsources:\n  prom: {type: prometheus, url: "https://p.example.com"}\n';
  const trigger = '{name: t, severity: critical, source: prom, query: up, threshold: 1}';
  const cases: [string, string, string][] = [
    [
      'over-size-cap.yml',
      `${head}# ${'x'.repeat(1024 * 1024)}\nenvironments: {production: {triggers: [${trigger}]}}\n`,
      'larger than the limit of 1048576 bytes',
    ],
    [
      '4k-problems.yml',
      `${head}environments:\n  production:\n    triggers: [${Array(4_000).fill('1').join(',')}]\n`,
      'expected a mapping, got 1',
    ],
    [
      '100k-problems.yml',
      `${head}environments:\n  production:\n    triggers: [${Array(100_000).fill('1').join(',')}]\n`,
      'the policy has more than 5000 entries',
    ],
    [
      '4k-duplicate-keys.yml',
      `${head}environments:\n  production:\n${'    step: 1m\n'.repeat(4_000)}`,
      'appears twice',
    ],
    [
      '4k-unknown-keys.yml',
      `${head}environments:\n  production:\n    triggers: [${trigger}]\n${Array.from({ length: 4_000 }, (_, i) => `    k${i}: 1\n`).join('')}`,
      'unknown key "k0"',
    ],
    [
      '100k-deep-flow.yml',
      `${head}environments: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      'nesting deeper than 64 levels',
    ],
    [
      '30k-compact-sequences.yml',
      `${head}environments:\n  production:\n    triggers:\n      ${'- '.repeat(30_000)}x\n`,
      'nesting deeper than 64 levels',
    ],
    [
      'alias-bomb-12-levels.yml',
      `version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 12 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]\n`).join('')}environments: *a12\n`,
      'aliases (*name) expand to too many nodes',
    ],
  ];
  for (const [name, text] of cases) writeFileSync(join(dir, name), text);

  test.each(cases)(
    '%s',
    (name, _text, fragment) => {
      const [row] = validate([join(dir, name)]);
      expect(row).toBeDefined();
      if (!row) return;
      expectHandled(row, fragment);
      expect(row.cpuMs).toBeLessThan(MAX_MS);
      expect(row.maxRssMb).toBeLessThan(MAX_RSS_MB);
    },
    60_000,
  );

  test('the problem list is capped: the first 50, then a count', () => {
    const [row] = validate([join(dir, '4k-problems.yml')]);
    const listed = (row?.output ?? '').split('\n').filter((l) => /:\d+:\d+: /.test(l));
    expect(listed).toHaveLength(50);
    expect(row?.output).toMatch(/\.\.\. and 3950 more problems; fix the ones above/);
    expect(row?.output).toMatch(/is not a valid Ripcord policy \(4000 problems\)/);
  }, 60_000);
});

describe('validate accepts the valid policies', () => {
  test('every example policy is valid', () => {
    const examples = readdirSync(join(root, 'examples'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        readdirSync(join(root, 'examples', d.name))
          .filter((f) => f === 'policy.yml' || f === 'runbook.yml')
          .map((f) => `examples/${d.name}/${f}`),
      );
    expect(examples.length).toBeGreaterThanOrEqual(7);
    for (const row of validate(examples)) {
      expect(row.code, row.output).toBe(0);
      expect(row.output).toContain(`${row.file} is valid`);
    }
  }, 120_000);
});
