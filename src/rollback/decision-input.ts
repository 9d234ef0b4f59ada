/** The `decision` input: the report JSON that evaluate-triggers wrote to its `report` output. */
import { z } from 'zod';
import { ConfigurationError } from '../shared/errors.ts';

/** A decision row's flag override as the report carries it: durations already in milliseconds. */
const reportedFlag = z.strictObject({
  mode: z.enum(['immediate', 'gradual', 'components']),
  steps: z.array(z.number().int().min(0).max(100)).min(1).optional(),
  step_wait: z.number().int().min(0).optional(),
  components: z.array(z.string().min(1)).min(1).optional(),
});

const decisionInputSchema = z.looseObject({
  decision: z.enum(['rollback', 'warn', 'hold', 'none']),
  environment: z.string().optional(),
  severity: z.enum(['critical', 'warning']).nullable(),
  strategy: z.enum(['feature-flag', 'config', 'redeploy', 'full']).nullable(),
  approval: z.string().nullable(),
  flag: reportedFlag.nullable().optional(),
  teamDecision: z.boolean().optional(),
  ask: z.array(z.string()).optional(),
  triggered: z.array(z.string()).default([]),
  summary: z.string().default(''),
  evaluatedAt: z.iso.datetime({ offset: true }).optional(),
  // What each trigger read when the decision was taken; older reports lack valueText.
  triggers: z
    .array(
      z.looseObject({
        name: z.string(),
        severity: z.enum(['critical', 'warning']),
        status: z.enum(['breached', 'ok', 'inconclusive']),
        value: z.number().nullable().default(null),
        valueText: z.string().nullable().default(null),
        threshold: z.string().default(''),
        since: z.string().nullable().default(null),
        reason: z.string().default(''),
      }),
    )
    .optional(),
});

export type DecisionInput = z.output<typeof decisionInputSchema>;

export function parseDecisionInput(text: string): DecisionInput | null {
  if (!text.trim()) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigurationError(
      `input decision is not JSON (${(e as Error).message}); pass \${{ steps.<evaluate step id>.outputs.report }}`,
    );
  }
  const parsed = decisionInputSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(
      'input decision is not an evaluate-triggers report; pass ${{ steps.<evaluate step id>.outputs.report }}',
      parsed.error.issues.map((i) => `decision.${i.path.join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}
