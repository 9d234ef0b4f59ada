/**
 * A policy's rollback strategy as ordered, resumable steps.
 *
 * Each step has an id that stays the same from one run to the next as long as the policy does
 * (`feature-flag:rollout-25`, `full:restore-data`), so a re-run of a crashed rollback can skip
 * what the recorded timeline says is done. Everything the policy can get wrong (a missing
 * provider, a misspelt placeholder, a missing secret) fails here, before any step runs.
 *
 * Steps never throw for operational failures: they return `{ok: false, detail}` with the reason.
 * Every step is idempotent (a flag switched off twice, the same version redeployed twice),
 * because a crash between a step's effect and its record makes the next run repeat it.
 *
 * Decisions:
 * - gradual feature-flag steps ending at 0% leave the flag switched on at 0%, so staged recovery
 *   only has to raise the percentage; the step's detail says so, since users matched by other
 *   strategies of that flag still get it. Use mode `immediate` to switch it off.
 * - `step_wait` is slept before each gradual step after the first, not after the last one, so
 *   the last percentage is recorded as done as soon as it is set.
 * - full: maintenance_off runs only when redeploy and restore_data succeeded (see ladder.ts).
 *   Taking a site out of maintenance over a failed redeploy or a half-restored database exposes
 *   users to the very state the runbook shut them out of; a person decides, and a re-run of the
 *   rollback resumes after the steps already done.
 * - Secrets (`${NAME}`) are resolved in http steps only. A command is bash: `${NAME}` there is
 *   the shell's own expansion of the runner's environment, and splicing a secret's value into
 *   the command text would break the rule that values reach commands only through variables.
 */
import { ConfigurationError, toError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type {
  FeatureFlagStrategy,
  FullStrategy,
  RedeployStrategy,
  RollbackPolicy,
  StepPolicy,
} from '../policy/schema-rollback.ts';
import { strategyName, type StrategyName } from '../policy/schema.ts';
import { resolveSecrets } from '../policy/secrets.ts';
import type { StepOwner } from './ladder-machine.ts';
import type { GitHubClient } from '../github/client.ts';
import type { FlagProvider } from './flags/flag-provider.ts';
import { ripcordEnv, runCommandStep, stepValues, type StepContext } from './steps/command-step.ts';
import { compileHttpStep } from './steps/http-step.ts';
import { compileHeaders, compileTemplate, renderHeaders } from './template.ts';
import { STEP_PLACEHOLDERS } from './steps/command-step.ts';
import { compileWorkflowDispatch } from './steps/workflow-dispatch-step.ts';

// The strategy names are the policy schema's; who owns a step is the ladder machine's word.
export type { StrategyName };
export type { StepOwner };

export const STRATEGIES: readonly StrategyName[] = strategyName.options;

export interface StepRunContext {
  step: StepContext;
  logger: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface StepResult {
  ok: boolean;
  /** One line for the timeline: what was done, or why it failed. */
  detail: string;
}

export interface PlannedStep {
  /** Stable across runs of the same policy: `feature-flag:disable`, `full:maintenance-on`. */
  id: string;
  strategy: StepOwner;
  /** For people: `Set chat-assistant rollout to 25%`. */
  name: string;
  kind: 'flag' | 'command' | 'http' | 'workflow-dispatch';
  /** The step that restores data: its finish time ends the data-loss window. */
  restoresData?: boolean;
  /** Why it matters that this step did not run when an earlier step of its strategy failed. */
  whenNotRun?: string;
  run(ctx: StepRunContext): Promise<StepResult>;
  /**
   * What the step would do for `step`, for `ripcord plan`: the command and its RIPCORD_*
   * variables, the request with its URL and body, the dispatch inputs, each line with secret
   * values replaced by ***. Nothing is called.
   */
  preview?(step: StepContext): string[];
}

export interface PlanDeps {
  /** Built by createFlagProviders, by policy name. */
  flags: Map<string, FlagProvider>;
  /** Needed by a redeploy through a workflow. */
  octokit?: GitHubClient;
  repo?: { owner: string; repo: string };
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Masks a secret resolved into an http step (every form) in the runner's log. */
  mask?: (secret: string) => void;
  /** Between two polls of a dispatched workflow run; 10 s when omitted. */
  pollIntervalMs?: number;
  /** Command working directory (the checkout); the process's when omitted. */
  cwd?: string;
  /** For http steps; global fetch when omitted. */
  fetch?: typeof fetch;
}

export function planStrategy(
  strategy: StrategyName,
  environment: string,
  rollback: RollbackPolicy,
  deps: PlanDeps,
): PlannedStep[] {
  const where = `environments.${environment}.rollback.strategies`;
  const strategies = rollback.strategies;
  const missing = (name: StrategyName): ConfigurationError =>
    new ConfigurationError(
      `strategy ${name} is not configured for ${environment}; add rollback.strategies.${name} to the policy`,
    );
  switch (strategy) {
    case 'feature-flag': {
      const config = strategies['feature-flag'];
      if (!config) throw missing(strategy);
      return planFeatureFlag(config, environment, `${where}.feature-flag`, deps);
    }
    case 'config': {
      const config = strategies.config;
      if (!config) throw missing(strategy);
      return [
        planStepPolicy(
          'config',
          'config:restore',
          'Restore config',
          config,
          `${where}.config`,
          deps,
        ),
      ];
    }
    case 'redeploy': {
      const config = strategies.redeploy;
      if (!config) throw missing(strategy);
      return [planRedeploy('redeploy', undefined, config, `${where}.redeploy`, deps)];
    }
    case 'full': {
      const config = strategies.full;
      if (!config) throw missing(strategy);
      if (!strategies.redeploy) {
        throw new ConfigurationError(
          `strategy full redeploys as configured under rollback.strategies.redeploy, which ${environment} lacks; add it to the policy`,
        );
      }
      return planFull(config, strategies.redeploy, `${where}.full`, deps);
    }
  }
}

/**
 * `rollback.maintenance` as two steps around the ladder (ladder.ts runs `off` even when every
 * rung failed), or none when the policy has none or it does not wrap `start`.
 */
export function planMaintenance(
  start: StrategyName,
  environment: string,
  rollback: RollbackPolicy,
  deps: PlanDeps,
): { on: PlannedStep; off: PlannedStep } | null {
  const config = rollback.maintenance;
  if (!config) return null;
  if (config.strategies && !config.strategies.includes(start)) return null;
  const where = `environments.${environment}.rollback.maintenance`;
  const on = planStepPolicy(
    'maintenance',
    'maintenance:on',
    'Maintenance mode on',
    config.on,
    `${where}.on`,
    deps,
  );
  const off = planStepPolicy(
    'maintenance',
    'maintenance:off',
    'Maintenance mode off',
    config.off,
    `${where}.off`,
    deps,
  );
  return { on, off };
}

/**
 * The rungs a rollback starting at `start` may climb: `start`, then (when `escalate`) the
 * configured strategies after it in `rollback.ladder`. A start outside the ladder (an operator's
 * explicit choice) has no "after", so it is tried alone.
 */
export function ladderFrom(start: StrategyName, rollback: RollbackPolicy): StrategyName[] {
  const rungs: StrategyName[] = [start];
  if (!rollback.escalate) return rungs;
  const at = rollback.ladder.indexOf(start);
  if (at < 0) return rungs;
  for (const rung of rollback.ladder.slice(at + 1)) {
    if (rollback.strategies[rung] !== undefined && !rungs.includes(rung)) rungs.push(rung);
  }
  return rungs;
}

/** A maintenance step sees the strategy the rollback runs (RIPCORD_STRATEGY), not its own owner. */
function ownStrategy(owner: StepOwner): { strategy?: string } {
  return owner === 'maintenance' ? {} : { strategy: owner };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}

/** Runs `body`, turning anything thrown into a failed outcome: a step never throws. */
async function guarded(body: () => Promise<StepResult>): Promise<StepResult> {
  try {
    return await body();
  } catch (thrown) {
    return { ok: false, detail: oneLine(toError(thrown).message) };
  }
}

function planFeatureFlag(
  config: FeatureFlagStrategy,
  environment: string,
  where: string,
  deps: PlanDeps,
): PlannedStep[] {
  const provider = deps.flags.get(config.provider);
  if (!provider) {
    const known = [...deps.flags.keys()];
    throw new ConfigurationError(
      `${where}.provider: flag provider ${config.provider} is not defined under flags${known.length > 0 ? ` (defined: ${known.join(', ')})` : ''}; add it under flags or fix the name`,
    );
  }
  const flag = config.flag;
  const flagEnv = config.environment ?? environment;
  const base = { strategy: 'feature-flag' as const, kind: 'flag' as const };
  const on = `${provider.kind} ${flagEnv}`;
  switch (config.mode) {
    case 'immediate':
      return [
        {
          ...base,
          id: 'feature-flag:disable',
          name: `Switch flag ${flag} off`,
          preview: () => [`${on}: switch flag ${flag} off`],
          run: () =>
            guarded(async () => {
              await provider.disable(flag, flagEnv);
              return { ok: true, detail: `flag ${flag} switched off in ${on}` };
            }),
        },
      ];
    case 'components': {
      if (config.components.length === 0) {
        throw new ConfigurationError(
          `${where}.components: mode components needs the components to switch off; list them, or use mode immediate`,
        );
      }
      const names = config.components;
      return [
        {
          ...base,
          id: 'feature-flag:components',
          name: `Switch off ${names.join(', ')} of flag ${flag}`,
          preview: () => [`${on}: switch off ${names.join(', ')} of flag ${flag}`],
          run: () =>
            guarded(async () => {
              await provider.disableComponents(flag, flagEnv, names);
              return {
                ok: true,
                detail: `components ${names.join(', ')} of flag ${flag} switched off in ${on}; ${flag} itself left as it was`,
              };
            }),
        },
      ];
    }
    case 'gradual': {
      if (config.steps.length === 0) {
        throw new ConfigurationError(`${where}.steps: mode gradual needs at least one percentage`);
      }
      const seen = new Map<number, number>();
      return config.steps.map((percent, index): PlannedStep => {
        const count = (seen.get(percent) ?? 0) + 1;
        seen.set(percent, count);
        const wait = index > 0 ? config.step_wait : 0;
        return {
          ...base,
          id: `feature-flag:rollout-${percent}${count > 1 ? `-${count}` : ''}`,
          name: `Set flag ${flag} rollout to ${percent}%`,
          preview: () => [
            `${wait > 0 ? `after ${Math.round(wait / 1000)}s, ` : ''}${on}: set flag ${flag} rollout to ${percent}%`,
          ],
          run: (ctx) =>
            guarded(async () => {
              if (wait > 0) await ctx.sleep(wait);
              await provider.setRollout(flag, flagEnv, percent);
              const note =
                percent === 0
                  ? '; the flag stays switched on at 0% so staged recovery can raise it (users matched by its other strategies still get it)'
                  : '';
              return {
                ok: true,
                detail: `flag ${flag} rollout set to ${percent}% in ${on}${note}`,
              };
            }),
        };
      });
    }
  }
}

function planStepPolicy(
  strategy: StepOwner,
  id: string,
  name: string,
  config: StepPolicy,
  where: string,
  deps: PlanDeps,
): PlannedStep {
  if (config.command !== undefined) {
    const command = config.command;
    return {
      id,
      strategy,
      name,
      kind: 'command',
      run: (ctx) => runCommand(command, config.timeout, strategy, ctx, deps),
      preview: (step) => commandPreview(command, { ...step, strategy }),
    };
  }
  if (config.http === undefined) {
    throw new ConfigurationError(`${where}: write exactly one of command, http`);
  }
  const { value: http, secrets } = resolveSecrets(config.http, deps.env, `${where}.http`);
  // Before anything can print them: the URL is logged and failures quote the request.
  for (const secret of secrets) deps.mask?.(secret);
  const compiled = compileHttpStep({
    method: http.method,
    url: http.url,
    ...(http.headers ? { headers: http.headers } : {}),
    ...(http.body !== undefined ? { body: http.body } : {}),
    ...(http.expect_status ? { expectStatus: http.expect_status } : {}),
    timeoutMs: config.timeout,
    name: where,
    secrets,
  });
  return {
    id,
    strategy,
    name,
    kind: 'http',
    preview: (step) => {
      const values = stepValues({ ...step, strategy });
      const at = (what: string): string => `${where}.http.${what}`;
      const template = (source: string, escaping: 'url' | 'json', what: string): string =>
        compileTemplate(source, { allowed: STEP_PLACEHOLDERS, escaping, where: at(what) }).render(
          values,
        );
      const lines = [`${http.method} ${template(http.url, 'url', 'url')}`];
      const headers = renderHeaders(
        compileHeaders(http.headers, STEP_PLACEHOLDERS, at('headers')),
        values,
      );
      for (const [key, value] of Object.entries(headers)) lines.push(`${key}: ${value}`);
      if (http.body !== undefined) lines.push(template(http.body, 'json', 'body'));
      return lines.map((line) => redact(line, secrets));
    },
    run: (ctx) =>
      guarded(async () => {
        const result = await compiled.run(stepValues({ ...ctx.step, ...ownStrategy(strategy) }), {
          logger: ctx.logger,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        });
        return result.ok
          ? { ok: true, detail: `HTTP ${String(result.status)} from ${http.method} request` }
          : { ok: false, detail: oneLine(result.reason ?? `HTTP ${String(result.status)}`) };
      }),
  };
}

/** `$ command` and the RIPCORD_* variables it gets (it is bash: `${NAME}` is its own business). */
function commandPreview(command: string, step: StepContext): string[] {
  const env = Object.entries(ripcordEnv(step))
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${v}`);
  return [
    ...command
      .trim()
      .split('\n')
      .map((line) => `$ ${line}`),
    ...(env.length > 0 ? [`  with ${env.join(' ')}`] : []),
  ];
}

/** Every secret value in `text` replaced by ***, longest first so a secret inside another goes too. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') out = out.split(secret).join('***');
  }
  return out;
}

function runCommand(
  command: string,
  timeoutMs: number,
  strategy: StepOwner,
  ctx: StepRunContext,
  deps: PlanDeps,
): Promise<StepResult> {
  return guarded(async () => {
    const result = await runCommandStep({
      command,
      env: ripcordEnv({ ...ctx.step, ...ownStrategy(strategy) }),
      timeoutMs,
      logger: ctx.logger,
      ...(deps.cwd !== undefined ? { cwd: deps.cwd } : {}),
    });
    return result.ok
      ? { ok: true, detail: `command succeeded in ${Math.round(result.durationMs / 100) / 10}s` }
      : { ok: false, detail: oneLine(result.reason ?? 'command failed') };
  });
}

function planRedeploy(
  strategy: StrategyName,
  /** `redeploy:workflow` or `redeploy:command` when omitted. */
  id: string | undefined,
  config: RedeployStrategy,
  where: string,
  deps: PlanDeps,
): PlannedStep {
  if (config.command !== undefined) {
    const command = config.command;
    return {
      id: id ?? 'redeploy:command',
      strategy,
      name: 'Redeploy the known-good version (command)',
      kind: 'command',
      run: (ctx) => runCommand(command, config.timeout, strategy, ctx, deps),
      preview: (step) => commandPreview(command, { ...step, strategy }),
    };
  }
  const workflow = config.workflow;
  if (workflow === undefined) {
    throw new ConfigurationError(`${where}: write exactly one of workflow, command`);
  }
  const { octokit, repo } = deps;
  const compiled = compileWorkflowDispatch({
    workflow,
    refInput: config.ref_input,
    inputs: config.inputs,
    timeoutMs: config.timeout,
    name: `${where}.workflow`,
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
  });
  return {
    id: id ?? 'redeploy:workflow',
    strategy,
    name: `Redeploy the known-good version (${workflow})`,
    kind: 'workflow-dispatch',
    preview: (step) => {
      const values = stepValues({ ...step, strategy });
      const inputs: string[] = [
        `${config.ref_input}=${step.targetSha ?? step.targetRef ?? '(the known-good version)'}`,
      ];
      for (const [key, value] of Object.entries(config.inputs ?? {})) {
        const where_ = `${where}.inputs.${key}`;
        inputs.push(
          `${key}=${compileTemplate(value, { allowed: STEP_PLACEHOLDERS, escaping: 'text', where: where_ }).render(values)}`,
        );
      }
      const repoText = repo ? ` in ${repo.owner}/${repo.repo}` : '';
      return [
        `dispatch workflow ${workflow}${repoText} with inputs:`,
        ...inputs.map((i) => `  ${i}`),
      ];
    },
    run: (ctx) =>
      guarded(async () => {
        if (!octokit || !repo) {
          // A wiring bug, not the user's: the action always has a token and a repository.
          throw new Error(`${where}: a workflow redeploy needs a GitHub client and the repository`);
        }
        const result = await compiled.run(
          { ...ctx.step, strategy },
          {
            octokit,
            owner: repo.owner,
            repo: repo.repo,
            logger: ctx.logger,
            now: ctx.now,
            sleep: ctx.sleep,
          },
        );
        return { ok: result.ok, detail: oneLine(result.detail) };
      }),
  };
}

function planFull(
  config: FullStrategy,
  redeploy: RedeployStrategy,
  where: string,
  deps: PlanDeps,
): PlannedStep[] {
  const on = planStepPolicy(
    'full',
    'full:maintenance-on',
    'Maintenance mode on',
    config.maintenance_on,
    `${where}.maintenance_on`,
    deps,
  );
  const again = planRedeploy(
    'full',
    'full:redeploy',
    redeploy,
    where.replace(/full$/, 'redeploy'),
    deps,
  );
  const restore = planStepPolicy(
    'full',
    'full:restore-data',
    'Restore data',
    config.restore_data,
    `${where}.restore_data`,
    deps,
  );
  const off = planStepPolicy(
    'full',
    'full:maintenance-off',
    'Maintenance mode off',
    config.maintenance_off,
    `${where}.maintenance_off`,
    deps,
  );
  return [
    on,
    again,
    { ...restore, restoresData: true },
    {
      ...off,
      whenNotRun:
        'maintenance mode stays on: the redeploy or the restore is not known to be good, so users are kept out until someone checks; re-run the rollback to resume after the steps already done, or switch maintenance off by hand',
    },
  ];
}
