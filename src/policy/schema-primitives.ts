/** Schema building blocks shared by the trigger and rollback halves of the policy. */
import { z } from 'zod';
import { parseDuration, suggestDuration } from './duration.ts';
import { parseQuantity, type Quantity } from './quantity.ts';

const durationText = z
  .string()
  .meta({ description: 'A duration such as 30s, 15m, 1h30m or 2d.', examples: ['15m'] });

/** The longest duration a policy may write: past it a window or a `for` is a typo, not a plan. */
export const MAX_DURATION_MS = 366 * 86_400_000;
/**
 * The longest wait Ripcord hands to a timer: Node's setTimeout fires at once past 2^31-1 ms
 * (24.8 days), so a longer timeout would end every request immediately.
 */
export const MAX_TIMER_MS = 24 * 86_400_000;

/** The input side of every duration schema, so policy-load can word "expected a duration". */
export const DURATION_INPUTS = new Map<unknown, { positive: boolean }>();

interface DurationBounds {
  /** Smallest allowed value in ms, and how it is worded in the fix. */
  min?: { ms: number; text: string; exclusive?: boolean };
  max?: { ms: number; text: string };
}

/**
 * A duration schema with its own range. Every duration is finite (`for` with 400 digits is
 * Infinity, and a loop stepping to Infinity never ends) and at most a year; timeouts and waits
 * are positive and at most 24 days (setTimeout's range).
 */
export function durationIn(bounds: DurationBounds = {}) {
  const input = z.union([durationText, z.number()]);
  DURATION_INPUTS.set(input, {
    positive: bounds.min !== undefined && bounds.min.ms === 0 && bounds.min.exclusive === true,
  });
  const max = bounds.max ?? { ms: MAX_DURATION_MS, text: '366d' };
  return input.transform((value, ctx): number => {
    const text = String(value);
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    const short = text.length > 40 ? `${text.slice(0, 20)}...${text.slice(-8)}` : text;
    const shown = typeof value === 'string' ? `"${short}"` : short;
    if (ms === undefined) {
      const hint =
        suggestDuration(text) ??
        (typeof value === 'number' && Number.isFinite(value) ? `${value}s` : '15m');
      ctx.addIssue({ code: 'custom', message: `${shown} is not a duration; write ${hint}` });
      return z.NEVER;
    }
    if (!Number.isFinite(ms) || ms > max.ms) {
      ctx.addIssue({
        code: 'custom',
        message: `${shown} is beyond the longest duration allowed here; write at most ${max.text}`,
      });
      return z.NEVER;
    }
    const min = bounds.min;
    if (min && (min.exclusive ? ms <= min.ms : ms < min.ms)) {
      ctx.addIssue({
        code: 'custom',
        message: `${shown} is too short; ${min.text}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** Any duration from 0 (`for: 0` means "at once") to a year. */
export const duration = durationIn();
/** A window or a lease: more than zero. */
export const positiveDuration = durationIn({
  min: { ms: 0, exclusive: true, text: 'it must be longer than 0, such as 5m' },
});
/** A request or command timeout, a probe interval: more than zero and within setTimeout's range. */
export const timerDuration = durationIn({
  min: { ms: 0, exclusive: true, text: 'it must be longer than 0, such as 30s' },
  max: { ms: MAX_TIMER_MS, text: '24d' },
});
/** A wait handed to a timer that may be zero (cooldowns are not timers; backoff and dwell are). */
export const waitDuration = durationIn({ max: { ms: MAX_TIMER_MS, text: '24d' } });

export const quantityInput = z.union([z.number(), z.string()]).meta({
  description:
    'A number, or a number with a unit: 5% (ratio 0.05), 2s or 500ms (seconds), 500MB or 1GiB (bytes).',
  examples: ['5%', '2s', '500MB', 0.9],
});

export const quantity = quantityInput.transform((value, ctx): Quantity => {
  const q = parseQuantity(value);
  if (q && !Number.isFinite(q.value)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${String(value)}" is too large to be a number; write a finite quantity such as 5% or 500MB`,
    });
    return z.NEVER;
  }
  if (!q) {
    ctx.addIssue({
      code: 'custom',
      message: `"${String(value)}" is not a quantity; write a number or a number with a unit such as 5%, 2s, 500ms or 500MB`,
    });
    return z.NEVER;
  }
  return q;
});

/**
 * A URL Ripcord sends requests to: http or https only. `file:///etc/passwd` parses as a URL
 * but fetch cannot read it, so it would fail at the first evaluation instead of in validate.
 */
export const httpUrl = z.url({ protocol: /^https?$/ });

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

/**
 * A name used as a key of a mapping Ripcord looks names up in (environments, sources, flags,
 * channels). `__proto__` would become the object's prototype instead of an entry, and
 * `constructor` or `toString` are found on every object, so a reference to an undefined one
 * would pass a lookup; "" cannot be named in an input.
 */
export function entryName(noun: string) {
  const a = /^[aeiou]/.test(noun) ? 'an' : 'a';
  return z.string().superRefine((name, ctx) => {
    if (name.trim() === '') {
      ctx.addIssue({ code: 'custom', message: `${a} ${noun} name must not be empty` });
    } else if (name in Object.prototype || name === 'prototype') {
      ctx.addIssue({
        code: 'custom',
        message: `"${name}" is reserved and cannot name ${a} ${noun}; choose another name`,
      });
    }
  });
}
