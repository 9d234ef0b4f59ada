/**
 * PagerDuty Events API v2: a critical event triggers an alert, recovery.completed resolves it.
 * Both use the incident's dedup_key, so every critical event of one incident updates the same
 * PagerDuty alert instead of paging again, and the resolve closes that alert.
 */
import { renderMessage } from '../templates.ts';
import { safeUrl, truncate, type Built, type Prepared } from '../types.ts';

/** PagerDuty's limit on payload.summary. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

/** One alert per incident: `ripcord-<owner>-<repo>-<environment>-<incident>`. */
export function pagerdutyDedupKey(p: Pick<Prepared, 'repository' | 'environment' | 'incident'>) {
  const incident = p.incident ? String(p.incident.number) : 'none';
  return truncate(`ripcord-${p.repository.replace('/', '-')}-${p.environment}-${incident}`, 255);
}

export type PagerDutyEvent =
  | {
      routing_key: string;
      event_action: 'trigger';
      dedup_key: string;
      payload: {
        summary: string;
        source: string;
        severity: 'critical' | 'error' | 'warning' | 'info';
        component?: string;
        group: string;
        class: string;
        custom_details: Record<string, string>;
      };
      client: string;
      client_url?: string;
      links: { href: string; text: string }[];
    }
  | { routing_key: string; event_action: 'resolve'; dedup_key: string };

export function pagerdutyEvent(p: Prepared, routingKey: string): PagerDutyEvent | { skip: string } {
  const dedupKey = pagerdutyDedupKey(p);
  if (p.event === 'recovery.completed')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  if (p.severity !== 'critical')
    return {
      skip: `PagerDuty pages only for critical events and resolves on recovery.completed; ${p.event} is ${p.severity}`,
    };
  const msg = renderMessage(p.event, p.values, 'raw', p.template);
  const reason = p.values.reason ? `: ${p.values.reason}` : '';
  const runUrl = safeUrl(p.values.run_url);
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.values)) if (v) details[k] = v;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(`${msg.title}${reason}`.replace(/\s+/g, ' '), PAGERDUTY_SUMMARY_MAX),
      source: `${p.repository}/${p.environment}`,
      severity: 'critical',
      ...(p.values.feature ? { component: p.values.feature } : {}),
      group: p.environment,
      class: p.event,
      custom_details: details,
    },
    client: 'Ripcord',
    ...(runUrl ? { client_url: runUrl } : {}),
    links: p.links
      .map((l) => ({ text: l.label, href: safeUrl(l.url) }))
      .filter((l): l is { text: string; href: string } => l.href !== null),
  };
}

export function buildPagerDuty(p: Prepared, routingKey: string, baseUrl: string): Built {
  const event = pagerdutyEvent(p, routingKey);
  if ('skip' in event) return event;
  return {
    request: {
      url: `${baseUrl.replace(/\/+$/, '')}/v2/enqueue`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    },
  };
}
