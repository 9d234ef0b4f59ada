/**
 * The rollback half of the policy: flag providers, the strategies of each environment's
 * ladder, who may pull the cord, cooldown, attempts and the lock. Part of the one zod schema
 * in schema.ts (types, validation and JSON Schema all come from it).
 */
import { z } from 'zod';
import {
  httpUrl,
  duration,
  positiveDuration,
  secretRef,
  timerDuration,
  waitDuration,
} from './schema-primitives.ts';

const httpRequest = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('POST'),
  url: z
    .string()
    .min(1)
    .meta({ description: 'May use {{placeholders}} and ${SECRET} references.' }),
  headers: z.record(z.string(), z.string()).optional(),
  body: z
    .string()
    .optional()
    .meta({ description: 'Body template with {{placeholders}} (JSON-escaped).' }),
  expect_status: z
    .array(z.number().int())
    .optional()
    .meta({ description: 'Statuses that mean success; any 2xx when omitted.' }),
});

export const stepSchema = z
  .strictObject({
    command: z.string().min(1).optional().meta({
      description:
        'A bash command. Ripcord values reach it only as environment variables: RIPCORD_TARGET_REF, RIPCORD_TARGET_SHA, RIPCORD_ENVIRONMENT, RIPCORD_INCIDENT...',
    }),
    http: httpRequest.optional(),
    timeout: timerDuration.default(600_000),
  })
  .refine((s) => (s.command === undefined) !== (s.http === undefined), {
    message: 'a step runs either a command or an http request; write exactly one of command, http',
  });

const unleashFlags = z.strictObject({
  type: z.literal('unleash'),
  url: httpUrl,
  token: secretRef,
  project: z.string().default('default'),
  timeout: timerDuration.default(10_000),
});

const httpFlagOperation = httpRequest;
const httpFlags = z.strictObject({
  type: z.literal('http'),
  disable: httpFlagOperation,
  enable: httpFlagOperation.optional(),
  set_rollout: httpFlagOperation.optional(),
  get: httpFlagOperation
    .extend({
      // Reading a flag is a GET unless said otherwise; every other operation changes state.
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
      enabled: z.string(),
      rollout: z.string().optional(),
      rollout_scale: z.number().positive().optional(),
    })
    .optional(),
  disable_component: httpFlagOperation.optional(),
  enable_component: httpFlagOperation.optional(),
  timeout: timerDuration.default(10_000),
});

export const flagProviderSchema = z.discriminatedUnion('type', [unleashFlags, httpFlags]);

const featureFlagStrategy = z.strictObject({
  provider: z.string().meta({ description: 'Name of a flag provider under `flags`.' }),
  flag: z.string().min(1),
  environment: z.string().optional().meta({
    description: "The flag service's environment; the Ripcord environment's name when omitted.",
  }),
  mode: z.enum(['immediate', 'gradual', 'components']).default('immediate'),
  steps: z
    .array(z.number().int().min(0).max(100))
    .default([0])
    .meta({ description: 'gradual: rollout percentages stepped down in order, such as [25, 0].' }),
  step_wait: waitDuration.default(0).meta({ description: 'gradual: time between two steps.' }),
  components: z
    .array(z.string())
    .default([])
    .meta({ description: 'components: only these are disabled (flags named <flag>.<component>).' }),
});

const redeployStrategy = z
  .strictObject({
    workflow: z.string().optional().meta({
      description: 'The deploy workflow file (deploy.yml) dispatched with the known-good ref.',
    }),
    ref_input: z
      .string()
      .default('ref')
      .meta({ description: 'The workflow input that receives the known-good ref or sha.' }),
    inputs: z.record(z.string(), z.string()).default({}),
    command: z.string().optional().meta({
      description: 'Or a command: helm rollback, kubectl rollout undo, a blue-green switch.',
    }),
    timeout: timerDuration.default(1_800_000),
  })
  .refine((s) => (s.workflow === undefined) !== (s.command === undefined), {
    message: 'redeploy runs either a workflow or a command; write exactly one of workflow, command',
  });

const fullStrategy = z.strictObject({
  maintenance_on: stepSchema,
  restore_data: stepSchema,
  maintenance_off: stepSchema,
});

export const strategiesSchema = z.strictObject({
  'feature-flag': featureFlagStrategy.optional(),
  config: stepSchema.optional(),
  redeploy: redeployStrategy.optional(),
  full: fullStrategy.optional().meta({
    description:
      'Maintenance on, redeploy (as configured under redeploy), restore data, maintenance off.',
  }),
});

/** `org/team-slug`, or a slug of the repository owner's organisation. */
const TEAM_REF = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/**
 * A named rule for approvals given as comment commands on the incident issue: `required`
 * distinct people, each passing the rule (listed in users, an active member of one of teams,
 * or holding permission on the repository). A decision row names it with `approval: <name>`.
 */
export const approvalRuleSchema = z
  .strictObject({
    required: z.number().int().min(1).max(20).meta({
      description:
        'How many distinct people must comment `/ripcord approve` before the rollback runs (seed 002: a consensus of at least two senior engineers is 2).',
    }),
    teams: z
      .array(
        z
          .string()
          .regex(TEAM_REF, 'write an organisation team as org/team-slug, such as acme/senior-eng'),
      )
      .default([])
      .meta({
        description:
          "Organisation teams (org/team-slug, or a slug of the repository owner's organisation) whose active members may approve. Needs a token with read:org.",
      }),
    users: z
      .array(z.string().regex(LOGIN, 'write a GitHub login, such as alice'))
      .default([])
      .meta({ description: 'GitHub logins who may approve.' }),
    permission: z.enum(['read', 'triage', 'write', 'maintain', 'admin']).optional().meta({
      description:
        'People with this permission on the repository (or higher) may approve too; nobody by permission when omitted.',
    }),
  })
  .refine((r) => r.teams.length > 0 || r.users.length > 0 || r.permission !== undefined, {
    message: 'an approval rule needs someone who may approve: write teams, users or permission',
  })
  .refine((r) => r.teams.length > 0 || r.permission !== undefined || r.users.length >= r.required, {
    message:
      'required is more than the users listed, and no team or permission adds anyone: the rollback could never be approved',
  });

export type ApprovalRule = z.output<typeof approvalRuleSchema>;

export const rollbackSchema = z.strictObject({
  authority: z
    .strictObject({
      permission: z.enum(['read', 'triage', 'write', 'maintain', 'admin']).default('maintain'),
      teams: z
        .array(z.string())
        .default([])
        .meta({ description: 'Organisation team slugs whose members may also roll back.' }),
      users: z.array(z.string()).default([]),
    })
    .prefault({})
    .meta({ description: 'Who may pull the cord by hand (workflow_dispatch).' }),
  approvals: z
    .record(
      z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9-]*$/,
          'name approval rules in lower case with hyphens, such as senior-consensus',
        ),
      approvalRuleSchema,
    )
    .default({})
    .meta({
      description:
        'Named approval rules: a decision row with `approval: <name>` does not roll back at once; it opens the incident, asks there for `required` approvals (`/ripcord approve` comments) by distinct people the rule names, and rolls back when they are in (an `issue_comment` workflow runs the rollback action again). `/ripcord reject` by one of them closes the request. A person who passes rollback.authority decides alone (one comment, or running the rollback by hand).',
    }),
  cooldown: duration
    .default(0)
    .meta({ description: 'No second rollback of the environment within this time.' }),
  max_attempts: z.number().int().min(1).default(3),
  escalate: z
    .boolean()
    .default(true)
    .meta({ description: 'When a strategy fails, go on to the next rung of the ladder.' }),
  ladder: z
    .array(z.enum(['feature-flag', 'config', 'redeploy', 'full']))
    .default(['feature-flag', 'config', 'redeploy', 'full'])
    .meta({ description: 'The order of escalation; rungs without configuration are skipped.' }),
  lock: z
    .strictObject({
      wait: waitDuration.default(120_000),
      lease: positiveDuration.default(1_800_000),
    })
    .prefault({}),
  rate_limit_wait: duration.default(300_000).meta({
    description:
      "The longest Ripcord waits for GitHub's API rate limit to reset before failing with a clear message. A workflow's GITHUB_TOKEN may make 1,000 requests an hour per repository, and the reset can be most of an hour away: better to fail and act by hand than to sleep through the incident.",
  }),
  strategies: strategiesSchema.prefault({}),
  maintenance: z
    .strictObject({
      on: stepSchema,
      off: stepSchema,
      strategies: z
        .array(z.enum(['feature-flag', 'config', 'redeploy', 'full']))
        .min(1)
        .optional()
        .meta({
          description:
            'The strategies a rollback starting with them is wrapped for; every strategy when omitted.',
        }),
    })
    .optional()
    .meta({
      description:
        'Maintenance mode around any strategy: `on` runs before the first rung, `off` after the last one tried, even when every rung failed (a failed `off` fails the rollback). The full strategy keeps its own maintenance steps.',
    }),
});

export type RollbackPolicy = z.output<typeof rollbackSchema>;
export type StrategiesPolicy = z.output<typeof strategiesSchema>;
export type FeatureFlagStrategy = z.output<typeof featureFlagStrategy>;
export type RedeployStrategy = z.output<typeof redeployStrategy>;
export type FullStrategy = z.output<typeof fullStrategy>;
export type StepPolicy = z.output<typeof stepSchema>;
export type MaintenancePolicy = NonNullable<RollbackPolicy['maintenance']>;
export type FlagProviderPolicy = z.output<typeof flagProviderSchema>;
