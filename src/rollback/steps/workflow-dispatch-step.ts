/**
 * The `workflow-dispatch` rollback step: the redeploy strategy runs the repository's own deploy
 * workflow for the known-good version and waits for that run to succeed.
 *
 * Which ref the workflow runs from: GitHub runs the workflow *file* at the dispatched `ref`, and
 * that ref must be a branch or tag, never a bare sha. Ripcord dispatches on the repository's
 * default branch (today's deploy pipeline, with its current secrets, environments and fixes)
 * and passes the known-good version in the `ref_input` input (the sha when known, since a tag
 * or branch may move; else the ref). The deploy workflow checks out that input. Dispatching on
 * the old tag instead would run an old copy of the pipeline, which may point at retired
 * infrastructure.
 *
 * Finding the run: the dispatch asks for `return_run_details` and uses the run id GitHub sends
 * back. GitHub Enterprise Server before 3.21 refuses that key with 400 or 422 (`"return_run_details"
 * is not a permitted key.`, https://github.com/benc-uk/workflow-dispatch/issues/86): Ripcord
 * then dispatches once more without it (the refused request started nothing). A server that
 * ignores it (answering 204) gets the
 * oldest workflow_dispatch run of that workflow on that branch created at or after the
 * dispatch, by the server's own clock (the response's Date header), so runner clock skew
 * cannot pick an older run.
 *
 * The run is polled until it completes; only `success` counts. A run still going at the time
 * limit fails the step but is not cancelled: stopping a deploy halfway can leave things worse
 * than letting it finish, and the timeline links to it.
 */
import { formatDuration } from '../../policy/duration.ts';
import { ConfigurationError, toError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { GitHubClient } from '../../github/client.ts';
import { STEP_PLACEHOLDERS, stepValues, type StepContext } from './command-step.ts';
import { compileTemplate, type Template } from '../template.ts';
import { requestMessage, requestStatus } from '../../github/repo-ref.ts';

export interface WorkflowDispatchConfig {
  /** Workflow file name (`deploy.yml`) or numeric id. */
  workflow: string;
  /** The input that receives the known-good sha (or ref). */
  refInput: string;
  /** Further inputs; values may use `{{placeholders}}` (STEP_PLACEHOLDERS). */
  inputs?: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** Between two polls of the run; 10 s when omitted. */
  pollIntervalMs?: number;
  /** Branch to dispatch on; the repository's default branch when omitted. */
  dispatchRef?: string;
  /** Names the step in logs and errors. */
  name?: string;
}

export interface WorkflowDispatchRuntime {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  logger: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface WorkflowDispatchResult {
  ok: boolean;
  runId: number | null;
  /** The run's page on GitHub, for people. */
  runUrl: string | null;
  conclusion: string | null;
  /** What was done, or why it failed, in one line. */
  detail: string;
}

export interface CompiledWorkflowDispatch {
  readonly name: string;
  run(context: StepContext, runtime: WorkflowDispatchRuntime): Promise<WorkflowDispatchResult>;
}

/** How far a run's created_at may sit before the dispatch's Date header (second resolution). */
const SERVER_CLOCK_SLACK_MS = 1_000;
/** How long a dispatch may take to show up as a run when the run id did not come back. */
const FIND_RUN_LIMIT_MS = 120_000;

interface RunView {
  id: number;
  status: string | null;
  conclusion: string | null;
  html_url: string;
  run_number: number;
  created_at: string;
}

export function compileWorkflowDispatch(config: WorkflowDispatchConfig): CompiledWorkflowDispatch {
  const name = config.name ?? `workflow ${config.workflow}`;
  if (config.workflow.trim() === '') {
    throw new ConfigurationError(`${name}: the workflow file name is empty`);
  }
  if (!(config.timeoutMs > 0)) {
    throw new ConfigurationError(`${name}: needs a positive timeout, not ${config.timeoutMs}`);
  }
  const problems: string[] = [];
  const inputs: [string, Template][] = [];
  for (const [key, value] of Object.entries(config.inputs ?? {})) {
    // inputs.<ref_input> replaces the sha Ripcord puts there by default: a pipeline that deploys
    // an image tag writes `{{target_tag}}` (or `{{target_version}}`) for it.
    try {
      inputs.push([
        key,
        compileTemplate(value, {
          allowed: STEP_PLACEHOLDERS,
          escaping: 'text',
          where: `${name}.inputs.${key}`,
        }),
      ]);
    } catch (thrown) {
      if (!(thrown instanceof ConfigurationError)) throw thrown;
      problems.push(...thrown.problems);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(`invalid ${name}`, problems);
  const pollIntervalMs = config.pollIntervalMs ?? 10_000;
  const limit = formatDuration(config.timeoutMs);

  return {
    name,
    async run(context, runtime) {
      const { octokit, owner, repo, logger } = runtime;
      const started = runtime.now();
      const fail = (detail: string, run?: RunView): WorkflowDispatchResult => {
        logger.error(`${name}: ${detail}`);
        return {
          ok: false,
          runId: run?.id ?? null,
          runUrl: run?.html_url ?? null,
          conclusion: run?.conclusion ?? null,
          detail,
        };
      };
      const version = context.targetSha ?? context.targetRef;
      if (version === undefined || version === '') {
        return fail('no known-good version to redeploy (neither a target sha nor a ref is known)');
      }
      const values = stepValues(context);
      const body: Record<string, string> = { [config.refInput]: version };
      for (const [key, template] of inputs) body[key] = template.render(values);
      const unfilled = Object.entries(body).filter(
        ([key, value]) => value === '' && (config.inputs?.[key] ?? '').includes('{{'),
      );
      if (unfilled.length > 0) {
        return fail(
          `input${unfilled.length > 1 ? 's' : ''} ${unfilled.map(([k]) => `${k} (${config.inputs?.[k] ?? ''})`).join(', ')} would be empty: the known-good deployment does not carry that value (tag or version in its payload, or a named ref); use {{target_sha}} or {{target_ref}}, or have the deploy pipeline put tag/version in the deployment payload`,
        );
      }

      let ref = config.dispatchRef;
      try {
        if (ref === undefined) {
          ref = (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
        }
      } catch (thrown) {
        return fail(`could not read the default branch of ${owner}/${repo}: ${apiReason(thrown)}`);
      }

      let runId: number | undefined;
      let serverTime: number;
      const dispatch = (withRunDetails: boolean) =>
        octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
          owner,
          repo,
          workflow_id: config.workflow,
          ref,
          inputs: body,
          ...(withRunDetails ? { return_run_details: true } : {}),
        });
      try {
        let response: Awaited<ReturnType<typeof dispatch>>;
        try {
          response = await dispatch(true);
        } catch (thrown) {
          if (!refusesRunDetails(thrown)) throw thrown;
          logger.info(
            `${name}: this GitHub does not accept return_run_details (${apiReason(thrown)}); dispatching without it and finding the run by listing`,
          );
          response = await dispatch(false);
        }
        const data: unknown = response.data;
        if (isRecord(data) && typeof data['workflow_run_id'] === 'number') {
          runId = data['workflow_run_id'];
        }
        const date = Date.parse(String(response.headers.date ?? ''));
        serverTime = Number.isFinite(date) ? date : started;
      } catch (thrown) {
        return fail(dispatchReason(thrown, config.workflow, owner, repo));
      }
      logger.info(
        `${name}: dispatched on ${ref} with ${config.refInput}=${body[config.refInput] ?? version}${runId ? ` (run ${runId})` : ''}`,
      );

      if (runId === undefined) {
        const found = await findRun(config.workflow, ref, serverTime, runtime, pollIntervalMs);
        if (typeof found === 'string') return fail(found);
        runId = found;
      }

      let run: RunView | undefined;
      let lastError: string | undefined;
      let toldWaiting = false;
      for (;;) {
        try {
          run = (await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: runId })).data;
          lastError = undefined;
          if (run.status === 'completed') break;
          if (run.status === 'waiting' && !toldWaiting) {
            // A deploy job whose environment has required reviewers waits for a person: say
            // so at once, with the link, rather than only at the time limit.
            toldWaiting = true;
            logger.warning(
              `${name}: run #${run.run_number} is waiting for approval of its environment's required reviewers: approve it at ${run.html_url}`,
            );
          }
        } catch (thrown) {
          // A 404 will not heal; anything else (network, 5xx past Octokit's retries) may.
          if (requestStatus(thrown) === 404)
            return fail(`run ${runId} disappeared: ${apiReason(thrown)}`);
          lastError = apiReason(thrown);
          logger.warning(`${name}: could not read run ${runId}: ${lastError}; trying again`);
        }
        if (runtime.now() - started >= config.timeoutMs) {
          const where = run
            ? run.status === 'waiting'
              ? `run #${run.run_number} (${run.html_url}) is still waiting for environment approval (a required reviewer must approve it there)`
              : `run #${run.run_number} (${run.html_url}) is still ${run.status}`
            : `run ${runId}`;
          return fail(
            `${where} after ${limit}, the redeploy time limit; it was not cancelled${lastError ? ` (last error: ${lastError})` : ''}`,
            run,
          );
        }
        await runtime.sleep(pollIntervalMs);
      }

      const took = formatDuration(Math.max(0, runtime.now() - started));
      const what = `${config.workflow} run #${run.run_number} (${run.html_url}) for ${version} on ${ref}`;
      if (run.conclusion !== 'success') {
        return fail(
          `${what} concluded ${run.conclusion ?? 'without a conclusion'} after ${took}`,
          run,
        );
      }
      logger.info(`${name}: ${what} succeeded in ${took}`);
      return {
        ok: true,
        runId: run.id,
        runUrl: run.html_url,
        conclusion: run.conclusion,
        detail: `${what} succeeded in ${took}`,
      };
    },
  };

  async function findRun(
    workflow: string,
    branch: string,
    serverTime: number,
    runtime: WorkflowDispatchRuntime,
    interval: number,
  ): Promise<number | string> {
    const since = serverTime - SERVER_CLOCK_SLACK_MS;
    const started = runtime.now();
    for (;;) {
      try {
        const { data } = await runtime.octokit.rest.actions.listWorkflowRuns({
          owner: runtime.owner,
          repo: runtime.repo,
          workflow_id: workflow,
          branch,
          event: 'workflow_dispatch',
          per_page: 20,
        });
        const fresh = data.workflow_runs
          .filter((r) => Date.parse(r.created_at) >= since)
          .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
        if (fresh[0]) return fresh[0].id;
      } catch (thrown) {
        runtime.logger.warning(`${name}: could not list runs of ${workflow}: ${apiReason(thrown)}`);
      }
      if (runtime.now() - started >= Math.min(FIND_RUN_LIMIT_MS, config.timeoutMs)) {
        return `${workflow} was dispatched on ${branch} but no run showed up within ${formatDuration(runtime.now() - started)}`;
      }
      await runtime.sleep(Math.min(interval, 5_000));
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function apiReason(thrown: unknown): string {
  const status = requestStatus(thrown);
  const message = toError(thrown).message.split('\n')[0] ?? '';
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}

/** GitHub Enterprise Server before 3.21 refusing the return_run_details key (400 or 422). */
function refusesRunDetails(thrown: unknown): boolean {
  const status = requestStatus(thrown);
  if (status !== 400 && status !== 422) return false;
  return /return_run_details/i.test(requestMessage(thrown)) || status === 400;
}

function dispatchReason(thrown: unknown, workflow: string, owner: string, repo: string): string {
  const status = requestStatus(thrown);
  const reason = apiReason(thrown);
  const prefix = `could not dispatch ${workflow} in ${owner}/${repo} (${reason})`;
  if (status === 404) {
    return `${prefix}; check the workflow file name under rollback.strategies.redeploy.workflow and that the token has actions: write`;
  }
  if (status === 403) return `${prefix}; give the workflow permissions: actions: write`;
  const unexpected = /Unexpected inputs provided: (\[.*?\])/.exec(requestMessage(thrown));
  if (status === 422 && unexpected) {
    return `${prefix}; ${workflow} does not declare the input(s) ${unexpected[1]}: declare them under on: workflow_dispatch: inputs: in ${workflow}, or remove them from rollback.strategies.redeploy (ref_input, inputs)`;
  }
  if (status === 422) {
    return `${prefix}; the workflow needs an on: workflow_dispatch trigger that declares every input Ripcord sends`;
  }
  return prefix;
}
