/** `ripcord close`: an incident closed by hand gets its report proposed as a pull request. */
import { afterEach, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.ts';
import { renderIncidentBody } from '../../src/incident/state.ts';
import { environmentLabel, INCIDENT_LABEL } from '../../src/incident/store.ts';
import { fullState } from '../fixtures/reports/incident-fixtures.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

let gh: GitHubStandIn | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    now: () => Date.parse('2026-11-24T12:00:00Z'),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('closes the incident with who and why, and opens the report pull request', async () => {
  gh = await startGitHubStandIn();
  const state = fullState({ status: 'rolled-back' });
  const issue = gh.state.repo().addIssue({
    title: 'Rollback of production',
    body: renderIncidentBody(state, 'seeded'),
    labels: [INCIDENT_LABEL, environmentLabel(state.environment)],
  });
  const env = { GITHUB_TOKEN: 'ghs_cli', GITHUB_API_URL: gh.url, GITHUB_ACTOR: 'alice' };
  const r = await cli(
    [
      'close',
      '--incident',
      String(issue.number),
      '--reason',
      'fixed forward in v2.14.1',
      '--repo',
      'acme/shop',
    ],
    env,
  );
  expect(r.stderr).toMatch(/closed; report created: docs\/incidents\//);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/\/pull\/\d+$/);
  const closed = gh.state.repo().findIssue(issue.number);
  expect(closed?.state).toBe('closed');
  expect(closed?.body).toContain('"status": "closed"');
  expect(closed?.comments.some((c) => c.body.includes('fixed forward in v2.14.1'))).toBe(true);
  // Running it again changes nothing and opens no second pull request.
  const again = await cli(
    ['close', '--incident', String(issue.number), '--repo', 'acme/shop'],
    env,
  );
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(/report unchanged/);
  expect(gh.violations).toEqual([]);
});

test.each([
  [['close'], /--incident is required/],
  [['close', '--incident', '3'], /--repo owner\/name is required/],
  [['close', '--incident', '3', '--repo', 'acme/shop'], /set GITHUB_TOKEN/],
])('bad input %j exits 1 with the fix', async (argv, message) => {
  const r = await cli(argv, {});
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
});
