/**
 * Email over SMTP with nodemailer (seeds 000 and 003 name email as a channel). The message is
 * the same rendering as every other channel, in the `plain` format: values escaped so an `@`
 * in a reason cannot become a mention when the mail is forwarded to chat, and one line each so
 * a value cannot fake a new fact. The subject is the title on one line (nodemailer encodes
 * headers; a CR or LF never reaches one).
 *
 * Retries follow SMTP's own meaning: a 4xx reply or a connection failure is temporary and is
 * retried, a 5xx reply (unknown recipient, relay denied, bad login) is permanent and is not.
 * `tls: starttls` makes nodemailer refuse to send when the server does not offer STARTTLS, so a
 * password never crosses the network in clear text by accident.
 */
import nodemailer from 'nodemailer';
import { renderMessage } from '../templates.ts';
import type { EmailChannel } from '../../policy/schema-notify.ts';
import { safeUrl, type Prepared } from '../types.ts';

export interface MailDelivery {
  subject: string;
  text: string;
}

export function emailMessage(p: Prepared): MailDelivery {
  const msg = renderMessage(p.event, p.values, 'plain', p.template);
  const lines = [msg.text, ''];
  for (const f of msg.facts) lines.push(`${f.label}: ${f.value}`);
  const links = p.links
    .map((l) => ({ label: l.label, url: safeUrl(l.url) }))
    .filter((l) => l.url !== null);
  if (links.length > 0) lines.push('', ...links.map((l) => `${l.label}: ${l.url ?? ''}`));
  lines.push('', `${p.event} · ${p.severity} · ${p.key}`);
  return {
    subject: `[${p.severity}] ${msg.title}`.replace(/[\r\n]+/g, ' '),
    text: `${lines.join('\n').replace(/^\n+/, '')}\n`,
  };
}

export interface MailResult {
  ok: boolean;
  /** Permanent failures (SMTP 5xx) are not retried. */
  retryable: boolean;
  detail: string;
}

export async function sendEmail(channel: EmailChannel, mail: MailDelivery): Promise<MailResult> {
  const transport = nodemailer.createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.tls === 'implicit',
    requireTLS: channel.tls === 'starttls',
    ignoreTLS: channel.tls === 'none',
    ...(channel.username !== undefined
      ? { auth: { user: channel.username, pass: channel.password ?? '' } }
      : {}),
    connectionTimeout: channel.timeout,
    greetingTimeout: channel.timeout,
    socketTimeout: channel.timeout,
  });
  try {
    const info = (await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: mail.subject,
      text: mail.text,
    })) as {
      response?: string;
      accepted?: unknown[];
      rejected?: unknown[];
      rejectedErrors?: { responseCode?: number; response?: string }[];
    };
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) {
      // Some recipients got it: a retry would mail them twice, so this is final and says who.
      const why = (info.rejectedErrors ?? [])
        .map((e) => e.response ?? String(e.responseCode ?? ''))
        .join('; ');
      const accepted = (info.accepted ?? []).map(String);
      return {
        ok: false,
        retryable: false,
        detail: `SMTP rejected ${rejected.map(String).join(', ')}${why ? ` (${why.replace(/\s+/g, ' ')})` : ''}${accepted.length > 0 ? `; delivered to ${accepted.join(', ')}` : ''}`,
      };
    }
    return { ok: true, retryable: false, detail: info.response ?? 'accepted' };
  } catch (thrown) {
    const error = thrown as { message?: string; responseCode?: number; code?: string };
    const code = error.responseCode;
    const detail = `${code !== undefined ? `SMTP ${code}` : (error.code ?? 'SMTP error')}: ${String(error.message ?? thrown).replace(/\s+/g, ' ')}`;
    return { ok: false, retryable: code === undefined || code < 500, detail };
  } finally {
    transport.close();
  }
}
