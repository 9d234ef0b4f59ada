/**
 * The staged-recovery job summary: the plan with the current stage marked, the gate evidence,
 * what happens next and when, and how to stop, unblock or follow the recovery.
 */
import { formatDuration } from '../policy/duration.ts';
import { escapeMarkdown } from '../shared/markdown.ts';
import { metricLinkMarkdown, type SourceLinks } from '../signals/summary.ts';
import { formatUtc } from '../shared/time-format.ts';
import type { ScheduleOutcome } from './schedule.ts';
import { pauseNotice, type PauseState } from '../rollback/pause.ts';
import { gateEvidence, type RecoveryResult } from './runner.ts';

const HEADLINE: Record<RecoveryResult['outcome'], string> = {
  'no-incident': '💤 No open incident',
  'not-ready': '⏸️ Not ready to recover',
  waiting: '⏳ Waiting',
  held: '✋ Holding (gates inconclusive)',
  advanced: '⏫ Advanced',
  'awaiting-approval': '🙋 Waiting for proceed',
  'rolled-back-again': '⏪ Regressed: rolled back again',
  recovered: '✅ Recovered',
  aborted: '🛑 Recovery aborted',
  skipped: '⏭️ Another run is on it',
  status: 'ℹ️ Status',
};

export interface RecoverySummaryExtras {
  /** What this run did to the recovery schedule (recovery.workflow), if anything. */
  schedule?: ScheduleOutcome | null;
  /** recovery.workflow, named in the next steps. */
  workflow?: string | null;
  /** The policy's sources, to link each gate's metric in its own UI. */
  links?: SourceLinks;
  /** The pause switch as read (null: not read, as when no incident was looked for). */
  pause?: PauseState | null;
}

const NEXT_ACTION: Record<RecoveryResult['next']['action'], string> = {
  dwell: 'read the gates when the stage has dwelt',
  gates: 'read the gates',
  approval: 'wait for someone to run `proceed`',
  backoff: 'start the next attempt',
  none: 'nothing',
};

export function renderRecoverySummary(
  environment: string,
  r: RecoveryResult,
  apiCalls: number,
  extras: RecoverySummaryExtras = {},
): string {
  const notice = pauseNotice(extras.pause ?? null);
  const lines = [
    `## ${HEADLINE[r.outcome]}: ${escapeMarkdown(environment)} staged recovery`,
    '',
    ...(notice ? [notice, ''] : []),
    ...(extras.pause?.active && r.incident
      ? [
          'The pause stops automatic rollbacks, not this recovery: its stages go on as planned (run `abort` to stop it).',
          '',
        ]
      : []),
    escapeMarkdown(r.message),
    '',
  ];
  if (r.incident) lines.push(`Incident: [#${r.incident.number}](${r.incident.url})`, '');
  const s = r.state;
  lines.push('| | Stage | Percentage | Dwell |', '| --- | --- | --- | --- |');
  r.plan.stages.forEach((stage, i) => {
    const current = s !== null && s.stage === i && s.status !== 'recovered';
    const passed = s !== null && (i < s.stage || s.status === 'recovered');
    const mark = current ? '👉' : passed ? '✔️' : '';
    lines.push(
      `| ${mark} | ${i + 1} | ${stage.percent}% | ${stage.dwell > 0 ? formatDuration(stage.dwell) : '-'} |`,
    );
  });
  lines.push('');
  if (s) {
    lines.push(
      `Attempt ${s.attempt} of ${r.plan.maxAttempts}, status ${s.status}, live ${s.percent}%.`,
      '',
    );
  }
  const next =
    r.next.action === 'none'
      ? 'Nothing more to do.'
      : `Next: ${NEXT_ACTION[r.next.action]}${r.next.at ? ` at ${formatUtc(r.next.at)}` : ' on the next run'}.`;
  lines.push(next, '');
  if (r.gates) lines.push(gateEvidence(r.gates), '');
  else if (s?.lastGate)
    lines.push(
      `Last gates: **${s.lastGate.result}** at ${formatUtc(s.lastGate.at)}${s.lastGate.detail ? ` (${escapeMarkdown(s.lastGate.detail)})` : ''}`,
      '',
    );
  if (extras.schedule)
    lines.push(`${extras.schedule.ok ? '' : '⚠️ '}${escapeMarkdown(extras.schedule.message)}`, '');
  lines.push(...recoveryNextSteps(environment, r, extras), '');
  lines.push(`GitHub API calls: ${apiCalls}.`);
  return lines.join('\n') + '\n';
}

/** How to stop, unblock or follow the recovery, and where each gate's metric lives. */
function recoveryNextSteps(
  environment: string,
  r: RecoveryResult,
  extras: RecoverySummaryExtras,
): string[] {
  const env = escapeMarkdown(environment);
  const workflow = escapeMarkdown(extras.workflow ?? 'staged-recovery');
  const steps = ['### What to do next', ''];
  const live = [
    'waiting',
    'held',
    'advanced',
    'awaiting-approval',
    'rolled-back-again',
    'skipped',
    'status',
  ];
  if (r.incident) steps.push(`- Follow [incident #${r.incident.number}](${r.incident.url}).`);
  if (r.outcome === 'awaiting-approval')
    steps.push(`- To go on, run the ${workflow} workflow with command \`proceed\`.`);
  if (r.incident && live.includes(r.outcome))
    steps.push(
      `- To stop the recovery (back to 0%), run the ${workflow} workflow with command \`abort\` and a reason.`,
    );
  if (r.outcome === 'not-ready' || r.outcome === 'skipped')
    steps.push(
      `- If a run died holding the lock: \`ripcord status --environment ${env}\`, then \`ripcord unlock --environment ${env} --reason "..."\`.`,
    );
  if (r.outcome === 'no-incident' || r.outcome === 'recovered' || r.outcome === 'aborted')
    steps.push('- Nothing: no recovery is in progress.');
  for (const v of r.gates?.verdicts ?? []) {
    const link = metricLinkMarkdown(v, extras.links?.[v.source]);
    if (link) steps.push(`- See ${escapeMarkdown(v.name)} where it is measured: ${link}.`);
  }
  return steps;
}
