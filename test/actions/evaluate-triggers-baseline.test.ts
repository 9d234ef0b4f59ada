/**
 * Issue #10 §2: the example workflows used to pass `deployment-id=${DEPLOYMENT_ID:-}`, a
 * variable GitHub never sets, so every baseline trigger held ("no baseline: pass the deployment
 * time"). Here the watch step of examples/workflows/post-deploy-guard.yml runs with exactly the
 * inputs the workflow gives it (its `with:` block; `token` defaults to github.token) against
 * the GitHub stand-in, on the recorded demo incident: evaluate-triggers finds production's
 * newest deployment itself and the baseline trigger gets a baseline.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { run } from '../../src/actions/evaluate-triggers/run.ts';
import { recorder } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const root = resolve(import.meta.dirname, '..', '..');
let gh: GitHubStandIn;

beforeEach(async () => {
  gh = await startGitHubStandIn();
});
afterEach(async () => {
  await gh.close();
});

interface Workflow {
  jobs: Record<string, { steps: { id?: string; uses?: string; with?: Record<string, unknown> }[] }>;
}

/** The evaluate-triggers step's inputs as the example workflow writes them. */
function exampleInputs(): Record<string, string> {
  const wf = parse(
    readFileSync(join(root, 'examples/workflows/post-deploy-guard.yml'), 'utf8'),
  ) as Workflow;
  const step = Object.values(wf.jobs)
    .flatMap((j) => j.steps)
    .find((s) => s.uses?.includes('/actions/evaluate-triggers@'));
  if (!step?.with) throw new Error('no evaluate-triggers step in the example');
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.with)) {
    const text = String(v);
    // Nothing in the step may depend on a value GitHub never provides.
    expect(text, `input ${k}`).not.toMatch(/DEPLOYMENT_ID|outputs\.deployment-id/);
    inputs[k] = text;
  }
  return inputs;
}

async function evaluate(extra: Record<string, string> = {}) {
  const io = recorder({
    ...exampleInputs(),
    // The runner's defaults and a replay of the demo incident instead of live Prometheus.
    token: 'ghs_token',
    watch: '',
    policy: join(root, 'examples/demo/policy.yml'),
    'source-file': join(root, 'examples/demo/incident.om'),
    at: '2026-11-24T10:20:00Z',
    ...extra,
  });
  const decision = await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_EVENT_NAME: 'workflow_run',
      PATH: process.env.PATH ?? '',
    },
    now: () => Date.parse('2026-11-24T10:20:00Z'),
    sleep: async () => {},
  });
  return { io, decision };
}

const baselineVerdict = (decision: {
  triggers: { name: string; reason?: string; status: string }[];
}) => decision.triggers.find((t) => t.name === 'completion-drop');

test('the example wiring gets its baseline from the newest deployment of the environment', async () => {
  gh.state.repo().addDeployment({
    ref: 'v2.13.0',
    environment: 'production',
    created_at: '2026-11-23T09:00:00Z',
    statuses: [{ state: 'success' }],
  });
  gh.state.repo().addDeployment({
    ref: 'v2.14.0',
    environment: 'production',
    created_at: '2026-11-24T10:00:00Z',
    statuses: [{ state: 'success' }],
  });
  const { io, decision } = await evaluate();
  expect(io.outputs.baseline).toBe('2026-11-24T10:00:00.000Z');
  expect(io.logs.map((l) => l.message).join('\n')).toMatch(
    /baseline: deployment \d+ \(v2\.14\.0\) of production, created 2026-11-24T10:00:00/,
  );
  const verdict = baselineVerdict(decision);
  expect(verdict?.reason ?? '').not.toMatch(/no baseline/);
  expect(verdict?.status).not.toBe('inconclusive');
  expect(gh.calls.count('repos/list-deployments')).toBe(1);
});

test('without any deployment the baseline trigger says why it cannot judge, and the step warns', async () => {
  const { io, decision } = await evaluate();
  expect(io.outputs.baseline).toBe('');
  expect(
    io.logs
      .filter((l) => l.level === 'warning')
      .map((l) => l.message)
      .join('\n'),
  ).toMatch(/no baseline for the baseline triggers of production: it has no GitHub deployments/);
  expect(baselineVerdict(decision)?.status).toBe('inconclusive');
});

test('an explicit baseline input wins and costs no GitHub call', async () => {
  const { io } = await evaluate({ baseline: '2026-11-24T09:59:00Z' });
  expect(io.outputs.baseline).toBe('2026-11-24T09:59:00.000Z');
  expect(gh.calls.total).toBe(0);
});
