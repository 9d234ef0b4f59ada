/**
 * notify(): route an event to the policy's channels, skip what this incident already got,
 * deliver with retries, and record every delivery and failure on the incident issue. It never
 * throws for a channel that fails: the report says which failed and which of those were
 * `required`, and the caller decides whether its step fails.
 */
import { redactSecrets, resolveSecrets } from '../policy/secrets.ts';
import { readBodyCapped } from '../shared/fetch-with-retry.ts';
import {
  DEFAULT_SEVERITY,
  type NotifyEvent,
  type NotifySeverity,
  type NotifyValues,
} from './templates.ts';
import type { EmailChannel, NotifyChannel, NotifyPolicy } from '../policy/schema-notify.ts';
import type { IncidentStore } from '../incident/store.ts';
import type { Logger } from '../shared/logger.ts';
import { toError } from '../shared/errors.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import {
  alreadySent,
  emptyLog,
  issueMessage,
  notificationMarker,
  type NotificationHistory,
  type NotificationLog,
} from './channels/issue-comment.ts';
import { emailMessage, sendEmail } from './channels/email.ts';
import { buildPagerDuty } from './channels/pagerduty.ts';
import { buildSlack } from './channels/slack.ts';
import { buildTeams } from './channels/teams.ts';
import { buildWebhook } from './channels/webhook.ts';
import type { Built, HttpDelivery, Link, Notification, Prepared } from './types.ts';

export type { Notification } from './types.ts';
export { alreadySent, markSent, type NotificationLog } from './channels/issue-comment.ts';

export interface NotifyDeps {
  policy: NotifyPolicy;
  /** Where `${NAME}` secrets are read from. */
  env: Record<string, string | undefined>;
  /** Writes the incident comment (IncidentStore.comment); null: no incident record. */
  incidents: Pick<IncidentStore, 'comment'> | null;
  /** Reads what was already sent for an incident; null: no deduplication across runs. */
  history: NotificationHistory | null;
  logger: Logger;
  /** Masks a resolved secret in the logs (ActionIO.setSecret). */
  mask: (secret: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  fetch?: typeof fetch;
  /** Per request; 10 s by default. */
  timeoutMs?: number;
}

export type ChannelResult = 'sent' | 'duplicate' | 'skipped' | 'failed';

export interface ChannelOutcome {
  channel: string;
  type: NotifyChannel['type'];
  result: ChannelResult;
  attempts: number;
  required: boolean;
  key: string;
  /** Why it was skipped or failed; never holds a secret. */
  detail?: string;
}

export interface NotifyReport {
  event: NotifyEvent;
  severity: NotifySeverity;
  outcomes: ChannelOutcome[];
  failed: ChannelOutcome[];
  /** Failed channels marked `required: true`: the caller's step should fail. */
  requiredFailed: ChannelOutcome[];
  /** Whether the incident comment (record and dedup markers) was written. */
  recorded: boolean;
}

/** The channels every route matching this event and severity names, each once, in order. */
export function routeChannels(
  policy: NotifyPolicy,
  event: NotifyEvent,
  severity: NotifySeverity,
): string[] {
  const names: string[] = [];
  for (const route of policy.routes) {
    if (route.events !== '*' && !route.events.includes(event)) continue;
    if (route.severity && !route.severity.includes(severity)) continue;
    for (const name of route.channels) if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * `<event>:<incident>:<channel>`, plus the stage for recovery.stage (each stage is news) and
 * the trigger for a warning (each trigger is news). Safe inside an HTML comment.
 */
export function dedupKey(
  event: NotifyEvent,
  incident: number | null,
  channel: string,
  values: NotifyValues,
): string {
  const extra =
    event === 'recovery.stage' ? values.stage : event === 'warning' ? values.trigger : undefined;
  const parts = [event, incident === null ? 'none' : String(incident), channel];
  if (extra) parts.push(extra);
  return parts.map((p) => p.replace(/[^A-Za-z0-9_.%-]+/g, '_').replace(/-{2,}/g, '-')).join(':');
}

function linksOf(values: NotifyValues, incident: Prepared['incident']): Link[] {
  const links: Link[] = [];
  if (values.run_url) links.push({ label: 'Workflow run', url: values.run_url });
  if (incident) links.push({ label: `Incident #${incident.number}`, url: incident.url });
  if (values.deployment_url) links.push({ label: 'Deployment', url: values.deployment_url });
  return links;
}

function redact(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets);
}

function describeError(thrown: unknown): string {
  const error = toError(thrown);
  const cause = (error as { cause?: unknown }).cause;
  if (error.name === 'TimeoutError') return 'timed out';
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${error.message}: ${typeof code === 'string' ? code : cause.message}`;
  }
  return error.message;
}

const RETRY_AFTER_MAX_MS = 60_000;

interface Delivered {
  ok: boolean;
  attempts: number;
  detail: string;
}

async function deliver(
  request: HttpDelivery,
  channel: string,
  secrets: readonly string[],
  policy: NotifyPolicy,
  deps: NotifyDeps,
): Promise<Delivered> {
  const doFetch = deps.fetch ?? fetch;
  let detail: string;
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs = 0;
    try {
      const res = await doFetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        // A webhook URL or routing key is the secret: a redirect elsewhere is a failure.
        redirect: 'manual',
      });
      const text = await readBodyCapped(res, 64 * 1024).catch(() => '');
      if (res.ok) return { ok: true, attempts: attempt, detail: `HTTP ${res.status}` };
      detail = `HTTP ${res.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`;
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      if (!retryable) return { ok: false, attempts: attempt, detail: redact(detail, secrets) };
      const after = Number(res.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0)
        retryAfterMs = Math.min(after * 1000, RETRY_AFTER_MAX_MS);
    } catch (thrown) {
      detail = describeError(thrown);
    }
    detail = redact(detail, secrets);
    if (attempt > policy.retries) return { ok: false, attempts: attempt, detail };
    const wait = Math.max(policy.backoff * 2 ** (attempt - 1), retryAfterMs);
    deps.logger.info(
      `Notification to ${channel}: attempt ${attempt} failed (${detail}); retrying in ${wait} ms`,
    );
    await deps.sleep(wait);
  }
}

/** Email's delivery: the same retries and backoff as HTTP, with SMTP's temporary/permanent split. */
async function deliverEmail(
  channel: EmailChannel,
  prepared: Prepared,
  name: string,
  secrets: readonly string[],
  policy: NotifyPolicy,
  deps: NotifyDeps,
): Promise<Delivered> {
  const mail = emailMessage(prepared);
  for (let attempt = 1; ; attempt++) {
    const result = await sendEmail(channel, mail);
    const detail = redact(result.detail, secrets);
    if (result.ok) return { ok: true, attempts: attempt, detail };
    if (!result.retryable || attempt > policy.retries)
      return { ok: false, attempts: attempt, detail };
    const wait = policy.backoff * 2 ** (attempt - 1);
    deps.logger.info(
      `Notification to ${name}: attempt ${attempt} failed (${detail}); retrying in ${wait} ms`,
    );
    await deps.sleep(wait);
  }
}

function build(
  channel: Exclude<NotifyChannel, { type: 'issue' | 'email' }>,
  prepared: Prepared,
  sentAt: string,
): Built {
  switch (channel.type) {
    case 'slack':
      return buildSlack(prepared, channel.url);
    case 'teams':
      return buildTeams(prepared, channel.url);
    case 'pagerduty':
      return buildPagerDuty(prepared, channel.routing_key, channel.url);
    case 'webhook':
      return buildWebhook(prepared, channel.url, channel.secret, sentAt);
  }
}

/** Sends one notification to every routed channel; see the file comment. */
export async function notify(n: Notification, deps: NotifyDeps): Promise<NotifyReport> {
  const severity = n.severity ?? DEFAULT_SEVERITY[n.event];
  const incident = n.incident ?? null;
  const values: NotifyValues = {
    event: n.event,
    severity,
    environment: n.environment,
    repository: n.repository,
    ...(incident ? { incident: `#${incident.number}`, incident_url: incident.url } : {}),
    ...n.values,
  };
  const names = routeChannels(deps.policy, n.event, severity);
  const report: NotifyReport = {
    event: n.event,
    severity,
    outcomes: [],
    failed: [],
    requiredFailed: [],
    recorded: false,
  };
  if (names.length === 0) {
    deps.logger.info(`No notify route matches ${n.event} (${severity}); nothing to send.`);
    return report;
  }

  let log: NotificationLog = emptyLog();
  if (incident && deps.history) {
    try {
      log = await deps.history.read(incident.number);
    } catch (thrown) {
      // Sending twice is better than not at all: go on without the log, and say so.
      deps.logger.warning(
        `Could not read which notifications incident #${incident.number} already got (${toError(thrown).message}); duplicates are possible.`,
      );
    }
  }

  const sentAt = new Date(deps.now()).toISOString();
  const links = linksOf(values, incident);
  const issueParts: { name: string; prepared: Prepared; outcome: ChannelOutcome }[] = [];

  const outcomes = await Promise.all(
    names.map(async (name): Promise<ChannelOutcome> => {
      const channel = deps.policy.channels[name];
      const key = dedupKey(n.event, incident?.number ?? null, name, values);
      if (!channel) {
        // The schema rejects routes to unknown channels; this guards a hand-built policy.
        return {
          channel: name,
          type: 'webhook',
          result: 'failed',
          attempts: 0,
          required: false,
          key,
          detail: `no channel "${name}" in notify.channels`,
        };
      }
      const base = { channel: name, type: channel.type, required: channel.required, key };
      if (incident && alreadySent(log, key)) {
        return {
          ...base,
          result: 'duplicate',
          attempts: 0,
          detail: `already sent (${log.sent[key]?.at ?? 'earlier'})`,
        };
      }
      const prepared: Prepared = {
        event: n.event,
        severity,
        environment: n.environment,
        repository: n.repository,
        incident,
        values,
        links,
        key,
        template: channel.template,
      };
      if (channel.type === 'issue') {
        if (!incident || !deps.incidents)
          return {
            ...base,
            result: 'skipped',
            attempts: 0,
            detail: 'no incident issue to comment on',
          };
        const outcome: ChannelOutcome = { ...base, result: 'sent', attempts: 1 };
        issueParts.push({ name, prepared, outcome });
        return outcome;
      }
      let resolved: Exclude<NotifyChannel, { type: 'issue' }>;
      let secrets: string[];
      try {
        const r = resolveSecrets(channel, deps.env, `notify.channels.${name}`);
        resolved = r.value;
        secrets = r.secrets;
      } catch (thrown) {
        return {
          ...base,
          result: 'failed',
          attempts: 0,
          detail: toError(thrown).message.replace(/\s*\n\s*/g, '; '),
        };
      }
      for (const s of secrets) deps.mask(s);
      let d: Delivered;
      if (resolved.type === 'email') {
        d = await deliverEmail(resolved, prepared, name, secrets, deps.policy, deps);
      } else {
        const built = build(resolved, prepared, sentAt);
        if ('skip' in built) return { ...base, result: 'skipped', attempts: 0, detail: built.skip };
        d = await deliver(built.request, name, secrets, deps.policy, deps);
      }
      return d.ok
        ? { ...base, result: 'sent', attempts: d.attempts }
        : {
            ...base,
            result: 'failed',
            attempts: d.attempts,
            detail: `${d.detail} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
          };
    }),
  );
  report.outcomes = outcomes;

  const news = outcomes.filter((o) => o.result === 'sent' || o.result === 'failed');
  if (incident && deps.incidents && news.length > 0) {
    const body = recordComment(
      n.event,
      severity,
      outcomes,
      issueParts.map((p) => issueMessage(p.prepared)),
      sentAt,
    );
    try {
      await deps.incidents.comment(incident.number, body);
      report.recorded = true;
    } catch (thrown) {
      const why = toError(thrown).message;
      for (const part of issueParts) {
        part.outcome.result = 'failed';
        part.outcome.detail = `could not comment on #${incident.number}: ${why}`;
      }
      deps.logger.warning(
        `Could not record the notifications on incident #${incident.number} (${why}); a later run may send them again.`,
      );
    }
  }

  for (const o of outcomes) {
    const what = `${o.channel} (${o.type}) ${n.event}`;
    if (o.result === 'sent')
      deps.logger.info(`Notified ${what}${o.attempts > 1 ? ` after ${o.attempts} attempts` : ''}`);
    else if (o.result === 'failed')
      deps.logger.warning(
        `Notification ${what} failed${o.required ? ' (required channel)' : ''}: ${o.detail ?? ''}`,
      );
    else deps.logger.info(`Notification ${what} ${o.result}: ${o.detail ?? ''}`);
  }
  report.failed = outcomes.filter((o) => o.result === 'failed');
  report.requiredFailed = report.failed.filter((o) => o.required);
  return report;
}

const RESULT_WORD: Record<ChannelResult, string> = {
  sent: '✅ sent',
  duplicate: '⏭️ already sent',
  skipped: '➖ skipped',
  failed: '❌ failed',
};

function outcomeLine(o: ChannelOutcome): string {
  const detail = o.detail ? `: ${escapeMarkdown(o.detail)}` : '';
  return `- \`${o.channel}\` (${o.type}) ${RESULT_WORD[o.result]}${o.required && o.result === 'failed' ? ' (required)' : ''}${detail}`;
}

/** The incident comment: the issue message (if routed), what went where, and the dedup markers. */
function recordComment(
  event: NotifyEvent,
  severity: NotifySeverity,
  outcomes: readonly ChannelOutcome[],
  messages: readonly string[],
  at: string,
): string {
  const lines = [...messages];
  const others = outcomes.filter((o) => o.type !== 'issue' || o.result !== 'sent');
  if (others.length > 0) {
    lines.push(
      `**Notifications** for \`${event}\` (${severity}):`,
      '',
      ...others.map(outcomeLine),
      '',
    );
  }
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length > 0)
    lines.push(
      `> [!WARNING]\n> Not delivered: ${failed.map((o) => `\`${o.channel}\``).join(', ')}. Fix the channel (URL, key, receiver) and re-run the notify step; channels already notified are skipped.`,
      '',
    );
  for (const o of outcomes)
    if (o.result === 'sent') lines.push(notificationMarker(o.key, { channel: o.channel, at }));
  return lines.join('\n').trimEnd() + '\n';
}

/** A job-summary section for a report: one row per channel. */
export function renderNotifySummary(report: NotifyReport): string {
  const lines = [`### Notifications: \`${report.event}\` (${report.severity})`, ''];
  if (report.outcomes.length === 0)
    return [...lines, 'No route matches this event.', ''].join('\n');
  lines.push('| Channel | Type | Result | Attempts | Detail |', '| --- | --- | --- | --- | --- |');
  for (const o of report.outcomes)
    lines.push(
      `| ${escapeMarkdown(o.channel)} | ${o.type} | ${RESULT_WORD[o.result]}${o.required && o.result === 'failed' ? ' (required)' : ''} | ${o.attempts} | ${escapeMarkdown(o.detail ?? '')} |`,
    );
  if (report.failed.length > 0 && !report.recorded)
    lines.push(
      '',
      'The failures could not be recorded on an incident issue; this summary is their record.',
    );
  return lines.join('\n') + '\n';
}
