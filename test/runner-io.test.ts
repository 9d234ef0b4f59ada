import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runnerIO } from '../src/actions/runner-io.ts';

function setup(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-runner-'));
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const lines: string[] = [];
  let exitCode = 0;
  const io = runnerIO({
    env: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
    write: (l) => lines.push(l),
    setExitCode: (c) => {
      exitCode = c;
    },
  });
  return { io, lines, output, summary, exitCode: () => exitCode };
}

describe('the runner protocol', () => {
  test('inputs come from INPUT_* with spaces as underscores, trimmed', () => {
    const { io } = setup({ 'INPUT_FAIL-ON-ROLLBACK': ' true ', INPUT_MY_INPUT: 'x' });
    expect(io.getInput('fail-on-rollback')).toBe('true');
    expect(io.getInput('my input')).toBe('x');
    expect(io.getInput('absent')).toBe('');
  });

  test('an output holding newlines and a fake delimiter cannot forge another output', () => {
    const { io, output } = setup();
    io.setOutput('report', 'line 1\nEOF\ndecision<<EOF\nnone\nEOF');
    io.setOutput('decision', 'rollback');
    const text = readFileSync(output, 'utf8');
    const m = /^report<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\1\n/.exec(text);
    expect(m?.[2]).toBe('line 1\nEOF\ndecision<<EOF\nnone\nEOF');
    expect(text).toMatch(/decision<<ghadelimiter_[0-9a-f-]+\nrollback\n/);
  });

  test('a secret is masked with its line breaks escaped, and setFailed fails the step', () => {
    const { io, lines, exitCode } = setup();
    io.setSecret('abc\n%def');
    io.setFailed('policy.yml:1:1: bad\n  second problem');
    expect(lines).toContain('::add-mask::abc%0A%25def\n');
    expect(lines).toContain('::error::policy.yml:1:1: bad%0A  second problem\n');
    expect(exitCode()).toBe(1);
  });

  test('the job summary is appended', async () => {
    const { io, summary } = setup();
    await io.appendSummary('# one');
    await io.appendSummary('two');
    expect(readFileSync(summary, 'utf8')).toBe('# one\ntwo\n');
  });
});
