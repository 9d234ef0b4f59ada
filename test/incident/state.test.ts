import { describe, expect, it } from 'vitest';
import {
  addRun,
  extractStateBlock,
  hasRun,
  incidentStateSchema,
  markStep,
  planSteps,
  refreshIncidentBody,
  renderIncidentBody,
  renderStateBlock,
  replaceStateBlock,
  sameState,
  withStatus,
  type IncidentState,
} from '../../src/incident/state.ts';

function sampleState(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    version: 1,
    environment: 'production',
    status: 'rolling-back',
    openedAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:00:00.000Z',
    reason: 'error rate 7% over 5m (threshold 2%)',
    decision: {
      decision: 'rollback',
      severity: 'critical',
      strategy: 'redeploy',
      approval: null,
      triggered: ['error-rate'],
      summary: 'Roll back: error-rate breached.',
    },
    bad: {
      deploymentId: 42,
      ref: 'v1.4.0',
      sha: 'a'.repeat(40),
      createdAt: '2024-05-01T09:50:00Z',
    },
    target: { deploymentId: 41, ref: 'v1.3.9', sha: 'b'.repeat(40) },
    rollbackDeploymentId: null,
    strategy: 'redeploy',
    attempts: 1,
    lastRollbackAt: '2024-05-01T10:00:00.000Z',
    runs: [{ runId: '9001', attempt: 1, startedAt: '2024-05-01T10:00:00.000Z' }],
    steps: [
      {
        id: 'redeploy:dispatch',
        strategy: 'redeploy',
        name: 'Dispatch deploy.yml',
        status: 'pending',
        startedAt: null,
        finishedAt: null,
        detail: null,
      },
    ],
    dataLossWindow: null,
    recovery: null,
    ...overrides,
  };
}

/** The JSON text of a block, for building hand-edited variants. */
function blockWith(json: string): string {
  return `Intro\n\n<!-- ripcord:state\n${json}\n-->\n`;
}

function validJson(mutate: (raw: Record<string, unknown>) => void = () => {}): string {
  const raw = JSON.parse(JSON.stringify(sampleState())) as Record<string, unknown>;
  mutate(raw);
  return JSON.stringify(raw, null, 2);
}

const FIX_HINT =
  'Fix it by hand, or restore the block from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.';

describe('state block', () => {
  it('round-trips: render -> extract gives the same state', () => {
    const state = sampleState({
      dataLossWindow: { from: '2024-05-01T09:50:00Z', to: '2024-05-01T10:05:00Z' },
      recovery: { stage: 1, nested: { percent: 5 } },
    });
    const block = renderStateBlock(state);
    expect(block.startsWith('<!-- ripcord:state\n{')).toBe(true);
    expect(block.endsWith('}\n-->')).toBe(true);
    expect(extractStateBlock(`before\n${block}\nafter`)).toEqual({ state });
  });

  it('round-trips without the optional decision and with a null target', () => {
    const state = sampleState({ target: null });
    delete state.decision;
    expect(extractStateBlock(renderStateBlock(state))).toEqual({ state });
  });

  it('keeps text that would end the comment or open HTML inside the JSON', () => {
    const state = sampleState({ reason: 'x --> <!-- ripcord:state <b>&amp;' });
    const block = renderStateBlock(state);
    expect(block.slice(0, -3)).not.toContain('-->');
    expect(block.match(/<!--/g)).toHaveLength(1);
    expect(block).toContain('\\u003e');
    expect(extractStateBlock(block)).toEqual({ state });
  });

  it('reads a body whose line endings GitHub turned into CRLF', () => {
    const state = sampleState();
    const body = `Intro\r\n\r\n${renderStateBlock(state).replace(/\n/g, '\r\n')}\r\n`;
    expect(extractStateBlock(body)).toEqual({ state });
  });

  it('says absent when there is no block', () => {
    expect(extractStateBlock('just a human issue')).toEqual({ absent: true });
    expect(extractStateBlock('')).toEqual({ absent: true });
  });

  it('refuses to render an invalid state', () => {
    const bad = { ...sampleState(), attempts: -1 };
    expect(() => renderStateBlock(bad)).toThrow(/attempts: Too small/);
  });

  it('exports the schema for callers that validate their own input', () => {
    expect(incidentStateSchema.safeParse(sampleState()).success).toBe(true);
  });
});

describe('corrupted blocks give clear errors, never a crash or a reset', () => {
  const cases: Array<{ name: string; body: string; error: string }> = [
    {
      name: 'invalid JSON',
      body: blockWith('{"version": 1, "environment": "production",}'),
      error: `The Ripcord state block is not valid JSON (${(() => {
        try {
          JSON.parse('\n{"version": 1, "environment": "production",}\n');
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })()}). ${FIX_HINT}`,
    },
    {
      name: 'a missing field',
      body: blockWith(validJson((raw) => delete raw['bad'])),
      error: `The Ripcord state block does not match state version 1: bad: Invalid input: expected object, received undefined. ${FIX_HINT}`,
    },
    {
      name: 'a wrong type, deep inside',
      body: blockWith(
        validJson((raw) => {
          const [step] = raw['steps'] as Array<Record<string, unknown>>;
          if (step) step['status'] = 'finished';
          raw['attempts'] = '1';
        }),
      ),
      error:
        'The Ripcord state block does not match state version 1: ' +
        'attempts: Invalid input: expected number, received string; ' +
        'steps[0].status: Invalid option: expected one of "pending"|"running"|"done"|"failed"|"skipped". ' +
        FIX_HINT,
    },
    {
      name: 'an unknown key (a typo in a hand edit)',
      body: blockWith(validJson((raw) => (raw['statsu'] = 'closed'))),
      error: `The Ripcord state block does not match state version 1: (the whole block): Unrecognized key: "statsu". ${FIX_HINT}`,
    },
    {
      name: 'not an object',
      body: blockWith('[1, 2]'),
      error: `The Ripcord state block does not match state version 1: (the whole block): Invalid input: expected object, received array. ${FIX_HINT}`,
    },
    {
      name: 'version 2 (a newer Ripcord)',
      body: blockWith(validJson((raw) => (raw['version'] = 2))),
      error:
        'The Ripcord state block has version 2: it was written by a newer Ripcord than this one, which reads version 1. ' +
        'Upgrade the Ripcord actions this workflow uses to the version that wrote it; do not edit the block.',
    },
    {
      name: 'version 0',
      body: blockWith(validJson((raw) => (raw['version'] = 0))),
      error: `The Ripcord state block does not match state version 1: version: Invalid input: expected 1. ${FIX_HINT}`,
    },
    {
      name: 'two blocks',
      body: `${renderStateBlock(sampleState())}\n\n${renderStateBlock(sampleState())}`,
      error:
        'The incident issue body has 2 Ripcord state blocks ("<!-- ripcord:state"); it must have exactly one. ' +
        'Keep the current one and delete the others, or restore the body from the issue\'s edit history (the "edited" menu above the issue body), then re-run the workflow.',
    },
    {
      name: 'an unclosed block',
      body: `Intro\n<!-- ripcord:state\n${validJson()}\n`,
      error: `The Ripcord state block in the incident issue body is not closed: "-->" is missing after "<!-- ripcord:state". ${FIX_HINT}`,
    },
  ];

  it.each(cases)('$name', ({ body, error }) => {
    expect(extractStateBlock(body)).toEqual({ error });
  });

  it('a timestamp that is not ISO 8601 names its path', () => {
    const body = blockWith(validJson((raw) => (raw['openedAt'] = 'yesterday')));
    const result = extractStateBlock(body);
    expect(result).toEqual({ error: expect.stringContaining('openedAt: Invalid ISO datetime') });
  });
});

describe('replaceStateBlock and refreshIncidentBody keep the human text', () => {
  it('replaces only the block; every other character stays', () => {
    const before = sampleState();
    const after = withStatus(before, 'rolled-back', '2024-05-01T10:10:00Z');
    const head = '## What we know\r\n\r\nCustomers saw 500s. — @alice\r\n\r\n';
    const tail = '\r\n\r\nNotes added later by a person.\r\n';
    const body = `${head}${renderStateBlock(before)}${tail}`;
    const replaced = replaceStateBlock(body, after);
    expect(replaced).toBe(`${head}${renderStateBlock(after)}${tail}`);
    expect(extractStateBlock(replaced)).toEqual({ state: after });
  });

  it('appends a block to a body that has none', () => {
    const state = sampleState();
    expect(replaceStateBlock('Hand-written issue.\n\n', state)).toBe(
      `Hand-written issue.\n\n${renderStateBlock(state)}\n`,
    );
    expect(replaceStateBlock('', state)).toBe(renderStateBlock(state));
  });

  it('refuses to guess between two blocks', () => {
    const block = renderStateBlock(sampleState());
    expect(() => replaceStateBlock(`${block}\n${block}`, sampleState())).toThrow(
      /has 2 Ripcord state blocks/,
    );
  });

  it('refreshIncidentBody rebuilds the generated facts and keeps the rest', () => {
    const state = sampleState();
    const body = renderIncidentBody(state, 'Opened by the post-deploy job.');
    const edited = `Human note on top.\n\n${body}\nHuman note below.\n`;
    const next = markStep(
      withStatus(state, 'rolled-back', '2024-05-01T10:10:00Z'),
      'redeploy:dispatch',
      'done',
      'run 77 succeeded',
      '2024-05-01T10:09:00Z',
    );
    const refreshed = refreshIncidentBody(edited, next);
    expect(refreshed).toBe(
      `Human note on top.\n\n${renderIncidentBody(next, 'Opened by the post-deploy job.')}\nHuman note below.\n`,
    );
    expect(refreshed).toContain('| Status | Rolled back |');
    expect(refreshed).not.toContain('| Status | Rolling back |');
  });

  it('refreshIncidentBody leaves text alone when the summary markers were removed', () => {
    const state = sampleState();
    const body = `Only people's words.\n\n${renderStateBlock(state)}\n`;
    const next = withStatus(state, 'recovered', '2024-05-02T00:00:00Z');
    expect(refreshIncidentBody(body, next)).toBe(replaceStateBlock(body, next));
  });
});

describe('renderIncidentBody', () => {
  it('has the summary, the facts, the steps table and one extractable block', () => {
    const state = sampleState();
    const body = renderIncidentBody(state, '**Rollback of production**');
    expect(body.startsWith('**Rollback of production**\n\n<!-- ripcord:summary')).toBe(true);
    expect(body).toContain('| Environment | production |');
    expect(body).toContain('| Bad version | v1.4.0 @ aaaaaaaaaaaa (deployment 42) |');
    expect(body).toContain('| Target version | v1.3.9 @ bbbbbbbbbbbb (deployment 41) |');
    expect(body).toContain('| Dispatch deploy.yml | redeploy | pending | - | - | - |');
    expect(extractStateBlock(body)).toEqual({ state });
  });

  it('escapes untrusted text so it cannot ping people or inject HTML', () => {
    const state = planSteps(
      sampleState({
        reason: '@channel <script>alert(1)</script> | broken',
        environment: 'prod @here',
        bad: { deploymentId: 1, ref: '<img src=x>', sha: 'c', createdAt: '2024-05-01T09:00:00Z' },
      }),
      [{ id: 'flag:off', strategy: 'feature-flag', name: '@team/oncall <b>' }],
      '2024-05-01T10:00:00Z',
    );
    const body = renderIncidentBody(state, '');
    const human = body.slice(0, body.indexOf('<!-- ripcord:state'));
    expect(human).not.toMatch(/@channel|@here|@team/);
    expect(human).toContain('@\u200bchannel');
    // An escaped `\<` renders as text; only a bare `<` would open a tag.
    expect(human).not.toMatch(/(^|[^\\])<(script|img|b>)/);
    expect(human).toContain('\\<script\\>');
    expect(human).toContain('\\| broken');
    const block = body.slice(body.indexOf('<!-- ripcord:state'));
    expect(block).not.toMatch(/<script|<img/);
    expect(extractStateBlock(body)).toEqual({ state });
  });
});

describe('pure helpers', () => {
  const at = '2024-05-01T10:05:00Z';

  it('withStatus sets the status and the update time', () => {
    const next = withStatus(sampleState(), 'rollback-failed', at);
    expect(next.status).toBe('rollback-failed');
    expect(next.updatedAt).toBe('2024-05-01T10:05:00.000Z');
    expect(sampleState().status).toBe('rolling-back');
  });

  it('markStep runs, finishes, fails and resets a step without touching the input', () => {
    const state = sampleState();
    const running = markStep(state, 'redeploy:dispatch', 'running', null, at);
    expect(running.steps[0]).toMatchObject({
      status: 'running',
      startedAt: '2024-05-01T10:05:00.000Z',
      finishedAt: null,
    });
    expect(state.steps[0]?.status).toBe('pending');
    const done = markStep(
      running,
      'redeploy:dispatch',
      'done',
      'run 77',
      Date.UTC(2024, 4, 1, 10, 7),
    );
    expect(done.steps[0]).toMatchObject({
      status: 'done',
      startedAt: '2024-05-01T10:05:00.000Z',
      finishedAt: '2024-05-01T10:07:00.000Z',
      detail: 'run 77',
    });
    expect(done.updatedAt).toBe('2024-05-01T10:07:00.000Z');
    const skipped = markStep(state, 'redeploy:dispatch', 'skipped', 'not needed', new Date(at));
    expect(skipped.steps[0]).toMatchObject({ startedAt: '2024-05-01T10:05:00.000Z' });
    const reset = markStep(done, 'redeploy:dispatch', 'pending', null, at);
    expect(reset.steps[0]).toMatchObject({ startedAt: null, finishedAt: null });
  });

  it('markStep refuses an unknown step and a time that is not one', () => {
    expect(() => markStep(sampleState(), 'nope', 'done', null, at)).toThrow(
      'Incident step "nope" is not in the incident state (known: redeploy:dispatch); plan it with planSteps first.',
    );
    expect(() => markStep(sampleState(), 'redeploy:dispatch', 'done', null, 'soon')).toThrow(
      RangeError,
    );
  });

  it('planSteps adds new steps as pending and keeps recorded ones', () => {
    const state = markStep(sampleState(), 'redeploy:dispatch', 'done', 'ok', at);
    const planned = planSteps(
      state,
      [
        { id: 'redeploy:dispatch', strategy: 'redeploy', name: 'again' },
        { id: 'redeploy:wait', strategy: 'redeploy', name: 'Wait for the run' },
      ],
      at,
    );
    expect(planned.steps.map((s) => [s.id, s.status, s.name])).toEqual([
      ['redeploy:dispatch', 'done', 'Dispatch deploy.yml'],
      ['redeploy:wait', 'pending', 'Wait for the run'],
    ]);
    expect(planSteps(planned, [{ id: 'redeploy:wait', strategy: 'x', name: 'y' }], at)).toBe(
      planned,
    );
  });

  it('addRun is idempotent per run attempt; hasRun finds it', () => {
    const state = sampleState();
    expect(hasRun(state, '9001', 1)).toBe(true);
    expect(hasRun(state, '9001', 2)).toBe(false);
    expect(addRun(state, '9001', 1, at)).toBe(state);
    const rerun = addRun(state, '9001', 2, at);
    expect(rerun.runs).toEqual([
      ...state.runs,
      { runId: '9001', attempt: 2, startedAt: '2024-05-01T10:05:00.000Z' },
    ]);
    expect(hasRun(rerun, '9001', 2)).toBe(true);
    expect(extractStateBlock(renderStateBlock(rerun))).toEqual({ state: rerun });
  });

  it('sameState ignores key order', () => {
    const state = sampleState();
    const reordered = Object.fromEntries(Object.entries(state).reverse()) as IncidentState;
    expect(sameState(state, reordered)).toBe(true);
    expect(sameState(state, withStatus(state, 'closed', at))).toBe(false);
  });
});
