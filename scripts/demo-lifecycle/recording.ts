/**
 * The recorded metrics of the lifecycle demo, made relative to now: healthy before the bad
 * deploy, errors from shortly after it until the rollback, healthy again after the rollback.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { formatOpenMetrics } from '../../src/signals/sources/openmetrics.ts';

export interface MetricStory {
  labels: Record<string, string>;
  healthy: number;
  incident: number;
  /** Minutes after the bad deploy before the incident values start. */
  onset: number;
}

export interface Scenario {
  name: string;
  description: string;
  policy: string;
  environment: string;
  flag: string;
  known_good: { ref: string; deployed_minutes_ago: number };
  bad: { ref: string; deployed_minutes_ago: number };
  scrape: number;
  metrics: Record<string, MetricStory>;
  healthy_after_rollback: number;
}

function fail(message: string): never {
  throw new Error(`scenario: ${message}`);
}

export function readScenario(path: string): Scenario {
  const raw: unknown = parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null) fail('not a mapping');
  const s = raw as Scenario;
  for (const key of ['name', 'policy', 'environment', 'flag'] as const)
    if (typeof s[key] !== 'string') fail(`${key} must be a string`);
  if (typeof s.scrape !== 'number' || s.scrape <= 0) fail('scrape must be a positive number');
  if (typeof s.metrics !== 'object' || s.metrics === null) fail('metrics missing');
  return s;
}

export interface Timeline {
  /** Time of the first sample (ms). */
  from: number;
  /** Creation of the bad deployment (ms). */
  deployedAt: number;
  /** When the rollback happened (ms); undefined while the incident is still going on. */
  rolledBackAt?: number;
  /** Last sample (ms). */
  to: number;
}

/** Deterministic wobble so the recording does not look flat. */
function wobble(t: number, scale: number): number {
  return Math.sin(t / 37_000) * scale + Math.sin(t / 11_000) * scale * 0.5;
}

export function recordingText(scenario: Scenario, timeline: Timeline): string {
  const step = scenario.scrape * 1000;
  const series = Object.entries(scenario.metrics).map(([name, story]) => {
    const samples: { t: number; v: number }[] = [];
    const onset = timeline.deployedAt + story.onset * 60_000;
    const times: number[] = [];
    for (let t = Math.floor(timeline.from / step) * step; t <= timeline.to; t += step)
      times.push(t);
    // The metrics turn healthy at the rollback itself, not at the next scrape.
    if (timeline.rolledBackAt !== undefined) times.push(timeline.rolledBackAt);
    times.sort((a, b) => a - b);
    for (const t of new Set(times)) {
      const broken =
        t >= onset && (timeline.rolledBackAt === undefined || t < timeline.rolledBackAt);
      const base = broken ? story.incident : story.healthy;
      samples.push({ t, v: Number((base + wobble(t, base * 0.08)).toFixed(6)) });
    }
    return { labels: { __name__: name, ...story.labels }, samples };
  });
  return formatOpenMetrics(series);
}
