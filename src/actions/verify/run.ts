/**
 * verify: the runner's inputs (checks from the policy or the `checks` input, timing from the
 * policy with input overrides) -> the verify use case (src/verify/verify-run.ts) on the
 * services of the composition root (compose.ts) -> the outputs, the job summary and the step's
 * verdict.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Environment } from '../../policy/schema.ts';
import { checkSchema, CHECK_TYPES, type VerifyCheck } from '../../policy/schema-verify.ts';
import { metricLinkMarkdown, sourceLinksOf } from '../../signals/summary.ts';
import { parseBooleanInput, parseDurationInput, parseTime } from '../../shared/time-input.ts';
import { timingProblems, type VerifyTiming } from '../../verify/timing.ts';
import { reportNotifications } from '../../notify/channel-verdict.ts';
import { pauseNotice } from '../../rollback/pause.ts';
import type { ExecFn } from '../../rollback/steps/command-step.ts';
import {
  checksOutput,
  renderVerifySummary,
  VERIFY_MODES,
  type RecordResult,
  type VerifyMode,
  type VerifyOutcome,
} from '../../verify/rounds.ts';
import {
  resolveCheckSecrets,
  verifyDeployment,
  type VerifyRequest,
  type VerifyRunResult,
  type VerifyServices,
} from '../../verify/verify-run.ts';
import type { ActionIO } from '../action-io.ts';
import { compose, type ActionDeps, type ActionRoot, type ActionServices } from '../compose.ts';
import { proposeIncidentReport } from '../../incident/propose-report.ts';

export interface VerifyDepsIn extends ActionDeps {
  /** Tests shorten source and flag retries. */
  retryDelayMs?: number;
  exec?: ExecFn;
}

export interface VerifyActionResult {
  outcome: VerifyOutcome;
  record: RecordResult;
}

export async function run(io: ActionIO, deps: VerifyDepsIn): Promise<VerifyActionResult> {
  const root = compose(io, deps, {
    action: 'verify',
    tokenNeeds: 'deployments and issues write',
    policyInput: io.getInput('policy'),
  });
  const inputs = await verifyInputs(root);
  const { request, services } = await verifyServices(inputs, deps);
  const result = await verifyDeployment(request, services);
  await writeVerifyOutputs(io, inputs, result);
  return { outcome: result.outcome, record: result.record };
}

/** The action's inputs, checked in the order a user fixes them, with the policy they name. */
interface VerifyInputs {
  environment: string;
  mode: VerifyMode;
  services: ActionServices;
  env: Environment;
  /** The `checks` input, or else the policy's; never empty. */
  checks: VerifyCheck[];
  timing: VerifyTiming;
  failStep: boolean;
  deploymentId: number | null;
  incident: number | null;
  since: number | undefined;
}

async function verifyInputs(root: ActionRoot): Promise<VerifyInputs> {
  const { io } = root;
  const environment = io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const mode = io.getInput('mode');
  if (!VERIFY_MODES.includes(mode as VerifyMode)) {
    throw new ConfigurationError(
      `input mode: ${mode ? `"${mode}" is not a mode` : 'is required'}; write ${VERIFY_MODES.join(' or ')}`,
    );
  }
  io.phase('Policy');
  const services = await root.load();
  services.identity(); // RIPCORD_BOT_LOGIN is checked with the policy, before the other inputs
  const env = services.environment(environment);
  const checks = parseChecksInput(io.getInput('checks')) ?? env.verify.checks;
  if (checks.length === 0) {
    throw new ConfigurationError(
      `no checks to verify ${environment} with; add environments.${environment}.verify.checks to the policy or pass the checks input`,
    );
  }
  const timing = timingFrom(io, env.verify);
  const failStep = parseBooleanInput(
    io.getInput('fail-on-unverified') || 'true',
    'input fail-on-unverified',
  );
  const deploymentId = positiveInt(io.getInput('deployment-id'), 'deployment-id');
  const incident = positiveInt(io.getInput('incident'), 'incident');
  const sinceInput = io.getInput('since');
  const since = sinceInput ? parseTime(sinceInput, 'input since') : undefined;
  root.context(); // the token and the repository, last
  return {
    environment,
    mode: mode as VerifyMode,
    services,
    env,
    checks,
    timing,
    failStep,
    deploymentId,
    incident,
    since,
  };
}

/**
 * The composition root's services as the use case takes them: the checks with their secrets
 * resolved, the sources of metric checks and the flag providers of flag-off checks (every
 * secret masked before anything logs), GitHub's stores, notify and the report.
 */
async function verifyServices(
  inputs: VerifyInputs,
  deps: VerifyDepsIn,
): Promise<{ request: VerifyRequest; services: VerifyServices }> {
  const { services, environment } = inputs;
  const { io, root } = services;
  const { checks, secrets } = resolveCheckSecrets(inputs.checks, deps.env, 'verify.checks');
  root.mask(secrets);
  const retry = deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs };
  const sources = checks.some((c) => c.type === 'metric')
    ? services.sources({ now: deps.now, ...retry })
    : { sources: new Map(), secrets: [] };
  const only = checks.flatMap((c) => (c.type === 'flag-off' ? [c.provider] : []));
  const flags = services.flags(only, retry);
  const gh = await services.github();
  const { repository, serverUrl, runUrl } = gh.context;
  return {
    request: {
      environment,
      mode: inputs.mode,
      env: inputs.env,
      policyPath: root.policyPath,
      checks,
      timing: inputs.timing,
      deploymentId: inputs.deploymentId,
      incident: inputs.incident,
      since: inputs.since,
      run: { repository, serverUrl, runUrl, notifyValues: root.runValues() },
    },
    services: {
      deployments: gh.deployments(),
      incidents: gh.incidents(),
      sources: sources.sources,
      flags: flags.providers,
      secrets: [...new Set([...secrets, ...sources.secrets, ...flags.secrets])],
      ...(deps.exec ? { exec: deps.exec } : {}),
      judgePauses: (issues, authority) => gh.judgePauses(issues, authority),
      readPause: (name, authority) => gh.readPause(name, authority),
      notify: (n) => gh.send(n),
      proposeReport: (r) =>
        proposeIncidentReport(io, { ...r, octokit: gh.octokit(), repo: gh.repo }),
      now: deps.now,
      sleep: deps.sleep,
      logger: io,
      phase: (name) => io.phase(name),
    },
  };
}

/**
 * The outputs, the job summary (the pause first, then the checks with a link to each metric
 * in its own UI, then the channels notified) and the step's verdict: red when the verification
 * did not pass (unless fail-on-unverified is false), or when a required channel failed.
 */
async function writeVerifyOutputs(
  io: ActionIO,
  inputs: VerifyInputs,
  { outcome, record, incident, reportUrl, pause, notified }: VerifyRunResult,
): Promise<void> {
  io.setOutput('report-url', reportUrl);
  io.setOutput('result', outcome.result);
  io.setOutput('reason', outcome.reason);
  io.setOutput('checks', checksOutput(outcome));
  io.setOutput('rollback-recommended', String(record.rollbackRecommended));
  io.setOutput('escalate', String(record.escalate));
  io.setOutput('next-strategy', record.nextStrategy ?? '');
  io.setOutput('incident', incident ? String(incident.number) : '');
  const sourceLinks = sourceLinksOf(inputs.services.policy.sources);
  const notice = pauseNotice(pause);
  await io.appendSummary(
    (notice ? `${notice}\n\n` : '') +
      renderVerifySummary(inputs.environment, inputs.mode, outcome, record, {
        incident: incident ? { number: incident.number, url: incident.url } : null,
        links: inputs.checks.flatMap((c) => {
          if (c.type !== 'metric') return [];
          const link = metricLinkMarkdown({ query: c.query }, sourceLinks[c.source]);
          return link ? [{ name: c.name, link }] : [];
        }),
      }),
  );
  const notifyFailure = notified ? await reportNotifications(io, [notified]) : null;
  if (inputs.failStep && outcome.result !== 'passed')
    io.setFailed(`verification ${outcome.result}: ${outcome.reason}. ${record.next}`);
  else if (notifyFailure) io.setFailed(notifyFailure);
}

function positiveInt(text: string, name: string): number | null {
  if (!text) return null;
  if (!/^\d+$/.test(text) || Number(text) <= 0)
    throw new ConfigurationError(`input ${name}: "${text}" is not a number; write it like 1234`);
  return Number(text);
}

/** The `checks` input: a YAML (or JSON) list in the policy's shape; null when empty. */
export function parseChecksInput(text: string): VerifyCheck[] | null {
  if (text.trim() === '') return null;
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (thrown) {
    throw new ConfigurationError(
      `input checks is not YAML: ${(thrown as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  const parsed = z.array(checkSchema).min(1).safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = `checks[${issue.path.map(String).join('].')}`.replace(/\]\.(\D)/g, '].$1');
    if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
      const index = issue.path[0];
      const item = Array.isArray(raw) && typeof index === 'number' ? (raw[index] as unknown) : null;
      const type =
        typeof item === 'object' && item !== null && 'type' in item ? String(item.type) : '';
      return `${where}: ${type ? `unknown check type "${type}"` : 'type is missing'}; write one of ${CHECK_TYPES.join(', ')}`;
    }
    return `${where}: ${issue.message}`;
  });
  throw new ConfigurationError(
    `input checks is not a valid list of checks (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`,
    problems,
  );
}

function timingFrom(
  io: ActionIO,
  policy: {
    stabilization: number;
    interval: number;
    duration: number;
    successes: number;
    failures_tolerated: number;
    min_duration: number;
  },
): VerifyTiming {
  const duration = (name: string, fallback: number) => {
    const text = io.getInput(name);
    return text ? parseDurationInput(text, `input ${name}`) : fallback;
  };
  const count = (name: string, fallback: number) => {
    const text = io.getInput(name);
    if (!text) return fallback;
    if (!/^\d+$/.test(text))
      throw new ConfigurationError(
        `input ${name}: "${text}" is not a whole number; write it like 3`,
      );
    return Number(text);
  };
  const timing: VerifyTiming = {
    stabilization: duration('stabilization', policy.stabilization),
    interval: duration('interval', policy.interval),
    duration: duration('duration', policy.duration),
    successes: count('successes', policy.successes),
    failuresTolerated: count('failures-tolerated', policy.failures_tolerated),
    minDuration: duration('min-duration', policy.min_duration),
  };
  const problems = timingProblems(timing);
  if (problems.length > 0)
    throw new ConfigurationError(`verify timing: ${problems.join('; ')}`, problems);
  return timing;
}
