/**
 * `ripcord status`: what an on-call engineer asks first. For each environment (the policy's,
 * plus any with an open incident): the open incident with its status, target and age, who
 * holds the lock and until when, the recovery stage and when the next step can happen, and the
 * last decision, and the pauses that are on (who, until when) or ignored (why). Everything comes
 * from GitHub (incident issues, pause issues, lock refs), read-only.
 *
 * Only Ripcord's writing counts: an issue with the incident label opened by someone else, or
 * a lock commit by another author, is listed as a look-alike, never as the incident.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Logger } from '../../shared/logger.ts';
import { extractStateBlock, type IncidentState } from '../../incident/state.ts';
import {
  describe as describeRecovery,
  parseRecoveryState,
  planOf,
  waitFor,
} from '../../recovery/machine.ts';
import type { Policy } from '../../policy/schema.ts';
import { rollbackSchema } from '../../policy/schema-rollback.ts';
import { environmentLabel, INCIDENT_LABEL } from '../../incident/store.ts';
import { judgePauses, listPauseIssues, type PauseState } from '../../rollback/pause.ts';
import { readLock, type LockView } from '../../incident/lock-inspect.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import type { CliIO } from '../io.ts';
import { githubAccess } from '../github-access.ts';
import { clockTime, colourWanted, createStyle, span, statusWord, table } from '../terminal.ts';

export interface IncidentView {
  number: number;
  url: string;
  environment: string;
  status: string;
  openedAt: string;
  ageSeconds: number;
  target: string | null;
  lastDecision: string | null;
  recovery: { description: string; status: string; nextAt: string | null } | null;
  /** Set when the state block cannot be read: what is wrong with it. */
  problem?: string;
}

export async function status(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      environment: { type: 'string' },
      policy: { type: 'string' },
      repo: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const gh = githubAccess(
    values,
    io,
    logger,
    'read incidents and locks (issues: read, contents: read)',
  );
  const now = io.now();
  const policy = await optionalPolicy(values.policy, logger);
  const schedule = await recoverySchedule();

  // Every open pause issue (of the one environment asked about), in one list beside the
  // incidents'; judged once the environments are known.
  const pauseList = listPauseIssues(gh.octokit, gh.repo, values.environment ?? null);
  pauseList.catch(() => undefined);
  const { data } = await gh.octokit.rest.issues.listForRepo({
    ...gh.repo,
    labels: INCIDENT_LABEL,
    state: 'open',
    sort: 'created',
    direction: 'asc',
    per_page: 100,
  });
  const lookAlikes: string[] = [];
  const incidents: IncidentView[] = [];
  for (const issue of data) {
    if (issue.pull_request) continue;
    if (!gh.identity.is(issue.user?.login)) {
      lookAlikes.push(`#${issue.number} (opened by ${issue.user?.login ?? 'unknown'})`);
      continue;
    }
    const view = incidentView(issue, policy, now, schedule);
    if (values.environment && view.environment.toLowerCase() !== values.environment.toLowerCase())
      continue;
    incidents.push(view);
  }
  const environments = new Set<string>();
  if (values.environment) environments.add(values.environment);
  else {
    for (const name of Object.keys(policy?.environments ?? {})) environments.add(name);
    for (const i of incidents) if (!i.problem) environments.add(i.environment);
  }
  const pauses = await pausesOf(gh, pauseList, environments, policy, now);
  const locks: { environment: string; lock: LockView }[] = [];
  for (const environment of environments) {
    const lock = await readLock(gh.octokit, gh.repo, environment, now, gh.identity);
    if (lock) locks.push({ environment, lock });
  }

  if (values.json) {
    io.stdout(
      JSON.stringify(
        {
          repository: `${gh.repo.owner}/${gh.repo.repo}`,
          at: new Date(now).toISOString(),
          incidents,
          locks: locks.map(({ environment, lock }) => ({
            environment,
            holder: lock.lease?.holder ?? null,
            runUrl: lock.lease?.runUrl ?? null,
            acquiredAt: lock.lease?.acquiredAt ?? null,
            expiresAt: lock.lease?.expiresAt ?? null,
            expired: lock.expired,
            byRipcord: lock.byRipcord,
          })),
          pauses: pauses.active,
          ignoredPauses: pauses.ignored,
          pauseProblem: pauses.problem,
          lookAlikes,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const style = createStyle(colourWanted(io.env, io.isTTY === true));
  const out: string[] = [
    `${style.bold(`${gh.repo.owner}/${gh.repo.repo}`)} at ${clockTime(now, now)}${values.environment ? `, environment ${values.environment}` : ''}`,
    '',
  ];
  if (incidents.length === 0) out.push('No open incidents.');
  else {
    out.push(style.bold('Open incidents'));
    out.push(
      ...table([
        ['ENVIRONMENT', 'INCIDENT', 'STATUS', 'TARGET', 'AGE', 'RECOVERY'].map(style.dim),
        ...incidents.map((i) => [
          i.environment,
          `#${i.number}`,
          statusWord(style, i.status),
          i.target ?? '-',
          span(i.ageSeconds * 1000),
          i.recovery?.description ?? '-',
        ]),
      ]).map((l) => `  ${l}`),
    );
    for (const i of incidents) {
      out.push('');
      out.push(`#${i.number} ${i.url}`);
      if (i.problem) out.push(`  ${style.red('state block unreadable')}: ${i.problem}`);
      if (i.lastDecision) out.push(`  last decision: ${i.lastDecision}`);
      if (i.recovery?.nextAt)
        out.push(
          `  next recovery tick: ${clockTime(Date.parse(i.recovery.nextAt), now)} (in ${span(Date.parse(i.recovery.nextAt) - now)})`,
        );
    }
  }
  out.push('');
  if (locks.length === 0) out.push('No locks held.');
  else {
    out.push(style.bold('Locks'));
    out.push(
      ...table([
        ['ENVIRONMENT', 'HOLDER', 'UNTIL', 'LEASE'].map(style.dim),
        ...locks.map(({ environment, lock }) => [
          environment,
          lock.lease ? lock.lease.holder : '(unreadable lease)',
          lock.lease ? clockTime(Date.parse(lock.lease.expiresAt), now) : '-',
          `${statusWord(style, lock.expired ? 'expired' : 'live')}${lock.byRipcord ? '' : ` (written by ${lock.author}, not Ripcord)`}`,
        ]),
      ]).map((l) => `  ${l}`),
    );
    const stuck = locks.filter((l) => l.lock.expired);
    for (const { environment } of stuck)
      out.push(
        `  ${environment}: the lease has expired; the next run takes it over, or: ripcord unlock --environment ${environment} --reason "..."`,
      );
  }
  out.push('');
  if (pauses.problem) out.push(`${style.yellow('warning')}: ${pauses.problem}`);
  else if (pauses.active.length === 0) out.push('No environment is paused.');
  else {
    out.push(style.bold('Paused (automatic rollbacks off)'));
    out.push(
      ...table([
        ['ENVIRONMENT', 'UNTIL', 'BY', 'ISSUE', 'REASON'].map(style.dim),
        ...pauses.active.map((p) => [
          p.environment,
          `${clockTime(Date.parse(p.until), now)} (in ${span(Date.parse(p.until) - now)})`,
          p.by,
          `#${p.issue}`,
          p.reason,
        ]),
      ]).map((l) => `  ${l}`),
    );
    for (const p of pauses.active)
      out.push(
        `  ${p.environment}: to end it now, ripcord pause --environment ${p.environment} --end`,
      );
  }
  for (const i of pauses.ignored)
    out.push(
      `${style.yellow('warning')}: ${i.environment}: pause label ignored: ${i.why} (${i.url})`,
    );
  if (lookAlikes.length > 0) {
    out.push('');
    out.push(
      `${style.yellow('warning')}: ignored ${lookAlikes.length} issue${lookAlikes.length === 1 ? '' : 's'} labelled ${INCIDENT_LABEL} not opened by ${gh.identity.describe}: ${lookAlikes.join(', ')}`,
    );
  }
  io.stdout(out.join('\n'));
  return 0;
}

interface PauseViews {
  active: {
    environment: string;
    issue: number;
    url: string;
    by: string;
    until: string;
    reason: string;
  }[];
  ignored: { environment: string; issue: number; url: string; why: string }[];
  /** Why the pauses could not be read; the rest of the status still shows. */
  problem: string | null;
}

/**
 * The pause of each environment, judged as a rollback judges it (src/rollback/pause.ts) with
 * the environment's rollback.authority (the default one without a policy). A pause issue of an
 * environment not in the list is shown under the name its label carries.
 */
async function pausesOf(
  gh: { octokit: Parameters<typeof judgePauses>[0]; repo: { owner: string; repo: string } },
  list: ReturnType<typeof listPauseIssues>,
  environments: ReadonlySet<string>,
  policy: Policy | undefined,
  now: number,
): Promise<PauseViews> {
  const views: PauseViews = { active: [], ignored: [], problem: null };
  try {
    const issues = await list;
    const byEnvironment = new Map<string, typeof issues>();
    const known = [...environments];
    for (const issue of issues) {
      const named = known.filter((e) => issue.labels.includes(environmentLabel(e).toLowerCase()));
      const names =
        named.length > 0
          ? named
          : issue.labels.flatMap((l) =>
              l.startsWith(ENV_PREFIX) ? [l.slice(ENV_PREFIX.length)] : [],
            );
      for (const name of names)
        byEnvironment.set(name, [...(byEnvironment.get(name) ?? []), issue]);
    }
    const judged = await Promise.all(
      [...byEnvironment].map(async ([environment, envIssues]): Promise<[string, PauseState]> => [
        environment,
        await judgePauses(
          gh.octokit,
          gh.repo,
          envIssues,
          policy?.environments[environment]?.rollback.authority ?? DEFAULT_AUTHORITY,
          now,
        ),
      ]),
    );
    for (const [environment, state] of judged) {
      if (state.active)
        views.active.push({
          environment,
          issue: state.active.issue.number,
          url: state.active.issue.url,
          by: state.active.by,
          until: state.active.until,
          reason: state.active.reason,
        });
      for (const i of state.ignored)
        views.ignored.push({ environment, issue: i.issue.number, url: i.issue.url, why: i.why });
    }
  } catch (e) {
    views.problem = `could not read the pauses (issues labelled ripcord:pause): ${e instanceof Error ? e.message : String(e)}`;
  }
  return views;
}

const ENV_PREFIX = environmentLabel('');
/** rollback.authority when the policy does not say (or is not here): the schema's default. */
const DEFAULT_AUTHORITY = rollbackSchema.shape.authority.parse(undefined);

function incidentView(
  issue: { number: number; html_url: string; body?: string | null },
  policy: Policy | undefined,
  now: number,
  schedule: number | undefined,
): IncidentView {
  const extracted = extractStateBlock(issue.body ?? '');
  if (!('state' in extracted)) {
    return {
      number: issue.number,
      url: issue.html_url,
      environment: '?',
      status: 'unreadable',
      openedAt: '',
      ageSeconds: 0,
      target: null,
      lastDecision: null,
      recovery: null,
      problem: 'error' in extracted ? extracted.error : 'no Ripcord state block in the issue body',
    };
  }
  const state: IncidentState = extracted.state;
  const opened = Date.parse(state.openedAt);
  return {
    number: issue.number,
    url: issue.html_url,
    environment: state.environment,
    status: state.status,
    openedAt: state.openedAt,
    ageSeconds: Math.round((now - opened) / 1000),
    target: state.target ? `${state.target.ref} (${state.target.sha.slice(0, 7)})` : null,
    lastDecision: state.decision
      ? `${state.decision.decision}${state.decision.strategy ? ` (${state.decision.strategy})` : ''}: ${state.decision.summary}`
      : state.reason || null,
    recovery: recoveryView(state, policy, now, schedule),
  };
}

function recoveryView(
  state: IncidentState,
  policy: Policy | undefined,
  now: number,
  scheduleMs: number | undefined,
): IncidentView['recovery'] {
  if (state.recovery === null) return null;
  const parsed = parseRecoveryState(state.recovery);
  if ('error' in parsed)
    return { description: `unreadable: ${parsed.error}`, status: '?', nextAt: null };
  const env = policy?.environments[state.environment];
  const recovery = parsed.state;
  if (!env) {
    return {
      description: `${recovery.status}, ${recovery.percent}% (stage ${recovery.stage + 1})`,
      status: recovery.status,
      nextAt: null,
    };
  }
  const plan = planOf(env.recovery);
  const wait = waitFor(plan, recovery, now)[0];
  // The next tick is the first scheduled run at or after what the machine waits for.
  const ready = wait?.type === 'wait' && wait.until ? Math.max(now, Date.parse(wait.until)) : now;
  const nextAt =
    wait === undefined || (wait.type === 'wait' && wait.reason === 'approval')
      ? null
      : scheduleMs === undefined
        ? wait.type === 'wait' && wait.until
          ? wait.until
          : null
        : new Date(Math.ceil(ready / scheduleMs) * scheduleMs).toISOString();
  return { description: describeRecovery(plan, recovery, now), status: recovery.status, nextAt };
}

async function optionalPolicy(
  path: string | undefined,
  logger: Logger,
): Promise<Policy | undefined> {
  try {
    return await readPolicy(path ?? defaultPolicyPath);
  } catch (err) {
    // Named explicitly, a broken policy is an error; the default one may simply not be here.
    if (path !== undefined) throw err;
    logger.debug(`no readable ${defaultPolicyPath}; recovery stages are shown without the plan`);
    return undefined;
  }
}

/** The recovery workflow's `*\/N * * * *` schedule in ms, from the checkout, when it has one. */
async function recoverySchedule(): Promise<number | undefined> {
  for (const path of [
    '.github/workflows/ripcord-recovery.yml',
    '.github/workflows/staged-recovery.yml',
  ]) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    const m = /cron:\s*['"]\*\/(\d+) \* \* \* \*['"]/.exec(text);
    if (m) return Number(m[1]) * 60_000;
  }
  return undefined;
}
