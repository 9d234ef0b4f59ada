import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import {
  extractStateBlock,
  markStep,
  refreshIncidentBody,
  renderIncidentBody,
  renderStateBlock,
  withStatus,
  type IncidentState,
} from '../../src/incident/state.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { createGitHubClient } from '../../src/github/client.ts';
import {
  INCIDENT_LABEL,
  createIncidentStore,
  environmentLabel,
  type IncidentStore,
} from '../../src/incident/store.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const repo = { owner: 'acme', repo: 'shop' };
let standIn: GitHubStandIn | undefined;

afterEach(async () => {
  // close() throws when the stand-in recorded an OpenAPI violation.
  await standIn?.close();
  standIn = undefined;
});

async function start(): Promise<GitHubStandIn> {
  standIn = await startGitHubStandIn();
  return standIn;
}

function octokitFor(gh: GitHubStandIn) {
  return getOctokit(
    't',
    {
      baseUrl: gh.url,
      throttle: { enabled: false },
      retry: { retries: 3, retryAfterBaseValue: 1 },
    },
    retry,
    throttling,
  );
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => {},
    info: () => {},
    warning: (m) => warnings.push(m),
    error: () => {},
  };
}

function storeFor(gh: GitHubStandIn, logger: Logger = recordingLogger()): IncidentStore {
  return createIncidentStore(octokitFor(gh), repo, logger);
}

function state(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    version: 1,
    environment: 'production',
    status: 'rolling-back',
    openedAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:00:00.000Z',
    reason: 'error rate 7% (threshold 2%)',
    bad: {
      deploymentId: 42,
      ref: 'v1.4.0',
      sha: 'a'.repeat(40),
      createdAt: '2024-05-01T09:50:00Z',
    },
    target: { deploymentId: 41, ref: 'v1.3.9', sha: 'b'.repeat(40) },
    rollbackDeploymentId: null,
    strategy: 'redeploy',
    attempts: 1,
    lastRollbackAt: null,
    runs: [{ runId: '9001', attempt: 1, startedAt: '2024-05-01T10:00:00.000Z' }],
    steps: [
      {
        id: 'redeploy:dispatch',
        strategy: 'redeploy',
        name: 'Dispatch deploy.yml',
        status: 'pending',
        startedAt: null,
        finishedAt: null,
        detail: null,
      },
    ],
    dataLossWindow: null,
    recovery: null,
    ...overrides,
  };
}

/** Seeds an incident issue the way a Ripcord run would have left it. */
function seedIncident(
  gh: GitHubStandIn,
  s: IncidentState,
  opts: { created_at: string; state?: 'open' | 'closed'; labels?: string[] },
) {
  return gh.state.repo().addIssue({
    title: `Rollback of ${s.environment}`,
    body: renderIncidentBody(s, 'seeded'),
    labels: opts.labels ?? [INCIDENT_LABEL, environmentLabel(s.environment)],
    state: opts.state ?? 'open',
    created_at: opts.created_at,
  });
}

describe('environmentLabel', () => {
  it('is ripcord:env:<env> when it fits', () => {
    expect(environmentLabel('production')).toBe('ripcord:env:production');
  });

  it('shortens long names deterministically to 50 characters with a hash suffix', () => {
    const long = 'customer-facing-checkout-eu-west-1-blue-green-canary';
    const label = environmentLabel(long);
    expect([...label]).toHaveLength(50);
    expect(label).toMatch(/^ripcord:env:customer-facing-checkout-eu-w~[0-9a-f]{8}$/);
    expect(environmentLabel(long)).toBe(label);
    expect(environmentLabel(`${long}-2`)).not.toBe(label);
    expect(environmentLabel(`${long}-2`).slice(0, 41)).toBe(label.slice(0, 41));
  });

  it('counts characters, not UTF-16 units, and never splits one', () => {
    const label = environmentLabel('🚀'.repeat(40));
    expect([...label]).toHaveLength(50);
    // A lone surrogate would be encoded as U+FFFD on the way to GitHub.
    expect(label).not.toMatch(/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u);
    expect(label).toMatch(/^ripcord:env:(🚀){29}~[0-9a-f]{8}$/u);
  });

  it('hashes a comma away, since the labels filter splits on it', () => {
    expect(environmentLabel('eu,us')).toMatch(/^ripcord:env:eu_us~[0-9a-f]{8}$/);
    expect(environmentLabel('eu,us')).not.toBe(environmentLabel('eu_us'));
  });
});

describe('IncidentStore against the GitHub stand-in', () => {
  it('create: makes both labels once with colour and description, then reuses them', async () => {
    const gh = await start();
    const store = storeFor(gh);
    const first = await store.create(state(), 'Rollback of production', '**Rolled back**');
    expect(first).toMatchObject({ number: 1, open: true, state: state() });
    expect(first.url).toMatch(/\/acme\/shop\/issues\/1$/);
    expect(gh.calls.count('issues/create-label')).toBe(2);
    const r = gh.state.repo();
    expect(r.findLabel(INCIDENT_LABEL)).toMatchObject({
      color: 'b60205',
      description: expect.stringContaining('Ripcord rollback incident'),
    });
    expect(r.findLabel('ripcord:env:production')).toMatchObject({
      color: '5319e7',
      description: 'Ripcord incidents of environment production',
    });
    const issue = r.findIssue(first.number);
    expect(issue?.labels).toEqual([INCIDENT_LABEL, 'ripcord:env:production']);
    expect(issue?.body).toBe(renderIncidentBody(state(), '**Rolled back**'));
    expect(first.body).toBe(issue?.body);

    // Same store: the labels are known to exist, no more label requests.
    await store.create(state({ environment: 'production' }), 'again');
    expect(gh.calls.count('issues/create-label')).toBe(2);

    // Another run (a fresh store): GitHub answers 422 already_exists, which is fine, and a
    // colour someone chose for the label stays theirs.
    const incidentLabel = r.findLabel(INCIDENT_LABEL);
    if (incidentLabel) incidentLabel.color = '000000';
    await storeFor(gh).create(state(), 'third');
    expect(gh.calls.count('issues/create-label')).toBe(4);
    expect(
      gh.calls.log.filter((c) => c.operationId === 'issues/create-label').map((c) => c.status),
    ).toEqual([201, 201, 422, 422]);
    expect(r.labels.size).toBe(2);
    expect(r.findLabel(INCIDENT_LABEL)?.color).toBe('000000');
    expect(gh.calls.count('issues/create')).toBe(3);
  });

  it('create: a label error other than already_exists is not swallowed', async () => {
    const gh = await start();
    gh.faults.inject({
      match: 'issues/create-label',
      kind: 'tamper',
      mutate: () => ({
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Label', code: 'invalid', field: 'color' }],
          documentation_url: 'https://docs.github.com/rest/issues/labels#create-a-label',
        },
      }),
    });
    await expect(storeFor(gh).create(state(), 'x')).rejects.toMatchObject({ status: 422 });
    expect(gh.calls.count('issues/create')).toBe(0);
  });

  it('findOpen: one request; skips closed incidents, other environments, PRs and unrelated issues', async () => {
    const gh = await start();
    const r = gh.state.repo();
    // Oldest of all, carrying the labels and a valid block: only its pull_request marks it.
    const pr = seedIncident(gh, state(), { created_at: '2024-04-01T00:00:00Z' });
    pr.pull_number = pr.number;
    seedIncident(gh, state({ status: 'closed' }), {
      created_at: '2024-04-02T00:00:00Z',
      state: 'closed',
    });
    seedIncident(gh, state({ environment: 'staging' }), { created_at: '2024-04-03T00:00:00Z' });
    r.addIssue({ title: 'unrelated', labels: ['bug'], created_at: '2024-04-04T00:00:00Z' });
    r.addIssue({
      title: 'only the env label',
      labels: ['ripcord:env:production'],
      created_at: '2024-04-05T00:00:00Z',
    });
    const wanted = seedIncident(gh, state({ attempts: 2 }), { created_at: '2024-04-06T00:00:00Z' });

    const logger = recordingLogger();
    const found = await storeFor(gh, logger).findOpen('production');
    expect(found).toMatchObject({
      number: wanted.number,
      open: true,
      state: state({ attempts: 2 }),
    });
    expect(gh.calls.count()).toBe(1);
    const [call] = gh.calls.log;
    const query = new URLSearchParams(call?.query);
    expect(call?.operationId).toBe('issues/list-for-repo');
    expect(query.get('labels')).toBe('ripcord:incident,ripcord:env:production');
    expect(query.get('state')).toBe('open');
    expect(Number(query.get('per_page'))).toBeGreaterThan(1);
    expect(logger.warnings).toEqual([]);

    gh.calls.reset();
    expect(await storeFor(gh).findOpen('canary')).toBeNull();
    expect(gh.calls.count()).toBe(1);
  });

  it('findOpen: several open incidents (should not happen) -> the oldest, with a warning', async () => {
    const gh = await start();
    const newer = seedIncident(gh, state({ attempts: 3 }), { created_at: '2024-04-09T00:00:00Z' });
    const older = seedIncident(gh, state({ attempts: 1 }), { created_at: '2024-04-08T00:00:00Z' });
    const logger = recordingLogger();
    const found = await storeFor(gh, logger).findOpen('production');
    expect(found?.number).toBe(older.number);
    expect(logger.warnings).toEqual([
      `2 open Ripcord incidents for environment "production" in acme/shop (#${older.number}, #${newer.number}); ` +
        `using the oldest, #${older.number}. There should be one: close the others once their history is merged into it.`,
    ]);
    expect(gh.calls.count()).toBe(1);
  });

  it('findOpen: an environment with a long name finds its incident by the shortened label', async () => {
    const gh = await start();
    const env = 'customer-facing-checkout-eu-west-1-blue-green-canary';
    const store = storeFor(gh);
    const created = await store.create(state({ environment: env }), `Rollback of ${env}`);
    expect(gh.state.repo().findIssue(created.number)?.labels).toEqual([
      INCIDENT_LABEL,
      environmentLabel(env),
    ]);
    expect((await store.findOpen(env))?.number).toBe(created.number);
  });

  it('findOpen: a labelled issue whose block is for another environment is an error', async () => {
    const gh = await start();
    const issue = seedIncident(gh, state({ environment: 'staging' }), {
      created_at: '2024-04-01T00:00:00Z',
      labels: [INCIDENT_LABEL, 'ripcord:env:production'],
    });
    await expect(storeFor(gh).findOpen('production')).rejects.toThrow(
      new RegExp(
        `/issues/${issue.number} has the label "ripcord:env:production" but its state block is for environment "staging"`,
      ),
    );
  });

  it('save: writes the new block and facts into the body as it is now, keeping what people wrote', async () => {
    const gh = await start();
    const logger = recordingLogger();
    const store = storeFor(gh, logger);
    const created = await store.create(
      state(),
      'Rollback of production',
      'Opened by the watch job.',
    );
    const issue = gh.state.repo().findIssue(created.number);
    if (!issue) throw new Error('issue missing');
    // A person adds notes while the rollback runs.
    issue.body = `Pager: see #ops.\r\n\r\n${issue.body ?? ''}\r\nTimeline notes by a human.\r\n`;
    const edited = issue.body;

    const next = markStep(
      withStatus(state(), 'rolled-back', '2024-05-01T10:10:00Z'),
      'redeploy:dispatch',
      'done',
      'deploy run 77 succeeded',
      '2024-05-01T10:09:00Z',
    );
    gh.calls.reset();
    const saved = await store.save(created, next);
    expect(gh.calls.counts()).toEqual({ 'issues/get': 1, 'issues/update': 1 });
    expect(gh.calls.log[1]?.requestBody).toEqual({ body: refreshIncidentBody(edited, next) });
    expect(issue.body).toBe(refreshIncidentBody(edited, next));
    expect(issue.body.startsWith('Pager: see #ops.\r\n\r\nOpened by the watch job.\n')).toBe(true);
    expect(issue.body.endsWith('\r\nTimeline notes by a human.\r\n')).toBe(true);
    expect(issue.body).toContain('| Status | Rolled back |');
    expect(issue.title).toBe('Rollback of production');
    expect(saved).toMatchObject({
      number: created.number,
      state: next,
      body: issue.body,
      open: true,
    });
    expect(logger.warnings).toEqual([]);

    const again = await store.get(created.number);
    expect(again.state).toEqual(next);
  });

  it('save: a block edited by hand since it was read is overwritten with a warning', async () => {
    const gh = await start();
    const logger = recordingLogger();
    const store = storeFor(gh, logger);
    const created = await store.create(state(), 'Rollback of production');
    const issue = gh.state.repo().findIssue(created.number);
    if (!issue) throw new Error('issue missing');
    issue.body = (issue.body ?? '').replace('"attempts": 1', '"attempts": 5');
    const next = withStatus(state(), 'rolled-back', '2024-05-01T10:10:00Z');
    await store.save(created, next);
    expect(extractStateBlock(issue.body)).toEqual({ state: next });
    expect(logger.warnings).toEqual([
      `The state block of ${created.url} changed since this run read it; writing this run's state over it (the previous body stays in the issue's edit history).`,
    ]);
  });

  it('save: refuses a body over GitHub limit before sending it', async () => {
    const gh = await start();
    const store = storeFor(gh);
    const created = await store.create(state(), 'Rollback of production');
    const issue = gh.state.repo().findIssue(created.number);
    if (!issue) throw new Error('issue missing');
    issue.body = `${'x'.repeat(66_000)}\n${issue.body ?? ''}`;
    await expect(store.save(created, state({ attempts: 2 }))).rejects.toThrow(
      /over GitHub's limit of 65536/,
    );
    expect(gh.calls.count('issues/update')).toBe(0);
  });

  it('comment adds to the timeline; close sets the state reason', async () => {
    const gh = await start();
    const store = storeFor(gh);
    const created = await store.create(state(), 'Rollback of production');
    await store.comment(created.number, '**rollback.completed** in 42 s');
    await store.close(created.number, 'not_planned');
    const issue = gh.state.repo().findIssue(created.number);
    expect(issue?.comments.map((c) => c.body)).toEqual(['**rollback.completed** in 42 s']);
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'not_planned' });
    expect(issue?.body).toBe(created.body);

    const closed = await store.get(created.number);
    expect(closed).toMatchObject({ open: false, state: state() });
    expect(await store.findOpen('production')).toBeNull();
  });

  it('a block corrupted by hand -> ConfigurationError naming the issue URL and what is wrong', async () => {
    const gh = await start();
    const store = storeFor(gh);
    const created = await store.create(state(), 'Rollback of production');
    const issue = gh.state.repo().findIssue(created.number);
    if (!issue) throw new Error('issue missing');
    const good = issue.body ?? '';
    issue.body = good.replace('"status": "rolling-back"', '"status": "rolled back"');

    const err = await store.get(created.number).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).message).toBe(
      `The state block of incident issue ${created.url} cannot be used.\n` +
        '  The Ripcord state block does not match state version 1: status: Invalid option: expected one of ' +
        '"awaiting-approval"|"rolling-back"|"rolled-back"|"rollback-failed"|"verification-failed"|"recovering"|"recovered"|"closed". ' +
        'Fix it by hand, or restore the block from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.',
    );
    await expect(store.findOpen('production')).rejects.toBeInstanceOf(ConfigurationError);

    issue.body = good.replace(/\n\}\n-->/, '\n\n-->');
    await expect(store.get(created.number)).rejects.toThrow(
      new RegExp(`${created.url} cannot be used\\.\\n  The Ripcord state block is not valid JSON`),
    );

    issue.body = 'A person rewrote the whole body.';
    await expect(store.get(created.number)).rejects.toThrow(
      `Incident issue ${created.url} has no Ripcord state block`,
    );
    // Nothing was written while reading: the record is never silently reset.
    expect(gh.calls.count('issues/update')).toBe(0);
  });

  it('get: a missing issue or a pull request is a ConfigurationError', async () => {
    const gh = await start();
    const store = storeFor(gh);
    await expect(store.get(99)).rejects.toThrow(
      'Incident issue #99 does not exist in acme/shop (GitHub answered 404).',
    );
    const pr = seedIncident(gh, state(), { created_at: '2024-04-01T00:00:00Z' });
    pr.pull_number = pr.number;
    await expect(store.get(pr.number)).rejects.toThrow(
      `#${pr.number} in acme/shop is a pull request, not a Ripcord incident issue.`,
    );
  });

  it('502s are retried on every operation', async () => {
    const gh = await start();
    for (const match of [
      'issues/create-label',
      'issues/create',
      'issues/list-for-repo',
      'issues/get',
      'issues/update',
      'issues/create-comment',
    ]) {
      gh.faults.inject({ match, kind: 'status', status: 502, message: 'Bad Gateway' });
    }
    const store = storeFor(gh);
    const created = await store.create(state(), 'Rollback of production');
    const found = await store.findOpen('production');
    if (!found) throw new Error('not found');
    await store.save(found, withStatus(found.state, 'rolled-back', '2024-05-01T10:10:00Z'));
    await store.comment(found.number, 'rollback.completed');
    await store.close(found.number, 'completed');
    expect(gh.faults.remaining).toBe(0);
    expect(gh.faults.log).toHaveLength(6);
    expect(gh.calls.counts()).toEqual({
      'issues/create-label': 3,
      'issues/create': 2,
      // The 502 on create is not retried blindly: one look (itself retried once after its
      // own 502) finds nothing, then the create is sent again; then findOpen.
      'issues/list-for-repo': 3,
      'issues/get': 2,
      'issues/update': 3,
      'issues/create-comment': 2,
    });
    expect(gh.state.repo().labels.size).toBe(2);
    expect(gh.state.repo().issues).toHaveLength(1);
    expect(gh.state.repo().findIssue(created.number)?.state).toBe('closed');
  });

  it('works through the Octokit that actions build (createGitHubClient)', async () => {
    const gh = await start();
    const logger = recordingLogger();
    const client = createGitHubClient({
      token: 't',
      baseUrl: `${gh.url}/`,
      logger,
      retryAfterBaseValue: 1,
    });
    gh.faults.inject({ match: 'issues/list-for-repo', kind: 'status', status: 502 });
    const store = createIncidentStore(client.octokit, repo, logger);
    const created = await store.create(state(), 'Rollback of production');
    const found = await store.findOpen('production');
    expect(found?.number).toBe(created.number);
    expect(gh.calls.count('issues/list-for-repo')).toBe(2);
    // The factory's counter sits outside plugin-retry, so it sees each logical request once.
    expect(client.requests.get('GET /repos/{owner}/{repo}/issues')).toBe(1);
    expect(logger.warnings).toEqual([]);
  });

  it('an incident seeded with a hand-rendered block is read as written', async () => {
    const gh = await start();
    const s = state({ status: 'recovering', recovery: { stage: '25%' } });
    const issue = gh.state.repo().addIssue({
      title: 'Rollback of production',
      body: `Written by a person.\n\n${renderStateBlock(s)}`,
      labels: [INCIDENT_LABEL, 'ripcord:env:production'],
    });
    expect(await storeFor(gh).get(issue.number)).toMatchObject({ state: s, open: true });
  });
});
