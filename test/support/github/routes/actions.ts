/** Workflow dispatch (the redeploy step) and the runs it starts, driven by tests. */
import type { WorkflowRunRecord } from '../state.ts';
import { isObject } from '../spec.ts';
import {
  bodyObject,
  newestFirst,
  notFound,
  paginate,
  repoOf,
  str,
  unprocessable,
  type Reply,
  type RouteContext,
  type RouteTable,
} from './context.ts';

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function switchWorkflow(ctx: RouteContext, change: 'enable' | 'disable'): Reply {
  const repo = repoOf(ctx);
  // Unlike a dispatch, a switch needs the workflow file to exist: tests seed it (addWorkflow).
  const workflow = repo?.findWorkflow(ctx.params['workflow_id'] ?? '');
  if (!repo || !workflow) return notFound();
  workflow.state = change === 'enable' ? 'active' : 'disabled_manually';
  (workflow.switches ??= []).push({ change, at: repo.now() });
  return { status: 204 };
}

export const actionRoutes: RouteTable = {
  'actions/create-workflow-dispatch': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const id = ctx.params['workflow_id'] ?? '';
    // Workflow files spring into being on first use; numeric ids must have been seeded.
    const workflow =
      repo.findWorkflow(id) ?? (/\.ya?ml$/.test(id) ? repo.addWorkflow(id) : undefined);
    if (!workflow) return notFound();
    const body = bodyObject(ctx);
    // GitHub Enterprise Server before 3.21 does not know return_run_details (added on
    // github.com in February 2026) and refuses the whole request
    // (https://github.com/benc-uk/workflow-dispatch/issues/86: GHES 3.19;
    // https://github.com/port-labs/ocean/pull/3502: "shipped in GHES 3.21").
    const ghes = ctx.state.enterpriseServer;
    if (ghes !== undefined && compareVersions(ghes, '3.21') < 0 && 'return_run_details' in body) {
      return unprocessable('"return_run_details" is not a permitted key.');
    }
    // An input the workflow file does not declare is refused, naming it
    // (https://github.com/peter-evans/slash-command-dispatch/pull/115).
    const sent = isObject(body['inputs']) ? Object.keys(body['inputs']) : [];
    const declared = workflow.inputs;
    const unexpected = declared ? sent.filter((k) => !declared.includes(k)) : [];
    if (unexpected.length > 0) {
      return unprocessable(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    }
    const ref = str(body['ref']) ?? '';
    const branch = ref.replace(/^refs\/(heads|tags)\//, '');
    const sha = repo.resolveRef(ref);
    if (sha === undefined) return unprocessable(`No ref found for: ${ref}`);
    const now = repo.now();
    const run: WorkflowRunRecord = {
      id: repo.nextId(),
      workflow_id: workflow.id,
      run_number: repo.runs.filter((r) => r.workflow_id === workflow.id).length + 1,
      head_branch: branch,
      head_sha: sha,
      event: 'workflow_dispatch',
      status: 'queued',
      conclusion: null,
      inputs: isObject(body['inputs']) ? body['inputs'] : {},
      actor: ctx.state.actor,
      created_at: now,
      updated_at: now,
    };
    repo.runs.push(run);
    if (workflow.environment) repo.createActionsDeployment(run, workflow.environment);
    ctx.state.onDispatch?.(run, repo);
    if (body['return_run_details'] !== true) return { status: 204 };
    return {
      status: 200,
      body: {
        workflow_run_id: run.id,
        run_url: `${ctx.shapes.repoUrl(repo)}/actions/runs/${run.id}`,
        html_url: ctx.shapes.html(`${repo.fullName}/actions/runs/${run.id}`),
      },
    };
  },

  // The recovery schedule's switch. Both answer 204 with no body whatever the state was
  // before (the OpenAPI description lists only 204), so enabling an active workflow or
  // disabling a disabled one is harmless. Enabling also lifts GitHub's own 60-day inactivity
  // switch-off. A token without `actions: write` gets 403 "Resource not accessible by
  // integration" (tests inject it as a fault, as for every other missing permission).
  'actions/enable-workflow': (ctx) => switchWorkflow(ctx, 'enable'),
  'actions/disable-workflow': (ctx) => switchWorkflow(ctx, 'disable'),

  'actions/list-workflow-runs': (ctx) => {
    const repo = repoOf(ctx);
    const workflow = repo?.findWorkflow(ctx.params['workflow_id'] ?? '');
    if (!repo || !workflow) return notFound();
    const q = ctx.query;
    const status = q.get('status');
    const matching = repo.runs.filter(
      (r) =>
        r.workflow_id === workflow.id &&
        (q.get('branch') === null || r.head_branch === q.get('branch')) &&
        (q.get('event') === null || r.event === q.get('event')) &&
        (q.get('head_sha') === null || r.head_sha === q.get('head_sha')) &&
        (q.get('actor') === null || r.actor === q.get('actor')) &&
        (status === null || r.status === status || r.conclusion === status),
    );
    const { page, headers } = paginate(ctx, newestFirst(matching));
    return {
      status: 200,
      headers,
      body: {
        total_count: matching.length,
        workflow_runs: page.map((r) => ctx.shapes.workflowRun(repo, r)),
      },
    };
  },

  'actions/get-workflow-run': (ctx) => {
    const repo = repoOf(ctx);
    const run = repo?.runs.find((r) => r.id === Number(ctx.params['run_id']));
    if (!repo || !run) return notFound();
    return { status: 200, body: ctx.shapes.workflowRun(repo, run) };
  },
};
