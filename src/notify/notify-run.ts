/**
 * The notify action's use case, on the services of the composition root
 * (src/actions/compose.ts): find the incident (the one named, or the environment's open one),
 * fill in what its state block already knows, and send the event to the channels the policy
 * routes it to. Unlike the notifications of rollback, verify and recovery, a failure to send
 * is this action's own failure, so it is not caught here.
 */
import type { NotifyEvent, NotifySeverity, NotifyValues } from './templates.ts';
import type { IncidentRecord } from '../incident/store.ts';
import type { ActionServices } from '../actions/compose.ts';
import { notify, type NotifyReport } from './dispatch.ts';

export interface NotifyInputs {
  event: NotifyEvent;
  environment: string;
  /** Empty: the event's own severity. */
  severity: NotifySeverity | null;
  /** The incident issue named; null: the environment's open incident. */
  incident: number | null;
  /** The `fields` input's placeholder values; they win over what the incident says. */
  fields: NotifyValues;
  reason: string;
}

export interface NotifyRun {
  report: NotifyReport;
  incident: IncidentRecord | null;
}

export async function runNotify(
  inputs: NotifyInputs,
  services: ActionServices,
): Promise<NotifyRun> {
  const { io, root } = services;
  const { environment } = inputs;
  const gh = await services.github();
  const incident = inputs.incident
    ? await gh.incidents().get(inputs.incident)
    : await gh.incidents().findOpen(environment);
  if (!incident)
    io.info(
      `No open incident for ${environment}: sending without deduplication or an incident comment.`,
    );

  io.phase('Notify');
  const report = await notify(
    {
      event: inputs.event,
      ...(inputs.severity ? { severity: inputs.severity } : {}),
      environment,
      repository: gh.context.repository,
      incident: incident ? { number: incident.number, url: incident.url } : null,
      values: {
        ...(incident ? valuesFromIncident(incident) : {}),
        ...root.runValues(),
        ...(inputs.reason ? { reason: inputs.reason } : {}),
        ...inputs.fields,
      },
    },
    gh.notifyDeps(),
  );
  return { report, incident };
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
