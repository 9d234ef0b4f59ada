/**
 * Scenario builders shared by the action tests, so that a change to what an action needs
 * (its deps, its environment, the incident it reads) is made here once rather than in every
 * test file that sets the scene.
 *
 * - `deployedGoodThenBad`: the GitHub stand-in's deployment history of the runbooks' case, a
 *   good release then a bad one in production, both successful deployments.
 * - `rolledBackState` / `openIncident`: an incident issue as Ripcord writes it after a rollback.
 * - `rollbackDecision`: the evaluate-triggers report that tells the rollback action to act.
 * - `actionEnv` / `fastDeps`: what the runner gives an action, with Octokit's retry waits,
 *   sleeps and lock polls cut to milliseconds so a test of a retry does not wait for one.
 *
 * Builders return plain values and take overrides; they assert nothing, so a test's
 * expectations stay in the test.
 */
import { join } from 'node:path';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import type { RecordedIO } from './action-recorder.ts';
import type { GitHubStandIn } from './github/stand-in.ts';
import type { DeploymentRecord } from './github/state.ts';

/** The last good release (v1.1.0). */
export const GOOD_SHA = 'a'.repeat(40);
/** The release before it (v1.0.0), where a test wants more history. */
export const OLD_SHA = 'b'.repeat(40);
/** The bad release (v1.2.0) that is rolled back. */
export const BAD_SHA = 'c'.repeat(40);

export interface GoodThenBad {
  good: DeploymentRecord;
  bad: DeploymentRecord;
}

/**
 * Production deployed v1.1.0 (GOOD_SHA) at 09:00 then v1.2.0 (BAD_SHA), both successful: the
 * history every rollback starts from. `older` adds v1.0.0 (OLD_SHA) at 08:00, since replaced
 * (success then inactive), before them; `badAt` moves the bad deployment (default 10:00 on
 * 2026-11-24); `undated` leaves both times to the stand-in's clock.
 */
export function deployedGoodThenBad(
  gh: GitHubStandIn,
  opts: { older?: boolean; badAt?: string; undated?: boolean } = {},
): GoodThenBad {
  const repo = gh.state.repo();
  const at = (iso: string) => (opts.undated ? {} : { created_at: iso });
  if (opts.older)
    repo.addDeployment({
      ref: 'v1.0.0',
      sha: OLD_SHA,
      environment: 'production',
      created_at: '2026-11-24T08:00:00Z',
      statuses: [{ state: 'success' }, { state: 'inactive' }],
    });
  const good = repo.addDeployment({
    ref: 'v1.1.0',
    sha: GOOD_SHA,
    environment: 'production',
    ...at('2026-11-24T09:00:00Z'),
    statuses: [{ state: 'success' }],
  });
  const bad = repo.addDeployment({
    ref: 'v1.2.0',
    sha: BAD_SHA,
    environment: 'production',
    ...at(opts.badAt ?? '2026-11-24T10:00:00Z'),
    statuses: [{ state: 'success' }],
  });
  return { good, bad };
}

/**
 * Successful production deployments of `releases`, oldest first, at the stand-in's clock: for
 * tests that name their own releases.
 */
export function deployed(
  gh: GitHubStandIn,
  releases: { ref: string; sha: string }[],
): DeploymentRecord[] {
  const repo = gh.state.repo();
  return releases.map(({ ref, sha }) =>
    repo.addDeployment({ ref, sha, environment: 'production', statuses: [{ state: 'success' }] }),
  );
}

/**
 * The state Ripcord records once production is rolled back from v1.2.0 (deployment 3) to
 * v1.1.0 (deployment 2) by deployment 4, all at `at`; `overrides` change any field.
 */
export function rolledBackState(at: string, overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    version: 1,
    environment: 'production',
    status: 'rolled-back',
    openedAt: at,
    updatedAt: at,
    reason: 'error-rate above 5%',
    bad: { deploymentId: 3, ref: 'v1.2.0', sha: BAD_SHA, createdAt: at },
    target: { deploymentId: 2, ref: 'v1.1.0', sha: GOOD_SHA },
    rollbackDeploymentId: 4,
    strategy: 'config',
    attempts: 1,
    lastRollbackAt: at,
    runs: [],
    steps: [],
    dataLossWindow: null,
    recovery: null,
    ...overrides,
  };
}

/** An open incident issue with Ripcord's labels for the state's environment, as Ripcord writes it. */
export function openIncident(
  gh: GitHubStandIn,
  state: IncidentState,
  opts: { title?: string; text?: string; user?: string } = {},
) {
  return gh.state.repo().addIssue({
    title: opts.title ?? 'Rollback of production',
    body: renderIncidentBody(state, opts.text ?? 'Rolled back.'),
    labels: ['ripcord:incident', `ripcord:env:${state.environment}`],
    ...(opts.user ? { user: opts.user } : {}),
  });
}

/** The `decision` input: evaluate-triggers' report saying roll back, critical, no approval. */
export function rollbackDecision(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    decision: 'rollback',
    severity: 'critical',
    strategy: 'config',
    approval: 'none',
    triggered: ['error-rate'],
    summary: 'error-rate above 5%',
    ...fields,
  });
}

/** What the guard's automatic run is: a deployment_status event, started by the deploying bot. */
export const GUARD_RUN = {
  GITHUB_ACTOR: 'deploy-bot',
  GITHUB_EVENT_NAME: 'deployment_status',
} as const;

/** The runner's environment for an action in acme/shop talking to the stand-in; `extra` adds to it. */
export function actionEnv(
  gh: { url: string },
  runId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: gh.url,
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: '1',
    PATH: process.env.PATH ?? '',
    ...extra,
  };
}

/** `actionEnv` for the guard's automatic run (GUARD_RUN); `extra` adds to it or overrides. */
export function guardEnv(
  gh: { url: string },
  runId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return actionEnv(gh, runId, { ...GUARD_RUN, ...extra });
}

/**
 * An action's deps with the waits cut short: Octokit's retry-after base of 1 ms, sleeps capped
 * at `maxSleepMs` (default 50), the lock polled as often unless `lockPollMs` says; `now`
 * defaults to the real clock.
 */
export function fastDeps(
  env: Record<string, string>,
  opts: { now?: () => number; maxSleepMs?: number; lockPollMs?: number } = {},
) {
  const cap = opts.maxSleepMs ?? 50;
  return {
    env,
    now: opts.now ?? (() => Date.now()),
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, cap))),
    retryAfterBaseValue: 1,
    lockPollMs: opts.lockPollMs ?? cap,
  };
}

/**
 * The incident the notify tests announce: production rolled back by the redeploy strategy at
 * 10:01 in run 1001, after v1.2.0 went bad at 09:50.
 */
export function rolledBackByRedeploy(): IncidentState {
  return rolledBackState('2026-11-24T10:00:00.000Z', {
    updatedAt: '2026-11-24T10:05:00.000Z',
    reason: 'error-rate above 5% for 15m',
    bad: { deploymentId: 3, ref: 'v1.2.0', sha: BAD_SHA, createdAt: '2026-11-24T09:50:00Z' },
    strategy: 'redeploy',
    lastRollbackAt: '2026-11-24T10:01:00.000Z',
    runs: [{ runId: '1001', attempt: 1, startedAt: '2026-11-24T10:00:00.000Z' }],
  });
}

/**
 * All an action wrote where people read it (logs, summaries, failures, outputs) and all the
 * repository's issue bodies and comments: where a leaked secret would show.
 */
export function everythingWritten(gh: GitHubStandIn, io: RecordedIO): string {
  const issues = gh.state
    .repo()
    .issues.flatMap((i) => [i.body ?? '', ...i.comments.map((c) => c.body)]);
  return [
    ...io.logs.map((l) => l.message),
    ...io.summaries,
    ...io.failed,
    ...Object.values(io.outputs),
    ...issues,
  ].join('\n');
}

/** The demo's policy and recorded incident (examples/demo), relative to the repository root. */
export const DEMO_POLICY = 'examples/demo/policy.yml';
export const DEMO_SERIES = 'examples/demo/incident.om';

/** `ripcord evaluate` of production under the demo policy over the recorded incident. */
export const EVALUATE_DEMO: readonly string[] = [
  'evaluate',
  '--policy',
  DEMO_POLICY,
  '--environment',
  'production',
  '--source-file',
  DEMO_SERIES,
];

/** The action inputs of the demo: production under the demo policy over the recorded incident. */
export const DEMO_INPUTS = {
  policy: DEMO_POLICY,
  environment: 'production',
  'source-file': DEMO_SERIES,
} as const;

/** The deployment the demo incident follows: v2.14.0 to production at 10:00 (its baseline). */
export function deployedDemoRelease(gh: GitHubStandIn): DeploymentRecord {
  return gh.state.repo().addDeployment({
    ref: 'v2.14.0',
    environment: 'production',
    created_at: '2026-11-24T10:00:00Z',
  });
}

/** Policy lines naming the recorded demo incident (absolute path) as the source `recorded`. */
export const RECORDED_DEMO_SOURCE: readonly string[] = [
  'sources:',
  `  recorded: {type: file, path: ${join(import.meta.dirname, '..', '..', DEMO_SERIES)}}`,
];

/** The demo's critical error-rate trigger on `recorded`, a policy line under `triggers:`. */
export const RECORDED_ERROR_RATE =
  "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%, for: 15m}";
