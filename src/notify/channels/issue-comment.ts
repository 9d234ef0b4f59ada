/**
 * The incident issue as a channel and as the notification log. One comment per notify call
 * carries the message (when the issue channel is routed), what was delivered where, what
 * failed, and a hidden marker per delivery, `<!-- ripcord:notified <key> -->`, which later
 * runs read back to send each event once per channel.
 *
 * Only markers in comments Ripcord wrote count: anyone who may comment on the issue (everyone,
 * on a public repository) could otherwise write `+1 <!-- ripcord:notified rollback.failed:7:oncall -->`
 * and silence a required channel for that incident.
 */
import { escapeMarkdown } from '../../shared/markdown.ts';
import { renderMessage } from '../templates.ts';
import type { GitHubClient } from '../../github/client.ts';
import type { RipcordIdentity } from '../../github/identity.ts';
import type { Logger } from '../../shared/logger.ts';
import { safeUrl, type Prepared } from '../types.ts';

export interface NotificationLog {
  /** Delivered keys with when and where; a later run skips these. */
  sent: Record<string, { at: string; channel: string }>;
}

export function emptyLog(): NotificationLog {
  return { sent: {} };
}

export function alreadySent(log: NotificationLog, key: string): boolean {
  return Object.hasOwn(log.sent, key);
}

export function markSent(
  log: NotificationLog,
  key: string,
  meta: { at: string; channel: string },
): NotificationLog {
  return { sent: { ...log.sent, [key]: meta } };
}

const MARKER = /<!--\s*ripcord:notified\s+(\S+)(?:\s+(\S+)\s+(\S+))?\s*-->/g;

/** Keys are built from event, incident number, channel name and a sanitised stage: no spaces or `--`. */
export function notificationMarker(key: string, meta: { at: string; channel: string }): string {
  return `<!-- ripcord:notified ${key} ${meta.channel} ${meta.at} -->`;
}

/** The log written in these comment bodies, oldest first. */
export function parseNotificationLog(bodies: readonly string[]): NotificationLog {
  let log = emptyLog();
  for (const body of bodies)
    for (const m of body.matchAll(MARKER)) {
      const key = m[1];
      if (key && !alreadySent(log, key))
        log = markSent(log, key, { channel: m[2] ?? '', at: m[3] ?? '' });
    }
  return log;
}

export interface NotificationHistory {
  read(incident: number): Promise<NotificationLog>;
}

/**
 * Reads the markers from Ripcord's own comments on the incident issue (100 a page). Markers in
 * anyone else's comments are ignored, with a warning naming who wrote them.
 */
export function createCommentHistory(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  identity: RipcordIdentity,
  logger?: Logger,
): NotificationHistory {
  return {
    async read(incident) {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        ...repo,
        issue_number: incident,
        per_page: 100,
      });
      const mine: string[] = [];
      for (const c of comments) {
        const body = c.body ?? '';
        if (identity.is(c.user?.login)) mine.push(body);
        else if (Object.keys(parseNotificationLog([body]).sent).length > 0)
          logger?.warning(
            `ignored notification markers in a comment by ${c.user?.login ?? 'an unknown user'} on #${incident} (${c.html_url}): only comments by ${identity.describe} count as sent`,
          );
      }
      return parseNotificationLog(mine);
    },
  };
}

/** The issue channel's message in GitHub Markdown, values escaped so nobody is pinged. */
export function issueMessage(p: Prepared): string {
  const msg = renderMessage(p.event, p.values, 'markdown', p.template);
  const lines = [`### ${msg.title}`, ''];
  if (msg.text) lines.push(msg.text, '');
  for (const f of msg.facts) lines.push(`- **${f.label}:** ${f.value}`);
  const links = p.links
    .map((l) => ({ ...l, url: safeUrl(l.url) }))
    .filter((l) => l.url !== null)
    .map((l) => `[${escapeMarkdown(l.label)}](${l.url})`);
  if (msg.facts.length > 0) lines.push('');
  if (links.length > 0) lines.push(links.join(' · '), '');
  return lines.join('\n');
}
