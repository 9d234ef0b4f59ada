/**
 * ActionIO over the runner's documented protocol: inputs in INPUT_* variables, outputs and the
 * job summary appended to the files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, and
 * `::command::` lines on stdout. @actions/core does the same but loads an HTTP client for OIDC
 * at start-up (about 150 ms of a 220 ms cold start here), which every step would pay for.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { neutraliseCommands } from '../core/logger.ts';
import { secretForms } from '../core/secrets.ts';
import type { ActionIO } from './action-io.ts';

export interface RunnerEnv {
  env: Record<string, string | undefined>;
  write: (line: string) => void;
  setExitCode: (code: number) => void;
}

/** Escapes a command's data the way the runner unescapes it, so a value cannot end the command. */
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function runnerIO(runner: RunnerEnv): ActionIO {
  const command = (name: string, message: string) =>
    runner.write(`::${name}::${escapeData(message)}${EOL}`);
  return {
    getInput: (name) => (runner.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
    setOutput: (name, value) => {
      const file = runner.env.GITHUB_OUTPUT;
      if (!file) {
        command('warning', `GITHUB_OUTPUT is not set; output ${name} is not recorded`);
        return;
      }
      // A random delimiter cannot occur in the value, so the value cannot forge other outputs.
      const delimiter = `ghadelimiter_${randomUUID()}`;
      appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`);
    },
    // Every form the value can take once it is in a URL, a JSON body or a basic-auth header:
    // the runner masks only the exact strings it is given.
    setSecret: (value) => {
      for (const form of secretForms(value)) command('add-mask', form);
    },
    appendSummary: async (markdown) => {
      const file = runner.env.GITHUB_STEP_SUMMARY;
      if (file) appendFileSync(file, `${markdown}${EOL}`);
    },
    setFailed: (message) => {
      runner.setExitCode(1);
      command('error', message);
    },
    debug: (message) => command('debug', message),
    // A command's data is escaped (one line, cannot end the command); plain lines are not, so
    // every line that would read as a command is neutralised.
    info: (message) => runner.write(`${neutraliseCommands(message)}${EOL}`),
    warning: (message) => command('warning', message),
    error: (message) => command('error', message),
  };
}

export function processRunnerIO(): ActionIO {
  return runnerIO({
    env: process.env,
    write: (line) => process.stdout.write(line),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
}
