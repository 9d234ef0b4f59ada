/**
 * Bench worker: one rollback against the GitHub stand-in with 50 ms of latency on every call.
 * Reports the time from the action's start to its first strategy step, the GitHub calls made
 * before that step and in all, and the total time. Prints one JSON line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/actions/rollback/run.ts';
import type { StepEvent } from '../src/rollback/ladder.ts';
import { recorder } from '../test/support/action-recorder.ts';
import { startGitHubStandIn } from '../test/support/github/stand-in.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const gh = await startGitHubStandIn();
const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-rollback-'));
const policy = join(dir, 'ripcord.yml');
writeFileSync(
  policy,
  [
    'version: 1',
    'environments:',
    '  production:',
    '    rollback:',
    '      strategies:',
    '        config: {command: "true"}',
    '',
  ].join('\n'),
);
// The stand-in compiles an OpenAPI validator per endpoint on first use; a warm-up rollback in
// another repository keeps that cost (the test harness's, not Ripcord's) out of the figures.
async function rollbackOnce(repository: string, onStep: (e: StepEvent) => void) {
  const io = recorder({
    policy,
    environment: 'production',
    token: 'bench',
    strategy: 'config',
    decision: JSON.stringify({
      decision: 'rollback',
      severity: 'critical',
      strategy: 'config',
      approval: 'none',
      triggered: ['x'],
      summary: 'bench',
    }),
  });
  return run(io, {
    env: {
      GITHUB_REPOSITORY: repository,
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_ATTEMPT: '1',
      PATH: process.env.PATH ?? '',
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    onStepEvent: onStep,
  });
}

for (const name of ['acme/warm-up', 'acme/shop']) seed(name);
await rollbackOnce('acme/warm-up', () => {});
gh.calls.reset();

function seed(repository: string) {
  const repo = gh.state.repo(repository);
  for (let i = 0; i < 10; i++) {
    repo.addDeployment({
      ref: `v1.${i}.0`,
      sha: String(i)
        .repeat(40)
        .slice(0, 40)
        .replace(/[^0-9a-f]/g, 'a'),
      environment: 'production',
      created_at: new Date(Date.UTC(2026, 10, 24, i)).toISOString(),
      statuses: [{ state: 'success' }],
    });
  }
}
gh.faults.inject({ match: () => true, kind: 'latency', ms: LATENCY_MS, times: 1_000_000 });

const started = performance.now();
let firstStepMs = 0;
let callsBeforeFirstStep = 0;
let firstStepCalls: Record<string, number> = {};
let sequentialBeforeFirstStep = 0;
const result = await rollbackOnce('acme/shop', (e) => {
  if (e.status === 'running' && firstStepMs === 0) {
    firstStepMs = performance.now() - started;
    callsBeforeFirstStep = gh.calls.total;
    firstStepCalls = gh.calls.counts();
    sequentialBeforeFirstStep = gh.calls.sequentialDepth(performance.now());
  }
});
const totalMs = performance.now() - started;
await gh.close();
console.log(
  JSON.stringify({
    latencyPerCallMs: LATENCY_MS,
    result: result.result,
    msToFirstStep: Math.round(firstStepMs),
    callsBeforeFirstStep,
    // Measured from the stand-in's request times: the longest chain of calls each sent after
    // the previous one was answered.
    sequentialBeforeFirstStep,
    // Time spent besides waiting on GitHub's latency, before the first step.
    overheadBeyondLatencyMs: Math.round(firstStepMs - sequentialBeforeFirstStep * LATENCY_MS),
    totalCalls: gh.calls.total,
    callsBeforeFirstStepByEndpoint: firstStepCalls,
    totalMs: Math.round(totalMs),
  }),
);
if (process.env.BENCH_TIMELINE)
  for (const c of gh.calls.log)
    console.error(
      `${Math.round(c.startedAt - started)}-${Math.round(c.endedAt - started)} ${c.operationId ?? c.path}`,
    );
