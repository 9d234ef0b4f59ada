/**
 * npm run bench: the speed and memory targets, as figures from one run on this machine.
 * Timings on a shared 2-core machine are noisy, so cold start is reported as a ratio to
 * `node -e 0` measured in the same run (medians of interleaved runs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const node = process.execPath;

function large(): Record<string, unknown> {
  execFileSync(node, [join(root, 'bench', 'evaluate-large.ts'), 'generate'], { cwd: root });
  const out = execFileSync(node, [join(root, 'bench', 'evaluate-large.ts')], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

function rollbackBench(): Record<string, unknown> {
  const out = execFileSync(node, [join(root, 'bench', 'rollback.ts')], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

function coldStart(runs: number): { nodeMs: number; actionMs: number; ratio: number } {
  const dir = join(root, '.tmp', 'bench-cold');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'ripcord.yml'),
    [
      'version: 1',
      'sources:',
      '  recorded: {type: file, path: ../../examples/demo/incident.om}',
      'environments:',
      '  production:',
      '    triggers:',
      "      - {name: error-rate, severity: critical, source: recorded, query: 'http_error_ratio', threshold: 5%, for: 15m}",
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    INPUT_POLICY: join(dir, 'ripcord.yml'),
    INPUT_ENVIRONMENT: 'production',
    INPUT_AT: '2026-11-24T10:20:00Z',
    'INPUT_FAIL-ON-ROLLBACK': 'false',
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
  const nodeTimes: number[] = [];
  const actionTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    writeFileSync(env.GITHUB_OUTPUT, '');
    writeFileSync(env.GITHUB_STEP_SUMMARY, '');
    nodeTimes.push(time(() => spawnSync(node, ['-e', '0'])));
    actionTimes.push(
      time(() => {
        const r = spawnSync(node, [join(root, 'dist', 'evaluate-triggers', 'index.js')], { env });
        if (r.status !== 0)
          throw new Error(`action failed: ${r.stdout.toString()}${r.stderr.toString()}`);
      }),
    );
  }
  const nodeMs = median(nodeTimes);
  const actionMs = median(actionTimes);
  return { nodeMs: round(nodeMs), actionMs: round(actionMs), ratio: round(actionMs / nodeMs) };
}

function bundleSizes(): Record<string, string> {
  const sizes: Record<string, string> = {};
  for (const name of readdirSync(join(root, 'dist'))) {
    const file = join(root, 'dist', name, 'index.js');
    sizes[name] = `${Math.round(statSync(file).size / 1024)} KiB`;
  }
  return sizes;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const result = {
  node: process.version,
  evaluateLarge: large(),
  coldStart: coldStart(15),
  rollback: rollbackBench(),
  bundles: bundleSizes(),
};
console.log(JSON.stringify(result, null, 2));
const l = result.evaluateLarge as { firstEvaluationMs: number; peakRssMB: number };
console.log(
  `\n200 triggers x 1,000 series x 360 points: ${l.firstEvaluationMs} ms (target < 1000 ms), peak RSS ${l.peakRssMB} MB (target < 300 MB)`,
);
console.log(
  `cold start: action ${result.coldStart.actionMs} ms vs node -e 0 ${result.coldStart.nodeMs} ms = ${result.coldStart.ratio}x (aim < 4x)`,
);
const rb = result.rollback as {
  msToFirstStep: number;
  callsBeforeFirstStep: number;
  overheadBeyondLatencyMs: number;
  totalCalls: number;
};
console.log(
  `rollback, 50 ms per GitHub call: first strategy step after ${rb.msToFirstStep} ms with ${rb.callsBeforeFirstStep} calls before it (aim <= 12), ${rb.overheadBeyondLatencyMs} ms besides latency (aim < 1000 ms), ${rb.totalCalls} calls in all`,
);
