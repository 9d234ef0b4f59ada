/**
 * The recovery workflow's schedule, switched on and off through the Actions API so that it
 * exists only while a recovery is in progress (`recovery.workflow` in the policy).
 *
 * Why: a `*\/5 * * * *` schedule runs 8,640 times in a 30-day month whether or not anything is
 * being recovered, and on a private repository each run is billed at least a minute. The
 * rollback enables the workflow when it hands over to staged recovery; the tick that finds
 * nothing left to recover (recovered, aborted, no open incident) disables it again.
 *
 * Enabling is also the cure for GitHub's own switch-off: "In a public repository, scheduled
 * workflows are automatically disabled when no repository activity has occurred in 60 days"
 * (https://docs.github.com/en/actions/using-workflows/disabling-and-enabling-a-workflow), so a
 * schedule left on forever could be off exactly when the first incident in months needs it.
 *
 * Both calls answer 204 whatever the state was before, so a re-run repeats them harmlessly.
 * Failure never undoes the rollback or the tick: it is returned for a warning and the summary,
 * with the fix (`actions: write`, the file name) in the message.
 */
import type { GitHubClient } from '../github/client.ts';
import { requestMessage, requestStatus, type RepoRef } from '../github/repo-ref.ts';

export type ScheduleChange = 'enable' | 'disable';

export interface ScheduleOutcome {
  workflow: string;
  change: ScheduleChange;
  ok: boolean;
  /** One line for the summary: what was done, or what failed and how to fix it. */
  message: string;
}

/** The job that makes each change, for the fix-it message. */
const JOB: Record<ScheduleChange, string> = {
  enable: 'the job that runs ripcord-dev/ripcord/actions/rollback',
  disable: 'the staged-recovery job',
};

export async function setRecoverySchedule(
  octokit: GitHubClient,
  repo: RepoRef,
  workflow: string,
  change: ScheduleChange,
): Promise<ScheduleOutcome> {
  const params = { owner: repo.owner, repo: repo.repo, workflow_id: workflow };
  try {
    if (change === 'enable') await octokit.rest.actions.enableWorkflow(params);
    else await octokit.rest.actions.disableWorkflow(params);
    return {
      workflow,
      change,
      ok: true,
      message:
        change === 'enable'
          ? `Recovery schedule on: enabled the ${workflow} workflow; its ticks run until the recovery ends, and the last one disables it again.`
          : `Recovery schedule off: disabled the ${workflow} workflow until the next rollback enables it (no scheduled runs, no billed minutes meanwhile).`,
    };
  } catch (thrown) {
    const status = requestStatus(thrown);
    const what = `could not ${change} the recovery workflow ${workflow} in ${repo.owner}/${repo.repo}`;
    const detail = requestMessage(thrown);
    let fix: string;
    if (status === 403) {
      // GITHUB_TOKEN without the scope: "Resource not accessible by integration".
      fix = `the token may not change workflows (HTTP 403: ${detail}). Add \`actions: write\` to the permissions: of ${JOB[change]}`;
    } else if (status === 404) {
      fix = `GitHub knows no workflow ${workflow} there (HTTP 404). Set recovery.workflow to the file name of the staged-recovery workflow under .github/workflows (such as staged-recovery.yml), on the default branch`;
    } else {
      fix = `${status ? `HTTP ${status}: ` : ''}${detail}`;
    }
    const byHand =
      change === 'enable'
        ? `Until then staged recovery does not tick: enable it by hand (\`gh workflow enable ${workflow}\`, or Actions → the workflow → Enable workflow).`
        : `It keeps ticking (one GitHub call per run) until disabled: \`gh workflow disable ${workflow}\`.`;
    return { workflow, change, ok: false, message: `${what}: ${fix}. ${byHand}` };
  }
}
