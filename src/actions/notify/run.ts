/**
 * notify: send one event about an environment's incident to the channels the policy routes it
 * to, once per channel and incident, and record what was delivered and what failed on the
 * incident issue and in the job summary. A failed channel warns; a failed `required` one fails
 * the step.
 */
import { ConfigurationError } from '../../shared/errors.ts';
import {
  DEFAULT_SEVERITY,
  isNotifyEvent,
  isNotifySeverity,
  isPlaceholder,
  NOTIFY_EVENTS,
  NOTIFY_SEVERITIES,
  PLACEHOLDERS,
  type NotifyValues,
} from '../../notify/templates.ts';
import { createGitHubClient } from '../../github/client.ts';
import { createIncidentStore, type IncidentRecord } from '../../incident/store.ts';
import { notify, renderNotifySummary, type NotifyReport } from '../../notify/dispatch.ts';
import { createCommentHistory } from '../../notify/channels/issue-comment.ts';
import { identityFor } from '../../github/identity.ts';
import { defaultPolicyPath, readPolicy } from '../../policy/read.ts';
import type { ActionIO } from '../action-io.ts';
import { runContext } from '../run-context.ts';

export interface NotifyDepsIn {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Tests shorten Octokit's retry waits. */
  retryAfterBaseValue?: number;
  fetch?: typeof fetch;
}

/** The `fields` input: a JSON object of placeholder values, every key a known placeholder. */
export function parseFields(text: string): NotifyValues {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (thrown) {
    throw new ConfigurationError(
      `input fields is not JSON (${thrown instanceof Error ? thrown.message : String(thrown)}); write an object such as {"trigger": "error-rate", "value": "7%"}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigurationError(
      'input fields must be a JSON object such as {"trigger": "error-rate", "value": "7%"}',
    );
  const values: NotifyValues = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isPlaceholder(key))
      throw new ConfigurationError(
        `input fields: unknown field "${key}"; known fields are ${PLACEHOLDERS.join(', ')}`,
      );
    if (value === null || value === undefined) continue;
    values[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return values;
}

/** What the incident's state block already knows, so callers need not repeat it. */
function valuesFromIncident(incident: IncidentRecord): NotifyValues {
  const s = incident.state;
  const values: NotifyValues = { reason: s.reason, status: s.status, from: s.bad.ref };
  if (s.target) values.to = s.target.ref;
  if (s.strategy) values.strategy = s.strategy;
  if (s.decision && s.decision.triggered.length > 0)
    values.trigger = s.decision.triggered.join(', ');
  return values;
}

export async function run(io: ActionIO, deps: NotifyDepsIn): Promise<NotifyReport> {
  const event = io.getInput('event');
  if (!isNotifyEvent(event))
    throw new ConfigurationError(
      `input event: "${event}" is not an event; write one of ${NOTIFY_EVENTS.join(', ')}`,
    );
  const environment = io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const severityInput = io.getInput('severity');
  if (severityInput && !isNotifySeverity(severityInput))
    throw new ConfigurationError(
      `input severity: "${severityInput}" is not a severity; write one of ${NOTIFY_SEVERITIES.join(', ')} or leave it empty for the event's own (${DEFAULT_SEVERITY[event]})`,
    );
  const incidentInput = io.getInput('incident');
  if (incidentInput && !/^[1-9]\d*$/.test(incidentInput))
    throw new ConfigurationError(
      `input incident: "${incidentInput}" is not an issue number; write a number such as 42, or leave it empty to use the open incident of ${environment}`,
    );
  const fields = parseFields(io.getInput('fields'));
  const reason = io.getInput('reason');
  const {
    token,
    repository,
    owner,
    repo,
    serverUrl,
    runUrl: runLink,
  } = runContext(io, deps.env, deps.now, 'notify', 'issues: write');
  const runUrl = runLink ?? undefined;

  io.phase('Policy');
  const policy = await readPolicy(io.getInput('policy') || defaultPolicyPath);
  const identity = identityFor(policy.github.bot_login, deps.env);
  const client = createGitHubClient({
    token,
    baseUrl: deps.env.GITHUB_API_URL,
    logger: io,
    ...(deps.retryAfterBaseValue === undefined
      ? {}
      : { retryAfterBaseValue: deps.retryAfterBaseValue }),
  });
  const repoRef = { owner, repo };
  const incidents = createIncidentStore(client.octokit, repoRef, io, {
    identity,
  });
  const incident = incidentInput
    ? await incidents.get(Number(incidentInput))
    : await incidents.findOpen(environment);
  if (!incident)
    io.info(
      `No open incident for ${environment}: sending without deduplication or an incident comment.`,
    );

  io.phase('Notify');
  const report = await notify(
    {
      event,
      ...(severityInput && isNotifySeverity(severityInput) ? { severity: severityInput } : {}),
      environment,
      repository,
      incident: incident ? { number: incident.number, url: incident.url } : null,
      values: {
        ...(incident ? valuesFromIncident(incident) : {}),
        ...(runUrl ? { run_url: runUrl } : {}),
        deployment_url: `${serverUrl}/${repository}/deployments`,
        ...(deps.env.GITHUB_ACTOR ? { actor: deps.env.GITHUB_ACTOR } : {}),
        ...(reason ? { reason } : {}),
        ...fields,
      },
    },
    {
      policy: policy.notify,
      env: deps.env,
      incidents,
      history: createCommentHistory(client.octokit, repoRef, identity, io),
      logger: io,
      mask: (secret) => io.setSecret(secret),
      sleep: deps.sleep,
      now: deps.now,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    },
  );

  io.phase('Outputs and summary');
  io.setOutput(
    'sent',
    JSON.stringify(
      report.outcomes.map((o) => ({
        channel: o.channel,
        type: o.type,
        result: o.result,
        attempts: o.attempts,
        ...(o.detail ? { detail: o.detail } : {}),
      })),
    ),
  );
  io.setOutput('failed', JSON.stringify(report.failed.map((o) => o.channel)));
  io.setOutput('incident', incident ? String(incident.number) : '');
  await io.appendSummary(renderNotifySummary(report));
  if (report.requiredFailed.length > 0) {
    io.setFailed(
      `required notification channel${report.requiredFailed.length > 1 ? 's' : ''} failed: ${report.requiredFailed
        .map((o) => `${o.channel} (${o.detail ?? 'failed'})`)
        .join('; ')}`,
    );
  } else if (report.failed.length > 0) {
    io.warning(
      `notification channel${report.failed.length > 1 ? 's' : ''} failed: ${report.failed
        .map((o) => o.channel)
        .join(', ')}; see the job summary${report.recorded ? ' and the incident' : ''}`,
    );
  }
  return report;
}
