/** Templates, escaping, the notify schema, routing and dedup keys: pure, no network. */
import { describe, expect, test } from 'vitest';
import {
  NOTIFY_EVENTS,
  renderMessage,
  renderTemplate,
  escapeSlack,
  unknownPlaceholders,
  type NotifyValues,
} from '../../src/notify/templates.ts';
import { formatProblem, parsePolicy } from '../../src/policy/load.ts';
import { dedupKey, routeChannels } from '../../src/notify/dispatch.ts';
import { notifySchema } from '../../src/policy/schema-notify.ts';
import { slackPayload } from '../../src/notify/channels/slack.ts';
import { teamsPayload } from '../../src/notify/channels/teams.ts';
import { pagerdutyEvent } from '../../src/notify/channels/pagerduty.ts';
import {
  issueMessage,
  parseNotificationLog,
  alreadySent,
} from '../../src/notify/channels/issue-comment.ts';
import type { Prepared } from '../../src/notify/types.ts';
import { pagerdutyProblems, slackProblems, teamsProblems } from '../support/receivers.ts';

const HOSTILE =
  '<!channel> @here <script>alert(1)</script> <https://evil.example|click> <at>ops</at> [x](https://evil.example) *bold* & more';

function prepared(values: NotifyValues = {}, over: Partial<Prepared> = {}): Prepared {
  return {
    event: 'rollback.started',
    severity: 'critical',
    environment: 'production',
    repository: 'acme/shop',
    incident: { number: 7, url: 'https://github.com/acme/shop/issues/7' },
    values: {
      environment: 'production',
      reason: 'error rate 7%',
      trigger: 'error-rate',
      value: '7%',
      from: 'v1.2.0',
      to: 'v1.1.0',
      strategy: 'redeploy',
      ...values,
    },
    links: [{ label: 'Workflow run', url: 'https://github.com/acme/shop/actions/runs/1' }],
    key: 'rollback.started:7:slack',
    ...over,
  };
}

describe('templates', () => {
  test('every event has a built-in template carrying the runbook facts', () => {
    for (const event of NOTIFY_EVENTS) {
      const msg = renderMessage(event, prepared().values, 'plain');
      expect(msg.title).toContain('production');
      const labels = msg.facts.map((f) => f.label);
      expect(labels).toEqual(expect.arrayContaining(['Strategy', 'Version', 'Next steps']));
    }
  });

  test('lines whose placeholders are all empty disappear; placeholders are filled', () => {
    expect(renderTemplate('A {{reason}}\nT: {{trigger}}\nend', { reason: 'r' }, (s) => s)).toBe(
      'A r\nend',
    );
  });

  test('unknown placeholders are found, known ones are not', () => {
    expect(unknownPlaceholders('{{reason}} {{ enviroment }} {{x}} {{x}}')).toEqual([
      'enviroment',
      'x',
    ]);
  });

  test('an override replaces title and text per channel, default applies to all events', () => {
    const msg = renderMessage('recovery.stage', { stage: '25%', environment: 'prod' }, 'plain', {
      default: { title: 'Ripcord: {{event}} {{environment}}' },
      'recovery.stage': { text: 'now at {{stage}}' },
    });
    expect(msg.title).toBe('Ripcord: recovery.stage prod');
    expect(msg.text).toBe('now at 25%');
    expect(msg.facts).toEqual([]);
  });
});

describe('escaping: a hostile reason cannot ping or inject', () => {
  test('slack', () => {
    const payload = slackPayload(prepared({ reason: HOSTILE, trigger: '@channel' }));
    const json = JSON.stringify(payload);
    expect(json).not.toMatch(/<!channel>|<!here>|<script>|<https:\/\/evil|<at>/);
    expect(json).not.toMatch(/@(channel|here)/);
    expect(json).toContain('&lt;!channel&gt;');
    expect(slackProblems(payload)).toEqual([]);
    // Ripcord's own link survives as a link.
    expect(json).toContain('<https://github.com/acme/shop/actions/runs/1|Workflow run>');
  });

  test('slack sections stay within 3000 characters', () => {
    const payload = slackPayload(
      prepared({ reason: 'x'.repeat(5000), next_steps: 'y'.repeat(2900) }),
    );
    expect(slackProblems(payload)).toEqual([]);
    expect(payload.blocks.filter((b) => b.type === 'section').length).toBeGreaterThan(1);
  });

  test('teams', () => {
    const payload = teamsPayload(prepared({ reason: HOSTILE }));
    const json = JSON.stringify(payload);
    expect(json).not.toMatch(/<at>|<script>|\[x\]\(https/);
    expect(json).not.toMatch(/@here/);
    expect(teamsProblems(payload)).toEqual([]);
    expect(payload.attachments[0]?.content.version).toBe('1.5');
  });

  test('issue comment (GitHub Markdown)', () => {
    const md = issueMessage(prepared({ reason: HOSTILE }));
    expect(md).not.toMatch(/<script>|<!channel>|@here|\[x\]\(https/);
    expect(md).toContain('[Workflow run](https://github.com/acme/shop/actions/runs/1)');
  });

  test('escapeSlack leaves plain text readable', () => {
    expect(escapeSlack('v1.2.0 error-rate 7%')).toBe('v1.2.0 error-rate 7%');
  });
});

describe('pagerduty events', () => {
  test('critical triggers with the incident dedup key, recovery.completed resolves it', () => {
    const trigger = pagerdutyEvent(prepared(), 'R0UTING');
    expect(pagerdutyProblems(trigger)).toEqual([]);
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'ripcord-acme-shop-production-7',
      payload: { severity: 'critical', source: 'acme/shop/production' },
    });
    const resolve = pagerdutyEvent(
      prepared({}, { event: 'recovery.completed', severity: 'info' }),
      'R0UTING',
    );
    expect(resolve).toEqual({
      routing_key: 'R0UTING',
      event_action: 'resolve',
      dedup_key: 'ripcord-acme-shop-production-7',
    });
    expect(
      pagerdutyEvent(prepared({}, { event: 'recovery.stage', severity: 'info' }), 'R'),
    ).toHaveProperty('skip');
  });
});

const POLICY = `version: 1
notify:
  channels:
    oncall: {type: slack, url: "\${SLACK_ONCALL}"}
    team: {type: slack, url: "\${SLACK_TEAM}"}
    pager: {type: pagerduty, routing_key: "\${PD_KEY}"}
  routes:
    - {events: '*', severity: [critical], channels: [pager, oncall]}
    - {events: [warning, rollback.completed], channels: [team]}
    - {events: [recovery.completed], channels: [pager, team]}
environments:
  production: {}
`;

describe('notify policy', () => {
  test('routes by event and severity, each channel once', () => {
    const parsed = parsePolicy(POLICY, 'ripcord.yml');
    if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
    const notify = parsed.policy.notify;
    expect(routeChannels(notify, 'rollback.started', 'critical')).toEqual(['pager', 'oncall']);
    expect(routeChannels(notify, 'warning', 'warning')).toEqual(['team']);
    expect(routeChannels(notify, 'warning', 'critical')).toEqual(['pager', 'oncall', 'team']);
    expect(routeChannels(notify, 'recovery.stage', 'info')).toEqual([]);
    expect(routeChannels(notify, 'recovery.completed', 'info')).toEqual(['pager', 'team']);
    expect(notify.retries).toBe(3);
    expect(notify.backoff).toBe(1000);
  });

  test('an unknown placeholder is a validation error at its line and column, naming the known ones', () => {
    const text = POLICY.replace(
      '    team: {type: slack, url: "${SLACK_TEAM}"}',
      '    team:\n      type: slack\n      url: "${SLACK_TEAM}"\n      template:\n        warning: {text: "{{reason}} on {{enviroment}}"}',
    );
    const parsed = parsePolicy(text, 'ripcord.yml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^ripcord\.yml:9:25: notify\.channels\.team\.template\.warning\.text: unknown placeholder \{\{enviroment\}\} \(did you mean \{\{environment\}\}\?\); known placeholders are event, severity, .*environment/,
      ),
    ]);
  });

  test('inline secrets, unknown channels in routes and unknown events are rejected', () => {
    const result = notifySchema.safeParse({
      channels: { hook: { type: 'webhook', url: 'https://hooks.example/abc' } },
      routes: [{ events: ['rollback.started', 'rollback.done'], channels: ['hook', 'nope'] }],
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages.join('\n')).toMatch(/channels\.hook\.url: secrets are never written inline/);
    expect(messages.join('\n')).toMatch(/routes\.0\.events/);
  });

  test('a route to a missing channel names the known ones', () => {
    const result = notifySchema.safeParse({
      channels: { oncall: { type: 'issue' } },
      routes: [{ events: '*', channels: ['oncal'] }],
    });
    expect(result.error?.issues[0]?.message).toBe(
      'no channel "oncal" under notify.channels (did you mean "oncall"?); known channels are oncall',
    );
  });
});

describe('dedup keys and the log', () => {
  test('keys per event, incident, channel, and stage or trigger', () => {
    expect(dedupKey('rollback.started', 7, 'oncall', {})).toBe('rollback.started:7:oncall');
    expect(dedupKey('recovery.stage', 7, 'oncall', { stage: '25%' })).toBe(
      'recovery.stage:7:oncall:25%',
    );
    expect(dedupKey('warning', 7, 'team', { trigger: 'latency p95 --> x' })).toBe(
      'warning:7:team:latency_p95_-_x',
    );
  });

  test('markers written in comments are read back', () => {
    const log = parseNotificationLog([
      'hello',
      'x\n<!-- ripcord:notified rollback.started:7:oncall oncall 2026-01-01T00:00:00.000Z -->',
    ]);
    expect(alreadySent(log, 'rollback.started:7:oncall')).toBe(true);
    expect(alreadySent(log, 'rollback.started:7:team')).toBe(false);
  });
});
