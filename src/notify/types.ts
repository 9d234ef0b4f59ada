/** What the channel builders share: one notification, prepared for one channel. */
import type { NotifyEvent, NotifySeverity, NotifyValues, TemplateOverride } from './templates.ts';

/** What rollback, verify and recovery code hands to notify(). */
export interface Notification {
  event: NotifyEvent;
  /** Defaults to the event's own (DEFAULT_SEVERITY): rollback.started is critical, and so on. */
  severity?: NotifySeverity | undefined;
  environment: string;
  /** owner/name */
  repository: string;
  /** The incident issue; null when there is none (no deduplication, no issue comment then). */
  incident?: { number: number; url: string } | null | undefined;
  /** Placeholder values: reason, trigger, value, from, to, strategy, stage, run_url... */
  values?: NotifyValues | undefined;
}

export interface Link {
  label: string;
  url: string;
}

/** A notification made ready for one channel: complete values, severity, dedup key, links. */
export interface Prepared {
  event: NotifyEvent;
  severity: NotifySeverity;
  environment: string;
  repository: string;
  incident: { number: number; url: string } | null;
  values: NotifyValues;
  links: Link[];
  /** `<event>:<incident>:<channel>[:<stage or trigger>]`. */
  key: string;
  template?: Partial<Record<NotifyEvent | 'default', TemplateOverride | undefined>> | undefined;
}

export interface HttpDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A builder's answer: send this, or why this channel does not take this event. */
export type Built = { request: HttpDelivery } | { skip: string };

/** Only http(s) links, and none that could close Slack's `<url|text>` or a Markdown link. */
export function safeUrl(url: string | undefined): string | null {
  if (!url || !/^https?:\/\/[^\s<>|()[\]"]+$/.test(url)) return null;
  return url;
}

/** Cuts to `max` characters (code points), marking the cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
