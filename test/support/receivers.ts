/**
 * Checks of each notification channel's published payload format, applied by the loopback
 * receivers in the notify tests: what Slack, Teams and PagerDuty would reject is a test failure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Slack Block Kit (docs.slack.dev/reference/block-kit): the blocks Ripcord uses and their limits. */
export function slackProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['body is not an object'];
  if (typeof body.text !== 'string' || body.text === '') problems.push('text (fallback) missing');
  const blocks = body.blocks;
  if (!Array.isArray(blocks)) return [...problems, 'blocks is not an array'];
  if (blocks.length > 50) problems.push('more than 50 blocks');
  blocks.forEach((b: unknown, i) => {
    if (!isObject(b)) return problems.push(`blocks[${i}] not an object`);
    const text = b.text;
    switch (b.type) {
      case 'header':
        if (!isObject(text) || text.type !== 'plain_text' || typeof text.text !== 'string')
          problems.push(`blocks[${i}] header needs plain_text`);
        else if (text.text.length > 150) problems.push(`blocks[${i}] header over 150`);
        break;
      case 'section':
        if (!isObject(text) || !['mrkdwn', 'plain_text'].includes(String(text.type)))
          problems.push(`blocks[${i}] section needs a text object`);
        else if (typeof text.text !== 'string' || text.text.length < 1 || text.text.length > 3000)
          problems.push(`blocks[${i}] section text length ${String(text.text).length}`);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 10)
          problems.push(`blocks[${i}] context needs 1..10 elements`);
        break;
      default:
        problems.push(`blocks[${i}] unexpected type ${String(b.type)}`);
    }
    return undefined;
  });
  return problems;
}

/** Teams workflow webhook message with an Adaptive Card (adaptivecards.io schema, 1.5). */
export function teamsProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body) || body.type !== 'message') return ['type must be "message"'];
  const [attachment] = Array.isArray(body.attachments) ? (body.attachments as unknown[]) : [];
  if (!isObject(attachment)) return ['attachments[0] missing'];
  if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive')
    problems.push('contentType');
  const card = attachment.content;
  if (!isObject(card)) return [...problems, 'content missing'];
  if (card.type !== 'AdaptiveCard') problems.push('card type');
  if (typeof card.version !== 'string') problems.push('card version');
  if (!Array.isArray(card.body) || card.body.length === 0) problems.push('card body');
  for (const [i, el] of (Array.isArray(card.body) ? (card.body as unknown[]) : []).entries()) {
    if (!isObject(el)) problems.push(`body[${i}]`);
    else if (el.type === 'TextBlock' && typeof el.text !== 'string')
      problems.push(`body[${i}] TextBlock needs text`);
    else if (el.type === 'FactSet') {
      const facts = Array.isArray(el.facts) ? (el.facts as unknown[]) : [];
      if (
        facts.some(
          (f) => !isObject(f) || typeof f.title !== 'string' || typeof f.value !== 'string',
        )
      )
        problems.push(`body[${i}] FactSet facts need title and value`);
    } else if (el.type !== 'TextBlock' && el.type !== 'FactSet') problems.push(`body[${i}] type`);
  }
  for (const a of Array.isArray(card.actions) ? (card.actions as unknown[]) : [])
    if (!isObject(a) || a.type !== 'Action.OpenUrl' || typeof a.url !== 'string')
      problems.push('actions need Action.OpenUrl with url');
  return problems;
}

/** PagerDuty Events API v2 (developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event). */
export function pagerdutyProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['body'];
  if (typeof body.routing_key !== 'string' || body.routing_key.length === 0)
    problems.push('routing_key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(body.event_action)))
    problems.push('event_action');
  if (body.event_action !== 'trigger') {
    if (typeof body.dedup_key !== 'string') problems.push('dedup_key required to resolve');
    return problems;
  }
  if (typeof body.dedup_key === 'string' && body.dedup_key.length > 255) problems.push('dedup_key');
  const p = body.payload;
  if (!isObject(p)) return [...problems, 'payload'];
  if (typeof p.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1024)
    problems.push('payload.summary');
  if (typeof p.source !== 'string' || p.source.length === 0) problems.push('payload.source');
  if (!['critical', 'error', 'warning', 'info'].includes(String(p.severity)))
    problems.push('payload.severity');
  return problems;
}

/** Verifies `X-Ripcord-Signature-256` the way a receiver would, with a constant-time compare. */
export function webhookSignatureValid(body: string, header: unknown, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
