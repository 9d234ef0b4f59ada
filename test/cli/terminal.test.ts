/**
 * The CLI on a real terminal (tmux): what a person at 3 am sees from `status`, `plan` and
 * `evaluate --watch`, read back from the screen. The CLI runs as a process of its own (Node
 * from node_modules, as `npx ripcord` would), so stdout is a TTY: colour on, columns aligned.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { join } from 'node:path';
import { renderIncidentBody } from '../../src/incident/state.ts';
import { createGitHubClient } from '../../src/github/client.ts';
import { environmentLabel, INCIDENT_LABEL, PAUSE_LABEL } from '../../src/incident/store.ts';
import { createEnvironmentLock } from '../../src/incident/lock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { fullState } from '../fixtures/reports/incident-fixtures.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';
import { REPO_ROOT } from '../support/services/cache.ts';
import { locateTmux, startTerminal } from '../support/tmux.ts';

const silent: Logger = { debug: () => {}, info: () => {}, warning: () => {}, error: () => {} };
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const CLI = `${NODE} ${join(REPO_ROOT, 'src', 'cli-main.ts')}`;
let gh: GitHubStandIn;
let term: Awaited<ReturnType<typeof startTerminal>>;
let incident: number;

beforeAll(async () => {
  gh = await startGitHubStandIn();
  const openedAt = new Date(Date.now() - 42 * 60_000).toISOString();
  const state = fullState({ status: 'rolled-back', openedAt });
  incident = gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'seeded'),
    labels: [INCIDENT_LABEL, environmentLabel(state.environment)],
  }).number;
  // A maintenance pause by a maintainer, for two hours from now (#15).
  gh.state.repo().setPermission('maya', 'admin', 'maintain');
  gh.state.repo().addIssue({
    title: 'DB migration CHG-1234',
    body: 'Pause for: 2h',
    labels: [PAUSE_LABEL, environmentLabel('production')],
    user: 'maya',
  });
  const { octokit } = createGitHubClient({ token: 't', baseUrl: gh.url, logger: silent });
  await createEnvironmentLock(octokit, { owner: 'acme', repo: 'shop' }, 'production', {
    holder: 'run 777 attempt 2',
    leaseMs: 15 * 60_000,
    waitMs: 0,
    now: () => Date.now(),
    sleep: async () => {},
    logger: silent,
  }).acquire();
  term = await startTerminal(await locateTmux(), 'cli');
  await term.type(`cd ${REPO_ROOT}`);
  await term.type(
    `export GITHUB_TOKEN=t GITHUB_API_URL=${gh.url} GITHUB_REPOSITORY=acme/shop; unset NO_COLOR FORCE_COLOR; clear`,
  );
}, 120_000);

afterAll(async () => {
  await term?.close();
  await gh?.close();
});

test('status on a terminal: incident row and lock row aligned under their headers, in colour', async () => {
  await term.type(`${CLI} status --policy examples/demo/policy.yml; echo "== status done $?"`);
  const screen = await term.waitFor(/== status done \d/);
  expect(screen).toMatch(/== status done 0/);
  const lines = screen.split('\n');
  const header = lines.find((l) => /ENVIRONMENT\s+INCIDENT\s+STATUS/.test(l)) ?? '';
  const row = lines.find((l) => l.includes(`#${incident}`) && l.includes('rolled-back')) ?? '';
  expect(row).toMatch(/production\s+#\d+\s+rolled-back\s+\S+ \(\w{7}\)\s+4[12]m/);
  expect(row.indexOf('rolled-back')).toBe(header.indexOf('STATUS'));
  const lockHeader = lines.find((l) => /ENVIRONMENT\s+HOLDER\s+UNTIL/.test(l)) ?? '';
  const lockRow = lines.find((l) => l.includes('run 777 attempt 2')) ?? '';
  expect(lockRow.indexOf('run 777')).toBe(lockHeader.indexOf('HOLDER'));
  expect(lockRow).toMatch(/live$/);
  // The pause: who and until when, under its headers, and how to end it.
  const pauseHeader = lines.find((l) => /ENVIRONMENT\s+UNTIL\s+BY\s+ISSUE/.test(l)) ?? '';
  const pauseRow = lines.find((l) => l.includes('DB migration CHG-1234')) ?? '';
  expect(pauseRow).toMatch(/production\s+\d\d:\d\d UTC \(in (1h 59m|2h 0m)\)\s+maya\s+#\d+/);
  expect(pauseRow.indexOf('maya')).toBe(pauseHeader.indexOf('BY'));
  expect(screen).toContain('to end it now, ripcord pause --environment production --end');
  // Colour on a terminal: "live" (a held lock) in red.
  const coloured = await term.screen(true);
  expect(coloured).toContain('\u001b[31mlive');
}, 60_000);

test('plan on a terminal: numbered steps with the command lines, nothing executed', async () => {
  // From the redeploy rung: the example's runbook ladder (#13) is longer than one screen.
  await term.type('clear');
  await term.type(
    `${CLI} plan --environment production --policy examples/django-celery-postgres/policy.yml --target v1.2.3 --strategy redeploy; echo "== plan done $?"`,
  );
  const screen = await term.waitFor(/== plan done \d/);
  expect(screen).toMatch(/== plan done 0/);
  expect(screen).toContain('Nothing was executed.');
  expect(screen).toMatch(
    / 1\. Redeploy the known-good version \(deploy\.yml\) +\[workflow-dispatch, redeploy:workflow\]/,
  );
  expect(screen).toMatch(/ 2\. Maintenance mode on/);
  expect(screen).toContain('ref=v1.2.3');
}, 60_000);

test('evaluate --watch on a terminal: a line per poll with time, values, states and time left', async () => {
  await term.type('clear');
  await term.type(
    `${CLI} evaluate --environment production --policy examples/demo/policy.yml --source-file examples/demo/incident.om --watch 3s --interval 1s; echo "== watch done $?"`,
  );
  const screen = await term.waitFor(/== watch done \d/, 60_000);
  expect(screen).toMatch(/Watching production for 3s, every 1s/);
  // The recording is from 2026-11-24: now there is no data, and no data is never healthy.
  const polls = screen.split('\n').filter((l) => /^\d\d:\d\d:\d\d {2}hold {2}/.test(l));
  expect(polls.length).toBeGreaterThanOrEqual(3);
  expect(polls[0]).toMatch(/error-rate - inconclusive \| .* \(\ds left\)$/);
  const coloured = await term.screen(true);
  expect(coloured).toContain('\u001b[35minconclusive');
}, 90_000);
