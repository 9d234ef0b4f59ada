/**
 * Notification events, the built-in templates a runbook would carry, `{{placeholder}}`
 * rendering, and escaping for each channel's text format. Pure: no I/O, no clock.
 *
 * Every value that reaches a channel (a reason typed by a person, a metric label, a trigger
 * name) goes through the channel's escaper, so it cannot ping `@channel`, mention a team or
 * inject links and markup. Templates themselves are the policy author's text and are not escaped.
 */
import { escapeMarkdown } from '../shared/markdown.ts';

export const NOTIFY_EVENTS = [
  'rollback.started',
  'rollback.completed',
  'rollback.failed',
  'verify.failed',
  'recovery.started',
  'recovery.stage',
  'recovery.completed',
  'recovery.aborted',
  'warning',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const NOTIFY_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type NotifySeverity = (typeof NOTIFY_SEVERITIES)[number];

/** What an event means when the caller does not say: critical pages, info only informs. */
export const DEFAULT_SEVERITY: Record<NotifyEvent, NotifySeverity> = {
  'rollback.started': 'critical',
  'rollback.completed': 'warning',
  'rollback.failed': 'critical',
  'verify.failed': 'critical',
  'recovery.started': 'info',
  'recovery.stage': 'info',
  'recovery.completed': 'info',
  'recovery.aborted': 'critical',
  warning: 'warning',
};

export function isNotifyEvent(value: string): value is NotifyEvent {
  return (NOTIFY_EVENTS as readonly string[]).includes(value);
}

export function isNotifySeverity(value: string): value is NotifySeverity {
  return (NOTIFY_SEVERITIES as readonly string[]).includes(value);
}

/** Every name a template may use as `{{name}}`; anything else is a policy error. */
export const PLACEHOLDERS = [
  'event',
  'severity',
  'repository',
  'environment',
  'feature',
  'reason',
  'trigger',
  'value',
  'threshold',
  'impact',
  'strategy',
  'status',
  'from',
  'to',
  'stage',
  'next_steps',
  'next_update',
  'actor',
  'incident',
  'incident_url',
  'run_url',
  'deployment_url',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type NotifyValues = Partial<Record<Placeholder, string>>;

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** `{{ name }}`; the name part is loose on purpose so typos are caught and reported, not left as text. */
const PLACEHOLDER_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders in `template` that do not exist, each once, in order of appearance. */
export function unknownPlaceholders(template: string): string[] {
  const unknown: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] ?? '';
    if (!isPlaceholder(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

/** The text formats values are escaped for. */
/** `raw` is for JSON consumers (webhooks), which receive values exactly as they are. */
export type TextFormat = 'slack' | 'teams' | 'markdown' | 'plain' | 'raw';

/**
 * Slack mrkdwn: `&`, `<`, `>` are the control characters Slack documents (`<!channel>`,
 * `<@U123>`, `<url|text>` all need `<`); `@` gets a zero-width space so a plain `@here` cannot
 * resolve either when a workspace has link_names on; newlines would let a value fake a new field.
 */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u200b')
    .replace(/[*_~`]/g, (c) => `\u200b${c}\u200b`)
    .replace(/\r?\n/g, ' ');
}

/**
 * Adaptive Card TextBlock markdown (a CommonMark subset): backslash-escape what could make a
 * link, emphasis or a list, and break `<at>` so it cannot become a mention even if a card later
 * gains `msteams.entities` (Ripcord never sends entities, so Teams has nobody to resolve anyway).
 */
export function escapeTeams(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/</g, '\u2039')
    .replace(/>/g, '\u203a')
    .replace(/@/g, '@\u200b')
    .replace(/\r?\n/g, ' ');
}

/** For plain text that is still shown to people (Slack header, fallback): no pings, one line. */
export function escapePlain(text: string): string {
  return text.replace(/@/g, '@\u200b').replace(/\r?\n/g, ' ');
}

export const ESCAPERS: Record<TextFormat, (text: string) => string> = {
  slack: escapeSlack,
  teams: escapeTeams,
  markdown: escapeMarkdown,
  plain: escapePlain,
  raw: (text) => text,
};

/**
 * Fills `{{name}}` with the escaped value. A line whose placeholders are all empty is dropped,
 * so "Trigger: {{trigger}}" disappears when nothing triggered instead of reading "Trigger: ".
 * Unknown names never reach here (the policy schema rejects them); they render as nothing.
 */
export function renderTemplate(
  template: string,
  values: NotifyValues,
  escape: (text: string) => string,
): string {
  const out: string[] = [];
  for (const line of template.split('\n')) {
    let used = 0;
    let filled = 0;
    const rendered = line.replace(PLACEHOLDER_PATTERN, (_whole, name: string) => {
      used++;
      const value = isPlaceholder(name) ? (values[name] ?? '') : '';
      if (value !== '') filled++;
      return escape(value);
    });
    if (used === 0 || filled > 0) out.push(rendered);
  }
  return out.join('\n').trim();
}

/** A channel's override of the built-in template for one event (or for all: `default`). */
export interface TemplateOverride {
  title?: string | undefined;
  text?: string | undefined;
}

/** A built-in template: a title, one sentence, and labelled facts as a runbook lists them. */
export interface BuiltinTemplate {
  title: string;
  text: string;
  facts: readonly (readonly [label: string, template: string])[];
}

const COMMON_FACTS = [
  ['Feature', '{{feature}}'],
  ['Environment', '{{environment}}'],
  ['Reason', '{{reason}}'],
  ['Trigger', '{{trigger}} {{value}}'],
  ['Threshold', '{{threshold}}'],
  ['Impact', '{{impact}}'],
  ['Strategy', '{{strategy}}'],
  ['Status', '{{status}}'],
  ['Version', '{{from}} → {{to}}'],
  ['Stage', '{{stage}}'],
  ['Next steps', '{{next_steps}}'],
  ['Next update', '{{next_update}}'],
] as const;

export const BUILTIN_TEMPLATES: Record<NotifyEvent, BuiltinTemplate> = {
  'rollback.started': {
    title: 'Rolling back {{environment}}',
    text: 'Ripcord is rolling back {{environment}}.',
    facts: COMMON_FACTS,
  },
  'rollback.completed': {
    title: 'Rolled back {{environment}}',
    text: '{{environment}} was rolled back to a known-good version.',
    facts: COMMON_FACTS,
  },
  'rollback.failed': {
    title: 'Rollback of {{environment}} failed',
    text: 'Ripcord could not roll back {{environment}}: act now.',
    facts: COMMON_FACTS,
  },
  'verify.failed': {
    title: 'Verification of {{environment}} failed',
    text: 'The checks after the rollback of {{environment}} failed.',
    facts: COMMON_FACTS,
  },
  'recovery.started': {
    title: 'Recovery of {{environment}} started',
    text: 'Ripcord is bringing the change back to {{environment}} in stages.',
    facts: COMMON_FACTS,
  },
  'recovery.stage': {
    title: 'Recovery of {{environment}}: stage {{stage}}',
    text: '{{environment}} moved to stage {{stage}}.',
    facts: COMMON_FACTS,
  },
  'recovery.completed': {
    title: 'Recovered {{environment}}',
    text: '{{environment}} is fully recovered; the incident can be closed.',
    facts: COMMON_FACTS,
  },
  'recovery.aborted': {
    title: 'Recovery of {{environment}} aborted',
    text: 'The recovery of {{environment}} was stopped and rolled back again.',
    facts: COMMON_FACTS,
  },
  warning: {
    title: 'Warning on {{environment}}',
    text: '{{reason}}',
    facts: COMMON_FACTS.filter(([label]) => label !== 'Reason'),
  },
};

/** What to do next, when the caller does not say: the runbook's line for each event. */
export const DEFAULT_NEXT_STEPS: Record<NotifyEvent, string> = {
  'rollback.started': 'Watch the run; Ripcord verifies the rollback when it is done.',
  'rollback.completed': 'Find the cause in the incident; staged recovery brings the change back.',
  'rollback.failed': 'Roll back by hand now (see the run for the failed step), then re-run.',
  'verify.failed': 'Check the service by hand; consider an older version or a full rollback.',
  'recovery.started': 'Nothing to do unless a stage needs approval.',
  'recovery.stage': 'Nothing to do unless the next stage needs approval.',
  'recovery.completed': 'Write the incident report and close the incident.',
  'recovery.aborted': 'Find why the stage regressed before trying again.',
  warning: 'Look at the trigger; nothing was rolled back.',
};

export interface RenderedMessage {
  title: string;
  /** The sentence (or the whole override text). */
  text: string;
  /** Label and escaped value, empty ones left out; none when an override replaced the text. */
  facts: { label: string; value: string }[];
}

/**
 * The message of `event` for one channel format: the built-in template, with the channel's
 * override (for this event, else its `default`) replacing the title and/or the text. An
 * overridden text replaces the facts too, so the author controls the whole body.
 */
export function renderMessage(
  event: NotifyEvent,
  values: NotifyValues,
  format: TextFormat,
  overrides?: Partial<Record<NotifyEvent | 'default', TemplateOverride | undefined>>,
): RenderedMessage {
  const escape = ESCAPERS[format];
  const builtin = BUILTIN_TEMPLATES[event];
  // Field by field, so an event's text override still gets the default title override.
  const override: TemplateOverride = {
    title: overrides?.[event]?.title ?? overrides?.default?.title,
    text: overrides?.[event]?.text ?? overrides?.default?.text,
  };
  const filled: NotifyValues = {
    event,
    next_steps: DEFAULT_NEXT_STEPS[event],
    ...values,
  };
  const title =
    renderTemplate(override.title ?? builtin.title, filled, escape) ||
    `${event} ${escape(values.environment ?? '')}`.trim();
  if (override.text !== undefined) {
    return { title, text: renderTemplate(override.text, filled, escape), facts: [] };
  }
  const facts = builtin.facts
    .map(([label, template]) => ({ label, value: renderTemplate(template, filled, escape) }))
    .filter((f) => f.value !== '');
  return { title, text: renderTemplate(builtin.text, filled, escape), facts };
}
