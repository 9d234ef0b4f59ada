/**
 * Triggers and series for the engine's tests: a trigger as the policy schema reads it, and a
 * series with one value per step on a fixed grid, so an expected time reads as "minute n".
 */
import { trigger as triggerSchema, type Trigger } from '../../src/policy/schema.ts';
import { seriesFromSamples, type Series } from '../../src/signals/signal.ts';

/** A trigger named `t`, critical, on source `prom` with query `q`, unless `input` says otherwise. */
export function parseTrigger(input: Record<string, unknown>): Trigger {
  return triggerSchema.parse({
    name: 't',
    severity: 'critical',
    source: 'prom',
    query: 'q',
    ...input,
  });
}

/** One value every `every` ms (default a minute) from `start`; null leaves a gap. */
export function gridSeries(
  values: (number | null)[],
  start: number,
  opts: { labels?: Record<string, string>; every?: number } = {},
): Series {
  const every = opts.every ?? 60_000;
  const samples = values.flatMap((v, i) => (v === null ? [] : [{ t: start + i * every, v }]));
  return seriesFromSamples(opts.labels ?? {}, samples);
}
