/**
 * The guard composite run the way the runner runs a composite action: each step's `if:` and
 * `${{ }}` expressions evaluated, its `run:` in bash with its env, GITHUB_ACTION_PATH and a
 * GITHUB_OUTPUT of its own, outputs read back as steps.<id>.outputs.*. The expression evaluator
 * here handles what guard uses (==, &&, ||, parentheses, literals, inputs.*, steps.*.outputs.*).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterEach, expect, test } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const root = resolve(import.meta.dirname, '..', '..');
let gh: GitHubStandIn | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

interface Step {
  id: string;
  if?: string;
  env?: Record<string, string>;
  run: string;
}
type Context = { inputs: Record<string, string>; steps: Record<string, Record<string, string>> };

function value(path: string, ctx: Context): string {
  const parts = path.split('.');
  if (parts[0] === 'inputs') return ctx.inputs[parts.slice(1).join('.')] ?? '';
  if (parts[0] === 'steps' && parts[2] === 'outputs')
    return ctx.steps[parts[1] ?? '']?.[parts.slice(3).join('.')] ?? '';
  throw new Error(`unsupported expression ${path}`);
}

/** A tiny recursive-descent evaluator: or := and ('||' and)*; and := cmp ('&&' cmp)*; cmp := atom ('==' atom)?. */
function evaluate(expr: string, ctx: Context): string | boolean {
  const tokens = expr.match(/'[^']*'|\|\||&&|==|\(|\)|[A-Za-z_][\w.-]*/g) ?? [];
  let i = 0;
  const atom = (): string | boolean => {
    const t = tokens[i++] ?? '';
    if (t === '(') {
      const v = or();
      i++;
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1);
    if (t === 'true' || t === 'false') return t === 'true';
    return value(t, ctx);
  };
  const cmp = (): string | boolean => {
    const left = atom();
    if (tokens[i] === '==') {
      i++;
      return String(left) === String(atom());
    }
    return left;
  };
  const and = (): string | boolean => {
    let v = cmp();
    while (tokens[i] === '&&') {
      i++;
      const r = cmp();
      v = Boolean(v) && Boolean(r);
    }
    return v;
  };
  const or = (): string | boolean => {
    let v = and();
    while (tokens[i] === '||') {
      i++;
      const r = and();
      v = Boolean(v) || Boolean(r);
    }
    return v;
  };
  return or();
}

const substitute = (text: string, ctx: Context) =>
  text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => String(evaluate(e, ctx)));

async function runGuard(inputs: Record<string, string>, baseEnv: Record<string, string>) {
  const action = parse(readFileSync(join(root, 'actions/guard/action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { steps: Step[] };
  };
  const ctx: Context = { inputs: {}, steps: {} };
  for (const [name, spec] of Object.entries(action.inputs))
    ctx.inputs[name] = inputs[name] ?? substitute(String(spec.default ?? ''), ctx);
  const ran: string[] = [];
  for (const step of action.runs.steps) {
    if (step.if && !evaluate(step.if, ctx)) continue;
    const dir = mkdtempSync(join(tmpdir(), `ripcord-guard-${step.id}-`));
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const env: Record<string, string> = {
      ...baseEnv,
      GITHUB_ACTION_PATH: join(root, 'actions/guard'),
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(v, ctx);
    const child = spawn('bash', ['-e', '-c', step.run], { cwd: root, env });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    const outputs: Record<string, string> = {};
    const lines = readFileSync(output, 'utf8').split('\n');
    for (let n = 0; n < lines.length; n++) {
      const m = /^([^<]+)<<(.+)$/.exec(lines[n] ?? '');
      if (!m) continue;
      const body: string[] = [];
      for (n += 1; n < lines.length && lines[n] !== m[2]; n++) body.push(lines[n] ?? '');
      outputs[m[1] ?? ''] = body.join('\n');
    }
    ctx.steps[step.id] = outputs;
    ran.push(`${step.id}:${code}`);
    if (code !== 0) return { ran, ctx, log };
  }
  return { ran, ctx, log: '' };
}

test('guard chains evaluate -> rollback -> verify on a critical breach, passing outputs along', async () => {
  gh = await startGitHubStandIn();
  const repo = gh.state.repo();
  repo.addDeployment({
    ref: 'v2.13.0',
    sha: 'a'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  repo.addDeployment({
    ref: 'v2.14.0',
    sha: 'b'.repeat(40),
    environment: 'production',
    statuses: [{ state: 'success' }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-guard-policy-'));
  const policy = join(dir, 'ripcord.yml');
  writeFileSync(
    policy,
    [
      'version: 1',
      'sources:',
      `  recorded: {type: file, path: ${join(root, 'examples/demo/incident.om')}}`,
      'environments:',
      '  production:',
      '    triggers:',
      "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%, for: 15m}",
      '    default_strategy: config',
      '    rollback:',
      '      strategies:',
      '        config: {command: "true"}',
      '    verify:',
      '      stabilization: 0s',
      '      interval: 1s',
      '      duration: 10s',
      '      successes: 1',
      '      checks:',
      '        - {name: smoke, type: smoke, command: "true"}',
      '',
    ].join('\n'),
  );
  const r = await runGuard(
    { environment: 'production', policy, watch: '', token: 'ghs_guard' },
    {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '77',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_EVENT_NAME: 'deployment_status',
      // An evaluation time inside the recorded incident, as a replay.
      'INPUT_SOURCE-FILE': '',
      INPUT_AT: '2026-11-24T10:20:00Z',
    },
  );
  expect(r.ran, r.log).toEqual(['triggers:0', 'rollback:0', 'verify:0']);
  expect(r.ctx.steps.triggers?.decision).toBe('rollback');
  expect(r.ctx.steps.rollback?.result).toBe('rolled-back');
  expect(r.ctx.steps.rollback?.['target-ref']).toBe('v2.13.0');
  expect(r.ctx.steps.verify?.result).toBe('passed');
  expect(gh.violations).toEqual([]);
}, 90_000);

test('shadow mode: guard never rolls back on a shadow breach, and tells the channels what it would have done', async () => {
  const { createServer } = await import('node:http');
  const received: string[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
  const port = (hook.address() as { port: number }).port;
  try {
    gh = await startGitHubStandIn();
    const repo = gh.state.repo();
    repo.addDeployment({
      ref: 'v2.13.0',
      sha: 'a'.repeat(40),
      environment: 'production',
      statuses: [{ state: 'success' }],
    });
    repo.addDeployment({
      ref: 'v2.14.0',
      sha: 'b'.repeat(40),
      environment: 'production',
      statuses: [{ state: 'success' }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-guard-shadow-'));
    const policy = join(dir, 'ripcord.yml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'sources:',
        `  recorded: {type: file, path: ${join(root, 'examples/demo/incident.om')}}`,
        'notify:',
        '  channels:',
        '    ops: {type: webhook, url: "${HOOK_URL}", secret: "${HOOK_SECRET}"}',
        '  routes:',
        '    - {events: [warning], channels: [ops]}',
        'environments:',
        '  production:',
        '    shadow: true',
        '    triggers:',
        "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%, for: 15m}",
        '    default_strategy: config',
        '    rollback:',
        '      strategies:',
        `        config: {command: "touch ${join(dir, 'rolled-back')}"}`,
        '',
      ].join('\n'),
    );
    const r = await runGuard(
      { environment: 'production', policy, watch: '', token: 'ghs_guard' },
      {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_API_URL: gh.url,
        GITHUB_RUN_ID: '78',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_EVENT_NAME: 'deployment_status',
        HOOK_URL: `http://127.0.0.1:${port}/hook`,
        HOOK_SECRET: 'shadow-secret',
        INPUT_AT: '2026-11-24T10:20:00Z',
      },
    );
    expect(r.ran, r.log).toEqual(['triggers:0', 'notify-shadow:0']);
    expect(r.ctx.steps.triggers?.decision).toBe('none');
    expect(r.ctx.steps.triggers?.['shadow-decision']).toBe('rollback');
    expect(existsSync(join(dir, 'rolled-back'))).toBe(false);
    expect(gh.state.repo().deployments).toHaveLength(2);
    expect(received.join('\n')).toMatch(
      /Shadow: Ripcord would have rolled back \(production is in shadow mode\)/,
    );
  } finally {
    hook.close();
  }
}, 90_000);
