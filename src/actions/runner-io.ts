/**
 * ActionIO over @actions/core, the runner's own library: inputs from INPUT_* variables, outputs
 * and the job summary through the files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name, annotations
 * on files (a policy problem shows on the policy's line), log groups, state for post steps and
 * OIDC tokens. @actions/core escapes the data and properties of the commands it writes (so a
 * message is one line and cannot end its command) but writes core.info() text as it is, so two
 * protections stay Ripcord's: every plain line that would read as a command is neutralised, and
 * a secret is masked in every form it can take (the runner masks only the exact strings given).
 */
import * as core from '@actions/core';
import { appendFileSync } from 'node:fs';
import { neutraliseCommands } from '../shared/logger.ts';
import { secretForms } from '../policy/secrets.ts';
import type { ActionIO } from './action-io.ts';

export function processRunnerIO(): ActionIO {
  let open = false;
  const endPhase = () => {
    if (open) core.endGroup();
    open = false;
  };
  return {
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => {
      // Without the file @actions/core falls back to the set-output command GitHub turned off.
      if (!process.env.GITHUB_OUTPUT) {
        core.warning(`GITHUB_OUTPUT is not set; output ${name} is not recorded`);
        return;
      }
      core.setOutput(name, value);
    },
    setSecret: (value) => {
      for (const form of secretForms(value)) core.setSecret(form);
    },
    appendSummary: async (markdown) => {
      // Run outside Actions (local-action, a terminal) there is no summary to write to.
      const file = process.env.GITHUB_STEP_SUMMARY;
      if (!file) return;
      // The runner creates the file; @actions/core refuses one that is missing, where appending
      // (what the runner's protocol asks) would create it, as a workflow-runner stand-in expects.
      appendFileSync(file, '');
      await core.summary.addRaw(markdown, true).write();
    },
    setFailed: (message) => {
      endPhase();
      core.setFailed(message);
    },
    debug: (message) => core.debug(message),
    info: (message) => core.info(neutraliseCommands(message)),
    warning: (message) => core.warning(message),
    error: (message) => core.error(message),
    annotate: (level, message, at) => {
      const properties: core.AnnotationProperties = {
        file: at.file,
        startLine: at.line,
        startColumn: at.column,
        ...(at.title === undefined ? {} : { title: at.title }),
      };
      if (level === 'error') core.error(message, properties);
      else if (level === 'warning') core.warning(message, properties);
      else core.notice(message, properties);
    },
    phase: (name) => {
      endPhase();
      core.startGroup(name);
      open = true;
    },
    endPhase,
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
    getIDToken: (audience) => core.getIDToken(audience),
  };
}
