/** Schema building blocks shared by the trigger and rollback halves of the policy. */
import { z } from 'zod';
import { parseDuration, suggestDuration } from './duration.ts';
import { parseQuantity, type Quantity } from './quantity.ts';

const durationText = z
  .string()
  .meta({ description: 'A duration such as 30s, 15m, 1h30m or 2d.', examples: ['15m'] });

/**
 * What a policy may hold where a duration goes. A number is accepted here only to answer it
 * with a hint ("300 is not a duration; write 300s"); the JSON Schema keeps the string form
 * alone (policy-json-schema.ts), since that is all validate accepts.
 */
export const durationInput = z.union([durationText, z.number()]);

export const duration = durationInput.transform((value, ctx): number => {
  const text = String(value);
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    const hint = suggestDuration(text) ?? (typeof value === 'number' ? `${value}s` : '15m');
    const shown = typeof value === 'string' ? `"${text}"` : text;
    ctx.addIssue({ code: 'custom', message: `${shown} is not a duration; write ${hint}` });
    return z.NEVER;
  }
  return ms;
});

export const quantityInput = z.union([z.number(), z.string()]).meta({
  description:
    'A number, or a number with a unit: 5% (ratio 0.05), 2s or 500ms (seconds), 500MB or 1GiB (bytes).',
  examples: ['5%', '2s', '500MB', 0.9],
});

export const quantity = quantityInput.transform((value, ctx): Quantity => {
  const q = parseQuantity(value);
  if (!q) {
    ctx.addIssue({
      code: 'custom',
      message: `"${String(value)}" is not a quantity; write a number or a number with a unit such as 5%, 2s, 500ms or 500MB`,
    });
    return z.NEVER;
  }
  return q;
});

/** Secrets are never written inline: `${PROM_TOKEN}` names an environment variable. */
export const SECRET_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
export const secretRef = z
  .string()
  .meta({
    description: 'A reference to an environment variable holding the secret: ${NAME}.',
    examples: ['${PROM_TOKEN}'],
    // Lets editors flag an inline secret as it is typed, like the refine below does on load.
    pattern: SECRET_REF.source,
  })
  .refine((s) => SECRET_REF.test(s), {
    message:
      'secrets are never written inline; write ${NAME} and set the environment variable NAME from a secret in the workflow',
  });
