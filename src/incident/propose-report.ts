/**
 * The incident report at the end of an incident (verify resolved it, or a staged recovery
 * completed), as both actions write it: proposed as a pull request, attached to the incident
 * issue when the repository refuses bot pull requests. The incident is over either way, so a
 * report that cannot be written is a warning, never a red step.
 */
import { writeIncidentReport, type WriteIncidentReportOptions } from './write-report.ts';
import type { ActionIO } from '../actions/action-io.ts';

/** The pull request's URL, or '' when there is none. */
export async function proposeIncidentReport(
  io: ActionIO,
  options: Omit<WriteIncidentReportOptions, 'logger' | 'onPublishError'>,
): Promise<string> {
  try {
    const written = await writeIncidentReport({ ...options, logger: io, onPublishError: 'warn' });
    const url = written.pullRequest?.url ?? '';
    if (url) io.info(`Incident report: ${url}`);
    return url;
  } catch (thrown) {
    io.warning(
      `could not write the incident report: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    );
    return '';
  }
}
