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
import { channelVerdict } from '../../notify/channel-verdict.ts';
import { renderNotifySummary, type NotifyReport } from '../../notify/dispatch.ts';
import { runNotify, type NotifyInputs } from '../../notify/notify-run.ts';
import type { ActionIO } from '../action-io.ts';
import { compose, type ActionDeps } from '../compose.ts';

export type NotifyDepsIn = ActionDeps;

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

export async function run(io: ActionIO, deps: NotifyDepsIn): Promise<NotifyReport> {
  const inputs = notifyInputs(io);
  const root = compose(io, deps, {
    action: 'notify',
    tokenNeeds: 'issues: write',
    policyInput: io.getInput('policy'),
  });
  root.context();

  io.phase('Policy');
  const services = await root.load();
  const { report, incident } = await runNotify(inputs, services);

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
  const verdict = channelVerdict(
    [report],
    report.recorded ? 'the job summary and the incident' : 'the job summary',
  );
  if (verdict.failure) io.setFailed(verdict.failure);
  else if (verdict.warning) io.warning(verdict.warning);
  return report;
}

/** The inputs, checked before anything is read. */
function notifyInputs(io: ActionIO): NotifyInputs {
  const event = io.getInput('event');
  if (!isNotifyEvent(event))
    throw new ConfigurationError(
      `input event: "${event}" is not an event; write one of ${NOTIFY_EVENTS.join(', ')}`,
    );
  const environment = io.getInput('environment');
  if (!environment)
    throw new ConfigurationError('input environment is required; set `environment: production`');
  const severity = io.getInput('severity');
  if (severity && !isNotifySeverity(severity))
    throw new ConfigurationError(
      `input severity: "${severity}" is not a severity; write one of ${NOTIFY_SEVERITIES.join(', ')} or leave it empty for the event's own (${DEFAULT_SEVERITY[event]})`,
    );
  const incident = io.getInput('incident');
  if (incident && !/^[1-9]\d*$/.test(incident))
    throw new ConfigurationError(
      `input incident: "${incident}" is not an issue number; write a number such as 42, or leave it empty to use the open incident of ${environment}`,
    );
  return {
    event,
    environment,
    severity: severity && isNotifySeverity(severity) ? severity : null,
    incident: incident ? Number(incident) : null,
    fields: parseFields(io.getInput('fields')),
    reason: io.getInput('reason'),
  };
}
