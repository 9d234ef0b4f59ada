/**
 * The step's verdict on the notification channels, one for every action that notifies: a
 * failed channel warns, a failed `required` one fails the step. The failure is returned, not
 * set, so the caller's own failure (a failed rollback, an unverified deployment) keeps
 * precedence.
 */
import type { ActionIO } from '../actions/action-io.ts';
import { renderNotifySummary, type NotifyReport } from './dispatch.ts';

export interface ChannelVerdict {
  /** The step fails with this: a `required` channel failed. */
  failure: string | null;
  /** The step warns with this: a channel failed. */
  warning: string | null;
}

/** `seeAlso`: where the failures are written down ("the job summary", "... and the incident"). */
export function channelVerdict(
  reports: readonly NotifyReport[],
  seeAlso = 'the job summary',
): ChannelVerdict {
  const failed = reports.flatMap((r) => r.failed);
  const required = reports.flatMap((r) => r.requiredFailed);
  if (required.length > 0)
    return {
      failure: `required notification channel${required.length > 1 ? 's' : ''} failed: ${required
        .map((o) => `${o.channel} (${o.detail ?? 'failed'})`)
        .join('; ')}`,
      warning: null,
    };
  if (failed.length > 0)
    return {
      failure: null,
      warning: `notification channel${failed.length > 1 ? 's' : ''} failed: ${failed
        .map((o) => o.channel)
        .join(', ')}; see ${seeAlso}`,
    };
  return { failure: null, warning: null };
}

/**
 * The job-summary sections for what was routed, and the verdict on the channels (the warning
 * written, the failure returned for the caller to set).
 */
export async function reportNotifications(
  io: ActionIO,
  reports: readonly NotifyReport[],
): Promise<string | null> {
  for (const r of reports)
    if (r.outcomes.length > 0) await io.appendSummary(renderNotifySummary(r));
  const verdict = channelVerdict(reports);
  if (verdict.warning) io.warning(verdict.warning);
  return verdict.failure;
}
