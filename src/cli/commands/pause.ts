/**
 * `ripcord pause`: pauses automatic rollbacks of an environment for planned maintenance, by
 * opening the issue the rollback reads (labels `ripcord:pause` and `ripcord:env:<env>`, body
 * `Pause until: <time>`). The issue is opened with the person's own token, so GitHub records
 * who paused as its author and as the actor of its label events, which is what the rollback
 * checks against rollback.authority (src/rollback/pause.ts). Closing the issue resumes.
 *
 * `ripcord pause --environment E --end` ends a pause early: it comments on each open pause
 * issue of E who ended it, when and why, then closes it (with the person's token, so GitHub
 * records them as the commenter and closer too). Every open pause issue of E is closed, a
 * pause that was being ignored too, so none is left to start holding later (when a permission
 * changes, say).
 */
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '../../policy/duration.ts';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { escapeMarkdown } from '../../shared/markdown.ts';
import { environmentLabel, PAUSE_LABEL } from '../../incident/store.ts';
import { listPauseIssues, MAX_PAUSE_MS } from '../../rollback/pause.ts';
import { GITHUB_OPTIONS, requiredEnvironment, type CliIO } from '../io.ts';
import { githubAccess } from '../github-access.ts';

export async function pause(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...GITHUB_OPTIONS,
      for: { type: 'string' },
      reason: { type: 'string' },
      end: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const environment = requiredEnvironment(values.environment);
  if (values.end) {
    if (values.for !== undefined)
      throw new ConfigurationError(
        '--for and --end do not go together: --end ends the pause now, --for starts one',
      );
    return endPause(environment, values, io, logger);
  }
  const forText = values.for ?? '';
  const ms = parseDuration(forText);
  if (ms === undefined || ms <= 0 || ms > MAX_PAUSE_MS)
    throw new ConfigurationError(
      `--for ${JSON.stringify(forText)}: give how long to pause, up to ${formatDuration(MAX_PAUSE_MS)}, such as --for 2h`,
    );
  const reason = (values.reason ?? '').trim();
  if (reason === '')
    throw new ConfigurationError(
      '--reason is required: say why, such as --reason "database migration, CHG-1234"',
    );
  const gh = githubAccess(values, io, logger, 'open the pause issue (issues: write)');
  const until = new Date(io.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const actor = io.env.GITHUB_ACTOR ?? io.env.USER ?? 'someone';
  const { data } = await gh.octokit.rest.issues.create({
    ...gh.repo,
    title: `Pause automatic rollbacks of ${environment}: ${reason}`.slice(0, 200),
    body: [
      `Pause until: ${until}`,
      '',
      `Reason: ${escapeMarkdown(reason)}`,
      '',
      `Opened by ${escapeMarkdown(actor)} with \`ripcord pause\`. Automatic rollbacks of ${escapeMarkdown(environment)} are skipped (with a warning) until then; a rollback run by hand still runs. Close this issue to resume early.`,
    ].join('\n'),
    labels: [PAUSE_LABEL, environmentLabel(environment)],
  });
  if (values.json)
    io.stdout(JSON.stringify({ environment, until, issue: data.number, url: data.html_url }));
  else
    io.stdout(
      `Paused automatic rollbacks of ${environment} until ${until}: ${data.html_url}\nIt holds only if you may roll back by hand (rollback.authority in the policy); close the issue to resume.`,
    );
  return 0;
}

/** Ends the pause of `environment` now: a comment saying who and why, then the issue closed. */
async function endPause(
  environment: string,
  values: {
    reason?: string | undefined;
    repo?: string | undefined;
    token?: string | undefined;
    json?: boolean | undefined;
  },
  io: CliIO,
  logger: Logger,
): Promise<number> {
  const gh = githubAccess(
    values,
    io,
    logger,
    'comment on and close the pause issue (issues: write)',
  );
  const actor = io.env.GITHUB_ACTOR ?? io.env.USER ?? 'someone';
  const reason = (values.reason ?? '').trim();
  const at = new Date(io.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const issues = await listPauseIssues(gh.octokit, gh.repo, environment);
  for (const issue of issues) {
    await gh.octokit.rest.issues.createComment({
      ...gh.repo,
      issue_number: issue.number,
      body: `Pause ended early by ${escapeMarkdown(actor)} at ${at} with \`ripcord pause --end\`${reason ? `: ${escapeMarkdown(reason)}` : ''}. Automatic rollbacks of ${escapeMarkdown(environment)} resume.`,
    });
    await gh.octokit.rest.issues.update({
      ...gh.repo,
      issue_number: issue.number,
      state: 'closed',
      state_reason: 'completed',
    });
  }
  const ended = issues.map((i) => ({ issue: i.number, url: i.url }));
  if (values.json) io.stdout(JSON.stringify({ environment, endedBy: actor, at, ended }));
  else if (ended.length === 0)
    io.stdout(`No pause of ${environment} is open: automatic rollbacks of ${environment} are on.`);
  else
    io.stdout(
      `Ended the pause of ${environment} (${ended.map((e) => `#${e.issue} ${e.url}`).join(', ')}), recorded on the issue as ended by ${actor}. Automatic rollbacks of ${environment} resume.`,
    );
  return 0;
}
