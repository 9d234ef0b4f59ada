/**
 * `ripcord unlock`: removes a stuck environment lock (a run killed before it released it,
 * whose lease a person does not want to wait out). It refuses while the lease is live unless
 * --force, because a live lease usually means a rollback is running right now. Who removed it
 * and why is written on the environment's open incident, so the audit log has it.
 */
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { createIncidentStore } from '../../incident/store.ts';
import { readLock, removeLock } from '../../incident/lock-inspect.ts';
import { escapeMarkdown } from '../../shared/markdown.ts';
import { GITHUB_OPTIONS, requiredEnvironment, type CliIO } from '../io.ts';
import { githubAccess } from '../github-access.ts';
import { clockTime, span } from '../terminal.ts';

export async function unlock(args: string[], io: CliIO, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...GITHUB_OPTIONS,
      reason: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const environment = requiredEnvironment(values.environment);
  const reason = (values.reason ?? '').trim();
  if (reason === '')
    throw new ConfigurationError(
      '--reason is required: say why the lock is stuck, such as --reason "run 123 was cancelled"',
    );
  const gh = githubAccess(values, io, logger, 'remove the lock (contents: write, issues: write)');
  const now = io.now();
  const actor = io.env.GITHUB_ACTOR ?? io.env.USER ?? 'someone';
  const lock = await readLock(gh.octokit, gh.repo, environment, now, gh.identity);
  if (!lock) {
    if (values.json) io.stdout(JSON.stringify({ environment, result: 'not-locked' }));
    else io.stdout(`${environment} is not locked; nothing to do.`);
    return 0;
  }
  const holder = lock.lease
    ? `${lock.lease.holder}${lock.lease.runUrl ? ` (${lock.lease.runUrl})` : ''}`
    : 'an unreadable lease';
  if (!lock.expired && !values.force) {
    const until = Date.parse(lock.lease?.expiresAt ?? '');
    throw new ConfigurationError(
      `the lock on ${environment} is held by ${holder} until ${clockTime(until, now)} (${span(until - now)} from now): the holder may still be working. Wait for the lease to expire, or pass --force if you know the run is gone`,
    );
  }
  const result = await removeLock(gh.octokit, gh.repo, lock);
  if (result === 'moved') {
    throw new ConfigurationError(
      `the lock on ${environment} changed while unlocking (its holder renewed it, or another run took it); run ripcord status, then try again`,
    );
  }
  const incidents = createIncidentStore(gh.octokit, gh.repo, logger);
  const incident = await incidents.findOpen(environment);
  if (incident) {
    const forced = lock.expired ? '' : ' with --force, before its lease expired';
    await incidents.comment(
      incident.number,
      `🔓 **Lock removed by hand**${forced}: \`${lock.ref}\` was held by ${escapeMarkdown(holder)}${lock.lease ? ` until ${lock.lease.expiresAt}` : ''}.\n\nRemoved by @${escapeMarkdown(actor)} with \`ripcord unlock\`. Reason: ${escapeMarkdown(reason)}`,
    );
  }
  if (values.json) {
    io.stdout(
      JSON.stringify({
        environment,
        result: result === 'gone' ? 'already-gone' : 'removed',
        holder: lock.lease?.holder ?? null,
        expiresAt: lock.lease?.expiresAt ?? null,
        forced: !lock.expired,
        incident: incident?.number ?? null,
      }),
    );
  } else {
    io.stdout(
      `${result === 'gone' ? `The lock on ${environment} was already gone` : `Removed the lock on ${environment}`} (held by ${holder}).${incident ? ` Recorded on incident #${incident.number}: ${incident.url}` : ' No open incident to record it on.'}`,
    );
  }
  return 0;
}
