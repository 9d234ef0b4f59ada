/**
 * A generic JSON webhook. Values go out raw (JSON needs no escaping; the receiver decides how
 * to show them). With a secret the body is signed the way GitHub signs its webhooks, so
 * receivers can reuse their verification code: `X-Ripcord-Signature-256: sha256=<hex>`.
 */
import { createHmac } from 'node:crypto';
import { renderMessage } from '../templates.ts';
import type { Built, Prepared } from '../types.ts';

export const WEBHOOK_PAYLOAD_VERSION = 1;

export function webhookPayload(p: Prepared, sentAt: string) {
  const msg = renderMessage(p.event, p.values, 'raw', p.template);
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    event: p.event,
    severity: p.severity,
    environment: p.environment,
    repository: p.repository,
    incident: p.incident,
    title: msg.title,
    text: msg.text,
    facts: msg.facts,
    values: p.values,
    links: p.links,
    key: p.key,
    sent_at: sentAt,
  };
}

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function buildWebhook(
  p: Prepared,
  url: string,
  secret: string | undefined,
  sentAt: string,
): Built {
  const body = JSON.stringify(webhookPayload(p, sentAt));
  return {
    request: {
      url,
      headers: {
        'content-type': 'application/json',
        'x-ripcord-event': p.event,
        'x-ripcord-delivery': p.key,
        ...(secret ? { 'x-ripcord-signature-256': signature(body, secret) } : {}),
      },
      body,
    },
  };
}
