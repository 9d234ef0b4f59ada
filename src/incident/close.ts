/**
 * Closing an incident by hand (`ripcord close`): record who closed it and why, close the issue,
 * and propose the incident report as a pull request, as a recovery does at its end.
 */
import { ConfigurationError } from '../shared/errors.ts';
import { withStatus } from './state.ts';
import { assertMove } from './lifecycle.ts';
import type { RecoveryObjectives } from './report.ts';
import type { Logger } from '../shared/logger.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import type { GitHubClient } from '../github/client.ts';
import { createIncidentStore } from './store.ts';
import type { RipcordIdentity } from '../github/identity.ts';
import type { RepoRef } from '../github/repo-ref.ts';
import { writeIncidentReport, type WriteIncidentReportResult } from './write-report.ts';

export interface CloseIncidentOptions {
  octokit: GitHubClient;
  repo: RepoRef;
  incident: number;
  reason: string;
  actor: string;
  serverUrl: string;
  now: () => number;
  logger: Logger;
  /** Who Ripcord writes as (RIPCORD_BOT_LOGIN; a person's login when run with their token). */
  identity?: RipcordIdentity;
  /** The environment's recovery_time, when the caller read the policy. */
  recoveryTime?: RecoveryObjectives | undefined;
}

export async function closeIncident(
  opts: CloseIncidentOptions,
): Promise<WriteIncidentReportResult> {
  const store = createIncidentStore(opts.octokit, opts.repo, opts.logger, {
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
  let record = await store.get(opts.incident);
  const at = new Date(opts.now()).toISOString();
  if (record.open) {
    if (!opts.reason.trim()) {
      throw new ConfigurationError(
        '--reason is required to close an incident by hand; say why it is over',
      );
    }
    if (record.state.status !== 'closed') {
      assertMove(record.state.status, 'closed', 'close');
      record = await store.save(record, withStatus(record.state, 'closed', at));
    }
    await store.comment(
      opts.incident,
      `### Closed by hand\n\n${escapeMarkdown(opts.actor)}: ${escapeMarkdown(opts.reason)}`,
    );
    await store.close(opts.incident, 'completed');
  }
  return writeIncidentReport({
    octokit: opts.octokit,
    repo: opts.repo,
    incident: record,
    serverUrl: opts.serverUrl,
    now: at,
    logger: opts.logger,
    recoveryTime: opts.recoveryTime,
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
}
