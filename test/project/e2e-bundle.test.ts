/** Runs the committed bundles the way the runner and a terminal do: no source imports here. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startGitHubStandIn } from '../support/github/stand-in.ts';
import {
  DEMO_INPUTS,
  EVALUATE_DEMO,
  deployed,
  deployedDemoRelease,
  rollbackDecision,
} from '../support/scenario.ts';
import { parseOutputs } from '../../scripts/demo-lifecycle/runner.ts';

const root = resolve(import.meta.dirname, '..', '..');

function prepare(inputs: Record<string, string>, extraEnv: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-e2e-'));
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const result = (status: number | null, stdout: string) => ({
    status,
    stdout,
    outputs: parseOutputs(readFileSync(output, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
  });
  return { env, result };
}

const bundle = join(root, 'dist/evaluate-triggers/index.js');

function runAction(inputs: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const { env, result } = prepare(inputs, extraEnv);
  const r = spawnSync(process.execPath, [bundle], { cwd: root, env, encoding: 'utf8' });
  return result(r.status, r.stdout);
}

/** For tests whose in-process servers must keep answering while the action runs. */
async function runActionAsync(
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
  entry = bundle,
) {
  const { env, result } = prepare(inputs, extraEnv);
  const child = spawn(process.execPath, [entry], { cwd: root, env });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const status = await new Promise<number | null>((done) =>
    child.on('close', (code) => done(code)),
  );
  return result(status, stdout);
}

describe('dist/evaluate-triggers/index.js', () => {
  test('decides rollback on the recorded incident and writes outputs and the job summary', () => {
    const r = runAction({
      ...DEMO_INPUTS,
      at: '2026-11-24T10:20:00Z',
      baseline: '2026-11-24T10:00:00Z',
      'fail-on-rollback': 'true',
    });
    expect(r.outputs.decision).toBe('rollback');
    expect(r.outputs.strategy).toBe('feature-flag');
    expect(JSON.parse(r.outputs.report ?? '{}').decision).toBe('rollback');
    expect(r.summary).toContain('xychart-beta');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error::rollback decided for production/);
    // The log folds into one group per phase, each closed before the next opens.
    expect(r.stdout.split('\n').filter((l) => /^::(end)?group::/.test(l))).toEqual([
      '::group::Policy',
      '::endgroup::',
      '::group::Evaluate the triggers',
      '::endgroup::',
      '::group::Outputs and summary',
      '::endgroup::',
    ]);
  });

  test('reads the baseline deployment from GitHub through its lazily loaded chunk', async () => {
    const gh = await startGitHubStandIn();
    try {
      const deployment = deployedDemoRelease(gh);
      const r = await runActionAsync(
        {
          ...DEMO_INPUTS,
          at: '2026-11-24T10:12:00Z',
          'baseline-deployment': String(deployment.id),
          token: 'ghs_e2e',
        },
        { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: gh.url },
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('::add-mask::ghs_e2e');
      const report = JSON.parse(r.outputs.report ?? '{}') as {
        triggers: { name: string; status: string }[];
      };
      expect(report.triggers.find((t) => t.name === 'completion-drop')?.status).toBe('breached');
      expect(gh.calls.count('repos/get-deployment')).toBe(1);
    } finally {
      await gh.close();
    }
  });

  /** A policy whose line 5, column 11 holds `step`'s value, written as YAML (`soon` is no duration). */
  function policyWithStep(step: string, file = 'ripcord.yml') {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-e2e-policy-'));
    const policy = join(dir, file);
    mkdirSync(join(policy, '..'), { recursive: true });
    writeFileSync(
      policy,
      `version: 1\nenvironments:\n  production:\n    triggers: []\n    step: ${step}\n`,
    );
    return { dir, policy };
  }

  test('a policy mistake fails the step with the located problem, not a stack trace', () => {
    const { policy } = policyWithStep('soon');
    const r = runAction({ policy, environment: 'production' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `${policy}:5:11: environments.production.step: "soon" is not a duration`,
    );
    expect(r.stdout).not.toMatch(/at .*\.js:\d+/);
  });

  test('the problem is an annotation on the policy file, relative to the workspace, at its line', () => {
    const { dir, policy } = policyWithStep('soon', '.github/ripcord.yml');
    const r = runAction({ policy, environment: 'production' }, { GITHUB_WORKSPACE: dir });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      '::error title=Ripcord policy,file=.github/ripcord.yml,line=5,col=11::environments.production.step: "soon" is not a duration',
    );
  });

  test('a policy value holding command lines and %0A starts no workflow command', () => {
    // A double-quoted YAML string: \n is a real line break inside the value.
    const { policy } = policyWithStep(
      '"soon%0A::add-mask::everything\\n::stop-commands::abc\\n##[error]forged"',
    );
    const r = runAction({ policy, environment: 'production' });
    expect(r.status).toBe(1);
    const commands = r.stdout.split('\n').filter((l) => /^\s*(::|##\[)/.test(l));
    // The policy phase's group, the failure and the annotation: nothing the policy wrote.
    expect(commands.map((l) => /^::([\w-]+)/.exec(l)?.[1])).toEqual([
      'group',
      'endgroup',
      'error',
      'error',
    ]);
    // %0A in the policy arrives as %250A, which the runner shows as the %0A the policy wrote.
    expect(commands[3]).toContain('environments.production.step: "soon%250A::add-mask::e');
  });
});

describe('dist/rollback/index.js', () => {
  test('rolls back to the last known-good deployment, as the runner runs it', async () => {
    const gh = await startGitHubStandIn();
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-e2e-rollback-'));
    const log = join(dir, 'executions.log');
    const policy = join(dir, 'ripcord.yml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'environments:',
        '  production:',
        '    rollback:',
        '      strategies:',
        `        config: {command: "echo $RIPCORD_TARGET_SHA >> ${log}"}`,
        '',
      ].join('\n'),
    );
    try {
      const [good] = deployed(gh, [
        { ref: 'v1', sha: 'a'.repeat(40) },
        { ref: 'v2', sha: 'b'.repeat(40) },
      ]);
      if (!good) throw new Error('seed');
      const r = await runActionAsync(
        {
          environment: 'production',
          policy,
          strategy: 'config',
          token: 'ghs_e2e',
          decision: rollbackDecision({ summary: 'error rate above 5%' }),
        },
        {
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_API_URL: gh.url,
          GITHUB_RUN_ID: '77',
          GITHUB_RUN_ATTEMPT: '1',
          GITHUB_EVENT_NAME: 'deployment_status',
        },
        join(root, 'dist/rollback/index.js'),
      );
      expect(r.status).toBe(0);
      expect(r.outputs.result).toBe('rolled-back');
      expect(r.outputs['target-ref']).toBe(good.ref);
      expect(readFileSync(log, 'utf8').trim()).toBe('a'.repeat(40));
      expect(r.summary).toMatch(/Rolled back: production/);
      expect(r.stdout).toContain('::add-mask::ghs_e2e');
    } finally {
      await gh.close();
    }
  });
});

describe('bin/ripcord.js', () => {
  test('evaluate --json prints the decision alone on stdout', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/ripcord.js', ...EVALUATE_DEMO, '--at', '2026-11-24T10:20:00Z', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).decision).toBe('rollback');
  });

  test('npm run demo works from the bundle', () => {
    const r = spawnSync(process.execPath, ['bin/ripcord.js', 'demo'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Verdict: roll back at 10:20 UTC/);
  });
});
