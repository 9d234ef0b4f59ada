/**
 * The runner protocol as an action's step speaks it: the real ActionIO (@actions/core) in a
 * process of its own, its environment given, its stdout and the runner's files read back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runAction } from '../../src/actions/run-action.ts';
import { readPolicy } from '../../src/policy/read.ts';
import { recorder } from '../support/action-recorder.ts';
import { runIO } from '../support/runner-io.ts';

describe('the runner protocol', () => {
  test('inputs come from INPUT_* with spaces as underscores, trimmed', () => {
    const { results } = runIO({ 'INPUT_FAIL-ON-ROLLBACK': ' true ', INPUT_MY_INPUT: 'x' }, [
      ['getInput', 'fail-on-rollback'],
      ['getInput', 'my input'],
      ['getInput', 'absent'],
    ]);
    expect(results[0]).toBe('true');
    expect(results[1]).toBe('x');
    expect(results[2]).toBe('');
  });

  test('an output holding newlines and a fake delimiter cannot forge another output', () => {
    const { output: text } = runIO({}, [
      ['setOutput', 'report', 'line 1\nEOF\ndecision<<EOF\nnone\nEOF'],
      ['setOutput', 'decision', 'rollback'],
    ]);
    const m = /^report<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\1\n/.exec(text);
    expect(m?.[2]).toBe('line 1\nEOF\ndecision<<EOF\nnone\nEOF');
    expect(text).toMatch(/decision<<ghadelimiter_[0-9a-f-]+\nrollback\n/);
  });

  test('a secret is masked with its line breaks escaped, and setFailed fails the step', () => {
    const { lines, exitCode } = runIO({}, [
      ['setSecret', 'abc\n%def'],
      ['setFailed', 'policy.yml:1:1: bad\n  second problem'],
    ]);
    expect(lines).toContain('::add-mask::abc%0A%25def\n');
    expect(lines).toContain('::error::policy.yml:1:1: bad%0A  second problem\n');
    expect(exitCode).toBe(1);
  });

  test('the job summary is appended', () => {
    const { summary } = runIO({}, [
      ['appendSummary', '# one'],
      ['appendSummary', 'two'],
    ]);
    expect(summary).toBe('# one\ntwo\n');
  });

  test('an annotation points at the file, line and column; phases fold the log into groups', () => {
    const { lines, exitCode } = runIO({}, [
      ['phase', 'Read the policy'],
      ['info', 'reading .github/ripcord.yml'],
      [
        'annotate',
        'error',
        'environments.production.triggers[0].for: "15 minutes" is not a duration; write 15m',
        { file: '.github/ripcord.yml', line: 12, column: 14, title: 'Ripcord policy' },
      ],
      ['phase', 'Roll back'],
      ['endPhase'],
    ]);
    expect(lines).toEqual([
      '::group::Read the policy\n',
      'reading .github/ripcord.yml\n',
      '::error title=Ripcord policy,file=.github/ripcord.yml,line=12,col=14::environments.production.triggers[0].for: "15 minutes" is not a duration; write 15m\n',
      '::endgroup::\n',
      '::group::Roll back\n',
      '::endgroup::\n',
    ]);
    // An annotation alone does not fail the step: setFailed does.
    expect(exitCode).toBe(0);
  });

  test('state for a post step is written to GITHUB_STATE; an OIDC token needs id-token: write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-state-'));
    const state = join(dir, 'state');
    writeFileSync(state, '');
    const { results, lines } = runIO({ GITHUB_STATE: state, STATE_lock: 'held' }, [
      ['saveState', 'incident', '42'],
      ['getState', 'lock'],
    ]);
    expect(results[1]).toBe('held');
    expect(lines.join('')).not.toContain('save-state');
    expect(() => runIO({}, [['getIDToken', 'sts.amazonaws.com']])).toThrow(
      /ACTIONS_ID_TOKEN_REQUEST_URL/,
    );
  });
});

describe('hostile text in a policy cannot start a workflow command', () => {
  // A value that, written raw, would end the annotation and start commands of its own.
  const hostile = 'x%0A::add-mask::everything\n::stop-commands::abc\r\n##[error]old';

  test('an annotation escapes its message and its file, line and title properties', () => {
    const { lines } = runIO({}, [
      [
        'annotate',
        'error',
        `trigger ${hostile}: not a duration`,
        { file: `policy,line=1::${hostile}.yml`, line: 3, column: 5, title: hostile },
      ],
      ['warning', hostile],
      ['setFailed', hostile],
    ]);
    const text = lines.join('');
    const commands = text.split('\n').filter((l) => /^\s*(::|##\[)/.test(l));
    // Exactly the three commands written, each on one line, none of them a mask or a stop.
    expect(commands).toHaveLength(3);
    expect(commands.map((l) => /^::(\w+)/.exec(l)?.[1])).toEqual(['error', 'warning', 'error']);
    expect(text).not.toMatch(/^::add-mask::/m);
    expect(text).not.toMatch(/^::stop-commands::/m);
    // The runner unescapes %25 back to %: the user reads what the policy says.
    expect(commands[0]).toContain('file=policy%2Cline=1%3A%3Ax%250A%3A%3Aadd-mask');
    expect(commands[0]).toContain('::trigger x%250A::add-mask::everything%0A::stop-commands');
  });

  test('a policy problem fails the step and is annotated on the policy at its line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-annotate-'));
    const policy = join(dir, 'ripcord.yml');
    writeFileSync(policy, 'version: 1\nenvironments:\n  production:\n    step: 15 minutes\n');
    const io = recorder({});
    await runAction(
      async () => {
        io.phase('Read the policy');
        await readPolicy(policy);
      },
      io,
      dir,
    );
    expect(io.failed).toHaveLength(1);
    expect(io.failed[0]).toContain('ripcord.yml is not a valid Ripcord policy');
    expect(io.annotations).toEqual([
      {
        level: 'error',
        message: expect.stringContaining('environments.production.step: "15 minutes"') as string,
        at: { file: 'ripcord.yml', line: 4, column: 11, title: 'Ripcord policy' },
      },
    ]);
  });
});
