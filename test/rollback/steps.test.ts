/**
 * Command and HTTP rollback steps, run for real: bash through @actions/exec, HTTP against a
 * recording server on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.ts';
import type { Logger } from '../../src/shared/logger.ts';
import {
  ripcordEnv,
  runCommandStep,
  stepValues,
  type StepContext,
} from '../../src/rollback/steps/command-step.ts';
import { compileHttpStep, runHttpStep } from '../../src/rollback/steps/http-step.ts';
import {
  closedPort,
  startReceiver,
  type Handler,
  type Receiver,
} from '../support/http-receiver.ts';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ripcord-steps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const context: StepContext = {
  environment: 'production',
  targetRef: 'v1.4.2',
  targetSha: 'a1b2c3d',
  fromRef: 'v1.5.0',
  incident: 42,
  reason: 'error rate 12% > 5% for 5m',
  strategy: 'redeploy',
};

describe('command step', () => {
  it('passes every Ripcord value as a RIPCORD_* variable', async () => {
    const logger = recorder();
    const result = await runCommandStep({
      command:
        'echo "ref=$RIPCORD_TARGET_REF sha=$RIPCORD_TARGET_SHA env=$RIPCORD_ENVIRONMENT incident=$RIPCORD_INCIDENT"; echo "reason=$RIPCORD_REASON" >&2; echo "from=${RIPCORD_FROM_REF} unknown=${RIPCORD_FROM_SHA-unset}"',
      env: ripcordEnv(context),
      timeoutMs: 10_000,
      logger,
    });
    expect(result).toMatchObject({ ok: true, exitCode: 0, timedOut: false });
    expect(result.stdoutTail).toBe(
      'ref=v1.4.2 sha=a1b2c3d env=production incident=42\nfrom=v1.5.0 unknown=unset\n',
    );
    expect(result.stderrTail).toBe('reason=error rate 12% > 5% for 5m\n');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(logger.lines).toContain('info:   ref=v1.4.2 sha=a1b2c3d env=production incident=42');
  });

  it('keeps the runner environment (PATH) but drops RIPCORD_* left from elsewhere', async () => {
    process.env.RIPCORD_STALE = 'from-an-earlier-step';
    try {
      const result = await runCommandStep({
        command: 'command -v bash >/dev/null && echo "stale=${RIPCORD_STALE-none}"',
        env: {},
        timeoutMs: 10_000,
        logger: recorder(),
      });
      expect(result.stdoutTail).toBe('stale=none\n');
    } finally {
      delete process.env.RIPCORD_STALE;
    }
  });

  it('runs in the given working directory', async () => {
    const result = await runCommandStep({
      command: 'pwd',
      env: {},
      cwd: dir,
      timeoutMs: 10_000,
      logger: recorder(),
    });
    expect(result.stdoutTail.trim()).toBe(dir);
  });

  it.each([
    ['command substitution', '$(touch {marker})'],
    ['backticks', '`touch {marker}`'],
    ['quote breaking', `'; touch {marker}; echo '`],
    ['double-quote breaking', `"; touch {marker}; echo "`],
    ['newline', 'v1\ntouch {marker}'],
    ['glob and redirection', '* > {marker}'],
  ])('never executes a hostile value (%s) in RIPCORD_TARGET_REF', async (_kind, template) => {
    const marker = join(dir, `pwned-${Math.random().toString(36).slice(2)}`);
    const hostile = template.replace('{marker}', marker);
    // Quoted, unquoted and through eval-free helpers: a variable's value is data to bash.
    const result = await runCommandStep({
      command: [
        'printf "%s\\n" "$RIPCORD_TARGET_REF"',
        'echo $RIPCORD_TARGET_REF > /dev/null',
        'git_ref="refs/tags/$RIPCORD_TARGET_REF"; test -n "$git_ref"',
      ].join('\n'),
      env: ripcordEnv({ ...context, targetRef: hostile }),
      cwd: dir,
      timeoutMs: 10_000,
      logger: recorder(),
    });
    expect(result.ok).toBe(true);
    expect(result.stdoutTail).toBe(`${hostile}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('control: the same payload in the command text itself does run (so the check above means something)', async () => {
    const marker = join(dir, 'control-marker');
    await runCommandStep({
      command: `echo $(touch ${marker})`,
      env: {},
      timeoutMs: 10_000,
      logger: recorder(),
    });
    expect(existsSync(marker)).toBe(true);
  });

  it('reports a non-zero exit with its code and the last stderr line', async () => {
    const logger = recorder();
    const result = await runCommandStep({
      command: 'echo partial; echo "Error: release chat-api not found" >&2; exit 3',
      env: {},
      timeoutMs: 10_000,
      logger,
    });
    expect(result).toMatchObject({
      ok: false,
      exitCode: 3,
      timedOut: false,
      stdoutTail: 'partial\n',
      reason: 'command exited with code 3: Error: release chat-api not found',
    });
    expect(logger.lines).toContain(
      'error: command exited with code 3: Error: release chat-api not found',
    );
  });

  it('fails on the first failing command and inside pipelines, like a workflow run step', async () => {
    const first = await runCommandStep({
      command: 'false\necho should-not-run',
      env: {},
      timeoutMs: 10_000,
      logger: recorder(),
    });
    expect(first).toMatchObject({ ok: false, exitCode: 1, stdoutTail: '' });
    const piped = await runCommandStep({
      command: 'exit_7() { return 7; }; exit_7 | cat',
      env: {},
      timeoutMs: 10_000,
      logger: recorder(),
    });
    expect(piped).toMatchObject({ ok: false, exitCode: 7 });
  });

  it('a command exiting 124 by itself is a failure, not a timeout', async () => {
    const result = await runCommandStep({
      command: 'exit 124',
      env: {},
      timeoutMs: 10_000,
      logger: recorder(),
    });
    expect(result).toMatchObject({ ok: false, exitCode: 124, timedOut: false });
  });

  it('kills a command that runs past its time limit, children included, and says so', async () => {
    const marker = join(dir, 'after-timeout');
    const started = Date.now();
    const result = await runCommandStep({
      command: `echo started; sleep 30 | cat; touch ${marker}`,
      env: {},
      timeoutMs: 500,
      killAfterMs: 1_000,
      logger: recorder(),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      stdoutTail: 'started\n',
      reason: 'command timed out after 500ms and was stopped',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(500);
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a command that ignores SIGTERM after the grace period', async () => {
    const result = await runCommandStep({
      command: "trap '' TERM; sleep 20",
      env: {},
      timeoutMs: 300,
      killAfterMs: 300,
      logger: recorder(),
    });
    // KILL takes down `timeout` itself, so there is no exit code, only the signal.
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      exitCode: null,
      reason: 'command timed out after 300ms and was stopped',
    });
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('keeps only the tail of long output', async () => {
    const result = await runCommandStep({
      command: 'seq 1 5000',
      env: {},
      timeoutMs: 10_000,
      tailChars: 20,
      logger: { debug() {}, info() {}, warning() {}, error() {} },
    });
    expect(result.ok).toBe(true);
    expect(result.stdoutTail).toBe('...4997\n4998\n4999\n5000\n');
  });

  it('goes through the injected exec with timeout + bash and the values only in env', async () => {
    const calls: { tool: string; args: string[]; env: Record<string, string> }[] = [];
    const result = await runCommandStep({
      command: 'helm rollback chat-api "$RIPCORD_TARGET_REF"',
      env: ripcordEnv({ environment: 'production', targetRef: '$(evil)' }),
      timeoutMs: 60_000,
      logger: recorder(),
      exec: async (tool, args, options) => {
        calls.push({ tool, args: args ?? [], env: (options?.env ?? {}) as Record<string, string> });
        return { exitCode: 0, stdout: 'Rollback was a success!\n', stderr: '' };
      },
    });
    expect(result.ok).toBe(true);
    expect(calls[0]?.tool).toBe('timeout');
    expect(calls[0]?.args).toEqual([
      '--kill-after=5s',
      '60s',
      'bash',
      '--noprofile',
      '--norc',
      '-eo',
      'pipefail',
      '-c',
      'helm rollback chat-api "$RIPCORD_TARGET_REF"',
    ]);
    expect(calls[0]?.env.RIPCORD_TARGET_REF).toBe('$(evil)');
    expect(calls[0]?.args.join(' ')).not.toContain('$(evil)');
  });

  it('reports a command that cannot be started', async () => {
    const result = await runCommandStep({
      command: 'true',
      env: {},
      timeoutMs: 1_000,
      logger: recorder(),
      exec: () => Promise.reject(new Error('Unable to locate executable file: timeout')),
    });
    expect(result).toMatchObject({ ok: false, exitCode: null });
    expect(result.reason).toMatch(/coreutils `timeout` is not installed/);
  });

  it('rejects bad input before running anything', async () => {
    const base = { timeoutMs: 1_000, logger: recorder() };
    await expect(runCommandStep({ ...base, command: '  ', env: {} })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(
      runCommandStep({ ...base, command: 'true', env: { 'BAD NAME': 'x', OK: 'a\0b' } }),
    ).rejects.toThrow(
      /BAD NAME: not a valid environment variable name\n.*OK: the value contains a NUL byte/,
    );
    await expect(
      runCommandStep({ ...base, command: 'true', env: {}, timeoutMs: 0 }),
    ).rejects.toThrow(/positive timeout/);
  });
});

describe('http step', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });
  const serve = async (handler: Handler): Promise<Receiver> => {
    receiver = await startReceiver(handler);
    return receiver;
  };

  it('sends the method, URL, headers and JSON body with placeholders filled and escaped', async () => {
    const server = await serve(() => ({ status: 202, body: { accepted: true } }));
    const step = compileHttpStep({
      name: 'deployer rollback',
      method: 'post',
      url: `${server.url}/apps/chat-api/{{environment}}/rollback?to={{target_ref}}`,
      headers: { authorization: 'Bearer tok-secret-9', 'x-incident': '{{incident}}' },
      body: '{"ref": "{{target_ref}}", "sha": "{{target_sha}}", "reason": "{{reason}}", "percent": "{{percent}}"}',
      expectStatus: [200, 202],
      timeoutMs: 5_000,
      secrets: ['tok-secret-9'],
    });
    const logger = recorder();
    const result = await step.run(
      stepValues({ ...context, targetRef: 'v1.4.2"&x=1', reason: 'p95 "2s"\nover 5m' }),
      { logger },
    );
    expect(result).toMatchObject({ ok: true, status: 202, attempts: 1 });
    expect(result.bodyTail).toBe('{"accepted":true}');
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/apps/chat-api/production/rollback');
    expect(req?.query.get('to')).toBe('v1.4.2"&x=1');
    expect(req?.query.get('x')).toBeNull();
    expect(req?.headers.authorization).toBe('Bearer tok-secret-9');
    expect(req?.headers['x-incident']).toBe('42');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      ref: 'v1.4.2"&x=1',
      sha: 'a1b2c3d',
      reason: 'p95 "2s"\nover 5m',
      percent: '',
    });
    expect(logger.lines.join('\n')).not.toContain('tok-secret-9');
  });

  it('fails on an unexpected status with the status, what was expected and the body, secrets redacted', async () => {
    const server = await serve(() => ({
      status: 409,
      body: 'conflict: rollback already running (tok-secret-9)',
    }));
    const result = await runHttpStep({
      url: `${server.url}/rollback`,
      headers: { authorization: 'tok-secret-9' },
      expectStatus: 200,
      timeoutMs: 5_000,
      secrets: ['tok-secret-9'],
      logger: recorder(),
    });
    expect(result.ok).toBe(false);
    expect(result.status).toBe(409);
    expect(result.reason).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/rollback answered HTTP 409, expected 200: conflict: rollback already running \(\*\*\*\)$/,
    );
    expect(result.bodyTail).not.toContain('tok-secret-9');
  });

  it('defaults to any 2xx', async () => {
    const server = await serve(() => ({ status: 204 }));
    const result = await runHttpStep({
      method: 'DELETE',
      url: `${server.url}/maintenance`,
      timeoutMs: 5_000,
      logger: recorder(),
    });
    expect(result).toMatchObject({ ok: true, status: 204 });
    const redirect = await serve(() => ({ status: 302, headers: { location: '/' } }));
    const bad = await runHttpStep({
      url: `${redirect.url}/x`,
      timeoutMs: 5_000,
      logger: recorder(),
      fetch: (input, init) => fetch(input, { ...init, redirect: 'manual' }),
    });
    expect(bad).toMatchObject({ ok: false, status: 302 });
  });

  it('retries idempotent methods on 5xx, never a POST', async () => {
    const server = await serve((_req, index) => (index < 2 ? { status: 503 } : { status: 200 }));
    const put = await runHttpStep({
      method: 'PUT',
      url: `${server.url}/switch`,
      timeoutMs: 5_000,
      retryDelayMs: 5,
      logger: recorder(),
    });
    expect(put).toMatchObject({ ok: true, status: 200, attempts: 3 });

    server.requests.length = 0;
    const postServer = await serve(() => ({ status: 503 }));
    const post = await runHttpStep({
      url: `${postServer.url}/deploy`,
      timeoutMs: 5_000,
      logger: recorder(),
    });
    expect(post).toMatchObject({ ok: false, status: 503, attempts: 1 });
    expect(postServer.requests).toHaveLength(1);
  });

  it('reports a timeout and a refused connection as failures with the reason', async () => {
    const slow = await serve(() => ({ status: 200, delayMs: 2_000 }));
    const timedOut = await runHttpStep({
      url: `${slow.url}/slow`,
      timeoutMs: 100,
      logger: recorder(),
    });
    expect(timedOut).toMatchObject({ ok: false, status: null });
    expect(timedOut.reason).toMatch(/failed: timed out after 100ms/);

    const port = await closedPort();
    const refused = await runHttpStep({
      method: 'GET',
      url: `http://127.0.0.1:${port}/`,
      timeoutMs: 1_000,
      retries: 0,
      logger: recorder(),
    });
    expect(refused.reason).toMatch(/connection refused/);
  });

  it('rejects unknown placeholders, bad URLs and bad statuses when compiled', () => {
    expect(() =>
      compileHttpStep({
        url: 'https://deploy.example/{{target_reff}}',
        body: '{"x": "{{secret}}"}',
        timeoutMs: 1_000,
      }),
    ).toThrow(
      /url: unknown placeholder \{\{target_reff\}\}; did you mean \{\{target_ref\}\}\?[\s\S]*body: unknown placeholder \{\{secret\}\}/,
    );
    expect(() => compileHttpStep({ url: 'deploy.example/x', timeoutMs: 1_000 })).toThrow(
      /must start with http/,
    );
    expect(() =>
      compileHttpStep({ url: 'https://x/', expectStatus: 2000, timeoutMs: 1_000 }),
    ).toThrow(/2000 is not an HTTP status/);
  });

  it('refuses to send a header value containing a line break', async () => {
    const server = await serve(() => ({ status: 200 }));
    const result = await runHttpStep({
      url: `${server.url}/x`,
      headers: { 'x-ref': '{{ref}}' },
      values: { ref: 'v1\r\nx-admin: true' },
      timeoutMs: 1_000,
      logger: recorder(),
    });
    expect(result).toMatchObject({ ok: false, status: null, attempts: 0 });
    expect(result.reason).toMatch(/contains a line break/);
    expect(server.requests).toHaveLength(0);
  });
});
