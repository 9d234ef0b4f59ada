/** A recorded incident to replay: which policy, which recorded series, and the time span. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../../shared/errors.ts';
import { duration } from '../../policy/schema.ts';
import { parseTime } from '../../shared/time-input.ts';

const time = z.union([z.string(), z.number(), z.date()]).transform((v, ctx) => {
  try {
    return v instanceof Date
      ? v.getTime()
      : parseTime(String(v), ctx.issues.length ? 'time' : 'time');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

export const scenarioSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  policy: z.string().meta({ description: 'Policy file, relative to the scenario.' }),
  environment: z.string(),
  series: z.string().meta({ description: 'Recorded OpenMetrics file, relative to the scenario.' }),
  deployed_at: time,
  from: time,
  to: time,
  step: duration.default(60_000),
});

export interface Scenario {
  name: string;
  description: string | undefined;
  policyPath: string;
  environment: string;
  seriesPath: string;
  deployedAt: number;
  from: number;
  to: number;
  step: number;
}

export async function readScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigurationError(
      `scenario ${path} cannot be read; pass --scenario with a scenario file such as examples/demo/scenario.yml`,
    );
  }
  const parsed = scenarioSchema.safeParse(parse(text));
  if (!parsed.success) {
    throw new ConfigurationError(
      `${path} is not a valid scenario`,
      parsed.error.issues.map((i) => `${path}: ${i.path.join('.') || '(top)'}: ${i.message}`),
    );
  }
  const s = parsed.data;
  if (s.to <= s.from) throw new ConfigurationError(`${path}: to must be after from`);
  const dir = dirname(resolve(path));
  return {
    name: s.name,
    description: s.description,
    policyPath: resolve(dir, s.policy),
    environment: s.environment,
    seriesPath: resolve(dir, s.series),
    deployedAt: s.deployed_at,
    from: s.from,
    to: s.to,
    step: s.step,
  };
}
