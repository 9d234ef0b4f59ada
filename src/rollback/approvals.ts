/**
 * Approvals given as comment commands on the incident issue (`/ripcord approve`,
 * `/ripcord reject`, `/ripcord proceed`), counted without trusting anything a commenter can
 * write. Seed 002: "a consensus of at least two senior engineers is required to initiate a
 * rollback"; seed 000: staged recovery with "manual checkpoints at each phase".
 *
 * Pure: the comments, who is authorised (read by the adapter from GitHub's permission and
 * team APIs, never from the comment text) and the time come in as values.
 *
 * What counts, and why each rule exists:
 * - the command opens a line of its own, outside code blocks, quotes and HTML comments: a
 *   reply quoting `> /ripcord approve`, a runbook pasted in a code block, or a hidden
 *   `<!-- /ripcord approve -->` is not a vote;
 * - only comments created after the request: an old "approve" from an earlier incident or
 *   an earlier checkpoint does not carry over;
 * - edited comments do not count: anyone with write access may edit anyone's comment, so an
 *   "LGTM" edited into `/ripcord approve`, or a reject into an approve, would forge a vote.
 *   REST has no "edited" flag, only `updated_at`, and github.com does not always write it
 *   equal to `created_at` for a comment nobody edited (seen a second apart:
 *   https://github.com/palantir/policy-bot/pull/459). So a comment counts as edited when
 *   `updated_at` is more than EDIT_TOLERANCE_MS after `created_at`; an edit within those
 *   seconds of writing is the author fixing a typo, not a later forgery. The `edited` event
 *   itself never starts a count (the workflow listens to `created` only);
 * - bots and Ripcord's own identity never vote (Ripcord quotes the command in its request);
 * - one vote per person, whatever they write: N approvals are N distinct people;
 * - a `reject` by an authorised person before the N-th approval closes the request;
 * - a person who may roll back alone (rollback.authority: the runbook's "Primary: Lead DevOps
 *   Engineer ...") decides alone by comment too, as they could by running the rollback by
 *   hand; the consensus is for "in the absence of the above individuals".
 */

/** The commands a comment can carry. */
export type RipcordCommand = 'approve' | 'reject' | 'proceed';

export const COMMANDS: readonly RipcordCommand[] = ['approve', 'reject', 'proceed'];

/** The exact line people write, as Ripcord shows it. */
export function commandLine(command: RipcordCommand): string {
  return `/ripcord ${command}`;
}

/** A comment as the API returns it, reduced to what the count reads. */
export interface CommentView {
  id: number;
  /** `user.login`; null for a deleted account ("ghost"). */
  author: string | null;
  /** `user.type`: User, Bot, Organization. */
  authorType: string | null;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** How far `updated_at` may trail `created_at` on a comment nobody edited (see the header). */
export const EDIT_TOLERANCE_MS = 5_000;

const COMMAND_LINE = /^\/ripcord (approve|reject|proceed)(?:[ \t]+\S.*)?$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The command a comment carries, or null. Only a line that starts with the command (a reason
 * may follow on the same line after a space) counts; lines inside fenced or indented code,
 * block quotes and HTML comments do not. A comment with two different commands is ambiguous
 * and carries none.
 */
export function commandIn(body: string): RipcordCommand | null {
  const found = new Set<RipcordCommand>();
  let fence: string | null = null;
  let inHtmlComment = false;
  // A line right after a quoted one continues the quote (CommonMark "lazy continuation"):
  // `> text` then `/ripcord approve` renders inside the quote.
  let inQuote = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (fence !== null) {
      const close = FENCE.exec(line);
      if (close?.[1] && close[1][0] === fence[0] && close[1].length >= fence.length) fence = null;
      continue;
    }
    const open = FENCE.exec(line);
    if (open?.[1]) {
      fence = open[1];
      continue;
    }
    if (inHtmlComment) {
      if (line.includes('-->')) inHtmlComment = false;
      continue;
    }
    if (/<!--/.test(line) && !/<!--[\s\S]*?-->/.test(line.slice(line.indexOf('<!--')))) {
      inHtmlComment = true;
      continue;
    }
    if (/^ {0,3}>/.test(line)) {
      inQuote = true;
      continue;
    }
    if (line.trim() === '') {
      inQuote = false;
      continue;
    }
    if (inQuote) continue;
    const match = COMMAND_LINE.exec(line);
    if (match?.[1]) found.add(match[1] as RipcordCommand);
  }
  if (found.size !== 1) return null;
  const [only] = found;
  return only ?? null;
}

export type IgnoredWhy =
  | 'no command'
  | 'not accepted here'
  | 'before the request'
  | 'edited'
  | 'bot'
  | 'ripcord'
  | 'deleted account'
  | 'not authorised'
  | 'already voted';

export interface Vote {
  commentId: number;
  login: string;
  command: RipcordCommand;
  at: string;
}

export interface Ignored {
  commentId: number;
  login: string | null;
  why: IgnoredWhy;
}

/**
 * The vote a comment casts before authority is checked, or why it casts none. `accept` is
 * what this request understands (a rollback: approve and reject; a recovery checkpoint:
 * proceed and approve).
 */
export function voteOf(
  comment: CommentView,
  opts: {
    since: string;
    accept: readonly RipcordCommand[];
    isRipcord: (login: string) => boolean;
  },
): Vote | Ignored {
  const ignored = (why: IgnoredWhy): Ignored => ({
    commentId: comment.id,
    login: comment.author,
    why,
  });
  const command = commandIn(comment.body);
  if (command === null) return ignored('no command');
  if (!opts.accept.includes(command)) return ignored('not accepted here');
  if (comment.author === null) return ignored('deleted account');
  if (opts.isRipcord(comment.author)) return ignored('ripcord');
  if (comment.authorType === 'Bot' || /\[bot\]$/i.test(comment.author)) return ignored('bot');
  if (Date.parse(comment.createdAt) < Date.parse(opts.since)) return ignored('before the request');
  if (Date.parse(comment.updatedAt) - Date.parse(comment.createdAt) > EDIT_TOLERANCE_MS)
    return ignored('edited');
  return { commentId: comment.id, login: comment.author, command, at: comment.createdAt };
}

export function isVote(v: Vote | Ignored): v is Vote {
  return 'command' in v;
}

/** The people whose authority must be read before `tally` can decide: every distinct voter. */
export function votersToCheck(
  comments: readonly CommentView[],
  opts: Parameters<typeof voteOf>[1],
): string[] {
  const seen = new Map<string, string>();
  for (const c of comments) {
    const v = voteOf(c, opts);
    if (isVote(v) && !seen.has(v.login.toLowerCase())) seen.set(v.login.toLowerCase(), v.login);
  }
  return [...seen.values()];
}

export interface TallyInput {
  comments: readonly CommentView[];
  /** When the request was made (GitHub's time of Ripcord's request comment). */
  since: string;
  required: number;
  accept: readonly RipcordCommand[];
  isRipcord: (login: string) => boolean;
  /** Login (lower case) -> may approve under the rule, as read from GitHub. Absent: may not. */
  authorised: ReadonlyMap<string, boolean>;
  /** Login (lower case) -> may roll back alone (rollback.authority): one approval decides. */
  alone?: ReadonlyMap<string, boolean>;
  now: number;
}

export interface Tally {
  status: 'approved' | 'rejected' | 'waiting';
  approvers: Vote[];
  rejectedBy: Vote | null;
  /** The approval that decided alone (a person with rollback authority), if one did. */
  decidedAlone: Vote | null;
  /** How many approvals are still missing (0 once approved). */
  missing: number;
  ignored: Ignored[];
  /** How long the request has waited. */
  waitedMs: number;
}

/**
 * Walks the comments in the order they were written: authorised approvals by distinct people
 * accumulate until `required`; an authorised reject before that closes the request. What
 * comes after the decision does not change it (the run that saw it already acted).
 */
export function tally(input: TallyInput): Tally {
  const ordered = [...input.comments].sort(
    (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id,
  );
  const approvers: Vote[] = [];
  const ignored: Ignored[] = [];
  const voted = new Set<string>();
  let rejectedBy: Vote | null = null;
  let decidedAlone: Vote | null = null;
  let decided = false;
  for (const comment of ordered) {
    const v = voteOf(comment, input);
    if (!isVote(v)) {
      if (v.why !== 'no command') ignored.push(v);
      continue;
    }
    const who = v.login.toLowerCase();
    const alone = input.alone?.get(who) === true;
    if (input.authorised.get(who) !== true && !alone) {
      ignored.push({ commentId: v.commentId, login: v.login, why: 'not authorised' });
      continue;
    }
    if (decided) continue;
    if (voted.has(who)) {
      ignored.push({ commentId: v.commentId, login: v.login, why: 'already voted' });
      continue;
    }
    voted.add(who);
    if (v.command === 'reject') {
      rejectedBy = v;
      decided = true;
      continue;
    }
    approvers.push(v);
    if (alone) decidedAlone = v;
    if (alone || approvers.length >= input.required) decided = true;
  }
  const status = rejectedBy
    ? 'rejected'
    : decidedAlone || approvers.length >= input.required
      ? 'approved'
      : 'waiting';
  return {
    status,
    approvers,
    rejectedBy,
    decidedAlone,
    missing: status === 'approved' ? 0 : Math.max(0, input.required - approvers.length),
    ignored,
    waitedMs: Math.max(0, input.now - Date.parse(input.since)),
  };
}

const WHY_TEXT: Record<IgnoredWhy, string> = {
  'no command': 'no command',
  'not accepted here': 'not a command for this request',
  'before the request': 'written before the request',
  edited: 'edited after it was written',
  bot: 'written by a bot',
  ripcord: "Ripcord's own comment",
  'deleted account': 'deleted account',
  'not authorised': 'not authorised by the rule',
  'already voted': 'this person already voted',
};

/**
 * "`carol` (not authorised by the rule), `dave` (edited after it was written)": logins in code
 * spans, never as @mentions, so Ripcord's comments do not ping the people they list.
 */
export function describeIgnored(ignored: readonly Ignored[]): string {
  return ignored
    .map((i) => `${i.login ? loginText(i.login) : 'a deleted account'} (${WHY_TEXT[i.why]})`)
    .join(', ');
}

/** A GitHub login as shown in Ripcord's Markdown: a code span, which cannot mention anyone. */
export function loginText(login: string): string {
  return `\`${login.replace(/`/g, '')}\``;
}
