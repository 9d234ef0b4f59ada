/**
 * Issue #11, "nothing reaches the runner's log or the world unescaped": each test performs
 * the attack against real loopback servers and the real runner protocol, and checks that it
 * now fails safely.
 */
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.ts';
import { silentLogger, type Logger } from '../../src/shared/logger.ts';
import { policySchema } from '../../src/policy/schema.ts';
import { secretForms } from '../../src/policy/secrets.ts';
import { evaluateEnvironment } from '../../src/signals/evaluate-environment.ts';
import { clearRecordingCache } from '../../src/signals/sources/file.ts';
import { MAX_BODY_BYTES, requestWithRetry } from '../../src/shared/fetch-with-retry.ts';
import { createSources } from '../../src/signals/factory.ts';
import { planStrategy } from '../../src/rollback/plan.ts';
import { runIO, type IOCall } from '../support/runner-io.ts';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  clearRecordingCache();
});

async function serve(
  handle: (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '/', headers: req.headers });
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, seen };
}

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

/** The real runner IO (@actions/core) in a step's process: what it wrote to stdout. */
function runner(calls: IOCall[]) {
  const written = runIO({}, calls).lines;
  return { written, lines: () => written.join('').split('\n') };
}

describe('untrusted text cannot become a workflow command', () => {
  const forged =
    'error_ratio{path="/x"} 0.9\n::add-mask::everything\n  ::error title=Deployed::all good\n::stop-commands::abc\n##[error]old syntax';

  test('a label value or body with command lines, logged as info, starts no command', () => {
    const { lines } = runner([
      ['info', `prometheus answered: ${forged}`],
      ['warning', forged],
      ['error', forged],
      ['debug', forged],
    ]);
    const commands = lines().filter((l) => /^\s*(::|##\[)/.test(l));
    // Only the three commands Ripcord wrote itself, each on one line with the text escaped.
    expect(commands).toHaveLength(3);
    expect(commands.every((l) => /^::(warning|error|debug)::/.test(l))).toBe(true);
    expect(lines().join('\n')).toContain('> ::add-mask::everything');
    expect(lines().join('\n')).toContain('  > ::error title=Deployed::all good');
  });

  test('the CLI neutralises what it prints to stderr (a policy path holding a command)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-cmd-'));
    const path = join(dir, 'x\n::error::forged.yml');
    writeFileSync(path, 'version: 2\n');
    const err: string[] = [];
    const code = await main(['validate', '--policy', path], {
      stdout: () => {},
      stderr: (t) => err.push(t),
      env: {},
      now: () => 0,
    });
    expect(code).toBe(1);
    const out = err.join('\n');
    expect(out).toContain('> ::error::forged.yml');
    expect(out.split('\n').filter((l) => /^\s*::/.test(l))).toEqual([]);
  });
});

describe('secrets are masked and redacted in every form', () => {
  const token = 'tok {Zq9}"secret"';

  test('masking a secret masks its URL-encoded, JSON-escaped and base64 forms too', () => {
    const { written } = runner([['setSecret', token]]);
    const masks = written.filter((l) => l.startsWith('::add-mask::')).map((l) => l.trim());
    for (const form of [
      'tok%20%7BZq9%7D%22secret%22',
      'tok%20%7BZq9%7D%22secret%22'.replace(/%/g, '%25'),
      'tok {Zq9}\\"secret\\"',
      Buffer.from(token).toString('base64'),
    ]) {
      expect(
        masks.some(
          (m) => m === `::add-mask::${form.replace(/%/g, '%25')}` || m === `::add-mask::${form}`,
        ),
        form,
      ).toBe(true);
    }
  });

  test('an http strategy step masks the secret it expands and never logs it, raw or encoded', async () => {
    const target = await serve((req, res) => {
      // A deploy API echoing the request back in its error, as many do.
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`bad request to ${req.url} with ${req.headers.authorization}`);
    });
    const masked: string[] = [];
    const logger = recorder();
    const parsed = policySchema.parse({
      version: 1,
      environments: {
        production: {
          rollback: {
            strategies: {
              config: {
                http: {
                  url: `${target.url}/rollback/\${DEPLOY_TOKEN}?t=\${DEPLOY_TOKEN}`,
                  headers: { authorization: 'Bearer ${DEPLOY_TOKEN}' },
                  body: '{"token": "${DEPLOY_TOKEN}"}',
                },
              },
            },
          },
        },
      },
    });
    const rollback = parsed.environments.production?.rollback;
    if (!rollback) throw new Error('no rollback policy');
    const [step] = planStrategy('config', 'production', rollback, {
      flags: new Map(),
      env: { DEPLOY_TOKEN: token },
      logger,
      mask: (s) => masked.push(s),
    });
    expect(masked).toEqual([token]);
    if (!step) throw new Error('no step planned');
    const outcome = await step.run({
      logger,
      step: { environment: 'production', targetRef: 'v1', targetSha: 'a'.repeat(40) },
    } as never);
    expect(outcome.ok).toBe(false);
    expect(target.seen).toHaveLength(1);
    const everything = [...logger.lines, outcome.detail].join('\n');
    for (const form of secretForms(token)) expect(everything).not.toContain(form);
    expect(everything).not.toContain('Zq9');
    expect(outcome.detail).toContain('***');
  });
});

describe('secret headers do not follow a redirect to another origin', () => {
  const secretHeaders = {
    authorization: 'Bearer prom-token',
    'dd-api-key': 'dd-key-123',
    'dd-application-key': 'dd-app-456',
    'x-custom-token': 'custom-789',
  };

  test('a cross-origin redirect is followed without them, and says so', async () => {
    const elsewhere = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"success"}');
    });
    const origin = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const logger = recorder();
    const outcome = await requestWithRetry(
      `${origin.url}/api/v1/query`,
      { headers: { accept: 'application/json', ...secretHeaders } },
      { fetch, timeoutMs: 5_000, retries: 0, retryDelayMs: 1, logger, label: 'source "prom"' },
    );
    expect(outcome.ok).toBe(true);
    expect(elsewhere.seen).toHaveLength(1);
    const got = elsewhere.seen[0]?.headers ?? {};
    for (const name of Object.keys(secretHeaders)) expect(got[name], name).toBeUndefined();
    expect(got.accept).toBe('application/json');
    expect(logger.lines.join('\n')).toMatch(
      /redirected to another origin .* its headers authorization, dd-api-key, dd-application-key, x-custom-token are not sent there/,
    );
  });

  test('a same-origin redirect keeps them', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(307, { location: '/new' });
        res.end();
        return;
      }
      res.writeHead(200);
      res.end('ok');
    });
    const outcome = await requestWithRetry(
      `${server.url}/old`,
      { headers: secretHeaders },
      { fetch, timeoutMs: 5_000, retries: 0, retryDelayMs: 1, logger: silentLogger, label: 'x' },
    );
    expect(outcome.ok && outcome.text).toBe('ok');
    expect(server.seen[1]?.headers['dd-api-key']).toBe('dd-key-123');
  });
});

describe('response bodies are capped', () => {
  async function source(url: string) {
    const policy = policySchema.parse({
      version: 1,
      sources: { api: { type: 'http', url, retries: 0 } },
      environments: {
        production: {
          triggers: [
            {
              name: 'errors',
              severity: 'critical',
              source: 'api',
              query: '.error_rate',
              threshold: 1,
            },
          ],
        },
      },
    });
    const { sources } = createSources(policy, {
      env: {},
      policyDir: '/nonexistent',
      logger: silentLogger,
      now: () => 1_700_000_000_000,
      retryDelayMs: 1,
    });
    return { policy, sources };
  }

  test('an endless body stops at the cap and the trigger is inconclusive, saying why', async () => {
    let sent = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = (): void => {
        while (sent < 2 * 1024 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => res.destroy());
      pump();
    });
    const { policy, sources } = await source(`${server.url}/metrics`);
    const before = process.memoryUsage().rss;
    const decision = await evaluateEnvironment({
      policy,
      environment: 'production',
      sources,
      at: 1_700_000_000_000,
      logger: silentLogger,
    });
    const grew = process.memoryUsage().rss - before;
    expect(decision.decision).toBe('hold');
    expect(decision.triggers[0]?.status).toBe('inconclusive');
    expect(decision.triggers[0]?.reason).toContain(
      `the answer is larger than ${MAX_BODY_BYTES} bytes (decompressed)`,
    );
    // It stopped reading: far less than the 2 GiB offered was sent or held.
    expect(sent).toBeLessThan(512 * 1024 * 1024);
    expect(grew).toBeLessThan(256 * 1024 * 1024);
  }, 60_000);

  test('a gzip bomb is measured decompressed', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES / 16);
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const outcome = await requestWithRetry(
      `${server.url}/bomb`,
      {},
      { fetch, timeoutMs: 10_000, retries: 2, retryDelayMs: 1, logger: silentLogger, label: 'x' },
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(!outcome.ok && outcome.reason).toContain('larger than');
  }, 60_000);
});

describe('recordings the CLI cannot trust are errors (exit 1), not a hold', () => {
  function setup(recording: (dir: string) => string) {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-rec-'));
    const file = recording(dir);
    const policy = join(dir, 'ripcord.yml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'sources:',
        '  rec: {type: file, path: recording.om}',
        'environments:',
        '  production:',
        '    triggers:',
        '      - {name: errors, severity: critical, source: rec, query: error_ratio, threshold: 5%}',
        '',
      ].join('\n'),
    );
    return { policy, file };
  }
  async function evaluate(policy: string, extra: string[] = []) {
    const err: string[] = [];
    const code = await main(
      [
        'evaluate',
        '--environment',
        'production',
        '--policy',
        policy,
        '--at',
        '1700000600',
        ...extra,
      ],
      { stdout: () => {}, stderr: (t) => err.push(t), env: {}, now: () => 1_700_000_600_000 },
    );
    return { code, err: err.join('\n') };
  }

  test('two different values for one series at one time', async () => {
    const { policy } = setup((dir) => {
      const path = join(dir, 'recording.om');
      writeFileSync(
        path,
        '# TYPE error_ratio gauge\nerror_ratio 0.01 1700000000\nerror_ratio 0.02 1700000300\nerror_ratio 0.90 1700000300\n# EOF\n',
      );
      return path;
    });
    const { code, err } = await evaluate(policy);
    expect(code).toBe(1);
    expect(err).toContain(
      'recording.om:4: error_ratio has two values at 1700000300 (unix seconds): 0.02 on line 3 and 0.9 here',
    );
  });

  test('a recording that cannot be read (300 MiB of NUL bytes, no line ends) is exit 1 naming the limit', async () => {
    const { policy, file } = setup((dir) => {
      const path = join(dir, 'recording.om');
      // Sparse: 300 MiB on paper, no disk used. Streamed, so the size alone is no limit; a
      // line longer than the reader's 64 MiB line limit is.
      const fd = openSync(path, 'w');
      ftruncateSync(fd, 300 * 1024 * 1024);
      closeSync(fd);
      return path;
    });
    const { code, err } = await evaluate(policy, ['--source-file', file]);
    expect(code).toBe(1);
    expect(err).toMatch(/recording\.om:1: a line is longer than the limit of 64 MiB/);
  });
});

describe('a failing source read only by warning triggers surfaces', () => {
  test('it warns, with the reason, instead of a silent none', async () => {
    const policy = policySchema.parse({
      version: 1,
      sources: {
        prom: { type: 'prometheus', url: 'http://127.0.0.1:1', retries: 0, timeout: '2s' },
      },
      environments: {
        production: {
          triggers: [
            { name: 'latency', severity: 'warning', source: 'prom', query: 'up', threshold: 1 },
          ],
        },
      },
    });
    const { sources } = createSources(policy, {
      env: {},
      policyDir: '/nonexistent',
      logger: silentLogger,
      retryDelayMs: 1,
    });
    const decision = await evaluateEnvironment({
      policy,
      environment: 'production',
      sources,
      at: 1_700_000_000_000,
      logger: silentLogger,
    });
    expect(decision.decision).toBe('warn');
    expect(decision.strategy).toBeNull();
    expect(decision.summary).toMatch(
      /^Warn on production: latency .*; a warning trigger that cannot be read is not taken as healthy/,
    );
    expect(decision.summary).toContain(
      'latency could not be evaluated: Prometheus at http://127.0.0.1:1/',
    );
  });
});
