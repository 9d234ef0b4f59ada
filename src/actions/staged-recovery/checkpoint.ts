/**
 * Staged recovery's manual checkpoints by comment (seed 000: `auto_proceed: false`, "manual
 * checkpoints at each phase"): `/ripcord proceed` (or `/ripcord approve`) on the incident, by a
 * person recovery.approval (or rollback.authority) names, passes the checkpoint the recovery
 * waits at. The same rules as rollback approvals (src/rollback/approvals.ts): a new,
 * unedited comment, not quoted or in code, not by a bot, written after the recovery reached
 * this checkpoint (a proceed written for an earlier stage does not pass a later one).
 */
import { ConfigurationError } from '../../shared/errors.ts';
import { parseRecoveryState } from '../../recovery/machine.ts';
import { environmentOf } from '../../signals/evaluate-environment.ts';
import { assertMayRollBack, readActorAccess } from '../../rollback/authority.ts';
import { isVote, voteOf, type IgnoredWhy } from '../../rollback/approvals.ts';
import type { RecoveryResult } from '../../recovery/runner.ts';
import type { ActionIO } from '../action-io.ts';
import { commentStart, reportIgnored, type CommentStart } from '../comment-command.ts';

export type Checkpoint =
  | { kind: 'none' }
  | Extract<CommentStart, { kind: 'ignore' }>
  | { kind: 'proceed'; environment: string; actor: string };

const WHY: Partial<Record<IgnoredWhy, string>> = {
  'before the request': 'it was written before the recovery reached this checkpoint',
  edited: 'it was edited',
  bot: 'a bot wrote it',
  ripcord: 'Ripcord wrote it',
  'deleted account': 'its author no longer exists',
};

export async function recoveryCheckpoint(
  io: ActionIO,
  env: Record<string, string | undefined>,
  policyPath: string,
): Promise<Checkpoint> {
  const start = await commentStart(io, env, policyPath, ['proceed', 'approve']);
  if (start.kind !== 'command') return start;
  const { incident, comment } = start;
  const ignore = (message: string, warn = false): Checkpoint => ({
    kind: 'ignore',
    message,
    warn,
  });
  const parsed =
    incident.state.recovery === null ? null : parseRecoveryState(incident.state.recovery);
  if (parsed === null || 'error' in parsed || parsed.state.status !== 'awaiting-approval')
    return ignore(
      `the recovery of incident #${incident.number} is not waiting at a manual checkpoint (${parsed && 'state' in parsed ? `status ${parsed.state.status}` : 'not started'}): the comment changes nothing`,
    );
  const reached = [...parsed.state.history].reverse().find((h) => h.event === 'awaiting-approval');
  const vote = voteOf(comment, {
    since: reached?.at ?? parsed.state.updatedAt,
    accept: ['proceed', 'approve'],
    isRipcord: start.isRipcord,
  });
  if (!isVote(vote))
    return ignore(
      `the ${comment.author ?? 'deleted'} comment does not pass the checkpoint: ${WHY[vote.why] ?? vote.why}`,
    );
  const environment = incident.state.environment;
  const policyEnv = environmentOf(start.policy, environment);
  const authority = policyEnv.recovery.approval ?? policyEnv.rollback.authority;
  try {
    assertMayRollBack(
      vote.login,
      await readActorAccess(start.octokit, start.repo, vote.login, authority),
      authority,
    );
  } catch (thrown) {
    if (!(thrown instanceof ConfigurationError) || !thrown.message.includes(' may not '))
      throw thrown;
    return ignore(
      `${vote.login} may not pass the recovery checkpoint of incident #${incident.number}: ${thrown.message.replace(/^.*? may not roll back /, '')}`,
      true,
    );
  }
  return { kind: 'proceed', environment, actor: vote.login };
}

/** The staged-recovery action's answer to a comment that passes no checkpoint. */
export async function ignoredCheckpoint(
  io: ActionIO,
  checkpoint: Extract<Checkpoint, { kind: 'ignore' }>,
): Promise<RecoveryResult> {
  await reportIgnored(io, checkpoint, {
    outcome: 'skipped',
    status: '',
    'next-action': 'none',
    incident: '',
  });
  return {
    outcome: 'skipped',
    message: checkpoint.message,
    incident: null,
    plan: { stages: [], autoProceed: true, maxAttempts: 0, backoff: { base: 0, max: 0 } },
    state: null,
    next: { action: 'none', at: null },
    gates: null,
    applied: [],
  };
}
