/**
 * Counting comment approvals (src/rollback/approvals.ts), table-driven: what a hostile or
 * careless commenter writes must not count as a vote; distinct authorised people must.
 */
import { describe, expect, test } from 'vitest';
import {
  commandIn,
  describeIgnored,
  tally,
  votersToCheck,
  type CommentView,
} from '../../src/rollback/approvals.ts';

describe('commandIn: only a line of its own, outside quotes, code and HTML comments', () => {
  test.each([
    ['/ripcord approve', 'approve'],
    ['/ripcord reject', 'reject'],
    ['/ripcord proceed', 'proceed'],
    ['/ripcord approve   ', 'approve'],
    ['/ripcord approve metrics confirm it, rolling back', 'approve'],
    ['Checked the dashboards.\n\n/ripcord approve\n\nThanks', 'approve'],
    ['/ripcord approve\r\n', 'approve'],
    ['/ripcord approve\n/ripcord approve', 'approve'],
  ])('%j carries %s', (body, expected) => {
    expect(commandIn(body)).toBe(expected);
  });

  test.each([
    ['quoted', '> /ripcord approve'],
    ['quoted, indented', '  > /ripcord approve'],
    ['lazy continuation of a quote', '> Should we roll back?\n/ripcord approve'],
    ['fenced code block', 'Write this:\n```\n/ripcord approve\n```'],
    ['tilde fence', '~~~\n/ripcord approve\n~~~'],
    ['unclosed fence', '```\n/ripcord approve'],
    ['indented code', '    /ripcord approve'],
    ['inline code', 'comment `/ripcord approve` to approve'],
    ['mid-line', 'I would /ripcord approve this'],
    ['HTML comment', '<!--\n/ripcord approve\n-->'],
    ['one-line HTML comment', '<!-- /ripcord approve -->'],
    ['list item', '- /ripcord approve'],
    ['different word', '/ripcord approved'],
    ['glued reason', '/ripcord approve!'],
    ['upper case', '/Ripcord Approve'],
    ['two different commands', '/ripcord approve\n/ripcord reject'],
    ['empty', ''],
  ])('%s: no command', (_name, body) => {
    expect(commandIn(body)).toBeNull();
  });

  test('a command after a closed fence and a blank line after a quote counts', () => {
    expect(commandIn('```\nnoise\n```\n/ripcord reject')).toBe('reject');
    expect(commandIn('> what do you think?\n\n/ripcord approve')).toBe('approve');
  });
});

const REQUEST = '2026-11-24T10:00:00Z';
let nextId = 100;
function c(
  author: string | null,
  body: string,
  at = '2026-11-24T10:05:00Z',
  extra: Partial<CommentView> = {},
): CommentView {
  return {
    id: nextId++,
    author,
    authorType: author?.endsWith('[bot]') ? 'Bot' : 'User',
    body,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

const SENIORS = new Map([
  ['carol', true],
  ['dave', true],
  ['erin', false],
]);

function count(comments: CommentView[], required = 2) {
  return tally({
    comments,
    since: REQUEST,
    required,
    accept: ['approve', 'reject'],
    isRipcord: (l) => l.toLowerCase() === 'github-actions[bot]',
    authorised: SENIORS,
    now: Date.parse('2026-11-24T10:30:00Z'),
  });
}

describe('tally: N distinct authorised people, in the order they wrote', () => {
  const cases: Array<{
    name: string;
    comments: () => CommentView[];
    status: 'approved' | 'rejected' | 'waiting';
    approvers: string[];
    ignored?: string[];
  }> = [
    {
      name: 'two seniors approve',
      comments: () => [c('carol', '/ripcord approve'), c('dave', '/ripcord approve')],
      status: 'approved',
      approvers: ['carol', 'dave'],
    },
    {
      name: 'one senior is not enough',
      comments: () => [c('carol', '/ripcord approve')],
      status: 'waiting',
      approvers: ['carol'],
    },
    {
      name: 'the same person twice is one vote',
      comments: () => [
        c('carol', '/ripcord approve'),
        c('carol', '/ripcord approve again', '2026-11-24T10:06:00Z'),
        c('CAROL', '/ripcord approve', '2026-11-24T10:07:00Z'),
      ],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['CAROL:already voted', 'carol:already voted'],
    },
    {
      name: 'an unauthorised person does not count',
      comments: () => [c('carol', '/ripcord approve'), c('erin', '/ripcord approve')],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['erin:not authorised'],
    },
    {
      name: 'someone the API was not asked about does not count',
      comments: () => [c('carol', '/ripcord approve'), c('mallory', '/ripcord approve')],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['mallory:not authorised'],
    },
    {
      name: 'a quoted command does not count',
      comments: () => [c('carol', '/ripcord approve'), c('dave', '> /ripcord approve\n\nhmm')],
      status: 'waiting',
      approvers: ['carol'],
    },
    {
      name: 'a command in a code block does not count',
      comments: () => [c('carol', '/ripcord approve'), c('dave', '```\n/ripcord approve\n```')],
      status: 'waiting',
      approvers: ['carol'],
    },
    {
      name: 'an edited comment does not count',
      comments: () => [
        c('carol', '/ripcord approve'),
        c('dave', '/ripcord approve', '2026-11-24T10:05:00Z', {
          updatedAt: '2026-11-24T10:09:00Z',
        }),
      ],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['dave:edited'],
    },
    {
      // github.com may write updated_at a second after created_at on a comment nobody edited
      // (https://github.com/palantir/policy-bot/pull/459): that still counts.
      name: 'updated_at a second after created_at is not an edit',
      comments: () => [
        c('carol', '/ripcord approve'),
        c('dave', '/ripcord approve', '2026-11-24T10:05:00Z', {
          updatedAt: '2026-11-24T10:05:01Z',
        }),
      ],
      status: 'approved',
      approvers: ['carol', 'dave'],
    },
    {
      name: 'a bot does not count, even one the API would authorise',
      comments: () => [c('carol', '/ripcord approve'), c('deploy[bot]', '/ripcord approve')],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['deploy[bot]:bot'],
    },
    {
      name: 'an account typed Bot without the suffix does not count',
      comments: () => [
        c('carol', '/ripcord approve'),
        c('dave', '/ripcord approve', undefined, { authorType: 'Bot' }),
      ],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['dave:bot'],
    },
    {
      name: "Ripcord's own request, which quotes the command, does not count",
      comments: () => [
        c('github-actions[bot]', '/ripcord approve', '2026-11-24T10:00:00Z'),
        c('carol', '/ripcord approve'),
      ],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['github-actions[bot]:ripcord'],
    },
    {
      name: 'a comment from before the request does not count',
      comments: () => [
        c('dave', '/ripcord approve', '2026-11-24T09:59:59Z'),
        c('carol', '/ripcord approve'),
      ],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['dave:before the request'],
    },
    {
      name: 'a deleted account does not count',
      comments: () => [c(null, '/ripcord approve'), c('carol', '/ripcord approve')],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['null:deleted account'],
    },
    {
      name: 'a senior rejects before the second approval: rejected',
      comments: () => [
        c('carol', '/ripcord approve', '2026-11-24T10:05:00Z'),
        c('dave', '/ripcord reject not the release, it is the CDN', '2026-11-24T10:06:00Z'),
      ],
      status: 'rejected',
      approvers: ['carol'],
    },
    {
      name: 'a reject after the decision changes nothing',
      comments: () => [
        c('carol', '/ripcord approve', '2026-11-24T10:05:00Z'),
        c('dave', '/ripcord approve', '2026-11-24T10:06:00Z'),
        c('carol', '/ripcord reject', '2026-11-24T10:07:00Z'),
      ],
      status: 'approved',
      approvers: ['carol', 'dave'],
    },
    {
      name: 'an unauthorised reject changes nothing',
      comments: () => [c('erin', '/ripcord reject'), c('carol', '/ripcord approve')],
      status: 'waiting',
      approvers: ['carol'],
      ignored: ['erin:not authorised'],
    },
    {
      name: 'a proceed is not accepted for a rollback',
      comments: () => [c('carol', '/ripcord proceed')],
      status: 'waiting',
      approvers: [],
      ignored: ['carol:not accepted here'],
    },
    {
      name: 'comments arrive out of order: the earlier one is first',
      comments: () => [
        c('dave', '/ripcord approve', '2026-11-24T10:08:00Z'),
        c('carol', '/ripcord reject', '2026-11-24T10:06:00Z'),
      ],
      status: 'rejected',
      approvers: [],
    },
  ];

  test.each(cases)('$name', ({ comments, status, approvers, ignored }) => {
    const result = count(comments());
    expect(result.status).toBe(status);
    expect(result.approvers.map((v) => v.login)).toEqual(approvers);
    expect(result.missing).toBe(status === 'approved' ? 0 : 2 - approvers.length);
    if (ignored)
      expect(result.ignored.map((i) => `${i.login}:${i.why}`).sort()).toEqual([...ignored].sort());
  });

  test('a person with rollback authority decides alone, by approve or by reject', () => {
    const lead = new Map([['lead', true]]);
    const input = (comments: CommentView[]) => ({
      comments,
      since: REQUEST,
      required: 2,
      accept: ['approve', 'reject'] as const,
      isRipcord: () => false,
      authorised: SENIORS,
      alone: lead,
      now: Date.parse(REQUEST),
    });
    const alone = tally(input([c('lead', '/ripcord approve')]));
    expect(alone.status).toBe('approved');
    expect(alone.decidedAlone?.login).toBe('lead');
    expect(alone.missing).toBe(0);
    const after = tally(
      input([c('carol', '/ripcord approve'), c('lead', '/ripcord reject', '2026-11-24T10:06:00Z')]),
    );
    expect(after.status).toBe('rejected');
    expect(after.rejectedBy?.login).toBe('lead');
    // Without the authority map the same comment is one unauthorised vote.
    expect(count([c('lead', '/ripcord approve')]).status).toBe('waiting');
  });

  test('the rejecter is named, and how long it waited', () => {
    const result = count([c('dave', '/ripcord reject')]);
    expect(result.rejectedBy?.login).toBe('dave');
    expect(result.waitedMs).toBe(30 * 60_000);
  });

  test('required 1: the first authorised approval decides', () => {
    expect(count([c('erin', '/ripcord approve'), c('dave', '/ripcord approve')], 1).status).toBe(
      'approved',
    );
  });
});

describe('votersToCheck: whose authority the adapter reads, once each', () => {
  test('distinct voters only; non-commands, bots, edits and old comments cost no API call', () => {
    const comments = [
      c('carol', '/ripcord approve'),
      c('carol', '/ripcord approve'),
      c('Carol', '/ripcord reject'),
      c('dave', 'LGTM'),
      c('deploy[bot]', '/ripcord approve'),
      c('erin', '/ripcord approve', '2026-11-24T09:00:00Z'),
      c('frank', '/ripcord approve', undefined, { updatedAt: '2026-11-24T11:00:00Z' }),
      c('gina', '/ripcord approve'),
    ];
    expect(
      votersToCheck(comments, {
        since: REQUEST,
        accept: ['approve', 'reject'],
        isRipcord: () => false,
      }),
    ).toEqual(['carol', 'gina']);
  });
});

describe('describeIgnored', () => {
  test('logins in code spans: listing them pings nobody', () => {
    const text = describeIgnored([{ commentId: 1, login: 'erin', why: 'not authorised' }]);
    expect(text).toBe('`erin` (not authorised by the rule)');
    expect(text).not.toContain('@');
  });
});
