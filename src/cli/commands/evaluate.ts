/**
 * `ripcord evaluate`: the triggers of an environment at one time (now, `--at -30m`, a past
 * timestamp), or watched for a while (`--watch 10m`), a line per poll. The human view goes to
 * stdout as aligned columns; `--json` prints the stable JSON object instead. The evaluation
 * time used is always printed, since "now" and a zone-less `--at` are easy to misread.
 */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { parseAtTime, parseDurationInput } from '../../shared/time-input.ts';
import type { Decision, Verdict } from '../../signals/verdict.ts';
import { evaluableEnvironment, evaluateEnvironment } from '../../signals/evaluate-environment.ts';
import { watch } from '../../signals/watch.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import { createSources } from '../../signals/factory.ts';
import { loadRecording } from '../../signals/sources/file.ts';
import { formatUtc } from '../../shared/time-format.ts';
import type { Environment, Policy } from '../../policy/schema.ts';
import type { CliIO } from '../io.ts';
import {
  clockTime,
  colourWanted,
  createStyle,
  span,
  statusWord,
  table,
  type Style,
} from '../terminal.ts';

export async function evaluate(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args: joinNegativeValues(args, ['--at', '--baseline']),
    options: {
      policy: { type: 'string' },
      environment: { type: 'string' },
      'source-file': { type: 'string' },
      at: { type: 'string' },
      baseline: { type: 'string' },
      watch: { type: 'string' },
      interval: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.environment)
    throw new ConfigurationError('--environment is required, such as --environment production');
  if (values.watch !== undefined && values.at !== undefined)
    throw new ConfigurationError('--watch evaluates from now on; leave out --at, or --watch');
  const policyPath = values.policy ?? defaultPolicyPath;
  // Check every input before any source is built, so a typo is reported before a missing secret.
  const now = io.now();
  // The spelling first; whether the future is allowed depends on the sources, read below.
  const anyTime = { allowFuture: true };
  if (values.at) parseAtTime(values.at, now, '--at', anyTime);
  if (values.baseline) parseAtTime(values.baseline, now, '--baseline', anyTime);
  const duration = values.watch ? parseDurationInput(values.watch, '--watch') : undefined;
  const interval = values.interval ? parseDurationInput(values.interval, '--interval') : undefined;
  const policy = await readPolicy(policyPath);
  const env = evaluableEnvironment(policy, values.environment);
  // A recording's times are its own; only live sources have no data after now. When every
  // trigger reads a recording, a time outside it is the error instead, naming its range.
  const files = recordedFiles(policy, env, dirname(resolve(policyPath)), values['source-file']);
  const recorded = { allowFuture: files !== null };
  const at = values.at ? parseAtTime(values.at, now, '--at', recorded) : now;
  if (values.at && files) await assertWithinRecordings(at, files, '--at');
  const deployedAt = values.baseline
    ? parseAtTime(values.baseline, now, '--baseline', recorded)
    : undefined;
  const { sources } = createSources(policy, {
    env: io.env,
    policyDir: dirname(resolve(policyPath)),
    logger,
    ...(values['source-file'] ? { fileOverride: resolve(values['source-file']) } : {}),
  });
  const style = createStyle(!values.json && colourWanted(io.env, io.isTTY === true));
  const common = {
    policy,
    environment: values.environment,
    sources,
    logger,
    ...(deployedAt === undefined ? {} : { deployedAt }),
  };
  if (duration !== undefined) {
    const every = interval ?? env.step;
    const started = io.now();
    if (!values.json) {
      io.stdout(
        `Watching ${values.environment} for ${span(duration)}, every ${span(every)} (times in UTC)`,
      );
    }
    const result = await watch({
      ...common,
      duration,
      interval: every,
      now: io.now,
      sleep: io.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      onPoll: (decision) => {
        const left = Math.max(0, started + duration - Date.parse(decision.evaluatedAt));
        if (values.json) io.stdout(JSON.stringify({ ...toJson(decision), left: left / 1000 }));
        else io.stdout(pollLine(style, decision, left));
      },
    });
    if (!values.json) io.stdout(renderDecision(style, result.decision, io.now()));
    return 0;
  }
  const decision = await evaluateEnvironment({ ...common, at });
  if (values.json) io.stdout(JSON.stringify(toJson(decision), null, 2));
  else io.stdout(renderDecision(style, decision, now));
  return 0;
}

/**
 * The recorded files the environment's triggers read (`--source-file`, or `type: file`
 * sources), or null when any trigger reads a live source (Prometheus, Datadog, HTTP).
 */
function recordedFiles(
  policy: Policy,
  env: Environment,
  policyDir: string,
  override: string | undefined,
): string[] | null {
  if (override !== undefined) return [override];
  const files = new Set<string>();
  for (const trigger of env.triggers) {
    const source = policy.sources[trigger.source];
    if (source?.type !== 'file') return null;
    files.add(resolve(policyDir, source.path));
  }
  return [...files];
}

/**
 * A time after a recording's last sample (or before its first) has no data in it: say so with
 * the recording's range, rather than evaluating every trigger to "no data".
 */
async function assertWithinRecordings(at: number, files: string[], where: string): Promise<void> {
  for (const file of files) {
    let recording;
    try {
      // Only the range is wanted here: keep no samples beyond the one instant.
      recording = await loadRecording(file, { keep: { from: at, to: at } });
    } catch {
      return; // A missing or unreadable file is reported by the evaluation, per trigger.
    }
    const { minT, maxT } = recording;
    if (!Number.isFinite(minT) || !Number.isFinite(maxT)) continue;
    if (at > maxT || at < minT) {
      throw new ConfigurationError(
        `${where}: ${formatUtc(at)} is ${at > maxT ? 'after the end' : 'before the start'} of the recording ${file}, which covers ${formatUtc(minT)} to ${formatUtc(maxT)}; give a time within it, such as --at ${new Date(maxT).toISOString()}`,
      );
    }
  }
}

/**
 * `--at -30m` as `--at=-30m`: node's parseArgs takes a value starting with `-` for an option
 * and refuses it ("ambiguous"), but a relative time is exactly that.
 */
function joinNegativeValues(args: string[], options: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const next = args[i + 1];
    if (options.includes(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** `ok`, `pending`, `breached` or `inconclusive`: the verdict as Prometheus users read alerts. */
export function shownState(v: Pick<Verdict, 'status' | 'pending'>): string {
  return v.status === 'ok' && v.pending ? 'pending' : v.status;
}

/** "since 10:02 UTC", or "since before 10:02 UTC" when the breach began before the data read. */
export function sinceText(v: Pick<Verdict, 'since' | 'sinceBefore'>, now: number): string {
  if (v.since === null) return '';
  return `since ${v.sinceBefore ? 'before ' : ''}${clockTime(Date.parse(v.since), now)}`;
}

/** One line per poll: the time, each trigger's value and state, the time left. */
export function pollLine(style: Style, decision: Decision, leftMs: number): string {
  const time = decision.evaluatedAt.slice(11, 19);
  const triggers = decision.triggers
    .map((v) => `${v.name} ${v.valueText ?? '-'} ${statusWord(style, shownState(v))}`)
    .join(' | ');
  return `${time}  ${statusWord(style, decision.decision)}  ${triggers}  (${span(leftMs)} left)`;
}

export function renderDecision(style: Style, decision: Decision, now: number): string {
  const rows = [
    ['STATE', 'TRIGGER', 'VALUE', 'CONDITION', 'SINCE'].map((h) => style.dim(h)),
    ...decision.triggers.map((v) => [
      statusWord(style, shownState(v)),
      v.name,
      v.valueText ?? '-',
      v.threshold,
      sinceText(v, now),
    ]),
  ];
  return [
    `Evaluated ${decision.environment} at ${decision.evaluatedAt}`,
    `${style.bold(statusWord(style, decision.decision).toUpperCase())}: ${decision.summary}`,
    '',
    ...table(rows),
    '',
    ...decision.triggers.map((v) => `${v.name}: ${v.reason}`),
  ].join('\n');
}

/** The stable JSON contract of `ripcord evaluate --json`. */
export function toJson(decision: Decision) {
  return {
    decision: decision.decision,
    environment: decision.environment,
    severity: decision.severity,
    strategy: decision.strategy,
    approval: decision.approval,
    evaluatedAt: decision.evaluatedAt,
    summary: decision.summary,
    triggers: decision.triggers.map((v) => ({
      name: v.name,
      status: v.status,
      state: shownState(v),
      severity: v.severity,
      value: v.value,
      threshold: v.threshold,
      since: v.since,
      sinceBefore: v.sinceBefore === true,
      reason: v.reason,
    })),
  };
}
