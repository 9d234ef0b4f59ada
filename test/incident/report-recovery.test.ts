/** The report reads the staged-recovery machine's own record, and says a thing once. */
import { expect, test } from 'vitest';
import { renderIncidentReport } from '../../src/incident/report.ts';
import { RECOVERY_STATE_VERSION, type RecoveryState } from '../../src/recovery/machine.ts';
import { fullInput, fullState } from '../fixtures/reports/incident-fixtures.ts';

const history = (at: string, event: string, stage: number, percent: number) => ({
  at,
  event,
  attempt: 1,
  stage,
  percent,
  detail: event,
});

test('a recovery recorded by the machine gives stages and a time to recover', () => {
  const recovery: RecoveryState = {
    version: RECOVERY_STATE_VERSION,
    status: 'recovered',
    stage: 3,
    percent: 100,
    attempt: 1,
    stageStartedAt: '2024-05-01T13:00:00.000Z',
    nextAttemptAt: null,
    lastGate: null,
    abortReason: null,
    updatedAt: '2024-05-01T14:00:00.000Z',
    history: [
      history('2024-05-01T11:00:00.000Z', 'stage', 0, 5),
      history('2024-05-01T11:30:00.000Z', 'stage', 1, 25),
      history('2024-05-01T12:30:00.000Z', 'stage', 2, 50),
      history('2024-05-01T13:00:00.000Z', 'stage', 3, 100),
      history('2024-05-01T14:00:00.000Z', 'recovered', 3, 100),
    ],
  };
  const state = fullState({
    status: 'recovered',
    recovery: recovery as unknown as Record<string, unknown>,
  });
  const md = renderIncidentReport(fullInput({ state }));
  expect(md).not.toContain('recovery not completed');
  expect(md).toMatch(/\| Time to recover \| \d+h/);
  for (const p of [5, 25, 50, 100]) expect(md).toContain(`${p}%`);
});

test('a reason equal to the decision summary is said once', () => {
  const base = fullState();
  const summary = 'Roll back production: error-rate above 5% for 15m.';
  const state = fullState({
    reason: summary,
    decision: {
      ...(base.decision ?? {
        decision: 'rollback',
        severity: 'critical',
        strategy: 'full',
        approval: 'none',
        triggered: [],
      }),
      summary,
    },
  });
  const md = renderIncidentReport(fullInput({ state }));
  expect(md.split('error-rate above 5% for 15m').length - 1).toBe(1);
  expect(md).not.toContain('15m..');
});
