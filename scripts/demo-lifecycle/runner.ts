/**
 * Runs a committed action bundle the way the GitHub runner does: a child process of this node
 * with the inputs in INPUT_<NAME> variables (hyphens kept), outputs written to a GITHUB_OUTPUT
 * file and the job summary to a GITHUB_STEP_SUMMARY file. The spawn is asynchronous so the
 * in-process GitHub stand-in and the loopback receivers keep answering while the action runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  summaryPath: string;
  ms: number;
}

/** Parses the runner's GITHUB_OUTPUT file (name<<delimiter ... delimiter). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
    out[m[1] ?? ''] = value.join('\n');
  }
  return out;
}

export interface RunStepOptions {
  root: string;
  /** dist/<action>/index.js */
  action: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  /** Where this step's GITHUB_STEP_SUMMARY is kept. */
  summaryPath: string;
  /** Scratch folder for GITHUB_OUTPUT. */
  scratch: string;
  timeoutMs?: number;
}

let counter = 0;

export async function runStep(o: RunStepOptions): Promise<StepRun> {
  counter += 1;
  const output = join(o.scratch, `output-${counter}`);
  writeFileSync(output, '');
  writeFileSync(o.summaryPath, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: o.summaryPath,
    ...o.env,
  };
  for (const [k, v] of Object.entries(o.inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const started = Date.now();
  const child = spawn(process.execPath, [join(o.root, 'dist', o.action, 'index.js')], {
    cwd: o.root,
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
  const status = await new Promise<number | null>((done) =>
    child.on('close', (code) => done(code)),
  );
  clearTimeout(timer);
  return {
    status,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(output, 'utf8')),
    summary: readFileSync(o.summaryPath, 'utf8'),
    summaryPath: o.summaryPath,
    ms: Date.now() - started,
  };
}
