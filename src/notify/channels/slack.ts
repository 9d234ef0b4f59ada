/**
 * Slack incoming webhook: Block Kit (header, sections in mrkdwn, a context line of links) and
 * a top-level `text` that Slack shows in notifications and where blocks cannot render.
 * Incoming webhooks answer "ok" and no message ts, so a follow-up is a new message: it cannot
 * edit the first one or reply in its thread (that would need a bot token and chat.postMessage).
 */
import { renderMessage } from '../templates.ts';
import { safeUrl, truncate, type Built, type Prepared } from '../types.ts';

/** Block Kit limits: header plain_text 150, section text 3000, 50 blocks per message. */
export const SLACK_HEADER_MAX = 150;
export const SLACK_SECTION_MAX = 3000;
const SLACK_MAX_BLOCKS = 50;
const SEVERITY_ICON = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};

interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] };

/** Splits at line ends so no section passes Slack's limit; a single long line is cut. */
function sections(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const piece = truncate(line, SLACK_SECTION_MAX);
    if (current && current.length + 1 + piece.length > SLACK_SECTION_MAX) {
      out.push(current);
      current = piece;
    } else {
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current) out.push(current);
  return out;
}

export function slackPayload(p: Prepared): { text: string; blocks: SlackBlock[] } {
  const msg = renderMessage(p.event, p.values, 'slack', p.template);
  const body = [msg.text, ...msg.facts.map((f) => `*${f.label}:* ${f.value}`)]
    .filter(Boolean)
    .join('\n');
  const links = p.links
    .map((l) => ({ ...l, url: safeUrl(l.url) }))
    .filter((l): l is { label: string; url: string } => l.url !== null)
    .map((l) => `<${l.url}|${l.label}>`);
  const header: SlackBlock = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(`${SEVERITY_ICON[p.severity]} ${msg.title}`, SLACK_HEADER_MAX),
      emoji: true,
    },
  };
  const blocks: SlackBlock[] = [
    header,
    ...sections(body).map((text): SlackBlock => ({
      type: 'section',
      text: { type: 'mrkdwn', text },
    })),
  ].slice(0, SLACK_MAX_BLOCKS - 1);
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: [`${p.event} · ${p.severity}`, ...links].join(' · ') }],
  });
  return { text: truncate(`${msg.title}: ${msg.text}`, SLACK_SECTION_MAX), blocks };
}

export function buildSlack(p: Prepared, url: string): Built {
  return {
    request: {
      url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackPayload(p)),
    },
  };
}
