/**
 * The rollback action's job summary: what happened, from which version to which, the steps,
 * the breached metrics where they are measured, what a person does next, and the API calls
 * used. Pure: the result in, markdown out.
 */
import { escapeMarkdown } from '../shared/markdown.ts';
import { metricLinkMarkdown, type SourceLinks } from '../signals/summary.ts';
import { formatUtc } from '../shared/time-format.ts';
import type { ScheduleOutcome } from '../recovery/schedule.ts';
import { commandLine, loginText } from './approvals.ts';
import type { DecisionInput } from './decision-input.ts';
import { pauseNotice } from './pause.ts';
import type { RollbackResult } from './rollback.ts';

/** The breached triggers of the decision, linked to their metric in the source's own UI. */
export function breachedMetrics(
  decision: DecisionInput | null,
  links: SourceLinks,
): { name: string; link: string }[] {
  return (decision?.triggers ?? [])
    .filter((t) => t.status === 'breached')
    .flatMap((t) => {
      const link = metricLinkMarkdown(
        { query: typeof t['query'] === 'string' ? t['query'] : '' },
        links[typeof t['source'] === 'string' ? t['source'] : ''],
      );
      return link ? [{ name: t.name, link }] : [];
    });
}

const HEADLINE: Record<RollbackResult['result'], string> = {
  'rolled-back': '⏪ Rolled back',
  failed: '❌ Rollback failed',
  skipped: '⏭️ Nothing to do',
  'dry-run': '🧪 Dry run',
  'awaiting-approval': '🙋 Waiting for approval',
};

export interface RollbackSummaryExtras {
  /** The recovery schedule switched on at the hand-over (recovery.workflow), if asked. */
  schedule?: ScheduleOutcome | null;
  /** The breached triggers of the decision, linked to their metric in the source's own UI. */
  metrics?: { name: string; link: string }[];
}

export function renderRollbackSummary(
  environment: string,
  r: RollbackResult,
  apiCalls: number,
  extras: RollbackSummaryExtras = {},
): string {
  const notice = pauseNotice(r.pause ?? null);
  const lines = [
    `## ${r.skipReason === 'paused' ? '⏸️ Paused' : HEADLINE[r.result]}: ${escapeMarkdown(environment)}`,
    '',
    ...(notice ? [notice, ''] : []),
    escapeMarkdown(r.message),
    '',
  ];
  if (r.skipReason && r.skipReason !== 'not-asked')
    lines.push(
      `**Not rolled back** (\`${r.skipReason}\`): a rollback was asked for and this run did not do one.`,
      '',
    );
  if (r.from || r.target) {
    lines.push('| | Ref | Sha | Deployment |', '| --- | --- | --- | --- |');
    if (r.from)
      lines.push(
        `| From (bad) | ${escapeMarkdown(r.from.ref)} | \`${r.from.sha.slice(0, 7)}\` | ${r.from.deploymentId} |`,
      );
    if (r.target)
      lines.push(
        `| To (known good) | ${escapeMarkdown(r.target.ref)} | \`${r.target.sha.slice(0, 7)}\` | ${r.target.deploymentId ?? '—'} |`,
      );
    lines.push('');
  }
  if (r.incident) lines.push(`Incident: [#${r.incident.number}](${r.incident.url})`, '');
  if (r.approval) lines.push(approvalSummary(r.approval), '');
  const finished = r.steps.filter((e) => e.status !== 'running');
  if (finished.length > 0) {
    lines.push('| Time | Step | Result | Detail |', '| --- | --- | --- | --- |');
    for (const e of finished)
      lines.push(
        `| ${formatUtc(e.at)} | ${escapeMarkdown(e.name)} | ${e.status} | ${escapeMarkdown(e.detail ?? '')} |`,
      );
    lines.push('');
  } else if (r.plan.length > 0) {
    lines.push(
      'Planned steps:',
      '',
      ...r.plan.map((s) => `1. ${escapeMarkdown(s.name)} (${s.strategy})`),
      '',
    );
  }
  if (r.dataLossWindow)
    lines.push(
      `Data-loss window: writes between ${formatUtc(r.dataLossWindow.from)} and ${formatUtc(r.dataLossWindow.to)} may be lost.`,
      '',
    );
  if (extras.schedule)
    lines.push(`${extras.schedule.ok ? '' : '⚠️ '}${escapeMarkdown(extras.schedule.message)}`, '');
  lines.push(...rollbackNextSteps(environment, r, extras), '');
  lines.push(`GitHub API calls: ${apiCalls}.`);
  return lines.join('\n') + '\n';
}

/** What a person does next after this run: the summary never ends on the result alone. */
function rollbackNextSteps(
  environment: string,
  r: RollbackResult,
  extras: RollbackSummaryExtras,
): string[] {
  const env = escapeMarkdown(environment);
  const steps = ['### What to do next', ''];
  const incident = r.incident ? `[incident #${r.incident.number}](${r.incident.url})` : null;
  switch (r.result) {
    case 'rolled-back':
      steps.push(
        `- Follow ${incident ?? 'the incident issue'}: verification, recovery and the report are recorded there.`,
        extras.schedule?.ok
          ? `- Staged recovery brings the change back in stages on its schedule. To stop it, run the ${escapeMarkdown(extras.schedule.workflow)} workflow with command \`abort\` and a reason.`
          : '- To stop the staged recovery from bringing the change back, run the staged-recovery workflow with command `abort` and a reason.',
      );
      break;
    case 'failed':
      steps.push(
        `- See the failed step above and ${incident ?? 'the incident issue'}; fix the cause and re-run this job: the rollback resumes after the steps that are done, it does not repeat them.`,
        `- If the environment is still broken meanwhile, roll back by hand (the manual rollback workflow, with a \`strategy\` that does not use the failing step).`,
      );
      break;
    case 'skipped':
      steps.push(
        r.skipReason === 'not-asked'
          ? '- Nothing: no rollback was asked for.'
          : `- Check ${incident ?? `the open incident of ${env}`}: it says which run rolled back, and when.`,
      );
      break;
    case 'dry-run':
      steps.push('- Nothing was changed. Run again without `dry-run` to roll back.');
      break;
  }
  if (r.result !== 'dry-run' && r.skipReason !== 'not-asked')
    steps.push(
      `- If a run died holding the lock: \`ripcord status --environment ${env}\`, then \`ripcord unlock --environment ${env} --reason "..."\`.`,
    );
  for (const m of extras.metrics ?? [])
    steps.push(`- See ${escapeMarkdown(m.name)} where it is measured: ${m.link}.`);
  return steps;
}

/** One line for the job summary: the rule, how many, who (logins in code spans). */
export function approvalSummary(a: NonNullable<RollbackResult['approval']>): string {
  const who = (list: readonly { login: string }[]): string =>
    list.map((p) => loginText(p.login)).join(', ');
  return `Approval (rule ${escapeMarkdown(a.rule)}): **${a.status}**, ${a.approvers.length} of ${a.required}${a.approvers.length > 0 ? `, approved by ${who(a.approvers)}` : ''}${a.rejectedBy ? `; rejected by ${who([a.rejectedBy])}` : ''}. To approve, a person the rule names comments \`${commandLine('approve')}\` on the incident.`;
}
