/**
 * rollback.approvals in the policy language: a decision row names a rule, and `validate`
 * reports a name that is not one at its line and column, with the nearest rule name.
 */
import { describe, expect, test } from 'vitest';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import { expectedEnvironments, usesEnvironmentApprovals } from '../../src/github/environments.ts';
import { renderIncidentReport } from '../../src/incident/report.ts';
import { fullInput, fullState } from '../fixtures/reports/incident-fixtures.ts';

function policy(
  rows: string[],
  rules = ['        senior-consensus: {required: 2, teams: [acme/senior-eng]}'],
) {
  return [
    'version: 1',
    'environments:',
    '  production:',
    '    decision:',
    ...rows,
    '    rollback:',
    '      approvals:',
    ...rules,
    '',
  ].join('\n');
}

function problems(text: string): string[] {
  const r = parsePolicy(text, 'ripcord.yml');
  return r.ok ? [] : r.problems.map(formatProblem);
}

describe('approval rules', () => {
  test('a row naming a rule loads, with the rule as written', () => {
    const r = parsePolicy(
      policy(['      - {severity: critical, strategy: redeploy, approval: senior-consensus}']),
      'ripcord.yml',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const env = r.policy.environments.production;
    expect(env?.decision[0]?.approval).toBe('senior-consensus');
    expect(env?.rollback.approvals['senior-consensus']).toEqual({
      required: 2,
      teams: ['acme/senior-eng'],
      users: [],
    });
  });

  test('a misspelt rule name is reported at its line:column with did-you-mean', () => {
    expect(
      problems(
        policy([
          '      - {severity: critical, strategy: redeploy, approval: senior-consensus}',
          '      - {severity: warning, strategy: redeploy, approval: senior-concensus}',
        ]),
      ),
    ).toEqual([
      'ripcord.yml:6:59: environments.production.decision[1].approval: no approval rule "senior-concensus" under rollback.approvals (did you mean "senior-consensus"?); write none or one of senior-consensus',
    ]);
  });

  test('default_approval is checked the same way', () => {
    const text = policy([]).replace('    decision:\n', '    default_approval: lead\n');
    expect(problems(text)).toEqual([
      'ripcord.yml:4:23: environments.production.default_approval: no approval rule "lead" under rollback.approvals; write none or one of senior-consensus',
    ]);
  });

  test('without rules, other names keep their meaning (a GitHub Environment with reviewers)', () => {
    const text = [
      'version: 1',
      'environments:',
      '  production:',
      '    decision:',
      '      - {severity: critical, strategy: redeploy, approval: on-call}',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([]);
  });

  test.each([
    [
      'nobody may approve',
      '        nobody: {required: 1}',
      'an approval rule needs someone who may approve: write teams, users or permission',
    ],
    [
      'more approvals than people',
      '        pair: {required: 3, users: [alice, bob]}',
      'required is more than the users listed, and no team or permission adds anyone',
    ],
    [
      'a team that is not a slug',
      "        seniors: {required: 2, teams: ['@acme/senior eng']}",
      'org/team-slug',
    ],
    [
      'a rule name in capitals',
      '        Seniors: {required: 2, users: [a, b]}',
      'lower case with hyphens',
    ],
  ])('%s is refused', (_name, rule, message) => {
    const found = problems(policy([], [rule]).replace('    decision:\n', ''));
    expect(found.join('\n')).toContain(message);
    expect(found[0]).toMatch(/^ripcord\.yml:\d+:\d+: /);
  });
});

describe('validate --github: the rollback-approval Environment', () => {
  const loaded = (text: string) => {
    const r = parsePolicy(text, 'ripcord.yml');
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    return r.policy;
  };
  const reviewers = (environmentApprovals: boolean) =>
    expectedEnvironments(['production'], environmentApprovals).find(
      (e) => e.name === 'rollback-approval',
    )?.reviewers;

  test('comment rules only: its reviewers are not required (nobody would be asked twice)', () => {
    const p = loaded(
      policy(['      - {severity: critical, strategy: redeploy, approval: senior-consensus}']),
    );
    expect(usesEnvironmentApprovals(p)).toBe(false);
    expect(reviewers(false)).toBe('either');
  });

  test('another approval name still needs the Environment with reviewers', () => {
    const p = loaded(
      [
        'version: 1',
        'environments:',
        '  production:',
        '    decision:',
        '      - {severity: critical, strategy: redeploy, approval: lead}',
        '',
      ].join('\n'),
    );
    expect(usesEnvironmentApprovals(p)).toBe(true);
    expect(reviewers(true)).toBe('required');
  });
});

describe('the incident report names who approved', () => {
  test('rule, count and approvers with their times, logins in code spans (no pings)', () => {
    const state = fullState({
      approval: {
        rule: 'senior-consensus',
        required: 2,
        requestedAt: '2024-05-01T10:03:00Z',
        status: 'approved',
        approvers: [
          { login: 'carol', at: '2024-05-01T10:05:00Z', commentId: 11 },
          { login: 'dave', at: '2024-05-01T10:07:00Z', commentId: 12 },
        ],
        rejectedBy: null,
      },
    });
    const md = renderIncidentReport(fullInput({ state }));
    expect(md).toContain(
      'Approval rule senior-consensus: approved, 2 of 2 approvals by `carol` (2024-05-01T10:05:00Z), `dave` (2024-05-01T10:07:00Z); asked at 2024-05-01T10:03:00Z.',
    );
    expect(md).not.toContain('@carol');
    expect(renderIncidentReport(fullInput())).not.toContain('Approval rule');
  });
});
