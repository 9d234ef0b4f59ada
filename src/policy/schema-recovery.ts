/**
 * The `recovery` part of an environment: how staged-recovery brings a rolled-back change back
 * (5% -> 25% -> 50% -> 100%), what gates each stage, who may press `proceed`, and how often it
 * tries again after a regression. Part of the one zod schema in schema.ts.
 */
import { z } from 'zod';
import { duration, timerDuration } from './schema-primitives.ts';

const stage = z.strictObject({
  percent: z
    .number()
    .int('a stage percent is a whole number such as 5 or 25')
    .min(1, 'a stage percent is at least 1 (0 is the rolled-back state, not a stage)')
    .max(100, 'a stage percent is at most 100'),
  dwell: duration.default(0).meta({
    description:
      'How long the stage holds before its gates are read; on the last stage, how long 100% must hold before the incident counts as recovered.',
  }),
});

export const DEFAULT_STAGES = [
  { percent: 5, dwell: '30m' },
  { percent: 25, dwell: '1h' },
  { percent: 50, dwell: '2h' },
  { percent: 100 },
];

const stages = z
  .array(stage)
  .min(1, 'recovery needs at least one stage; the last one is 100')
  .superRefine((list, ctx) => {
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1];
      const current = list[i];
      if (before && current && current.percent <= before.percent) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'percent'],
          message: `stages must increase: ${current.percent} after ${before.percent}`,
        });
      }
    }
    const last = list.at(-1);
    if (last && last.percent < 100) {
      ctx.addIssue({
        code: 'custom',
        path: [list.length - 1, 'percent'],
        message: `the last stage must be 100, not ${last.percent}: recovery ends with everyone on the change`,
      });
    }
  });

const permission = z.enum(['read', 'triage', 'write', 'maintain', 'admin']);

export const recoverySchema = z
  .strictObject({
    stages: stages.prefault(DEFAULT_STAGES).meta({
      description: 'Rollout percentages in order, strictly increasing, ending at 100.',
      examples: [DEFAULT_STAGES],
    }),
    gates: z
      .strictObject({
        triggers: z.boolean().default(true).meta({
          description:
            "The environment's triggers gate every stage: a critical breach regresses, anything inconclusive holds.",
        }),
        verify: z.boolean().default(false).meta({
          description: "Also run the environment's verify checks once at the end of each stage.",
        }),
      })
      .prefault({}),
    auto_proceed: z.boolean().default(true).meta({
      description: 'false: stop after each healthy stage until someone runs `proceed`.',
    }),
    max_attempts: z.number().int().min(1).default(3).meta({
      description: 'Recovery attempts before Ripcord stops trying; a regression ends an attempt.',
    }),
    backoff: z
      .strictObject({
        base: duration.default(900_000),
        max: duration.default(14_400_000),
      })
      .prefault({})
      .refine((b) => b.base <= b.max, {
        message: 'backoff.base must not be longer than backoff.max',
      })
      .meta({ description: 'Wait before attempt n+1: base * 2^(n-1), at most max.' }),
    approval: z
      .strictObject({
        permission: permission.default('maintain'),
        teams: z.array(z.string()).default([]),
        users: z.array(z.string()).default([]),
      })
      .optional()
      .meta({ description: 'Who may run `proceed` and `abort`; rollback.authority when omitted.' }),
    flag: z
      .strictObject({
        provider: z.string().optional(),
        flag: z.string().min(1).optional(),
        environment: z.string().optional(),
      })
      .optional()
      .meta({
        description:
          "The flag whose rollout is raised at each stage; the feature-flag strategy's provider and flag when omitted.",
      }),
    command: z.string().min(1).optional().meta({
      description:
        'Instead of a flag: a bash command run at each stage with RIPCORD_PERCENT (0 to roll back again).',
    }),
    timeout: timerDuration.default(600_000).meta({ description: 'Time limit of the command.' }),
    workflow: z
      .string()
      .regex(
        /^(?:[A-Za-z0-9_.-]+\.ya?ml|\d+)$/,
        'the recovery workflow is its file name under .github/workflows, such as staged-recovery.yml (or its numeric id)',
      )
      .optional()
      .meta({
        description:
          "The staged-recovery workflow's file name (such as staged-recovery.yml). When set, its schedule exists only while a recovery is in progress: the rollback enables the workflow when it hands over to recovery, and the tick that finds the recovery finished, aborted or gone disables it. Needs `actions: write` on both jobs.",
        examples: ['staged-recovery.yml'],
      }),
  })
  .refine((r) => r.flag === undefined || r.command === undefined, {
    message: 'recovery drives either a flag or a command; write at most one of flag, command',
  });

export type RecoveryPolicy = z.output<typeof recoverySchema>;
