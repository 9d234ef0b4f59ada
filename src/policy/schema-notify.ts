/**
 * The `notify` part of the policy: named channels (Slack, Teams, PagerDuty, webhook, email,
 * the incident issue), routes from events and severities to channels, templates per channel,
 * and delivery retries. Every URL or key that grants access is a `${SECRET}` reference.
 */
import { z } from 'zod';
import {
  NOTIFY_EVENTS,
  NOTIFY_SEVERITIES,
  PLACEHOLDERS,
  unknownPlaceholders,
} from '../notify/templates.ts';
import { didYouMean } from '../shared/did-you-mean.ts';
import { entryName, httpUrl, secretRef, timerDuration, waitDuration } from './schema-primitives.ts';

/** Template text: `{{name}}` must be a known placeholder, so a typo fails validation, not a page. */
const templateText = z
  .string()
  .meta({
    description: `Text with {{placeholders}}: ${PLACEHOLDERS.join(', ')}. Values are escaped for the channel.`,
  })
  .superRefine((text, ctx) => {
    for (const name of unknownPlaceholders(text)) {
      const hint = didYouMean(name, PLACEHOLDERS);
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {{${name}}}${hint ? ` (did you mean {{${hint}}}?)` : ''}; known placeholders are ${PLACEHOLDERS.join(', ')}`,
      });
    }
  });

const templateOverride = z.strictObject({
  title: templateText.optional(),
  text: templateText.optional().meta({
    description: 'Replaces the built-in sentence and its facts (reason, trigger, versions...).',
  }),
});

const templateKeys = ['default', ...NOTIFY_EVENTS] as const;
const templateSchema = z
  .strictObject(
    Object.fromEntries(templateKeys.map((k) => [k, templateOverride.optional()])) as Record<
      (typeof templateKeys)[number],
      z.ZodOptional<typeof templateOverride>
    >,
  )
  .meta({
    description:
      'Overrides of the built-in templates, per event or for every event (default): title and/or text.',
  });

const channelCommon = {
  required: z.boolean().default(false).meta({
    description:
      'When true a delivery that still fails after the retries fails the step; otherwise it warns.',
  }),
  template: templateSchema.optional(),
};

const slackChannel = z.strictObject({
  type: z.literal('slack'),
  url: secretRef.meta({ description: 'Slack incoming webhook URL, as ${NAME}.' }),
  ...channelCommon,
});

const teamsChannel = z.strictObject({
  type: z.literal('teams'),
  url: secretRef.meta({
    description: 'Microsoft Teams workflow webhook URL (Adaptive Card), as ${NAME}.',
  }),
  ...channelCommon,
});

const pagerdutyChannel = z.strictObject({
  type: z.literal('pagerduty'),
  routing_key: secretRef.meta({
    description: 'PagerDuty Events API v2 integration (routing) key, as ${NAME}.',
  }),
  url: httpUrl.default('https://events.pagerduty.com').meta({
    description: 'Events API base URL; https://events.eu.pagerduty.com for the EU service region.',
  }),
  ...channelCommon,
});

const webhookChannel = z.strictObject({
  type: z.literal('webhook'),
  url: secretRef.meta({ description: 'Where to POST the JSON event, as ${NAME}.' }),
  secret: secretRef.optional().meta({
    description:
      'Signs the body: X-Ripcord-Signature-256: sha256=<hex HMAC-SHA256>, like GitHub webhooks.',
  }),
  ...channelCommon,
});

/** One address, checked loosely: what a person types in a runbook, no display-name tricks. */
const emailAddress = z
  .string()
  .regex(
    /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/,
    'write one email address, such as oncall@example.com',
  );

const emailChannel = z.strictObject({
  type: z.literal('email'),
  host: z.string().min(1).meta({ description: 'SMTP server host name, such as smtp.example.com.' }),
  port: z.number().int().min(1).max(65535).default(587),
  tls: z.enum(['starttls', 'implicit', 'none']).default('starttls').meta({
    description:
      'starttls: upgrade the connection and refuse to send without it (port 587); implicit: TLS from the start (port 465); none: plain text, only for a relay on the runner itself.',
  }),
  username: z.string().optional(),
  password: secretRef.optional().meta({ description: 'SMTP password, as ${NAME}; masked.' }),
  from: emailAddress,
  to: z.array(emailAddress).min(1),
  timeout: timerDuration.default(10_000).meta({ description: 'Connection and answer timeout.' }),
  ...channelCommon,
});

const issueChannel = z.strictObject({
  type: z.literal('issue'),
  ...channelCommon,
});

export const notifyChannelSchema = z.discriminatedUnion('type', [
  slackChannel,
  teamsChannel,
  pagerdutyChannel,
  webhookChannel,
  emailChannel,
  issueChannel,
]);

const channelName = entryName('channel').regex(
  /^[a-z0-9][a-z0-9_.-]*$/,
  'names are lower-case letters, digits, ".", "_" and "-", such as slack-oncall',
);

const routeSchema = z.strictObject({
  events: z
    .union([z.literal('*'), z.array(z.enum(NOTIFY_EVENTS)).min(1)])
    .meta({ description: `'*' or a list of: ${NOTIFY_EVENTS.join(', ')}.` }),
  severity: z
    .array(z.enum(NOTIFY_SEVERITIES))
    .min(1)
    .optional()
    .meta({ description: 'Matches only these severities; any when omitted.' }),
  channels: z
    .array(z.string())
    .min(1)
    .meta({ description: 'Names of channels under notify.channels.' }),
});

export const notifySchema = z
  .strictObject({
    channels: z.record(channelName, notifyChannelSchema).default({}),
    routes: z.array(routeSchema).default([]).meta({
      description:
        'Every route that matches an event and severity delivers to its channels (each channel once).',
    }),
    retries: z.number().int().min(0).max(10).default(3).meta({
      description: 'Retries of a failed delivery (network errors, HTTP 429 and 5xx).',
    }),
    backoff: waitDuration.default(1000).meta({
      description: 'Wait before the first retry; it doubles at every retry.',
    }),
  })
  .superRefine((notify, ctx) => {
    const known = Object.keys(notify.channels);
    notify.routes.forEach((route, r) => {
      route.channels.forEach((name, c) => {
        if (!Object.hasOwn(notify.channels, name)) {
          const hint = didYouMean(name, known);
          ctx.addIssue({
            code: 'custom',
            path: ['routes', r, 'channels', c],
            message:
              known.length === 0
                ? `no channel "${name}": define it under notify.channels`
                : `no channel "${name}" under notify.channels${hint ? ` (did you mean "${hint}"?)` : ''}; known channels are ${known.join(', ')}`,
          });
        }
      });
    });
  });
export type NotifyPolicy = z.output<typeof notifySchema>;
export type NotifyChannel = z.output<typeof notifyChannelSchema>;
export type NotifyRoute = z.output<typeof routeSchema>;
export type EmailChannel = z.output<typeof emailChannel>;
