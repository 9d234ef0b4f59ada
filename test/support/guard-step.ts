/**
 * The guard's first step (its `triggers` step: evaluate-triggers from the bundle) run in bash as
 * the runner runs it, on a replay of the recorded demo incident instead of live metrics.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { DEMO_POLICY, DEMO_SERIES } from './scenario.ts';
import { workspace } from './workspace.ts';

/**
 * Runs `run` (the step's script) from `root` with GITHUB_ACTION_PATH `actionPath` and the
 * guard's default inputs; returns what the step wrote to GITHUB_OUTPUT.
 */
export function runDemoTriggersStep(run: string, root: string, actionPath: string): string {
  const ws = workspace('ripcord-guard-step-');
  try {
    const output = ws.path('output');
    writeFileSync(output, '');
    execFileSync('bash', ['-e', '-c', run], {
      cwd: root,
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_OUTPUT: output,
        GITHUB_ACTION_PATH: actionPath,
        INPUT_POLICY: DEMO_POLICY,
        INPUT_ENVIRONMENT: 'production',
        INPUT_WATCH: '',
        INPUT_INTERVAL: '1m',
        INPUT_IMPACT: '',
        INPUT_TOKEN: '',
        BASELINE_DEPLOYMENT: '',
        // Not guard inputs: a replay of the recorded demo incident instead of live metrics.
        'INPUT_SOURCE-FILE': DEMO_SERIES,
        INPUT_AT: '2026-11-24T10:20:00Z',
      },
    });
    return readFileSync(output, 'utf8');
  } finally {
    ws.cleanup();
  }
}
