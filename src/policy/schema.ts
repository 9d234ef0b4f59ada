/**
 * The policy language (`.github/ripcord.yml`). This zod schema is the single source of truth:
 * the TypeScript types (`Policy`, `Trigger`...), the validation, and the generated JSON Schema
 * (`schema/ripcord.schema.json`) all come from it. Values are written as a runbook writes them
 * (`15m`, `5%`, `2s`, `500MB`) and come out normalised (milliseconds, ratios, seconds, bytes).
 */
import { z } from 'zod';
import {
  httpUrl,
  duration,
  durationIn,
  entryName,
  positiveDuration,
  quantity,
  secretRef,
  timerDuration,
  waitDuration,
} from './schema-primitives.ts';
import { flagProviderSchema, rollbackSchema } from './schema-rollback.ts';
import { notifySchema } from './schema-notify.ts';
import { recoverySchema } from './schema-recovery.ts';
import { verifySchema } from './schema-verify.ts';

export { duration, quantity, SECRET_REF } from './schema-primitives.ts';

const headers = z.record(z.string(), z.string()).meta({
  description: 'Extra HTTP headers. Values may reference environment variables with ${NAME}.',
});

const missingData = z.enum(['inconclusive', 'ok', 'breached']).default('inconclusive').meta({
  description:
    'What a trigger reads when the source returns no data. No data is never healthy unless you say so.',
});

const sourceCommon = {
  timeout: timerDuration.default(10_000).meta({ description: 'Per request timeout.' }),
  retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .default(2)
    .meta({ description: 'Retries on network errors and HTTP 5xx.' }),
  missing_data: missingData,
  query_error_budget: z.number().int().min(0).default(0).meta({
    description:
      'In watch mode, how many consecutive failed queries a trigger tolerates (keeping its last verdict) before it turns inconclusive.',
  }),
};

const basicAuth = z.strictObject({ username: z.string(), password: secretRef });
const bearerAuth = z.strictObject({ bearer: secretRef });

export const prometheusSource = z.strictObject({
  type: z.literal('prometheus'),
  url: httpUrl.meta({
    description: 'Base URL of the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics).',
  }),
  headers: headers.optional(),
  auth: z.union([bearerAuth, basicAuth]).optional(),
  ...sourceCommon,
});

export const datadogSource = z.strictObject({
  type: z.literal('datadog'),
  site: z
    .string()
    .default('datadoghq.com')
    .meta({ description: 'Datadog site, for example datadoghq.eu.' }),
  api_key: secretRef,
  app_key: secretRef,
  ...sourceCommon,
});

export const httpSource = z.strictObject({
  type: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'POST', 'HEAD']).default('GET'),
  headers: headers.optional(),
  ...sourceCommon,
});

export const fileSource = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1).meta({
    description:
      'Recorded series: OpenMetrics text with timestamps (.om, .txt) or a saved Prometheus query_range response (.json). Relative to the policy file.',
  }),
  missing_data: missingData,
});

export const source = z.discriminatedUnion('type', [
  prometheusSource,
  datadogSource,
  httpSource,
  fileSource,
]);

const severity = z
  .enum(['critical', 'warning'])
  .meta({ description: 'critical rolls back; warning warns.' });
const comparison = z.enum(['>', '>=', '<', '<=']).default('>');

const triggerCommon = {
  name: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9_.-]*$/,
      'names are lower-case letters, digits, ".", "_" and "-", such as error-rate',
    )
    .meta({ description: 'Unique name of the trigger within the environment.' }),
  description: z.string().optional(),
  severity,
  source: z.string().meta({ description: 'Name of a source under `sources`.' }),
  query: z.string().min(1).meta({
    description:
      'PromQL for prometheus, a metric query for datadog, a series selector such as error_ratio{service="api"} for file, a JSON path such as .data.error_rate for http.',
  }),
  impact: quantity.optional().meta({
    description:
      'Share of users affected when this trigger breaches (for the decision matrix), such as 15%.',
  }),
  shadow: z.boolean().optional().meta({
    description:
      'Evaluate and notify "would have rolled back" without acting, to trial a trigger before trusting it.',
  }),
};

/** Argo Rollouts' failureLimit over a sliding window: `failures` breaches among the last `of`. */
const failureLimit = z
  .strictObject({
    failures: z.number().int().min(1),
    of: z.number().int().min(1),
  })
  .refine((l) => l.failures <= l.of, {
    message: 'failures cannot exceed of; write failures at most of, such as {failures: 3, of: 5}',
  })
  .optional()
  .meta({
    description:
      'Breach when `failures` of the last `of` evaluations failed (such as 3 of 5), instead of in a row.',
  });

export const thresholdTrigger = z.strictObject({
  kind: z.literal('threshold').default('threshold'),
  ...triggerCommon,
  op: comparison,
  threshold: quantity,
  for: duration
    .default(0)
    .meta({ description: 'How long the condition must hold, with Prometheus alerting semantics.' }),
  failure_limit: failureLimit,
});

export const aggregateTrigger = z.strictObject({
  kind: z.literal('aggregate'),
  ...triggerCommon,
  aggregate: z.enum(['avg', 'max', 'min', 'quantile']).meta({
    description: 'Like PromQL avg_over_time, max_over_time, min_over_time, quantile_over_time.',
  }),
  quantile: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta({ description: 'For aggregate: quantile, such as 0.95.' }),
  window: positiveDuration.meta({
    description: 'The window aggregated over ("average over 5 minutes": 5m).',
  }),
  op: comparison,
  threshold: quantity,
  for: duration.default(0),
});

export const probeTrigger = z.strictObject({
  kind: z.literal('probe'),
  ...triggerCommon,
  query: z
    .string()
    .default('')
    .meta({ description: 'For file sources: a 0/1 series such as probe_success{job="api"}.' }),
  expect: z
    .strictObject({
      status: z.union([z.number().int(), z.array(z.number().int())]).default(200),
      json: z
        .array(
          z.strictObject({
            path: z.string().regex(/^\./, 'a JSON path starts with ".", such as .health'),
            equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
          }),
        )
        .default([]),
      latency: positiveDuration
        .optional()
        .meta({ description: 'A slower answer counts as a failure.' }),
    })
    .default({ status: 200, json: [] }),
  failures: z
    .number()
    .int()
    .min(1)
    .default(3)
    .meta({ description: 'Consecutive failures that breach ("3 in a row").' }),
  failure_limit: failureLimit,
  interval: timerDuration.default(30_000).meta({ description: 'Time between probes.' }),
});

export const trendTrigger = z.strictObject({
  kind: z.literal('trend'),
  ...triggerCommon,
  window: positiveDuration.meta({ description: 'The value must grow over this whole window.' }),
  min_increase: quantity
    .optional()
    .meta({ description: 'Total growth over the window that breaches, such as 100MB.' }),
  tolerance: quantity.optional().meta({
    description:
      'A dip smaller than this between two steps still counts as growth (garbage collection noise).',
  }),
});

export const baselineTrigger = z.strictObject({
  kind: z.literal('baseline'),
  ...triggerCommon,
  change: z
    .enum(['drop', 'rise'])
    .meta({ description: 'drop: breached when the value falls by more than `by`.' }),
  by: quantity.meta({ description: 'Relative change that breaches, such as 20%.' }),
  window: positiveDuration
    .default(900_000)
    .meta({ description: 'Recent window averaged for the current value.' }),
  baseline_window: positiveDuration.default(3_600_000).meta({
    description: "Window before the deployment's creation time averaged for the baseline.",
  }),
});

export const burnRateTrigger = z.strictObject({
  kind: z.literal('burn-rate'),
  ...triggerCommon,
  query: z
    .string()
    .min(1)
    .meta({ description: 'The error ratio (errors / requests), evaluated at each step.' }),
  objective: quantity.meta({ description: 'The SLO, such as 99.9%.' }),
  windows: z
    .array(
      z.strictObject({
        long: positiveDuration,
        short: positiveDuration,
        factor: z
          .number()
          .positive()
          .meta({ description: 'Burn rate that breaches, such as 14.4.' }),
      }),
    )
    .min(1)
    .prefault([
      { long: '1h', short: '5m', factor: 14.4 },
      { long: '6h', short: '30m', factor: 6 },
    ])
    .meta({
      description:
        'Multi-window, multi-burn-rate pairs: breached when both windows of a pair burn faster than factor.',
    }),
});

export const trigger = z.discriminatedUnion('kind', [
  thresholdTrigger,
  aggregateTrigger,
  probeTrigger,
  trendTrigger,
  baselineTrigger,
  burnRateTrigger,
]);

export const strategyName = z.enum(['feature-flag', 'config', 'redeploy', 'full']);

/** `@login` or `@org/team-slug`: the only text a policy may make Ripcord mention. */
export const MENTION = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?$/;

/** A decision row's override of the feature-flag strategy: only the keys given replace it. */
export const decisionFlag = z.strictObject({
  mode: z.enum(['immediate', 'gradual', 'components']).meta({
    description: 'immediate: switch off; gradual: step the rollout down; components: only some.',
  }),
  steps: z
    .array(z.number().int().min(0).max(100))
    .min(1)
    .optional()
    .meta({ description: 'gradual: rollout percentages stepped down in order, such as [25, 0].' }),
  step_wait: waitDuration.optional().meta({ description: 'gradual: time between two steps.' }),
  components: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ description: 'components: only these are disabled (flags named <flag>.<component>).' }),
});

export const decisionRule = z.strictObject({
  severity: severity.optional().meta({ description: 'Matches this severity; any when omitted.' }),
  min_impact: quantity
    .optional()
    .meta({ description: 'Matches impact at or above this share of users.' }),
  max_impact: quantity
    .optional()
    .meta({ description: 'Matches impact below this share of users.' }),
  triggers: z.array(z.string().min(1)).min(1).optional().meta({
    description:
      'Matches only when one of these triggers breached: a strategy per trigger or per issue type (data, performance); any trigger when omitted.',
  }),
  strategy: strategyName,
  approval: z.string().default('none').meta({
    description:
      'Who must approve before the rollback runs: none; the name of a rule under rollback.approvals (approvals by comment commands on the incident issue); or another name (on-call, lead...) that your workflow routes to a GitHub Environment with required reviewers.',
  }),
  flag: decisionFlag.optional().meta({
    description:
      'With strategy feature-flag: how this row switches the flag (immediate off for critical, gradual 25 -> 0 for less critical, only some components), over rollback.strategies.feature-flag.',
  }),
  action: z.enum(['rollback', 'evaluate']).default('rollback').meta({
    description:
      'rollback: roll back as the row says. evaluate: a team decision ("may not rollback"): warn, name the people in `ask`, and never roll back on its own.',
  }),
  ask: z
    .array(
      z
        .string()
        .regex(
          MENTION,
          'write a GitHub mention: @login or @org/team-slug, such as @alice or @acme/sre-leads',
        ),
    )
    .default([])
    .meta({
      description:
        'Who decides (action evaluate) or should know: GitHub mentions such as @alice or @acme/sre-leads, named in the warning.',
    }),
});

export const environment = z.strictObject({
  extends: z.string().optional().meta({
    description:
      "Another environment this one inherits from: its settings and triggers, with this one's keys winning. A trigger here with an inherited name overrides only the keys it writes.",
  }),
  shadow: z.boolean().optional().meta({
    description:
      'Shadow mode: evaluate and notify "would have rolled back" but never act (the decision output stays none), to trial Ripcord.',
  }),
  step: durationIn({
    min: { ms: 1000, text: 'evaluation steps are at least 1s, such as 1m' },
  })
    .default(60_000)
    .meta({ description: 'Evaluation interval: `for` is checked at every step.' }),
  lookback: positiveDuration
    .default(300_000)
    .meta({ description: 'How far back an instant value may come from (Prometheus: 5m).' }),
  impact: z.strictObject({ source: z.string(), query: z.string() }).optional().meta({
    description: 'A query giving the share of users affected (0..1), read when a trigger breaches.',
  }),
  triggers: z.array(trigger).default([]),
  decision: z.array(decisionRule).default([]).meta({
    description:
      'The decision matrix: the first rule matching severity and impact picks the strategy.',
  }),
  recovery_time: z
    .strictObject({
      critical: positiveDuration.optional(),
      warning: positiveDuration.optional(),
    })
    .optional()
    .meta({
      description:
        'Recovery-time objectives per severity, from the first bad sample to restored ("critical: under 2 minutes"). `ripcord validate` warns when a critical trigger plus the strategy timeouts can exceed recovery_time.critical.',
    }),
  default_strategy: strategyName.default('redeploy'),
  default_approval: z.string().default('none'),
  verify: verifySchema.prefault({}).meta({
    description:
      'How to prove a deploy or a rollback healthy: probes, metric checks, smoke commands, timing.',
  }),
  recovery: recoverySchema.prefault({}).meta({
    description:
      'How to bring the change back after a rollback: stages, gates, approval, attempts.',
  }),
  rollback: rollbackSchema.prefault({}).meta({
    description:
      'How to roll back: the strategies of the ladder, who may, cooldown, attempts and the lock.',
  }),
});

/** The identity of the workflow's GITHUB_TOKEN: what Ripcord writes as unless the policy says otherwise. */
export const DEFAULT_BOT_LOGIN = 'github-actions[bot]';

export const policySchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).meta({ description: 'Policy format version.' }),
    sources: z.record(entryName('source'), source).default({}),
    notify: notifySchema.prefault({}).meta({
      description:
        'Who hears about what: channels (Slack, Teams, PagerDuty, webhooks, the incident issue), routes and templates.',
    }),
    flags: z.record(entryName('flag provider'), flagProviderSchema).default({}).meta({
      description:
        'Feature-flag services the feature-flag strategy switches (Unleash, or any HTTP API).',
    }),
    environments: z.record(entryName('environment'), environment),
    github: z
      .strictObject({
        bot_login: z
          .string()
          .regex(
            /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/,
            'a GitHub login such as github-actions[bot] or my-app[bot]',
          )
          .default(DEFAULT_BOT_LOGIN)
          .meta({
            description:
              "The login Ripcord writes as: github-actions[bot] for the workflow's GITHUB_TOKEN, <app-slug>[bot] for a GitHub App token. Only incident issues, state blocks and report branches written by it are Ripcord's state; look-alikes by anyone else are ignored with a warning.",
          }),
      })
      .prefault({})
      .meta({ description: 'Who Ripcord is on GitHub.' }),
  })
  .meta({
    title: 'Ripcord policy',
    description: 'The rollback runbook of a repository, as code: .github/ripcord.yml',
  });

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type Source = z.output<typeof source>;
export type PrometheusSource = z.output<typeof prometheusSource>;
export type DatadogSource = z.output<typeof datadogSource>;
export type HttpSource = z.output<typeof httpSource>;
export type FileSource = z.output<typeof fileSource>;
export type Trigger = z.output<typeof trigger>;
export type ThresholdTrigger = z.output<typeof thresholdTrigger>;
export type AggregateTrigger = z.output<typeof aggregateTrigger>;
export type ProbeTrigger = z.output<typeof probeTrigger>;
export type TrendTrigger = z.output<typeof trendTrigger>;
export type BaselineTrigger = z.output<typeof baselineTrigger>;
export type BurnRateTrigger = z.output<typeof burnRateTrigger>;
export type Environment = z.output<typeof environment>;
export type DecisionRule = z.output<typeof decisionRule>;
export type DecisionFlag = z.output<typeof decisionFlag>;
export type Severity = z.output<typeof severity>;
export type StrategyName = z.output<typeof strategyName>;
export type MissingData = z.output<typeof missingData>;
export type FailureLimit = NonNullable<ThresholdTrigger['failure_limit']>;
