/**
 * The `verify` part of the policy: the checks that prove a deploy or a rollback healthy (HTTP
 * probes, metric checks through the trigger engine, smoke commands, "the flag is really off")
 * and the timing that repeats them. Part of the one zod schema in schema.ts; it cannot
 * import from there (policy-schema imports this file), so it builds on schema-primitives.
 */
import { z } from 'zod';
import {
  httpUrl,
  duration,
  positiveDuration,
  quantity,
  timerDuration,
  waitDuration,
} from './schema-primitives.ts';

const checkName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]*$/,
    'names are lower-case letters, digits, ".", "_" and "-", such as health',
  )
  .meta({ description: 'Unique name of the check, shown in the job summary and the outputs.' });

const jsonExpectation = z.strictObject({
  path: z.string().regex(/^\./, 'a JSON path starts with ".", such as .health'),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

export const probeCheckSchema = z.strictObject({
  type: z.literal('probe'),
  name: checkName,
  url: httpUrl.meta({ description: 'The health endpoint.' }),
  method: z.enum(['GET', 'POST', 'HEAD']).default('GET'),
  headers: z.record(z.string(), z.string()).optional().meta({
    description: 'Request headers. Values may reference environment variables with ${NAME}.',
  }),
  timeout: timerDuration.default(10_000).meta({ description: 'Time limit of one request.' }),
  status: z
    .union([z.number().int(), z.array(z.number().int()).min(1)])
    .default(200)
    .meta({ description: 'Expected status (or statuses).' }),
  json: z.array(jsonExpectation).default([]).meta({
    description: 'Fields the JSON answer must hold, such as {path: .health, equals: healthy}.',
  }),
  latency: positiveDuration
    .optional()
    .meta({ description: 'Latency budget: a slower answer fails.' }),
  expect_headers: z.record(z.string(), z.string()).default({}).meta({
    description:
      'Response headers that must be present; the value is a regular expression the header must match (".*" for any).',
  }),
});

const comparison = z.enum(['>', '>=', '<', '<=']);

export const metricCheckSchema = z
  .strictObject({
    type: z.literal('metric'),
    name: checkName,
    source: z.string().meta({ description: 'Name of a source under `sources`.' }),
    query: z.string().min(1),
    op: comparison.optional().meta({
      description: 'Absolute check: the healthy condition, such as < for "error ratio < 1%".',
    }),
    threshold: quantity.optional(),
    aggregate: z.enum(['avg', 'max', 'min', 'quantile']).optional().meta({
      description: 'Absolute check over a window, like avg_over_time or quantile_over_time.',
    }),
    quantile: z.number().min(0).max(1).optional(),
    window: positiveDuration.optional().meta({
      description:
        'Aggregate window of an absolute check; averaging window of the current value of an improved check (15m when omitted).',
    }),
    for: duration.default(0).meta({
      description:
        'How long the healthy condition must have held (Prometheus `for` semantics); a condition that holds but not yet long enough is inconclusive, not failed.',
    }),
    improved: z.enum(['lower', 'higher']).optional().meta({
      description:
        'Relative check: the current window average must be lower (or higher) than the average before the rollback or deploy.',
    }),
    by: quantity.optional().meta({
      description: 'Improved check: the least relative improvement, such as 20%; any when omitted.',
    }),
    before: positiveDuration.default(1_800_000).meta({
      description:
        'Improved check: the window before the rollback (or deploy) averaged as "before".',
    }),
  })
  .superRefine((c, ctx) => {
    const absolute = c.op !== undefined || c.threshold !== undefined;
    if (absolute && c.improved !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'a metric check is either absolute (op, threshold) or improved; not both',
      });
    } else if (!absolute && c.improved === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a metric check needs op and threshold (such as op: "<", threshold: 1%) or improved: lower|higher',
      });
    } else if (absolute && (c.op === undefined || c.threshold === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'an absolute metric check needs both op and threshold',
      });
    }
    if (c.aggregate !== undefined && c.window === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an aggregate needs a window, such as 5m' });
    }
    if (c.aggregate === 'quantile' && c.quantile === undefined) {
      ctx.addIssue({ code: 'custom', message: 'aggregate quantile needs quantile, such as 0.95' });
    }
  });

export const smokeCheckSchema = z.strictObject({
  type: z.literal('smoke'),
  name: checkName,
  command: z.string().min(1).meta({
    description:
      'A bash command; exit code 0 passes. Values reach it only as RIPCORD_* environment variables.',
  }),
  timeout: timerDuration
    .default(120_000)
    .meta({ description: 'A longer run is stopped and fails.' }),
});

export const flagOffCheckSchema = z.strictObject({
  type: z.literal('flag-off'),
  name: checkName,
  provider: z.string().meta({ description: 'Name of a flag provider under `flags`.' }),
  flag: z.string().min(1),
  environment: z.string().optional().meta({
    description: "The flag service's environment; the Ripcord environment's name when omitted.",
  }),
  components: z.array(z.string().min(1)).optional().meta({
    description: 'Only these component flags (<flag>.<component>) must be off, not the flag.',
  }),
});

export const checkSchema = z.discriminatedUnion('type', [
  probeCheckSchema,
  metricCheckSchema,
  smokeCheckSchema,
  flagOffCheckSchema,
]);

export const CHECK_TYPES = ['probe', 'metric', 'smoke', 'flag-off'] as const;

export const verifyTimingSchema = z.strictObject({
  stabilization: waitDuration
    .default(60_000)
    .meta({ description: 'Wait before the first round, while the system settles.' }),
  interval: timerDuration
    .default(30_000)
    .meta({ description: 'Time between two rounds of checks.' }),
  duration: positiveDuration.default(600_000).meta({
    description:
      'Total time from the start (stabilisation included) after which verification stops: inconclusive unless decided.',
  }),
  successes: z
    .number()
    .int()
    .min(1)
    .default(3)
    .meta({ description: 'Consecutive passing rounds that prove it healthy.' }),
  failures_tolerated: z.number().int().min(0).default(1).meta({
    description: 'Consecutive failing rounds tolerated; one more fails the verification.',
  }),
  min_duration: duration.default(0).meta({
    description:
      'The least time from the start before verification may pass ("monitor for 30 minutes before declaring success"): passing rounds before it do not end it, failing ones still do. At most duration.',
  }),
});

export const verifySchema = verifyTimingSchema
  .extend({
    checks: z.array(checkSchema).default([]),
    escalate: z.boolean().default(true).meta({
      description:
        'after-rollback: on failure, recommend the next strategy of the rollback ladder (when rollback.escalate allows one).',
    }),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.checks.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['checks', i, 'name'],
          message: `check name "${c.name}" is used twice; names are unique`,
        });
      seen.add(c.name);
    });
    if (v.duration < v.stabilization)
      ctx.addIssue({
        code: 'custom',
        path: ['duration'],
        message: 'duration includes the stabilization delay, so it cannot be shorter',
      });
    if (v.min_duration > v.duration)
      ctx.addIssue({
        code: 'custom',
        path: ['min_duration'],
        message:
          'min_duration is longer than duration, so verification could never pass; raise duration to at least min_duration',
      });
    if (!(v.interval > 0))
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'interval must be positive' });
  });

export type VerifyPolicy = z.output<typeof verifySchema>;
export type VerifyTimingPolicy = z.output<typeof verifyTimingSchema>;
export type VerifyCheck = z.output<typeof checkSchema>;
export type ProbeCheck = z.output<typeof probeCheckSchema>;
export type MetricCheck = z.output<typeof metricCheckSchema>;
export type SmokeCheck = z.output<typeof smokeCheckSchema>;
export type FlagOffCheck = z.output<typeof flagOffCheckSchema>;
export type CheckType = VerifyCheck['type'];
